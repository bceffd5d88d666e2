"""Alliances land in the registry by rule, from credits, titles and text."""

import json

import pytest

from jianbao.bulletins.models import Article, ArticleContributor
from jianbao.bulletins.services import store_bulletin
from jianbao.core.roles import grant_role
from jianbao.network.models import Organisation, OrganisationName
from jianbao.network.names import full_names_in
from jianbao.network.services import (
    find_organisation,
    merge_alliances,
    merge_suggestions,
    record_distinct,
)
from jianbao.publishing.ingest.text import parse_bulletin_text
from tests.conftest import FIXTURE
from tests.factories import person
from tests.test_parser import FIXTURE_MASTHEAD

pytestmark = pytest.mark.django_db


def alliance(name):
    org = find_organisation(name)
    assert org is not None, name
    return org


def test_short_names_in_titles_link_to_full_names_from_credits(imported_issue):
    assert alliance("粉末冶金联盟").name == "粉末冶金产业技术创新战略联盟"
    assert alliance("水环境联盟").name == "水环境资源产业技术创新战略联盟"
    assert alliance("电动汽车电驱动系统产业联盟").name == "电动汽车电驱动系统产业技术创新战略联盟"
    assert alliance("WAPI产业联盟").name == "WAPI产业技术创新战略联盟"


def test_names_from_running_text_are_registered(imported_issue):
    for stem in ("健康建筑", "临床试验", "现代农业与食品前沿", "微生物种业", "纳米科技"):
        assert alliance(f"{stem}产业技术创新战略联盟").kind == Organisation.Kind.ALLIANCE


def test_variant_names_stay_separate_until_an_administrator_merges_them(imported_issue):
    assert alliance("应急装备产业技术创新战略联盟") != alliance("应急救援装备产业技术创新战略联盟")
    assert alliance("第三代半导体联盟").name == "第三代半导体产业技术创新战略联盟"


def test_articles_link_to_their_alliances(imported_issue):
    powder = alliance("粉末冶金产业技术创新战略联盟")
    assert [a.title for a in powder.mentioned_in.all()] == ["粉末冶金联盟发布7项团体标准"]


def test_registry_rules_know_no_particular_alliance():
    """Invented names behave exactly like the sample's."""
    text = (
        FIXTURE_MASTHEAD.replace("甲联盟发布团体标准", "云杉木材联盟发布团体标准")
        .replace(
            "本联盟发布了 7 项团体标准。",
            "同意青稞酿造产业技术创新战略联盟、雪域牧业产业技术创新战略联盟入网。",
        )
        .replace("甲产业技术创新战略联盟秘书处供稿", "云杉木材产业技术创新战略联盟秘书处供稿")
    )
    store_bulletin(parse_bulletin_text(text), source_name="invented.txt")
    assert alliance("云杉木材联盟").name == "云杉木材产业技术创新战略联盟"
    assert alliance("青稞酿造产业技术创新战略联盟").kind == Organisation.Kind.ALLIANCE
    assert alliance("雪域牧业产业技术创新战略联盟").kind == Organisation.Kind.ALLIANCE


def test_book_titles_and_the_network_itself_are_not_alliances():
    text = (
        "根据《科技部关于推动产业技术创新战略联盟构建的指导意见》，产业技术创新战略联盟协同发展网……"
    )
    assert full_names_in(text) == []


# --- Suggested merges, confirmed by an administrator ----------------------------

VARIANT_PAIRS = {
    ("应急救援装备产业技术创新战略联盟", "应急装备产业技术创新战略联盟"),
    ("第三代半导体产业技术创新战略联盟", "第三代半导体照明产业技术创新战略联盟"),
    ("快堆产业技术创新战略联盟", "快堆产业化技术创新战略联盟"),
}


def test_the_samples_variant_names_are_suggested_for_merging(imported_issue):
    suggestions = merge_suggestions()
    assert {(s.a, s.b) for s in suggestions} == VARIANT_PAIRS


