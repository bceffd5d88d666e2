"""A reviewer's or signer's comment on one article, or on a passage of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jianbao.bulletins.models import Article, Issue


class Comment(models.Model):
    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="review_comments", verbose_name="期"
    )
    # A deleted article keeps its comments: the title says what they were about.
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_comments",
        verbose_name="文章",
    )
    article_title = models.CharField("文章标题", max_length=500)
    passage = models.TextField("所引原文", blank=True, help_text="留空：意见针对整篇文章")
    text = models.TextField("意见")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    author_name = models.CharField("提出人姓名", max_length=100)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="答复人",
    )
    answered_by_name = models.CharField("答复人姓名", max_length=100, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="处理人",
    )
    resolved_by_name = models.CharField("处理人姓名", max_length=100, blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "resolved_at"])]

    def __str__(self) -> str:
        return f"《{self.article_title}》：{self.text[:30]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
