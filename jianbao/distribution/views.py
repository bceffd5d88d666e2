"""The delivery page of one issue: progress, failures with reasons, resend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from jianbao.bulletins.models import Issue
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import roles_of
from jianbao.distribution import selectors, services
from jianbao.distribution.forms import AudienceForm, ImportForm, RecipientForm
from jianbao.distribution.models import Delivery, DistributionList, Recipient

STAFF_ROLES = {Role.EDITOR, Role.SIGNER, Role.ADMIN}


def access_issue_deliveries(user, issue_id: int) -> Issue:
    require_staff(user)
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


# --- 报/送 lists --------------------------------------------------------------------


def may_distribute(user) -> bool:
    """The office's people for lists and sending: editors, signers, administrators."""
    return bool(user.is_superuser or roles_of(user) & STAFF_ROLES)


def require_staff(user) -> None:
    if not may_distribute(user):
        raise PermissionDenied("需要“编辑”“签发”或“管理员”角色")


def access_list(user, list_id: int) -> DistributionList:
    require_staff(user)
    return get_object_or_404(DistributionList, pk=list_id)


def access_recipient(user, recipient_id: int) -> Recipient:
    require_staff(user)
    return get_object_or_404(Recipient.objects.select_related("distribution_list"), pk=recipient_id)


@login_required
@require_safe
def lists(request):
    require_staff(request.user)
    rows = [
        (dl, dl.recipients.filter(is_active=True).count(), dl.recipients.count())
        for dl in selectors.lists()
    ]
    return render(request, "distribution/lists.html", {"rows": rows})


def _list_page(request, distribution_list, *, add_form=None, import_form=None, problems=()):
    return render(
        request,
        "distribution/list_detail.html",
        {
            "list": distribution_list,
            "recipients": selectors.recipients_of(distribution_list),
            "add_form": add_form or RecipientForm(auto_id="add_%s"),
            "import_form": import_form or ImportForm(auto_id="import_%s"),
            "import_problems": problems,
        },
    )


@login_required
@require_safe
def list_detail(request, list_id: int):
    return _list_page(request, access_list(request.user, list_id))


@login_required
@require_POST
def recipient_add(request, list_id: int):
    distribution_list = access_list(request.user, list_id)
    form = RecipientForm(request.POST, auto_id="add_%s")
    if form.is_valid():
        try:
            recipient = services.add_recipient(
                distribution_list, **form.cleaned_data, by=request.user
            )
        except services.RecipientRefused as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, f"已在“{distribution_list.kind}”名单中添加 {recipient}")
            return redirect("distribution:list", list_id=distribution_list.pk)
    return _list_page(request, distribution_list, add_form=form)


@login_required
@require_POST
def recipients_import(request, list_id: int):
    distribution_list = access_list(request.user, list_id)
    form = ImportForm(request.POST, request.FILES, auto_id="import_%s")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_recipients(
                upload.read(), kind=distribution_list.kind, path=upload.name, by=request.user
            )
        except services.RecipientsRefused as exc:
            form.add_error(
                "file", f"{upload.name}：有 {len(exc.problems)} 处错误，未导入任何收件人"
            )
            return _list_page(request, distribution_list, import_form=form, problems=exc.problems)
        messages.success(
            request,
            f"已从 {upload.name} 导入“{distribution_list.kind}”名单：新增 {result.created} 人，"
            f"更新 {result.updated} 人，未变 {result.unchanged} 人",
        )
        return redirect("distribution:list", list_id=distribution_list.pk)
    return _list_page(request, distribution_list, import_form=form)


@login_required
def recipient_edit(request, recipient_id: int):
    recipient = access_recipient(request.user, recipient_id)
    if request.method == "POST":
        form = RecipientForm(request.POST)
        if form.is_valid():
            try:
                changed = services.edit_recipient(recipient, **form.cleaned_data, by=request.user)
            except services.RecipientRefused as exc:
                form.add_problems(exc.problems)
            else:
                recipient.refresh_from_db()
                messages.success(
                    request, f"已修改收件人 {recipient}" if changed else "没有修改任何内容"
                )
                return redirect("distribution:list", list_id=recipient.distribution_list_id)
    else:
        form = RecipientForm(
            initial={
                "organisation": recipient.organisation,
                "person": recipient.person,
                "address": recipient.address,
            }
        )
    return render(
        request, "distribution/recipient_form.html", {"recipient": recipient, "form": form}
    )


def _set_active(request, recipient_id: int, *, active: bool):
    recipient = access_recipient(request.user, recipient_id)
    changed = services.set_recipient_active(recipient, active=active, by=request.user)
    if changed:
        messages.success(
            request,
            f"已恢复向 {recipient} 发送" if active else f"已停用 {recipient}：以后各期不再发送给他",
        )
    else:
        messages.info(request, f"{recipient} 已经是{'接收' if active else '停用'}状态，未作改动")
    return redirect("distribution:list", list_id=recipient.distribution_list_id)


@login_required
@require_POST
def recipient_deactivate(request, recipient_id: int):
    return _set_active(request, recipient_id, active=False)


@login_required
@require_POST
def recipient_reactivate(request, recipient_id: int):
    return _set_active(request, recipient_id, active=True)


# --- Per issue: who receives it -------------------------------------------------------


@login_required
def issue_audience(request, issue_id: int):
    issue = access_issue_deliveries(request.user, issue_id)
    selectors.lists()  # both lists exist to be chosen, even before the first recipient
    if request.method == "POST":
        form = AudienceForm(request.POST)
        if form.is_valid():
            audience = services.choose_audience(
                issue,
                lists=form.cleaned_data["lists"],
                extra_recipients=form.cleaned_data["extra_recipients"],
                by=request.user,
            )
            if audience.count:
                messages.success(request, f"已保存本期报送范围：将发送给 {audience.count} 人")
            else:
                messages.warning(
                    request, "已保存本期报送范围：目前没有任何收件人，发布后不会发出邮件"
                )
            return redirect("distribution:audience", issue_id=issue.pk)
    else:
        form = AudienceForm(initial=selectors.audience_initial(issue))
    audience = selectors.audience(issue)
    queued = set(issue.deliveries.values_list("address", flat=True))
    rows = [(r, r.address.strip().lower() in queued) for r in audience.recipients]
    return render(
        request,
        "distribution/issue_audience.html",
        {
            "issue": issue,
            "form": form,
            "audience": audience,
            "rows": rows,
            "is_published": issue.state == Issue.State.PUBLISHED,
            "missing": sum(1 for _, done in rows if not done),
            "done": sum(1 for _, done in rows if done),
        },
    )
