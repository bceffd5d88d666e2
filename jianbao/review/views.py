"""Thin views over the review's services: parse, call, say what changed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jianbao.bulletins.models import Article
from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.review import services
from jianbao.review.forms import AnswerForm, CommentForm
from jianbao.review.models import Comment


def _back(issue_id: int, anchor: str):
    return redirect(reverse("desk:issue", args=[issue_id]) + f"#{anchor}")


@login_required
def comment_add(request, article_id: int):
    article = get_object_or_404(Article.objects.select_related("section__issue"), pk=article_id)
    issue = article.section.issue
    if not (has_role(request.user, Role.REVIEWER) or has_role(request.user, Role.SIGNER)):
        raise PermissionDenied("只有审核人或签发人可以提出审核意见")
    form = CommentForm(request.POST or None, initial={"passage": request.GET.get("passage", "")})
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.add_comment(
                article,
                by=request.user,
                text=form.cleaned_data["text"],
                passage=form.cleaned_data["passage"],
            )
        except services.CommentRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            where = "对所引段落" if comment.passage else ""
            messages.success(request, f"已{where}就《{article.title}》提出意见")
            return _back(issue.pk, f"comment-{comment.pk}")
    return render(
        request,
        "review/comment_form.html",
        {"form": form, "article": article, "issue": issue, "can_comment": True},
        status=400 if form.errors else 200,
    )


@login_required
def comment_answer(request, comment_id: int):
    comment = get_object_or_404(Comment.objects.select_related("issue"), pk=comment_id)
    if not has_role(request.user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以答复审核意见")
    form = AnswerForm(request.POST or None, initial={"answer": comment.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_comment(comment, by=request.user, text=form.cleaned_data["answer"])
        except services.CommentRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(
                request, f"已答复{comment.author_name}对《{comment.article_title}》的意见"
            )
            return _back(comment.issue_id, f"comment-{comment.pk}")
    return render(
        request,
        "review/answer_form.html",
        {"form": form, "comment": comment, "issue": comment.issue},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def comment_resolve(request, comment_id: int):
    comment = get_object_or_404(Comment.objects.select_related("issue"), pk=comment_id)
    try:
        services.resolve_comment(comment, by=request.user)
    except services.CommentRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"已把{comment.author_name}对《{comment.article_title}》的意见标为已解决"
        )
    return _back(comment.issue_id, f"comment-{comment.pk}")
