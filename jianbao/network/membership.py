"""网员注册: the membership procedure of the network.

草稿 → 已提交 → 委员会审核中 → 委员会通过 / 委员会未通过 → 理事会确认 → 公示中 → 正式网员,
and 撤回 or 驳回 from any step before 正式网员.

As with an issue's sign-off (bulletins/workflow.py), the table is the whole
policy and ``transition`` is the only code that changes an application's
state: it checks who may act and the step's precondition, writes the history
row and changes the state in one transaction.

Who does what:
- the alliance's own secretariat (Role.SUBMITTER for that alliance) applies,
  submits and may withdraw;
- the network's office (administrators and editors) moves the file along:
  sends it to the committee, records the committee's result as the opinions
  decide it, records the council's confirmation, publishes the notice,
  resolves objections, admits or rejects;
- members of the 网员审核委员会 linked to a user record opinions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.roles import display_name
from jianbao.network.models import (
    ApplicationDocument,
    ApplicationEvent,
    BodyMember,
    CommitteeOpinion,
    MembershipApplication,
    NetworkBody,
    Objection,
    Organisation,
    PublicNotice,
)
from jianbao.network.selectors import alliances_of
from jianbao.network.services import is_office

State = MembershipApplication.State
NETWORK_NAME = "产业技术创新战略联盟协同发展网"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class Action(models.TextChoices):
    SUBMIT = "submit", "提交申请"
    START_REVIEW = "start_review", "提交委员会审核"
    COMMITTEE_PASS = "committee_pass", "记录委员会审核通过"
    COMMITTEE_FAIL = "committee_fail", "记录委员会审核未通过"
    CONFIRM = "confirm", "记录理事会确认"
    PUBLISH_NOTICE = "publish_notice", "公示"
    ADMIT = "admit", "确认为正式网员"
    WITHDRAW = "withdraw", "撤回申请"
    REJECT = "reject", "驳回"


class Actor(models.TextChoices):
    APPLICANT = "applicant", "申请联盟秘书处"
    OFFICE = "office", "协发网秘书处（管理员或编辑）"


@dataclass(frozen=True)
class Step:
    to_state: str
    actor: str
    needs_comment: bool = False
    # A precondition the table cannot express as a state: a tally, a date.
    guard: str = ""


BEFORE_ADMISSION = (
    State.DRAFT,
    State.SUBMITTED,
    State.COMMITTEE_REVIEW,
    State.COMMITTEE_APPROVED,
    State.COMMITTEE_REJECTED,
    State.COUNCIL_CONFIRMED,
    State.PUBLIC_NOTICE,
)

TRANSITIONS: dict[tuple[str, str], Step] = {
    (State.DRAFT, Action.SUBMIT): Step(State.SUBMITTED, Actor.APPLICANT, guard="documents"),
    (State.SUBMITTED, Action.START_REVIEW): Step(State.COMMITTEE_REVIEW, Actor.OFFICE),
    (State.COMMITTEE_REVIEW, Action.COMMITTEE_PASS): Step(
        State.COMMITTEE_APPROVED, Actor.OFFICE, guard="committee_passed"
    ),
    (State.COMMITTEE_REVIEW, Action.COMMITTEE_FAIL): Step(
        State.COMMITTEE_REJECTED, Actor.OFFICE, guard="committee_failed"
    ),
    (State.COMMITTEE_APPROVED, Action.CONFIRM): Step(
        State.COUNCIL_CONFIRMED, Actor.OFFICE, guard="meeting_recorded"
    ),
    (State.COUNCIL_CONFIRMED, Action.PUBLISH_NOTICE): Step(
        State.PUBLIC_NOTICE, Actor.OFFICE, guard="on_notice"
    ),
    (State.PUBLIC_NOTICE, Action.ADMIT): Step(State.ADMITTED, Actor.OFFICE, guard="notice_over"),
    **{(s, Action.WITHDRAW): Step(State.WITHDRAWN, Actor.APPLICANT) for s in BEFORE_ADMISSION},
    **{
        (s, Action.REJECT): Step(State.REJECTED, Actor.OFFICE, needs_comment=True)
        for s in BEFORE_ADMISSION
    },
}

# Whose turn it is, for the staff list.
WAITING_FOR = {
    State.DRAFT: Actor.APPLICANT,
    State.SUBMITTED: Actor.OFFICE,
    State.COMMITTEE_REVIEW: "committee",
    State.COMMITTEE_APPROVED: Actor.OFFICE,
    State.COMMITTEE_REJECTED: Actor.OFFICE,
    State.COUNCIL_CONFIRMED: Actor.OFFICE,
    State.PUBLIC_NOTICE: Actor.OFFICE,
}


class TransitionRefused(JianbaoError):
    pass


def local_today() -> date:
    """Today in the office's time zone; tests move the clock by replacing this."""
    return timezone.localdate()


