"""Family 2: half-width punctuation in Chinese text, unbalanced pairs, repeated marks."""

from __future__ import annotations

import pytest

from jianbao.proofing.findings import ERROR
from jianbao.proofing.rules import punctuation
from jianbao.publishing.parsed import Block, Cell, ContactItem

from .conftest import applied, article, bulletin_of, said, said_on


@pytest.mark.parametrize(
    "text, expected",
    [
        (  # the contact line of the sample's 版记 (line 276)
            "北京市海淀区学院南路76号(南院)新材料大楼902",
            [("punct.halfwidth", "(南院)", "（南院）")],
        ),
        (  # a credit line as the sample prints it (line 142)
            "(联盟协发网秘书处和联盟试点工作组供稿)",
            [
                (
                    "punct.halfwidth",
                    "(联盟协发网秘书处和联盟试点工作组供稿)",
                    "（联盟协发网秘书处和联盟试点工作组供稿）",
                )
            ],
        ),
        (  # half-width around full-width (line 216)
            "(建筑信息模型（BIM）产业技术创新战略联盟秘书处供稿)",
            [
                (
                    "punct.halfwidth",
                    "(建筑信息模型（BIM）产业技术创新战略联盟秘书处供稿)",
                    "（建筑信息模型（BIM）产业技术创新战略联盟秘书处供稿）",
                )
            ],
        ),
        ("学院南路76号(南院）新材料大楼", [("punct.halfwidth", "(", "（")]),
        ("第八届国际第三代半导体论坛(IFWS)暨第十九届", [("punct.halfwidth", "(IFWS)", "（IFWS）")]),
        ("(一)加强组织领导", [("punct.halfwidth", "(一)", "（一）")]),
        (
            "中国,美国;日本:韩国?好!",
            [
                ("punct.halfwidth", ",", "，"),
                ("punct.halfwidth", ";", "；"),
                ("punct.halfwidth", ":", "："),
                ("punct.halfwidth", "?", "？"),
                ("punct.halfwidth", "!", "！"),
            ],
        ),
        ("新闻投稿专用邮箱:tougao@citisa.org", [("punct.halfwidth", ":", "：")]),
        ("活动取得成效.下一步将继续推进", [("punct.halfwidth", ".", "。")]),
        ('以"数字中国建设"为主题', [("punct.halfwidth", '"数字中国建设"', "“数字中国建设”")]),
    ],
)
def test_half_width_marks_in_chinese_text_are_flagged(text, expected):
    assert said_on(punctuation, text) == expected


def test_a_credit_line_says_it_is_one():
    [finding] = punctuation.check(bulletin_of("(联盟协发网秘书处和联盟试点工作组供稿)"), None)
    assert finding.severity == ERROR
    assert finding.message == "供稿行应使用全角括号“（）”。"


def test_the_sample_address_in_the_colophon_is_read_with_its_label():
    bulletin = bulletin_of(
        "会议召开。",
        contacts=(
            ContactItem("联络组地址", "北京市海淀区学院南路76号(南院)新材料大楼902", "address", 0),
            ContactItem("电话", "010-62184883", "phone", 0),
        ),
    )
    [finding] = punctuation.check(bulletin, None)
    assert (finding.where.label, finding.quote, finding.suggestion) == (
        "版记“联络组地址”",
        "(南院)",
        "（南院）",
    )


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("学院南路76号(南院)新材料大楼", "学院南路76号（南院）新材料大楼"),
        ("中国,美国;日本", "中国，美国；日本"),
        ("会议认为，，要加强合作。。", "会议认为，要加强合作。"),
    ],
)
def test_applying_the_suggestions_gives_the_full_width_text(text, fixed):
    assert applied(punctuation, text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "依据ISO 9001(2015)执行，时间10:30，金额1,000元",
        "网址http://www.citisa.org/index.php?id=1，邮箱citisa@citisa.org",
        "一.总体要求",
        "f(x)=x+1",
        "会议以“绿色”“智能化”为主题",
        "真的吗？！太好了！！！",
        "他说……——这是省略号和破折号",
        "1）加强组织领导；2）推进标准化工作；三）做好宣传",
        "a) 第一项",
        "China’s 方案",
        "He said: OK!",
    ],
)
def test_the_exceptions_stay_silent(text):
    assert said_on(punctuation, text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("他说：“要加强合作。", [("punct.unbalanced", "“", None)]),
        ("科技部党组（扩大会议召开", [("punct.unbalanced", "（", None)]),
        ("会议审议了《方案》》和报告", [("punct.unbalanced", "》", None)]),
        ("会议审议了【通知和报告", [("punct.unbalanced", "【", None)]),
        ("会议（审议“方案）", [("punct.unbalanced", "“", None)]),
    ],
)
def test_unbalanced_pairs_are_flagged(text, expected):
    assert said_on(punctuation, text) == expected


def test_an_unbalanced_mark_says_what_it_misses():
    [finding] = punctuation.check(bulletin_of("科技部党组（扩大会议召开"), None)
    assert finding.message == "“（”没有与之配对的“）”。"
    assert finding.suggestion is None


def test_a_quotation_over_several_paragraphs_is_balanced():
    bulletin = bulletin_of(
        "他指出：“第一，要加强合作。",
        "“第二，要推进改革。",
        "“第三，要狠抓落实。”",
    )
    assert said(punctuation, bulletin) == []


def test_the_editor_note_is_read_paragraph_by_paragraph():
    note = "他指出：“第一，要加强合作。\n“第二，要推进改革。”\n本期（共六篇。"
    bulletin = bulletin_of("会议召开。", editor_note=note)
    [finding] = punctuation.check(bulletin, None)
    assert (finding.where.label, finding.quote, finding.start) == ("编者按", "（", note.index("（"))


def test_a_half_width_bracket_left_open_is_named_as_written():
    [finding] = punctuation.check(bulletin_of("科技部党组(扩大会议召开"), None)
    assert (finding.rule, finding.quote, finding.message) == (
        "punct.unbalanced",
        "(",
        "“(”没有与之配对的“）”。",
    )


def test_a_quotation_left_open_at_the_end_of_the_article_is_flagged():
    bulletin = bulletin_of(
        article("联盟召开会议", "他指出：“第一，要加强合作。"),
        article("联盟召开年会", "“第二篇的引文。”"),
    )
    assert said(punctuation, bulletin) == [("punct.unbalanced", "“", None)]


def test_a_table_cell_is_its_own_unit():
    table = Block("table", rows=((Cell("名称（简称"), Cell("数量")),))
    assert said(punctuation, bulletin_of(table)) == [("punct.unbalanced", "（", None)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("会议认为，，要加强", [("punct.repeated", "，，", "，")]),
        ("要加强合作。。", [("punct.repeated", "。。", "。")]),
        ("合作、、交流", [("punct.repeated", "、、", "、")]),
        ("会议认为，。要加强", [("punct.repeated", "，。", None)]),
        ("要加强。。。", [("punct.repeated", "。。。", None)]),
    ],
)
def test_repeated_marks_are_flagged(text, expected):
    assert said_on(punctuation, text) == expected


def test_on_the_sample_only_the_address_remains(parsed):
    # The importer made the credit lines full-width (its warnings say so); the
    # address of the 版记 keeps its half-width brackets: real.
    found = [
        (f.where.label, f.rule, f.quote, f.suggestion) for f in punctuation.check(parsed, None)
    ]
    assert found == [("版记“联络组地址”", "punct.halfwidth", "(南院)", "（南院）")]
