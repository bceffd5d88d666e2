"""Rule family 7: alliance names within an article, in its credit, and against the registry."""

import datetime as dt

from jianbao.proofing.context import Alliance, ProofContext
from jianbao.proofing.rules import names
from jianbao.publishing.parsed import ParsedArticle, ParsedBulletin, ParsedSection, paragraph

NONE = ProofContext()


def bulletin(*articles):
    return ParsedBulletin(
        series_title="产业技术创新战略联盟试点工作",
        series_name="简报",
        office="联盟试点工作联络组办公室",
        year=2023,
        number=1,
        running_number=66,
        date=dt.date(2023, 3, 20),
        sections=(ParsedSection("试点联盟动态及协发网网员单位动态", tuple(articles)),),
    )


def article(title, *paragraphs, credit=""):
    return ParsedArticle(title=title, blocks=tuple(paragraph(p) for p in paragraphs), credit=credit)


def flagged(b, context=NONE):
    return [(f.rule, f.where.part, f.quote, f.suggestion) for f in names.check(b, context)]


# --- The sample -------------------------------------------------------------


def test_the_sample_s_alliance_names_give_exactly_its_six_problems(parsed):
    found = sorted(
        (f.where.article, f.rule, f.where.part, f.quote, f.suggestion)
        for f in names.check(parsed, NONE)
    )
    kuaidui = "快堆产业技术创新战略联盟"
    third = "第三代半导体产业技术创新战略联盟"
    assert found == [
        (5, "name.variant", "block", "快堆产业化技术创新战略联盟", kuaidui),
        (5, "name.variant", "block", "快堆产业联盟", "快堆联盟"),
        (5, "name.variant", "block", "快堆产业联盟", "快堆联盟"),
        (
            10,
            "name.credit_mismatch",
            "credit",
            "应急装备产业技术创新战略联盟",
            "应急救援装备产业技术创新战略联盟",
        ),
        (12, "name.credit_mismatch", "credit", "第三代半导体照明产业技术创新战略联盟", third),
        (12, "name.variant", "block", "第三代半导体照明产业技术创新战略联盟", third),
    ]


def test_the_kuaidui_variants_are_quoted_where_they_stand(parsed):
    text = parsed.articles[4].blocks[0].text
    variants = sorted(
        (f for f in names.check(parsed, NONE) if f.where.article == 5), key=lambda f: f.start
    )
    assert [(f.before[-6:], f.quote) for f in variants] == [
        ("国快堆论坛暨", "快堆产业化技术创新战略联盟"),
        ("书记薛小刚，", "快堆产业联盟"),
        ("和难题，依托", "快堆产业联盟"),
    ]
    assert all(text[f.start : f.start + len(f.quote)] == f.quote for f in variants)


def test_a_short_name_unlike_the_full_one_but_registered_or_a_prefix_of_it_is_silent():
    # 水环境联盟 for 水环境资源产业技术创新战略联盟, as the sample has it.
    b = bulletin(
        article(
            "水环境联盟参与研究的项目通过验收",
            "由水环境资源产业技术创新战略联盟组织，联盟理事长单位牵头。",
            credit="水环境资源产业技术创新战略联盟秘书处供稿",
        )
    )
    registry = ProofContext(
        alliances=(Alliance("水环境资源产业技术创新战略联盟", ("水环境联盟",)),)
    )
    assert flagged(b) == []
    assert flagged(b, registry) == []


def test_brackets_in_a_full_name_do_not_make_another_alliance():
    b = bulletin(
        article(
            "建筑信息模型BIM联盟与铁路BIM联盟开展技术交流",
            "建筑信息模型（BIM）产业技术创新战略联盟与铁路BIM联盟日前开展交流。",
            credit="建筑信息模型（BIM）产业技术创新战略联盟秘书处供稿",
        )
    )
    assert flagged(b) == []


def test_one_looser_short_form_used_throughout_is_left_alone():
    b = bulletin(
        article(
            "电动汽车电驱动系统产业联盟发起单位荣获认证",
            "电动汽车电驱动系统产业联盟发起单位上海电驱动获颁证书。",
            credit="电动汽车电驱动系统产业技术创新战略联盟秘书处供稿",
        ),
        article(
            "WAPI产业联盟组织专家参加中期会议",
            "WAPI产业技术创新战略联盟秘书处相关同志参会。",
            credit="WAPI产业技术创新战略联盟秘书处供稿",
        ),
    )
    assert flagged(b) == []


# --- Variants within one article ----------------------------------------------


