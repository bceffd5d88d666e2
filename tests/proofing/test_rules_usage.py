"""Rule family 6: usage pairs, fixed formulations and department names, from the dictionary."""

import datetime as dt

import pytest

from jianbao.proofing import dictionary
from jianbao.proofing.checker import proof
from jianbao.proofing.context import NAME, USAGE, Entry, ProofContext
from jianbao.proofing.rules import usage
from jianbao.publishing.parsed import ParsedArticle, ParsedBulletin, ParsedSection, paragraph

SHIPPED = ProofContext(dictionary=dictionary.shipped())


def bulletin(*paragraphs, title="联盟召开工作会议", date=dt.date(2023, 3, 20), distribution=None):
    article = ParsedArticle(title=title, blocks=tuple(paragraph(p) for p in paragraphs))
    return ParsedBulletin(
        series_title="产业技术创新战略联盟试点工作",
        series_name="简报",
        office="联盟试点工作联络组办公室",
        year=2023,
        number=1,
        running_number=66,
        date=date,
        sections=(ParsedSection("重要政策动态", (article,)),),
        distribution=distribution or {"报": ("科技部",), "送": ("各试点产业技术创新战略联盟",)},
        editor="甲",
        reviewer="乙",
        signer="丙",
    )


def flagged(b, context=SHIPPED):
    """(rule, quote, suggestion) of every usage finding."""
    return [(f.rule, f.quote, f.suggestion) for f in usage.check(b, context)]


# --- The sample -------------------------------------------------------------


def test_the_sample_has_its_seven_usage_problems_and_nothing_else(parsed):
    found = [
        (f.where.article, f.rule, f.quote, f.suggestion)
        for f in proof(parsed, SHIPPED)
        if f.rule.startswith("usage.")
    ]
    assert sorted(found) == [
        (4, "usage.formulation", "党中央国务院", "党中央、国务院"),
        (8, "usage.word", "扶植", "扶持"),
        (10, "usage.word", "做出", "作出"),
        (17, "usage.word", "国际标准化组织", "国际电工委员会"),  # IEC/TC44
        (25, "usage.word", "ASILD", "ASIL D"),  # the title
        (25, "usage.word", "ASILD", "ASIL D"),  # the body, twice
        (25, "usage.word", "ASILD", "ASIL D"),
    ]


def test_the_sample_s_zuochu_is_quoted_with_its_context(parsed):
    [f] = [f for f in usage.check(parsed, SHIPPED) if f.quote == "做出"]
    assert f.before.endswith("支持消防救援事业发展")
    assert f.after.startswith("的贡献和历次")
    assert f.severity == "错误"
    assert "作出" in f.message


def test_the_joint_issuer_zhonggong_zhongyang_guowuyuan_with_its_space_stays_silent(parsed):
    # The rule sees it as 中共中央、国务院 written with a space; the exception keeps it.
    assert ("usage.formulation", "中共中央 国务院", "中共中央、国务院") in flagged(parsed)
    assert not [f for f in proof(parsed, SHIPPED) if f.quote == "中共中央 国务院"]


# --- 作出 / 做出 -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, quote, suggestion",
    [
        ("为行业发展做出了突出贡献。", "做出", "作出"),
        ("会议做出重要部署。", "做出", "作出"),
        ("联盟理事会做出决定，增补理事单位。", "做出", "作出"),
        ("截止2022年底，联盟共有成员单位120家。", "截止", "截至"),
        ("截止目前，已有5家联盟提交申请。", "截止", "截至"),
        ("对项目扶植政策提出建议。", "扶植", "扶持"),
        ("在以习近平总书记为核心的党中央坚强领导下，", "以习近平总书记为核心的党中央", None),
        ("抓好各项工作布署。", "布署", "部署"),
        ("国际电工委员会（ISO）发布新标准。", "国际电工委员会", "国际标准化组织"),
        ("获颁功能安全ASILD产品证书。", "ASILD", "ASIL D"),
    ],
)
def test_a_usage_term_is_found_and_only_its_changed_words_are_quoted(text, quote, suggestion):
    [(rule, got, suggested)] = flagged(bulletin(text))
    assert (rule, got) == ("usage.word", quote)
    assert suggested == (suggestion or "以习近平同志为核心的党中央")


@pytest.mark.parametrize(
    "text",
    [
        "为我国科技事业发展作出新的贡献。",  # the right form
        "对科技创新作出新指示、提出新要求。",
        "企业做出样品后送检。",  # something concrete made
        "项目申报截止日期为3月31日。",  # 截止 as the end itself
        "申报工作于4月30日截止。",
        "截止到目前，已有5家联盟提交申请。",  # 截止到 means 截至
        "印发《关于表彰做出突出贡献单位的决定》。",  # a document's title is quoted as issued
        "他做出的产品，为行业发展贡献力量。",  # the clause ends before 贡献
        "加大对中小企业的扶持力度。",
        "国际标准化组织ISO/IEC JTC 1/SC 6/WG 7召开会议。",  # ISO first: the joint committee
        "国际电工委员会IEC/TC 44的专家出席。",
        "获颁功能安全ASIL D产品证书。",
        "型号ASILDX与ASILD2不是安全等级。",  # inside longer Latin words
    ],
)
def test_right_and_accepted_forms_give_no_usage_finding(text):
    assert flagged(bulletin(text)) == []


# --- Fixed formulations -----------------------------------------------------


