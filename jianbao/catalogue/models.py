"""What an import found in a file, kept beside the issue until an editor has checked it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jianbao.bulletins.models import Issue


class ImportReport(models.Model):
    """The review report of the latest import of an issue (catalogue.reports makes ``data``)."""

    issue = models.OneToOneField(
        Issue, on_delete=models.CASCADE, related_name="import_report", verbose_name="期"
    )
    source_name = models.CharField("导入来源", max_length=300, blank=True)
    data = models.JSONField("报告内容")
    # How many items the report asks an editor to look at: the list's sort key.
    attention = models.PositiveIntegerField("待查看条目", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    checked_at = models.DateTimeField("核对时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="核对人",
    )
    checked_by_name = models.CharField("核对人姓名", max_length=100, blank=True)

    class Meta:
        verbose_name = "导入报告"
        verbose_name_plural = "导入报告"
        ordering = ["-issue__running_number"]

    def __str__(self) -> str:
        return f"{self.issue} 的导入报告"

    @property
    def checked(self) -> bool:
        return self.checked_at is not None


class ImportJob(models.Model):
    """A file an editor uploaded on the desk, read and imported by the worker."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队导入中"
        DONE = "done", "已导入"
        SKIPPED = "skipped", "已在归档中，未改动"
        REFUSED = "refused", "未导入"

    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=300)
    size = models.PositiveBigIntegerField("大小")
    replace = models.BooleanField("覆盖已有的同一期", default=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    message = models.TextField("结果", blank=True)
    issue = models.ForeignKey(
        Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="期"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "往期导入任务"
        verbose_name_plural = "往期导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name
