"""Plain text without any markup: pdftotext output of a typeset issue, and text
copied from a web page, with hard line breaks, page numbers and form feeds, and
a 导读 whose entries carry no bullets (or a ◆ on a line of its own)."""

import re
import subprocess

import pytest

from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.render import render

squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731


@pytest.fixture(scope="module")
def pdftotext_copy(parsed, tmp_path_factory) -> str:
    """jianbao's own PDF of the sample, as poppler's pdftotext reads it."""
    pdf = tmp_path_factory.mktemp("pdf") / "2023-1.pdf"
    pdf.write_bytes(render(parsed, "pdf"))
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def test_pdftotext_of_jianbaos_own_pdf_gives_every_article(pdftotext_copy, parsed):
    # What makes this text hard: pages cut by form feeds, "—3—" page numbers,
    # ◆ before every 导读 entry (the body marks its sections with ➤), and no
    # blank line between paragraphs.
    assert "\f" in pdftotext_copy and "—3—" in pdftotext_copy and "◆" in pdftotext_copy
    bulletin = parse_bulletin_bytes(pdftotext_copy.encode("utf-8"), "2023-1.txt")
    assert len(bulletin.sections) == 3
    assert len(bulletin.articles) == 25
    assert [s.title for s in bulletin.sections] == [
        "重要政策动态",
        "联盟联络组及协发网动态",
        "试点联盟动态及协发网网员单位动态",
    ]
    assert [squeeze(a.title) for a in bulletin.articles] == [
        squeeze(a.title) for a in parsed.articles
    ]
    assert [a.credit for a in bulletin.articles] == [a.credit for a in parsed.articles]
    assert [squeeze("".join(b.text for b in a.blocks)) for a in bulletin.articles] == [
        squeeze("".join(b.text for b in a.blocks)) for a in parsed.articles
    ]
    titles = {a.title for a in bulletin.articles}
    assert "中共中央 国务院印发《党和国家机构改革方案》（科技部分）" in titles
    assert "吴家喜副司长应邀出席快堆产业技术创新战略联盟第九次成员大会" in titles
    assert bulletin.articles[-1].credit == "电动汽车电驱动系统产业技术创新战略联盟秘书处供稿"
    assert (bulletin.year, bulletin.number, bulletin.running_number) == (2023, 1, 66)
    assert bulletin.distribution == parsed.distribution
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "尚辉良", "李新男")


def test_page_numbers_and_the_continued_toc_head_are_removed_with_line_numbers(
    pdftotext_copy,
):
    bulletin = parse_bulletin_text(pdftotext_copy, source="2023-1.txt")
    lines = pdftotext_copy.split("\n")
    removed = {w.line: w.message for w in bulletin.warnings if w.message.startswith("删除了")}
    number_at = next(n for n, line in enumerate(lines, 1) if line.strip() == "—1—")
    assert removed[number_at] == "删除了页码“—1—”"
    continued_at = next(n for n, line in enumerate(lines, 1) if "（ 续 ）" in line)
    assert removed[continued_at].startswith("删除了导读续页的标题")
    body = "".join(b.text for a in bulletin.articles for b in a.blocks)
    assert "—" + "3" + "—" not in body and "导读" not in body


WEB_COPY = """产业技术创新战略联盟试点工作
简报
2023年第2期（总第67期）
联盟试点工作联络组办公室
2023年4月10日

本期导读
重要政策动态
科技部召开2023年度科技工作推进会议，部署全年重点任务和各项改革举措
联盟动态
化纤联盟协办中国纺织科技成果对接峰会

- 3 -
\f
重要政策动态
科技部召开2023年度科技工作推进会议，部署全年
重点任务和各项改革举措
4月6日，科技部在北京召开2023年度科技工作推进会议，会议总结了一季度
工作，部署了全年重点任务。
会议要求，各单位要把改革举措落到实处。
（科技部办公厅供稿）
联盟动态
化纤联盟协办中国纺织科技成果对接峰会
4月8日，中国纺织科技成果对接峰会在绍兴召开，化纤联盟作为协办单位参加
了会议并作交流发言。
（化纤产业技术创新战略联盟秘书处供稿）

4
\f
报：科技部成果与区域司
本期编辑：杨丹泽
"""