@pytest.mark.parametrize(
    "text, quote, suggestion",
    [
        ("认真贯彻落实党中央国务院决策部署。", "党中央国务院", "党中央、国务院"),
        ("认真贯彻落实党中央 国务院决策部署。", "党中央 国务院", "党中央、国务院"),
        ("中共中央国务院印发通知。", "中共中央国务院", "中共中央、国务院"),
        (
            "深入学习贯彻习近平新时代特色社会主义思想。",
            "习近平新时代特色社会主义思想",
            "习近平新时代中国特色社会主义思想",
        ),
        (
            "深入学习贯彻习近平新时代中国特色社会主意思想。",
            "习近平新时代中国特色社会主意思想",
            "习近平新时代中国特色社会主义思想",
        ),
        (
            "在以习近平为核心的党中央坚强领导下。",
            "以习近平为核心的党中央",
            "以习近平同志为核心的党中央",
        ),
    ],
)
def test_a_formulation_miswritten_is_flagged_with_the_exact_form(text, quote, suggestion):
    assert flagged(bulletin(text)) == [("usage.formulation", quote, suggestion)]


@pytest.mark.parametrize(
    "text",
    [
        "认真落实党中央、国务院的决策部署。",
        "全面贯彻习近平新时代中国特色社会主义思想。",
        "以习近平新时代中国特色社会主义经济思想为指导。",  # words added: another name
        "贯彻落实党中央关于机构改革部署。",
        "增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
        "深刻领悟“两个确立”的决定性意义。",
        "《党中央国务院关于某事的通知》已印发。",  # a title as issued
    ],
)
def test_formulations_written_right_or_quoted_stay_silent(text):
    assert flagged(bulletin(text)) == []


# --- Department names -------------------------------------------------------


@pytest.mark.parametrize(
    "text, quote, suggestion",
    [
        ("国家发改委环资司有关负责同志出席。", "国家发改委", "国家发展改革委"),
        ("泉州市发改委参加会议。", "发改委", "发展改革委"),
        ("工信部有关司局负责同志出席。", "工信部", "工业和信息化部"),
        ("人社部有关负责同志出席。", "人社部", "人力资源社会保障部"),
        ("国家卫健委有关负责同志出席。", "国家卫健委", "国家卫生健康委"),
    ],
)
def test_an_informal_department_name_gets_its_standard_short_name(text, quote, suggestion):
    [(rule, got, suggested)] = flagged(bulletin(text))
    assert (rule, got, suggested) == ("usage.name", quote, suggestion)


@pytest.mark.parametrize(
    "text",
    [
        "划入人力资源和社会保障部，在人力资源和社会保障部加挂国家外国专家局牌子。",
        "国家发展改革委环资司副司长出席。",
        "科技部、工业和信息化部、人民银行、国资委有关负责同志出席。",
        "各地人社部门和农业部门协同推进。",  # 部门: not a ministry's name
        "原农业部曾于2015年发布该规划。",  # 原: the old ministry named on purpose
        "抓好交通部署和文化部门的工作。",
    ],
)
def test_standard_names_full_names_and_other_words_stay_silent(text):
    assert flagged(bulletin(text)) == []


def test_an_informal_name_in_the_distribution_list_is_flagged_too():
    b = bulletin("正文。", distribution={"报": ("科技部", "发改委"), "送": ("各联盟",)})
    [f] = usage.check(b, SHIPPED)
    assert (f.where.part, f.where.field, f.quote, f.suggestion) == (
        "colophon",
        "报",
        "发改委",
        "发展改革委",
    )


# --- Dated entries ----------------------------------------------------------


def test_a_renamed_department_s_old_name_is_wrong_only_from_the_renaming_day():
    text = "银保监会有关负责同志出席会议。"
    before = ProofContext(as_of=dt.date(2023, 3, 20), dictionary=dictionary.shipped())
    after = ProofContext(as_of=dt.date(2023, 6, 1), dictionary=dictionary.shipped())
    assert flagged(bulletin(text), before) == []
    [f] = usage.check(bulletin(text), after)
    assert (f.rule, f.quote, f.suggestion, f.severity) == (
        "usage.name",
        "银保监会",
        "金融监管总局",
        "错误",
    )


def test_the_longer_old_name_wins_over_the_shorter_inside_it():
    after = ProofContext(as_of=dt.date(2023, 6, 1), dictionary=dictionary.shipped())
    assert flagged(bulletin("中国银保监会发布通知。"), after) == [
        ("usage.name", "中国银保监会", "金融监管总局")
    ]


def test_an_entry_valid_until_a_day_is_not_checked_after_it():
    entry = Entry(USAGE, "示范工程", "试点示范", valid_until=dt.date(2022, 12, 31))
    text = "联盟推进示范工程建设。"
    in_2022 = ProofContext(as_of=dt.date(2022, 6, 1), dictionary=(entry,))
    in_2023 = ProofContext(as_of=dt.date(2023, 3, 20), dictionary=(entry,))
    assert flagged(bulletin(text), in_2022) == [("usage.word", "示范工程", "试点示范")]
    assert flagged(bulletin(text), in_2023) == []


def test_an_office_entry_s_note_and_severity_are_the_finding_s():
    entry = Entry(NAME, "协发网", "联盟协发网", note="本刊统一称“联盟协发网”", severity="提示")
    [f] = usage.check(bulletin("协发网召开会议。"), ProofContext(dictionary=(entry,)))
    assert (f.message, f.severity) == ("本刊统一称“联盟协发网”", "提示")


def test_no_dictionary_no_usage_findings(parsed):
    assert list(usage.check(parsed, ProofContext())) == []
