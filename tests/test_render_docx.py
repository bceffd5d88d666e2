"""The Word file, read back with python-docx."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import zipfile

import docx
import pytest
from docx.shared import Mm

from jianbao.publishing.parsed import PARAGRAPH, Block, ParsedArticle, ParsedSection
from jianbao.publishing.render.docx import W_NS, render_docx
from jianbao.publishing.render.pdf import credit_line
from tests.libreoffice import docx_to_pdf, needs_soffice

W = f"{{{W_NS}}}"


@pytest.fixture(scope="session")
def fixture_docx(parsed) -> bytes:
    return render_docx(parsed)


@pytest.fixture(scope="session")
def document(fixture_docx):
    return docx.Document(io.BytesIO(fixture_docx))


def all_paragraphs(document):
    """Body paragraphs in document order, including those inside tables."""
    return [
        docx.text.paragraph.Paragraph(p, document.part) for p in document.element.body.iter(f"{W}p")
    ]


def east_asia(style) -> str | None:
    fonts = style.element.find(f"{W}rPr/{W}rFonts")
    return None if fonts is None else fonts.get(f"{W}eastAsia")


def test_every_article_title_is_a_heading_in_order(parsed, document):
    titles = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert titles == [a.title for a in parsed.articles]
    sections = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert sections == [f"➤ {s.title}" for s in parsed.sections]


def test_body_and_credits_use_their_styles(parsed, document):
    by_style: dict[str, list[str]] = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Credit"] == [credit_line(a.credit) for a in parsed.articles if a.credit]
    body = [b.text for a in parsed.articles for b in a.blocks if b.kind == PARAGRAPH]
    assert by_style["Body Text"] == body
    assert by_style["Title"] == ["简报"]
    assert by_style["Masthead"] == [parsed.series_title]
    assert by_style["Issue Line"] == ["2023年第1期（总第66期）"]
    assert "一、深化党中央机构改革" in by_style["Heading 3"]


def test_styles_name_the_customary_east_asian_faces(document):
    styles = document.styles
    assert east_asia(styles["Normal"]) == "仿宋_GB2312"
    assert east_asia(styles["Title"]) == "方正小标宋简体"
    assert east_asia(styles["Heading 1"]) == "黑体"
    assert east_asia(styles["Heading 2"]) == "方正小标宋简体"
    assert east_asia(styles["Heading 4"]) == "楷体_GB2312"
    assert east_asia(styles["Credit"]) == "楷体_GB2312"
    assert styles["Body Text"].base_style.name == "Normal"
    lang = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}eastAsia") == "zh-CN"
    assert styles["Title"].font.color.rgb is not None  # the red masthead


def test_font_table_gives_fallbacks(fixture_docx):
    table = zipfile.ZipFile(io.BytesIO(fixture_docx)).read("word/fontTable.xml").decode()
    assert 'w:name="仿宋_GB2312"' in table and 'w:val="仿宋"' in table


def test_page_is_a4_with_gbt_9704_margins(document):
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    width = section.page_width - section.left_margin - section.right_margin
    assert abs(width - Mm(156)) < Mm(0.1)


def test_footer_has_a_page_field_between_dashes(document):
    footer = document.sections[0].footer.paragraphs[0]
    instr = "".join(t.text for t in footer._p.iter(f"{W}instrText"))
    assert instr.strip() == "PAGE"
    assert footer.text.startswith("— ") and footer.text.endswith(" —")


def test_toc_is_a_one_column_table_of_unsplittable_groups_linking_to_bookmarks(parsed, document):
    # One row per 导读 group, in order, none split across pages; the heading
    # shares the first group's row. The PDF's 导读 runs on to page 2 with its
    # third group: here a second box after a page break, opening with （续）.
    first, second = document.tables[:2]
    assert [len(first.columns), len(second.columns)] == [1, 1]
    toc = [*first.rows, *second.rows]
    assert (len(first.rows), len(toc)) == (2, len(parsed.sections))
    rows = [row.cells[0].text for row in toc]
    assert rows[0].startswith("本期导读\n重要政策动态\n")
    assert rows[2].startswith("本期导读（续）\n试点联盟及协发网网员单位动态\n")
    assert "本期导读" not in rows[1]
    between = first._tbl.getnext()
    assert between.tag == f"{W}p" and between.getnext() is second._tbl
    assert between.find(f"{W}r/{W}br").get(f"{W}type") == "page"
    for text, section in zip(rows, parsed.sections, strict=True):
        assert (section.toc_title or section.title) in text
        for article in section.articles:
            assert (article.toc_title or article.title) in text
    assert all(row._tr.find(f"{W}trPr/{W}cantSplit") is not None for row in toc)
    anchors = [h.get(f"{W}anchor") for t in (first, second) for h in t._tbl.iter(f"{W}hyperlink")]
    bookmarks = {b.get(f"{W}name") for b in document.element.body.iter(f"{W}bookmarkStart")}
    assert len(anchors) == len(parsed.articles)
    assert set(anchors) == bookmarks


def test_closing_block_sits_at_the_foot(parsed, document):
    closing = document.tables[-1]
    position = closing._tbl.find(f"{W}tblPr/{W}tblpPr")
    assert position.get(f"{W}tblpYSpec") == "bottom"
    text = "\n".join(c.text for row in closing.rows for c in row.cells)
    assert "报：科技部、发展改革委" in text
    assert "本期编辑：杨丹泽　审核：尚辉良　签发：李新男" in text
    assert "tougao@citisa.org" in text


def test_core_properties(document):
    core = document.core_properties
    assert core.author == "联盟试点工作联络组办公室"
    assert "2023年第1期" in core.title and core.subject == "2023年第1期"
    assert core.language == "zh-CN"


def test_xml_specials_and_control_characters_survive(parsed):
    title = 'A&B <联盟> "引号" \x07铃'
    bulletin = dataclasses.replace(
        parsed,
        sections=(
            ParsedSection(
                title="栏目<1>",
                articles=(ParsedArticle(title=title, blocks=(Block(PARAGRAPH, "x < y & z"),)),),
            ),
        ),
    )
    document = docx.Document(io.BytesIO(render_docx(bulletin)))
    texts = [p.text for p in all_paragraphs(document)]
    assert 'A&B <联盟> "引号" 铃' in texts
    assert "x < y & z" in texts


@pytest.mark.parametrize("articles,paragraphs", [(200, 3), (1, 300), (0, 0)])
def test_large_and_empty_issues(parsed, articles, paragraphs):
    sections = (
        ParsedSection(title="空栏目"),
        ParsedSection(
            title="栏目",
            articles=tuple(
                ParsedArticle(
                    title=f"第{i + 1}篇" + ("长" * 5000 if i == 0 else ""),
                    blocks=tuple(Block(PARAGRAPH, f"第{j + 1}段。") for j in range(paragraphs)),
                )
                for i in range(articles)
            ),
        ),
    )
    document = docx.Document(
        io.BytesIO(render_docx(dataclasses.replace(parsed, sections=sections)))
    )
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert len(headings) == articles
    body = [p.text for p in document.paragraphs if p.style.name == "Body Text"]
    assert len(body) == articles * paragraphs


@needs_soffice
def test_libreoffice_converts_it_to_pdf_without_losing_text(parsed, fixture_docx, tmp_path):
    pdf = docx_to_pdf(fixture_docx, tmp_path)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    flat = "".join(text.split())
    for article in parsed.articles:
        assert "".join(article.title.split()) in flat


# Schema order (ECMA-376 CT_PPrBase, CT_RPr, CT_TblPr) of the children we write;
# Word refuses a file whose children are out of order, python-docx does not care.
ORDER = {
    "pPr": [
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "widowControl",
        "pBdr",
        "shd",
        "tabs",
        "spacing",
        "ind",
        "jc",
        "outlineLvl",
        "rPr",
    ],
    "rPr": [
        "rStyle",
        "rFonts",
        "b",
        "bCs",
        "i",
        "color",
        "spacing",
        "w",
        "kern",
        "position",
        "sz",
        "szCs",
        "u",
        "lang",
    ],
    "tblPr": [
        "tblStyle",
        "tblpPr",
        "tblOverlap",
        "tblW",
        "jc",
        "tblInd",
        "tblBorders",
        "tblLayout",
        "tblCellMar",
        "tblLook",
    ],
    "tblBorders": ["top", "left", "bottom", "right", "insideH", "insideV"],
    "style": ["name", "basedOn", "next", "link", "qFormat", "pPr", "rPr"],
}


def test_children_are_in_schema_order(fixture_docx):
    package = zipfile.ZipFile(io.BytesIO(fixture_docx))
    from lxml import etree

    checked = 0
    for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
        if part not in package.namelist():
            continue
        root = etree.fromstring(package.read(part))
        for parent_name, order in ORDER.items():
            for parent in root.iter(f"{W}{parent_name}"):
                names = [etree.QName(c).localname for c in parent if isinstance(c.tag, str)]
                known = [n for n in names if n in order]
                assert known == sorted(known, key=order.index), (part, parent_name, names)
                assert len(set(known)) == len(known), (part, parent_name, names)
                checked += 1
    assert checked > 100
