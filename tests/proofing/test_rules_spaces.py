"""Family 1: stray spaces in Chinese text (house style: none), with the office's exceptions."""

from __future__ import annotations

import pytest

from jianbao.proofing.findings import ERROR
from jianbao.proofing.rules import spaces
from jianbao.publishing.parsed import ContactItem

from .conftest import applied, bulletin_of, said, said_on

# Lines of the sample issue as the PDF gave them (samples/2023-01.md, before the
# importer tightened them), and what the family says about each.
SAMPLE_LINES = [
    (  # 导读, line 39
        "粉末冶金联盟发布 7 项团体标准",
        [("space.cjk_latin", "布 ", "布"), ("space.cjk_latin", "7 ", "7")],
    ),
    (  # title, line 256
        "电动汽车电驱动系统产业联盟发起单位上海电驱动股份有限公司 荣获车用电机控制系统功能安全"
        "ASILD国际权威产品认证",
        [("space.cjk", "司 ", "司")],
    ),
    (  # 导读, line 36: the body writes “X大奖”
        "制鞋联盟主办首届“X 大奖”中国运动鞋设计大赛颁奖典礼",
        [("space.cjk_latin", "X ", "X")],
    ),
    (  # 导读, line 47
        "海洋材料联盟盟员单位获“2022 年广东省工程技术研究中心”认定",
        [("space.cjk_latin", "2 ", "2")],
    ),
    (  # title, line 242
        "肿瘤微创治疗联盟与东直门医院通州院区共建 “北京市中西医肿瘤微创医学中心”",
        [("space.cjk", "建 ", "建")],
    ),
    (  # title, line 94
        "科技部党组传达学习贯彻习近平总书记 在全国两会上的重要讲话精神",
        [("space.cjk", "记 ", "记")],
    ),
    (  # 导读, line 41
        "建筑信息模型 BIM 联盟与铁路 BIM 联盟开展技术交流",
        [
            ("space.cjk_latin", "型 ", "型"),
            ("space.cjk_latin", "M ", "M"),
            ("space.cjk_latin", "路 ", "路"),
            ("space.cjk_latin", "M ", "M"),
        ],
    ),
    (  # 导读, line 42: the spaces inside the designator stay
        "WAPI 产业联盟组织专家参加 ISO/IEC JTC 1/SC 6/WG 7 中期会议",
        [
            ("space.cjk_latin", "I ", "I"),
            ("space.cjk_latin", "加 ", "加"),
            ("space.cjk_latin", "7 ", "7"),
        ],
    ),
    (  # body, line 184
        "会议还举办了国际标准化组织固体回收材料含固体回收燃料技术委员会（ISO/TC300）工作交流会",
        [("space.designator", "TC300", "TC 300")],
    ),
    (  # body, line 206
        "德国机床制造商协会和国际标准化组织IEC/TC44的知名专家",
        [("space.designator", "TC44", "TC 44")],
    ),
]


@pytest.mark.parametrize("text, expected", SAMPLE_LINES, ids=[t[:12] for t, _ in SAMPLE_LINES])
def test_the_sample_lines_with_stray_spaces_are_flagged(text, expected):
    assert said_on(spaces, text) == expected


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("粉末冶金联盟发布 7 项团体标准", "粉末冶金联盟发布7项团体标准"),
        ("上海电驱动股份有限公司 荣获", "上海电驱动股份有限公司荣获"),
        ("共建 “北京市中西医肿瘤微创医学中心”", "共建“北京市中西医肿瘤微创医学中心”"),
        ("会议指出， 要加强合作 。", "会议指出，要加强合作。"),
        ("德国莱茵 TÜV 集团", "德国莱茵TÜV集团"),
        ("（ISO/TC300）", "（ISO/TC 300）"),
        ("ISO/IEC JTC1/SC6/WG 7", "ISO/IEC JTC 1/SC 6/WG 7"),
    ],
)
def test_applying_the_suggestions_removes_exactly_the_spaces(text, fixed):
    assert applied(spaces, text) == fixed


def test_spaces_next_to_full_width_punctuation_and_wide_spaces_are_flagged_too():
    assert said_on(spaces, "会议指出，\u3000要加强《规划》 《方案》的落实") == [
        ("space.cjk", "，\u3000", "，"),
        ("space.cjk", "》 ", "》"),
    ]


def test_a_stray_space_is_an_error_with_a_chinese_message_and_its_context():
    [finding] = spaces.check(bulletin_of("粉末冶金联盟发布 7项团体标准"), None)
    assert finding.severity == ERROR
    assert finding.message == "汉字与字母、数字之间按本刊体例不加空格。"
    assert (finding.before, finding.quote, finding.after) == (
        "粉末冶金联盟发",
        "布 ",
        "7项团体标准",
    )
    assert finding.where.label == "第1篇 正文第1段"


@pytest.mark.parametrize(
    "text",
    [
        # The joint issuers, as the office writes joint documents (sample, line 52).
        "中共中央 国务院印发《党和国家机构改革方案》（科技部分）",
        "中共中央办公厅 国务院办公厅印发《关于加强科技伦理治理的意见》",
        # A slogan in quotes (sample, line 194).
        "本次会议以“数字引擎 智慧未来”为主题，采用线下与线上直播相结合的方式举办",
        # Designators and Latin words (sample, lines 218 and 258).
        "WAPI产业联盟组织专家参加ISO/IEC JTC 1/SC 6/WG 7中期会议",
        "ISO/IEC JTC 1/SC 6/WG 7近日召开中期会议，对ISO/IEC 4396系列标准项目的意见进行处理",
        "颁发了ISO 26262功能安全ASILD产品证书，依据GB/T 9704—2012，由ISO/TC 300组织",
        "Smart City and Digital Twin",
        # Letter-spaced labels.
        "简 报",
        "合　计",
        # Leading and trailing spaces are layout, not text.
        " 会议召开 ",
    ],
)
def test_the_exceptions_stay_silent(text):
    assert said_on(spaces, text) == []


def test_a_quoted_sentence_is_no_slogan_and_keeps_its_spaces_flagged():
    assert said_on(spaces, "他说：“我们要加强 合作，共同发展。”") == [("space.cjk", "强 ", "强")]


def test_the_masthead_is_letter_spaced_by_design():
    bulletin = bulletin_of("会议召开", series_title="产业技术创新战略联盟试点工作　简　报")
    assert said(spaces, bulletin) == []


def test_titles_credits_and_the_colophon_are_read_too():
    bulletin = bulletin_of(
        "会议召开。",
        title="粉末冶金联盟发布 7项团体标准",
        credit="粉末冶金产业技术创新战略联盟 秘书处供稿",
        distribution={"报": ("科技部", "国家开发银行 相关司局")},
        contacts=(ContactItem("电话", "010-6218 4883", "phone", 0),),
    )
    found = [(f.where.label, f.quote) for f in spaces.check(bulletin, None)]
    assert found == [("第1篇 标题", "布 "), ("第1篇 供稿行", "盟 "), ("版记“报”", "行 ")]


def test_on_the_sample_the_importer_has_tightened_the_spaces_and_two_designators_remain(parsed):
    # The importer already removed the spaces of the 导读 and titles (its warnings
    # say so); what is left in the stored text are two committees glued to their
    # numbers: both real (ISO/TC 300, IEC/TC 44).
    found = [(f.where.label, f.rule, f.quote, f.suggestion) for f in spaces.check(parsed, None)]
    assert found == [
        ("第14篇 正文第2段", "space.designator", "TC300", "TC 300"),
        ("第17篇 正文第1段", "space.designator", "TC44", "TC 44"),
    ]
