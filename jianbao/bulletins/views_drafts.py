"""Undo on the desk: restore a deleted article, move an article back (bulletins.drafts)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from jianbao.bulletins import drafts
from jianbao.bulletins.models import Issue
from jianbao.core.errors import JianbaoError


@login_required
@require_POST
def article_restore(request, issue_id: int, event_id: int):
    issue = get_object_or_404(Issue, pk=issue_id)
    try:
        article = drafts.restore_article(issue, event_id, by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", issue.pk)
    messages.success(request, f"已恢复《{article.title}》（在“{article.section.title}”）")
    return redirect(reverse("desk:issue", args=[issue.pk]) + f"#article-{article.pk}")


@login_required
@require_POST
def move_undo(request, issue_id: int, event_id: int):
    issue = get_object_or_404(Issue, pk=issue_id)
    try:
        article = drafts.undo_move(issue, event_id, by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", issue.pk)
    messages.success(
        request, f"已撤销移动：《{article.title}》回到“{article.section.title}”原来的位置"
    )
    return redirect(reverse("desk:issue", args=[issue.pk]) + f"#article-{article.pk}")
