"""报/送 lists and one delivery row per issue × address (the outbox)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

# Line breaks and NUL would end up in a mail's To: header (where they are
# refused at sending time, or worse); other C0 controls and Unicode line
# separators likewise.  Refused on import and in every form.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def refuse_control_characters(value: str) -> None:
    if found := FORBIDDEN_CHARACTERS.search(value or ""):
        raise ValidationError(
            f"不能含有换行符、NUL 或其他控制字符（发现 U+{ord(found.group()):04X}）",
            code="control_character",
        )


class DistributionList(models.Model):
    class Kind(models.TextChoices):
        REPORT = "报", "报"
        SEND = "送", "送"

    kind = models.CharField("类别", max_length=2, choices=Kind.choices, unique=True)
    name = models.CharField("名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "报送名单"
        verbose_name_plural = "报送名单"
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name or f"“{self.kind}”名单"


class Recipient(models.Model):
    distribution_list = models.ForeignKey(
        DistributionList,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name="名单",
    )
    organisation = models.CharField("单位", max_length=200, validators=[refuse_control_characters])
    person = models.CharField(
        "姓名", max_length=100, blank=True, validators=[refuse_control_characters]
    )
    address = models.EmailField("邮箱", validators=[refuse_control_characters])
    is_active = models.BooleanField("接收", default=True)
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "收件人"
        verbose_name_plural = "收件人"
        ordering = ["distribution_list", "organisation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution_list", "address"], name="recipient_address_unique"
            ),
        ]

    def __str__(self) -> str:
        who = f"{self.organisation} {self.person}".strip()
        return f"{who} <{self.address}>"


class Delivery(models.Model):
    """One e-mail of one issue to one address; the database refuses a second row."""

    class State(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        BOUNCED = "bounced", "被退回"

    issue = models.ForeignKey(
        "bulletins.Issue", on_delete=models.CASCADE, related_name="deliveries", verbose_name="期"
    )
    recipient = models.ForeignKey(
        Recipient,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name="收件人",
    )
    address = models.EmailField("邮箱")
    organisation = models.CharField("单位", max_length=200, blank=True)
    person = models.CharField("姓名", max_length=100, blank=True)
    list_kind = models.CharField("名单", max_length=2, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    error = models.TextField("错误", blank=True)
    # Recorded when the row is made, so every attempt carries the same id and
    # a copy that did get through can be recognised by the recipient's client.
    message_id = models.CharField("Message-ID", max_length=200, unique=True)
    claim_token = models.CharField("领取标记", max_length=100, blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("排队时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "投递"
        verbose_name_plural = "投递记录"
        ordering = ["issue", "list_kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "address"], name="delivery_once_per_address"),
        ]
        indexes = [
            # Exactly the senders' and recovery's conditions, so that the
            # database walks only the rows still to do: a scan of the issue's
            # sent rows before every batch would make sending quadratic.
            models.Index(
                fields=["issue", "id"], name="delivery_queued", condition=Q(state="queued")
            ),
            models.Index(
                fields=["claimed_at"], name="delivery_sending", condition=Q(state="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.address}"


class IssueDistribution(models.Model):
    """Which lists, and which recipients beyond them, one issue is sent to.

    An issue without this row goes to every list (as before lists could be chosen).
    """

    issue = models.OneToOneField(
        "bulletins.Issue",
        on_delete=models.CASCADE,
        related_name="audience_choice",
        verbose_name="期",
    )
    lists = models.ManyToManyField(
        DistributionList, blank=True, related_name="+", verbose_name="名单"
    )
    extra_recipients = models.ManyToManyField(
        Recipient, blank=True, related_name="+", verbose_name="另外的收件人"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "本期报送范围"
        verbose_name_plural = "各期报送范围"

    def __str__(self) -> str:
        return f"{self.issue} 的报送范围"
