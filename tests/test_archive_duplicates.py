"""Search and feeds for a suspected-duplicate pair of alliances (issue #13): the public
site shows one alliance, so the search form offers only the kept row, searching for
it finds the articles of both rows, and the other row's feed moves as its page does."""

from __future__ import annotations

import re

import pytest

from jianbao.bulletins.models import Article
from jianbao.network.models import Organisation
from jianbao.network.services import merge_alliances, merge_suggestions, record_distinct
from tests.factories import person

pytestmark = pytest.mark.django_db

RESCUE = "应急救援装备产业技术创新战略联盟"
EQUIPMENT = "应急装备产业技术创新战略联盟"
SOLAR = "太阳能光热产业技术创新战略联盟"
# Two articles of the sample issue that both say 汇报工作 in their titles.
REPORT_RESCUE = "应急救援装备联盟向国家消防救援局局长汇报工作"
REPORT_OFFICE = "联盟协发网秘书处向科技部成果与区域司汇报工作"


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def pair(imported_issue):
    """The sample's 应急救援装备/应急装备 pair, each row named by a different article."""
    kept, other = Organisation.objects.get(name=RESCUE), Organisation.objects.get(name=EQUIPMENT)
    suggested = [{s.a, s.b} for s in merge_suggestions()]
    assert {RESCUE, EQUIPMENT} in suggested
    for article in Article.objects.filter(alliances__in=[kept, other]).distinct():
        article.alliances.remove(kept, other)
    Article.objects.get(title=REPORT_RESCUE).alliances.add(kept)
    Article.objects.get(title=REPORT_OFFICE).alliances.add(other)
    return kept, other


def offered(html: str) -> dict[str, str]:
    select = re.search(r'<select name="alliance" id="id_alliance">(.*?)</select>', html, re.S)[1]
    return dict(re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select))


def chosen(html: str) -> str:
    select = re.search(r'<select name="alliance" id="id_alliance">(.*?)</select>', html, re.S)[1]
    return re.search(r'<option value="(\d*)" selected>', select)[1]


def result_titles(html: str) -> set[str]:
    results = re.search(r'<ol class="results".*?</ol>', html, re.S)
    if results is None:
        return set()
    titles = re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", results[0], re.S)
    return {re.sub(r"<[^>]+>", "", t).strip() for t in titles}


def test_the_search_form_offers_the_kept_alliance_only(client, pair):
    kept, other = pair
    options = offered(client.get("/search/").content.decode())
    assert options[str(kept.pk)] == RESCUE
    assert str(other.pk) not in options
    assert EQUIPMENT not in options.values()


def test_searching_for_the_kept_alliance_finds_the_articles_of_both_rows(client, pair):
    kept, _ = pair
    html = client.get(f"/search/?q=汇报工作&alliance={kept.pk}").content.decode()
    assert result_titles(html) == {REPORT_RESCUE, REPORT_OFFICE}
    assert chosen(html) == str(kept.pk)


def test_another_alliance_narrows_the_same_search_to_its_own_articles(client, pair):
    solar = Organisation.objects.get(name=SOLAR)
    html = client.get(f"/search/?q=汇报工作&alliance={solar.pk}").content.decode()
    assert result_titles(html) == set()


def test_an_old_link_naming_the_other_row_searches_the_kept_alliance(client, pair):
    kept, other = pair
    response = client.get(f"/search/?q=汇报工作&alliance={other.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "有效的选项" not in html and "errorlist" not in html
    assert result_titles(html) == {REPORT_RESCUE, REPORT_OFFICE}
    assert chosen(html) == str(kept.pk)


def test_the_other_rows_feed_moves_to_the_kept_alliances_feed_as_its_page_does(client, pair):
    kept, other = pair
    page = client.get(f"/alliances/{other.pk}/")
    feed = client.get(f"/alliances/{other.pk}/feed.atom")
    # For now, like the page: the office may yet answer that the two are different.
    assert (page.status_code, page["Location"]) == (302, f"/alliances/{kept.pk}/")
    assert (feed.status_code, feed["Location"]) == (302, f"/alliances/{kept.pk}/feed.atom")


def test_the_kept_alliances_feed_carries_the_articles_of_both_rows(client, pair):
    kept, _ = pair
    response = client.get(f"/alliances/{kept.pk}/feed.atom")
    assert response.status_code == 200
    xml = response.content.decode()
    entries = re.findall(r"<entry><title>(.*?)</title>", xml)
    assert sorted(entries) == sorted([REPORT_RESCUE, REPORT_OFFICE])


def test_a_merged_rows_feed_moves_permanently(client, pair):
    kept, other = pair
    old_pk = other.pk
    merge_alliances(kept, other, by=person("office", "editor"))
    feed = client.get(f"/alliances/{old_pk}/feed.atom")
    assert (feed.status_code, feed["Location"]) == (301, f"/alliances/{kept.pk}/feed.atom")
    assert client.get(f"/alliances/{kept.pk}/feed.atom").status_code == 200


def test_a_pair_answered_as_two_alliances_is_searched_and_fed_apart(client, pair):
    kept, other = pair
    record_distinct(kept, other, by=person("office", "editor"))
    options = offered(client.get("/search/").content.decode())
    assert options[str(kept.pk)] == RESCUE and options[str(other.pk)] == EQUIPMENT
    html = client.get(f"/search/?q=汇报工作&alliance={kept.pk}").content.decode()
    assert result_titles(html) == {REPORT_RESCUE}
    feed = client.get(f"/alliances/{other.pk}/feed.atom")
    assert feed.status_code == 200
    assert re.findall(r"<entry><title>(.*?)</title>", feed.content.decode()) == [REPORT_OFFICE]


def test_a_number_that_never_was_an_alliance_has_no_feed(client, pair):
    assert client.get("/alliances/987654/feed.atom").status_code == 404
