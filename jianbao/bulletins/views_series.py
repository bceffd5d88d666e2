"""The desk's pages for a series' settings: for administrators (管理员).

Views parse the forms and call bulletins.series_settings; a refusal comes back
beside the field, a save as a message naming what changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from jianbao.bulletins import series_settings as services
from jianbao.bulletins.forms_series import SeriesSettingsForms
from jianbao.bulletins.models import Series


@login_required
def series_list(request):
    services.require_series_editor(request.user)
    series = Series.objects.order_by("pk")
    return render(request, "bulletins/desk/series/series_list.html", {"series_list": series})


@login_required
def series_edit(request, series_id: int):
    services.require_series_editor(request.user)
    series = get_object_or_404(Series, pk=series_id)
    forms = SeriesSettingsForms(series, request.POST if request.method == "POST" else None)
    if request.method == "POST" and forms.is_valid():
        try:
            changed = services.update_series(series, by=request.user, **forms.values())
        except services.SettingsRefused as exc:
            forms.add_error(exc.field, str(exc))
        else:
            if changed:
                series.refresh_from_db()  # named as saved, after a new title
                messages.success(request, _saved_message(series, changed))
            else:
                messages.info(request, "设置没有改动")
            return redirect("desk:series_edit", series.pk)
    return render(
        request,
        "bulletins/desk/series/series_form.html",
        {"series": series, "forms": forms, "several": Series.objects.count() > 1},
    )


# Read from the series whenever an issue is printed, proofed or moved on, so they
# hold for every issue at once (the masthead too: issue_to_bulletin reads it);
# sections, 报/送 and contacts are copied into an issue when it is created.
IMMEDIATE = {
    services.FIELD_LABELS[name]
    for name in (
        "title",
        "name",
        "office",
        "separate_review_and_sign",
        "proof_errors_block_submission",
        "closing_on_even_page",
        "archival_pdf_download",
        "imports_public_after_check",
    )
}


def _saved_message(series, changed: list[str]) -> str:
    now = [label for label in changed if label in IMMEDIATE]
    later = [label for label in changed if label not in IMMEDIATE]
    if now and later:
        when = f"其中{'、'.join(now)}对各期立即生效，{'、'.join(later)}由此后新建的各期采用"
    else:
        when = "对各期立即生效" if now else "由此后新建的各期采用"
    return f"已保存“{series}”的设置：修改了{'、'.join(changed)}；{when}"
