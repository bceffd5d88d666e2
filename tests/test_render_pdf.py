"""The PDF: its text layer, fonts, structure and Chinese line-breaking rules."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import subprocess
import tempfile

import pdfplumber
import pytest
from pypdf import PdfReader

from jianbao.core.errors import JianbaoError
from jianbao.publishing import fonts
from jianbao.publishing.parsed import HEADING, PARAGRAPH, Block, ParsedArticle, ParsedSection
from jianbao.publishing.render.pdf import PdfSettings, credit_line, render_pdf, toc_pages

BAD_START = "，。、；：？！）」》”"
BAD_END = "（「《“"
RARE = "𠀀喆䶮®™"


def pdftotext(pdf: bytes, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def pdffonts(pdf: bytes) -> list[dict]:
    # pdffonts reads no standard input.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = subprocess.run(
            ["pdffonts", fh.name], capture_output=True, check=True, text=True
        ).stdout
    rows = []
    for line in out.splitlines()[2:]:
        # name, type (may hold spaces), encoding, emb, sub, uni, object, id
        m = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert m, f"unexpected pdffonts line: {line!r}"
        rows.append({"name": m[1], "emb": m[4], "sub": m[5], "uni": m[6]})
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def fixture_pdf(parsed) -> bytes:
    return render_pdf(parsed)


@pytest.fixture(scope="session")
def pdf_text(fixture_pdf) -> str:
    return pdftotext(fixture_pdf)


def test_is_an_a4_pdf_with_several_pages(fixture_pdf):
    reader = PdfReader(io.BytesIO(fixture_pdf))
    assert len(reader.pages) > 5
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_text_layer_holds_every_section_title_and_credit_in_order(parsed, pdf_text):
    # Paragraphs run across pages, so the page numbers between are taken out.
    text = squash(re.sub(r"—\s*\d+\s*—", "", pdf_text))
    # Skip the 导读 box, which repeats the titles, by finding its entries first.
    pos = 0
    for article in parsed.articles:
        pos = text.index(squash(article.toc_title or article.title), pos)
    expected = []
    for section in parsed.sections:
        expected.append(section.title)
        for article in section.articles:
            expected.append(article.title)
            expected += [b.text for b in article.blocks[:1]]
            if article.credit:
                expected.append(credit_line(article.credit))
    for item in expected:
        found = text.find(squash(item), pos)
        assert found >= 0, f"missing or out of order: {item}"
        pos = found + len(squash(item))
    assert text.index("本期编辑：杨丹泽", pos) > pos


def test_masthead_and_closing_block(parsed, pdf_text):
    first_page = squash(pdf_text.split("\f")[0])
    for item in (parsed.series_title, "2023年第1期（总第66期）", parsed.office, "2023年3月20日"):
        assert squash(item) in first_page
    last_page = squash([p for p in pdf_text.split("\f") if p.strip()][-1])
    assert "报：科技部" in last_page
    assert "送：各试点产业技术创新战略联盟" in last_page
    assert "本期编辑：杨丹泽审核：尚辉良签发：李新男" in last_page
    assert "tougao@citisa.org" in last_page


def test_every_font_is_embedded_and_subset(fixture_pdf):
    rows = pdffonts(fixture_pdf)
    names = " ".join(r["name"] for r in rows)
    for family in (
        "NotoSerifCJKsc-Regular",
        "NotoSerifCJKsc-Bold",
        "NotoSansCJKsc-Bold",
        "LXGWWenKai-Regular",
    ):
        assert family in names
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row


def test_every_page_is_numbered_and_the_closing_block_ends_on_an_even_page(fixture_pdf, pdf_text):
    pages = pdf_text.split("\f")
    count = len(PdfReader(io.BytesIO(fixture_pdf)).pages)
    assert count % 2 == 0 and "报：" in pages[count - 1]
    # A blank page put before the 版记's: GB/T 9704 7.5 numbers neither of them.
    blank = pages[count - 2].strip() == ""
    for n in range(1, count - 1 if blank else count + 1):
        assert re.search(rf"—\s*{n}\s*—", pages[n - 1]), f"page {n} has no “— {n} —”"
    if blank:
        assert "—" not in pages[count - 1]


@pytest.fixture(scope="session")
def pdf_lines(fixture_pdf) -> list[str]:
    # pypdf, not pdftotext: poppler splits a line where Typst squeezed
    # adjacent punctuation to half width, inventing lines that start with ）.
    reader = PdfReader(io.BytesIO(fixture_pdf))
    return [
        line.strip()
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if line.strip()
    ]


def test_no_line_starts_or_ends_with_forbidden_punctuation(pdf_lines):
    lines = pdf_lines
    assert len(lines) > 300
    bad = [line for line in lines if line[0] in BAD_START or line[-1] in BAD_END]
    assert bad == []


def test_no_space_between_chinese_and_digits(pdf_lines):
    # Running text only: the office/date line and the 版记's contact items are
    # set apart on purpose (…办公室　2023年…, …大楼902　电话…).
    start = next(i for i, x in enumerate(pdf_lines) if "联络组办公室" in x) + 1
    end = next(i for i, x in enumerate(pdf_lines) if x.startswith("报："))
    text = "\n".join(pdf_lines[start:end])
    gaps = re.findall(r"[\u4e00-\u9fff][ \u00a0\u3000]+\d|\d[ \u00a0\u3000]+[\u4e00-\u9fff]", text)
    assert gaps == []
    for expected in ("2023年政府工作报告", "赤字率拟按3%安排", "发布7项团体标准"):
        assert expected in text


def test_metadata(fixture_pdf):
    meta = PdfReader(io.BytesIO(fixture_pdf)).metadata
    assert meta.title == "产业技术创新战略联盟试点工作简报 2023年第1期（总第66期）"
    assert meta.author == "联盟试点工作联络组办公室"
    assert "2023年第1期" in meta.subject
    assert "2023年第1期" in meta["/Keywords"]


def test_outline_has_sections_with_their_articles(parsed, fixture_pdf):
    outline = PdfReader(io.BytesIO(fixture_pdf)).outline
    top = [item for item in outline if not isinstance(item, list)]
    assert [item.title for item in top] == [s.title for s in parsed.sections]
    nested = [item for item in outline if isinstance(item, list)]
    assert [[a.title for a in sub] for sub in nested] == [
        [a.title for a in s.articles] for s in parsed.sections
    ]


def test_toc_entries_link_into_the_document(parsed, fixture_pdf):
    reader = PdfReader(io.BytesIO(fixture_pdf))
    links = [
        annot.get_object()
        for page in reader.pages[:3]
        for annot in page.get("/Annots", [])
        if annot.get_object()["/Subtype"] == "/Link"
    ]
    internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= len(parsed.articles)


def _article(title: str, *texts: str, credit: str = "") -> ParsedArticle:
    return ParsedArticle(
        title=title, blocks=tuple(Block(PARAGRAPH, t) for t in texts), credit=credit
    )


def _with_sections(parsed, *sections: ParsedSection):
    return dataclasses.replace(parsed, sections=sections)


def test_rare_characters_render_with_embedded_fonts(parsed):
    bulletin = _with_sections(
        parsed,
        ParsedSection(
            title="生僻字",
            articles=(
                _article(
                    f"陶喆与王䶮的{RARE}",
                    f"正文里的𠀀字、喆字、䶮字，以及商标®和™符号。{RARE}",
                    credit="𠀀联盟秘书处供稿",
                ),
            ),
        ),
    )
    pdf = render_pdf(bulletin)
    text = squash(pdftotext(pdf))
    for char in RARE:
        assert text.count(char) >= 3, char
    rows = pdffonts(pdf)
    assert any("HanaMin" in r["name"] for r in rows), "U+20000 needs a Hanazono face"
    assert all((r["emb"], r["sub"]) == ("yes", "yes") for r in rows)


def test_user_text_is_never_read_as_typst_markup(parsed):
    nasty = '#set page(width: 1cm) *粗* _斜_ $x^2$ <lbl> @ref [括号] \\ "引号" // 注释 #{1+1}'
    bulletin = _with_sections(
        parsed,
        ParsedSection(title="#heading[栏目]", articles=(_article(nasty, nasty, credit=nasty),)),
    )
    text = pdftotext(render_pdf(bulletin))
    assert squash(nasty) in squash(text)
    assert "#heading[栏目]" in text


def test_a_character_no_font_has_is_a_clear_error(parsed):
    # U+31350 is in CJK Extension H, which no Debian font covers yet.
    bulletin = _with_sections(
        parsed, ParsedSection(title="栏目", articles=(_article("标题", "缺字\U00031350"),))
    )
    with pytest.raises(fonts.MissingGlyph, match="U\\+31350"):
        render_pdf(bulletin)


def test_a_missing_font_names_the_debian_package(parsed, monkeypatch):
    gone = fonts.FontSpec("AR PL UKai", "fonts-arphic-ukai", ("/nonexistent/ukai.ttc",))
    monkeypatch.setattr(fonts, "REQUIRED", (fonts.SERIF, fonts.SANS, gone))
    monkeypatch.setattr(fonts, "_fc_list", lambda: {})
    fonts.font_dirs.cache_clear()
    try:
        with pytest.raises(fonts.MissingFont, match="fonts-arphic-ukai") as exc:
            render_pdf(parsed)
        assert isinstance(exc.value, JianbaoError)
        assert "\n" not in str(exc.value)
    finally:
        fonts.font_dirs.cache_clear()


def _robustness_cases(parsed):
    yield (
        "title of 5,000 characters",
        _with_sections(
            parsed,
            ParsedSection(
                title="长标题",
                articles=(_article("很长的标题" * 1000, "正文。", credit="某联盟供稿"),),
            ),
        ),
        "正文。",
    )
    yield (
        "an empty section",
        _with_sections(
            parsed,
            ParsedSection(title="空栏目"),
            ParsedSection(title="有稿件的栏目", articles=(_article("唯一的文章", "唯一的正文。"),)),
        ),
        "唯一的正文。",
    )
    yield (
        "200 articles",
        _with_sections(
            parsed,
            *(
                ParsedSection(
                    title=f"第{s + 1}栏",
                    articles=tuple(
                        _article(f"第{s * 20 + i + 1}篇文章", f"第{s * 20 + i + 1}篇的正文。" * 20)
                        for i in range(20)
                    ),
                )
                for s in range(10)
            ),
        ),
        "第200篇的正文。",
    )
    yield (
        "300 paragraphs",
        _with_sections(
            parsed,
            ParsedSection(
                title="长文",
                articles=(
                    ParsedArticle(
                        title="三百段的文章",
                        blocks=tuple(
                            Block(HEADING if i % 50 == 0 else PARAGRAPH, f"第{i + 1}段。" * 15)
                            for i in range(300)
                        ),
                    ),
                ),
            ),
        ),
        "第300段。",
    )
    yield "no sections at all", _with_sections(parsed), parsed.series_title


CASES = ("5000-char title", "empty section", "200 articles", "300 paragraphs", "no sections")


@pytest.mark.parametrize("case", CASES)
def test_unusual_issues_render(parsed, case):
    name, bulletin, expected = list(_robustness_cases(parsed))[CASES.index(case)]
    try:
        pdf = render_pdf(bulletin)
    except JianbaoError as exc:  # allowed, if it is one clear line
        assert str(exc) and "\n" not in str(exc), name
        return
    assert pdf.startswith(b"%PDF"), name
    assert squash(expected) in squash(pdftotext(pdf)), name


def test_series_settings_change_the_layout(parsed, pdf_text):
    settings = PdfSettings(
        body_size=14, line_pitch=24, double_rule=False, page_number_position="outside"
    )
    pdf = render_pdf(parsed, settings)
    reader = PdfReader(io.BytesIO(pdf))
    default_pages = len([p for p in pdf_text.split("\f") if p.strip()])
    assert len(reader.pages) < default_pages  # denser 四号 body
    pages = pdftotext(pdf, "-layout").split("\f")
    even, odd = (pages[n].rstrip().splitlines()[-1] for n in (1, 2))
    assert re.fullmatch(r"\s*—\s*2\s*—", even) and re.fullmatch(r"\s*—\s*3\s*—", odd)
    # Outside edges: even numbers on the left, odd ones on the right.
    assert len(even) - len(even.lstrip()) < 5 < 22 < len(odd) - len(odd.lstrip())  # centred: 13


def chars_by_line(pdf: bytes, page: int) -> list[list[dict]]:
    """The characters of a page (0-based) in lines, each sorted left to right."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rows: dict[int, list] = {}
        for c in doc.pages[page].chars:
            rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]


