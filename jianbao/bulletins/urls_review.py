"""Review: comments on articles and passages (jianbao.review)."""

from django.urls import include, path

urlpatterns = [path("", include("jianbao.review.urls"))]
