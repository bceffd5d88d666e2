"""Reads of the review: comments per issue and article, and a returned issue's reason."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery

from jianbao.bulletins.models import Issue, IssueEvent
from jianbao.review.models import Comment


def issue_comments(issue: Issue):
    """Every comment on the issue, oldest first."""
    return Comment.objects.filter(issue=issue).order_by("created_at", "id")


def open_comments(issue: Issue):
    return issue_comments(issue).filter(resolved_at__isnull=True)


def comments_by_article(issue: Issue) -> dict[int | None, list[Comment]]:
    grouped: dict[int | None, list[Comment]] = {}
    for comment in issue_comments(issue):
        grouped.setdefault(comment.article_id, []).append(comment)
    return grouped


def _state_changes():
    """Events that moved an issue, newest first."""
    return IssueEvent.objects.exclude(to_state="").order_by("-created_at", "-id")


def return_event(issue: Issue) -> IssueEvent | None:
    """The 退回 that sent the issue back to 编辑中, while it is there; else None."""
    if issue.state != Issue.State.EDITING:
        return None
    last = _state_changes().filter(issue=issue).first()
    return last if last is not None and last.action == "return" else None


def returned_issues() -> list[tuple[Issue, IssueEvent, int]]:
    """Issues back in 编辑中 after a 退回: the issue, the 退回 and its open comments."""
    # Three queries however many issues wait: the desk's home shows this on every visit.
    last_change = _state_changes().filter(issue=OuterRef("pk")).values("pk")[:1]
    issues = list(
        Issue.objects.filter(state=Issue.State.EDITING)
        .select_related("series")
        .annotate(last_change=Subquery(last_change))
    )
    last_changes = [issue.last_change for issue in issues if issue.last_change is not None]
    returns = IssueEvent.objects.filter(pk__in=last_changes, action="return")
    events = {event.issue_id: event for event in returns}
    open_counts = dict(
        Comment.objects.filter(issue_id__in=events, resolved_at__isnull=True)
        .values_list("issue_id")
        .annotate(n=Count("id"))
    )
    out = [
        (issue, events[issue.pk], open_counts.get(issue.pk, 0))
        for issue in issues
        if issue.pk in events
    ]
    out.sort(key=lambda item: item[1].created_at, reverse=True)
    return out
