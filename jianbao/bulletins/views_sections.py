"""The desk's pages and actions for an issue's sections, its 导读 and its 编者按.

Views parse input and call bulletins.sections; every refusal comes back as a
message (or beside the field) and every change as a message saying what changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jianbao.bulletins import sections as services
from jianbao.bulletins.editing import IssueFrozen, access_issue_for_edit
from jianbao.bulletins.forms_sections import (
    DirectionForm,
    EditorNoteForm,
    SectionForm,
    SwitchForm,
    TocForm,
)
from jianbao.bulletins.models import Issue, Section
from jianbao.bulletins.views import require_desk
from jianbao.core.errors import JianbaoError
from jianbao.core.models import Role
from jianbao.core.roles import has_role


def _at(section_or_issue) -> str:
    if isinstance(section_or_issue, Section):
        return reverse("desk:issue", args=[section_or_issue.issue_id]) + (
            f"#sec-{section_or_issue.pk}"
        )
    return reverse("desk:issue", args=[section_or_issue.pk]) + "#sections-extra"


def _editable_issue(request, issue_id: int):
    """The issue for editing, or a redirect to its page with the reason (frozen)."""
    get_object_or_404(Issue, pk=issue_id)
    try:
        return access_issue_for_edit(request.user, issue_id), None
    except IssueFrozen as exc:
        messages.error(request, str(exc))
        return None, redirect("desk:issue", issue_id)


def _refused(request, exc: JianbaoError, where):
    messages.error(request, str(exc))
    return redirect(where)


@login_required
def section_add(request, issue_id: int):
    issue, frozen = _editable_issue(request, issue_id)
    if frozen:
        return frozen
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            section = services.add_section(issue, by=request.user, **form.cleaned_data)
        except services.SectionRefused as exc:
            form.add_error(exc.field or None, str(exc))
        except IssueFrozen as exc:
            return _refused(request, exc, reverse("desk:issue", args=[issue.pk]))
        else:
            messages.success(request, f"已添加栏目“{section.title}”（仅本期，排在最后）")
            return redirect(_at(section))
    return render(
        request,
        "bulletins/desk/sections/section_form.html",
        {"issue": issue, "form": form, "section": None},
    )


@login_required
def section_rename(request, section_id: int):
    section = get_object_or_404(Section, pk=section_id)
    issue, frozen = _editable_issue(request, section.issue_id)
    if frozen:
        return frozen
    form = SectionForm(
        request.POST or None, initial={"title": section.title, "toc_title": section.toc_title}
    )
    if request.method == "POST" and form.is_valid():
        old = section.title
        try:
            section = services.rename_section(section, by=request.user, **form.cleaned_data)
        except services.SectionRefused as exc:
            form.add_error(exc.field or None, str(exc))
        except IssueFrozen as exc:
            return _refused(request, exc, reverse("desk:issue", args=[issue.pk]))
        else:
            if old != section.title:
                messages.success(request, f"栏目“{old}”已改名为“{section.title}”（仅本期）")
            else:
                messages.success(request, f"已保存栏目“{section.title}”")
            return redirect(_at(section))
    return render(
        request,
        "bulletins/desk/sections/section_form.html",
        {"issue": issue, "form": form, "section": section},
    )


def _switch(request, section_id: int, change, said):
    section = get_object_or_404(Section, pk=section_id)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        return _refused(request, JianbaoError("请求不完整，请重试"), _at(section))
    on = form.cleaned_data["on"]
    try:
        section = change(section, by=request.user, on=on)
    except JianbaoError as exc:
        return _refused(request, exc, _at(section))
    messages.success(request, said(section, on))
    return redirect(_at(section))


@login_required
@require_POST
def section_hide(request, section_id: int):
    return _switch(
        request,
        section_id,
        lambda s, by, on: services.set_section_hidden(s, by=by, hidden=on),
        lambda s, on: (
            f"栏目“{s.title}”本期已隐藏，不会出现在任何版本中"
            if on
            else f"栏目“{s.title}”已恢复显示"
        ),
    )


@login_required
@require_POST
def section_keep(request, section_id: int):
    return _switch(
        request,
        section_id,
        lambda s, by, on: services.set_keep_when_empty(s, by=by, keep=on),
        lambda s, on: (
            f"栏目“{s.title}”没有文章时也会印出栏目名"
            if on
            else f"栏目“{s.title}”没有文章时不再印出"
        ),
    )


@login_required
@require_POST
def section_move(request, section_id: int):
    section = get_object_or_404(Section, pk=section_id)
    form = DirectionForm(request.POST)
    if not form.is_valid():
        return _refused(request, JianbaoError("请选择上移或下移"), _at(section))
    direction = form.cleaned_data["direction"]
    try:
        section = services.move_section(section, by=request.user, direction=direction)
    except JianbaoError as exc:
        return _refused(request, exc, _at(section))
    messages.success(
        request, f"栏目“{section.title}”已{'上移' if direction == 'up' else '下移'}一位"
    )
    return redirect(_at(section))


@login_required
@require_POST
def section_delete(request, section_id: int):
    section = get_object_or_404(Section, pk=section_id)
    issue = section.issue
    try:
        services.delete_section(section, by=request.user)
    except JianbaoError as exc:
        return _refused(request, exc, _at(section))
    messages.success(request, f"已从本期删除空栏目“{section.title}”（简报系列的固定栏目不变）")
    return redirect(_at(issue))


@login_required
def issue_toc(request, issue_id: int):
    """The 导读 as the reader sees it; editors change its lines while 编辑中."""
    require_desk(request.user)
    issue = get_object_or_404(Issue.objects.select_related("series"), pk=issue_id)
    can_edit = issue.state == Issue.State.EDITING and has_role(request.user, Role.EDITOR)
    if request.method == "POST" and not can_edit:
        issue, frozen = _editable_issue(request, issue.pk)  # 403, or why it is frozen
        if frozen:
            return frozen
    toc = services.issue_toc(issue)
    form = TocForm(request.POST or None, toc=toc)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.save_toc(
                issue,
                by=request.user,
                lines=form.lines,
                versions=form.versions,
                headings=form.headings,
            )
        except services.SectionRefused as exc:
            form.add_error(exc.field or None, str(exc))
        except services.TocConflict as exc:
            # The editor's lines stay on the page, now against the newer versions:
            # saving again is a choice made knowing what changed.
            data = request.POST.copy()
            for article in exc.articles:
                data[f"version-{article.pk}"] = str(article.version)
            form = TocForm(data, toc=services.issue_toc(issue))
            form.is_valid()
            form.add_error(None, str(exc))
        except JianbaoError as exc:
            form.add_error(None, str(exc))
        else:
            if changed:
                names = "、".join(f"《{a.title}》" for a in changed)
                messages.success(request, f"已保存导读：{names}的导读标题已修改")
            else:
                messages.success(request, "已保存导读")
            return redirect("desk:toc", issue.pk)
    return render(
        request,
        "bulletins/desk/sections/toc.html",
        {
            "issue": issue,
            "toc": toc,
            "form": form,
            "can_edit": can_edit,
            "note_form": EditorNoteForm(initial={"editor_note": issue.editor_note}),
        },
    )


@login_required
@require_POST
def issue_editor_note(request, issue_id: int):
    issue, frozen = _editable_issue(request, issue_id)
    if frozen:
        return frozen
    form = EditorNoteForm(request.POST)
    if form.is_valid():
        try:
            issue = services.set_editor_note(
                issue, by=request.user, text=form.cleaned_data["editor_note"]
            )
        except JianbaoError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已保存编者按" if issue.editor_note else "已去掉编者按")
    else:
        messages.error(request, "编者按未保存，请重试")
    return redirect(reverse("desk:toc", args=[issue.pk]) + "#editor-note")
