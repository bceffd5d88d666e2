"""Writes of the review: a comment is added by the reviewer or signer, answered and
resolved by the editor. Each write records its history row in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.workflow import FROZEN_STATES
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role
from jianbao.review.models import Comment

COMMENTING_STATES = (Issue.State.REVIEW, Issue.State.SIGNING)
MAX_TEXT = 2000
MAX_PASSAGE = 500


class CommentRefused(JianbaoError):
    """A comment, answer or resolution the state or the input does not allow; ``field``
    names the form field the message belongs beside."""

    def __init__(self, message: str, *, field: str = "text"):
        self.field = field
        super().__init__(message)


def can_comment(user, issue: Issue) -> bool:
    return issue.state in COMMENTING_STATES and (
        has_role(user, Role.REVIEWER) or has_role(user, Role.SIGNER)
    )


def can_answer(user, issue: Issue) -> bool:
    return issue.state not in FROZEN_STATES and has_role(user, Role.EDITOR)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def article_reading(article: Article) -> str:
    """The article as readers read it: title, every block's text, captions, cells, credit."""
    from jianbao.bulletins.services import stored_block

    blocks = [stored_block(b) for b in article.blocks.order_by("position")]
    return "\n".join(
        [article.title, article.toc_title, *(b.plain_text for b in blocks), article.credit]
    )


@transaction.atomic
def add_comment(article: Article, *, by, text: str, passage: str = "") -> Comment:
    """A comment on ``article``, or on the passage of it quoted in ``passage``."""
    article = Article.objects.select_related("section__issue").get(pk=article.pk)
    issue = Issue.objects.select_for_update().get(pk=article.section.issue_id)
    if not (has_role(by, Role.REVIEWER) or has_role(by, Role.SIGNER)):
        raise PermissionDenied("只有审核人或签发人可以提出审核意见")
    if issue.state not in COMMENTING_STATES:
        raise CommentRefused(
            f"{issue.label} 正在“{issue.get_state_display()}”，审核或签发时才能提出意见"
        )
    text, passage = text.strip(), passage.strip()
    if not text:
        raise CommentRefused("请写下意见")
    if len(text) > MAX_TEXT:
        raise CommentRefused(f"意见最多 {MAX_TEXT} 字，现有 {len(text)} 字")
    if len(passage) > MAX_PASSAGE:
        raise CommentRefused(
            f"所引原文最多 {MAX_PASSAGE} 字，现有 {len(passage)} 字", field="passage"
        )
    if passage and _squeezed(passage) not in _squeezed(article_reading(article)):
        raise CommentRefused("所引原文在本文中找不到：请从文中选取，或照原文输入", field="passage")
    comment = Comment.objects.create(
        issue=issue,
        article=article,
        article_title=article.title[:500],
        passage=passage,
        text=text,
        author=by,
        author_name=display_name(by)[:100],
    )
    record(
        "review.comment.add",
        by=by,
        subject=issue,
        comment=text,
        data=_data(comment),
    )
    return comment


@transaction.atomic
def answer_comment(comment: Comment, *, by, text: str) -> Comment:
    """The editor's answer; a second answer replaces the first (the history keeps both)."""
    comment = Comment.objects.select_for_update().select_related("issue").get(pk=comment.pk)
    _check_editor(comment, by)
    text = text.strip()
    if not text:
        raise CommentRefused("请写下答复", field="answer")
    if len(text) > MAX_TEXT:
        raise CommentRefused(f"答复最多 {MAX_TEXT} 字，现有 {len(text)} 字", field="answer")
    before = comment.answer
    comment.answer = text
    comment.answered_by = by
    comment.answered_by_name = display_name(by)[:100]
    comment.answered_at = timezone.now()
    comment.save(update_fields=["answer", "answered_by", "answered_by_name", "answered_at"])
    record(
        "review.comment.answer",
        by=by,
        subject=comment.issue,
        comment=text,
        data={**_data(comment), "before": before, "answer": text},
    )
    return comment


@transaction.atomic
def resolve_comment(comment: Comment, *, by) -> Comment:
    comment = Comment.objects.select_for_update().select_related("issue").get(pk=comment.pk)
    _check_editor(comment, by)
    if comment.is_resolved:
        raise CommentRefused(f"这条意见已由{comment.resolved_by_name}标为已解决")
    comment.resolved_by = by
    comment.resolved_by_name = display_name(by)[:100]
    comment.resolved_at = timezone.now()
    comment.save(update_fields=["resolved_by", "resolved_by_name", "resolved_at"])
    record("review.comment.resolve", by=by, subject=comment.issue, data=_data(comment))
    return comment


def _check_editor(comment: Comment, by) -> None:
    if not has_role(by, Role.EDITOR):
        raise PermissionDenied("只有编辑可以答复或解决审核意见")
    if comment.issue.state in FROZEN_STATES:
        raise CommentRefused(f"{comment.issue.label} 已签发，意见不能再改动")


def _data(comment: Comment) -> dict:
    return {
        "comment": comment.pk,
        "article": comment.article_id,
        "title": comment.article_title,
        "passage": comment.passage,
    }
