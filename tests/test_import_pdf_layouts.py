"""Text-layer PDFs of the sample in three layouts import whole: jianbao's own
(typst, the official layout), one of our own with another column width, sizes
and faces, and LibreOffice's PDF of jianbao's DOCX. The reader goes by what the
page shows (size, weight, centring, the 导读), not by one layout's numbers."""

import re

import pytest
import typst

from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.publishing.parsed import HEADING, ParsedBulletin
from jianbao.publishing.render import render
from tests.libreoffice import docx_to_pdf, needs_soffice

FONT_DIRS = ["/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/arphic"]
squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731

# Written out, not computed: what every layout must give back.
SECTIONS = ["重要政策动态", "联盟联络组及协发网动态", "试点联盟动态及协发网网员单位动态"]
SOME_TITLES = {
    0: "中共中央国务院印发《党和国家机构改革方案》（科技部分）",
    4: "吴家喜副司长应邀出席快堆产业技术创新战略联盟第九次成员大会",
    10: "太阳能光热联盟举办2022（第十六届）中国太阳能热发电大会",
    18: "WAPI产业联盟组织专家参加ISO/IECJTC1/SC6/WG7中期会议",
    24: "电动汽车电驱动系统产业联盟发起单位上海电驱动股份有限公司荣获车用电机控制系统"
    "功能安全ASILD国际权威产品认证",
}
SOME_CREDITS = {
    6: "联盟协发网秘书处和联盟试点工作组供稿",
    10: "太阳能光热产业技术创新战略联盟秘书处供稿",
    24: "电动汽车电驱动系统产业技术创新战略联盟秘书处供稿",
}


def assert_whole_sample(
    bulletin: ParsedBulletin, parsed: ParsedBulletin, *, dropped: str = ""
) -> None:
    """``dropped``: characters the producer leaves out of its text layer."""
    assert len(bulletin.sections) == 3
    assert len(bulletin.articles) == 25
    assert [s.title for s in bulletin.sections] == SECTIONS
    titles = [squeeze(a.title) for a in bulletin.articles]
    for n, title in SOME_TITLES.items():
        assert titles[n] == title
    for n, credit in SOME_CREDITS.items():
        assert bulletin.articles[n].credit == credit
    assert titles == [squeeze(a.title) for a in parsed.articles]
    assert [a.credit for a in bulletin.articles] == [a.credit for a in parsed.articles]

    def text(article) -> str:
        whole = squeeze("".join(b.text for b in article.blocks))
        return re.sub(f"[{dropped}]", "", whole) if dropped else whole

    assert [text(a) for a in bulletin.articles] == [text(a) for a in parsed.articles]
    assert (bulletin.year, bulletin.number, bulletin.running_number) == (2023, 1, 66)
    assert str(bulletin.date) == "2023-03-20"
    assert bulletin.office == "联盟试点工作联络组办公室"
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "尚辉良", "李新男")
    # Every title was found through its 导读 entry, and every entry has its article.
    unmatched = [w.message for w in bulletin.warnings if "没有对应" in w.message]
    assert unmatched == []


def test_jianbaos_own_pdf_imports_as_three_sections_and_25_articles(parsed):
    bulletin = parse_bulletin_bytes(render(parsed, "pdf"), "2023-1.pdf")
    assert_whole_sample(bulletin, parsed)
    assert bulletin.distribution == parsed.distribution
    # The subheadings of the first article stay subheadings.
    first = bulletin.articles[0]
    assert [b.text for b in first.blocks if b.kind == HEADING] == [
        "一、深化党中央机构改革",
        "二、深化国务院机构改革",
    ]


def test_the_page_furniture_of_jianbaos_own_pdf_is_not_text(parsed):
    bulletin = parse_bulletin_bytes(render(parsed, "pdf"), "2023-1.pdf")
    body = "".join(b.text for a in bulletin.articles for b in a.blocks)
    assert not re.search(r"[—-]\s*\d+\s*[—-]", body)
    assert "导读" not in body


def typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def other_layout(b: ParsedBulletin, *, numbering: str = "- 1 -", header: bool = True) -> str:
    """A layout unlike jianbao's: a narrow B5 column, a sans body at 10.5 pt,
    titles set left in bold serif at 13 pt, sections centred in bold sans without
    a mark, a 导读 without bullets in a smaller size, credits set right in 楷体, a
    running head on every page and "- 3 -" page numbers."""
    out = [
        "#set page(width: 176mm, height: 250mm, margin: (left: 30mm, right: 22mm, "
        "top: 26mm, bottom: 24mm), "
        + (
            'header: align(center, text(size: 9pt, font: "Noto Serif CJK SC")'
            "[产业技术创新战略联盟试点工作简报]), "
            if header
            else ""
        )
        + f'numbering: "{numbering}", number-align: right)',
        '#set text(font: "Noto Sans CJK SC", size: 10.5pt, lang: "zh", region: "cn")',
        "#set par(justify: true, leading: 0.9em, first-line-indent: (amount: 2em, all: true))",
        "#let title(t) = block(above: 1.4em, below: 0.9em, par(first-line-indent: 0pt, "
        'text(font: "Noto Serif CJK SC", weight: "bold", size: 13pt, t)))',
        "#let section(t) = align(center, block(above: 1.6em, below: 1em, "
        'text(weight: "bold", size: 12pt, t)))',
        "#let credit(t) = align(right, block(below: 1.2em, "
        'text(font: "AR PL UKai", size: 10.5pt, t)))',
        "#let sub(t) = block(above: 0.9em, below: 0.6em, par(first-line-indent: 0pt, "
        'text(weight: "bold", t)))',
        "#let entry(t) = par(first-line-indent: 0pt, hanging-indent: 0em, text(size: 9.5pt, t))",
        f'#align(center, text(font: "Noto Serif CJK SC", size: 20pt, weight: "bold", '
        f"{typst_string(b.series_title)}))",
        f'#align(center, text(size: 30pt, weight: "bold", {typst_string(b.series_name)}))',
        f"#align(center, {typst_string(f'{b.year}年第{b.number}期（总第{b.running_number}期）')})",
        f"#par(first-line-indent: 0pt)[#{typst_string(b.office)} #h(1fr) "
        f"#{typst_string(f'{b.date.year}年{b.date.month}月{b.date.day}日')}]",
        "#line(length: 100%, stroke: 1.5pt)",
        '#align(center, text(size: 12pt, weight: "bold")[本期导读])',
    ]
    for s in b.sections:
        group = typst_string(s.toc_title or s.title)
        out.append(f'#par(first-line-indent: 0pt, text(weight: "bold", {group}))')
        for a in s.articles:
            out.append(f"#entry({typst_string(a.toc_title or a.title)})")
    out.append("#pagebreak()")
    for s in b.sections:
        out.append(f"#section({typst_string(s.title)})")
        for a in s.articles:
            out.append(f"#title({typst_string(a.title)})")
            for block in a.blocks:
                if block.kind == HEADING:
                    out.append(f"#sub({typst_string(block.text)})")
                else:
                    out.append(f"#par({typst_string(block.text)})")
            if a.credit:
                out.append(f"#credit({typst_string('（' + a.credit + '）')})")
    out.append("#v(2em)")
    out.append("#line(length: 100%)")
    for key, names in b.distribution.items():
        out.append(f"#par(first-line-indent: 0pt, {typst_string(key + '：' + '、'.join(names))})")
    out.append(
        "#par(first-line-indent: 0pt, "
        + typst_string(f"本期编辑：{b.editor}  审核：{b.reviewer}  签发：{b.signer}")
        + ")"
    )
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def other_pdf(parsed, tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("layout")
    (folder / "issue.typ").write_text(other_layout(parsed), encoding="utf-8")
    return typst.compile(str(folder / "issue.typ"), font_paths=FONT_DIRS, root=str(folder))


def test_a_pdf_in_another_layout_imports_as_three_sections_and_25_articles(parsed, other_pdf):
    import pdfplumber

    with pdfplumber.open(__import__("io").BytesIO(other_pdf)) as pdf:
        faces = {c["fontname"].split("+")[-1] for p in pdf.pages for c in p.chars}
        heads = [p.extract_text().splitlines()[0] for p in pdf.pages[1:3]]
    # The layout is what it says: other faces than jianbao's, a running head.
    assert any("UKai" in f for f in faces) and any("Sans" in f for f in faces)
    assert heads == ["产业技术创新战略联盟试点工作简报"] * 2
    bulletin = parse_bulletin_bytes(other_pdf, "other.pdf")
    assert_whole_sample(bulletin, parsed)
    body = "".join(b.text for a in bulletin.articles for b in a.blocks)
    assert "产业技术创新战略联盟试点工作简报" not in body


@needs_soffice
def test_libreoffices_pdf_of_jianbaos_docx_imports_as_25_articles(parsed, tmp_path):
    pdf = docx_to_pdf(render(parsed, "docx"), tmp_path)
    bulletin = parse_bulletin_bytes(pdf.read_bytes(), "issue.pdf")
    # LibreOffice hangs a line-end 、 into the margin and writes no text for it.
    assert_whole_sample(bulletin, parsed, dropped="、")
    assert bulletin.distribution == parsed.distribution


def test_bare_page_numbers_at_the_foot_are_not_text(parsed, tmp_path):
    # "3" alone at the foot of each page, no running head.
    (tmp_path / "issue.typ").write_text(
        other_layout(parsed, numbering="1", header=False), encoding="utf-8"
    )
    pdf = typst.compile(str(tmp_path / "issue.typ"), font_paths=FONT_DIRS, root=str(tmp_path))
    bulletin = parse_bulletin_bytes(pdf, "bare.pdf")
    assert_whole_sample(bulletin, parsed)
    for article in bulletin.articles:
        for block in article.blocks:
            assert not re.fullmatch(r"\d{1,3}", block.text.strip())


SMALL_ISSUE = """#set page(paper: "a5", margin: 18mm)
#set text(font: "Noto Serif CJK SC", size: 11pt, lang: "zh", region: "cn")
#set par(justify: true, first-line-indent: (amount: 2em, all: true))
#align(center, text(size: 18pt, weight: "bold")[某某产业技术创新战略联盟])
#align(center, text(size: 26pt, weight: "bold")[简报])
#align(center)[2024年第3期（总第12期）]
#par(first-line-indent: 0pt)[联盟秘书处 #h(1fr) 2024年5月6日]
#align(center)[━━━━━━━━━━━━━━━━━━━━━━━━━━━━]
#align(center, text(weight: "bold")[目录])
#par(first-line-indent: 0pt, text(weight: "bold")[联盟动态])
#par(first-line-indent: 0pt)[联盟召开第三届理事会第二次会议]
#align(center, text(size: 14pt, weight: "bold")[联盟动态])
#align(center, text(size: 14pt, weight: "bold")[联盟召开第三届理事会第二次会议])
#text(weight: "bold")[LEAD]

会议还讨论了下一阶段的重点工作。
#par(first-line-indent: 0pt, text(font: "AR PL UKai")[（联盟秘书处供稿）])

#par(first-line-indent: 0pt)[报：科技部成果与区域司]
""".replace(
    "LEAD",
    "5月5日，联盟第三届理事会第二次会议在杭州召开，会议由理事长主持，"
    "审议通过了年度工作报告和财务报告，并选举产生了新一届监事会成员。",
)


def test_a_text_rule_under_the_masthead_and_a_bold_lead_paragraph_are_read_for_what_they_are(
    tmp_path,
):
    pdf = typst.compile(SMALL_ISSUE.encode(), font_paths=FONT_DIRS)
    bulletin = parse_bulletin_bytes(pdf, "small.pdf")
    assert (bulletin.office, str(bulletin.date)) == ("联盟秘书处", "2024-05-06")
    assert [s.title for s in bulletin.sections] == ["联盟动态"]
    (article,) = bulletin.articles
    assert article.title == "联盟召开第三届理事会第二次会议"
    assert article.credit == "联盟秘书处供稿"
    assert [b.kind for b in article.blocks] == ["paragraph", "paragraph"]
    assert article.blocks[0].text.startswith("5月5日，联盟第三届理事会第二次会议在杭州召开")
    assert article.blocks[1].text == "会议还讨论了下一阶段的重点工作。"
    assert "━" not in "".join(w.message for w in bulletin.warnings)


def test_a_credit_set_right_in_kai_without_brackets_is_the_credit():
    source = SMALL_ISSUE.replace(
        '#par(first-line-indent: 0pt, text(font: "AR PL UKai")[（联盟秘书处供稿）])',
        '#align(right, text(font: "AR PL UKai")[联盟秘书处供稿])',
    )
    assert source != SMALL_ISSUE
    bulletin = parse_bulletin_bytes(typst.compile(source.encode(), font_paths=FONT_DIRS), "k.pdf")
    (article,) = bulletin.articles
    assert article.credit == "联盟秘书处供稿"
    assert article.blocks[-1].text == "会议还讨论了下一阶段的重点工作。"
