from django.conf import settings
from django.db import models

from jianbao.core.models import AppendOnlyModel


class Submission(models.Model):
    """One news item sent in by an alliance secretariat (web form or mailbox)."""

    class Source(models.TextChoices):
        WEB = "web", "网页投稿"
        MAIL = "mail", "邮箱投稿"

    class State(models.TextChoices):
        # Its files are being read by the worker; not yet for the desk.
        PROCESSING = "processing", "正在处理"
        # A file could not be read (too large, broken, past a limit): see ``refusal``.
        REFUSED = "refused", "未能读取"
        RECEIVED = "received", "已收到"
        USED = "used", "已采用"
        RETURNED = "returned", "退回修改"
        REJECTED = "rejected", "未采用"

    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.WEB)
    alliance = models.ForeignKey(
        "network.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name="联盟",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
        verbose_name="投稿人",
    )
    sender_email = models.EmailField("发件地址", blank=True)
    message_id = models.CharField(
        "邮件 Message-ID", max_length=500, null=True, blank=True, unique=True
    )
    title = models.CharField("标题", max_length=500)
    body = models.TextField("正文", help_text="段落之间空一行", blank=True)
    credit = models.CharField("供稿行", max_length=300, blank=True, help_text="不含括号")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED)
    editor_comment = models.TextField("编辑意见", blank=True)
    refusal = models.TextField("未能读取的原因", blank=True)
    article = models.ForeignKey(
        "bulletins.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
        verbose_name="采用为文章",
    )
    issue = models.ForeignKey(
        "bulletins.Issue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
        verbose_name="采用于",
    )
    needs_manual_handling = models.BooleanField("需人工处理", default=False)
    created_at = models.DateTimeField("收到时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "投稿"
        verbose_name_plural = "投稿"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return self.title or f"投稿 {self.pk}（正在处理）"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]

    @property
    def state_label(self) -> str:
        if self.state == self.State.USED and self.issue_id:
            return f"已采用（{self.issue.year}年第{self.issue.number}期）"
        return self.get_state_display()


def attachment_path(instance, filename):
    return f"submissions/{instance.submission_id}/{filename}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PENDING = "pending", "待读取"
        DOCX = "docx", "Word 文档"
        # Word 97–2003 or WPS, read through its LibreOffice conversion to .docx.
        DOC = "doc", "Word 97–2003/WPS 文档"
        TEXT = "text", "文本"
        IMAGE = "image", "图片"
        MANUAL = "manual", "需人工处理（PDF、无法转换的 .doc 等）"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path)
    original_name = models.CharField("原文件名", max_length=300)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class SubmissionEvent(AppendOnlyModel):
    """Append-only history of a submission.

    It outlives the submission: deleting one leaves these rows as they were
    (no cascade, no NULLing), with the title they were written under.
    """

    submission = models.ForeignKey(
        Submission,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="events",
    )
    submission_label = models.CharField("稿件", max_length=300, blank=True)
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        # By the column, not the relation: ordering by "submission" would join
        # the submission and hide the history of a deleted one.
        ordering = ["submission_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_label or self.submission_id} {self.action}"
