"""The desk's import review: the reports, the check, and the gaps in the numbering."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from jianbao.bulletins.views import require_desk
from jianbao.catalogue import selectors, services
from jianbao.catalogue.forms import UploadForm
from jianbao.catalogue.models import ImportJob
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import has_role

_SHOWN = {"todo": False, "done": True, "all": None}


@login_required
@require_safe
def report_list(request):
    require_desk(request.user)
    shown = request.GET.get("show", "todo")
    if shown not in _SHOWN:
        shown = "todo"
    return render(
        request,
        "catalogue/desk/report_list.html",
        {
            "reports": selectors.import_reports(checked=_SHOWN[shown]),
            "shown": shown,
            "todo_count": selectors.import_reports(checked=False).count(),
            "gaps": selectors.numbering_gaps(),
        },
    )


def _report(issue_id: int):
    report = selectors.report_of(issue_id)
    if report is None:
        raise Http404("这一期不是导入的往期，没有导入报告")
    return report


@login_required
@require_safe
def report_detail(request, issue_id: int):
    require_desk(request.user)
    report = _report(issue_id)
    issue = report.issue
    return render(
        request,
        "catalogue/desk/report.html",
        {
            "report": report,
            "issue": issue,
            "data": report.data,
            "low_lines": selectors.places_of_low_lines(issue, report),
            "no_credit": selectors.articles_without_credit(issue),
            "articles": selectors.issue_articles(issue),
            "can_check": has_role(request.user, Role.EDITOR),
        },
    )


@login_required
@require_safe
def report_json(request, issue_id: int):
    require_desk(request.user)
    report = _report(issue_id)
    response = HttpResponse(
        json.dumps(report.data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    issue = report.issue
    name = f"import-report-{issue.series.slug}-{issue.year}-{issue.number}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def check(request, issue_id: int):
    report = _report(issue_id)
    try:
        services.mark_checked(report.issue, by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已将{report.issue.label}标记为已核对")
    return redirect("catalogue:report", issue_id)


@login_required
@require_POST
def uncheck(request, issue_id: int):
    report = _report(issue_id)
    try:
        services.mark_unchecked(
            report.issue, by=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已撤销对{report.issue.label}的核对，本期重新列为待核对")
    return redirect("catalogue:report", issue_id)


@login_required
def upload(request):
    """Upload past issues; the worker imports them and this page shows how each went."""
    if not has_role(request.user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以导入往期")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["files"]
        try:
            jobs = services.queue_imports(
                [(f.name, f, f.size) for f in files],
                by=request.user,
                replace=form.cleaned_data["replace"],
            )
        except JianbaoError as exc:
            form.add_error("files", str(exc))
        else:
            messages.success(
                request, f"已收到 {len(jobs)} 个文件，正在后台导入；稍后刷新本页查看结果"
            )
            return redirect("catalogue:upload")
    return render(
        request,
        "catalogue/desk/upload.html",
        {"form": form, "jobs": ImportJob.objects.select_related("issue")[:50]},
    )