# --- Who is acting ---------------------------------------------------------


def is_applicant(user, application: MembershipApplication) -> bool:
    return alliances_of(user).filter(pk=application.alliance_id).exists()


def acts_as(user, actor: str, application: MembershipApplication) -> bool:
    if actor == Actor.APPLICANT:
        return is_applicant(user, application)
    return is_office(user)


def review_committee() -> NetworkBody | None:
    return NetworkBody.objects.filter(kind=NetworkBody.Kind.REVIEW_COMMITTEE).first()


def committee_seat(user) -> BodyMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return BodyMember.objects.filter(
        body__kind=NetworkBody.Kind.REVIEW_COMMITTEE, user=user
    ).first()


def access_application(user, pk: int) -> MembershipApplication:
    """An application, for its alliance, the office or the committee; nobody else."""
    application = MembershipApplication.objects.select_related("alliance", "notice").get(pk=pk)
    if not (is_office(user) or committee_seat(user) or is_applicant(user, application)):
        raise PermissionDenied("无权查看该申请")
    return application


# --- The committee's tally ---------------------------------------------------


@dataclass(frozen=True)
class Tally:
    members: int
    approve: int
    reject: int
    abstain: int
    quorum: int
    majority_percent: int

    @property
    def cast(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def has_quorum(self) -> bool:
        return self.cast >= self.quorum

    @property
    def passed(self) -> bool:
        # Abstentions count towards the quorum and against the majority.
        return self.has_quorum and self.approve * 100 > self.majority_percent * self.cast

    @property
    def summary(self) -> str:
        return (
            f"委员 {self.members} 人，已表态 {self.cast} 人（法定人数 {self.quorum}）："
            f"同意 {self.approve}，不同意 {self.reject}，弃权 {self.abstain}"
        )


def tally(application: MembershipApplication) -> Tally:
    committee = review_committee()
    if committee is None:
        raise TransitionRefused("尚未设立网员审核委员会（请在系统管理中添加）")
    members = committee.members.filter(user__isnull=False).count()
    counts = dict(
        application.opinions.values_list("opinion").annotate(n=models.Count("id")).order_by()
    )
    quorum = committee.quorum or members // 2 + 1
    return Tally(
        members=members,
        approve=counts.get(CommitteeOpinion.Opinion.APPROVE, 0),
        reject=counts.get(CommitteeOpinion.Opinion.REJECT, 0),
        abstain=counts.get(CommitteeOpinion.Opinion.ABSTAIN, 0),
        quorum=max(quorum, 1),
        majority_percent=committee.majority_percent,
    )


# --- Guards ----------------------------------------------------------------


def _guard_problem(application: MembershipApplication, guard: str) -> str | None:
    if guard == "documents":
        return None if application.documents.exists() else "请先上传申请材料"
    if guard == "committee_passed":
        result = tally(application)
        if not result.has_quorum:
            return f"未达到法定人数。{result.summary}"
        return None if result.passed else f"同意意见未达到通过比例。{result.summary}"
    if guard == "committee_failed":
        result = tally(application)
        if not result.has_quorum:
            return f"未达到法定人数。{result.summary}"
        return f"审核意见已达到通过比例。{result.summary}" if result.passed else None
    if guard == "meeting_recorded":
        if not (application.council_meeting_name and application.council_meeting_date):
            return "请填写理事会会议名称和日期"
        return None
    if guard == "on_notice":
        return None if application.notice_id else "请通过“发布公示”把申请列入公示"
    if guard == "notice_over":
        notice = application.notice
        if notice is None:
            return "申请不在公示中"
        if local_today() <= notice.ends_on:
            return f"公示期至 {notice.ends_on:%Y-%m-%d} 结束，期满后方可确认"
        if application.objections.filter(resolved_at__isnull=True).exists():
            return "有尚未处理的异议，处理后方可确认"
        return None
    return None


def allowed_actions(application: MembershipApplication, user) -> list[str]:
    """Actions this user may take now, guards aside (the page explains a refused guard)."""
    return [
        action
        for (state, action), step in TRANSITIONS.items()
        if state == application.state
        and action != Action.PUBLISH_NOTICE  # done for several at once, from the notice form
        and acts_as(user, step.actor, application)
    ]


@transaction.atomic
def transition(
    application: MembershipApplication, action: str, *, by, comment: str = ""
) -> MembershipApplication:
    application = (
        MembershipApplication.objects.select_for_update(of=("self",))
        .select_related("alliance", "notice")
        .get(pk=application.pk)
    )
    step = TRANSITIONS.get((application.state, action))
    if step is None:
        raise TransitionRefused(
            f"{application.alliance} 的申请当前为“{application.get_state_display()}”，"
            f"不能“{Action(action).label}”"
        )
    if not acts_as(by, step.actor, application):
        raise PermissionDenied(f"“{Action(action).label}”须由{Actor(step.actor).label}办理")
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise TransitionRefused(f"“{Action(action).label}”必须填写理由")
    if problem := _guard_problem(application, step.guard):
        raise TransitionRefused(problem)
    if action in (Action.COMMITTEE_PASS, Action.COMMITTEE_FAIL) and not comment:
        comment = tally(application).summary
    from_state = application.state
    application.state = step.to_state
    application.save(update_fields=["state"])
    if step.to_state == State.ADMITTED:
        _make_network_member(application.alliance)
    _record(application, action, by=by, from_state=from_state, comment=comment)
    from jianbao.network import notifications

    transaction.on_commit(lambda: notifications.application_moved(application.pk, action))
    return application


# The shared history's verb for each of the procedure's own actions.
HISTORY_VERBS = {"objection_resolved": "resolve_objection"}
PUBLIC_NAME = "公众（公示异议）"


def _record(application, action: str, *, by, from_state: str = "", comment: str = ""):
    # The application's own record (its page and the statistics read it) and the shared one.
    record(
        f"network.application.{HISTORY_VERBS.get(action, action)}",
        by=by,
        subject=application,
        comment=comment,
        from_state=from_state or application.state,
        to_state=application.state,
        actor_name="" if getattr(by, "pk", None) else PUBLIC_NAME if action == "objection" else "",
    )
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=from_state or application.state,
        to_state=application.state,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=display_name(by) if getattr(by, "pk", None) else "",
        comment=comment,
    )


