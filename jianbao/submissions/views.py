from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

# Imported for its receiver: the submitters' mail when an issue is published.
from jianbao.bulletins import notifications  # noqa: F401
from jianbao.bulletins.models import Issue
from jianbao.core.downloads import stored_file_response
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.network.models import Organisation
from jianbao.network.selectors import alliances_of
from jianbao.submissions import services
from jianbao.submissions.forms import (
    AcceptForm,
    BatchAcceptForm,
    CommentForm,
    QueueFilterForm,
    ReviseForm,
    SubmissionForm,
)
from jianbao.submissions.models import Submission

# The labels of a submission's history live with its writes; imported by name here too.
from jianbao.submissions.services import EVENT_LABELS, event_label  # noqa: F401


def state_text(submission: Submission) -> str:
    """已采用（2023年第2期）: the state, with the year of the issue that used it."""
    issue = submission.issue if submission.issue_id else None
    if submission.state == Submission.State.USED and issue is not None:
        return f"已采用（{issue.year}年第{issue.number}期）"
    return submission.get_state_display()


def public_issue_url(issue: Issue | None) -> str:
    """The public page of the issue, once it is published (never before)."""
    if issue is None or issue.state != Issue.State.PUBLISHED:
        return ""
    return reverse("archive:issue_detail", args=[issue.year, issue.number])


def _label_state(submission: Submission) -> Submission:
    submission.state_text = state_text(submission)
    submission.issue_url = public_issue_url(submission.issue if submission.issue_id else None)
    return submission


def _require_submitter(user) -> None:
    if not has_role(user, Role.SUBMITTER):
        raise PermissionDenied("需要“联盟秘书处”角色")


@login_required
def mine(request):
    _require_submitter(request.user)
    items = Submission.objects.filter(alliance__in=alliances_of(request.user)).select_related(
        "issue", "alliance"
    )
    return render(request, "submissions/mine.html", {"items": [_label_state(s) for s in items]})


@login_required
def new(request):
    _require_submitter(request.user)
    alliances = alliances_of(request.user)
    form = SubmissionForm(request.POST or None, request.FILES or None, alliances=alliances)
    if request.method == "GET" and alliances.count() == 1:
        form.initial["credit"] = services.default_credit(alliances.first())
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            # Files are read by the worker after submission, never in a request.
            try:
                paragraphs = services.limited_paragraphs(data["body"], "正文")
            except JianbaoError as exc:
                form.add_error("body", str(exc))
            else:
                preview = {
                    "title": data["title"],
                    "paragraphs": paragraphs,
                    "credit": data["credit"] or services.default_credit(data["alliance"]),
                    "files": [f.name for f in data["files"]],
                }
                form = SubmissionForm(
                    initial={
                        "alliance": data["alliance"],
                        "title": data["title"],
                        "body": data["body"],
                        "credit": preview["credit"],
                    },
                    alliances=alliances,
                )
        else:
            try:
                submission = services.submit(
                    by=request.user,
                    alliance=data["alliance"],
                    title=data["title"],
                    body=data["body"],
                    credit=data["credit"],
                    files=data["files"],
                )
            except services.AttachmentRefused as exc:
                form.add_error("files", str(exc))
            except JianbaoError as exc:
                form.add_error(None, str(exc))
            else:
                if submission.state == Submission.State.PROCESSING:
                    messages.success(request, "已收到投稿，正在读取附件")
                    return redirect("submissions:detail", submission.pk)
                messages.success(request, f"已收到《{submission.title}》，谢谢投稿")
                return redirect("submissions:mine")
    return render(request, "submissions/new.html", {"form": form, "preview": preview})


@login_required
def detail(request, submission_id: int):
    submission = _label_state(services.access_submission(request.user, submission_id))
    events = list(submission.events.select_related("actor"))
    for event in events:
        event.label = event_label(event.action)
    context = {
        "submission": submission,
        "events": events,
        "attachments": submission.attachments.all(),
    }
    if has_role(request.user, Role.EDITOR):
        editable = Issue.objects.filter(state=Issue.State.EDITING).select_related("series")
        issue = editable.order_by("-year", "-number").first()
        suggested = services.suggest_section(submission, issue.series) if issue else None
        context.update(
            duplicates=services.near_duplicates(submission),
            suggested=suggested,
            editable_issues=editable,
            sections=issue.series.sections.order_by("position") if issue else [],
            accept_form=AcceptForm(initial={"issue": issue, "section": suggested}),
        )
    return render(request, "submissions/detail.html", context)


@login_required
@require_safe
def attachment(request, submission_id: int, attachment_id: int):
    """One attached file, as a download: for the sending alliance and the editors."""
    submission = services.access_submission(request.user, submission_id)
    stored = get_object_or_404(submission.attachments, pk=attachment_id)
    return stored_file_response(
        stored.file,
        original_name=stored.original_name,
        pk=stored.pk,
        stored_type=stored.content_type,
    )


@login_required
def status(request, submission_id: int):
    """Polled by the page of a submission being read; a full reload once it is done."""
    submission = services.access_submission(request.user, submission_id)
    if submission.state == Submission.State.PROCESSING:
        return render(request, "submissions/processing.html", {"submission": submission})
    return HttpResponse(f"处理完毕：{state_text(submission)}", headers={"HX-Refresh": "true"})


