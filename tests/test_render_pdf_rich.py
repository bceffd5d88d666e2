"""Rich content in the PDF: pictures with captions, ruled tables, emphasis and notes.

Pictures are made with Pillow and stored through publishing.pictures, as the
importers store them; the PDF is read back with poppler and pypdf.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from jianbao.publishing import pictures
from jianbao.publishing.parsed import (
    IMAGE,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    ParsedArticle,
    ParsedSection,
)
from jianbao.publishing.render.pdf import (
    PdfSettings,
    RenderFailed,
    bulletin_data,
    preflight,
    render_pdf,
    runs,
    table_data,
)

pytestmark = pytest.mark.django_db

CAPTIONS = ("图为联盟第九次成员大会现场", "图2　与会代表参观示范生产线")
HEADER = ("序号", "标准名称", "牵头单位", "经费（万元）")
BOLD = "联盟将继续加强标准体系建设"
PARAGRAPH_TEXT = f"会上，{BOLD}，推动行业高质量发展。"


def photo(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG: noise over a gradient, different for every seed."""
    noise = Image.effect_noise((width, height), 30 + seed).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(noise, gradient, 0.6)
    corner = (seed * 37 % (width // 4), seed * 29 % (height // 4))
    ImageDraw.Draw(picture).ellipse((*corner, width // 2, height // 2), fill="red")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"


def picture_block(seed: int, caption: str, width=1600, height=1200, print_width=0.0) -> Block:
    stored = pictures.accept(photo(width, height, seed), filename=f"现场{seed}.jpg")
    return Block(
        IMAGE,
        file=stored.name,
        caption=caption,
        alt=caption,
        width=stored.width,
        height=stored.height,
        print_width=print_width,
    )


def standards_table(rows: int, *, merged: bool = True) -> Block:
    body = [
        (
            Cell(str(i)),
            Cell(f"增材制造用金属粉末第{i}部分"),
            Cell(f"第{i}成员单位"),
            Cell(f"{i * 1234.5:,.1f}"),
        )
        for i in range(1, rows + 1)
    ]
    if merged:
        # Row 2: one cell over 标准名称 and 牵头单位, as Word merges them.
        body[1] = (Cell("2"), Cell("两项标准合并立项", colspan=2), Cell("2,469.0"))
        # Rows 3 and 4: one 牵头单位 cell over both, the covered cell left out.
        lead = Cell("两项共同牵头", rowspan=2)
        body[2] = (Cell("3"), Cell("金属粉末第3部分"), lead, Cell("3,703.5"))
        body[3] = (Cell("4"), Cell("金属粉末第4部分"), Cell("4,938.0"))
    return Block(
        TABLE,
        rows=(tuple(Cell(h) for h in HEADER), *body),
        header_rows=1,
        caption="表1　2023年立项的团体标准",
    )


def rich_article(*blocks: Block, title="粉末冶金联盟发布7项团体标准") -> ParsedArticle:
    return ParsedArticle(title=title, blocks=blocks, credit="粉末冶金联盟秘书处供稿")


def with_article(parsed, article: ParsedArticle):
    first = parsed.sections[0]
    section = dataclasses.replace(first, articles=(article, *first.articles))
    return dataclasses.replace(parsed, sections=(section, *parsed.sections[1:]))


def pdftotext(pdf: bytes, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def images(pdf: bytes) -> list[dict]:
    """``pdfimages -list``: page, width and height of every image drawn."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = subprocess.run(
            ["pdfimages", "-list", fh.name], capture_output=True, check=True, text=True
        ).stdout
    return [
        {"page": int(cols[0]), "width": int(cols[3]), "height": int(cols[4])}
        for cols in (line.split() for line in out.splitlines()[2:])
    ]


def page_texts(pdf: bytes) -> list[str]:
    return [squash(p) for p in pdftotext(pdf).split("\f")]


def fonts_of(pdf: bytes, page: int) -> list[tuple[str, str]]:
    """(font, text) of every text run on a page (0-based), from pypdf."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            found.append((str(font.get("/BaseFont")), text))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def words(pdf: bytes) -> list[dict]:
    """Words with their page and box, from ``pdftotext -bbox``."""
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", pdftotext(pdf, "-bbox")))
    out = []
    for n, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        for w in page.iter("{http://www.w3.org/1999/xhtml}word"):
            out.append(
                {"page": n, "text": w.text, **{k: float(w.get(k)) for k in ("xMin", "xMax")}}
            )
    return out


def test_pictures_table_bold_and_note_reach_the_pdf(parsed, store):
    article = rich_article(
        Block(NOTE, "本期介绍粉末冶金联盟的标准工作，供各联盟参阅。"),
        Block(PARAGRAPH, PARAGRAPH_TEXT, (Mark("bold", 3, 3 + len(BOLD)),)),
        picture_block(1, CAPTIONS[0]),
        picture_block(2, CAPTIONS[1], width=1200, height=1600, print_width=0.5),
        standards_table(4),
        Block(
            PARAGRAPH,
            "详见联盟网站。",
            (Mark("link", 2, 6, "https://www.citisa.org/"), Mark("link", 0, 2, "javascript:x")),
        ),
    )
    pdf = render_pdf(with_article(parsed, article))

    drawn = images(pdf)
    assert [(i["width"], i["height"]) for i in drawn] == [(1600, 1200), (1200, 1600)]
    text = squash(pdftotext(pdf))
    for caption in CAPTIONS:
        assert squash(caption) in text
    assert squash("表1　2023年立项的团体标准") in text
    for cell in (
        *HEADER,
        "增材制造用金属粉末第1部分",
        "两项标准合并立项",
        "金属粉末第4部分",
        "两项共同牵头",
        "4,938.0",
    ):
        assert squash(cell) in text, cell
    # Merged cells are one cell each: their text once.
    assert text.count("两项标准合并立项") == 1 and text.count("两项共同牵头") == 1
    assert "第2成员单位" not in text and "第4成员单位" not in text
    # The note has its label; the body reads on.
    assert "编者按：本期介绍粉末冶金联盟的标准工作" in text
    assert squash(PARAGRAPH_TEXT) in text

    page = next(n for n, t in enumerate(page_texts(pdf)) if squash(PARAGRAPH_TEXT) in t)
    runs_on_page = fonts_of(pdf, page)
    bold = [f for f, t in runs_on_page if BOLD in t]
    plain = [f for f, t in runs_on_page if "推动行业高质量发展" in t]
    assert bold and all("NotoSansCJKsc-Bold" in f for f in bold), runs_on_page  # 黑体
    assert plain and all("NotoSerifCJKsc-Regular" in f for f in plain)
    # The note may sit on another page than the paragraph.
    note_page = next(n for n, t in enumerate(page_texts(pdf)) if "本期介绍" in squash(t))
    note_runs = fonts_of(pdf, note_page)
    label = [f for f, t in note_runs if "编者按" in t]
    body = [f for f, t in note_runs if "本期介绍" in t]
    assert "NotoSansCJKsc-Bold" in label[0] and "LXGWWenKai" in body[0]  # the note in 楷体

    # The header cells in 黑体, the body cells in the body face.
    table_page = next(n for n, t in enumerate(page_texts(pdf)) if "两项标准合并立项" in t)
    cells = fonts_of(pdf, table_page)
    assert all("NotoSansCJKsc-Bold" in f for f, t in cells if t.strip() in HEADER[1:])
    assert all("NotoSerif" in f for f, t in cells if "增材制造用金属粉末" in t)

    uris = [
        a.get_object()["/A"].get("/URI")
        for p in PdfReader(io.BytesIO(pdf)).pages
        for a in p.get("/Annots", [])
        if a.get_object()["/Subtype"] == "/Link" and "/A" in a.get_object()
    ]
    assert "https://www.citisa.org/" in uris
    assert not any("javascript" in str(u) for u in uris)


def test_bold_can_be_the_body_face_bold(parsed, store):
    article = rich_article(Block(PARAGRAPH, PARAGRAPH_TEXT, (Mark("bold", 3, 3 + len(BOLD)),)))
    pdf = render_pdf(with_article(parsed, article), PdfSettings(bold_style="bold"))
    page = next(n for n, t in enumerate(page_texts(pdf)) if squash(PARAGRAPH_TEXT) in t)
    bold = [f for f, t in fonts_of(pdf, page) if BOLD in t]
    assert bold and all("NotoSerifCJKsc-Bold" in f for f in bold)


def test_a_caption_stays_on_its_pictures_page(parsed, store):
    # Half-width pictures after runs of text one line longer each time, with
    # captions of three lines: at the foot of some pages there is room for the
    # picture but not for its caption (with a breakable picture block, the
    # first and third captions here go to the next page).
    blocks = []
    captions = []
    for i in range(12):
        blocks.append(Block(PARAGRAPH, "说明文字" * 7 * (i + 1)))  # about i + 1 lines
        captions.append(f"图{i + 1}　" + f"第{i + 1}组活动现场，与会代表参观示范生产线" * 3)
        blocks.append(picture_block(10 + i, captions[-1], print_width=0.5))
    section = ParsedSection("联盟动态", (rich_article(*blocks),))
    pdf = render_pdf(dataclasses.replace(parsed, sections=(section,)))
    drawn = images(pdf)
    assert len(drawn) == 12
    pages = page_texts(pdf)
    for image, caption in zip(drawn, captions, strict=True):
        assert squash(caption) in pages[image["page"] - 1], caption


def test_a_long_table_repeats_its_header_and_aligns_its_figures(parsed, store):
    pdf = render_pdf(with_article(parsed, rich_article(standards_table(60, merged=False))))
    table_pages = [n for n, t in enumerate(page_texts(pdf), start=1) if "金属粉末第" in t]
    assert len(table_pages) >= 2
    layout = [w for w in words(pdf) if w["page"] in table_pages]
    header_pages = [w["page"] for w in layout if w["text"] == "经费（万元）"]
    assert header_pages == table_pages  # once on every page of the table
    text = squash(pdftotext(pdf))
    assert text.count("标准名称") == len(table_pages) >= 2
    assert "增材制造用金属粉末第60部分" in text
    # Figures are right-aligned: on each page (odd and even pages sit apart for
    # the binding) their right edges line up, their left edges do not.
    figures = [w for w in layout if re.fullmatch(r"[\d,]+\.\d", w["text"] or "")]
    assert len(figures) == 60
    for page in table_pages:
        rights = {round(w["xMax"]) for w in figures if w["page"] == page}
        lefts = {round(w["xMin"]) for w in figures if w["page"] == page}
        assert len(rights) == 1, page
        assert len(lefts) > 1 or len([w for w in figures if w["page"] == page]) == 1, page


def test_runs_cut_text_where_emphasis_changes():
    text = "一二三四五六七八"
    marks = (
        Mark("bold", 1, 5),
        Mark("italic", 3, 7),
        Mark("link", 6, 99, "https://example.org/"),
        Mark("link", 0, 1, "javascript:alert(1)"),
    )
    assert runs(text, marks) == [
        {"text": "一"},
        {"text": "二三", "bold": True},
        {"text": "四五", "bold": True, "italic": True},
        {"text": "六", "italic": True},
        {"text": "七", "italic": True, "href": "https://example.org/"},
        {"text": "八", "href": "https://example.org/"},
    ]
    assert "".join(r["text"] for r in runs(text, marks)) == text


def test_tables_are_placed_on_their_grid_as_html_places_them():
    table = Block(
        TABLE,
        rows=(
            (Cell("甲", rowspan=3), Cell("乙", colspan=2)),  # 甲 may not leave the header
            (Cell("1"), Cell("二", rowspan=2), Cell("3")),
            (Cell("四", colspan=3),),  # runs into 二 from above: cut
            (Cell("5"),),  # a short row: the rest stays empty
        ),
        header_rows=1,
    )
    data = table_data(table, PdfSettings())
    placed = [(c["text"], c["x"], c["y"], c["colspan"], c["rowspan"]) for c in data["cells"]]
    assert placed == [
        ("甲", 0, 0, 1, 1),
        ("乙", 1, 0, 2, 1),
        ("1", 0, 1, 1, 1),
        ("二", 1, 1, 1, 2),
        ("3", 2, 1, 1, 1),
        ("四", 0, 2, 1, 1),
        ("5", 0, 3, 1, 1),
    ]
    assert [c["align"] for c in data["cells"]] == [
        "center",
        "center",
        "right",
        "left",
        "right",
        "left",
        "right",
    ]
    assert len(data["columns"]) == 3 and data["header_rows"] == 1


def test_a_note_keeps_its_own_label():
    note = Block(NOTE, "按语：已经写了按语的编者按。")
    section = ParsedSection("栏目", (rich_article(note),))
    data = bulletin_data(
        dataclasses.replace(_empty_bulletin(), sections=(section,)),
        PdfSettings(note_label="编者按："),
    )
    block = data["sections"][0]["articles"][0]["blocks"][0]
    assert (block["label"], block["text"]) == ("按语：", "已经写了按语的编者按。")


def _empty_bulletin():
    from jianbao.publishing.parsed import ParsedBulletin

    return ParsedBulletin("试点工作", "简报", "办公室", 2023, 1, 66, None)


def test_preflight_checks_captions_and_cells(parsed):
    missing = "\U00031350"  # CJK Extension H: no installed font has it
    for block in (
        Block(IMAGE, file="0" * 32 + ".jpg", caption=f"图为{missing}现场"),
        Block(TABLE, rows=((Cell("名称"),), (Cell(f"缺字{missing}"),)), header_rows=1),
    ):
        bulletin = with_article(parsed, rich_article(block, title="缺字的文章"))
        with pytest.raises(RenderFailed, match=r"《缺字的文章》.*U\+31350"):
            preflight(bulletin)


def test_a_picture_gone_from_the_store_names_its_article(parsed, store):
    block = Block(IMAGE, file="0" * 32 + ".jpg", caption="图为会议现场", width=800, height=600)
    with pytest.raises(RenderFailed, match="《缺图的文章》的图片“图为会议现场”"):
        render_pdf(with_article(parsed, rich_article(block, title="缺图的文章")))


def test_two_threads_render_pictures_at_once(parsed, store):
    from concurrent.futures import ThreadPoolExecutor

    bulletins = [
        with_article(parsed, rich_article(picture_block(30 + i, f"图为第{i + 1}次会议现场")))
        for i in range(2)
    ]
    with ThreadPoolExecutor(2) as pool:
        pdfs = list(pool.map(render_pdf, bulletins))
    for i, pdf in enumerate(pdfs):
        assert len(images(pdf)) == 1
        assert f"图为第{i + 1}次会议现场" in squash(pdftotext(pdf))
