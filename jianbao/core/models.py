from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    SUBMITTER = "submitter", "联盟秘书处"
    EDITOR = "editor", "编辑"
    REVIEWER = "reviewer", "审核"
    SIGNER = "signer", "签发"
    ADMIN = "admin", "管理员"


class RoleGrant(models.Model):
    """One role held by one person; a submitter's role is tied to its alliance."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name="用户",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    alliance = models.ForeignKey(
        "network.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name="所属联盟",
        help_text="仅“联盟秘书处”角色需要",
    )
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "用户角色"
        constraints = [
            # Two partial constraints, since SQLite cannot treat NULLs as equal.
            models.UniqueConstraint(
                fields=["user", "role", "alliance"],
                condition=Q(alliance__isnull=False),
                name="role_grant_unique_per_alliance",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(alliance__isnull=True),
                name="role_grant_unique",
            ),
            models.CheckConstraint(
                condition=Q(role="submitter", alliance__isnull=False)
                | (~Q(role="submitter") & Q(alliance__isnull=True)),
                name="role_grant_alliance_only_for_submitters",
            ),
        ]

    def __str__(self) -> str:
        suffix = f"（{self.alliance}）" if self.alliance_id else ""
        return f"{self.user} · {self.get_role_display()}{suffix}"


class AppendOnlyError(ValueError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    """History rows: written once, never changed or deleted, so the record can be trusted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class HistoryEvent(AppendOnlyModel):
    """One write, by whom, to what: the shared history of every app (see core.history)."""

    action = models.CharField("操作", max_length=80, db_index=True)
    subject_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name="对象类型",
    )
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    subject_label = models.CharField("对象", max_length=300, blank=True)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="经办用户",
    )
    actor_name = models.CharField("经办人", max_length=100, blank=True)
    comment = models.TextField("说明", blank=True)
    data = models.JSONField("内容", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.subject_label}"

    @property
    def action_label(self) -> str:
        from jianbao.core.history import action_label

        return action_label(self.action)
