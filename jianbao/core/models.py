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


class AppendOnlyModel(models.Model):
    """History rows: written once, never changed, so the record can be trusted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)
