"""网员注册: every transition allowed and refused by role, the quorum, the notice, admission."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from jianbao.network import membership
from jianbao.network.membership import TRANSITIONS, Action, Actor, TransitionRefused
from jianbao.network.models import (
    ApplicationEvent,
    BodyMember,
    MembershipApplication,
    NetworkBody,
)
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, person

pytestmark = pytest.mark.django_db
State = MembershipApplication.State
MONDAY = date(2026, 11, 2)

PARTICULARS = {
    "field": "建筑",
    "chair_unit_name": "中国建筑科学研究院有限公司",
    "member_count": 42,
    "founded_year": 2019,
    "contact_name": "王芳",
    "contact_email": "wang@example.org",
    "statement": "联盟自愿申请成为协发网网员。",
}


@dataclass
class Cast:
    alliance: object
    applicant: object
    office: object
    admin: object
    outsider: object
    other_secretariat: object
    members: list


def make_cast(*, committee_size: int = 3, quorum=None, majority_percent: int = 50) -> Cast:
    alliance = AllianceFactory(name="健康建筑产业技术创新战略联盟")
    committee = NetworkBody.objects.create(
        name="网员审核委员会",
        kind=NetworkBody.Kind.REVIEW_COMMITTEE,
        quorum=quorum,
        majority_percent=majority_percent,
    )
    members = []
    for i in range(committee_size):
        user = person(f"member{i}", name=f"委员{i}")
        BodyMember.objects.create(
            body=committee, position=BodyMember.Position.MEMBER, person_name=f"委员{i}", user=user
        )
        members.append(user)
    return Cast(
        alliance=alliance,
        applicant=person("secretariat", "submitter", alliance=alliance, name="秘书处王"),
        office=person("office", "editor", name="杨丹泽"),
        admin=person("boss", "admin", name="管理员"),
        outsider=person("reader", "reviewer", name="审核员"),
        other_secretariat=person("elsewhere", "submitter", alliance=AllianceFactory()),
        members=members,
    )


@pytest.fixture
def cast():
    return make_cast()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


APPLICATION_FORM = ("网员注册申请表.pdf", b"%PDF-1.4 test")


def applied(cast, *, submit=True):
    return membership.apply(
        cast.alliance,
        by=cast.applicant,
        particulars=PARTICULARS,
        documents=[APPLICATION_FORM],
        submit=submit,
    )


def reviewed(cast, *opinions: str):
    application = applied(cast)
    membership.transition(application, Action.START_REVIEW, by=cast.office)
    for member, opinion in zip(cast.members, opinions, strict=False):
        membership.record_opinion(application, by=member, opinion=opinion)
    return application


def confirmed(cast):
    application = reviewed(cast, "approve", "approve")
    membership.conclude_review(application, by=cast.office)
    return membership.confirm_by_council(
        application, by=cast.office, meeting_name="第二届第三次会议", meeting_date=MONDAY
    )


def on_notice(cast, monkeypatch, *, today=MONDAY):
    monkeypatch.setattr(membership, "local_today", lambda: today)
    application = confirmed(cast)
    notice = membership.open_public_notice([application], by=cast.office, starts_on=MONDAY)
    return application, notice


def refresh(application):
    return MembershipApplication.objects.get(pk=application.pk)


# --- The table, by role -----------------------------------------------------------


def _in_state(cast, state, action, monkeypatch):
    """An application in ``state`` that meets the guard of ``action``."""
    if state == State.DRAFT:
        return applied(cast, submit=False)
    if state == State.SUBMITTED:
        return applied(cast)
    if state == State.COMMITTEE_REVIEW:
        if action == Action.COMMITTEE_FAIL:
            return reviewed(cast, "reject", "reject")
        return reviewed(cast, "approve", "approve")
    if state == State.COMMITTEE_APPROVED:
        application = reviewed(cast, "approve", "approve")
        application = membership.conclude_review(application, by=cast.office)
        application.council_meeting_name = "第二届第三次会议"
        application.council_meeting_date = MONDAY
        application.save()
        return application
    if state == State.COMMITTEE_REJECTED:
        application = reviewed(cast, "reject", "reject")
        return membership.conclude_review(application, by=cast.office)
    if state == State.COUNCIL_CONFIRMED:
        return confirmed(cast)
    if state == State.PUBLIC_NOTICE:
        application, _ = on_notice(cast, monkeypatch)
        monkeypatch.setattr(membership, "local_today", lambda: MONDAY + timedelta(days=14))
        return application
    raise AssertionError(state)


def _actor_users(cast, actor):
    if actor == Actor.APPLICANT:
        return [cast.applicant], [cast.office, cast.outsider, cast.other_secretariat]
    return [cast.office, cast.admin], [cast.applicant, cast.outsider, cast.members[0]]


# The procedure, written out: apply → 网员审核委员会 → 理事会 → 公示 → 网员; the
# applicant may withdraw and the office may reject (with a reason) at any
# point before admission, a failed committee vote included.
BEFORE_ADMISSION = [
    "draft",
    "submitted",
    "committee_review",
    "committee_approved",
    "committee_rejected",
    "council_confirmed",
    "public_notice",
]
PROCEDURE = [
    ("draft", "submit", "submitted", "applicant"),
    ("submitted", "start_review", "committee_review", "office"),
    ("committee_review", "committee_pass", "committee_approved", "office"),
    ("committee_review", "committee_fail", "committee_rejected", "office"),
    ("committee_approved", "confirm", "council_confirmed", "office"),
    ("council_confirmed", "publish_notice", "public_notice", "office"),
    ("public_notice", "admit", "admitted", "office"),
    *[(state, "withdraw", "withdrawn", "applicant") for state in BEFORE_ADMISSION],
    *[(state, "reject", "rejected", "office") for state in BEFORE_ADMISSION],
]
# Publishing goes through open_public_notice, tested below.
STEPS = [row for row in PROCEDURE if row[1] != "publish_notice"]


def test_the_table_is_the_procedure():
    table = {
        (str(state), str(action), str(step.to_state), str(step.actor))
        for (state, action), step in TRANSITIONS.items()
    }
    assert table == set(PROCEDURE)
    needing_a_reason = {
        (str(s), str(a)) for (s, a), step in TRANSITIONS.items() if step.needs_comment
    }
    assert needing_a_reason == {(state, "reject") for state in BEFORE_ADMISSION}


@pytest.mark.parametrize(
    ("state", "action", "to_state", "actor"), STEPS, ids=[f"{s}-{a}" for s, a, _, _ in STEPS]
)
def test_each_transition_is_refused_to_the_wrong_people_and_allowed_to_the_right(
    cast, monkeypatch, state, action, to_state, actor
):
    application = _in_state(cast, state, action, monkeypatch)
    allowed, refused = _actor_users(cast, actor)
    for user in refused:
        with pytest.raises(PermissionDenied):
            membership.transition(application, action, by=user, comment="理由")
        assert refresh(application).state == state
    done = membership.transition(application, action, by=allowed[0], comment="理由")
    assert done.state == to_state
    event = done.events.last()
    assert (event.action, event.from_state, event.to_state) == (action, state, to_state)
    assert event.actor == allowed[0]


def test_actions_outside_the_table_are_refused(cast):
    application = applied(cast)
    with pytest.raises(TransitionRefused, match="不能“记录理事会确认”"):
        membership.transition(application, Action.CONFIRM, by=cast.office)
    with pytest.raises(TransitionRefused):
        membership.transition(application, Action.ADMIT, by=cast.admin)


def test_admitted_and_closed_applications_cannot_be_withdrawn_or_rejected(cast):
    application = applied(cast)
    membership.transition(application, Action.WITHDRAW, by=cast.applicant)
    for action, user in ((Action.WITHDRAW, cast.applicant), (Action.REJECT, cast.office)):
        with pytest.raises(TransitionRefused):
            membership.transition(application, action, by=user, comment="理由")


def test_rejection_needs_a_reason(cast):
    with pytest.raises(TransitionRefused, match="必须填写理由"):
        membership.transition(applied(cast), Action.REJECT, by=cast.office)


def test_only_the_alliance_itself_may_apply(cast):
    with pytest.raises(PermissionDenied):
        membership.apply(cast.alliance, by=cast.other_secretariat, particulars=PARTICULARS)
    with pytest.raises(PermissionDenied):
        membership.apply(cast.alliance, by=cast.office, particulars=PARTICULARS)


def test_the_database_allows_one_open_application_per_alliance(cast):
    applied(cast)
    with pytest.raises(membership.JianbaoError, match="未办结"):
        applied(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipApplication.objects.create(
            alliance=cast.alliance, created_by=cast.applicant, **PARTICULARS
        )


def test_a_withdrawn_application_makes_room_for_a_new_one(cast):
    membership.transition(applied(cast), Action.WITHDRAW, by=cast.applicant)
    assert applied(cast).state == State.SUBMITTED


def test_history_is_append_only(cast):
    event = applied(cast).events.first()
    event.comment = "改写"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_documents_are_stored_with_the_application(cast):
    [document] = applied(cast).documents.all()
    assert document.original_name == "网员注册申请表.pdf"
    assert document.file.read() == b"%PDF-1.4 test"


def test_an_application_without_documents_stays_a_draft(cast):
    with pytest.raises(TransitionRefused, match="请先上传申请材料"):
        membership.apply(cast.alliance, by=cast.applicant, particulars=PARTICULARS)
    draft = membership.apply(
        cast.alliance, by=cast.applicant, particulars=PARTICULARS, submit=False
    )
    with pytest.raises(TransitionRefused, match="请先上传申请材料"):
        membership.transition(draft, Action.SUBMIT, by=cast.applicant)


# --- Committee: opinions, quorum, majority --------------------------------------------


def test_only_committee_members_record_opinions_and_only_during_review(cast):
    application = applied(cast)
    with pytest.raises(TransitionRefused, match="不在委员会审核阶段"):
        membership.record_opinion(application, by=cast.members[0], opinion="approve")
    membership.transition(application, Action.START_REVIEW, by=cast.office)
    for user in (cast.office, cast.applicant, cast.admin):
        with pytest.raises(PermissionDenied):
            membership.record_opinion(application, by=user, opinion="approve")


def test_a_member_changing_an_opinion_counts_once_and_both_are_in_the_history(cast):
    application = reviewed(cast, "reject")
    membership.record_opinion(application, by=cast.members[0], opinion="approve")
    assert membership.tally(application).approve == 1
    assert membership.tally(application).reject == 0
    opinions = application.events.filter(action="opinion").values_list("comment", flat=True)
    assert list(opinions) == ["不同意", "同意"]


def test_without_quorum_the_committee_reaches_no_result(cast):
    application = reviewed(cast, "approve")  # 1 of 3; quorum is more than half: 2
    with pytest.raises(TransitionRefused, match="未达到法定人数"):
        membership.conclude_review(application, by=cast.office)
    with pytest.raises(TransitionRefused, match="未达到法定人数"):
        membership.transition(application, Action.COMMITTEE_PASS, by=cast.office)


def test_two_approvals_of_three_members_pass(cast):
    application = membership.conclude_review(reviewed(cast, "approve", "approve"), by=cast.office)
    assert application.state == State.COMMITTEE_APPROVED
    assert "同意 2" in application.events.last().comment


def test_a_tie_fails_a_simple_majority(cast):
    application = reviewed(cast, "approve", "reject")
    with pytest.raises(TransitionRefused, match="未达到通过比例"):
        membership.transition(application, Action.COMMITTEE_PASS, by=cast.office)
    assert membership.conclude_review(application, by=cast.office).state == (
        State.COMMITTEE_REJECTED
    )


def test_abstentions_count_for_the_quorum_but_not_as_approval(cast):
    application = reviewed(cast, "approve", "abstain")
    tally = membership.tally(application)
    assert tally.has_quorum and not tally.passed


def test_a_failing_result_cannot_be_recorded_as_passing_or_the_reverse(cast):
    application = reviewed(cast, "approve", "approve")
    with pytest.raises(TransitionRefused, match="已达到通过比例"):
        membership.transition(application, Action.COMMITTEE_FAIL, by=cast.office)


def test_quorum_and_majority_are_configurable():
    cast = make_cast(committee_size=5, quorum=4, majority_percent=66)
    application = reviewed(cast, "approve", "approve", "approve")
    assert not membership.tally(application).has_quorum  # 3 < 4
    membership.record_opinion(application, by=cast.members[3], opinion="reject")
    tally = membership.tally(application)
    assert tally.has_quorum and tally.passed  # 3 of 4 = 75 % > 66 %
    membership.record_opinion(application, by=cast.members[4], opinion="reject")
    assert not membership.tally(application).passed  # 3 of 5 = 60 %


# --- Council, notice, objections, admission -------------------------------------------------


def test_council_confirmation_records_the_meeting(cast):
    application = confirmed(cast)
    assert application.council_meeting_name == "第二届第三次会议"
    assert application.council_meeting_date == MONDAY
    assert application.events.last().comment == "第二届第三次会议（2026-11-02）"


def test_council_confirmation_needs_the_meeting(cast):
    application = membership.conclude_review(reviewed(cast, "approve", "approve"), by=cast.office)
    with pytest.raises(TransitionRefused, match="会议名称和日期"):
        membership.transition(application, Action.CONFIRM, by=cast.office)


def test_a_notice_lasts_five_working_days_by_default():
    assert membership.add_working_days(date(2026, 11, 2), 5) == date(2026, 11, 6)  # Mon → Fri
    assert membership.add_working_days(date(2026, 11, 5), 5) == date(2026, 11, 11)  # Thu → Wed
    assert membership.add_working_days(date(2026, 11, 7), 5) == date(2026, 11, 13)  # Sat → Fri


def test_the_notice_is_public_during_its_period_and_objections_close_after(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    assert notice.ends_on == date(2026, 11, 6)
    assert refresh(application).state == State.PUBLIC_NOTICE
    assert membership.notice_is_open(notice)
    membership.lodge_objection(
        notice, application=application, name="张三", contact="138", text="材料不实"
    )
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 9))
    assert not membership.notice_is_open(notice)
    with pytest.raises(membership.JianbaoError, match="公示期已结束"):
        membership.lodge_objection(
            notice, application=application, name="李四", contact="139", text="迟到的异议"
        )


def test_a_notice_scheduled_for_later_is_not_yet_public(cast, monkeypatch):
    monkeypatch.setattr(membership, "local_today", lambda: MONDAY)
    notice = membership.open_public_notice(
        [confirmed(cast)], by=cast.office, starts_on=MONDAY + timedelta(days=7)
    )
    assert notice not in membership.published_notices()


def test_admission_waits_for_the_end_of_the_period(cast, monkeypatch):
    application, _notice = on_notice(cast, monkeypatch)
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 6))
    with pytest.raises(TransitionRefused, match="期满后方可确认"):
        membership.transition(application, Action.ADMIT, by=cast.office)


def test_an_unresolved_objection_blocks_admission_until_resolved(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    objection = membership.lodge_objection(
        notice, application=application, name="张三", contact="138", text="材料不实"
    )
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 9))
    with pytest.raises(TransitionRefused, match="尚未处理的异议"):
        membership.admit_from_notice(notice, by=cast.office)
    with pytest.raises(PermissionDenied):
        membership.resolve_objection(objection, by=cast.applicant, resolution="无")
    membership.resolve_objection(objection, by=cast.office, resolution="经核实，材料属实")
    admitted, _news = membership.admit_from_notice(notice, by=cast.office)
    assert [a.pk for a in admitted] == [application.pk]
    cast.alliance.refresh_from_db()
    assert cast.alliance.is_network_member
    assert cast.alliance.network_member_since == date(2026, 11, 9)
    actions = list(application.events.values_list("action", flat=True))
    assert actions == [
        "created",
        "submit",
        "start_review",
        "opinion",
        "opinion",
        "committee_pass",
        "confirm",
        "publish_notice",
        "objection",
        "objection_resolved",
        "admit",
    ]


def test_admission_drafts_news_for_the_editors_in_the_samples_words(cast, monkeypatch):
    _application, notice = on_notice(cast, monkeypatch)
    monkeypatch.setattr(membership, "local_today", lambda: date(2026, 11, 9))
    _, news = membership.admit_from_notice(notice, by=cast.office)
    assert news.state == Submission.State.RECEIVED and news.alliance is None
    assert news.source == Submission.Source.WEB
    assert news.title == "健康建筑产业技术创新战略联盟正式成为产业技术创新战略联盟协同发展网网员"
    assert "经网员审核委员会审核及产业技术创新战略联盟协同发展网理事会确认、公示" in news.body


def test_the_news_for_several_alliances_counts_them():
    alliances = [AllianceFactory(name=f"{s}产业技术创新战略联盟") for s in ("临床试验", "纳米科技")]
    title, body = membership.admission_news_text(alliances)
    assert title == "2家联盟正式成为产业技术创新战略联盟协同发展网网员"
    assert "同意临床试验产业技术创新战略联盟、纳米科技产业技术创新战略联盟等2家联盟单位" in body


def test_objections_only_concern_alliances_on_that_notice(cast, monkeypatch):
    _, notice = on_notice(cast, monkeypatch)
    other = MembershipApplication.objects.create(
        alliance=AllianceFactory(), created_by=cast.applicant, **PARTICULARS
    )
    with pytest.raises(membership.JianbaoError, match="不在本次公示中"):
        membership.lodge_objection(notice, application=other, name="甲", contact="1", text="异议")


def test_every_event_names_its_actor_except_the_public(cast, monkeypatch):
    application, notice = on_notice(cast, monkeypatch)
    membership.lodge_objection(notice, application=application, name="张三", contact="1", text="x")
    anonymous = ApplicationEvent.objects.filter(actor__isnull=True)
    assert list(anonymous.values_list("action", flat=True)) == ["objection"]


def test_the_committee_and_the_applicant_hear_of_each_step_after_commit(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    for i, member in enumerate(cast.members):
        member.email = f"expert{i}@example.org"
        member.save()
    application = applied(cast)
    with django_capture_on_commit_callbacks(execute=True):
        membership.transition(application, Action.START_REVIEW, by=cast.office)
    to_committee, to_applicant = mailoutbox
    assert sorted(to_committee.to) == [
        "expert0@example.org",
        "expert1@example.org",
        "expert2@example.org",
    ]
    assert "/network/applications/" in to_committee.body
    assert to_applicant.to == ["wang@example.org"]
    assert "委员会审核中" in to_applicant.subject
