"""Alliances land in the registry by rule, from credits, titles and text."""

import pytest

from jianbao.bulletins.services import store_bulletin
from jianbao.network.models import Organisation
from jianbao.network.names import full_names_in
from jianbao.network.services import find_organisation
from jianbao.publishing.ingest.text import parse_bulletin_text
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
