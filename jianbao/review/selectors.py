"""Reads of the review: comments per issue and article, and a returned issue's reason."""

from __future__ import annotations

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


def return_event(issue: Issue) -> IssueEvent | None:
    """The 退回 that sent the issue back to 编辑中, while it is there; else None."""
    if issue.state != Issue.State.EDITING:
        return None
    last = issue.events.exclude(to_state="").order_by("-created_at", "-id").first()
    return last if last is not None and last.action == "return" else None


def returned_issues() -> list[tuple[Issue, IssueEvent, int]]:
    """Issues back in 编辑中 after a 退回: the issue, the 退回 and its open comments."""
    out = []
    for issue in Issue.objects.filter(state=Issue.State.EDITING).select_related("series"):
        event = return_event(issue)
        if event is not None:
            out.append((issue, event, open_comments(issue).count()))
    out.sort(key=lambda item: item[1].created_at, reverse=True)
    return out
