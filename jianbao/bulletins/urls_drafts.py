"""Autosaved drafts and undo (restore a deleted article, undo a move)."""

urlpatterns: list = []