def _make_network_member(alliance: Organisation) -> None:
    alliance.is_network_member = True
    alliance.network_member_since = local_today()
    alliance.save(update_fields=["is_network_member", "network_member_since", "updated_at"])


# --- Steps with more to record than a state ---------------------------------


@transaction.atomic
def apply(
    alliance: Organisation,
    *,
    by,
    particulars: dict,
    documents: list[tuple[str, bytes]] = (),
    submit: bool = True,
) -> MembershipApplication:
    """An alliance's secretariat applies; the draft is submitted at once unless asked not to."""
    if not alliances_of(by).filter(pk=alliance.pk).exists():
        raise PermissionDenied("只能为本联盟提出申请")
    if alliance.is_network_member:
        raise JianbaoError(f"{alliance} 已是协发网网员")
    if MembershipApplication.objects.filter(alliance=alliance, state__in=BEFORE_ADMISSION).exists():
        raise JianbaoError(f"{alliance} 已有一份未办结的申请")
    application = MembershipApplication.objects.create(
        alliance=alliance, created_by=by, **particulars
    )
    for name, data in documents:
        attach_document(application, name, data)
    _record(application, "created", by=by)
    if submit:
        application = transition(application, Action.SUBMIT, by=by)
    return application


def attach_document(application: MembershipApplication, name: str, data: bytes):
    if not data:
        raise JianbaoError(f"{name}：文件是空的")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise JianbaoError(f"{name}：文件过大（上限 20 MB）")
    safe = name.replace("\\", "/").rsplit("/", 1)[-1][:150] or "file"
    document = ApplicationDocument(application=application, original_name=safe, size=len(data))
    document.file.save(safe, ContentFile(data), save=False)
    document.save()
    return document