def line_text(chars: list[dict]) -> str:
    return "".join(c["text"] for c in chars)


MM = 72 / 25.4


def test_page_numbers_sit_on_the_outer_side_one_character_in(fixture_pdf):
    # Odd pages: the text block runs from the binding margin (28 mm) over 156 mm;
    # even pages mirror it. The number's size is 14 pt, so one character is 14 pt.
    for page in (0, 2, 4):
        number = chars_by_line(fixture_pdf, page)[-1]
        assert line_text(number).replace(" ", "") == f"—{page + 1}—"
        assert number[-1]["x1"] == pytest.approx((28 + 156) * MM - 14, abs=3)
    for page in (1, 3):
        number = chars_by_line(fixture_pdf, page)[-1]
        assert line_text(number).replace(" ", "") == f"—{page + 1}—"
        assert number[0]["x0"] == pytest.approx((210 - 28 - 156) * MM + 14, abs=3)


def test_centred_page_numbers_remain_a_setting(parsed):
    pdf = render_pdf(parsed, PdfSettings(page_number_position="center"))
    number = chars_by_line(pdf, 2)[-1]
    middle = (number[0]["x0"] + number[-1]["x1"]) / 2
    assert middle == pytest.approx((28 + 156 / 2) * MM, abs=2)


def _short(parsed, paragraphs: int):
    # A 版记 of three lines, so that it fits below a short text.
    return dataclasses.replace(
        _with_sections(
            parsed,
            ParsedSection(
                title="栏目",
                articles=(
                    _article("短讯", *["一段正文。" * 16] * paragraphs, credit="某联盟供稿"),
                ),
            ),
        ),
        distribution={"报": ("科技部",), "送": ("各试点联盟",)},
        contacts=(),
    )


