"""The sign-off of an issue: 编辑中 → 待审核 → 待签发 → 已签发 → 已发布.

The table is the whole policy.  ``transition`` is the only code that changes
an issue's state: it checks the role, writes the history row and changes
the state in one transaction, and the names printed on the issue
(本期编辑/审核/签发) are read back from that history (selectors.signoff).
A published issue is never deleted: it is withdrawn (撤回), with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from jianbao.bulletins.models import Issue, IssueEvent
from jianbao.bulletins.selectors import signoff
from jianbao.bulletins.signals import issue_state_changed
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role

State = Issue.State


class Action(models.TextChoices):
    SUBMIT = "submit", "提交审核"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回修改"
    SIGN = "sign", "签发"
    PUBLISH = "publish", "发布"
    WITHDRAW = "withdraw", "撤回"
    REPUBLISH = "republish", "重新发布"


@dataclass(frozen=True)
class Step:
    to_state: str
    role: str
    needs_comment: bool = False
    # The PDF must render before this step: what is signed can be printed.
    needs_render: bool = False


TRANSITIONS: dict[tuple[str, str], Step] = {
    (State.EDITING, Action.SUBMIT): Step(State.REVIEW, Role.EDITOR, needs_render=True),
    (State.REVIEW, Action.APPROVE): Step(State.SIGNING, Role.REVIEWER),
    (State.REVIEW, Action.RETURN): Step(State.EDITING, Role.REVIEWER, needs_comment=True),
    (State.SIGNING, Action.SIGN): Step(State.SIGNED, Role.SIGNER, needs_render=True),
    (State.SIGNING, Action.RETURN): Step(State.EDITING, Role.SIGNER, needs_comment=True),
    (State.SIGNED, Action.PUBLISH): Step(State.PUBLISHED, Role.SIGNER),
    (State.PUBLISHED, Action.WITHDRAW): Step(State.WITHDRAWN, Role.SIGNER, needs_comment=True),
    (State.WITHDRAWN, Action.REPUBLISH): Step(State.PUBLISHED, Role.SIGNER, needs_comment=True),
}

# What the desk asks before each step: what will happen, in the reader's words.
CONFIRMATIONS = {
    Action.SUBMIT: "提交后本期进入审核，编辑不能再修改，确定提交审核？",
    Action.APPROVE: "审核通过后本期交签发人签发，确定审核通过？",
    Action.RETURN: "退回后本期回到编辑中，审核与签发须重新进行，确定退回？",
    Action.SIGN: "签发后内容将冻结，只能通过勘误修改，确定签发？",
    Action.PUBLISH: "发布后本期将在网站公开，并按“报/送”名单发送邮件，确定发布？",
    Action.WITHDRAW: "撤回后本期从网站下线，尚未发出的邮件暂停发送，确定撤回？",
    Action.REPUBLISH: "重新发布后本期重新公开，暂停的邮件继续发送，确定重新发布？",
}

# Whose turn it is in each state, for queues and notifications.
WAITING_FOR = {
    State.EDITING: Role.EDITOR,
    State.REVIEW: Role.REVIEWER,
    State.SIGNING: Role.SIGNER,
    State.SIGNED: Role.SIGNER,
}

FROZEN_STATES = (State.SIGNED, State.PUBLISHED, State.WITHDRAWN)


class TransitionRefused(JianbaoError):
    pass


@dataclass(frozen=True)
class Condition:
    """What another app says about a step: a note for the desk's confirmation,
    and a refusal of the step when ``blocks`` is set (the message is one line)."""

    message: str
    blocks: bool = False


# Other apps' conditions on a step, registered in their AppConfig.ready (proofing:
# open 审校 errors on 提交审核), so bulletins never imports them. Each is called
# as ``check(issue, action)`` and returns a Condition or None.
PRECONDITIONS: list[Callable[[Issue, str], Condition | None]] = []


def register_precondition(check: Callable[[Issue, str], Condition | None]) -> None:
    if check not in PRECONDITIONS:
        PRECONDITIONS.append(check)


def conditions(issue: Issue, action: str) -> list[Condition]:
    return [c for check in PRECONDITIONS if (c := check(issue, action)) is not None]


def confirmation(issue: Issue, action: str) -> str:
    """What the desk asks before the step: the other apps' notes, then the step's own words."""
    return "".join([c.message + "。" for c in conditions(issue, action)] + [CONFIRMATIONS[action]])


def allowed_actions(issue: Issue, user) -> list[str]:
    return [
        action
        for (state, action), step in TRANSITIONS.items()
        if state == issue.state
        and has_role(user, step.role)
        and _separation_problem(issue, action, user) is None
    ]


def _separation_problem(issue: Issue, action: str, user) -> str | None:
    if action != Action.SIGN or not issue.series.separate_review_and_sign:
        return None
    if last_actor(issue, Action.APPROVE) == user:
        return "本系列规定审核与签发须由不同人员：您已审核本期，不能再签发"
    return None


def last_event(issue: Issue, action: str) -> IssueEvent | None:
    return issue.events.filter(action=action).order_by("-created_at", "-id").first()


def last_actor(issue: Issue, action: str):
    event = last_event(issue, action)
    return event.actor if event else None


def transition(issue: Issue, action: str, *, by, comment: str = "") -> Issue:
    if action not in Action.values:
        raise TransitionRefused(f"没有“{action[:20]}”这一操作")
    issue = Issue.objects.select_related("series").get(pk=issue.pk)
    step = TRANSITIONS.get((issue.state, action))
    if step is not None and step.needs_render and has_role(by, step.role):
        # Outside the transaction: typesetting takes seconds, and SQLite's
        # write lock must not be held meanwhile. Content cannot change once
        # the issue has left 编辑中, and a submit re-checks its version below.
        version = content_version(issue)
        check_renders(issue)
    else:
        version = None
    return _transition(issue, action, by=by, comment=comment, checked_version=version)


def content_version(issue: Issue) -> tuple:
    from jianbao.bulletins.models import Article

    return tuple(
        Article.objects.filter(section__issue=issue).order_by("pk").values_list("pk", "version")
    )


def check_renders(issue: Issue) -> None:
    """Refuse an issue whose PDF cannot be made, naming the article and the character."""
    from jianbao.bulletins.services import issue_to_bulletin
    from jianbao.publishing.render.pdf import preflight

    preflight(issue_to_bulletin(issue))


@transaction.atomic
def _transition(issue: Issue, action: str, *, by, comment: str, checked_version) -> Issue:
    # Lock the row so two people pressing 签发 at once cannot both succeed.
    issue = Issue.objects.select_for_update().select_related("series").get(pk=issue.pk)
    step = TRANSITIONS.get((issue.state, action))
    if step is None:
        raise TransitionRefused(
            f"{issue.label} 当前为“{issue.get_state_display()}”，不能“{Action(action).label}”"
        )
    if not has_role(by, step.role):
        raise PermissionDenied(f"“{Action(action).label}”需要“{Role(step.role).label}”角色")
    if problem := _separation_problem(issue, action, by):
        raise PermissionDenied(problem)
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise TransitionRefused(f"“{Action(action).label}”必须填写意见")
    for condition in conditions(issue, action):
        if condition.blocks:
            raise TransitionRefused(condition.message)
    if step.needs_render and checked_version != content_version(issue):
        raise TransitionRefused(
            f"{issue.label} 的内容刚被修改，请重新检查后再“{Action(action).label}”"
        )
    from_state = issue.state
    issue.state = step.to_state
    name = display_name(by)
    if action == Action.PUBLISH and issue.date is None:
        # No 印发日期 chosen: the bulletin prints its (final) 签发 date.
        issue.date = signoff(issue).signed_on
    issue.save(update_fields=["state", "date", "updated_at"])
    IssueEvent.objects.create(
        issue=issue,
        action=action,
        from_state=from_state,
        to_state=issue.state,
        actor=by,
        actor_name=name,
        comment=comment,
    )
    issue.__dict__.pop("_signoff", None)
    issue_state_changed.send(sender=Issue, issue=issue, from_state=from_state, to_state=issue.state)
    from jianbao.bulletins import notifications

    transaction.on_commit(lambda: notifications.issue_moved(issue.pk, action))
    return issue
