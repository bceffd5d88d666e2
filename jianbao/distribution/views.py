"""The delivery page of one issue: progress, failures with reasons, resend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jianbao.bulletins.models import Issue
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import roles_of
from jianbao.distribution import services
from jianbao.distribution.models import Delivery

STAFF_ROLES = {Role.EDITOR, Role.SIGNER, Role.ADMIN}


def access_issue_deliveries(user, issue_id: int) -> Issue:
    if not (user.is_superuser or roles_of(user) & STAFF_ROLES):
        raise PermissionDenied("需要“编辑”“签发”或“管理员”角色")
    return get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)


@login_required
def issue_deliveries(request, issue_id: int):
    issue = access_issue_deliveries(request.user, issue_id)
    deliveries = list(issue.deliveries.order_by("list_kind", "id"))
    problems = [d for d in deliveries if d.state in (Delivery.State.FAILED, Delivery.State.BOUNCED)]
    progress = services.delivery_progress(issue)
    return render(
        request,
        "distribution/issue_deliveries.html",
        {
            "issue": issue,
            "deliveries": deliveries,
            "problems": problems,
            "progress": progress,
            "percent": round(100 * progress["sent"] / progress["total"])
            if progress["total"]
            else 0,
            "is_published": issue.state == Issue.State.PUBLISHED,
        },
    )


@login_required
@require_POST
def resend(request, issue_id: int):
    issue = access_issue_deliveries(request.user, issue_id)
    wanted = request.POST.get("delivery", "")
    if wanted and not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
        raise Http404("没有这一投递")
    failed = issue.deliveries.filter(state__in=[Delivery.State.FAILED, Delivery.State.BOUNCED])
    targets = failed.filter(pk=wanted) if wanted else failed
    count = 0
    for delivery in targets:
        try:
            services.resend(delivery, by=request.user)
            count += 1
        except JianbaoError as exc:
            messages.error(request, str(exc))
    if count:
        messages.success(request, f"已重新排队 {count} 封，后台进程将尽快发送")
    return redirect("distribution:issue", issue_id=issue.pk)


@login_required
@require_POST
def queue_missing(request, issue_id: int):
    issue = access_issue_deliveries(request.user, issue_id)
    try:
        count = services.queue_missing(issue, by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"已为 {count} 位新收件人排队" if count else "所有收件人都已排队，没有新增"
        )
    return redirect("distribution:issue", issue_id=issue.pk)
