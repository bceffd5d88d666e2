"""The editorial desk. Views parse input and call services; services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from jianbao.bulletins import diffs, editing, workflow
from jianbao.bulletins.forms import (
    MARKUP,
    ArticleForm,
    CorrectionForm,
    IssueDateForm,
    MoveForm,
    NewIssueForm,
    TransitionForm,
    editor_html,
)
from jianbao.bulletins.models import Article, Issue, IssueRevision, Section, Series
from jianbao.bulletins.print_settings import pdf_settings_for, render_issue
from jianbao.bulletins.services import issue_to_bulletin, issues_with_content
from jianbao.core.errors import JianbaoError
from jianbao.core.history import history_of
from jianbao.core.models import Role
from jianbao.core.roles import has_role, roles_of
from jianbao.publishing.parsed import (
    IMAGE,
    ParsedArticle,
    bulletin_to_dict,
    printed_sections,
)
from jianbao.publishing.render.markdown import render_markdown

DESK_ROLES = (Role.EDITOR, Role.REVIEWER, Role.SIGNER)


def require_desk(user) -> None:
    if not any(has_role(user, r) for r in DESK_ROLES):
        raise PermissionDenied("需要编辑、审核或签发角色")


@login_required
def home(request):
    roles = roles_of(request.user)
    if not roles:
        from jianbao.network.membership import committee_seat

        # Review-committee members usually hold no desk role.
        if committee_seat(request.user):
            return redirect("network:applications")
    if roles == {Role.SUBMITTER}:
        return redirect("submissions:mine")
    waiting = [
        issue
        for issue in Issue.objects.exclude(state=Issue.State.PUBLISHED)
        .select_related("series")
        .order_by("-year", "-number")
        if workflow.WAITING_FOR.get(issue.state) in roles
    ]
    from jianbao.submissions.models import Submission

    intake = (
        Submission.objects.filter(state=Submission.State.RECEIVED).count()
        if Role.EDITOR in roles
        else None
    )
    return render(request, "bulletins/desk/home.html", {"waiting": waiting, "intake": intake})


@login_required
def issue_list(request):
    require_desk(request.user)
    issues = (
        Issue.objects.select_related("series")
        .prefetch_related("events")
        .order_by("-year", "-number")
    )
    return render(request, "bulletins/desk/issue_list.html", {"issues": issues})


@login_required
def issue_new(request):
    if not has_role(request.user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以新建一期")
    series = Series.objects.order_by("pk").first()
    if series is None:
        messages.error(request, "还没有简报系列：请先导入一期往期简报或在系统管理中新建")
        return redirect("desk:issues")
    last = series.issues.order_by("-running_number").first()
    year, number, running, planned = editing.proposed_numbers(series, today=timezone.localdate())
    form = NewIssueForm(
        request.POST or None,
        initial={"year": year, "number": number, "running_number": running, "date": planned},
    )
    if request.method == "POST" and form.is_valid():
        try:
            issue = editing.create_issue(series, by=request.user, **form.cleaned_data)
        except JianbaoError as exc:
            form.add_error("number", str(exc))
        else:
            messages.success(request, f"已新建 {issue.label}")
            return redirect("desk:issue", issue.pk)
    return render(
        request, "bulletins/desk/issue_new.html", {"form": form, "series": series, "last": last}
    )


@login_required
def issue_detail(request, issue_id: int):
    require_desk(request.user)
    issue = get_object_or_404(
        issues_with_content().prefetch_related("sections__articles__submissions"), pk=issue_id
    )
    can_edit = issue.state == Issue.State.EDITING and has_role(request.user, Role.EDITOR)
    if issue.state != Issue.State.EDITING:
        diffs.attach_submission_diffs(issue)
    actions = [
        (
            a,
            workflow.Action(a).label,
            workflow.TRANSITIONS[(issue.state, a)].needs_comment,
            workflow.confirmation(issue, a),
        )
        for a in workflow.allowed_actions(issue, request.user)
    ]
    return render(
        request,
        "bulletins/desk/issue_detail.html",
        {
            "issue": issue,
            "sections": issue.sections.all(),
            "can_edit": can_edit,
            "can_correct": issue.state in workflow.FROZEN_STATES
            and (has_role(request.user, Role.EDITOR) or has_role(request.user, Role.SIGNER)),
            "actions": actions,
            "events": issue.events.select_related("actor"),
            "edits": history_of(issue),
            "revisions": issue.revisions.all(),
            "pdf_url": reverse("desk:pdf", args=[issue.pk]),
            "date_form": IssueDateForm(initial={"date": issue.date}) if can_edit else None,
        },
    )


@login_required
@require_POST
def issue_transition(request, issue_id: int):
    require_desk(request.user)
    issue = get_object_or_404(Issue, pk=issue_id)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            issue = workflow.transition(
                issue,
                form.cleaned_data["action"],
                by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except JianbaoError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{issue.label} 现为“{issue.get_state_display()}”")
    return redirect("desk:issue", issue.pk)


@login_required
@require_POST
def issue_date(request, issue_id: int):
    issue = get_object_or_404(Issue, pk=issue_id)
    form = IssueDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "印发日期的写法不对，请按 年-月-日 选择")
    else:
        try:
            editing.set_issue_date(issue, by=request.user, date=form.cleaned_data["date"])
        except JianbaoError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已保存印发日期")
    return redirect("desk:issue", issue.pk)


@xframe_options_sameorigin
@login_required
def issue_preview(request, issue_id: int):
    from jianbao.publishing.render.html import responsive_picture, web_sections

    require_desk(request.user)
    issue = get_object_or_404(Issue, pk=issue_id)
    bulletin = issue_to_bulletin(issue)
    # The same blocks the PDF prints, drawn by the web pages' shared block partial;
    # pictures at the width the PDF gives them.
    sections = web_sections(bulletin, picture=responsive_picture)
    settings = pdf_settings_for(issue.series)
    for section, printed in zip(sections, printed_sections(bulletin), strict=True):
        for article, parsed in zip(section["articles"], printed.articles, strict=True):
            article["runs"] = _preview_runs(article["blocks"], parsed.blocks, settings)
    return render(
        request,
        "bulletins/desk/preview.html",
        {"issue": issue, "b": bulletin_to_dict(bulletin), "sections": sections},
    )


def _preview_runs(web: list[dict], blocks, settings) -> list[dict]:
    """Runs of blocks for the shared partial, and each picture on its own with the
    share of the text width it prints at (render.pdf.picture_width) with the
    series' PdfSettings."""
    from jianbao.publishing.render.pdf import picture_width

    runs: list[dict] = []
    for item, block in zip(web, blocks, strict=True):
        if block.kind == IMAGE:
            share = picture_width(block, settings) / settings.block_width
            runs.append({"picture": item["figure"], "percent": f"{100 * share:.1f}"})
        elif runs and "blocks" in runs[-1]:
            runs[-1]["blocks"].append(item)
        else:
            runs.append({"blocks": [item]})
    return runs


