"""Family 5: doubled words, dates one way, 年/年度, totals against their parts."""

from __future__ import annotations

import pytest

from jianbao.proofing.findings import ADVICE, ERROR, HINT
from jianbao.proofing.rules import repeats
from jianbao.publishing.parsed import Block, Cell

from .conftest import applied, article, bulletin_of, said, said_on

# --- doubled words ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (  # the sample, line 220
            "WAPI产业技术创新战略联盟联盟秘书处和无线网络安全标准化委员会相关同志",
            [("word.doubled", "联盟联盟", "联盟")],
        ),
        ("联盟秘书处联盟秘书处发布通知", [("word.doubled", "联盟秘书处联盟秘书处", "联盟秘书处")]),
        ("由有限公司有限公司承办", [("word.doubled", "有限公司有限公司", "有限公司")]),
    ],
)
def test_a_doubled_word_is_an_error(text, expected):
    assert said_on(repeats, text) == expected


def test_a_doubled_word_says_which_and_deleting_it_is_the_suggestion():
    [finding] = repeats.check(bulletin_of("WAPI产业技术创新战略联盟联盟秘书处"), None)
    assert (finding.severity, finding.message) == (ERROR, "“联盟”重复。")
    assert (
        applied(repeats, "WAPI产业技术创新战略联盟联盟秘书处") == "WAPI产业技术创新战略联盟秘书处"
    )


@pytest.mark.parametrize(
    "text",
    [
        "这个问题要研究研究，大家讨论讨论、商量商量",
        "看看，常常，天天，人人，各个，一一，层层把关，年年如此",
        "一个一个地落实，一步一步推进",
        "的的确确，清清楚楚，哈哈哈哈",
        "十一十一",
        "现场响起“加油加油”的呼声",
        # The sample's close calls: 联盟盟员, 电驱动电驱, 科技部部长.
        "海洋材料产业技术创新战略联盟盟员单位，上海电驱动电驱新平台产品，科技部部长",
    ],
)
def test_reduplication_stays_silent(text):
    assert said_on(repeats, text) == []


# --- dates written one way ---------------------------------------------------------


def test_a_date_written_another_way_than_the_issue_is_advice():
    bulletin = bulletin_of(
        "3月13日，科技部党组召开会议。",
        "论坛于2023.3.15开幕，2023-03-16闭幕，2023/3/17发布成果。",
    )
    found = list(repeats.check(bulletin, None))
    assert [(f.rule, f.quote, f.suggestion, f.severity) for f in found] == [
        ("date.format", "2023.3.15", "2023年3月15日", ADVICE),
        ("date.format", "2023-03-16", "2023年3月16日", ADVICE),
        ("date.format", "2023/3/17", "2023年3月17日", ADVICE),
    ]
    assert found[0].message == "本期日期写作“某年某月某日”，此处写法不一致。"


@pytest.mark.parametrize(
    "texts",
    [
        # Nothing to compare with: the only dates are written one way.
        ("论坛于2023.3.15开幕。",),
        # Both are the issue's way.
        ("3月13日召开会议。", "2023年3月13日发布。"),
        # Decimals, events, ranges, versions, designators.
        ("3月13日召开。增长3.13个百分点，“3·15”晚会，2023-2025年，V2023.3.1版，GB/T 2023-12-1",),
    ],
)
def test_dates_written_one_way_stay_silent(texts):
    assert said(repeats, bulletin_of(*texts)) == []


def test_a_table_writing_its_dates_its_own_way_consistently_is_left_alone():
    table = Block(
        "table",
        rows=(
            (Cell("日期"), Cell("活动")),
            (Cell("2023-03-13"), Cell("开幕")),
            (Cell("2023-03-14"), Cell("闭幕")),
        ),
    )
    assert said(repeats, bulletin_of("3月13日召开。", table)) == []


# --- 年 / 年度 ---------------------------------------------------------------------


def test_the_same_year_naming_the_same_thing_with_and_without_du_is_a_hint():
    bulletin = bulletin_of(
        "近日，广东省科学技术厅公示了“关于拟认定2022年度广东省工程技术研究中心名单”。",
        title="海洋材料联盟盟员单位获“2022年广东省工程技术研究中心”认定",
    )
    [finding] = repeats.check(bulletin, None)
    assert (finding.where.label, finding.rule, finding.quote, finding.suggestion) == (
        "第1篇 标题",
        "date.year_form",
        "2022年",
        "2022年度",
    )
    assert finding.severity == HINT
    assert finding.message == "同一篇中另写作“2022年度广东省工…”，“年”与“年度”宜统一。"


def test_the_form_used_less_often_is_the_one_pointed_at():
    bulletin = bulletin_of(
        "发布2022年度工作总结报告。",
        "2022年工作总结报告指出，2022年工作总结报告显示。",
    )
    assert said(repeats, bulletin) == [("date.year_form", "2022年度", "2022年")]


@pytest.mark.parametrize(
    "texts",
    [
        # The sample, article 14: different things.
        (
            "会议审议通过了联盟理事会2022年工作及2023年重点工作报告，并评选出了2022年度再生资源行业十佳绿色低碳技术。",
        ),
        # Different years.
        ("2022年度工作总结。", "2023年工作总结。"),
    ],
)
def test_year_forms_naming_different_things_stay_silent(texts):
    assert said(repeats, bulletin_of(*texts)) == []


