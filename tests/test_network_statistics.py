"""Statistics tables: the numbers the charts and the XLSX are drawn from."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from jianbao.network import statistics
from jianbao.network.models import ApplicationEvent, MembershipApplication
from tests.factories import AllianceFactory
from tests.test_network_membership import PARTICULARS, make_cast

pytestmark = pytest.mark.django_db


def test_contributions_are_counted_per_alliance_per_year(imported_issue):
    table = statistics.articles_per_alliance_per_year()
    assert table.header == ("联盟", "2023年", "合计")
    assert ("粉末冶金产业技术创新战略联盟", 1, 1) in table.rows


def test_articles_are_counted_per_section_per_issue(imported_issue):
    assert statistics.articles_per_section_per_issue().rows == [
        ("2023年第1期", "重要政策动态", 6),
        ("2023年第1期", "联盟联络组及协发网动态", 3),
        ("2023年第1期", "试点联盟动态及协发网网员单位动态", 16),
    ]


def test_silent_alliances_are_those_without_a_credit_for_twelve_months(imported_issue):
    never = AllianceFactory(name="从未供稿产业技术创新战略联盟")
    soon_after = dict(statistics.silent_alliances(date(2023, 6, 1)).rows)
    assert soon_after[never.name] == "从未供稿"
    assert "粉末冶金产业技术创新战略联盟" not in soon_after
    a_year_later = dict(statistics.silent_alliances(date(2024, 6, 1)).rows)
    assert a_year_later["粉末冶金产业技术创新战略联盟"] == "2023-03-20"


def test_time_per_step_is_measured_from_the_history():
    cast = make_cast()
    application = MembershipApplication.objects.create(
        alliance=cast.alliance, created_by=cast.applicant, **PARTICULARS
    )
    start = timezone.make_aware(datetime(2026, 11, 2, 9))
    steps = [
        ("created", "draft", "draft", 0),
        ("submit", "draft", "submitted", 1),
        ("opinion", "submitted", "submitted", 2),  # not a step: does not end "submitted"
        ("start_review", "submitted", "committee_review", 4),
    ]
    for action, from_state, to_state, day in steps:
        event = ApplicationEvent.objects.create(
            application=application, action=action, from_state=from_state, to_state=to_state
        )
        # Backdating test data: the append-only manager refuses updates, the base one does not.
        ApplicationEvent._base_manager.filter(pk=event.pk).update(
            created_at=start + timedelta(days=day)
        )
    assert statistics.days_per_step().rows == [("草稿", 1, 1.0), ("已提交", 1, 3.0)]
    by_state = dict(statistics.applications_by_state().rows)
    assert by_state["草稿"] == 1 and by_state["正式网员"] == 0
