"""Reads of distribution: the 报/送 lists, and who an issue goes to."""

from __future__ import annotations

from dataclasses import dataclass

from jianbao.bulletins.models import Issue
from jianbao.distribution.models import DistributionList, IssueDistribution, Recipient


def lists() -> list[DistributionList]:
    """Every list kind (报, 送), made on first use so that each can be filled in the desk."""
    for kind in DistributionList.Kind.values:
        DistributionList.objects.get_or_create(kind=kind)
    return list(DistributionList.objects.order_by("kind"))


def recipients_of(distribution_list: DistributionList):
    return distribution_list.recipients.order_by("-is_active", "organisation", "id")


def choice_of(issue: Issue) -> IssueDistribution | None:
    return IssueDistribution.objects.filter(issue=issue).first()


@dataclass
class Audience:
    """Who an issue goes to: one recipient per address, in list order."""

    recipients: list[Recipient]
    chosen: bool  # False: no choice was made, every list (the old default)
    list_kinds: list[str]
    extras: list[Recipient]

    @property
    def count(self) -> int:
        return len(self.recipients)


def audience(issue: Issue) -> Audience:
    """The active recipients of the chosen lists plus the chosen extra recipients.

    Without a choice for the issue, every list: the behaviour before lists
    could be chosen, which the command line and the older tests rely on.
    """
    choice = choice_of(issue)
    active = Recipient.objects.filter(is_active=True).select_related("distribution_list")
    if choice is None:
        kinds = list(DistributionList.objects.order_by("kind").values_list("kind", flat=True))
        extras: list[Recipient] = []
        candidates = list(active.order_by("distribution_list__kind", "id"))
    else:
        kinds = list(choice.lists.order_by("kind").values_list("kind", flat=True))
        extras = list(choice.extra_recipients.filter(is_active=True).order_by("id"))
        candidates = list(
            active.filter(distribution_list__kind__in=kinds).order_by(
                "distribution_list__kind", "id"
            )
        ) + [r for r in extras if r.distribution_list.kind not in kinds]
    seen: set[str] = set()
    unique = []
    for recipient in candidates:
        address = recipient.address.strip().lower()
        if address not in seen:
            seen.add(address)
            unique.append(recipient)
    return Audience(recipients=unique, chosen=choice is not None, list_kinds=kinds, extras=extras)


def audience_initial(issue: Issue) -> dict:
    """The audience form's starting point: the saved choice, or every list."""
    choice = choice_of(issue)
    if choice is None:
        return {"lists": list(DistributionList.objects.all()), "extra_recipients": []}
    return {
        "lists": list(choice.lists.all()),
        "extra_recipients": list(choice.extra_recipients.all()),
    }
