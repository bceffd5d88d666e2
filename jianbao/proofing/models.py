"""The office's proofing dictionary, and the findings it has dismissed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jianbao.bulletins.models import Issue

from . import context


class DictionaryEntry(models.Model):
    """One entry the office keeps: a usage pair, a fixed formulation, an exception
    or a standard name, optionally valid only between two dates."""

    class Kind(models.TextChoices):
        USAGE = context.USAGE, "用法"
        FORMULATION = context.FORMULATION, "固定表述"
        EXCEPTION = context.EXCEPTION, "例外"
        NAME = context.NAME, "规范名称"

    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    term = models.CharField("查找", max_length=200)
    replacement = models.CharField("应为", max_length=200, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    valid_from = models.DateField("起用日期", null=True, blank=True)
    valid_until = models.DateField("停用日期", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "审校词条"
        verbose_name_plural = "审校词典"
        ordering = ["kind", "term", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "term", "replacement"], name="proofing_entry_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.replacement}" if self.replacement else self.term

    def as_entry(self) -> context.Entry:
        return context.Entry(
            kind=self.kind,
            term=self.term,
            replacement=self.replacement,
            note=self.note,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )


class Dismissal(models.Model):
    """A finding the editor judged not to be a problem, for this text of this issue."""

    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="proof_dismissals", verbose_name="期"
    )
    key = models.CharField("标识", max_length=16)
    rule = models.CharField("规则", max_length=60)
    quote = models.CharField("所标原文", max_length=500, blank=True)
    reason = models.CharField("理由", max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="处理人"
    )
    by_name = models.CharField("处理人姓名", max_length=100)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "已忽略的审校提示"
        verbose_name_plural = "已忽略的审校提示"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "key"], name="proofing_dismissal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}：{self.quote}"