@transaction.atomic
def record_opinion(
    application: MembershipApplication, *, by, opinion: str, comment: str = ""
) -> CommitteeOpinion:
    seat = committee_seat(by)
    if seat is None:
        raise PermissionDenied("只有网员审核委员会委员可以提交审核意见")
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if application.state != State.COMMITTEE_REVIEW:
        raise TransitionRefused("申请不在委员会审核阶段")
    recorded, _ = CommitteeOpinion.objects.update_or_create(
        application=application,
        member=seat,
        defaults={"opinion": opinion, "comment": comment.strip()},
    )
    label = CommitteeOpinion.Opinion(opinion).label
    _record(application, "opinion", by=by, comment=f"{label}：{comment}" if comment else label)
    return recorded


def conclude_review(application: MembershipApplication, *, by) -> MembershipApplication:
    """Record the committee's result as its opinions decide it."""
    result = tally(application)
    if not result.has_quorum:
        raise TransitionRefused(f"未达到法定人数。{result.summary}")
    action = Action.COMMITTEE_PASS if result.passed else Action.COMMITTEE_FAIL
    return transition(application, action, by=by)


@transaction.atomic
def confirm_by_council(
    application: MembershipApplication, *, by, meeting_name: str, meeting_date: date
) -> MembershipApplication:
    if not is_office(by):
        raise PermissionDenied("“记录理事会确认”须由协发网秘书处（管理员或编辑）办理")
    meeting_name = meeting_name.strip()
    MembershipApplication.objects.filter(pk=application.pk, state=State.COMMITTEE_APPROVED).update(
        council_meeting_name=meeting_name, council_meeting_date=meeting_date
    )
    return transition(
        application,
        Action.CONFIRM,
        by=by,
        comment=f"{meeting_name}（{meeting_date:%Y-%m-%d}）",
    )


def add_working_days(start: date, days: int) -> date:
    """The last day of a period of ``days`` working days (Mon–Fri) that starts on ``start``."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    counted = 1
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def default_notice_days() -> int:
    return int(getattr(settings, "JIANBAO_NOTICE_WORKING_DAYS", 5))


@transaction.atomic
def open_public_notice(
    applications: list[MembershipApplication],
    *,
    by,
    starts_on: date | None = None,
    working_days: int | None = None,
) -> PublicNotice:
    """Publish one notice listing the confirmed alliances and put each application on it."""
    if not is_office(by):
        raise PermissionDenied("“公示”须由协发网秘书处（管理员或编辑）办理")
    if not applications:
        raise JianbaoError("请至少选择一份理事会已确认的申请")
    starts_on = starts_on or local_today()
    working_days = working_days or default_notice_days()
    names = "、".join(a.alliance.name for a in applications)
    who = f"{len(applications)}家联盟" if len(applications) > 1 else names
    notice = PublicNotice.objects.create(
        title=f"关于{who}拟成为{NETWORK_NAME}网员的公示",
        body=(
            f"经网员审核委员会审核及{NETWORK_NAME}理事会确认，{names}拟成为{NETWORK_NAME}网员，"
            f"现予公示。公示期为 {working_days} 个工作日。如有异议，请在公示期内通过本页提出。"
        ),
        starts_on=starts_on,
        ends_on=add_working_days(starts_on, working_days),
        working_days=working_days,
        created_by=by,
    )
    for application in applications:
        # The guard reads ``notice``; set it only if the state allows publishing.
        MembershipApplication.objects.filter(
            pk=application.pk, state=State.COUNCIL_CONFIRMED
        ).update(notice=notice)
        transition(application, Action.PUBLISH_NOTICE, by=by, comment=notice.title)
    return notice


def notice_is_open(notice: PublicNotice, today: date | None = None) -> bool:
    today = today or local_today()
    return notice.starts_on <= today <= notice.ends_on


def published_notices():
    return PublicNotice.objects.filter(starts_on__lte=local_today())


# The public objection form: anyone may write, so the form is bounded.
MAX_OBJECTION_TEXT = 5000
OBJECTION_WINDOW = timedelta(hours=1)


def objection_limits() -> tuple[int, int]:
    """(per address, per notice) objections accepted within OBJECTION_WINDOW."""
    return (
        int(getattr(settings, "JIANBAO_OBJECTIONS_PER_ADDRESS", 5)),
        int(getattr(settings, "JIANBAO_OBJECTIONS_PER_NOTICE", 60)),
    )


def address_hash(address: str) -> str:
    """A keyed digest of the writer's network address: enough to count, not to tell who."""
    if not address:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"objection:{address}".encode(), hashlib.sha256).hexdigest()


