"""Writes of the back catalogue: an import with its report, and the editor's check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import StoreResult, store_bulletin
from jianbao.bulletins.signals import issue_content_changed
from jianbao.catalogue.models import ImportJob, ImportReport
from jianbao.catalogue.reports import attention, build_report
from jianbao.core.errors import IssueAlreadyExists, JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role
from jianbao.publishing.parsed import ParsedBulletin

logger = logging.getLogger("jianbao.catalogue")


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


# --- Files uploaded on the desk, imported by the worker ----------------------------------


class UploadRefused(JianbaoError):
    pass


def queue_imports(uploads, *, by, replace: bool = False) -> list[ImportJob]:
    """Keep the uploaded files and queue one import each; all or none are kept.

    ``uploads``: (name, file, size) triples. The reading (OCR, LibreOffice) is the
    worker's: no request waits for it."""
    from django.conf import settings

    from jianbao.publishing.ingest import BULLETIN_SUFFIXES, PAGE_IMAGE_SUFFIXES

    _require_editor(by)
    if not uploads:
        raise UploadRefused("请选择要导入的文件")
    limit = settings.JIANBAO_MAX_IMPORT_BYTES
    for name, _file, size in uploads:
        suffix = PurePath(name).suffix.lower()
        if suffix not in (*BULLETIN_SUFFIXES, *PAGE_IMAGE_SUFFIXES):
            raise UploadRefused(
                f"{name}：不是可导入的简报文件（可导入 .pdf、.docx、.doc、.wps、.txt、.md、"
                ".json 和页面图片 .png、.jpg、.tif）"
            )
        if size > limit:
            raise UploadRefused(
                f"{name}：文件过大（{size / 1048576:.0f} MB，上限 {limit // 1048576} MB）"
            )
    jobs: list[ImportJob] = []
    kept = []
    try:
        with transaction.atomic():
            for name, file, size in uploads:
                job = ImportJob(original_name=name[:300], size=size, replace=replace, created_by=by)
                job.file.save(_stored_name(name), file, save=False)
                kept.append(job.file)
                job.save()
                jobs.append(job)
            record(
                "catalogue.import.queue",
                by=by,
                comment="、".join(j.original_name for j in jobs),
                data={"jobs": [j.pk for j in jobs], "replace": replace},
            )
            ids = [j.pk for j in jobs]
            transaction.on_commit(lambda: _enqueue(ids))
    except BaseException:
        for field in kept:  # the rows rolled back; their files must go too
            field.storage.delete(field.name)
        raise
    return jobs


def _stored_name(name: str) -> str:
    # The stored name is ours (the original is kept in the row): no path, no surprises.
    return f"import{PurePath(name).suffix.lower()[:8]}"


def _enqueue(ids: list[int]) -> None:
    from jianbao.catalogue.tasks import run_import

    for pk in ids:
        run_import.enqueue(pk)


def run_import_job(job_id: int) -> str:
    """The worker's half: read the file outside any transaction (it may take a
    minute for a scan), then store it and the outcome in one."""
    from jianbao.bulletins.services import known_section_titles
    from jianbao.publishing.ingest import parse_bulletin_bytes

    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).first()
    if job is None:
        return "skipped"
    parsed, reason = None, ""
    try:
        with job.file.open("rb") as stored:
            data = stored.read()
        parsed = parse_bulletin_bytes(
            data, job.original_name, known_sections=known_section_titles()
        )
    except JianbaoError as exc:
        reason = str(exc)
    except Exception:  # a reader's bug on one file must not leave it queued for ever
        logger.exception("import job %s: reading %s failed", job_id, job.original_name)
        reason = f"{job.original_name}：读取时出错，未导入"
    return _finish(job_id, parsed, reason)


@transaction.atomic
def _finish(job_id: int, parsed, reason: str) -> str:
    job = (
        ImportJob.objects.select_for_update()
        .filter(pk=job_id, state=ImportJob.State.QUEUED)
        .first()
    )
    if job is None:
        return "skipped"  # another worker finished it
    if parsed is not None:
        try:
            with transaction.atomic():
                outcome = import_bulletin(
                    parsed, source_name=job.original_name, by=job.created_by, replace=job.replace
                )
        except IssueAlreadyExists as exc:
            reason = f"{job.original_name}：{exc}；如需覆盖，请勾选“覆盖已有的同一期”再上传"
        except JianbaoError as exc:
            reason = str(exc)
    if reason:
        job.state, job.message = ImportJob.State.REFUSED, reason
    elif outcome.report is None:
        job.state, job.issue = ImportJob.State.SKIPPED, outcome.issue
        job.message = f"{outcome.issue.label} 已在归档中，内容相同"
    else:
        job.state, job.issue = ImportJob.State.DONE, outcome.issue
        job.message = (
            f"{outcome.issue.label}：{len(parsed.sections)} 个栏目、{len(parsed.articles)} 篇文章，"
            f"{outcome.report.attention} 项待核对"
        )
    job.save(update_fields=["state", "message", "issue", "updated_at"])
    return job.state


def recover_queued(*, older_than: timedelta = timedelta(minutes=30)) -> int:
    """Queue again the imports a dead worker left queued; a second run is harmless."""
    stale = ImportJob.objects.filter(
        state=ImportJob.State.QUEUED, updated_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    ids = list(stale)
    if ids:
        _enqueue(ids)
    return len(ids)