def test_a_web_copy_without_bullets_finds_its_titles_from_the_toc():
    bulletin = parse_bulletin_text(WEB_COPY, source="web.txt")
    assert [s.title for s in bulletin.sections] == ["重要政策动态", "联盟动态"]
    assert [a.title for a in bulletin.articles] == [
        "科技部召开2023年度科技工作推进会议，部署全年重点任务和各项改革举措",
        "化纤联盟协办中国纺织科技成果对接峰会",
    ]
    assert [a.credit for a in bulletin.articles] == [
        "科技部办公厅供稿",
        "化纤产业技术创新战略联盟秘书处供稿",
    ]
    assert [b.text for b in bulletin.articles[1].blocks] == [
        "4月8日，中国纺织科技成果对接峰会在绍兴召开，化纤联盟作为协办单位参加了会议并作交流发言。"
    ]
    removed = {w.line for w in bulletin.warnings if w.message.startswith("删除了页码")}
    lines = WEB_COPY.split("\n")
    assert removed == {n for n, line in enumerate(lines, 1) if line.strip() in ("- 3 -", "4")}
    assert bulletin.distribution == {"报": ("科技部成果与区域司",)}


def test_pdftotext_of_a_narrow_layout_with_a_plain_toc_gives_every_article(parsed, tmp_path):
    """The layout of test_import_pdf_layouts: a 导读 without bullets whose long
    entries wrap, titles over three lines, a running head on every page."""
    import typst

    from tests.test_import_pdf_layouts import FONT_DIRS, other_layout

    (tmp_path / "issue.typ").write_text(other_layout(parsed), encoding="utf-8")
    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(typst.compile(str(tmp_path / "issue.typ"), font_paths=FONT_DIRS))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    assert text.count("产业技术创新战略联盟试点工作简报") >= 3  # the running head
    bulletin = parse_bulletin_bytes(text.encode("utf-8"), "narrow.txt")
    assert len(bulletin.sections) == 3 and len(bulletin.articles) == 25
    assert bulletin.sections[2].title == "试点联盟动态及协发网网员单位动态"
    assert [squeeze(a.title) for a in bulletin.articles] == [
        squeeze(a.title) for a in parsed.articles
    ]
    assert [a.credit for a in bulletin.articles] == [a.credit for a in parsed.articles]
    assert [squeeze("".join(b.text for b in a.blocks)) for a in bulletin.articles] == [
        squeeze("".join(b.text for b in a.blocks)) for a in parsed.articles
    ]
    body = "".join(b.text for a in bulletin.articles for b in a.blocks)
    assert "产业技术创新战略联盟试点工作简报" not in body


def test_credit_lines_copied_without_brackets_are_credits_with_a_warning():
    text = WEB_COPY.replace("（科技部办公厅供稿）", "科技部办公厅供稿").replace(
        "（化纤产业技术创新战略联盟秘书处供稿）", "来源：化纤产业技术创新战略联盟秘书处"
    )
    bulletin = parse_bulletin_text(text, source="web.txt")
    assert [a.credit for a in bulletin.articles] == [
        "科技部办公厅供稿",
        "来源：化纤产业技术创新战略联盟秘书处",
    ]
    assert bulletin.articles[1].contributors == ("化纤产业技术创新战略联盟",)
    line = text.split("\n").index("科技部办公厅供稿") + 1
    assert (line, "供稿行“科技部办公厅供稿”没有括号，已作为供稿行读入") in [
        (w.line, w.message) for w in bulletin.warnings
    ]
    # Running text that ends in 供稿 stays text.
    assert "会议要求，各单位要把改革举措落到实处。" in bulletin.articles[0].blocks[-1].text
