"""Limits that keep one small file or one large request from occupying the site.

A .docx under 1 MB can hold 69,000 paragraphs; a mail can carry one from
anybody.  Every reader of uploaded, mailed or imported files counts what it
reads against the limits below and stops, with a message naming the file
and the limit, as soon as one is passed.  The counts are taken with cheap
streaming passes before any heavy parsing starts, and a CPU-time budget
per file catches whatever the counts do not.

Override any limit with ``JIANBAO_PARSE_LIMITS = {"paragraphs": 8000, …}``
in the settings.  Request bodies larger than ``JIANBAO_MAX_REQUEST_BYTES``
are refused with 413 before a byte of them is read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpResponse

from jianbao.core.errors import UnreadableFile


@dataclass(frozen=True)
class ParseLimits:
    # XML elements in all the XML parts of one .docx together.
    elements: int = 300_000
    # Paragraphs of one file (a news item has a few dozen, an issue a few hundred).
    paragraphs: int = 5_000
    # Table cells of one .docx.
    table_cells: int = 5_000
    # Pages of one PDF.
    pages: int = 300
    # Characters of the text read from one file.
    characters: int = 2_000_000
    # CPU seconds spent reading one file.
    cpu_seconds: float = 10.0
    # Files read for one submission or one mail.
    attachments: int = 20
    # Pictures in one file: a meeting report has a handful; more than this is not news.
    pictures: int = 100


def parse_limits() -> ParseLimits:
    return replace(ParseLimits(), **getattr(settings, "JIANBAO_PARSE_LIMITS", {}))


class ParseBudget:
    """What one file may still cost: counts against the limits, and CPU time.

    CPU time of this thread, so a busy machine does not refuse a file that
    another process slowed down.
    """

    def __init__(self, name: str, limits: ParseLimits | None = None):
        self.name = name
        self.limits = limits or parse_limits()
        self._started = time.thread_time()

    def refuse(self, reason: str) -> UnreadableFile:
        return UnreadableFile(self.name, f"{reason}，超出上限")

    def check_count(self, what: str, count: int, limit: int, unit: str = "个") -> None:
        if count > limit:
            raise self.refuse(f"{what}超过 {limit} {unit}")

    def paragraphs(self, count: int) -> None:
        self.check_count("段落", count, self.limits.paragraphs)

    def pictures(self, count: int) -> None:
        self.check_count("图片", count, self.limits.pictures, "张")

    def characters(self, count: int) -> None:
        self.check_count("文字", count, self.limits.characters)

    def check_time(self) -> None:
        if time.thread_time() - self._started > self.limits.cpu_seconds:
            raise self.refuse(f"读取用时超过 {self.limits.cpu_seconds:g} 秒")


def max_request_bytes() -> int:
    return int(getattr(settings, "JIANBAO_MAX_REQUEST_BYTES", 26 * 1024 * 1024))


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is too large, without reading the body.

    Django reads no more than Content-Length bytes, and a request without
    one has an empty body, so the declared length is the whole story.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return _plain(400, "请求无效：Content-Length 不是非负整数")
        limit = max_request_bytes()
        if length > limit:
            return _plain(
                413,
                f"请求过大（{length / 1048576:.1f} MB），上限 {limit / 1048576:.0f} MB；"
                "附件每个不超过 20 MB",
            )
        return self.get_response(request)


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
