"""Rule family 8: 导读, sections, numbering, 报/送, sign-off and 以下简称."""

import dataclasses
import datetime as dt

from jianbao.proofing import dictionary
from jianbao.proofing.context import Numbering, ProofContext
from jianbao.proofing.rules import structure
from jianbao.publishing.parsed import ParsedArticle, ParsedBulletin, ParsedSection, paragraph

SHIPPED = ProofContext(dictionary=dictionary.shipped())
SERIES = ("重要政策动态", "联盟联络组及协发网动态", "试点联盟动态及协发网网员单位动态")
LISTS = {"报": ("科技部", "财政部"), "送": ("各试点产业技术创新战略联盟",)}


def bulletin(*articles, sections=None, **fields):
    articles = articles or (ParsedArticle("联盟召开工作会议", (paragraph("会议在京召开。"),)),)
    values = dict(
        series_title="产业技术创新战略联盟试点工作",
        series_name="简报",
        office="联盟试点工作联络组办公室",
        year=2023,
        number=2,
        running_number=67,
        date=dt.date(2023, 4, 20),
        sections=sections or (ParsedSection(SERIES[0], tuple(articles)),),
        distribution=dict(LISTS),
        editor="杨丹泽",
        reviewer="尚辉良",
        signer="李新男",
    )
    values.update(fields)
    return ParsedBulletin(**values)


def flagged(b, context=SHIPPED):
    return [(f.rule, f.quote, f.suggestion) for f in structure.check(b, context)]


def rules(b, context=SHIPPED):
    return [f.rule for f in structure.check(b, context)]


# --- The sample -------------------------------------------------------------


def test_the_sample_s_structure_gives_its_five_problems(parsed):
    assert sorted(flagged(parsed)) == [
        (
            "abbr.undefined",
            "中国肉类食品综合研究中心",
            "中国肉类食品综合研究中心（以下简称“肉研中心”）",
        ),
        (
            "abbr.undefined",
            "广东腐蚀科学与技术创新研究院",
            "广东腐蚀科学与技术创新研究院（以下简称“腐创院”）",
        ),
        ("colophon.standard_name", "人力资源和社会保障部", "人力资源社会保障部"),
        (
            "toc.section_mismatch",
            "试点联盟及协发网网员单位动态",
            "试点联盟动态及协发网网员单位动态",
        ),
        (
            "toc.title_mismatch",
            "科技部党组传达学习贯彻习近平总书记在两会上的重要讲话精神",
            "科技部党组传达学习贯彻习近平总书记在全国两会上的重要讲话精神",
        ),
    ]


def test_the_sample_against_its_own_series_archive_and_sign_off_adds_nothing(parsed):
    context = ProofContext(
        dictionary=dictionary.shipped(),
        series_sections=SERIES,
        distribution=dict(parsed.distribution),
        previous=Numbering(2022, 6, 65),
        signed_on=dt.date(2023, 3, 20),
    )
    assert sorted(rules(parsed, context)) == [
        "abbr.undefined",
        "abbr.undefined",
        "colophon.standard_name",
        "toc.section_mismatch",
        "toc.title_mismatch",
    ]


# --- 导读 ----------------------------------------------------------------------


def test_a_toc_title_a_slip_away_from_the_title_is_an_error_on_the_toc_title():
    a = ParsedArticle("习近平总书记在全国两会上的讲话", toc_title="习近平总书记在两会上的讲话")
    [f] = structure.check(bulletin(a), SHIPPED)
    assert (f.rule, f.severity, f.where.part, f.where.article) == (
        "toc.title_mismatch",
        "错误",
        "toc_title",
        1,
    )
    assert f.suggestion == "习近平总书记在全国两会上的讲话"


def test_a_toc_title_worded_on_purpose_is_only_a_hint():
    a = ParsedArticle(
        "联盟协发网暨中关村国联中心第二届第三次理事会会议以视频形式召开",
        toc_title="联盟协发网理事会召开",
    )
    [f] = structure.check(bulletin(a), SHIPPED)
    assert (f.rule, f.severity) == ("toc.title_mismatch", "提示")


def test_a_section_named_in_the_toc_as_in_the_body_is_silent():
    section = ParsedSection(SERIES[0], (ParsedArticle("标题"),), toc_title=SERIES[0])
    assert rules(bulletin(sections=(section,))) == []


# --- Sections ------------------------------------------------------------------


def test_a_section_the_series_does_not_have_gets_the_closest_series_name():
    section = ParsedSection("试点联盟动态及网员单位动态", (ParsedArticle("标题"),))
    context = ProofContext(series_sections=SERIES)
    assert flagged(bulletin(sections=(section,)), context) == [
        ("section.not_in_series", "试点联盟动态及网员单位动态", "试点联盟动态及协发网网员单位动态")
    ]