def _pages(pdf: bytes) -> list[str]:
    count = len(PdfReader(io.BytesIO(pdf)).pages)
    return pdftotext(pdf).split("\f")[:count]


def test_closing_block_moves_from_an_odd_page_to_the_even_one_after_it(parsed):
    pages = _pages(render_pdf(_short(parsed, 1)))  # text ends on page 1 with room to spare
    assert len(pages) == 2
    assert "报：" not in pages[0] and "一段正文" in pages[0]
    assert "报：" in pages[1] and "一段正文" not in pages[1]
    assert re.search(r"—\s*2\s*—", pages[1])  # no blank page before it, so it is numbered
    # Off: it stays at the foot of page 1.
    one = _pages(render_pdf(_short(parsed, 1), PdfSettings(closing_on_even_page=False)))
    assert len(one) == 1 and "报：" in one[0]


def test_closing_block_stays_below_the_text_on_an_even_page_with_room(parsed):
    pages = _pages(render_pdf(_short(parsed, 6)))  # text runs onto page 2
    assert len(pages) == 2
    assert "一段正文" in pages[1] and "报：" in pages[1]


def test_a_closing_block_too_tall_for_an_even_page_gets_a_blank_page_before_it(parsed):
    tall = dataclasses.replace(_short(parsed, 9), distribution=parsed.distribution)
    tall = dataclasses.replace(tall, contacts=parsed.contacts)
    pages = _pages(render_pdf(tall))
    assert len(pages) == 4
    assert "一段正文" in pages[1] and pages[2].strip() == "" and "报：" in pages[3]
    assert re.search(r"—\s*2\s*—", pages[1]) and "—" not in pages[3]


