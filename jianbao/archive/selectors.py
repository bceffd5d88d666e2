"""Reads for the public archive."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import issues_with_content

PUBLIC_STATES = (Issue.State.PUBLISHED,)


def public_issues() -> QuerySet[Issue]:
    return (
        Issue.objects.filter(state__in=PUBLIC_STATES)
        .select_related("series")
        .annotate(article_count=Count("sections__articles"))
        .order_by("-year", "-number")
    )


def public_issue(*, year: int, number: int) -> Issue:
    return get_object_or_404(
        issues_with_content().filter(state__in=PUBLIC_STATES), year=year, number=number
    )
