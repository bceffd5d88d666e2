"""The new-issue form proposes numbers from the series' last issue, not the clock."""

import datetime

import pytest
from django.urls import reverse

from jianbao.bulletins import editing
from jianbao.bulletins.models import Issue
from tests.factories import SeriesFactory, person

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


def test_after_2023_1_comes_2023_2_whatever_the_year_of_the_clock():
    editor = person("ed", "editor")
    series = SeriesFactory()
    editing.create_issue(series, year=2023, number=1, running_number=1, by=editor)
    # Back-filling 2023: the date is left for the editor (or the 签发 day), never today.
    assert editing.proposed_numbers(series, today=TODAY) == (2023, 2, 2, None)


def archived(series, year, number, running):
    """An issue the archive holds already (imported numbers need not start at 1)."""
    return Issue.objects.create(
        series=series,
        year=year,
        number=number,
        running_number=running,
        state=Issue.State.PUBLISHED,
    )


def test_within_the_current_year_today_is_the_proposed_date():
    series = SeriesFactory()
    archived(series, 2026, 4, 70)
    assert editing.proposed_numbers(series, today=TODAY) == (2026, 5, 71, TODAY)


def test_a_series_without_issues_starts_at_the_first_of_this_year():
    assert editing.proposed_numbers(SeriesFactory(), today=TODAY) == (2026, 1, 1, TODAY)


def test_the_form_shows_the_proposal(client):
    editor = person("ed", "editor")
    series = SeriesFactory()
    archived(series, 2023, 1, 66)
    client.force_login(editor)
    form = client.get(reverse("desk:issue_new")).context["form"]
    assert (form.initial["year"], form.initial["number"], form.initial["running_number"]) == (
        2023,
        2,
        67,
    )