def test_two_full_names_of_one_alliance_keep_the_title_s():
    b = bulletin(
        article(
            "粉末冶金产业技术创新战略联盟召开理事会",
            "粉末冶金产业化技术创新战略联盟理事会日前召开。",
        )
    )
    assert flagged(b) == [
        ("name.variant", "block", "粉末冶金产业化技术创新战略联盟", "粉末冶金产业技术创新战略联盟")
    ]


def test_two_short_names_keep_the_stem_plus_lianmeng():
    b = bulletin(
        article(
            "花卉联盟召开理事会",
            "花卉产业技术创新战略联盟理事会召开，花卉产业联盟理事长出席。",
        )
    )
    assert flagged(b) == [("name.variant", "block", "花卉产业联盟", "花卉联盟")]


def test_a_registered_short_name_is_kept_over_the_stem_plus_lianmeng():
    b = bulletin(
        article(
            "光热联盟举办大会",
            "太阳能光热产业技术创新战略联盟举办大会，太阳能光热联盟秘书长出席，"
            "太阳能光热产业联盟理事长致辞。",
        )
    )
    registry = ProofContext(alliances=(Alliance("太阳能光热产业技术创新战略联盟", ("光热联盟",)),))
    # Both 光热联盟 (registered) and 太阳能光热联盟 are right; the title's is kept.
    assert flagged(b, registry) == [("name.variant", "block", "太阳能光热产业联盟", "光热联盟")]


def test_two_different_alliances_in_one_article_are_not_variants():
    b = bulletin(
        article(
            "化纤联盟与制鞋联盟开展交流",
            "化纤产业技术创新战略联盟与制鞋产业技术创新战略联盟日前开展交流。",
            credit="化纤产业技术创新战略联盟秘书处供稿",
        )
    )
    assert flagged(b) == []


# --- The credit ---------------------------------------------------------------


def test_a_credit_naming_the_title_s_alliance_another_way_is_an_error():
    b = bulletin(
        article(
            "应急救援装备联盟向国家消防救援局汇报工作",
            "应急救援装备产业技术创新战略联盟理事长近日汇报工作。",
            credit="应急装备产业技术创新战略联盟秘书处供稿",
        )
    )
    [f] = names.check(b, NONE)
    assert (f.rule, f.severity, f.quote, f.suggestion) == (
        "name.credit_mismatch",
        "错误",
        "应急装备产业技术创新战略联盟",
        "应急救援装备产业技术创新战略联盟",
    )
    assert f.after == "秘书处供稿"


def test_a_credit_of_another_alliance_altogether_is_a_hint():
    b = bulletin(
        article(
            "花卉联盟理事长单位项目通过绩效评价",
            "项目顺利通过综合绩效评价。",
            credit="肉类加工产业技术创新战略联盟秘书处供稿",
        )
    )
    [f] = names.check(b, NONE)
    assert (f.rule, f.severity, f.quote, f.suggestion) == (
        "name.credit_other",
        "提示",
        "肉类加工产业技术创新战略联盟",
        None,
    )


def test_a_credit_of_the_network_secretariat_is_no_alliance_to_compare():
    b = bulletin(
        article(
            "联盟协发网秘书处向科技部汇报工作",
            "汇报了近期联盟协发网工作进展。",
            credit="联盟协发网秘书处和联盟试点工作组供稿",
        )
    )
    assert flagged(b) == []


# --- The registry -------------------------------------------------------------


def test_a_full_name_off_the_registry_with_a_registered_stem_gets_the_registered_name():
    b = bulletin(article("快堆产业化技术创新战略联盟召开成员大会", "大会日前在京召开。"))
    registry = ProofContext(alliances=(Alliance("快堆产业技术创新战略联盟"),))
    assert flagged(b, registry) == [
        ("name.unregistered", "title", "快堆产业化技术创新战略联盟", "快堆产业技术创新战略联盟")
    ]
    assert flagged(b) == []  # without a registry nothing says which is right


def test_an_unknown_alliance_is_not_guessed_at():
    b = bulletin(article("新材料产业技术创新战略联盟成立", "新材料产业技术创新战略联盟日前成立。"))
    registry = ProofContext(alliances=(Alliance("快堆产业技术创新战略联盟"),))
    assert flagged(b, registry) == []


def test_names_inside_a_document_title_are_not_mentions():
    b = bulletin(
        article(
            "科技部印发指导意见",
            "《科技部关于推动产业技术创新战略联盟构建的指导意见》《花卉产业化技术创新战略联盟章程》印发。",
        )
    )
    assert flagged(b) == []
