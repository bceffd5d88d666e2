"""The sign-off of an issue: 编辑中 → 待审核 → 待签发 → 已签发 → 已发布.

The table is the whole policy.  ``transition`` is the only code that changes
an issue's state: it checks the role, writes the history row and changes
the state in one transaction, and the names printed on the issue
(本期编辑/审核/签发) are read back from that history.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from jianbao.bulletins.models import Issue, IssueEvent
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


@dataclass(frozen=True)
class Step:
    to_state: str
    role: str
    needs_comment: bool = False


TRANSITIONS: dict[tuple[str, str], Step] = {
    (State.EDITING, Action.SUBMIT): Step(State.REVIEW, Role.EDITOR),
    (State.REVIEW, Action.APPROVE): Step(State.SIGNING, Role.REVIEWER),
    (State.REVIEW, Action.RETURN): Step(State.EDITING, Role.REVIEWER, needs_comment=True),
    (State.SIGNING, Action.SIGN): Step(State.SIGNED, Role.SIGNER),
    (State.SIGNING, Action.RETURN): Step(State.EDITING, Role.SIGNER, needs_comment=True),
    (State.SIGNED, Action.PUBLISH): Step(State.PUBLISHED, Role.SIGNER),
}

# Whose turn it is in each state, for queues and notifications.
WAITING_FOR = {
    State.EDITING: Role.EDITOR,
    State.REVIEW: Role.REVIEWER,
    State.SIGNING: Role.SIGNER,
    State.SIGNED: Role.SIGNER,
}

FROZEN_STATES = (State.SIGNED, State.PUBLISHED)


class TransitionRefused(JianbaoError):
    pass


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


@transaction.atomic
def transition(issue: Issue, action: str, *, by, comment: str = "") -> Issue:
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
    from_state = issue.state
    issue.state = step.to_state
    name = display_name(by)
    if action == Action.SUBMIT:
        issue.editor_name = name
    elif action == Action.APPROVE:
        issue.reviewer_name = name
    elif action == Action.SIGN:
        issue.signer_name = name
        # The date printed on a bulletin is its 签发 date.
        issue.date = timezone.localdate()
    elif action == Action.RETURN:
        issue.reviewer_name = issue.signer_name = ""
    issue.save()
    IssueEvent.objects.create(
        issue=issue,
        action=action,
        from_state=from_state,
        to_state=issue.state,
        actor=by,
        actor_name=name,
        comment=comment,
    )
    issue_state_changed.send(sender=Issue, issue=issue, from_state=from_state, to_state=issue.state)
    from jianbao.bulletins import notifications

    transaction.on_commit(lambda: notifications.issue_moved(issue.pk, action))
    return issue
