"""Public links to an issue. They name the series once there is more than one.

With one series ``/issues/2023-1/`` is the whole address; a second series may
have its own 2023年第1期, so every link then reads ``/issues/series-1/2023-1/``
(the short form keeps working for numbers only one series has).
"""

from __future__ import annotations

from django.urls import reverse

from jianbao.archive.caching import for_this_version
from jianbao.bulletins.models import Issue, Series


def many_series() -> bool:
    # Cached per site version: a series that is added or renamed bumps it (receivers).
    return for_this_version("many-series", lambda: Series.objects.count() > 1)


def issue_ref(issue: Issue) -> str:
    """How the command line names the issue: ``2023-1``, or ``series-1:2023-1``."""
    return f"{issue.series.slug}:{issue.key}" if many_series() else issue.key


def issue_url(issue: Issue) -> str:
    if many_series():
        return reverse(
            "archive:series_issue_detail", args=[issue.series.slug, issue.year, issue.number]
        )
    return reverse("archive:issue_detail", args=[issue.year, issue.number])


def issue_file_url(issue: Issue, fmt: str) -> str:
    if many_series():
        return reverse(
            f"archive:series_issue_{fmt}", args=[issue.series.slug, issue.year, issue.number]
        )
    return reverse(f"archive:issue_{fmt}", args=[issue.year, issue.number])
