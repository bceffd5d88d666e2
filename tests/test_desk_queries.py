"""The desk's list pages make as many queries for four rows as for one: the
issue list, the series list, the intake queue, a secretariat's own
submissions and the delivery lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jianbao.bulletins import editing
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    client.get(url)  # the first visit may set things up once (the default lists)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_rows(team, series, start: int, count: int) -> None:
    for n in range(start, start + count):
        editing.create_issue(series, year=2026, number=n, running_number=n, by=team["editor"])
        intake.submit_from_web(
            team["submitter"],
            alliance=team["alliance"],
            title=f"联盟来稿{n}",
            body="正文。",
            credit="",
            files=[],
        )


def test_desk_list_pages_make_the_same_queries_for_one_row_or_four(client):
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    team = {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
    }
    series = SeriesFactory()
    desk = [
        reverse("desk:issues"),
        reverse("desk:home"),
        reverse("submissions:queue") + "?state=",
        reverse("distribution:lists"),
    ]
    own = reverse("submissions:mine")

    def measured():
        client.force_login(team["editor"])
        counts = {url: queries(client, url) for url in desk}
        client.force_login(team["submitter"])
        counts[own] = queries(client, own)
        return counts

    add_rows(team, series, 1, 1)
    one = measured()
    add_rows(team, series, 2, 3)
    assert measured() == one
