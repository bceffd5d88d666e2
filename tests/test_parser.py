"""The importer must understand the real sample issue completely."""

import datetime as dt
import random
import re
import textwrap
from dataclasses import replace

import pytest

from jianbao.core.errors import NotABulletin
from jianbao.publishing.ingest.text import parse_bulletin_text, split_contributors
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    bulletin_to_dict,
)
from jianbao.publishing.render.markdown import render_markdown
from tests.test_markup import ALPHABET, random_block, random_marks

CREDITS_SECTIONS_2_AND_3 = [
    "联盟协发网秘书处和联盟试点工作组供稿",
    "联盟协发网秘书处和联盟试点工作组供稿",
    "联盟协发网秘书处和联盟试点工作组供稿",
    "应急装备产业技术创新战略联盟秘书处供稿",
    "太阳能光热产业技术创新战略联盟秘书处供稿",
    "第三代半导体照明产业技术创新战略联盟秘书处供稿",
    "制鞋产业技术创新战略联盟秘书处供稿",
    "再生资源产业技术创新战略联盟秘书处供稿",
    "化纤产业技术创新战略联盟秘书处供稿",
    "粉末冶金产业技术创新战略联盟秘书处供稿",
    "数控机床产业技术创新战略联盟秘书处供稿",
    "建筑信息模型（BIM）产业技术创新战略联盟秘书处供稿",
    "WAPI产业技术创新战略联盟秘书处供稿",
    "花卉产业技术创新战略联盟秘书处供稿",
    "肉类加工产业技术创新战略联盟秘书处供稿",
    "水环境资源产业技术创新战略联盟秘书处供稿",
    "肿瘤微创治疗产业技术创新战略联盟秘书处供稿",
    "海洋材料产业技术创新战略联盟秘书处供稿",
    "电动汽车电驱动系统产业技术创新战略联盟秘书处供稿",
]


def test_fixture_has_three_sections_and_25_articles(parsed):
    assert [len(s.articles) for s in parsed.sections] == [6, 3, 16]
    assert len(parsed.articles) == 25


def test_section_titles_keep_body_wording_and_toc_wording(parsed):
    assert [s.title for s in parsed.sections] == [
        "重要政策动态",
        "联盟联络组及协发网动态",
        "试点联盟动态及协发网网员单位动态",
    ]
    assert [s.toc_title for s in parsed.sections] == ["", "", "试点联盟及协发网网员单位动态"]


def test_every_toc_entry_is_matched_to_its_article(fixture_text, parsed):
    toc = fixture_text.split("### 本期导读")[1].split("## ➤")[0]
    entries = [ln[2:].strip() for ln in toc.splitlines() if ln.startswith("- ")]
    assert len(entries) == 25
    printed = [a.toc_title or a.title for a in parsed.articles]
    squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    assert [squeeze(e) for e in entries] == [squeeze(p) for p in printed]
    assert not [w for w in parsed.warnings if "导读" in w.message]


def test_toc_title_kept_where_the_toc_words_it_differently(parsed):
    article = parsed.sections[0].articles[2]
    assert article.title == "科技部党组传达学习贯彻习近平总书记在全国两会上的重要讲话精神"
    assert article.toc_title == "科技部党组传达学习贯彻习近平总书记在两会上的重要讲话精神"


def test_article_headings_in_any_markup_are_titles(parsed):
    titles = [a.title for a in parsed.articles]
    assert "科技部组织召开国家碳中和科技专家委员会第一次会议" in titles  # ## **bold**
    assert "第三代半导体联盟主办第八届国际第三代半导体论坛" in titles  # ### **bold**
    assert "化纤联盟协办中国纺织科技成果对接峰会" in titles  # ##
    assert (
        "中共中央 国务院印发《党和国家机构改革方案》（科技部分）" in titles
    )  # official space kept


def test_subheadings_are_heading_blocks(parsed):
    first = parsed.articles[0]
    headings = [b.text for b in first.blocks if b.kind == "heading"]
    assert headings == ["一、深化党中央机构改革", "二、深化国务院机构改革"]
    assert first.blocks[0].kind == "heading"
    assert sum(b.kind == "paragraph" for b in first.blocks) == 12


def test_credits_of_sections_2_and_3(parsed):
    credits = [a.credit for s in parsed.sections[1:] for a in s.articles]
    assert credits == CREDITS_SECTIONS_2_AND_3
    assert all(not a.credit for a in parsed.sections[0].articles)


def test_credit_with_two_contributors_joined_by_he(parsed):
    assert parsed.sections[1].articles[0].contributors == ("联盟协发网", "联盟试点工作组")


def test_credit_with_nested_parentheses_keeps_the_alliance_name(parsed):
    bim = parsed.sections[2].articles[8]
    assert bim.contributors == ("建筑信息模型（BIM）产业技术创新战略联盟",)