class ObjectionRefused(JianbaoError):
    pass


@transaction.atomic
def lodge_objection(
    notice: PublicNotice,
    *,
    application: MembershipApplication,
    name: str,
    contact: str,
    text: str,
    address: str = "",
) -> Objection:
    """Anyone may object while the notice runs; no account is needed.

    The limits are counted in the database, under a lock on the notice, so
    they hold across several app servers and concurrent posts.
    """
    from jianbao.network.exchange import value_problem

    name, contact, text = name.strip(), contact.strip(), text.strip()
    for label, value in (("姓名或单位", name), ("联系方式", contact)):
        if problem := value_problem(label, value, 100):
            raise ObjectionRefused(problem)
    for label, value, limit in (
        ("姓名或单位", name, Objection._meta.get_field("name").max_length),
        ("联系方式", contact, Objection._meta.get_field("contact").max_length),
        ("异议内容", text, MAX_OBJECTION_TEXT),
    ):
        if len(value) > limit:
            raise ObjectionRefused(f"{label}不能超过 {limit} 个字符（现有 {len(value)} 个）")
        if "\x00" in value:
            raise ObjectionRefused(f"{label}含有不可见的控制字符")
    if not (name and contact and text):
        raise ObjectionRefused("请填写姓名或单位、联系方式和异议内容")
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if not notice_is_open(notice):
        raise JianbaoError("公示期已结束，不再受理异议")
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if application.notice_id != notice.pk or application.state != State.PUBLIC_NOTICE:
        raise JianbaoError("该联盟不在本次公示中")
    per_address, per_notice = objection_limits()
    recent = Objection.objects.filter(
        notice=notice, lodged_at__gte=timezone.now() - OBJECTION_WINDOW
    )
    digest = address_hash(address)
    minutes = int(OBJECTION_WINDOW.total_seconds() // 60)
    if digest and recent.filter(address_hash=digest).count() >= per_address:
        raise ObjectionRefused(
            f"同一网络地址 {minutes} 分钟内最多提出 {per_address} 条异议，请稍后再试；"
            "如有更多意见，请合并在一条异议中"
        )
    if recent.count() >= per_notice:
        raise ObjectionRefused(
            f"本次公示 {minutes} 分钟内收到的异议已达 {per_notice} 条，请稍后再试，"
            "或直接联系协发网秘书处"
        )
    objection = Objection.objects.create(
        notice=notice,
        application=application,
        name=name,
        contact=contact,
        text=text,
        address_hash=digest,
    )
    _record(application, "objection", by=None, comment=f"{name}：{text[:200]}")
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, *, by, resolution: str) -> Objection:
    if not is_office(by):
        raise PermissionDenied("异议须由协发网秘书处（管理员或编辑）处理")
    resolution = resolution.strip()
    if not resolution:
        raise JianbaoError("请填写处理结果")
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.is_resolved:
        raise JianbaoError("该异议已处理")
    objection.resolution = resolution
    objection.resolved_by = by
    objection.resolved_at = timezone.now()
    objection.save()
    _record(objection.application, "objection_resolved", by=by, comment=resolution)
    return objection


