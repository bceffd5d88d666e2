"""The registry: organisations, the names they are printed under, merges and profiles."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.network.models import (
    OPEN_APPLICATION_STATES,
    MembershipApplication,
    MemberUnit,
    MergeDecision,
    Organisation,
    OrganisationName,
    ProfileChange,
    SecretariatContact,
)
from jianbao.network.names import (
    FULL_SUFFIXES,
    MergeSuggestion,
    NamedAlliance,
    alliance_stem,
    full_names_in,
    is_full_alliance_name,
    short_name_at_start,
    suggest_merges,
)


def find_organisation(name: str) -> Organisation | None:
    """The organisation printed as ``name``, by full name or by a recorded other name."""
    org = Organisation.objects.filter(name=name).first()
    if org is None:
        alias = OrganisationName.objects.select_related("organisation").filter(name=name).first()
        org = alias.organisation if alias else None
    return org


def organisations_named(names: Iterable[str]) -> dict[str, Organisation]:
    """``find_organisation`` for many names in two queries: {name: organisation}
    for the names that are known."""
    names = set(names)
    found = {org.name: org for org in Organisation.objects.filter(name__in=names)}
    others = OrganisationName.objects.select_related("organisation")
    for alias in others.filter(name__in=names - found.keys()):
        found[alias.name] = alias.organisation
    return found


def ensure_organisation(name: str) -> Organisation:
    org = find_organisation(name)
    if org is None:
        kind = (
            Organisation.Kind.ALLIANCE if is_full_alliance_name(name) else Organisation.Kind.OTHER
        )
        org = Organisation.objects.create(name=name, kind=kind)
    return org


def add_name(org: Organisation, name: str, kind: str) -> None:
    if name == org.name or find_organisation(name) is not None:
        return
    OrganisationName.objects.create(organisation=org, name=name, kind=kind)


def _alliances_by_stem() -> dict[str, Organisation]:
    return {
        alliance_stem(org.name): org
        for org in Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
        if alliance_stem(org.name)
    }


def link_title_names(title: str, contributors: Iterable[Organisation]) -> list[Organisation]:
    """Alliances a title names, recording its short or other names against full names.

    A short name (粉末冶金联盟) links to the alliance whose stem it is; failing
    that, to the article's own contributing alliance when that one's stem
    starts with it (水环境联盟 → 水环境资源…联盟).  A short name that matches no
    known alliance is left alone rather than guessed.
    """
    found: list[Organisation] = []
    stems = _alliances_by_stem()
    short = short_name_at_start(title)
    if short:
        stem = alliance_stem(short)
        target = stems.get(stem) or next(
            (
                c
                for c in contributors
                if c.kind == Organisation.Kind.ALLIANCE and alliance_stem(c.name).startswith(stem)
            ),
            None,
        )
        if target is not None and len(stem) >= 2 and not stem[0].isdigit():
            add_name(target, short, OrganisationName.Kind.SHORT)
            found.append(target)
    # 电动汽车电驱动系统产业联盟: a looser form of a full name, recorded as another name.
    for suffix in FULL_SUFFIXES[4:]:
        idx = title.find(suffix)
        if idx > 0:
            candidate = title[: idx + len(suffix)]
            stem = alliance_stem(candidate)
            for known_stem, org in stems.items():
                if stem.endswith(known_stem) and candidate.endswith(known_stem + suffix):
                    add_name(org, known_stem + suffix, OrganisationName.Kind.OTHER)
                    found.append(org)
    return found


def register_text_alliances(text: str, *, known_stems: Iterable[str] = ()) -> list[Organisation]:
    stems = {*known_stems, *_alliances_by_stem()}
    return [ensure_organisation(n) for n in dict.fromkeys(full_names_in(text, stems))]


# --- Mail intake -----------------------------------------------------------


def find_alliance_by_sender(email: str) -> Organisation | None:
    """The alliance whose secretariat writes from ``email``; None when unknown or ambiguous.

    One secretariat sometimes serves two alliances: rather than guess which
    one a mail is for, leave it to an editor.
    """
    email = (email or "").strip()
    if not email:
        return None
    alliance_ids = set(
        SecretariatContact.objects.filter(email__iexact=email).values_list("alliance_id", flat=True)
    )
    if len(alliance_ids) != 1:
        return None
    return Organisation.objects.get(pk=alliance_ids.pop())


# --- Merging variant names -------------------------------------------------


class MergeRefused(JianbaoError):
    pass


def _crossed_credits() -> list[tuple[str, str, str]]:
    """(credited alliance, alliance the title names, title) where the two differ."""
    from jianbao.bulletins.models import Article

    rows = []
    articles = Article.objects.only("title").prefetch_related(
        "articlecontributor_set__organisation"
    )
    shorts = {article: short_name_at_start(article.title) for article in articles}
    named = organisations_named(short for short in shorts.values() if short)
    for article, short in shorts.items():
        titled = named.get(short) if short else None
        if titled is None:
            continue
        for contributor in article.articlecontributor_set.all():
            credited = contributor.organisation
            if credited.kind == Organisation.Kind.ALLIANCE and credited.pk != titled.pk:
                rows.append((credited.name, titled.name, article.title))
    return rows


def merge_suggestions() -> list[MergeSuggestion]:
    alliances = Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).annotate(
        article_count=Count("mentioned_in", distinct=True),
        name_count=Count("names", distinct=True),
    )
    decided = [frozenset((d.canonical_name, d.other_name)) for d in MergeDecision.objects.all()]
    return suggest_merges(
        [NamedAlliance(a.name, a.article_count + a.name_count) for a in alliances],
        _crossed_credits(),
        decided,
    )


@transaction.atomic
def merge_alliances(
    canonical: Organisation, other: Organisation, *, by, actor_name: str = ""
) -> Organisation:
    """Fold ``other`` into ``canonical``: every link moves, its name becomes another name.

    Only an administrator's confirmation calls this (the web page, or the CLI with
    ``by=None`` and the ``--by`` name); suggestions never do.
    """
    if canonical.pk == other.pk:
        raise MergeRefused("不能把联盟与自身合并")
    if (
        MembershipApplication.objects.filter(alliance__in=[canonical, other])
        .filter(state__in=OPEN_APPLICATION_STATES)
        .count()
        > 1
    ):
        raise MergeRefused("两个名称都有未办结的网员注册申请，请先撤回其中一个")
    _move_links(canonical, other)
    for alias in other.names.all():
        alias.organisation = canonical
        alias.save(update_fields=["organisation"])
    _copy_missing_profile(canonical, other)
    other_name, other_id = other.name, other.pk
    other.delete()
    OrganisationName.objects.create(
        organisation=canonical, name=other_name, kind=OrganisationName.Kind.OTHER
    )
    MergeDecision.objects.create(
        canonical_name=canonical.name,
        other_name=other_name,
        decision=MergeDecision.Decision.MERGED,
        decided_by=by if getattr(by, "pk", None) else None,
    )
    record(
        "network.organisation.merge",
        by=by,
        actor_name=actor_name,
        subject=canonical,
        comment=f"“{other_name}”并入“{canonical.name}”",
        data={"kept": canonical.name, "folded": other_name, "folded_id": other_id},
    )
    return canonical


@transaction.atomic
def record_distinct(a: Organisation, b: Organisation, *, by, actor_name: str = "") -> MergeDecision:
    """An administrator says the two are different alliances: stop suggesting them."""
    decision = MergeDecision.objects.create(
        canonical_name=a.name,
        other_name=b.name,
        decision=MergeDecision.Decision.DISTINCT,
        decided_by=by if getattr(by, "pk", None) else None,
    )
    record(
        "network.organisation.distinct",
        by=by,
        actor_name=actor_name,
        subject=a,
        comment=f"“{a.name}”与“{b.name}”不是同一联盟",
        data={"a": a.name, "b": b.name},
    )
    return decision


# Links that are unique together with other columns: a row the canonical
# organisation already has makes the other's copy a duplicate, not a move.
_UNIQUE_WITH = {
    ("core.rolegrant", "alliance"): ("user_id", "role"),
    ("network.memberunit", "alliance"): ("unit_id", "role"),
    ("network.memberunit", "unit"): ("alliance_id", "role"),
}


def _move_links(canonical: Organisation, other: Organisation) -> None:
    for relation in Organisation._meta.related_objects:
        model = relation.related_model
        if model is OrganisationName:
            continue  # moved by the caller, with their kinds
        if relation.many_to_many:
            through = getattr(model, relation.field.name).through
            source = relation.field.m2m_field_name()
            target = relation.field.m2m_reverse_field_name()
            kept = through.objects.filter(**{target: canonical}).values(source)
            through.objects.filter(**{target: other, f"{source}__in": kept}).delete()
            through.objects.filter(**{target: other}).update(**{target: canonical})
            continue
        field = relation.field.name
        together = _UNIQUE_WITH.get((model._meta.label_lower, field))
        if together:
            kept = set(model._base_manager.filter(**{field: canonical}).values_list(*together))
            for row in model._base_manager.filter(**{field: other}):
                if tuple(getattr(row, f) for f in together) in kept:
                    row.delete()
        model._base_manager.filter(**{field: other}).update(**{field: canonical})


def _copy_missing_profile(canonical: Organisation, other: Organisation) -> None:
    changed = []
    for field in ("field", "website", "chair_unit", "network_member_since"):
        if not getattr(canonical, field) and getattr(other, field):
            setattr(canonical, field, getattr(other, field))
            changed.append(field)
    for flag in ("is_pilot", "is_network_member"):
        if getattr(other, flag) and not getattr(canonical, flag):
            setattr(canonical, flag, True)
            changed.append(flag)
    if changed:
        canonical.save(update_fields=changed)


# --- Profile changes proposed by an alliance --------------------------------

PROPOSABLE_FIELDS = ("field", "website", "chair_unit_name", "contacts")


@transaction.atomic
def propose_profile_change(alliance: Organisation, changes: dict, *, by) -> ProfileChange:
    """An alliance's secretariat proposes new particulars; nothing changes until approved."""
    from jianbao.network.selectors import alliances_of

    if not alliances_of(by).filter(pk=alliance.pk).exists():
        raise PermissionDenied("只能修改本联盟的信息")
    unknown = set(changes) - set(PROPOSABLE_FIELDS)
    if unknown:
        raise JianbaoError(f"不能修改：{'、'.join(sorted(unknown))}")
    if not changes:
        raise JianbaoError("没有修改任何内容")
    change = ProfileChange.objects.create(alliance=alliance, changes=changes, proposed_by=by)
    record(
        "network.profile.propose",
        by=by,
        subject=alliance,
        comment="、".join(sorted(changes)),
        data={"change": change.pk, "changes": changes},
    )
    return change


