"""Writes of the back catalogue: an import with its report, and the editor's check."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import StoreResult, store_bulletin
from jianbao.bulletins.signals import issue_content_changed
from jianbao.catalogue.models import ImportReport
from jianbao.catalogue.reports import attention, build_report
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role
from jianbao.publishing.parsed import ParsedBulletin


class CheckRefused(JianbaoError):
    pass


@dataclass(frozen=True)
class ImportOutcome:
    stored: StoreResult
    report: ImportReport | None  # None: the archive had the same content already

    @property
    def issue(self) -> Issue:
        return self.stored.issue


@transaction.atomic
def import_bulletin(
    bulletin: ParsedBulletin,
    *,
    source_name: str,
    by=None,
    actor_name: str = "",
    replace: bool = False,
) -> ImportOutcome:
    """Store the bulletin and its review report together: the issue waits for an
    editor's check (a re-import too: its text is new). The same content again
    changes nothing, the check included."""
    stored = store_bulletin(
        bulletin,
        by=by,
        source_name=source_name,
        replace=replace,
        actor_name=actor_name,
        unchecked=True,
    )
    if stored.unchanged:
        return ImportOutcome(stored, None)
    data = build_report(bulletin, source_name=source_name)
    report, _ = ImportReport.objects.update_or_create(
        issue=stored.issue,
        defaults={
            "source_name": source_name[:300],
            "data": data,
            "attention": attention(data),
            "imported_at": timezone.now(),
            "checked_at": None,
            "checked_by": None,
            "checked_by_name": "",
        },
    )
    return ImportOutcome(stored, report)


def _require_editor(user) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以核对导入的往期")


@transaction.atomic
def mark_checked(issue: Issue, *, by) -> ImportReport:
    """The editor has read the report and fixed what needed fixing."""
    _require_editor(by)
    report = _locked_report(issue)
    if report.checked:
        raise CheckRefused(
            f"{report.issue.label} 已由{report.checked_by_name}"
            f"于{timezone.localtime(report.checked_at):%Y-%m-%d %H:%M}核对过"
        )
    report.checked_at, report.checked_by = timezone.now(), by
    report.checked_by_name = display_name(by)[:100]
    report.save(update_fields=["checked_at", "checked_by", "checked_by_name"])
    _set_unchecked(report.issue, False)
    record("catalogue.report.check", by=by, subject=report.issue)
    return report


@transaction.atomic
def mark_unchecked(issue: Issue, *, by, reason: str = "") -> ImportReport:
    """Undo a check: the issue waits for review again."""
    _require_editor(by)
    report = _locked_report(issue)
    if not report.checked:
        raise CheckRefused(f"{report.issue.label} 还没有核对")
    report.checked_at, report.checked_by, report.checked_by_name = None, None, ""
    report.save(update_fields=["checked_at", "checked_by", "checked_by_name"])
    _set_unchecked(report.issue, True)
    record("catalogue.report.uncheck", by=by, subject=report.issue, comment=reason.strip())
    return report


def _locked_report(issue: Issue) -> ImportReport:
    try:
        return (
            ImportReport.objects.select_for_update()
            .select_related("issue__series")
            .get(issue_id=issue.pk)
        )
    except ImportReport.DoesNotExist:
        raise CheckRefused(f"{issue.label} 不是导入的往期，没有导入报告") from None


def _set_unchecked(issue: Issue, value: bool) -> None:
    issue.import_unchecked = value
    issue.save(update_fields=["import_unchecked", "updated_at"])
    # Whether the public sees it may have changed: the index and caches follow.
    issue_content_changed.send(sender=Issue, issue=issue)
