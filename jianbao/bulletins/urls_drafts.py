"""Autosaved drafts and undo (restore a deleted article, undo a move)."""

from django.urls import path

from jianbao.bulletins import views_drafts

urlpatterns = [
    path(
        "issues/<int:issue_id>/deleted/<int:event_id>/restore/",
        views_drafts.article_restore,
        name="article_restore",
    ),
    path(
        "issues/<int:issue_id>/moves/<int:event_id>/undo/",
        views_drafts.move_undo,
        name="move_undo",
    ),
]