def test_series_sections_out_of_order_are_a_hint():
    sections = tuple(ParsedSection(t, (ParsedArticle(f"{t}标题"),)) for t in reversed(SERIES))
    context = ProofContext(series_sections=SERIES)
    assert rules(bulletin(sections=sections), context) == ["section.order"]


def test_without_series_sections_any_section_name_is_accepted():
    section = ParsedSection("专题报道", (ParsedArticle("标题"),))
    assert rules(bulletin(sections=(section,)), ProofContext()) == []


# --- 第N期 / 总第M期 ---------------------------------------------------------------


def test_numbers_following_the_previous_issue_are_silent():
    assert rules(bulletin(), ProofContext(previous=Numbering(2023, 1, 66))) == []


def test_a_new_year_starts_at_number_one():
    context = ProofContext(previous=Numbering(2022, 6, 65))
    assert rules(bulletin(year=2023, number=1, running_number=66), context) == []
    assert flagged(bulletin(year=2023, number=7, running_number=66), context) == [
        ("numbering.number", "第7期", "第1期")
    ]


def test_a_skipped_number_and_running_number_are_errors_with_the_right_ones():
    b = bulletin(number=3, running_number=68)
    found = list(structure.check(b, ProofContext(previous=Numbering(2023, 1, 66))))
    assert [(f.rule, f.severity, f.where.field, f.quote, f.suggestion) for f in found] == [
        ("numbering.number", "错误", "期号", "第3期", "第2期"),
        ("numbering.running", "错误", "总期号", "总第68期", "总第67期"),
    ]


def test_a_masthead_date_in_another_year_than_the_number_is_an_error():
    assert rules(bulletin(date=dt.date(2022, 12, 30)), ProofContext()) == ["numbering.year"]


# --- 报/送 -----------------------------------------------------------------------


def test_no_distribution_at_all_is_one_error():
    assert flagged(bulletin(distribution={}), ProofContext()) == [("colophon.missing", "", None)]


def test_a_list_the_series_has_missing_from_the_issue_is_an_error():
    b = bulletin(distribution={"报": LISTS["报"]})
    found = [(f.rule, f.where.field) for f in structure.check(b, ProofContext(distribution=LISTS))]
    assert found == [("colophon.missing", "送")]


def test_names_left_out_of_or_added_to_the_series_list_are_hints():
    b = bulletin(distribution={"报": ("科技部", "教育部"), "送": LISTS["送"]})
    found = list(structure.check(b, ProofContext(distribution=LISTS)))
    assert [(f.rule, f.severity, f.where.field, f.quote) for f in found] == [
        ("colophon.list", "提示", "报", ""),
        ("colophon.list", "提示", "报", "教育部"),
    ]
    assert "财政部" in found[0].message


def test_a_list_of_full_names_throughout_is_consistent():
    b = bulletin(distribution={"报": ("科学技术部", "人力资源和社会保障部"), "送": ("各联盟",)})
    assert rules(b) == []


def test_a_full_name_among_short_names_gets_its_short_name():
    b = bulletin(distribution={"报": ("科技部", "国家发展和改革委员会"), "送": ("各联盟",)})
    [f] = structure.check(b, SHIPPED)
    assert (f.rule, f.severity, f.where.part, f.where.field, f.quote, f.suggestion) == (
        "colophon.standard_name",
        "建议",
        "colophon",
        "报",
        "国家发展和改革委员会",
        "国家发展改革委",
    )


# --- 编辑 / 审核 / 签发 ---------------------------------------------------------------


SIGNED = ProofContext(signed_on=dt.date(2023, 4, 20))


def test_a_missing_reviewer_on_a_signed_issue_is_an_error():
    found = list(structure.check(bulletin(reviewer=""), SIGNED))
    assert [(f.rule, f.severity, f.where.field) for f in found] == [
        ("signoff.missing", "错误", "审核")
    ]


def test_names_still_to_come_in_the_workflow_are_not_missing():
    # In the desk 审核 and 签发 fill their names in as they are done.
    assert rules(bulletin(reviewer="", signer=""), ProofContext()) == []
    assert rules(bulletin(editor="", reviewer="", signer=""), ProofContext()) == []


def test_the_editor_signing_too_is_an_error():
    found = list(structure.check(bulletin(signer="杨丹泽"), SIGNED))
    assert [(f.rule, f.severity, f.where.field, f.quote) for f in found] == [
        ("signoff.same_person", "错误", "签发", "杨丹泽")
    ]


