"""Registry writes: organisations and the names they are printed under."""

from __future__ import annotations

from collections.abc import Iterable

from jianbao.network.models import Organisation, OrganisationName
from jianbao.network.names import (
    FULL_SUFFIXES,
    alliance_stem,
    full_names_in,
    is_full_alliance_name,
    short_name_at_start,
)


def find_organisation(name: str) -> Organisation | None:
    """The organisation printed as ``name``, by full name or by a recorded other name."""
    org = Organisation.objects.filter(name=name).first()
    if org is None:
        alias = OrganisationName.objects.select_related("organisation").filter(name=name).first()
        org = alias.organisation if alias else None
    return org


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
