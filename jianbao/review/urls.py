"""The review's routes; included in the desk's namespace by bulletins/urls_review.py."""

from django.urls import path

from jianbao.review import views

urlpatterns = [
    path(
        "articles/<int:article_id>/comments/new/",
        views.comment_add,
        name="review_comment_add",
    ),
    path(
        "comments/<int:comment_id>/answer/",
        views.comment_answer,
        name="review_comment_answer",
    ),
    path(
        "comments/<int:comment_id>/resolve/",
        views.comment_resolve,
        name="review_comment_resolve",
    ),
]
