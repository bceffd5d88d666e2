"""Reads of the registry that other apps show: which alliances are one, and a profile.

The public site must never show one alliance twice.  Two registry rows are
taken for one alliance when

- the registry's merge suggestions pair them (``services.merge_suggestions``)
  and no administrator has answered that pair with 不是同一联盟; or
- one row's full name is recorded as a short or other name of the other
  (``OrganisationName``), which only a hand edit in the registry can cause.

Pairs join transitively (A~B and B~C make one alliance of three), and the
row kept is the one the suggestions keep: better attested (articles and
names), then the standard 产业技术创新战略联盟 suffix, then the name.  Rows an
administrator merged are gone; their old numbers are read from the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from django.db.models import Count
from django.db.models.functions import Lower

from jianbao.core.models import HistoryEvent
from jianbao.core.roles import Role, has_role
from jianbao.core.text import pinyin_key
from jianbao.network.models import MemberUnit, Organisation, OrganisationName
from jianbao.network.names import FULL_SUFFIXES


def alliances_of(user):
    """The alliances whose secretariat this user speaks for."""
    if not has_role(user, Role.SUBMITTER):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        role_grants__user=user, role_grants__role=Role.SUBMITTER
    ).distinct()


# A merged row's number may have been merged again; a chain longer than this is a loop.
_MAX_MERGE_HOPS = 20


def _preference(org: Organisation) -> tuple:
    # The order names.suggest_merges keeps a pair in (its weight is articles + names).
    weight = org.article_count + org.name_count
    return (-weight, not org.name.endswith(FULL_SUFFIXES[0]), org.name)


def duplicate_alliances() -> dict[int, int]:
    """Each alliance row shown under another one: {its pk: the kept row's pk}."""
    from jianbao.network.services import merge_suggestions

    alliances = {
        org.name: org
        for org in Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).annotate(
            article_count=Count("mentioned_in", distinct=True),
            name_count=Count("names", distinct=True),
        )
    }
    pairs = [
        (alliances[s.a], alliances[s.b])
        for s in merge_suggestions()
        if s.a in alliances and s.b in alliances
    ]
    by_lower_name = {name.lower(): org for name, org in alliances.items()}
    recorded = OrganisationName.objects.filter(
        organisation__kind=Organisation.Kind.ALLIANCE
    ).annotate(lower=Lower("name"))
    for alias in recorded.values("organisation__name", "lower"):
        other = by_lower_name.get(alias["lower"])
        holder = alliances.get(alias["organisation__name"])
        if other is not None and holder is not None and other.pk != holder.pk:
            pairs.append((holder, other))

    # Union-find over the pairs, then each group keeps its most preferred row.
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        while parent.get(pk, pk) != pk:
            pk = parent[pk]
        return pk

    for x, y in pairs:
        rx, ry = root(x.pk), root(y.pk)
        if rx != ry:
            parent[ry] = rx
    paired = {org.pk for pair in pairs for org in pair}
    groups: dict[int, list[Organisation]] = {}
    for org in alliances.values():
        if org.pk in paired:
            groups.setdefault(root(org.pk), []).append(org)
    shown_under = {}
    for members in groups.values():
        kept = min(members, key=_preference)
        shown_under.update({m.pk: kept.pk for m in members if m.pk != kept.pk})
    return shown_under


def merged_into(pk: int) -> int | None:
    """The alliance a merged row's number now belongs to, following later merges."""
    seen = set()
    target = None
    while pk not in seen and len(seen) < _MAX_MERGE_HOPS:
        seen.add(pk)
        event = (
            HistoryEvent.objects.filter(action="network.organisation.merge", data__folded_id=pk)
            .order_by("-created_at", "-id")
            .first()
        )
        if event is None or not event.subject_id.isdigit():
            break
        pk = target = int(event.subject_id)
        if Organisation.objects.filter(pk=pk).exists():
            return pk
    return target if target and Organisation.objects.filter(pk=target).exists() else None


# --- The profile -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleGroup:
    label: str
    units: tuple[str, ...]


def member_units_by_role(alliances: list[Organisation]) -> list[RoleGroup]:
    """Member units of these rows (one alliance), by role, each role in pinyin order.

    理事长单位 is not repeated here: the profile names it from ``chair_unit``.
    """
    names: dict[str, set[str]] = {}
    rows = (
        MemberUnit.objects.filter(alliance__in=alliances)
        .exclude(role=MemberUnit.Role.CHAIR)
        .values_list("role", "unit__name")
    )
    for role, unit_name in rows:
        names.setdefault(role, set()).add(unit_name)
    return [
        RoleGroup(role.label, tuple(sorted(names[role.value], key=pinyin_key)))
        for role in MemberUnit.Role
        if role.value in names
    ]


def chair_units(alliance: Organisation) -> list[str]:
    """理事长单位: the profile's own, else the units the member list gives that role."""
    if alliance.chair_unit_id:
        return [alliance.chair_unit.name]
    chairs = MemberUnit.objects.filter(alliance=alliance, role=MemberUnit.Role.CHAIR)
    return sorted(chairs.values_list("unit__name", flat=True), key=pinyin_key)


def safe_website(url: str) -> str:
    """The address when a reader may follow it (http or https to a host), else ""."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


@dataclass(frozen=True)
class AllianceProfile:
    """What the public page says about an alliance: registry facts only.

    Secretariat contacts are left out: their e-mail and phone are kept for
    mail intake and the office, and the registry has no mark that makes them
    public.
    """

    alliance: Organisation
    also: tuple[Organisation, ...]  # rows shown under this one (suspected duplicates)
    short_names: tuple[str, ...]
    other_names: tuple[str, ...]  # 又称: recorded other names and the rows shown here
    kinds: tuple[str, ...]
    network_member_since: date | None
    field: str
    chair_units: tuple[str, ...]
    website: str
    is_dissolved: bool
    member_groups: tuple[RoleGroup, ...]

    @property
    def website_label(self) -> str:
        return self.website.split("://", 1)[-1].rstrip("/")


def alliance_profile(alliance: Organisation, also: list[Organisation] = ()) -> AllianceProfile:
    """The kept row's particulars; where it has none, those of the rows shown under it."""
    rows = [alliance, *also]
    recorded = OrganisationName.objects.filter(organisation__in=rows).values_list("name", "kind")
    short = sorted({n for n, k in recorded if k == OrganisationName.Kind.SHORT}, key=pinyin_key)
    other = {n for n, k in recorded if k == OrganisationName.Kind.OTHER}
    other |= {row.name for row in also}
    chairs: list[str] = []
    for row in rows:
        chairs = chairs or chair_units(row)
    since = [row.network_member_since for row in rows if row.network_member_since]
    return AllianceProfile(
        alliance=alliance,
        also=tuple(also),
        short_names=tuple(short),
        other_names=tuple(sorted(other - {alliance.name}, key=pinyin_key)),
        kinds=tuple(
            label
            for label, flag in (
                ("试点联盟", any(r.is_pilot for r in rows)),
                ("协发网网员", any(r.is_network_member for r in rows)),
            )
            if flag
        ),
        network_member_since=min(since) if since else None,
        field=next((r.field for r in rows if r.field), ""),
        chair_units=tuple(chairs),
        website=next((safe_website(r.website) for r in rows if safe_website(r.website)), ""),
        is_dissolved=alliance.status == Organisation.Status.DISSOLVED,
        member_groups=tuple(member_units_by_role(rows)),
    )