def test_contributor_split_does_not_break_names_containing_he():
    assert split_contributors("人力资源和社会保障部供稿") == ["人力资源和社会保障部"]
    assert split_contributors("甲联盟秘书处和乙工作组供稿") == ["甲联盟", "乙工作组"]


def test_masthead_metadata(parsed):
    assert parsed.series_title == "产业技术创新战略联盟试点工作"
    assert parsed.series_name == "简报"
    assert (parsed.year, parsed.number, parsed.running_number) == (2023, 1, 66)
    assert parsed.office == "联盟试点工作联络组办公室"
    assert parsed.date == dt.date(2023, 3, 20)


def test_distribution_lists(parsed):
    report, send = parsed.distribution["报"], parsed.distribution["送"]
    assert report[0] == "科技部" and report[-1] == "国家开发银行相关司局及部门"
    assert len(report) == 15
    assert "人力资源和社会保障部" in report
    assert send == ("各试点产业技术创新战略联盟", "联盟协发网成员单位", "有关地方科技厅（局）")


def test_signoff_names(parsed):
    assert (parsed.editor, parsed.reviewer, parsed.signer) == ("杨丹泽", "尚辉良", "李新男")


def test_contact_block(parsed):
    by_label = {c.label: (c.value, c.kind) for c in parsed.contacts}
    assert by_label["联络组地址"] == ("北京市海淀区学院南路76号(南院)新材料大楼902", "address")
    assert by_label["编辑部地址"] == ("北京市朝阳区延静里中街3号", "address")
    phones = [c.value for c in parsed.contacts if c.kind == "phone"]
    assert phones == ["010-62184883", "010-65987533"]
    assert by_label["联盟联络组/联盟协发网网站"] == ("www.citisa.org", "website")
    assert by_label["联盟协发网微信公众号"] == ("CITISA", "wechat")
    assert by_label["新闻投稿专用邮箱"] == ("tougao@citisa.org", "email")
    assert by_label["联络组日常咨询邮箱"] == ("citisa@citisa.org", "email")


def paragraphs(parsed):
    return [b.text for a in parsed.articles for b in a.blocks]


def test_paragraphs_cut_at_page_breaks_are_joined(parsed):
    text = paragraphs(parsed)
    assert any("国家关于土地承包期再延长30年" in p for p in text)
    assert any("科技部成果转化与区域创新司，向产业化" in p for p in text)
    assert any("快堆产业联盟秘书长、原子能院总工程师" in p for p in text)
    assert not any(p.startswith("于土地承包期") for p in text)


def test_inline_tags_and_emphasis_are_removed(parsed):
    text = "\n".join(paragraphs(parsed)) + "".join(a.title for a in parsed.articles)
    assert "<sub>" not in text and "**" not in text
    assert "2022年工作及2023年重点工作报告" in text


def test_stray_space_in_a_heading_is_removed_with_a_warning(parsed):
    assert parsed.articles[24].title.startswith(
        "电动汽车电驱动系统产业联盟发起单位上海电驱动股份有限公司荣获"
    )
    assert any(w.line == 94 and "多余空格" in w.message for w in parsed.warnings)


def test_typesetting_spaces_between_chinese_and_digits_are_removed():
    text = FIXTURE_MASTHEAD.replace("2023年第1期（总第66期）", "2023 年第 1 期（总第 66 期）")
    parsed = parse_bulletin_text(text)
    assert (parsed.year, parsed.number, parsed.running_number) == (2023, 1, 66)
    assert parsed.articles[0].blocks[0].text == "本联盟发布了7项团体标准。"


def test_credit_naming_a_different_alliance_is_warned_with_its_line(parsed):
    hits = [w for w in parsed.warnings if "应急装备产业技术创新战略联盟" in w.message]
    assert len(hits) == 1 and hits[0].line == 158


FIXTURE_MASTHEAD = textwrap.dedent(
    """\
    某某工作

    简 报

    2023年第1期（总第66期）

    某某办公室　　　　2023年3月20日

    本期导读

    工作动态

    甲联盟发布团体标准

    ➤ 工作动态

    甲联盟发布团体标准

    本联盟发布了 7 项团体标准。

    （甲产业技术创新战略联盟秘书处供稿）

    报：某部

    送：各联盟
    """
)


def test_plain_lines_without_markdown_are_understood():
    parsed = parse_bulletin_text(FIXTURE_MASTHEAD)
    assert parsed.office == "某某办公室"
    assert parsed.date == dt.date(2023, 3, 20)
    assert [s.title for s in parsed.sections] == ["工作动态"]
    assert parsed.articles[0].title == "甲联盟发布团体标准"
    assert parsed.articles[0].credit == "甲产业技术创新战略联盟秘书处供稿"
    assert parsed.distribution == {"报": ("某部",), "送": ("各联盟",)}


