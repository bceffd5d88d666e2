"""E-mails that tell the next person an issue waits for them. Sent after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from jianbao.bulletins.models import Issue
from jianbao.core.roles import users_with_role


def _site(path: str) -> str:
    return settings.JIANBAO_SITE_URL.rstrip("/") + path


def issue_moved(issue_id: int, action: str) -> None:
    from jianbao.bulletins.workflow import WAITING_FOR, Action

    issue = Issue.objects.select_related("series").get(pk=issue_id)
    role = WAITING_FOR.get(issue.state)
    if role is None:
        return
    recipients = [u.email for u in users_with_role(role) if u.email]
    if not recipients:
        return
    event = issue.events.order_by("-created_at", "-id").first()
    lines = [
        f"{issue.series.title}{issue.series.name} {issue.label}",
        f"{event.actor_name}：{Action(action).label}，当前状态：{issue.get_state_display()}",
    ]
    if event.comment:
        lines.append(f"意见：{event.comment}")
    lines.append(_site(reverse("desk:issue", args=[issue.pk])))
    send_mail(
        subject=f"【简报】{issue.label} {issue.get_state_display()}",
        message="\n".join(lines),
        from_email=None,
        recipient_list=recipients,
        fail_silently=False,
    )


def submission_used(submission_id: int) -> None:
    from jianbao.submissions.models import Submission

    submission = Submission.objects.select_related("issue", "submitted_by").get(pk=submission_id)
    address = (submission.submitted_by.email if submission.submitted_by else "") or (
        submission.sender_email
    )
    if not address or submission.issue is None:
        return
    send_mail(
        subject=f"【简报】您的稿件已采用：{submission.title}",
        message=(
            f"您投送的《{submission.title}》已采用于 {submission.issue.label}。\n"
            + _site(reverse("submissions:mine"))
        ),
        from_email=None,
        recipient_list=[address],
    )