def test_one_person_reviewing_and_signing_is_advice():
    found = list(structure.check(bulletin(signer="尚辉良"), SIGNED))
    assert [(f.rule, f.severity, f.where.field) for f in found] == [
        ("signoff.same_person", "建议", "签发")
    ]


def test_a_masthead_dated_before_the_signing_is_an_error_and_the_same_day_is_not():
    b = bulletin(date=dt.date(2023, 4, 20))
    assert rules(b, ProofContext(signed_on=dt.date(2023, 4, 21))) == ["signoff.date"]
    assert rules(b, ProofContext(signed_on=dt.date(2023, 4, 20))) == []
    assert rules(b, ProofContext(signed_on=dt.date(2023, 4, 18))) == []


# --- 以下简称 -----------------------------------------------------------------------


def article(*paragraphs, title="联盟召开会议"):
    return ParsedArticle(title, tuple(paragraph(p) for p in paragraphs))


def test_the_sample_s_definitions_come_before_their_uses(parsed):
    used = [f for f in structure.check(parsed, SHIPPED) if f.rule.startswith("abbr.")]
    assert {f.rule for f in used} == {"abbr.undefined"}  # 肉研中心 and 腐创院, below


def test_the_sample_s_undefined_short_forms_are_flagged_at_their_full_names(parsed):
    found = [f for f in structure.check(parsed, SHIPPED) if f.rule == "abbr.undefined"]
    assert [(f.where.article, f.where.block, f.severity) for f in found] == [
        (21, 0, "建议"),
        (24, 0, "建议"),
    ]
    assert found[0].before.endswith("理事长单位")
    assert found[0].after.startswith("航天搭载菌种")
    assert "肉研中心" in found[0].message


def test_an_undefined_short_form_is_reported_once_per_article():
    b = bulletin(
        article(
            "理事长单位中国肉类食品综合研究中心举办仪式。肉研中心拥有菌种。",
            "在肉研中心的带领下开展研究。",
        )
    )
    assert rules(b, ProofContext()) == ["abbr.undefined"]


def test_short_forms_that_are_one_piece_of_the_full_name_or_defined_stay_silent():
    b = bulletin(
        article("中国原子能科学研究院召开会议，原子能院党委书记出席。"),  # 原子能 is one piece
        article("广东腐蚀科学与技术创新研究院获认定，中国科学院专家出席。"),  # 科学 is one piece
        article(
            "中国科学院大连化学物理研究所专家报告，大连化物所研究员出席。"
        ),  # not its first words
        article("中国肉类食品综合研究中心（以下简称“肉研中心”）举办仪式。肉研中心拥有菌种。"),
        article("北京市中西医肿瘤微创医学中心揭牌，该中心将培养人才。"),
    )
    assert rules(b, ProofContext()) == []


def test_a_short_form_used_before_its_definition_is_flagged_at_the_first_use():
    b = bulletin(
        article(
            "国联中心秘书处列席会议。",
            "中关村国联产业协同创新发展促进中心（简称“国联中心”）召开会议，国联中心理事出席。",
        )
    )
    [f] = structure.check(b, ProofContext())
    assert (f.rule, f.where.block, f.start, f.quote) == ("abbr.used_before", 0, 0, "国联中心")


def test_a_title_may_use_the_short_form_its_article_defines():
    b = bulletin(
        article(
            "产业技术创新战略联盟协同发展网（简称“联盟协发网”）召开会议，联盟协发网理事出席。",
            title="联盟协发网召开会议",
        )
    )
    assert rules(b, ProofContext()) == []


def test_a_short_form_inside_the_full_name_it_abbreviates_is_not_a_use():
    b = bulletin(article("上海电驱动股份有限公司（以下简称上海电驱动）获得认证，上海电驱动表示……"))
    assert rules(b, ProofContext()) == []


def test_a_short_form_defined_and_never_used_is_a_hint():
    b = bulletin(
        article("《科技支撑碳达峰碳中和实施方案（2022—2030年）》（以下简称《实施方案》）印发。")
    )
    [f] = structure.check(b, ProofContext())
    assert (f.rule, f.severity, f.quote) == ("abbr.unused", "提示", "（以下简称《实施方案》）")


def test_definitions_are_read_per_article():
    first = article(
        "中关村国联产业协同创新发展促进中心（简称“国联中心”）召开会议，国联中心理事出席。"
    )
    second = article("国联中心秘书处参加活动。", title="国联中心参加活动")
    assert rules(bulletin(first, second), ProofContext()) == []


def test_a_toc_title_with_a_full_stop_added_is_a_slip(parsed):
    a = dataclasses.replace(parsed.articles[0], toc_title=parsed.articles[0].title + "。")
    [f] = structure.check(bulletin(a), ProofContext())
    assert (f.rule, f.severity) == ("toc.title_mismatch", "错误")