def profile_as_proposable(alliance: Organisation) -> dict:
    return {
        "field": alliance.field,
        "website": alliance.website,
        "chair_unit_name": alliance.chair_unit.name if alliance.chair_unit_id else "",
        "contacts": [
            {"name": c.name, "email": c.email, "phone": c.phone} for c in alliance.contacts.all()
        ],
    }


@transaction.atomic
def decide_profile_change(change: ProfileChange, *, approve: bool, by, comment: str = ""):
    require_office(by)
    change = ProfileChange.objects.select_for_update().get(pk=change.pk)
    if change.state != ProfileChange.State.PENDING:
        raise JianbaoError("该修改申请已处理")
    if approve:
        apply_profile(change.alliance, change.changes)
    change.state = ProfileChange.State.APPROVED if approve else ProfileChange.State.REJECTED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.comment = comment
    change.save()
    record(
        "network.profile.approve" if approve else "network.profile.reject",
        by=by,
        subject=change.alliance,
        comment=comment,
        data={"change": change.pk, "changes": change.changes},
    )
    return change


def apply_profile(alliance: Organisation, values: dict) -> None:
    if "field" in values:
        alliance.field = values["field"]
    if "website" in values:
        alliance.website = values["website"]
    if "chair_unit_name" in values:
        name = values["chair_unit_name"].strip()
        alliance.chair_unit = ensure_unit(name) if name else None
        if alliance.chair_unit:
            MemberUnit.objects.get_or_create(
                alliance=alliance, unit=alliance.chair_unit, role=MemberUnit.Role.CHAIR
            )
    alliance.save()
    if "contacts" in values:
        alliance.contacts.all().delete()
        SecretariatContact.objects.bulk_create(
            SecretariatContact(
                alliance=alliance,
                name=c.get("name", ""),
                email=c.get("email", ""),
                phone=c.get("phone", ""),
            )
            for c in values["contacts"]
        )


def ensure_unit(name: str) -> Organisation:
    unit = find_organisation(name)
    if unit is None:
        unit = Organisation.objects.create(name=name, kind=Organisation.Kind.UNIT)
    return unit


# --- Who runs the office ---------------------------------------------------


def is_office(user) -> bool:
    """The network's office (秘书处): administrators and the bulletin's editors."""
    from jianbao.core.models import Role
    from jianbao.core.roles import has_role

    return bool(
        getattr(user, "is_superuser", False)
        or has_role(user, Role.ADMIN)
        or has_role(user, Role.EDITOR)
    )


def require_office(user) -> None:
    if not is_office(user):
        raise PermissionDenied("需要管理员或编辑角色（协发网秘书处）")