@login_required
def revise(request, submission_id: int):
    submission = services.access_submission(request.user, submission_id)
    # Only the alliance revises its item; editors edit the article instead.
    services.require_alliance(request.user, submission.alliance)
    form = ReviseForm(
        request.POST or None,
        initial={
            "title": submission.title,
            "body": "\n".join(submission.paragraphs),
            "credit": submission.credit,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.revise(submission, by=request.user, **form.cleaned_data)
        except JianbaoError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已重新提交")
            return redirect("submissions:mine")
    return render(request, "submissions/revise.html", {"form": form, "submission": submission})


def _require_editor(user) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied("需要“编辑”角色")


@login_required
def queue(request):
    _require_editor(request.user)
    alliances = Organisation.objects.filter(submissions__isnull=False).distinct()
    form = QueueFilterForm(request.GET or None, alliances=alliances)
    items = Submission.objects.select_related("alliance", "issue")
    if form.is_valid():
        data = form.cleaned_data
        if data["alliance"]:
            items = items.filter(alliance=data["alliance"])
        if data["state"]:
            items = items.filter(state=data["state"])
        if data["since"]:
            items = items.filter(created_at__date__gte=data["since"])
        if data["until"]:
            items = items.filter(created_at__date__lte=data["until"])
    elif not request.GET:
        items = items.filter(state=Submission.State.RECEIVED)
    batch = BatchAcceptForm()
    issue = batch.fields["issue"].queryset.first()
    # One suggestion per alliance, not one history query per row.
    suggestions: dict[int | None, str | None] = {}
    rows = []
    for submission in items[:200]:
        if issue and submission.alliance_id not in suggestions:
            suggestions[submission.alliance_id] = services.suggest_section(submission, issue.series)
        _label_state(submission)
        rows.append((submission, suggestions.get(submission.alliance_id)))
    return render(
        request,
        "submissions/queue.html",
        {
            "form": form,
            "rows": rows,
            "batch": batch,
            "acceptable": any(s.state == Submission.State.RECEIVED for s, _ in rows),
        },
    )


def _choices_of(issue: Issue, submissions) -> list[dict]:
    """Each item with the sections it may go to in this issue, its suggestion preselected."""
    sections = list(issue.sections.filter(is_hidden=False).order_by("position"))
    titles = [section.title for section in sections]
    suggestions: dict[int | None, str | None] = {}
    out = []
    for submission in submissions:
        if submission.alliance_id not in suggestions:
            suggestions[submission.alliance_id] = services.suggest_section(submission, issue.series)
        suggested = suggestions[submission.alliance_id]
        out.append(
            {
                "submission": submission,
                "sections": sections,
                "suggested": suggested if suggested in titles else None,
                "chosen": suggested if suggested in titles else (titles[-1] if titles else ""),
            }
        )
    return out


@login_required
def batch_accept(request):
    """Step two of the queue's batch accept: confirm the sections, then accept all at once."""
    _require_editor(request.user)
    form = BatchAcceptForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("submissions:queue")
    issue = form.cleaned_data["issue"]
    submissions = list(
        form.cleaned_data["item"].select_related("alliance").order_by("created_at", "pk")
    )
    choices = _choices_of(issue, submissions)
    error = ""
    if request.method == "POST":
        by_title = {section.title: section for section in choices[0]["sections"]} if choices else {}
        pairs = []
        for choice in choices:
            submission = choice["submission"]
            title = request.POST.get(f"section-{submission.pk}", "")
            choice["chosen"] = title
            if title not in by_title:
                error = f"请为《{submission.title}》选择 {issue.label} 的栏目"
                break
            pairs.append((submission, by_title[title]))
        if not error:
            try:
                services.accept_many(pairs, issue=issue, by=request.user)
            except services.BatchRefused as exc:
                error = str(exc)
            else:
                where = "；".join(f"《{s.title}》→“{section.title}”" for s, section in pairs)
                messages.success(request, f"已采用 {len(pairs)} 篇稿件到 {issue.label}：{where}")
                return redirect("desk:issue", issue.pk)
    return render(
        request,
        "submissions/batch_accept.html",
        {"issue": issue, "choices": choices, "error": error},
    )


@login_required
@require_POST
def decide(request, submission_id: int):
    submission = services.access_submission(request.user, submission_id)
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            form = AcceptForm(request.POST)
            if not form.is_valid():
                raise JianbaoError("请选择要采用到的一期和栏目")
            issue = form.cleaned_data["issue"]
            section = issue.sections.filter(title=form.cleaned_data["section"]).first()
            if section is None:
                raise JianbaoError(f"{issue.label} 没有栏目“{form.cleaned_data['section']}”")
            services.accept_into(submission, issue=issue, section=section, by=request.user)
            messages.success(request, f"已采用到 {issue.label}「{section.title}」")
            return redirect("desk:issue", issue.pk)
        comment = CommentForm(request.POST).data.get("comment", "")
        if decision == "return":
            services.return_with_comment(submission, by=request.user, comment=comment)
            messages.success(request, "已退回修改")
        elif decision == "reject":
            services.reject(submission, by=request.user, comment=comment)
            messages.success(request, "已标记为未采用")
        else:
            raise JianbaoError("未知的操作")
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return redirect("submissions:detail", submission.pk)
    return redirect("submissions:queue")