def test_every_colon_of_the_closing_block_is_one_character_wide(fixture_pdf):
    lines = chars_by_line(fixture_pdf, 23)
    colons = 0
    for line in lines:
        for a, b in itertools.pairwise(line):
            if a["text"] == "：":
                colons += 1
                assert b["x0"] - a["x0"] == pytest.approx(a["size"], abs=0.2), line_text(line)
    assert colons >= 8  # 报 送 本期编辑 审核 签发 and the contacts
    labels = [line_text(x) for x in lines if line_text(x).startswith(("报：", "送："))]
    assert len(labels) == 2


def test_credit_lines_are_in_kai_with_no_tracking(parsed, fixture_pdf):
    credits = {credit_line(a.credit) for a in parsed.articles if a.credit}
    seen = 0
    for page in range(2, 23):
        for line in chars_by_line(fixture_pdf, page):
            if line_text(line) in credits:
                seen += 1
                assert all("LXGWWenKai" in c["fontname"] for c in line)
                for a, b in itertools.pairwise(line):
                    if ord(a["text"]) > 0x2E7F and ord(b["text"]) > 0x2E7F:  # not BIM
                        assert b["x0"] - a["x0"] == pytest.approx(16, abs=0.05), line_text(line)
    assert seen >= 3


def test_the_toc_keeps_each_group_on_one_page_and_runs_on_with_a_continued_head(
    parsed, fixture_pdf
):
    pages = [pdftotext(fixture_pdf, "-f", str(n), "-l", str(n)) for n in (1, 2)]
    first, second = (squash(p) for p in pages)
    assert squash("本期导读（续）") in second and squash("本期导读（续）") not in first
    assert second.index(squash("本期导读（续）")) == 0
    for section in parsed.sections:
        entries = [squash(a.toc_title or a.title) for a in section.articles]
        on_first = [e in first for e in entries]
        assert all(on_first) or not any(on_first), section.title
        if not any(on_first):
            assert squash(section.toc_title or section.title) in second
            assert all(e in second for e in entries)


