"""A series' settings as the office keeps them: title lines, office, sections, lists, contacts.

Written by administrators from the desk (views_series) in proper forms, never as
raw JSON. Each save is one transaction with one ``bulletins.series.update``
history row naming the changed fields with their old and new values, the same
shape the admin writes (core.admin_tools.RecordedAdmin). New issues copy these
settings when they are created; issues already made keep their own. The print
settings (the 版记's page, the archival download) are read whenever a PDF is
made (bulletins.print_settings), and whether unchecked imports are public
whenever the site is shown, so they hold for every issue at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from jianbao.bulletins.models import Issue, Series, SeriesSection
from jianbao.bulletins.signals import issue_content_changed
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.publishing.ingest.text import CONTACT_KINDS

# For people reading the history row: which setting changed.
FIELD_LABELS = {
    "title": "简报名称",
    "name": "刊名",
    "office": "编发单位",
    "separate_review_and_sign": "审核与签发须由不同人员",
    "proof_errors_block_submission": "有未处理的审校错误时不能提交审核",
    "closing_on_even_page": "版记排在偶数页",
    "archival_pdf_download": "公开下载存档用 PDF/A-2b 版本",
    "imports_public_after_check": "导入的往期核对后才公开",
    "sections": "固定栏目",
    "default_distribution": "默认报送范围",
    "contacts": "联系方式",
}


class SettingsRefused(JianbaoError):
    """A setting that cannot be saved; ``field`` names the form field it belongs beside."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Contact:
    label: str
    value: str
    line: int


def can_edit_series(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.ADMIN)


def require_series_editor(user) -> None:
    if not can_edit_series(user):
        raise PermissionDenied("只有管理员可以修改简报系列设置")


def contact_kind(label: str) -> str:
    """The kind the importer gives a label (邮箱 → email), so outputs treat both alike."""
    return next((kind for word, kind in CONTACT_KINDS if word in label.lower()), "other")


def section_titles(series: Series) -> list[str]:
    return list(series.sections.order_by("position").values_list("title", flat=True))


def current_settings(series: Series) -> dict:
    return {
        "title": series.title,
        "name": series.name,
        "office": series.office,
        "separate_review_and_sign": series.separate_review_and_sign,
        "proof_errors_block_submission": series.proof_errors_block_submission,
        "closing_on_even_page": series.closing_on_even_page,
        "archival_pdf_download": series.archival_pdf_download,
        "imports_public_after_check": series.imports_public_after_check,
        "sections": section_titles(series),
        "default_distribution": {
            k: list(v) for k, v in (series.default_distribution or {}).items()
        },
        "contacts": numbered_lines([dict(c) for c in (series.contacts or [])]),
    }


def numbered_lines(rows: list[dict]) -> list[dict]:
    """Contact rows with their 版记 lines numbered 1, 2, … in order, the rows of one
    line kept together: only the grouping prints (render.pdf.contact_lines). The
    importer counts lines from 0 and the form from 1; without this the form would
    show an imported line 0 as 1 and merge it with line 1 on the next save."""
    ranks = {line: n for n, line in enumerate(sorted({r.get("line") or 0 for r in rows}), start=1)}
    return [{**r, "line": ranks[r.get("line") or 0]} for r in rows]


def _check_sections(titles: list[str]) -> list[str]:
    titles = [t.strip() for t in titles if t.strip()]
    if not titles:
        raise SettingsRefused("至少保留一个固定栏目", field="sections")
    seen: set[str] = set()
    for title in titles:
        if title in seen:
            raise SettingsRefused(f"栏目“{title}”重复", field="sections")
        seen.add(title)
    return titles


def _check_distribution(lists: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, names in lists.items():
        name = name.strip()
        if not name:
            continue
        if name in out:
            raise SettingsRefused(f"名单“{name}”出现了两次", field="default_distribution")
        out[name] = [n.strip() for n in names if n.strip()]
    return out


def _contact_rows(contacts: list[Contact]) -> list[dict]:
    rows = []
    for c in contacts:
        label, value = c.label.strip(), c.value.strip()
        if not (label or value):
            continue
        rows.append({"label": label, "value": value, "kind": contact_kind(label), "line": c.line})
    return rows


@transaction.atomic
def update_series(
    series: Series,
    *,
    by,
    title: str,
    name: str,
    office: str,
    separate_review_and_sign: bool,
    sections: list[str],
    default_distribution: dict[str, list[str]],
    contacts: list[Contact],
    proof_errors_block_submission: bool | None = None,
    closing_on_even_page: bool | None = None,
    archival_pdf_download: bool | None = None,
    imports_public_after_check: bool | None = None,
) -> list[str]:
    """Save the settings; return the labels of what changed (empty: nothing did)."""
    require_series_editor(by)
    series = Series.objects.select_for_update().get(pk=series.pk)
    before = current_settings(series)
    if not title.strip():
        raise SettingsRefused("请填写简报名称", field="title")
    if not name.strip():
        raise SettingsRefused("请填写刊名", field="name")
    after = {
        "title": title.strip(),
        "name": name.strip(),
        "office": office.strip(),
        "separate_review_and_sign": bool(separate_review_and_sign),
        # None (a caller that does not know the setting): unchanged.
        "proof_errors_block_submission": before["proof_errors_block_submission"]
        if proof_errors_block_submission is None
        else bool(proof_errors_block_submission),
        **_switches(
            before,
            closing_on_even_page=closing_on_even_page,
            archival_pdf_download=archival_pdf_download,
            imports_public_after_check=imports_public_after_check,
        ),
        "sections": _check_sections(sections),
        "default_distribution": _check_distribution(default_distribution),
        "contacts": numbered_lines(_contact_rows(contacts)),
    }
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return []
    for key in (
        "title",
        "name",
        "office",
        "separate_review_and_sign",
        "proof_errors_block_submission",
        "closing_on_even_page",
        "archival_pdf_download",
        "imports_public_after_check",
    ):
        setattr(series, key, after[key])
    series.default_distribution = after["default_distribution"]
    series.contacts = after["contacts"]
    series.save()
    if "sections" in changed:
        _write_sections(series, after["sections"])
    if "imports_public_after_check" in changed:
        # Unchecked imports appear on the site or leave it: the index follows.
        for issue in series.issues.filter(import_unchecked=True):
            issue_content_changed.send(sender=Issue, issue=issue)
    record(
        "bulletins.series.update",
        by=by,
        subject=series,
        data={
            "fields": changed,
            "before": {key: before[key] for key in changed},
            "after": {key: after[key] for key in changed},
        },
    )
    return [FIELD_LABELS[key] for key in changed]


def _switches(before: dict, **given: bool | None) -> dict[str, bool]:
    """On/off settings as given; None (a caller that does not know one): unchanged."""
    return {key: before[key] if value is None else bool(value) for key, value in given.items()}


def _write_sections(series: Series, titles: list[str]) -> None:
    """The series' sections become ``titles``, in that order.

    Nothing refers to a series' section by its id (an issue copies the titles
    when it is created), so the rows are written anew: no swap of two titles
    or places can trip the unique (series, title) constraint halfway.
    """
    series.sections.all().delete()
    SeriesSection.objects.bulk_create(
        SeriesSection(series=series, title=title, position=position)
        for position, title in enumerate(titles)
    )