@login_required
def issue_pdf(request, issue_id: int):
    """The PDF on demand, for any state, so reviewers see exactly what will be signed
    (laid out by the series' settings; the archival PDF/A differs only in metadata)."""
    require_desk(request.user)
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)
    try:
        pdf = render_issue(issue, "pdf")
    except JianbaoError as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", issue.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{issue.key}.pdf"'
    return response


@login_required
def issue_markdown(request, issue_id: int):
    require_desk(request.user)
    issue = get_object_or_404(Issue, pk=issue_id)
    return HttpResponse(
        render_markdown(issue_to_bulletin(issue)), content_type="text/plain; charset=utf-8"
    )


def _article_for_edit(request, article_id: int) -> Article:
    article = get_object_or_404(Article.objects.select_related("section__issue"), pk=article_id)
    editing.access_issue_for_edit(request.user, article.section.issue_id)
    return article


@login_required
def article_edit(request, article_id: int):
    try:
        article = _article_for_edit(request, article_id)
    except editing.IssueFrozen as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", get_object_or_404(Article, pk=article_id).section.issue_id)
    issue = article.section.issue
    initial = {
        "title": article.title,
        "toc_title": article.toc_title,
        "credit": article.credit,
        "body": editing.body_text(article),
        "body_html": editor_html(editing.article_blocks(article)),
        "body_format": MARKUP,
        "version": article.version,
    }
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = editing.update_article(article, by=request.user, **form.cleaned_data)
        except editing.EditConflict as exc:
            # Keep what this editor typed; show the other person's change beside it.
            form.add_error(None, str(exc))
            conflict = _conflict_view(exc, form.cleaned_data)
            form.data = form.data.copy()
            form.data["version"] = exc.article.version
        except JianbaoError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存《{saved.title}》")
            if request.headers.get("HX-Request"):
                # Edited in place: reload the page so the list and preview agree.
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
            return redirect(f"{issue_url(issue)}#article-{article.pk}")
    template = (
        "bulletins/desk/_article_inline_form.html"
        if request.headers.get("HX-Request")
        else "bulletins/desk/article_form.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "article": article,
            "issue": issue,
            "conflict": conflict,
            "plain": "plain" in request.GET,
        },
    )


def _conflict_view(exc, mine: dict) -> dict:
    """What the colleague saved, against what this editor posted, marked inline."""
    blocks = mine.get("blocks")
    if blocks is None:
        blocks = editing.blocks_from_body(mine.get("body") or "")
    yours = ParsedArticle(
        title=mine.get("title") or "",
        toc_title=mine.get("toc_title") or "",
        credit=mine.get("credit") or "",
        blocks=tuple(blocks),
    )
    saved = diffs.stored_article(exc.article)
    return {
        "event": exc.event,
        "diff": diffs.article_diff(saved, yours),
        # The colleague's version whole, to read before merging.
        "saved": saved,
    }


