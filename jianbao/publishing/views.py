"""PDF and Word downloads of published issues."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.core.errors import JianbaoError
from jianbao.publishing.render import CONTENT_TYPES, render

DOWNLOAD_FORMATS = ("pdf", "docx")


def download_filename(issue: Issue, fmt: str) -> str:
    return f"{issue.series.title}{issue.series.name}{issue.label}.{fmt}"


def content_disposition(filename: str, ascii_fallback: str) -> str:
    # RFC 6266/5987: old clients read filename=, current ones the UTF-8 filename*.
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"


@require_safe
def download(request, year: int, number: int, fmt: str):
    if fmt not in DOWNLOAD_FORMATS:
        raise Http404("unknown format")
    issue = (
        Issue.objects.select_related("series")
        .filter(state=Issue.State.PUBLISHED, year=year, number=number)
        .first()
    )
    if issue is None:
        raise Http404("no such published issue")
    try:
        data = render(issue_to_bulletin(issue), fmt)
    except JianbaoError as exc:
        return HttpResponse(
            f"无法生成{fmt.upper()}：{exc}",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(
        download_filename(issue, fmt), f"jianbao-{year}-{number}.{fmt}"
    )
    response["Content-Length"] = str(len(data))
    return response
