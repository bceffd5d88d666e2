"""The desk's publishing page of one issue: its files, its web page and its WeChat post."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from jianbao.bulletins.models import Issue
from jianbao.bulletins.print_settings import render_issue as render_for_series
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.bulletins.views import require_desk
from jianbao.core.errors import JianbaoError
from jianbao.publishing.render import CONTENT_TYPES, download_filename
from jianbao.publishing.render import render as render_issue


def access_issue_for_publishing(user, issue_id: int) -> Issue:
    require_desk(user)
    return get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)


def wechat_html(issue: Issue) -> str:
    return render_issue(issue_to_bulletin(issue), "wechat").decode("utf-8")


def preview_policy() -> str:
    """Nothing runs in the preview: inline styles and pictures only, in a sandbox."""
    site = urlsplit(settings.JIANBAO_SITE_URL)
    pictures = f" {site.scheme}://{site.netloc}" if site.scheme and site.netloc else ""
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"img-src 'self' data:{pictures}; base-uri 'none'; form-action 'none'; sandbox"
    )


@login_required
@require_safe
def issue_publishing(request, issue_id: int):
    from jianbao.archive.links import issue_file_url, issue_url

    issue = access_issue_for_publishing(request.user, issue_id)
    published = issue.state == Issue.State.PUBLISHED
    try:
        html = wechat_html(issue)
        problem = ""
    except JianbaoError as exc:
        html, problem = "", str(exc)
    if published:
        files = {
            "pdf": issue_file_url(issue, "pdf"),
            "docx": issue_file_url(issue, "docx"),
            "ofd": issue_file_url(issue, "ofd"),
            "web": issue_url(issue),
        }
    else:
        files = {
            "pdf": reverse("desk:pdf", args=[issue.pk]),
            "docx": reverse("distribution:docx", args=[issue.pk]),
            "ofd": reverse("distribution:ofd", args=[issue.pk]),
            "web": reverse("desk:preview", args=[issue.pk]),
        }
    return render(
        request,
        "distribution/issue_publishing.html",
        {
            "issue": issue,
            "published": published,
            "files": files,
            "wechat": html,
            "problem": problem,
        },
    )


@login_required
@require_safe
@xframe_options_sameorigin
def issue_wechat(request, issue_id: int):
    """The WeChat HTML alone, for the phone-width preview frame."""
    issue = access_issue_for_publishing(request.user, issue_id)
    try:
        body = wechat_html(issue)
    except JianbaoError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    page = (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>微信版预览 · {issue.label}</title></head>"
        # The post inside the page's one main landmark; the copied HTML has no <main>.
        f'<body style="margin:0;padding:8px;background:#fff"><main>{body}</main></body></html>'
    )
    response = HttpResponse(page, content_type=CONTENT_TYPES["wechat"])
    response["Content-Security-Policy"] = preview_policy()
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def issue_file(request, issue_id: int, fmt: str):
    """The Word or OFD file on demand, for any state, as the PDF preview is."""
    from jianbao.core.downloads import content_disposition

    issue = access_issue_for_publishing(request.user, issue_id)
    try:
        # The series' print settings: the OFD carries the PDF's pages.
        data = render_for_series(issue, fmt)
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return redirect("distribution:publishing", issue.pk)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(
        download_filename(issue, fmt), f"preview-{issue.key}.{fmt}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
