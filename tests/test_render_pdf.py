"""The PDF: its text layer, fonts, structure and Chinese line-breaking rules."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import tempfile

import pytest
from pypdf import PdfReader

from jianbao.core.errors import JianbaoError
from jianbao.publishing import fonts
from jianbao.publishing.parsed import HEADING, PARAGRAPH, Block, ParsedArticle, ParsedSection
from jianbao.publishing.render.pdf import PdfSettings, credit_line, render_pdf

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


def test_every_page_is_numbered_but_the_blank_one_and_the_closing_page_after_it(
    fixture_pdf, pdf_text
):
    # The sample's text ends on page 22 with no room for the 版记: page 23 is
    # left blank and the 版记 stands on page 24; GB/T 9704 7.5 numbers neither.
    pages = pdf_text.split("\f")
    count = len(PdfReader(io.BytesIO(fixture_pdf)).pages)
    assert count == 24
    for n in range(1, 23):
        assert re.search(rf"—\s*{n}\s*—", pages[n - 1]), f"page {n} has no “— {n} —”"
    assert pages[22].strip() == ""
    assert "报：" in pages[23] and "—" not in pages[23]


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
