"""Network pages. Views parse input and call services; the services decide and record."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jianbao.core.downloads import stored_file_response
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.core.security import client_ip
from jianbao.core.text import pinyin_key
from jianbao.network import membership, services, statistics
from jianbao.network.forms import (
    ActionForm,
    ApplicationForm,
    CouncilForm,
    NoticeForm,
    ObjectionForm,
    OpinionForm,
    ProfileChangeForm,
    ResolveForm,
)
from jianbao.network.membership import Action
from jianbao.network.models import (
    BodyMember,
    CommitteeOpinion,
    MembershipApplication,
    NetworkBody,
    Objection,
    Organisation,
    ProfileChange,
    PublicNotice,
)
from jianbao.network.selectors import alliances_of


def office_only(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        services.require_office(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def administrator_only(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or has_role(request.user, Role.ADMIN)):
            raise PermissionDenied("只有管理员可以确认合并")
        return view(request, *args, **kwargs)

    return wrapped


def _report(request, exc: Exception) -> None:
    messages.error(request, str(exc.args[0] if exc.args else exc))


# --- Registry ----------------------------------------------------------------


@office_only
def registry(request):
    alliances = sorted(
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
        .select_related("chair_unit")
        .annotate(article_count=Count("contributed_articles", distinct=True)),
        key=lambda a: pinyin_key(a.name),
    )
    return render(
        request,
        "network/registry.html",
        {
            "alliances": alliances,
            "pending_changes": ProfileChange.objects.filter(
                state=ProfileChange.State.PENDING
            ).count(),
            "bodies": NetworkBody.objects.prefetch_related(
                Prefetch("members", queryset=BodyMember.objects.select_related("unit", "user"))
            ),
        },
    )


def _access_alliance(user, pk: int) -> Organisation:
    alliance = get_object_or_404(Organisation, pk=pk, kind=Organisation.Kind.ALLIANCE)
    if not (services.is_office(user) or alliances_of(user).filter(pk=pk).exists()):
        raise PermissionDenied("只能查看本联盟的信息")
    return alliance


@login_required
def alliance_detail(request, pk: int):
    alliance = _access_alliance(request.user, pk)
    own = alliances_of(request.user).filter(pk=pk).exists()
    current = services.profile_as_proposable(alliance)
    form = ProfileChangeForm(
        request.POST or None,
        initial={
            **current,
            "contacts": "\n".join(
                f"{c['name']} <{c['email']}> {c['phone']}".strip() for c in current["contacts"]
            ),
        },
    )
    if request.method == "POST":
        if not own:
            raise PermissionDenied("只能修改本联盟的信息")
        if form.is_valid():
            try:
                services.propose_profile_change(
                    alliance, form.changes_from(current), by=request.user
                )
            except JianbaoError as exc:
                _report(request, exc)
            else:
                messages.success(request, "修改已提交，待协发网秘书处审核后生效")
                return redirect("network:alliance", pk=pk)
    return render(
        request,
        "network/alliance_detail.html",
        {
            "alliance": alliance,
            "names": alliance.names.all(),
            "contacts": alliance.contacts.all(),
            "units": alliance.member_units.select_related("unit"),
            "changes": alliance.profile_changes.select_related("proposed_by")[:10],
            "form": form if own else None,
        },
    )


@office_only
def profile_changes(request):
    changes = ProfileChange.objects.filter(state=ProfileChange.State.PENDING).select_related(
        "alliance", "proposed_by"
    )
    return render(request, "network/profile_changes.html", {"changes": changes})


@require_POST
@office_only
def decide_profile_change(request, pk: int):
    change = get_object_or_404(ProfileChange, pk=pk)
    try:
        services.decide_profile_change(
            change,
            approve=request.POST.get("decision") == "approve",
            by=request.user,
            comment=request.POST.get("comment", ""),
        )
    except JianbaoError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已处理 {change.alliance} 的修改申请")
    return redirect("network:profile_changes")


@administrator_only
def merges(request):
    return render(request, "network/merges.html", {"suggestions": services.merge_suggestions()})


@administrator_only
def merge_confirm(request):
    source = request.POST if request.method == "POST" else request.GET
    a, b = (_alliance_by_key(source.get(key, "")) for key in ("a", "b"))
    if a is None or b is None or a == b:
        raise Http404("请选择两个不同的联盟")
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "distinct":
                services.record_distinct(a, b, by=request.user)
                messages.success(request, f"已记录：{a} 与 {b} 不是同一联盟")
            else:
                keep, fold = (a, b) if request.POST.get("keep") != str(b.pk) else (b, a)
                services.merge_alliances(keep, fold, by=request.user)
                messages.success(request, f"已将“{fold.name}”并入“{keep.name}”")
        except JianbaoError as exc:
            _report(request, exc)
        return redirect("network:merges")
    return render(request, "network/merge_confirm.html", {"a": a, "b": b})


def _alliance_by_key(key: str) -> Organisation | None:
    """An alliance by id (from the admin action) or by name (from a suggestion)."""
    org = (
        Organisation.objects.filter(pk=int(key)).first()
        if key.isascii() and key.isdigit()  # "²".isdigit() is true, int("²") fails
        else services.find_organisation(key)
    )
    if org is not None:
        org.article_count = org.mentioned_in.count()
    return org


# --- Membership applications -----------------------------------------------------


@login_required
def applications(request):
    visible = membership.open_applications_for(request.user)
    if not (
        services.is_office(request.user)
        or membership.committee_seat(request.user)
        or alliances_of(request.user).exists()
    ):
        raise PermissionDenied("需要联盟秘书处、协发网秘书处或审核委员会的身份")
    return render(
        request,
        "network/applications.html",
        {
            "applications": visible,
            "can_apply": alliances_of(request.user).exists(),
            "my_alliances": alliances_of(request.user),
            "is_office": services.is_office(request.user),
            "waiting_for_opinion": membership.applications_waiting_for_opinion(request.user),
        },
    )


@login_required
def apply(request):
    alliances = alliances_of(request.user)
    if not alliances.exists():
        raise PermissionDenied("只有联盟秘书处可以申请入网")
    form = ApplicationForm(request.POST or None, request.FILES or None, alliances=alliances)
    if request.method == "POST" and form.is_valid():
        particulars = {k: v for k, v in form.cleaned_data.items() if k in form.Meta.fields}
        documents = [(f.name, f.read()) for f in form.cleaned_data["documents"]]
        try:
            application = membership.apply(
                form.cleaned_data["alliance"],
                by=request.user,
                particulars=particulars,
                documents=documents,
                submit="save_draft" not in request.POST,
            )
        except JianbaoError as exc:
            _report(request, exc)
        else:
            messages.success(
                request,
                "草稿已保存，确认无误后请提交申请"
                if application.state == MembershipApplication.State.DRAFT
                else "申请已提交，协发网秘书处将提交网员审核委员会审核",
            )
            return redirect("network:application", pk=application.pk)
    return render(request, "network/apply.html", {"form": form})


@login_required
def application_detail(request, pk: int):
    application = _get_application(request.user, pk)
    tally = membership.tally(application) if membership.review_committee() else None
    seat = membership.committee_seat(request.user)
    mine = application.opinions.filter(member=seat).first() if seat else None
    actions = membership.allowed_actions(application, request.user)
    return render(
        request,
        "network/application_detail.html",
        {
            "application": application,
            "documents": application.documents.all(),
            "opinions": application.opinions.select_related("member__user"),
            "events": application.events.all(),
            "objections": application.objections.select_related("resolved_by"),
            "tally": tally,
            "actions": _action_buttons(actions),
            "council_form": CouncilForm() if Action.CONFIRM in actions else None,
            "opinion_form": OpinionForm(
                initial={"opinion": mine.opinion, "comment": mine.comment} if mine else None
            )
            if seat and application.state == MembershipApplication.State.COMMITTEE_REVIEW
            else None,
            "my_opinion": mine,
            "is_office": services.is_office(request.user),
        },
    )


def _action_buttons(actions: list[str]) -> list[tuple[str, str]]:
    """One button per decision; the opinions, not the clerk, decide pass or fail."""
    buttons = []
    for action in actions:
        if action == Action.CONFIRM or action == Action.COMMITTEE_FAIL:
            continue  # the council has its own form; pass and fail share one button
        label = "记录委员会审核结论" if action == Action.COMMITTEE_PASS else Action(action).label
        buttons.append((action, label))
    return buttons


def _get_application(user, pk: int) -> MembershipApplication:
    try:
        return membership.access_application(user, pk)
    except MembershipApplication.DoesNotExist:
        raise Http404("没有这份申请") from None


@require_POST
@login_required
def application_action(request, pk: int):
    application = _get_application(request.user, pk)
    try:
        if request.POST.get("action") == Action.CONFIRM:
            form = CouncilForm(request.POST)
            if not form.is_valid():
                raise JianbaoError("请填写理事会会议名称和日期")
            membership.confirm_by_council(
                application,
                by=request.user,
                meeting_name=form.cleaned_data["meeting_name"],
                meeting_date=form.cleaned_data["meeting_date"],
            )
        else:
            form = ActionForm(request.POST)
            form.is_valid()
            action = form.cleaned_data.get("action", "")
            if action not in Action.values:
                raise JianbaoError("未知的操作")
            if action in (Action.COMMITTEE_PASS, Action.COMMITTEE_FAIL):
                membership.conclude_review(application, by=request.user)
            else:
                membership.transition(
                    application, action, by=request.user, comment=form.cleaned_data["comment"]
                )
    except JianbaoError as exc:
        _report(request, exc)
    else:
        application.refresh_from_db()
        messages.success(request, f"已办理，申请现为“{application.get_state_display()}”")
    return redirect("network:application", pk=pk)


@require_POST
@login_required
def record_opinion(request, pk: int):
    application = _get_application(request.user, pk)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核意见")
        return redirect("network:application", pk=pk)
    try:
        membership.record_opinion(
            application,
            by=request.user,
            opinion=form.cleaned_data["opinion"],
            comment=form.cleaned_data["comment"],
        )
    except JianbaoError as exc:
        _report(request, exc)
    else:
        label = CommitteeOpinion.Opinion(form.cleaned_data["opinion"]).label
        messages.success(request, f"已记录您的审核意见：{label}")
    return redirect("network:application", pk=pk)


@login_required
def document(request, pk: int, document_pk: int):
    application = _get_application(request.user, pk)
    stored = get_object_or_404(application.documents, pk=document_pk)
    return stored_file_response(stored.file, original_name=stored.original_name, pk=stored.pk)


@office_only
def notice_new(request):
    form = NoticeForm(request.POST or None, initial={"starts_on": membership.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            notice = membership.open_public_notice(
                list(form.cleaned_data["applications"]),
                by=request.user,
                starts_on=form.cleaned_data["starts_on"],
                working_days=form.cleaned_data["working_days"],
            )
        except JianbaoError as exc:
            _report(request, exc)
        else:
            messages.success(request, f"已发布公示，公示期至 {notice.ends_on:%Y-%m-%d}")
            return redirect("network:notice_desk", pk=notice.pk)
    return render(request, "network/notice_new.html", {"form": form})


@office_only
def notice_desk(request, pk: int):
    notice = get_object_or_404(PublicNotice, pk=pk)
    return render(
        request,
        "network/notice_desk.html",
        {
            "notice": notice,
            "applications": notice.applications.select_related("alliance"),
            "objections": notice.objections.select_related("application__alliance"),
            "resolve_form": ResolveForm(),
            "pending_count": notice.objections.filter(resolved_at__isnull=True).count(),
            "is_open": membership.notice_is_open(notice),
            "today": membership.local_today(),
        },
    )


@require_POST
@office_only
def resolve_objection(request, pk: int):
    objection = get_object_or_404(Objection, pk=pk)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise JianbaoError("请填写处理结果")
        membership.resolve_objection(
            objection, by=request.user, resolution=form.cleaned_data["resolution"]
        )
    except JianbaoError as exc:
        _report(request, exc)
    else:
        messages.success(request, "异议已处理")
    return redirect("network:notice_desk", pk=objection.notice_id)


@require_POST
@office_only
def dismiss_objections(request, pk: int):
    notice = get_object_or_404(PublicNotice, pk=pk)
    pending = notice.objections.filter(resolved_at__isnull=True)
    if not request.POST.get("all_pending"):
        chosen = [v for v in request.POST.getlist("objections") if v.isascii() and v.isdigit()]
        pending = pending.filter(pk__in=chosen)
    try:
        if not pending.exists():
            raise JianbaoError("请选择要不予采纳的异议")
        count = membership.dismiss_objections(
            list(pending), by=request.user, reason=request.POST.get("reason", "")[:1000]
        )
    except JianbaoError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已不予采纳 {count} 条异议")
    return redirect("network:notice_desk", pk=pk)


@require_POST
@office_only
def admit(request, pk: int):
    notice = get_object_or_404(PublicNotice, pk=pk)
    try:
        admitted, news = membership.admit_from_notice(notice, by=request.user)
    except JianbaoError as exc:
        _report(request, exc)
    else:
        names = "、".join(a.alliance.name for a in admitted)
        messages.success(request, f"{names} 已成为正式网员；稿件《{news.title}》已放入待处理稿件")
    return redirect("network:notice_desk", pk=pk)


# --- Statistics ---------------------------------------------------------------


@office_only
def statistics_page(request):
    tables = statistics.all_tables(membership.local_today())
    charts = statistics.charts(tables)
    return render(
        request,
        "network/statistics.html",
        {"sections": [(t, charts.get(t.title)) for t in tables]},
    )


@office_only
def statistics_xlsx(request):
    data = statistics.statistics_workbook(statistics.all_tables(membership.local_today()))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="network-statistics.xlsx"'
    return response


# --- The public notice ----------------------------------------------------------


def _still_on(applications):
    """A withdrawn or rejected alliance disappears from the public notice."""
    return applications.exclude(
        state__in=[MembershipApplication.State.WITHDRAWN, MembershipApplication.State.REJECTED]
    ).select_related("alliance")


def public_notices(request):
    notices = membership.published_notices().prefetch_related(
        Prefetch("applications", queryset=_still_on(MembershipApplication.objects))
    )
    return render(
        request,
        "network/public_notices.html",
        {"notices": notices, "today": membership.local_today()},
    )


def public_notice(request, pk: int):
    notice = get_object_or_404(membership.published_notices(), pk=pk)
    is_open = membership.notice_is_open(notice)
    form = ObjectionForm(request.POST or None, notice=notice) if is_open else None
    if request.method == "POST" and form is not None and form.is_valid():
        if form.cleaned_data["homepage"]:
            return redirect("network:notice", pk=pk)  # a bot; say nothing
        try:
            membership.lodge_objection(
                notice,
                application=form.cleaned_data["application"],
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                text=form.cleaned_data["text"],
                address=client_ip(request) or "",
            )
        except JianbaoError as exc:
            _report(request, exc)
        else:
            messages.success(request, "您的异议已收到，协发网秘书处将核实处理并与您联系")
            return redirect(reverse("network:notice", args=[pk]) + "#received")
    return render(
        request,
        "network/public_notice.html",
        {
            "notice": notice,
            "alliances": [a.alliance for a in _still_on(notice.applications)],
            "form": form,
            "is_open": is_open,
        },
    )
