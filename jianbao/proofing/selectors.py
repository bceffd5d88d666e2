"""What the proofing pass reads from the store: the context of an issue, and its findings."""

from __future__ import annotations

from django.db import DatabaseError
from django.db.models import Prefetch, Q
from django.utils import timezone

from jianbao.bulletins.models import Issue
from jianbao.network.models import Organisation, OrganisationName
from jianbao.publishing.parsed import ParsedBulletin

from . import dictionary
from .checker import proof
from .context import Alliance, Entry, Numbering, ProofContext
from .findings import Finding


def office_dictionary() -> tuple[Entry, ...]:
    """The shipped dictionary with the office's entries laid over it."""
    from .models import DictionaryEntry

    return dictionary.merge(dictionary.shipped(), DictionaryEntry.objects.all())


def registry_alliances() -> tuple[Alliance, ...]:
    """Every registered alliance with its approved short names (简称)."""
    shorts = Prefetch(
        "names",
        queryset=OrganisationName.objects.filter(kind=OrganisationName.Kind.SHORT).order_by("name"),
        to_attr="short_rows",
    )
    return tuple(
        Alliance(name=org.name, short_names=tuple(n.name for n in org.short_rows), code=str(org.pk))
        for org in Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
        .prefetch_related(shorts)
        .order_by("name")
    )


def previous_issue(issue: Issue) -> Issue | None:
    """The issue before this one in its series, by year and number."""
    return (
        Issue.objects.filter(series_id=issue.series_id)
        .filter(Q(year__lt=issue.year) | Q(year=issue.year, number__lt=issue.number))
        .exclude(pk=issue.pk)
        .order_by("-year", "-number")
        .first()
    )


def context_for(issue: Issue) -> ProofContext:
    """What the checker knows about a stored issue beyond its text."""
    from jianbao.bulletins.selectors import signoff

    series = issue.series
    names = signoff(issue)
    before = previous_issue(issue)
    return ProofContext(
        # An issue not yet dated is checked as of today: it is signed from now on.
        as_of=issue.date or names.signed_on or timezone.localdate(),
        dictionary=office_dictionary(),
        alliances=registry_alliances(),
        series_sections=tuple(series.sections.order_by("position").values_list("title", flat=True)),
        distribution={k: tuple(v) for k, v in (series.default_distribution or {}).items()},
        previous=(Numbering(before.year, before.number, before.running_number) if before else None),
        signed_on=names.signed_on,
    )


def context_for_file(bulletin: ParsedBulletin) -> ProofContext:
    """A file checked on its own: the shipped dictionary, and the registry when there is one.

    A file is a printed issue, signed on its masthead's date as an import records
    it, so its sign-off names are all expected.
    """
    try:
        alliances = registry_alliances()
    except DatabaseError:  # no database, or one not migrated: check without the registry
        alliances = ()
    return ProofContext(
        as_of=bulletin.date,
        dictionary=dictionary.shipped(),
        alliances=alliances,
        signed_on=bulletin.date,
    )


def proof_issue(issue: Issue) -> list[Finding]:
    from jianbao.bulletins.services import issue_to_bulletin

    return proof(issue_to_bulletin(issue), context_for(issue))