def test_page_numbers_are_removed_with_a_warning():
    text = FIXTURE_MASTHEAD.replace(
        "本联盟发布了 7 项团体标准。", "本联盟发布了\n\n— 3 —\n\n7 项团体标准。"
    )
    parsed = parse_bulletin_text(text)
    assert parsed.articles[0].blocks[0].text == "本联盟发布了7项团体标准。"
    assert any("页码" in w.message and w.line == 21 for w in parsed.warnings)


def hard_wrap(text: str, width: int) -> str:
    """Re-wrap every long line as a web page or PDF copy would, at a fixed width.

    Markup is dropped first (copied text has none); the contact lines at the
    foot are left alone, as they are short lines in print.
    """
    text = re.sub(r"</?sub>|\*\*", "", text)
    body, foot = text.split("\n---\n", 1)
    out = []
    for line in body.splitlines():
        if len(line) > width and not line.startswith(("#", "-", "(", "（")):
            out.extend(line[i : i + width] for i in range(0, len(line), width))
        else:
            out.append(line)
    return "\n".join(out) + "\n---\n" + foot


@pytest.mark.parametrize("width", [28, 41])
def test_hard_wrapped_lines_are_rejoined(fixture_text, parsed, width):
    wrapped = parse_bulletin_text(hard_wrap(fixture_text, width))
    assert bulletin_to_dict(wrapped) == bulletin_to_dict(parsed)
    assert any("硬换行" in w.message for w in wrapped.warnings)


def test_toc_entry_without_article_is_a_warning_not_a_crash(fixture_text):
    text = fixture_text.replace("## 粉末冶金联盟发布7项团体标准", "")
    text = text.replace("（粉末冶金产业技术创新战略联盟秘书处供稿）", "")
    parsed = parse_bulletin_text(text)
    assert len(parsed.articles) == 24
    assert any(
        "粉末冶金联盟发布7项团体标准" in w.message and "没有对应文章" in w.message and w.line == 39
        for w in parsed.warnings
    )


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "没有任何文字"),
        ("这是一段普通文字。\n\n没有报头。\n", "报头"),
        ("产业技术创新战略联盟试点工作\n\n简报\n\n2023年第1期（总第66期）\n\n本期导读\n", "栏目"),
    ],
)
def test_text_that_is_not_a_bulletin_is_refused_with_a_reason(text, reason):
    with pytest.raises(NotABulletin, match=reason):
        parse_bulletin_text(text, source="x.txt")


# --- Rich content in the markup (issue #11) ---------------------------------------

RICH_BLOCKS = (
    Block(NOTE, "编者按：本期聚焦标准化工作。", (Mark(ITALIC, 4, 9),)),
    Block(
        PARAGRAPH,
        "会议审议通过了章程，详见联盟网站。",
        (Mark(BOLD, 2, 6), Mark(LINK, 10, 16, "https://example.org/a_(1)")),
    ),
    Block(IMAGE, file="pictures/会场.jpg", caption="图为会议现场", alt="会场", print_width=0.6),
    Block(HEADING, "一、重点*工作*"),
    Block(PARAGRAPH, "全段加粗的一句话。", (Mark(BOLD, 0, 9),)),
    Block(PARAGRAPH, "一、短句"),
    Block(
        TABLE,
        caption="2023年发布的标准",
        header_rows=1,
        rows=(
            (Cell("序号"), Cell("名称"), Cell("状态")),
            (Cell("1"), Cell("增材制造", (Mark(BOLD, 0, 4),), colspan=2)),
            (Cell("2", rowspan=2), Cell("金属|粉末"), Cell("已发布")),
            (Cell("铸造"), Cell("在编")),
        ),
    ),
    Block(PARAGRAPH, "以上为全部内容。"),
)


def with_rich_article(parsed):
    """The fixture with pictures, a table, marks and a note in its first article."""
    section = parsed.sections[0]
    article = section.articles[0]
    article = replace(article, blocks=(*article.blocks[:1], *RICH_BLOCKS, *article.blocks[1:]))
    sections = (replace(section, articles=(article, *section.articles[1:])), *parsed.sections[1:])
    return replace(parsed, sections=sections)


def test_rich_markdown_reads_back_as_the_same_bulletin(parsed):
    rich = with_rich_article(parsed)
    again = parse_bulletin_text(render_markdown(rich))
    assert again.articles[0].blocks == rich.articles[0].blocks
    assert bulletin_to_dict(again) == bulletin_to_dict(rich)


