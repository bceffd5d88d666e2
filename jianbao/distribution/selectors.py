"""Reads of distribution: the 报/送 lists, and who an issue goes to."""

from __future__ import annotations

from jianbao.distribution.models import DistributionList


def lists() -> list[DistributionList]:
    """Every list kind (报, 送), made on first use so that each can be filled in the desk."""
    for kind in DistributionList.Kind.values:
        DistributionList.objects.get_or_create(kind=kind)
    return list(DistributionList.objects.order_by("kind"))


def recipients_of(distribution_list: DistributionList):
    return distribution_list.recipients.order_by("-is_active", "organisation", "id")
