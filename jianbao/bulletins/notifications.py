"""E-mails that tell people about an issue: the next person it waits for, and the
submitters whose items it used (when accepted, and when the issue is published).
Sent after commit, so a rolled-back change sends nothing.

The publish mail hangs on ``signals.issue_state_changed``; this module must be
imported at start-up for its receiver to be connected (an app's ``ready()``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from jianbao.bulletins.models import Issue
from jianbao.bulletins.signals import issue_state_changed
from jianbao.core.roles import users_with_role

logger = logging.getLogger(__name__)


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


def _submitter_address(submission) -> str:
    user = submission.submitted_by
    return (user.email if user and user.is_active else "") or submission.sender_email


def _issue_name(issue: Issue) -> str:
    return f"{issue.year}年第{issue.number}期"


def submission_used(submission_id: int) -> None:
    """Tell the submitter that the editor accepted their item into an issue."""
    from jianbao.submissions.models import Submission

    submission = (
        Submission.objects.select_related("issue__series", "submitted_by")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.issue is None:
        return
    address = _submitter_address(submission)
    if not address:
        return
    issue = submission.issue
    try:
        send_mail(
            subject=f"【简报】您的稿件已采用：{submission.title}",
            message=(
                f"您投送的《{submission.title}》已采用于 {issue.series.title}{issue.series.name}"
                f" {issue.label}。\n本期发布后，我们会再发邮件告知网上的阅读地址。\n"
                f"稿件处理情况：{_site(reverse('submissions:detail', args=[submission.pk]))}"
            ),
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        # After commit: the item is accepted; a batch's other submitters still get theirs.
        logger.exception("submission %s: telling the submitter failed", submission_id)


def published_article_url(submission) -> str:
    """The public page of the article the item became."""
    return _site(reverse("archive:article_detail", args=[submission.article_id]))


def issue_published(issue_id: int) -> int:
    """Tell each submitter whose item this issue used that it is public now; returns mails sent.

    One failed address is logged and does not keep the others from their mail:
    this runs after the publishing transaction committed, and the issue is public.
    """
    from jianbao.submissions.models import Submission

    issue = Issue.objects.select_related("series").get(pk=issue_id)
    if issue.state != Issue.State.PUBLISHED:
        return 0
    sent = 0
    used = (
        # An item whose article was deleted from the issue was not printed: no mail.
        Submission.objects.filter(
            issue=issue, state=Submission.State.USED, article__section__issue=issue
        )
        .select_related("submitted_by", "issue")
        .order_by("pk")
    )
    for submission in used:
        address = _submitter_address(submission)
        if not address:
            continue
        try:
            send_mail(
                subject=f"【简报】{_issue_name(issue)}已发布，刊登了您的《{submission.title}》",
                message=(
                    f"{issue.series.title}{issue.series.name} {issue.label} 已在网站发布，"
                    f"刊登了您投送的《{submission.title}》。\n"
                    f"阅读地址：{published_article_url(submission)}"
                ),
                from_email=None,
                recipient_list=[address],
            )
        except Exception:
            logger.exception("issue %s: telling submission %s failed", issue_id, submission.pk)
        else:
            sent += 1
    return sent


@receiver(issue_state_changed, dispatch_uid="bulletins.notifications.tell_submitters")
def tell_submitters_on_publish(sender, issue, from_state, to_state, **kwargs) -> None:
    """The first publication only (not a re-publication after a withdrawal), after commit."""
    if to_state == Issue.State.PUBLISHED and from_state == Issue.State.SIGNED:
        issue_id = issue.pk
        transaction.on_commit(lambda: issue_published(issue_id))