def test_a_credit_that_names_another_alliance_than_the_title_raises_confidence(imported_issue):
    by_pair = {(s.a, s.b): s for s in merge_suggestions()}
    crossed = by_pair[("应急救援装备产业技术创新战略联盟", "应急装备产业技术创新战略联盟")]
    assert crossed.confidence > 0.8
    assert "“救援”" in crossed.reason and "《应急救援装备联盟向国家消防救援局局长汇报工作》" in (
        crossed.reason
    )
    semiconductor = by_pair[
        ("第三代半导体产业技术创新战略联盟", "第三代半导体照明产业技术创新战略联盟")
    ]
    assert "“照明”" in semiconductor.reason and "供稿单位" in semiconductor.reason


def test_unrelated_stems_are_not_suggested():
    from jianbao.network.names import compare_stems

    assert compare_stems("再生资源", "水环境资源") is None
    assert compare_stems("化纤", "化纤机械") is None  # too short a stem to judge
    assert compare_stems("粉末冶金", "粉末冶金") == (0.9, "名称主干相同，仅后缀不同")


def test_nothing_merges_until_confirmed_then_articles_follow_the_canonical_name(imported_issue):
    keep = alliance("应急救援装备产业技术创新战略联盟")
    other = alliance("应急装备产业技术创新战略联盟")
    article = Article.objects.get(title="应急救援装备联盟向国家消防救援局局长汇报工作")
    assert ArticleContributor.objects.get(article=article).organisation == other

    merge_alliances(keep, other, by=None)

    assert not Organisation.objects.filter(name="应急装备产业技术创新战略联盟").exists()
    assert alliance("应急装备产业技术创新战略联盟") == keep
    assert OrganisationName.objects.get(name="应急装备产业技术创新战略联盟").kind == "other"
    assert ArticleContributor.objects.get(article=article).organisation == keep
    assert list(article.alliances.all()) == [keep]
    assert {(s.a, s.b) for s in merge_suggestions()} == VARIANT_PAIRS - {(keep.name, other.name)}


def test_a_pair_declared_distinct_is_not_suggested_again(imported_issue):
    record_distinct(
        alliance("快堆产业技术创新战略联盟"), alliance("快堆产业化技术创新战略联盟"), by=None
    )
    assert ("快堆产业技术创新战略联盟", "快堆产业化技术创新战略联盟") not in {
        (s.a, s.b) for s in merge_suggestions()
    }


def test_merge_commands_list_suggestions_and_merge_on_request(cli):
    cli("import", "-q", str(FIXTURE))
    suggestions = json.loads(cli("alliances", "merges", "--format", "json").stdout)
    assert {(s["a"], s["b"]) for s in suggestions} == VARIANT_PAIRS
    assert set(suggestions[0]) == {"a", "b", "confidence", "reason"}
    result = cli(
        "alliances",
        "merge",
        "第三代半导体产业技术创新战略联盟",
        "第三代半导体照明产业技术创新战略联盟",
    )
    assert result.status == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(cli("alliances", "--format", "json").stdout)}
    merged = rows["第三代半导体产业技术创新战略联盟"]
    assert merged["other_names"] == ["第三代半导体照明产业技术创新战略联盟"]
    assert merged["articles"] == 1 and merged["kinds"] == []
    again = cli(
        "alliances",
        "merge",
        "第三代半导体产业技术创新战略联盟",
        "第三代半导体照明产业技术创新战略联盟",
    )
    assert again.status == 2 and "无需合并" in again.stderr


def test_merging_moves_role_grants_without_duplicating_them(imported_issue):
    keep = alliance("快堆产业技术创新战略联盟")
    other = alliance("快堆产业化技术创新战略联盟")
    user = person("sec", "submitter", alliance=keep)
    grant_role(user, "submitter", alliance=other)
    merge_alliances(keep, other, by=None)
    assert list(user.role_grants.values_list("alliance__name", flat=True)) == [keep.name]
