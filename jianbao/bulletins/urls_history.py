"""The history of one article of an issue (also after it was deleted)."""

from django.urls import path

from jianbao.bulletins import views_history

urlpatterns = [
    path(
        "issues/<int:issue_id>/articles/<int:article_id>/history/",
        views_history.article_history_page,
        name="article_history",
    ),
]