def test_year_forms_are_compared_within_one_article_only():
    bulletin = bulletin_of(
        article("联盟召开会议", "发布2022年度工作总结报告。"),
        article("联盟召开年会", "发布2022年工作总结报告。"),
    )
    assert said(repeats, bulletin) == []


# --- totals against their parts -----------------------------------------------------


def test_parts_that_do_not_add_up_to_their_total_are_advice():
    # The sample, article 12: 13 + 7 + 3 = 23.
    text = (
        "本次大会安排了190余个报告，13场主题技术分论坛、7场热点产业峰会、3场工作会议，"
        "共计27个专题活动，以及先进半导体技术应用创新展"
    )
    [finding] = repeats.check(bulletin_of(text), None)
    assert (finding.rule, finding.quote, finding.suggestion, finding.severity) == (
        "count.sum",
        "共计27",
        None,
        ADVICE,
    )
    assert finding.message == "所列分项13、7、3合计23，与“共计27”不符，请核对。"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("会议共设3个专题：碳达峰；碳中和。", [("count.items", "共设3个", None)]),
        ("共4个方面：规划、标准、人才。", [("count.items", "共4个", None)]),
        (
            "会议还设置了“无废城市”建设与再生资源发展潜力；清洁能源固废资源化；"
            "技术标准助力固废资源化碳达峰碳中和；循环经济等3个专题",
            [("count.items", "3个", None)],
        ),
        (
            "同意健康建筑产业技术创新战略联盟、临床试验产业技术创新战略联盟、现代农业与食品前沿产业技术"
            "创新战略联盟、微生物种业产业技术创新战略联盟、纳米科技产业技术创新战略联盟等4家联盟单位",
            [("count.items", "4家", None)],
        ),
        (
            "发布《增材制造金属制件热等静压处理规程》《外科植入物用3D打印TC4粉末》"
            "《铁基粉末冶金零件用渗铜粉》《钼铌合金棒材》等3项团体标准",
            [("count.items", "3项", None)],
        ),
    ],
)
def test_a_count_that_does_not_match_its_list_is_advice(text, expected):
    assert said_on(repeats, text) == expected


def test_a_count_says_how_many_it_found():
    [finding] = repeats.check(bulletin_of("会议共设3个专题：碳达峰；碳中和。"), None)
    assert finding.message == "此处称3项，实际列出2项，请核对。"


@pytest.mark.parametrize(
    "text",
    [
        # The sample's lists, which are right (lines 150, 186, 200).
        "会议还设置了“无废城市”建设与再生资源发展潜力；清洁能源固废资源化；技术标准助力固废资源化"
        "碳达峰碳中和等3个专题，邀请了30位知名专家和企业对话交流。",
        "同意健康建筑产业技术创新战略联盟、临床试验产业技术创新战略联盟、现代农业与食品前沿产业技术"
        "创新战略联盟、微生物种业产业技术创新战略联盟、纳米科技产业技术创新战略联盟等5家联盟单位"
        "正式成为产业技术创新战略联盟协同发展网的网员。",
        "粉末冶金产业技术创新战略联盟发布《增材制造金属制件热等静压处理规程》《外科植入物用3D打印TC4"
        "粉末》《铁基粉末冶金零件用渗铜粉》《钼铌合金棒材》等7项团体标准。",
        "共吸引了1000余家科技型企业、高校与科研院所深度参与，共吸引了近3000人。",
        # Parts that add up, approximate parts or totals.
        "安排了13场分论坛、7场峰会、3场工作会议，共计23个专题活动。",
        "安排了13场分论坛、7场峰会、3场工作会议，共计30余个专题活动。",
        "安排了13场分论坛、近7场峰会、3场工作会议，共计27个专题活动。",
        # Lists that match, or that end in "A和B".
        "会议共设3个专题：碳达峰；碳中和；循环经济。",
        "共3个专题：碳达峰、碳中和和循环经济。",
        # Too short to be sure what the items are, or not of one kind.
        "研究、审议了方案、报告、计划等3项议题。",
        "研发、生产、销售一体化的企业、高校等3家单位参加。",
        # The list ends at its clause; parts of other kinds than the total.
        "共3个专题：碳达峰、碳中和、循环经济，邀请了专家、学者参加。",
        "覆盖3个省、12个市，共100家企业参加。",
    ],
)
def test_counts_that_match_or_cannot_be_decided_stay_silent(text):
    assert said_on(repeats, text) == []


def test_on_the_sample_a_doubled_word_a_total_and_a_year_form_are_found(parsed):
    # All three are real: “联盟联盟秘书处”; 13 + 7 + 3 is not 27; the title says
    # 2022年 for what the body (and the province's list) calls 2022年度.
    found = [(f.where.label, f.rule, f.quote, f.suggestion) for f in repeats.check(parsed, None)]
    assert found == [
        ("第12篇 正文第1段", "count.sum", "共计27", None),
        ("第19篇 正文第1段", "word.doubled", "联盟联盟", "联盟"),
        ("第24篇 标题", "date.year_form", "2022年", "2022年度"),
    ]
