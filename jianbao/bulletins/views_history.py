"""One article's history on the desk: who did what to it, and when, in Chinese."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from jianbao.bulletins.models import Issue
from jianbao.bulletins.selectors import article_history
from jianbao.bulletins.views import require_desk


@login_required
@require_safe
def article_history_page(request, issue_id: int, article_id: int):
    """By the issue as well as the article: a deleted article has no row left to find
    its issue by, and whoever sees the desk's issue sees its articles' history."""
    require_desk(request.user)
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)
    history = article_history(issue, article_id)
    if history is None:
        raise Http404("本期没有这篇文章")
    return render(
        request,
        "bulletins/desk/history/article.html",
        {"issue": issue, "history": history},
    )