@transaction.atomic
def dismiss_objections(objections, *, by, reason: str) -> int:
    """The office sets aside many objections at once (a flood, duplicates), each recorded.

    A dismissed objection counts as handled: it no longer holds up admission.
    Returns how many were dismissed; those already handled are left as they are.
    """
    if not is_office(by):
        raise PermissionDenied("异议须由协发网秘书处（管理员或编辑）处理")
    reason = reason.strip()
    if not reason:
        raise JianbaoError("请填写不予采纳的理由")
    ids = [o.pk for o in objections]
    pending = list(
        Objection.objects.select_for_update()
        .filter(pk__in=ids, resolved_at__isnull=True)
        .select_related("application__alliance")
        .order_by("pk")
    )
    now = timezone.now()
    for objection in pending:
        objection.resolution = reason
        objection.resolved_by = by
        objection.resolved_at = now
        objection.dismissed = True
    Objection.objects.bulk_update(
        pending, ["resolution", "resolved_by", "resolved_at", "dismissed"]
    )
    # One line on each application's own record, however many objections it had.
    per_application: dict[int, list[Objection]] = {}
    for objection in pending:
        per_application.setdefault(objection.application_id, []).append(objection)
    for group in per_application.values():
        _record(
            group[0].application,
            "objections_dismissed",
            by=by,
            comment=f"{len(group)} 条异议不予采纳：{reason}",
        )
    for objection in pending:
        record(
            "network.objection.dismiss",
            by=by,
            subject=objection,
            comment=reason,
            data={"notice": objection.notice_id, "application": objection.application_id},
        )
    return len(pending)


@transaction.atomic
def admit_from_notice(notice: PublicNotice, *, by, draft_news: bool = True):
    """Admit every alliance on an ended notice that has no open objection.

    Returns the admitted applications and the draft news item (or None).  An
    alliance with an unresolved objection stays on notice until it is resolved.
    """
    admitted = []
    for application in notice.applications.filter(state=State.PUBLIC_NOTICE).select_related(
        "alliance"
    ):
        if _guard_problem(application, "notice_over") is None:
            admitted.append(transition(application, Action.ADMIT, by=by))
    if not admitted:
        problem = next(
            (
                _guard_problem(a, "notice_over")
                for a in notice.applications.filter(state=State.PUBLIC_NOTICE)
            ),
            "本次公示没有待确认的申请",
        )
        raise TransitionRefused(problem)
    news = draft_admission_news([a.alliance for a in admitted], by=by) if draft_news else None
    return admitted, news


def admission_news_text(alliances: list[Organisation]) -> tuple[str, str]:
    """Title and paragraph in the sample's words (2023年第1期: 5家联盟正式成为…网员)."""
    names = "、".join(a.name for a in alliances)
    count = len(alliances)
    who = f"{count}家联盟" if count > 1 else alliances[0].name
    title = f"{who}正式成为{NETWORK_NAME}网员"
    units = f"等{count}家联盟单位" if count > 1 else ""
    body = (
        f"根据《科技部关于推动产业技术创新战略联盟构建的指导意见》"
        f"《{NETWORK_NAME}网员注册工作方案》《{NETWORK_NAME}章程》等有关要求，"
        f"在联盟自愿申请的基础上，经网员审核委员会审核及{NETWORK_NAME}理事会确认、公示，"
        f"同意{names}{units}正式成为{NETWORK_NAME}的网员。"
    )
    return title, body


def draft_admission_news(alliances: list[Organisation], *, by):
    """A draft news item in the editors' intake queue, for them to use or drop."""
    from jianbao.submissions.models import Submission
    from jianbao.submissions.services import receive

    title, body = admission_news_text(alliances)
    return receive(
        title=title,
        paragraphs=[body],
        alliance=None,
        credit="联盟协发网秘书处供稿",
        by=by,
        source=Submission.Source.WEB,
    )


def open_applications_for(user):
    """The list a person sees: the office and committee see all, an alliance its own."""
    queryset = MembershipApplication.objects.select_related("alliance", "notice")
    if is_office(user) or committee_seat(user):
        return queryset
    return queryset.filter(alliance__in=alliances_of(user))


def applications_waiting_for_opinion(user):
    seat = committee_seat(user)
    if seat is None:
        return MembershipApplication.objects.none()
    return MembershipApplication.objects.filter(state=State.COMMITTEE_REVIEW).exclude(
        Q(opinions__member=seat)
    )
