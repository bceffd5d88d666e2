"""The desk's proofing pages: an issue's findings (or one article's), their apply,
dismiss and reopen buttons, and the office's dictionary. Thin: services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jianbao.bulletins.models import Article, Issue
from jianbao.core.errors import JianbaoError
from jianbao.core.history import history_of
from jianbao.core.models import HistoryEvent

from . import services
from .forms import EntryForm, KeyForm
from .models import DictionaryEntry


def _page(issue_id: int, article_id=None) -> str:
    url = reverse("proofing:issue", args=[issue_id])
    return f"{url}?article={article_id}" if article_id else url


def _article(issue: Issue, raw) -> Article | None:
    if raw in (None, ""):
        return None
    try:
        return Article.objects.get(pk=int(raw), section__issue=issue)
    except (ValueError, Article.DoesNotExist):
        raise Http404("本期没有这篇文章") from None


def _render(request, issue: Issue, article: Article | None, *, failed=None, status=200):
    proof = services.issue_proof(issue, article_id=article.pk if article else None)
    can_act = services.can_act(request.user, issue)
    return render(
        request,
        "proofing/issue.html",
        {
            "issue": issue,
            "article": article,
            "proof": proof,
            "can_act": can_act,
            "can_edit_dictionary": services.can_edit_dictionary(request.user),
            # A dismissal refused: its form is shown open, with the error beside the reason.
            "failed": failed,
        },
        status=status,
    )


@login_required
def issue_proofing(request, issue_id: int):
    services.require_reader(request.user)
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)
    return _render(request, issue, _article(issue, request.GET.get("article")))


def _posted(request, issue_id: int, form_class):
    services.require_reader(request.user)
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)
    form = form_class(request.POST)
    valid = form.is_valid()
    article = _article(issue, form.cleaned_data.get("article") if valid else None)
    return issue, form, valid, article


@login_required
@require_POST
def apply(request, issue_id: int):
    issue, form, valid, article = _posted(request, issue_id, KeyForm)
    if not valid:
        messages.error(request, "没有指明要采用哪一条建议，请在审校页上点“采用建议”")
        return redirect(_page(issue.pk))
    try:
        finding = services.apply_suggestion(issue, form.cleaned_data["key"], by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        change = f"改为“{finding.suggestion}”" if finding.suggestion else "删去"
        messages.success(
            request,
            f"已采用建议：{finding.where.label}的“{finding.quote}”{change}，已记入修改记录",
        )
    return redirect(_page(issue.pk, article and article.pk))


@login_required
@require_POST
def dismiss(request, issue_id: int):
    issue, form, valid, article = _posted(request, issue_id, KeyForm)
    back = redirect(_page(issue.pk, article and article.pk))
    if not valid:
        messages.error(request, "没有指明要忽略哪一条提示，请在审校页上点“忽略”")
        return redirect(_page(issue.pk))
    key, reason = form.cleaned_data["key"], request.POST.get("reason", "")
    try:
        # The service checks who asks before what they wrote.
        services.dismiss_finding(issue, key, by=request.user, reason=reason)
    except services.ProofingRefused as exc:
        if exc.field != "reason":
            messages.error(request, str(exc))
            return back
        failed = {"key": key, "error": str(exc), "reason": reason}
        return _render(request, issue, article, failed=failed, status=400)
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, "已忽略这条审校提示；它列在“已忽略”中，可以恢复")
    return back


@login_required
@require_POST
def reopen(request, issue_id: int):
    issue, form, valid, article = _posted(request, issue_id, KeyForm)
    if not valid:
        messages.error(request, "没有指明要恢复哪一条提示")
        return redirect(_page(issue.pk))
    try:
        services.reopen_finding(issue, form.cleaned_data["key"], by=request.user)
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已恢复这条审校提示，它重新列为待处理")
    return redirect(_page(issue.pk, article and article.pk))


# --- The dictionary -----------------------------------------------------------------------


@login_required
def dictionary(request):
    services.require_reader(request.user)
    entries = list(DictionaryEntry.objects.all())
    kinds = [
        {
            "value": value,
            "label": label,
            "active": [e for e in entries if e.kind == value and e.is_active],
        }
        for value, label in DictionaryEntry.Kind.choices
    ]
    return render(
        request,
        "proofing/dictionary.html",
        {
            "kinds": kinds,
            "inactive": [e for e in entries if not e.is_active],
            "can_edit": services.can_edit_dictionary(request.user),
            "events": HistoryEvent.objects.filter(action__startswith="proofing.entry.").order_by(
                "-created_at", "-id"
            )[:20],
        },
    )


def _entry_form(request, entry: DictionaryEntry | None):
    services.require_dictionary_editor(request.user)
    initial = EntryForm.initial_of(entry) if entry else {"kind": request.GET.get("kind", "usage")}
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if entry is None:
                saved = services.add_entry(by=request.user, **form.cleaned_data)
                messages.success(request, f"已添加词条“{saved}”")
            else:
                changed = services.edit_entry(entry, by=request.user, **form.cleaned_data)
                if changed:
                    messages.success(request, f"已修改词条“{entry.term}”：{'、'.join(changed)}")
                else:
                    messages.info(request, "词条没有改动")
        except services.ProofingRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return redirect(reverse("proofing:dictionary") + f"#kind-{form.cleaned_data['kind']}")
    return render(
        request,
        "proofing/entry_form.html",
        {
            "form": form,
            "entry": entry,
            "events": history_of(entry) if entry else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
def entry_new(request):
    return _entry_form(request, None)


@login_required
def entry_edit(request, entry_id: int):
    services.require_dictionary_editor(request.user)
    return _entry_form(request, get_object_or_404(DictionaryEntry, pk=entry_id))


def _set_active(request, entry_id: int, active: bool):
    services.require_dictionary_editor(request.user)
    entry = get_object_or_404(DictionaryEntry, pk=entry_id)
    try:
        services.set_entry_active(entry, by=request.user, active=active)
    except JianbaoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已重新启用词条“{entry}”"
            if active
            else f"已停用词条“{entry}”；它列在“已停用”中，可重新启用",
        )
    return redirect(
        reverse("proofing:dictionary") + ("#inactive" if not active else f"#kind-{entry.kind}")
    )


@login_required
@require_POST
def entry_deactivate(request, entry_id: int):
    return _set_active(request, entry_id, False)


@login_required
@require_POST
def entry_enable(request, entry_id: int):
    return _set_active(request, entry_id, True)
