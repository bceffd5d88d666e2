"""Rule family 7: alliance names, within each article and against the registry.

An article names an alliance by its full name (快堆产业技术创新战略联盟) and
then, if it likes, by one short name (快堆联盟): the registry's approved short
names (``Alliance.short_names``, the 简称 recorded in the network app), or the
stem plus 联盟, which is how the bulletin forms them (粉末冶金联盟). Mentions of
one alliance are grouped by their stems (jianbao.network.names: 应急装备 and
应急救援装备 are one alliance written two ways), and a group is flagged when:

- ``name.variant``: the article writes the full name two ways (快堆产业化技术
  创新战略联盟 beside 快堆产业技术创新战略联盟), or uses two short names of
  which one is not approved (快堆产业联盟 beside 快堆联盟). The name kept is the
  one the title uses, or the full name whose stem the title's short name has,
  or the registry's, or else the commonest.
- ``name.credit_mismatch``: the credit names the alliance differently from
  the one the title names (title 应急救援装备联盟, credit 应急装备产业技术创新
  战略联盟); ``name.credit_other`` (a hint) when it names another alliance
  altogether.
- ``name.unregistered``: a full name that is not in the registry while a
  registered alliance has the same stem (another suffix, or brackets).

One short form used throughout is left alone even when it is looser than the
stem plus 联盟 (电动汽车电驱动系统产业联盟, WAPI产业联盟): the registry records
such forms as other names, and the alliances use them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from jianbao.network.names import (
    FULL_SUFFIXES,
    alliance_stem,
    compare_stems,
    full_names_in,
    short_name_at_start,
)

from ..findings import ADVICE, CREDIT, ERROR, HINT, TITLE, found
from ..texts import units

FULL, LOOSE, SHORT = "full", "loose", "short"  # 快堆产业技术创新战略联盟 / 快堆产业联盟 / 快堆联盟
STANDARD = FULL_SUFFIXES[0]
_BRACKETS = re.compile(r"[（）()\s]")
_BOOK = re.compile(r"《[^《》]*》")


def norm(stem: str) -> str:
    """建筑信息模型（BIM） and 建筑信息模型BIM are one stem."""
    return _BRACKETS.sub("", stem)


@dataclass(frozen=True, eq=False)  # compared by identity: a unit is costly to hash
class Mention:
    unit: object
    start: int
    end: int
    name: str
    stem: str  # normalised
    form: str

    @property
    def in_credit(self) -> bool:
        return self.unit.where.part == CREDIT

    @property
    def in_title(self) -> bool:
        return self.unit.where.part == TITLE


class Registry:
    def __init__(self, alliances):
        self.by_name = {}
        self.by_stem: dict[str, list] = {}
        for a in alliances:
            self.by_name[a.name] = a
            for short in a.short_names:
                self.by_name.setdefault(short, a)
            stem = norm(alliance_stem(a.name))
            if stem:
                self.by_stem.setdefault(stem, []).append(a)
        self.stems = tuple({alliance_stem(a.name) for a in alliances if alliance_stem(a.name)})

    def __bool__(self) -> bool:
        return bool(self.by_name)


@lru_cache(maxsize=8)
def _registry(alliances) -> Registry:
    return Registry(alliances)


def _usable(stem: str) -> bool:
    return len(norm(stem)) >= 2 and not stem[0].isdigit()


def _mentions(article_units, registry: Registry) -> list[Mention]:
    mentions: list[Mention] = []
    known = set(registry.stems)
    raw_stems: set[str] = set()
    covered: dict[int, list[tuple[int, int]]] = {}  # unit index → spans already named
    for i, unit in enumerate(article_units):
        if unit.where.part != TITLE:
            continue
        short = short_name_at_start(unit.text)
        stem = alliance_stem(short) if short else ""
        if short and _usable(stem):
            mentions.append(Mention(unit, 0, len(short), short, norm(stem), SHORT))
            covered.setdefault(i, []).append((0, len(short)))
            known.add(stem)
            raw_stems.add(stem)
    for i, unit in enumerate(article_units):
        text = unit.text
        if "联盟" not in text:
            continue
        books = [m.span() for m in _BOOK.finditer(text)] if "《" in text else ()
        cursor = 0
        for name in full_names_in(text, known):
            at = text.find(name, cursor)
            while at >= 0 and any(a <= at < b for a, b in books):
                at = text.find(name, at + 1)
            if at < 0:
                continue
            cursor = at + len(name)
            stem = alliance_stem(name)
            mentions.append(Mention(unit, at, cursor, name, norm(stem), FULL))
            covered.setdefault(i, []).append((at, cursor))
            raw_stems.add(stem)
    if not raw_stems:
        return mentions
    stems = sorted(raw_stems, key=len, reverse=True)
    for i, unit in enumerate(article_units):
        text = unit.text
        spans = covered.get(i, ())
        at = text.find("联盟")
        while at >= 0:
            end = at + 2
            if not any(a < end <= b for a, b in spans):
                for stem in stems:
                    if text.endswith(stem + "产业", 0, at):
                        start, form = at - len(stem) - 2, LOOSE
                    elif text.endswith(stem, 0, at):
                        start, form = at - len(stem), SHORT
                    else:
                        continue
                    mentions.append(Mention(unit, start, end, text[start:end], norm(stem), form))
                    break
            at = text.find("联盟", end)
    return mentions


def _groups(mentions: list[Mention], registry: Registry) -> list[list[Mention]]:
    """Mentions of one alliance together: equal or related stems, or one registered alliance."""
    stems = list(dict.fromkeys(m.stem for m in mentions))
    parent = {s: s for s in stems}

    def root(s):
        while parent[s] != s:
            s = parent[s]
        return s

    owner = {}
    for m in mentions:
        a = registry.by_name.get(m.name)
        if a is not None:
            owner.setdefault(m.stem, set()).add(a.name)
    for i, x in enumerate(stems):
        for y in stems[i + 1 :]:
            if compare_stems(x, y) is not None or owner.get(x, set()) & owner.get(y, set()):
                parent[root(y)] = root(x)
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(root(m.stem), []).append(m)
    return list(groups.values())


def _preferred_full(group: list[Mention], registry: Registry) -> str | None:
    fulls = [m for m in group if m.form == FULL]
    if not fulls:
        return None
    for m in fulls:
        if m.in_title:
            return m.name
    title_short = next((m for m in group if m.in_title and m.form != FULL), None)
    if title_short is not None:
        for m in fulls:
            if m.stem == title_short.stem and not m.in_credit:
                return m.name
        a = registry.by_name.get(title_short.name)
        if a is not None:
            return a.name
    counts = Counter(m.name for m in fulls if not m.in_credit) or Counter(m.name for m in fulls)
    first = {}
    for n, m in enumerate(fulls):
        first.setdefault(m.name, n)
    return min(counts, key=lambda n: (-counts[n], not n.endswith(STANDARD), first[n]))


def check(bulletin, context):
    registry = _registry(context.alliances)
    by_article: dict[int, list] = {}
    for unit in units(bulletin):
        if unit.where.article is not None and unit.where.part != "toc_title":
            by_article.setdefault(unit.where.article, []).append(unit)
    for article_units in by_article.values():
        mentions = _mentions(article_units, registry)
        if not mentions:
            continue
        groups = _groups(mentions, registry)
        flagged: set[Mention] = set()
        for group in groups:
            yield from _check_group(group, registry, flagged)
        yield from _credit_other(mentions, groups, flagged)
        if registry:
            yield from _unregistered(mentions, registry, flagged)


def _check_group(group, registry, flagged):
    keep = _preferred_full(group, registry)
    title_names = [m.name for m in group if m.in_title]
    if keep is not None:
        for m in group:
            if m.form != FULL or m.name == keep:
                continue
            flagged.add(m)
            if m.in_credit:
                named = title_names[0] if title_names else keep
                yield found(
                    m.unit,
                    m.start,
                    m.end,
                    rule="name.credit_mismatch",
                    severity=ERROR,
                    message=f"供稿单位与标题所指联盟的名称不一致：标题为“{named}”",
                    suggestion=keep,
                )
            else:
                yield found(
                    m.unit,
                    m.start,
                    m.end,
                    rule="name.variant",
                    severity=ERROR,
                    message=f"同一篇中联盟全称写法不一，本篇作“{keep}”",
                    suggestion=keep,
                )
    shorts = [m for m in group if m.form != FULL and not m.in_credit]
    used = list(dict.fromkeys(m.name for m in shorts))
    if len(used) < 2:
        return
    approved = set()
    full = registry.by_name.get(keep) if keep else None
    if full is not None:
        approved.update(full.short_names)
    for name in (keep, *(m.name for m in group if m.form == FULL)):
        if name:
            approved.add(alliance_stem(name) + "联盟")
    for m in shorts:
        a = registry.by_name.get(m.name)
        if a is not None and (full is None or a is full):
            approved.add(m.name)
    good = [n for n in used if n in approved]
    title_short = next((m.name for m in shorts if m.in_title), None)
    if good:
        short = title_short if title_short in good else good[0]
    else:
        counts = Counter(m.name for m in shorts)
        short = title_short or max(used, key=lambda n: counts[n])
        good = [short]
    for m in shorts:
        if m.name in good:
            continue
        flagged.add(m)
        yield found(
            m.unit,
            m.start,
            m.end,
            rule="name.variant",
            severity=ADVICE,
            message=f"同一篇中联盟简称写法不一，本篇作“{short}”",
            suggestion=short,
        )


def _credit_other(mentions, groups, flagged):
    titled = [m for m in mentions if m.in_title]
    if not titled:
        return
    group_of = {id(m): n for n, g in enumerate(groups) for m in g}
    title_groups = {group_of[id(m)] for m in titled}
    for m in mentions:
        if (
            m.in_credit
            and m.form == FULL
            and m not in flagged
            and group_of[id(m)] not in title_groups
        ):
            flagged.add(m)
            yield found(
                m.unit,
                m.start,
                m.end,
                rule="name.credit_other",
                severity=HINT,
                message=f"供稿联盟与标题中的“{titled[0].name}”不是同一个联盟",
            )


def _unregistered(mentions, registry, flagged):
    for m in mentions:
        if m.form != FULL or m in flagged or m.name in registry.by_name:
            continue
        same = registry.by_stem.get(m.stem, [])
        if len(same) == 1:
            yield found(
                m.unit,
                m.start,
                m.end,
                rule="name.unregistered",
                severity=ADVICE,
                message=f"与登记的联盟全称“{same[0].name}”不符",
                suggestion=same[0].name,
            )
