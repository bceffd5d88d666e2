"""What the desk's slots show of the review: comments per article, the top of the
issue page (a 退回 and the open comments), and the editor's returned issues."""

from __future__ import annotations

from django import template

from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.review import selectors, services

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _grouped(issue) -> dict:
    # One query per page, however many articles the slot is drawn for.
    cached = getattr(issue, "_review_comments", None)
    if cached is None:
        cached = issue._review_comments = selectors.comments_by_article(issue)
    return cached


@register.inclusion_tag("review/article_comments.html", takes_context=True)
def review_article_comments(context, article):
    issue = context["issue"]
    user = _user(context)
    comments = _grouped(issue).get(article.pk, [])
    can_comment = services.can_comment(user, issue)
    reading = []
    if can_comment:
        from jianbao.bulletins.services import stored_block

        reading = [article.title]
        for row in article.blocks.all():
            reading += stored_block(row).plain_text.splitlines()
        if article.credit:
            reading.append(f"（{article.credit}）")
    return {
        "article": article,
        "issue": issue,
        "comments": comments,
        "open_count": sum(1 for c in comments if not c.is_resolved),
        "can_comment": can_comment,
        "can_answer": services.can_answer(user, issue),
        "reading": reading,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("review/top.html", takes_context=True)
def review_top(context):
    issue = context["issue"]
    grouped = _grouped(issue)
    return {
        "issue": issue,
        # An article deleted since keeps its comments; they are answered here.
        "orphans": [c for c in grouped.get(None, []) if not c.is_resolved],
        "can_answer": services.can_answer(_user(context), issue),
        "csrf_token": context.get("csrf_token"),
        "returned": selectors.return_event(issue),
        "open_comments": [c for cs in grouped.values() for c in cs if not c.is_resolved],
    }


@register.inclusion_tag("review/returned.html", takes_context=True)
def review_returned(context):
    user = _user(context)
    return {"returned": selectors.returned_issues() if has_role(user, Role.EDITOR) else []}