def test_markup_in_an_article_body_gives_pictures_tables_notes_and_marks(fixture_text):
    anchor = "会上，各位理事讨论并通过了"
    body = (
        "> 编者按：本期**聚焦**标准化。\n\n"
        '![图为会议现场](photos/a.jpg "会场")\n\n'
        "表1 联盟名单\n| 序号 | 名称 |\n|---|---|\n| 1 | 甲联盟 |\n\n"
    )
    at = fixture_text.index(anchor)
    text = fixture_text[:at] + body + fixture_text[at:]
    blocks = [b for a in parse_bulletin_text(text).articles for b in a.blocks]
    at = next(k for k, b in enumerate(blocks) if b.text.startswith(anchor))
    note, picture, table = blocks[at - 3 : at]
    assert note == Block(NOTE, "编者按：本期聚焦标准化。", (Mark(BOLD, 6, 8),))
    assert picture == Block(IMAGE, file="photos/a.jpg", caption="图为会议现场", alt="会场")
    assert table.caption == "表1 联盟名单" and table.header_rows == 1
    assert [[c.text for c in row] for row in table.rows] == [["序号", "名称"], ["1", "甲联盟"]]


def test_a_malformed_table_row_in_a_bulletin_is_warned_about_by_its_line(fixture_text):
    anchor = "会上，各位理事讨论并通过了"
    at = fixture_text.index(anchor)
    body = "| 序号 | 名称 |\n|---|---|\n| 1 | 甲 | 多余 |\n\n"
    line = fixture_text[:at].count("\n") + 3
    parsed = parse_bulletin_text(fixture_text[:at] + body + fixture_text[at:])
    assert any(w.line == line and "3 列" in w.message for w in parsed.warnings)


def test_old_plain_text_keeps_its_stars_and_brackets_where_they_are_not_marks(fixture_text):
    anchor = "会上，各位理事讨论并通过了"
    at = fixture_text.index(anchor)
    text = fixture_text[:at] + "注*为必填项，见[附件。\n\n" + fixture_text[at:]
    blocks = [b for a in parse_bulletin_text(text).articles for b in a.blocks]
    assert Block(PARAGRAPH, "注*为必填项，见[附件。") in blocks


@pytest.mark.parametrize(
    "text",
    [
        "（本段由某联盟秘书处供稿）",
        "➤ 箭头开头的一段。",
        "报：这一段以报字开头。",
        "本期编辑：某某",
        "- 列表样的一段。",
        "#号开头。",
        "【栏目样】",
        "1. 第一条",
        "---",
        "- 3 -",
        "科技部组织召开国家碳中和科技专家委员会第一次会议",
        "重要政策动态",
        "![不是图](x)",
        "| 不是表 |",
        "> 不是按语",
        "**不是加粗**",
        "填空____",
        "联系人：张三 电话：123",
    ],
)
def test_a_paragraph_that_looks_like_something_else_survives_the_markdown(parsed, text):
    section = parsed.sections[0]
    article = section.articles[0]
    blocks = (*article.blocks, Block(PARAGRAPH, text), Block(PARAGRAPH, "结尾。"))
    article = replace(article, blocks=blocks)
    sections = (replace(section, articles=(article, *section.articles[1:])), *parsed.sections[1:])
    bulletin = replace(parsed, sections=sections)
    again = parse_bulletin_text(render_markdown(bulletin))
    assert again.articles[0].blocks[-3:] == blocks[-3:]
    assert bulletin_to_dict(again) == bulletin_to_dict(bulletin)


# Characters that trip the markup, less what the reader normalises in every text:
# spaces between Chinese and Latin or digits go, and so do <tags>.
BULLETIN_ALPHABET = [c for c in ALPHABET if c not in " <"] + ["。"]


def realistic_block(rng):
    """Any block shape; headings numbered as the bulletin numbers them and not bold
    from end to end (a wholly bold line reads as a title)."""
    block = random_block(rng, BULLETIN_ALPHABET)
    if block.kind != HEADING:
        return block
    text = "一、" + block.text
    marks = tuple(
        m for m in random_marks(rng, text) if (m.type, m.start, m.end) != (BOLD, 0, len(text))
    )
    return Block(HEADING, text, marks)


def test_random_rich_articles_survive_the_markdown(parsed):
    rng = random.Random(21)
    section = parsed.sections[0]
    article = section.articles[0]
    for _ in range(60):
        blocks = tuple(realistic_block(rng) for _ in range(rng.randint(1, 4)))
        rich = replace(article, blocks=(*article.blocks, *blocks, Block(PARAGRAPH, "结尾。")))
        sections = (replace(section, articles=(rich, *section.articles[1:])), *parsed.sections[1:])
        bulletin = replace(parsed, sections=sections)
        again = parse_bulletin_text(render_markdown(bulletin))
        assert again.articles[0].blocks == rich.blocks
        assert bulletin_to_dict(again) == bulletin_to_dict(bulletin)
