"""The public pages that list rows make as many queries for four issues as for one:
a page whose queries grow with its rows (one query per issue, article or
alliance) would slow down with every issue the office publishes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jianbao.archive.caching import forget_version
from jianbao.bulletins.services import store_bulletin
from jianbao.network.models import Organisation
from jianbao.publishing.ingest.text import parse_bulletin_text

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    cache.clear()  # count the page as it is made, not as it is kept
    forget_version()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def pages() -> list[str]:
    alliance = Organisation.objects.get(name="粉末冶金产业技术创新战略联盟")
    return [
        reverse("archive:issue_list"),
        reverse("archive:year_index"),
        reverse("archive:year_issues", args=[2023]),
        reverse("archive:alliance_list"),
        reverse("archive:alliance_detail", args=[alliance.pk]),
        reverse("archive:alliance_feed", args=[alliance.pk]),
        reverse("archive:section_list"),
        reverse("archive:section_detail", args=["重要政策动态"]),
        reverse("archive:issues_feed"),
        reverse("archive:sitemap"),
        reverse("archive:search") + "?q=联盟",
    ]


def test_public_list_pages_make_the_same_queries_for_one_issue_or_four(
    client, imported_issue, fixture_text
):
    one = {url: queries(client, url) for url in pages()}
    for number, running, day in [(2, 67, "4月20日"), (3, 68, "5月20日"), (4, 69, "6月20日")]:
        masthead = f"2023年第{number}期（总第{running}期）"
        text = fixture_text.replace("2023年第1期（总第66期）", masthead)
        text = text.replace("2023年3月20日", f"2023年{day}")
        store_bulletin(parse_bulletin_text(text), source_name=f"2023-{number}.md")
    four = {url: queries(client, url) for url in pages()}
    assert four == one
