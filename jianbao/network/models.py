from django.db import models
from django.db.models.functions import Lower


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ALLIANCE = "alliance", "产业技术创新战略联盟"
        NETWORK = "network", "联盟网络机构"
        GOVERNMENT = "government", "政府部门"
        UNIT = "unit", "企业、高校或科研单位"
        OTHER = "other", "其他"

    name = models.CharField("全称", max_length=200, unique=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位与联盟"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationName(models.Model):
    """Another name under which an organisation appears in print."""

    class Kind(models.TextChoices):
        SHORT = "short", "简称"
        OTHER = "other", "其他名称"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="names", verbose_name="单位"
    )
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.SHORT)

    class Meta:
        verbose_name = "简称或别名"
        verbose_name_plural = "简称与别名"
        ordering = ["kind", "name"]
        constraints = [
            # One printed name points at one organisation, or linking is ambiguous.
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.organisation.name}"
