"""Family 3: GB/T 15834 connecting marks (一字线, 浪纹线, hyphen) and the 顿号 between titles."""

from __future__ import annotations

import pytest

from jianbao.proofing.findings import ADVICE, ERROR
from jianbao.proofing.rules import marks

from .conftest import applied, bulletin_of, said_on


@pytest.mark.parametrize(
    "text, expected",
    [
        (  # the sample's title and body (lines 122, 124)
            "《国家技术标准创新基地申报指南（2023-2025年）》印发",
            [("dash.range", "2023-2025", "2023—2025")],
        ),
        ("规划期为2023年-2025年。", [("dash.range", "2023年-2025", "2023年—2025")]),
        ("会议于3月13日-15日召开", [("dash.range", "3月13日-15日", "3月13日—15日")]),
        ("3月13-15日报名", [("dash.range", "13-15", "13—15")]),
        ("2023年3-5月开展", [("dash.range", "3-5", "3—5")]),
        ("9:00-11:00签到", [("dash.range", "9:00-11:00", "9:00—11:00")]),
        ("2022–2030年期间", [("dash.range", "2022–2030", "2022—2030")]),
    ],
)
def test_a_hyphen_in_a_span_of_time_becomes_the_one_em_dash(text, expected):
    assert said_on(marks, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("每组3-5个单位", [("dash.number_range", "3-5", "3～5")]),
        ("培训为期3-5个月", [("dash.number_range", "3-5", "3～5")]),
        ("10-20家企业参加", [("dash.number_range", "10-20", "10～20")]),
        ("增长3%-5%", [("dash.number_range", "3%-5", "3%～5")]),
        ("预计3万-5万元", [("dash.number_range", "3万-5", "3万～5")]),
        ("第3-5届会议", [("dash.number_range", "3-5", "3～5")]),
        ("1-2年内完成", [("dash.number_range", "1-2", "1～2")]),
    ],
)
def test_a_hyphen_in_a_range_of_numbers_becomes_the_swung_dash(text, expected):
    assert said_on(marks, text) == expected


def test_range_marks_are_errors_by_the_standard():
    found = list(marks.check(bulletin_of("《申报指南（2023-2025年）》，每组3-5个"), None))
    assert [(f.severity, f.message) for f in found] == [
        (ERROR, "时间的起止应使用一字线“—”（GB/T 15834）。"),
        (ERROR, "数值范围的起止应使用浪纹线“～”（GB/T 15834）。"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Phone numbers (the sample's 版记).
        "电话：010-62184883，010-65987533，010-68598000",
        # Designators keep their own form.
        "依据GB/T 9704-2012、GB/T 9704—2012、GB/T 1988-1998、GB/T 15834-2011和ISO/IEC 4396执行",
        # Model and house numbers, figure numbers, an ISO date (date.format's business).
        "采用TC4-5型粉末，地址为76-3号，详见图3-5，式(3-5)，2023-03-13",
        # Already right.
        "《科技支撑碳达峰碳中和实施方案（2022—2030年）》，3～5个，2023～2025年",
        # 万, 亿 and % missing on the first number: number.range_unit's finding.
        "投资9-16亿元，增长3-5%",
        # A score, a range going down.
        "以3-1获胜，5-3个",
    ],
)
def test_the_hyphen_stays_where_it_belongs(text):
    assert said_on(marks, text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("发布了《方案》、《报告》", [("mark.adjacent_dunhao", "》、《", "》《")]),
        ("以“绿色”、“智能化”为主题", [("mark.adjacent_dunhao", "”、“", "”“")]),
    ],
)
def test_no_dunhao_between_titles_or_quotes_side_by_side(text, expected):
    assert said_on(marks, text) == expected


def test_the_dunhao_between_titles_is_advice():
    [finding] = marks.check(bulletin_of("发布了《方案》、《报告》"), None)
    assert finding.severity == ADVICE
    assert finding.message == "并列的书名号之间通常不用顿号（GB/T 15834）。"


@pytest.mark.parametrize(
    "text",
    [
        # The sample's own form (line 120).
        "审议通过了《中华人民共和国立法法（修正草案）》《国务院机构改革方案》",
        "本次研讨会以“绿色”“智能化”为主题",
        # Something between them: the 顿号 is right (GB/T 15834).
        "发布了《方案》（2020年）、《报告》",
        "增强“四个意识”、坚定“四个自信”",
    ],
)
def test_titles_side_by_side_or_apart_stay_silent(text):
    assert said_on(marks, text) == []


def test_applying_the_suggestions_gives_the_standard_marks():
    assert applied(marks, "《申报指南（2023-2025年）》、《规划》，每组3-5个") == (
        "《申报指南（2023—2025年）》《规划》，每组3～5个"
    )


def test_on_the_sample_the_year_range_of_the_guide_is_flagged_twice(parsed):
    # Title and body of article 6 both write 2023-2025年: real (the 导读 repeats
    # the title, so it is not a text of its own).
    found = [(f.where.label, f.rule, f.quote, f.suggestion) for f in marks.check(parsed, None)]
    assert found == [
        ("第6篇 标题", "dash.range", "2023-2025", "2023—2025"),
        ("第6篇 正文第1段", "dash.range", "2023-2025", "2023—2025"),
    ]