def test_the_toc_heading_and_its_continued_head_are_centred_in_the_box(fixture_pdf):
    # Odd page 1's text block starts at 28 mm, even page 2's at 26 mm; both are
    # 156 mm wide, and the box is the block's width.
    for page, left, text in ((0, 28, "本期导读"), (1, 26, "本期导读（续）")):
        (head,) = [x for x in chars_by_line(fixture_pdf, page) if line_text(x) == text]
        middle = (head[0]["x0"] + head[-1]["x1"]) / 2
        # Within a quarter character: a closing bracket ending the line is set
        # half wide, but pdfplumber gives it its full box.
        assert middle == pytest.approx((left + 78) * MM, abs=4.5), text


def test_a_first_group_too_long_for_page_one_takes_the_toc_heading_with_it(parsed):
    first = parsed.sections[0]
    longer = dataclasses.replace(first, articles=first.articles * 3)
    pdf = render_pdf(_with_sections(parsed, longer, *parsed.sections[1:]))
    one, two = (squash(pdftotext(pdf, "-f", str(n), "-l", str(n))) for n in (1, 2))
    assert squash("本期导读") not in one
    assert two.startswith(squash("本期导读") + squash(first.toc_title or first.title))


def test_toc_pages_gives_the_page_each_group_of_the_toc_starts_on(parsed):
    # The sample's first two groups stand on page 1, the third opens page 2.
    assert toc_pages(parsed) == [1, 1, 2]
    # With the second group three times as long, it no longer fits page 1, and
    # the third no longer fits page 2 after it.
    second = parsed.sections[1]
    longer = dataclasses.replace(second, articles=second.articles * 3)
    sections = (parsed.sections[0], longer, parsed.sections[2])
    assert toc_pages(_with_sections(parsed, *sections)) == [1, 2, 3]


def _headed(parsed):
    blocks = (
        Block(PARAGRAPH, "第一段正文。" * 3),
        Block(HEADING, "二、第二部分"),
        Block(PARAGRAPH, "第二段正文。" * 3),
        Block(HEADING, "（一）第一小节"),
        Block(PARAGRAPH, "第三段正文。" * 3),
    )
    article = ParsedArticle(title="有小标题的文章", blocks=blocks)
    return _with_sections(parsed, ParsedSection(title="栏目", articles=(article,)))


def _tops(pdf: bytes, *starts: str) -> list[float]:
    lines = chars_by_line(pdf, 0)
    return [next(x[0]["top"] for x in lines if line_text(x).startswith(s)) for s in starts]


def test_space_around_level_one_and_two_headings_comes_from_the_settings(parsed):
    heads = ("二、第二部分", "第二段正文", "（一）第一小节", "第三段正文")
    base = _tops(render_pdf(_headed(parsed)), *heads)
    # Default: more room above 二、 than between paragraphs (12.9 pt).
    more = _tops(
        render_pdf(_headed(parsed), PdfSettings(heading1_above=40, heading2_below=28)), *heads
    )
    assert more[0] - base[0] == pytest.approx(20, abs=0.5)  # 40 instead of 20 above 二、
    assert more[2] - more[1] == pytest.approx(base[2] - base[1], abs=0.5)
    assert more[3] - more[2] == pytest.approx(base[3] - base[2] + 20, abs=0.5)  # 28 below （一）
