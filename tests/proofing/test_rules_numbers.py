"""Family 4: GB/T 15835 numerals, only in clear cases; fixed phrases and 概数 stay."""

from __future__ import annotations

import pytest

from jianbao.proofing.findings import ADVICE, ERROR
from jianbao.proofing.rules import numbers
from jianbao.proofing.rules.numbers import chinese_number

from .conftest import applied, bulletin_of, said, said_on

# The sample writes its dates in Arabic numerals ("2023年", "3月13日"); the
# paragraphs below carry one such date, as every issue does.
ARABIC = "2023年3月13日，"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("共吸引了2千余人", [("number.mixed", "2千", "2000")]),
        ("3千5百家企业", [("number.mixed", "3千5百", "3500")]),
        ("投资2千万元", [("number.mixed", "2千", "2000")]),
        ("1.5千人参加", [("number.mixed", "1.5千", "1500")]),
        ("会议于二0二三年召开", [("number.mixed", "二0二三年", "2023年")]),
    ],
)
def test_mixed_numerals_inside_one_number_are_errors(text, expected):
    assert said_on(numbers, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("投资9～16亿元", [("number.range_unit", "9～16亿", "9亿～16亿")]),
        ("预计13～17万元", [("number.range_unit", "13～17万", "13万～17万")]),
        ("增长15-30%", [("number.range_unit", "15-30%", "15%～30%")]),
        ("增长1至3%", [("number.range_unit", "1至3%", "1%至3%")]),
    ],
)
def test_a_range_in_wan_yi_or_percent_writes_the_unit_on_both_ends(text, expected):
    assert said_on(numbers, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            ARABIC + "会议于二〇二三年三月十三日召开",
            [("number.date_chinese", "二〇二三年三月十三日", "2023年3月13日")],
        ),
        (ARABIC + "三月十三日报到", [("number.date_chinese", "三月十三日", "3月13日")]),
        (ARABIC + "十一月五日闭幕", [("number.date_chinese", "十一月五日", "11月5日")]),
        (ARABIC + "二〇二二年工作总结", [("number.date_chinese", "二〇二二年", "2022年")]),
        (ARABIC + "联盟成立于一九九九年", [("number.date_chinese", "一九九九年", "1999年")]),
    ],
)
def test_a_date_in_chinese_numerals_among_arabic_dates_is_advice(text, expected):
    assert said_on(numbers, text) == expected


def test_chinese_dates_are_left_alone_when_the_issue_writes_none_in_arabic():
    assert said_on(numbers, "会议于二〇二三年三月十三日召开") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("全程三十公里", [("number.chinese_measure", "三十", "30")]),
        ("投资一百二十万元", [("number.chinese_measure", "一百二十", "120")]),
        ("年产两千吨", [("number.chinese_measure", "两千", "2000")]),
    ],
)
def test_an_exact_chinese_numeral_before_a_unit_of_measure_is_advice(text, expected):
    assert said_on(numbers, text) == expected


def test_severities_and_messages():
    found = list(
        numbers.check(bulletin_of(ARABIC + "2千余人，三月十三日，9～16亿，三十公里"), None)
    )
    assert [(f.rule, f.severity, f.message) for f in found] == [
        ("number.mixed", ERROR, "阿拉伯数字不应与“千”“百”混用（GB/T 15835），“万”“亿”除外。"),
        ("number.range_unit", ERROR, "数值范围两端的“亿”都应写出（GB/T 15835）。"),
        ("number.date_chinese", ADVICE, "本期日期用阿拉伯数字书写，此处宜统一（GB/T 15835）。"),
        ("number.chinese_measure", ADVICE, "计量的数值宜用阿拉伯数字（GB/T 15835）。"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Fixed phrases of the sample and of official texts.
        "贯彻“十四五”规划，深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”",
        "太阳能光热联盟举办2022（第十六届）中国太阳能热发电大会",
        "推进“一带一路”建设，做好“三农”工作，贯彻党的二十大精神，发表了一系列重要讲话",
        "评选出2022年度再生资源行业十佳绿色低碳技术和十佳绿色低碳技术创新实践（“双十佳”）成果",
        "由北京林业大学牵头组织的“十三五”国家重点研发计划",
        "在经历了183天的神舟十四号载人飞船搭载后顺利返回",
        "再生资源产业技术创新战略联盟三届二次理事会",
        "实施新一轮千亿斤粮食产能提升行动，该中心将培养万名肿瘤微创领域人才",
        # 概数.
        "三四个单位、十几家企业、几十公里、三十多公里、三四十公里",
        # Units with 千 or 百 in them; 万 and 亿 after Arabic digits.
        "全长2千米，重5千克，功率3千瓦，提高3个百分点，3万人，1.2亿元，三千米长跑",
        # Right already.
        "投资9亿～16亿元，增长15%～30%，预计13万～17万元",
        # 农历 and titles.
        ARABIC + "农历正月初一，印发《二〇二三年三月十三日通知》",
    ],
)
def test_fixed_phrases_estimates_and_right_forms_stay_silent(text):
    assert said_on(numbers, text) == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("二〇二三", 2023),
        ("一百二十", 120),
        ("十五", 15),
        ("三十", 30),
        ("一百零五", 105),
        ("一千二百三十四", 1234),
        ("两千", 2000),
        ("三四", None),
        ("十几", None),
        ("三四十", None),
        ("三百五", None),
    ],
)
def test_chinese_numerals_are_read_exactly_or_not_at_all(text, value):
    assert chinese_number(text) == value


def test_applying_the_suggestions_gives_arabic_numerals():
    assert applied(numbers, ARABIC + "2千余人于三月十三日出席，投资9～16亿元") == (
        ARABIC + "2000余人于3月13日出席，投资9亿～16亿元"
    )


def test_the_sample_has_no_numeral_to_correct(parsed):
    # It writes counts and dates in Arabic numerals and keeps Chinese ones only in
    # fixed phrases (十四五, 两个确立, 第十六届, 神舟十四号, 三届二次…).
    assert said(numbers, parsed) == []
