"""PDF and Word downloads of published issues."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404

from jianbao.bulletins.models import Issue

DOWNLOAD_FORMATS = ("pdf", "docx")


def download_filename(issue: Issue, fmt: str) -> str:
    return f"{issue.series.title}{issue.series.name}{issue.label}.{fmt}"


def content_disposition(filename: str, ascii_fallback: str) -> str:
    # RFC 6266/5987: old clients read filename=, current ones the UTF-8 filename*.
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(request, year: int, number: int, fmt: str):
    """/issues/2023-1.pdf: the archive resolves the ref (and its series) for every file URL."""
    from jianbao.archive.views import issue_file

    if fmt not in DOWNLOAD_FORMATS:
        raise Http404("unknown format")
    return issue_file(request, year, number, fmt)