def issue_url(issue: Issue) -> str:
    return reverse("desk:issue", args=[issue.pk])


@login_required
def article_new(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("issue"), pk=section_id)
    try:
        editing.access_issue_for_edit(request.user, section.issue_id)
    except editing.IssueFrozen as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", section.issue_id)
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            article = editing.add_article(section.issue, section, by=request.user, **data)
        except JianbaoError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加《{article.title}》")
            return redirect("desk:issue", section.issue_id)
    return render(
        request,
        "bulletins/desk/article_form.html",
        {"form": form, "issue": section.issue, "section": section, "plain": "plain" in request.GET},
    )


@login_required
@require_POST
def picture_upload(request):
    """A picture for the rich editor: checked and stored, or refused with the reason.

    The editor inserts the stored name; the article keeps it only when saved.
    """
    from jianbao.publishing import pictures

    if not has_role(request.user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以上传图片")
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "请选择要上传的图片文件"}, status=400)
    try:
        stored = pictures.accept(upload.read(), filename=upload.name)
    except JianbaoError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {
            "name": stored.name,
            "width": stored.width,
            "height": stored.height,
            "url": pictures.variant_url(stored.name, 960, "jpg"),
        }
    )


@login_required
@require_POST
def article_move(request, article_id: int):
    """The keyboard and no-JavaScript way to reorder: up, down, or to another section."""
    try:
        article = _article_for_edit(request, article_id)
    except editing.IssueFrozen as exc:
        messages.error(request, str(exc))
        return redirect("desk:issue", get_object_or_404(Article, pk=article_id).section.issue_id)
    issue = article.section.issue
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        position = article.position + (-1 if direction == "up" else 1)
        editing.move_article(article, by=request.user, section=article.section, position=position)
    else:
        form = MoveForm(request.POST, issue=issue)
        if not form.is_valid():
            messages.error(request, "请选择目标栏目")
            return redirect("desk:issue", issue.pk)
        section = form.cleaned_data["section"]
        position = form.cleaned_data["position"]
        try:
            editing.move_article(
                article,
                by=request.user,
                section=section,
                position=section.articles.count() if position is None else position,
            )
        except JianbaoError as exc:
            messages.error(request, str(exc))
            return redirect("desk:issue", issue.pk)
    messages.success(request, f"已移动《{article.title}》；如需撤销，请点本页的“撤销”")
    return redirect(f"{issue_url(issue)}#article-{article.pk}")


@login_required
@require_POST
def section_reorder(request, section_id: int):
    """Drag and drop (htmx + Sortable) sends the section's new order of article ids."""
    section = get_object_or_404(Section, pk=section_id)
    try:
        ids = [int(i) for i in request.POST.getlist("article")]
        editing.reorder_section(section, by=request.user, article_ids=ids)
    except (ValueError, JianbaoError) as exc:
        return HttpResponse(str(exc), status=409)
    return HttpResponse(status=204)


@login_required
@require_POST
def article_delete(request, article_id: int):
    article = get_object_or_404(Article.objects.select_related("section"), pk=article_id)
    issue_id = article.section.issue_id
    try:
        editing.delete_article(article, by=request.user)
    except editing.IssueFrozen as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除《{article.title}》")
    return redirect("desk:issue", issue_id)


@login_required
def article_correct(request, article_id: int):
    article = get_object_or_404(Article.objects.select_related("section__issue"), pk=article_id)
    issue = article.section.issue
    if not (has_role(request.user, Role.EDITOR) or has_role(request.user, Role.SIGNER)):
        raise PermissionDenied("勘误需要“编辑”或“签发”角色")
    initial = {
        "title": article.title,
        "toc_title": article.toc_title,
        "credit": article.credit,
        "body": editing.body_text(article),
    }
    if issue.import_unchecked:
        initial["note"] = "导入核对：改正导入时读错的文字"
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            revision = editing.correct_article(article, by=request.user, **form.cleaned_data)
        except JianbaoError as exc:
            form.add_error(None, str(exc))
        else:
            if revision.import_fix:
                messages.success(request, f"已保存对《{article.title}》的更正（导入核对）")
                return redirect("catalogue:report", issue.pk)
            messages.success(request, f"已记录勘误{revision.number}")
            return redirect("desk:revision", revision.pk)
    return render(
        request,
        "bulletins/desk/article_form.html",
        {
            "form": form,
            "article": article,
            "issue": issue,
            "correction": True,
            "import_fix": issue.import_unchecked,
        },
    )


@login_required
def revision_detail(request, revision_id: int):
    require_desk(request.user)
    revision = get_object_or_404(IssueRevision.objects.select_related("issue"), pk=revision_id)
    issue = revision.issue

    # What the correction changed, marked in the text as the reviewer's comparison is.
    table = diffs.revision_diff(revision)
    return render(
        request,
        "bulletins/desk/revision.html",
        {"revision": revision, "issue": issue, "table": table},
    )
