"""Rules that recognise alliance names in bulletin text.

A full name ends in 产业技术创新战略联盟 (or a looser 产业联盟/技术创新联盟);
the short form people write is the stem plus 联盟 (粉末冶金联盟).  Nothing here
knows any particular alliance: names come from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

FULL_SUFFIXES = (
    "产业技术创新战略联盟",
    "产业化技术创新战略联盟",
    "技术创新战略联盟",
    "产业技术创新联盟",
    "产业联盟",
)
# 产业联盟 alone is too loose to register a name from running text.
_FULL = "|".join(FULL_SUFFIXES[:4])
# Words that end a clause before a name starts: 由…, 同意…, 出席…
_LEAD_WORDS = (
    "同意|由|与|和|及|暨|经|依托|会同|联合|为|是|在|对|向|将|把|被|等|以|从|据|同期|"
    "发挥|推动|支持|组织|参加|参与|出席|召开|举办|应邀|代表|加入|成为|担任|牵头|协办|主办|"
    "承办|指导|根据|关于|包括|通过|所属|旗下"
)
_NAME_CHARS = r"[\u3400-\u9fffA-Za-z0-9（）()·\-]"
FULL_NAME = re.compile(rf"({_NAME_CHARS}{{2,40}}?)({_FULL})(?!协同发展网)")
SHORT_NAME = re.compile(rf"^({_NAME_CHARS}{{2,16}}?)(?:产业)?联盟")
_OFFICE_SUFFIX = re.compile(r"(秘书处|理事会|办公室)$")
_LEAD_WORD = re.compile(rf"(?:{_LEAD_WORDS})")
# A title stops at the next 《: a run of unclosed 《 must not make each one scan to the end.
_BOOK_TITLE = re.compile(r"《[^《》]*》")
_SEGMENT = re.compile(r"[^，。；：！？“”「」《》\s]+")


def alliance_stem(name: str) -> str:
    """粉末冶金产业技术创新战略联盟 → 粉末冶金; 粉末冶金联盟 → 粉末冶金."""
    name = _OFFICE_SUFFIX.sub("", name)
    for suffix in (*FULL_SUFFIXES, "联盟"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return ""


def is_full_alliance_name(name: str) -> bool:
    return name.endswith(FULL_SUFFIXES[:4]) and bool(alliance_stem(name))


def trim_leading_words(candidate: str) -> str:
    """Cut a run of text down to the name at its end (同意健康建筑 → 健康建筑)."""
    parts = _LEAD_WORD.split(candidate)
    return parts[-1] if parts[-1] else candidate


def full_names_in(text: str, known_stems: Iterable[str] = ()) -> list[str]:
    """Full alliance names in running text, outside 《book titles》.

    Where a name starts is the hard part.  In order: a known stem at the end
    of the run wins (会议同期第三代半导体 → 第三代半导体); an item of an
    enumeration (…、现代农业与食品前沿…联盟、…) is taken whole; otherwise the
    run is cut after the last verb or preposition.
    """
    known = sorted(set(known_stems), key=len, reverse=True)
    text = _BOOK_TITLE.sub("，", text)
    found = []
    for segment_match in _SEGMENT.finditer(text):
        segment = segment_match.group(0)
        parts = segment.split("、")
        for index, part in enumerate(parts):
            for m in FULL_NAME.finditer(part):
                run = m.group(1)
                stem = next((k for k in known if run.endswith(k)), None)
                if stem is None:
                    in_enumeration = index > 0 and m.start() == 0
                    stem = run if in_enumeration else trim_leading_words(run)
                if 2 <= len(stem) <= 16 and "的" not in stem:
                    found.append(stem + m.group(2))
    return found


def short_name_at_start(title: str) -> str | None:
    """Titles usually open with the alliance's short name: 粉末冶金联盟发布…"""
    m = SHORT_NAME.match(title)
    if not m:
        return None
    name = m.group(0)
    return None if name.endswith(FULL_SUFFIXES) else name


# --- Suggested merges ------------------------------------------------------
#
# The credit and the title of one article often name one alliance two ways.
# These rules compare stems only; a suggestion is never applied without an
# administrator's confirmation.


@dataclass(frozen=True)
class NamedAlliance:
    name: str
    weight: int = 0  # articles and short names: the better-attested name is kept


@dataclass(frozen=True)
class MergeSuggestion:
    a: str  # the name to keep
    b: str  # the name to fold into it
    confidence: float
    reason: str


def _single_insertion(short: str, long: str) -> str | None:
    """The run inserted into ``short`` to give ``long`` (应急装备 → 应急救援装备: 救援)."""
    if len(long) <= len(short):
        return None
    for cut in range(1, len(short)):
        head, tail = short[:cut], short[cut:]
        if long.startswith(head) and long.endswith(tail):
            return long[len(head) : len(long) - len(tail)]
    return None


def compare_stems(x: str, y: str) -> tuple[float, str] | None:
    """How likely two alliance stems name one alliance, and why; None when unrelated."""
    if x == y:
        return 0.9, "名称主干相同，仅后缀不同"
    short, long = sorted((x, y), key=len)
    if len(short) < 3 or short[0].isdigit():
        return None
    if long.startswith(short):
        return 0.6, f"一个名称比另一个多出“{long[len(short) :]}”"
    inserted = _single_insertion(short, long)
    if inserted and len(inserted) <= 4:
        return 0.6, f"一个名称在中间多出“{inserted}”"
    return None


def suggest_merges(
    alliances: Iterable[NamedAlliance],
    crossed_credits: Iterable[tuple[str, str, str]] = (),
    decided: Iterable[frozenset[str]] = (),
) -> list[MergeSuggestion]:
    """Pairs of registered alliances that are probably one.

    ``crossed_credits`` holds (credited alliance, alliance named in the title,
    article title) for articles whose two disagree; each such article raises
    the confidence, since one office wrote both names about one piece of news.
    Pairs in ``decided`` were answered by an administrator already.
    """
    alliances = [a for a in alliances if alliance_stem(a.name)]
    settled = set(decided)
    crossed: dict[frozenset[str], list[str]] = {}
    for credited, titled, title in crossed_credits:
        if credited != titled:
            crossed.setdefault(frozenset((credited, titled)), []).append(title)
    suggestions = []
    for i, x in enumerate(alliances):
        for y in alliances[i + 1 :]:
            pair = frozenset((x.name, y.name))
            if pair in settled:
                continue
            compared = compare_stems(alliance_stem(x.name), alliance_stem(y.name))
            titles = crossed.get(pair, [])
            if compared is None and not titles:
                continue
            confidence, reason = compared or (0.3, "")
            if titles:
                confidence = min(0.99, confidence + 0.3)
                evidence = f"《{titles[0]}》的供稿单位与标题中的联盟名称不一致"
                reason = f"{reason}；{evidence}" if reason else evidence
            keep, fold_in = sorted((x, y), key=_preference)
            suggestions.append(
                MergeSuggestion(keep.name, fold_in.name, round(confidence, 2), reason)
            )
    return sorted(suggestions, key=lambda s: (-s.confidence, s.a, s.b))


def _preference(alliance: NamedAlliance) -> tuple:
    # Better attested first; then the standard suffix; then the name itself, for stability.
    return (-alliance.weight, not alliance.name.endswith(FULL_SUFFIXES[0]), alliance.name)
