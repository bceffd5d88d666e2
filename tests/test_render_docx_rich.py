"""Rich content in the Word file: emphasis, links, notes, tables and pictures,
read back from the .docx as a zip and with python-docx."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from lxml import etree
from PIL import Image

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
    ParsedBulletin,
    ParsedSection,
)
from jianbao.publishing.render.docx import W_NS, DocxSettings, render_docx
from jianbao.publishing.render.pdf import RenderFailed

W = f"{{{W_NS}}}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"

BOLD_TEXT = "会议强调，"
LINK_TEXT = "联盟网站"
PARAGRAPH_TEXT = f"{BOLD_TEXT}要把标准化工作抓实抓细，详见{LINK_TEXT}。"
NOTE_TEXT = "编者按：本期刊发增材制造联盟的标准化工作经验，供各联盟参考。"

# 4 rows × 3 columns: a header row, a cell spanning two columns in the last row
# and one spanning two rows in the last column.
TABLE_ROWS = (
    (Cell("序号"), Cell("标准名称"), Cell("状态")),
    (Cell("1"), Cell("增材制造 术语", (Mark("bold", 0, 4),)), Cell("已发布", rowspan=2)),
    (Cell("2"), Cell("增材制造 工艺分类")),
    (Cell("合计", colspan=2), Cell("1,234")),
)


def bulletin(*blocks: Block) -> ParsedBulletin:
    return ParsedBulletin(
        series_title="产业技术创新战略联盟试点工作",
        series_name="简报",
        office="联盟试点工作联络组办公室",
        year=2023,
        number=1,
        running_number=66,
        date=None,
        sections=(ParsedSection("联盟动态", (ParsedArticle("标准化工作取得进展", blocks),)),),
    )


def text_blocks() -> tuple[Block, ...]:
    start = PARAGRAPH_TEXT.index(LINK_TEXT)
    return (
        Block(
            PARAGRAPH,
            PARAGRAPH_TEXT,
            (
                Mark("bold", 0, len(BOLD_TEXT)),
                Mark("italic", len(BOLD_TEXT), len(BOLD_TEXT) + 2),
                Mark("link", start, start + len(LINK_TEXT), "https://example.org/?a=1&b=2"),
            ),
        ),
        Block(NOTE, NOTE_TEXT),
        Block(TABLE, rows=TABLE_ROWS, header_rows=1, caption="表1 联盟标准制定情况"),
    )


def document_xml(data: bytes):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def style_of(p) -> str | None:
    style = p.find(f"{W}pPr/{W}pStyle")
    return None if style is None else style.get(f"{W}val")


def style_element(document, style_id: str):
    return document.styles.element.find(f"{W}style[@{W}styleId='{style_id}']")


@pytest.fixture(scope="module")
def text_docx() -> bytes:
    return render_docx(bulletin(*text_blocks()))


@pytest.fixture(scope="module")
def text_document(text_docx):
    return docx.Document(io.BytesIO(text_docx))


def body_paragraph(root):
    return next(p for p in root.iter(f"{W}p") if text_of(p) == PARAGRAPH_TEXT)


def test_bold_run_prints_in_heiti_and_is_bold(text_docx, text_document):
    runs = [r for r in body_paragraph(document_xml(text_docx)).iter(f"{W}r")]
    bold = [r for r in runs if r.find(f"{W}rPr/{W}b") is not None]
    assert "".join(text_of(r) for r in bold) == BOLD_TEXT
    for run in bold:
        assert run.find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "Strong"
    strong = style_element(text_document, "Strong")
    assert strong.get(f"{W}type") == "character"
    assert strong.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "黑体"
    # Read back by python-docx as Word users and our importer do.
    paragraph = next(p for p in text_document.paragraphs if p.text == PARAGRAPH_TEXT)
    assert "".join(r.text for r in paragraph.runs if r.bold) == BOLD_TEXT


def test_bold_face_and_weight_are_settings():
    data = render_docx(
        bulletin(*text_blocks()), DocxSettings(bold_face="方正黑体_GBK", bold_weight=False)
    )
    document = docx.Document(io.BytesIO(data))
    strong = style_element(document, "Strong")
    assert strong.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "方正黑体_GBK"
    runs = list(body_paragraph(document_xml(data)).iter(f"{W}r"))
    assert not any(r.find(f"{W}rPr/{W}b") is not None for r in runs)
    assert text_of(runs[0]) == BOLD_TEXT
    assert runs[0].find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "Strong"


def test_italic_prints_in_kai_as_the_pdf_does(text_docx, text_document):
    runs = body_paragraph(document_xml(text_docx)).iter(f"{W}r")
    italic = [r for r in runs if r.find(f"{W}rPr/{W}rStyle[@{W}val='Emphasis']") is not None]
    assert "".join(text_of(r) for r in italic) == "要把"
    emphasis = style_element(text_document, "Emphasis")
    assert emphasis.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "楷体_GB2312"
    assert not any(r.find(f"{W}rPr/{W}i") is not None for r in italic)  # upright, no slant


def test_slanted_italic_is_a_setting():
    data = render_docx(bulletin(*text_blocks()), DocxSettings(italic_style="italic"))
    paragraph = next(
        p for p in docx.Document(io.BytesIO(data)).paragraphs if p.text == PARAGRAPH_TEXT
    )
    assert "".join(r.text for r in paragraph.runs if r.italic) == "要把"


def test_link_is_a_hyperlink_to_an_external_target(text_docx, text_document):
    links = list(body_paragraph(document_xml(text_docx)).iter(f"{W}hyperlink"))
    assert [text_of(h) for h in links] == [LINK_TEXT]
    rel = text_document.part.rels[links[0].get(f"{R}id")]
    assert rel.is_external
    assert rel.target_ref == "https://example.org/?a=1&b=2"
    assert rel.reltype.endswith("/hyperlink")
    run_style = links[0].find(f"{W}r/{W}rPr/{W}rStyle")
    assert run_style.get(f"{W}val") == "Hyperlink"


def test_a_link_word_should_not_open_prints_as_text():
    text = "点击这里"
    data = render_docx(
        bulletin(Block(PARAGRAPH, text, (Mark("link", 0, 4, "javascript:alert(1)"),)))
    )
    paragraph = next(p for p in document_xml(data).iter(f"{W}p") if text_of(p) == text)
    assert not list(paragraph.iter(f"{W}hyperlink"))
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").decode()
    assert "javascript" not in rels


def test_marks_out_of_range_or_overlapping_keep_the_text_whole():
    text = "一二三四五"
    marks = (Mark("bold", 1, 4), Mark("italic", 3, 99), Mark("bold", -5, 2), Mark("bold", 3, 3))
    data = render_docx(bulletin(Block(PARAGRAPH, text, marks)))
    paragraph = next(p for p in docx.Document(io.BytesIO(data)).paragraphs if p.text == text)
    # Bold and italic at once prints in 黑体, as in the PDF.
    assert [(r.text, bool(r.bold), r.style.name) for r in paragraph.runs] == [
        ("一二三", True, "Strong"),
        ("四", True, "Strong"),
        ("五", False, "Emphasis"),
    ]


def test_note_has_its_own_indented_kai_style(text_docx, text_document):
    root = document_xml(text_docx)
    note = next(p for p in root.iter(f"{W}p") if text_of(p) == NOTE_TEXT)
    assert style_of(note) == "Note"
    style = text_document.styles["Note"]
    fonts = style.element.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "楷体_GB2312"
    assert style.paragraph_format.left_indent > 0
    assert style.paragraph_format.right_indent > 0


def test_note_label_is_bold_heiti_and_printed_when_missing(text_docx):
    note = next(p for p in document_xml(text_docx).iter(f"{W}p") if text_of(p) == NOTE_TEXT)
    first = note.find(f"{W}r")
    assert text_of(first) == "编者按："
    assert first.find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "Strong"
    bare = render_docx(bulletin(Block(NOTE, "本期关注标准化。")))
    texts = [text_of(p) for p in document_xml(bare).iter(f"{W}p")]
    assert "编者按：本期关注标准化。" in texts
    unlabelled = render_docx(bulletin(Block(NOTE, "本期关注标准化。")), DocxSettings(note_label=""))
    assert "本期关注标准化。" in [text_of(p) for p in document_xml(unlabelled).iter(f"{W}p")]


def content_table(root):
    return next(t for t in root.iter(f"{W}tbl") if t.find(f"{W}tblPr/{W}tblStyle") is not None)


def test_table_is_a_word_table_with_the_cells_of_the_shape(text_docx):
    table = content_table(document_xml(text_docx))
    assert table.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == "BulletinTable"
    assert len(table.findall(f"{W}tblGrid/{W}gridCol")) == 3
    rows = table.findall(f"{W}tr")
    assert [[text_of(tc) for tc in tr.findall(f"{W}tc")] for tr in rows] == [
        ["序号", "标准名称", "状态"],
        ["1", "增材制造 术语", "已发布"],
        ["2", "增材制造 工艺分类", ""],  # under the vertical span
        ["合计", "1,234"],
    ]


def test_header_row_repeats_and_prints_in_heiti(text_docx, text_document):
    rows = content_table(document_xml(text_docx)).findall(f"{W}tr")
    assert [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in rows] == [
        True,
        False,
        False,
        False,
    ]
    assert {style_of(p) for p in rows[0].iter(f"{W}p")} == {"TableHeading"}
    assert {style_of(p) for tr in rows[1:] for p in tr.iter(f"{W}p")} == {"TableText"}
    fonts = text_document.styles["Table Heading"].element.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "黑体"


def test_merged_cells_span_the_grid(text_docx, text_document):
    rows = content_table(document_xml(text_docx)).findall(f"{W}tr")
    total = rows[3].findall(f"{W}tc")[0]
    assert total.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val") == "2"
    start = rows[1].findall(f"{W}tc")[2].find(f"{W}tcPr/{W}vMerge")
    assert start.get(f"{W}val") == "restart"
    below = rows[2].findall(f"{W}tc")[2].find(f"{W}tcPr/{W}vMerge")
    assert below is not None and below.get(f"{W}val") in (None, "continue")
    # python-docx resolves the merges as Word shows them.
    table = text_document.tables[1]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["序号", "标准名称", "状态"],
        ["1", "增材制造 术语", "已发布"],
        ["2", "增材制造 工艺分类", "已发布"],
        ["合计", "合计", "1,234"],
    ]


def test_numbers_are_right_aligned_and_text_is_not(text_docx):
    rows = content_table(document_xml(text_docx)).findall(f"{W}tr")

    def alignment(tc):
        jc = tc.find(f"{W}p/{W}pPr/{W}jc")
        return None if jc is None else jc.get(f"{W}val")

    assert alignment(rows[3].findall(f"{W}tc")[1]) == "right"
    assert alignment(rows[1].findall(f"{W}tc")[0]) == "right"
    assert alignment(rows[1].findall(f"{W}tc")[1]) is None
    assert alignment(rows[0].findall(f"{W}tc")[0]) is None  # headings stay centred


def test_bold_in_a_cell_is_bold(text_document):
    cell = text_document.tables[1].cell(1, 1)
    assert [(r.text, bool(r.bold)) for r in cell.paragraphs[0].runs] == [
        ("增材制造", True),
        (" 术语", False),
    ]


def test_table_caption_stands_above_and_keeps_with_the_table(text_docx, text_document):
    table = content_table(document_xml(text_docx))
    caption = table.getprevious()
    assert caption.tag == f"{W}p" and text_of(caption) == "表1 联盟标准制定情况"
    assert style_of(caption) == "TableCaption"
    style = text_document.styles["Table Caption"]
    assert style.base_style.name == "Caption"
    assert style.paragraph_format.keep_with_next


def test_table_grid_borders_are_on_the_table_style(text_document):
    borders = style_element(text_document, "BulletinTable").find(f"{W}tblPr/{W}tblBorders")
    sides = {etree.QName(b).localname: b.get(f"{W}val") for b in borders}
    assert sides == dict.fromkeys(
        ("top", "left", "bottom", "right", "insideH", "insideV"), "single"
    )


def test_ragged_and_overlapping_spans_still_make_a_rectangular_grid():
    rows = (
        (Cell("甲", rowspan=3), Cell("乙"), Cell("丙")),
        (Cell("丁", colspan=5),),  # would run past the grid's other rows
        (Cell("戊"),),  # a short row
    )
    data = render_docx(bulletin(Block(TABLE, rows=rows, header_rows=9)))
    table = content_table(document_xml(data))
    width = len(table.findall(f"{W}tblGrid/{W}gridCol"))
    for tr in table.findall(f"{W}tr"):
        spans = [
            int(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val"))
            if tc.find(f"{W}tcPr/{W}gridSpan") is not None
            else 1
            for tc in tr.findall(f"{W}tc")
        ]
        assert sum(spans) == width
    # More header rows than rows: all rows are header rows, none is lost.
    assert len(table.findall(f"{W}tr/{W}trPr/{W}tblHeader")) == 3
    document = docx.Document(io.BytesIO(data))
    assert document.tables[1].cell(2, 0).text == "甲"


# Schema order (ECMA-376) of the children the rich blocks add; Word refuses a
# file whose children are out of order, python-docx does not care.
ORDER = {
    "tblPr": [
        "tblStyle",
        "tblpPr",
        "tblW",
        "jc",
        "tblInd",
        "tblBorders",
        "tblLayout",
        "tblCellMar",
        "tblLook",
    ],
    "tcPr": [
        "tcW",
        "gridSpan",
        "hMerge",
        "vMerge",
        "tcBorders",
        "shd",
        "noWrap",
        "tcMar",
        "vAlign",
    ],
    "rPr": [
        "rStyle",
        "rFonts",
        "b",
        "bCs",
        "i",
        "iCs",
        "color",
        "spacing",
        "sz",
        "szCs",
        "u",
        "lang",
    ],
    "pPr": [
        "pStyle",
        "keepNext",
        "keepLines",
        "pBdr",
        "tabs",
        "spacing",
        "ind",
        "jc",
        "outlineLvl",
    ],
    "tc": ["tcPr", "p"],
    "tr": ["trPr", "tc"],
    "tbl": ["tblPr", "tblGrid", "tr"],
    "style": ["name", "basedOn", "next", "link", "qFormat", "pPr", "rPr", "tblPr"],
}


def check_schema_order(data: bytes) -> int:
    package = zipfile.ZipFile(io.BytesIO(data))
    checked = 0
    for part in ("word/document.xml", "word/styles.xml"):
        root = etree.fromstring(package.read(part))
        for parent_name, order in ORDER.items():
            for parent in root.iter(f"{W}{parent_name}"):
                names = [etree.QName(c).localname for c in parent if isinstance(c.tag, str)]
                known = [n for n in names if n in order]
                assert known == sorted(known, key=order.index), (part, parent_name, names)
                if parent_name not in ("tc", "tr", "tbl"):
                    assert len(set(known)) == len(known), (part, parent_name, names)
                checked += 1
        # Widths are whole twips: Word refuses "7304.0".
        for tag in ("gridCol", "tcW", "tblW"):
            for el in root.iter(f"{W}{tag}"):
                assert el.get(f"{W}w").isdigit(), (part, tag, el.get(f"{W}w"))
    return checked


def test_rich_children_are_in_schema_order(text_docx):
    assert check_schema_order(text_docx) > 50


def test_text_only_bulletin_is_unchanged_by_the_rich_styles(parsed):
    # The sample has no marks: its paragraphs stay single runs in Body Text.
    document = docx.Document(io.BytesIO(render_docx(parsed)))
    body = [p for p in document.paragraphs if p.style.name == "Body Text"]
    assert body and all(len(p.runs) == 1 for p in body)


# --- Pictures --------------------------------------------------------------------------------


@pytest.fixture
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    return tmp_path / "media"


def photo(width: int, height: int) -> Image.Image:
    """Noise over a gradient: thousands of colours, as a photograph has."""
    noise = Image.effect_noise((width, height), 40)
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (noise, ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


FIRST_CAPTION = "图为联盟理事会会议现场"
SECOND_CAPTION = "图2 增材制造样件"


@pytest.fixture
def stored(db, picture_storage):
    first = pictures.accept(encoded(photo(1200, 800), "JPEG"), filename="会场.jpg")
    drawing = Image.new("RGB", (600, 900), "white")
    drawing.paste((200, 30, 30), (100, 100, 500, 800))
    second = pictures.accept(encoded(drawing, "PNG"), filename="样件.png")
    return first, second


def picture_block(p, **fields) -> Block:
    return Block(IMAGE, file=p.name, width=p.width, height=p.height, **fields)


@pytest.fixture
def rich_docx(stored) -> bytes:
    first, second = stored
    blocks = text_blocks()
    return render_docx(
        bulletin(
            blocks[0],
            picture_block(first, caption=FIRST_CAPTION),
            blocks[1],
            picture_block(second, caption=SECOND_CAPTION, alt="红色样件", print_width=0.5),
            blocks[2],
        )
    )


def drawings(root):
    return list(root.iter(f"{WP}inline"))


def test_the_rich_bulletin_holds_its_pictures_table_and_bold(rich_docx):
    package = zipfile.ZipFile(io.BytesIO(rich_docx))
    media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert len(media) == 2
    assert {Image.open(io.BytesIO(package.read(n))).size for n in media} == {
        (1200, 800),
        (600, 900),
    }
    root = document_xml(rich_docx)
    table = content_table(root)
    rows = table.findall(f"{W}tr")
    assert [text_of(tc) for tc in rows[0].findall(f"{W}tc")] == ["序号", "标准名称", "状态"]
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert rows[3].find(f"{W}tc/{W}tcPr/{W}gridSpan").get(f"{W}val") == "2"
    bold = [r for r in body_paragraph(root).iter(f"{W}r") if r.find(f"{W}rPr/{W}b") is not None]
    assert "".join(text_of(r) for r in bold) == BOLD_TEXT
    document = docx.Document(io.BytesIO(rich_docx))
    assert len(document.inline_shapes) == 2
    assert check_schema_order(rich_docx) > 50


def test_pictures_are_inline_and_centred_with_their_caption_below(rich_docx):
    document = docx.Document(io.BytesIO(rich_docx))
    paragraphs = document.paragraphs
    holders = [i for i, p in enumerate(paragraphs) if p._p.findall(f".//{WP}inline")]
    assert len(holders) == 2
    for i, caption in zip(holders, (FIRST_CAPTION, SECOND_CAPTION), strict=True):
        picture = paragraphs[i]
        assert picture.style.name == "Picture" and picture.text == ""
        assert picture.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert picture.style.paragraph_format.keep_with_next  # the caption stays with it
        assert paragraphs[i + 1].style.name == "Caption"
        assert paragraphs[i + 1].text == caption
    caption_style = document.styles["Caption"]
    fonts = caption_style.element.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "楷体_GB2312"
    assert caption_style.font.size < document.styles["Normal"].font.size  # 四号 under 三号
    # A picture's line is not the body's fixed pitch, which would crop it to one line.
    spacing = document.styles["Picture"].element.find(f"{W}pPr/{W}spacing")
    assert spacing.get(f"{W}lineRule") == "auto"


def test_pictures_print_at_their_share_of_the_text_width(rich_docx):
    document = docx.Document(io.BytesIO(rich_docx))
    first, second = document.inline_shapes
    text_width = Mm(156)
    assert abs(first.width - text_width * 0.8) < Mm(0.1)  # DocxSettings.picture_width
    assert abs(first.height - first.width * 800 / 1200) < Mm(0.1)
    assert abs(second.width - text_width * 0.5) < Mm(0.1)  # the block's print_width
    assert abs(second.height - second.width * 900 / 600) < Mm(0.1)


def test_default_print_width_is_a_setting(stored):
    first, _ = stored
    data = render_docx(bulletin(picture_block(first)), DocxSettings(picture_width=0.4))
    (shape,) = docx.Document(io.BytesIO(data)).inline_shapes
    assert abs(shape.width - Mm(156) * 0.4) < Mm(0.1)


def test_a_tall_or_small_picture_is_not_blown_up(db, picture_storage):
    tall = pictures.accept(encoded(photo(400, 2000), "JPEG"), filename="长图.jpg")
    small = pictures.accept(encoded(photo(150, 100), "JPEG"), filename="小图.jpg")
    data = render_docx(bulletin(picture_block(tall), picture_block(small)))
    tall_shape, small_shape = docx.Document(io.BytesIO(data)).inline_shapes
    assert abs(tall_shape.height - Mm(225 * 0.6)) < Mm(0.1)  # 0.6 of the text block
    assert abs(small_shape.width - Mm(150 / 150 * 25.4)) < Mm(0.1)  # 150 dpi at most


def test_alt_text_comes_from_alt_or_the_caption(rich_docx):
    described = [d.find(f"{WP}docPr").get("descr") for d in drawings(document_xml(rich_docx))]
    assert described == [FIRST_CAPTION, "红色样件"]
    ids = [d.find(f"{WP}docPr").get("id") for d in drawings(document_xml(rich_docx))]
    assert len(set(ids)) == 2


def test_alt_text_and_caption_with_xml_specials_survive(stored):
    first, _ = stored
    block = picture_block(first, caption='A&B <会场> "一"\x07', alt="甲 & 乙 <丙>\x0b")
    root = document_xml(render_docx(bulletin(block)))
    (inline,) = drawings(root)
    assert inline.find(f"{WP}docPr").get("descr") == "甲 & 乙 <丙>"
    assert 'A&B <会场> "一"' in [text_of(p) for p in root.iter(f"{W}p")]


def test_a_picture_without_caption_does_not_hold_on_to_the_next_paragraph(stored):
    first, _ = stored
    data = render_docx(bulletin(picture_block(first), Block(PARAGRAPH, "下一段。")))
    picture = next(
        p for p in document_xml(data).iter(f"{W}p") if p.find(f".//{WP}inline") is not None
    )
    assert picture.find(f"{W}pPr/{W}keepNext").get(f"{W}val") == "0"
    assert picture.getnext() is not None and style_of(picture.getnext()) == "BodyText"


def test_the_same_picture_twice_is_stored_once(stored):
    first, _ = stored
    data = render_docx(bulletin(picture_block(first), picture_block(first, caption="再看一次")))
    package = zipfile.ZipFile(io.BytesIO(data))
    assert len([n for n in package.namelist() if n.startswith("word/media/")]) == 1
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 2


def test_a_missing_picture_is_named_in_chinese(db, picture_storage):
    missing = Block(IMAGE, file="0" * 32 + ".jpg", caption="会场", width=10, height=10)
    with pytest.raises(RenderFailed) as info:
        render_docx(bulletin(missing))
    message = str(info.value)
    assert "《标准化工作取得进展》的图片“会场”" in message
    assert "0" * 32 + ".jpg" in message


def test_a_wide_table_fits_the_text_width():
    header = tuple(Cell(f"第{i}年") for i in range(1, 13))
    values = tuple(Cell(f"{i * 1000:,}") for i in range(1, 13))
    note = (Cell("说明：以上数据为各联盟报送的年度统计数据，未经审计", colspan=12),)
    data = render_docx(bulletin(Block(TABLE, rows=(header, values, note), header_rows=1)))
    table = content_table(document_xml(data))
    widths = [int(g.get(f"{W}w")) for g in table.findall(f"{W}tblGrid/{W}gridCol")]
    assert len(widths) == 12 and all(w > 0 for w in widths)
    assert sum(widths) <= round(156 / 25.4 * 1440)


def test_narrow_columns_keep_to_their_cells_and_the_rest_share_the_width(text_docx):
    table = content_table(document_xml(text_docx))
    widths = [int(g.get(f"{W}w")) for g in table.findall(f"{W}tblGrid/{W}gridCol")]
    # 序号 and 状态 are as wide as their cells; 标准名称 takes what is left.
    assert widths[0] < widths[2] < widths[1]
    assert abs(sum(widths) - round(156 / 25.4 * 1440)) <= 3
