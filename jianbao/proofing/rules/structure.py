"""Rule family 8: the bulletin's structure, against its series and the archive.

- ``toc.title_mismatch``: an article's 导读 title differs from its title. A
  slip (a few characters apart: …总书记在两会上 / …总书记在全国两会上) is an
  error; a wording of its own is a hint, since the desk lets an editor choose
  one. ``toc.section_mismatch``: the same for a section's 导读 name.
- ``section.not_in_series``: a section the series does not have (the series'
  closest name suggested); ``section.order``: the series' sections out of order.
- ``numbering.number`` / ``numbering.running`` / ``numbering.year``: 第N期 and
  总第M期 follow the previous issue of the series (same year: N+1, a new
  year: 1; M+1), and the masthead's date lies in the issue's year.
- ``colophon.missing``: no 报 or 送 list (or one the series has is missing);
  ``colophon.list``: a name of the series' lists left out, or one added;
  ``colophon.standard_name``: a full name in a list that otherwise uses the
  standard short names (人力资源和社会保障部 among 科技部、发展改革委 …).
- ``signoff.missing`` / ``signoff.same_person``: 编辑, 审核 and 签发 are three
  different people. Names are missing only once the issue is signed
  (``context.signed_on``: imported, signed in the desk, or a printed file): in
  the desk each step of the workflow fills its own name in. 审核 and 签发 by one
  person is advice only, as a series may let one person do both.
  ``signoff.date``: the masthead's date is not before 签发.
- ``abbr.used_before``: a short form used in an article before the （以下简称X）
  that defines it; ``abbr.unused``: a short form defined and never used after;
  ``abbr.undefined``: an organisation's short form made of characters from
  different words of a full name the article gave before (中国肉类食品综合研究
  中心 … 肉研中心), never defined: the full name gets （以下简称“肉研中心”）.
  Short forms that are one piece of the full name (科学院, 原子能院) are left
  alone, and so are those not taken from its first words (大连化物所).
  Titles are left out: a title uses the short form its article then defines.
"""

from __future__ import annotations

import difflib
import re

from ..context import NAME
from ..dictionary import is_full_name
from ..findings import (
    ADVICE,
    COLOPHON,
    ERROR,
    HINT,
    MASTHEAD,
    SECTION,
    TITLE,
    TOC,
    TOC_TITLE,
    Finding,
    Where,
    found,
)
from ..texts import units

SLIP = 4  # 导读 and title this many characters apart (or fewer) differ by mistake
SIGNOFF = (("editor", "编辑"), ("reviewer", "审核"), ("signer", "签发"))
_CLAUSE_END = re.compile(r"[，。；：！？]")
_ORG_SUFFIX = re.compile(r"中心|院|所|公司|集团")
_CJK_RUN_END = re.compile(r"[\u4e00-\u9fff]{1,24}$")
FULL_NAME_MIN = 6  # characters before the suffix: a full name, not a short one
# Words before which an organisation's name starts (理事长单位中国肉类食品…, 由…, 在…).
_NAME_START = re.compile(r".*(?:单位|联盟|的|由|在|是|对|向|将|把|被|经|依托|会同|联合|牵头|参与)")
_DEFINITION = re.compile(
    r"[（(](?:以下)?简称[:：]?\s*([“《]?)([^（）()“”《》，。；]{1,20}?)([”》]?)[）)]"
)


def _note(where: Where, rule: str, severity: str, message: str, quote="", suggestion=None):
    """A finding on something that is not a piece of text (a number, a missing name)."""
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        where=where,
        quote=quote,
        suggestion=suggestion,
    )


def _apart(a: str, b: str) -> int:
    """How many characters two texts differ by (inserted, deleted or changed)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
    )


def check(bulletin, context):
    everything = list(units(bulletin))
    yield from _toc(bulletin, everything)
    yield from _sections(bulletin, everything, context)
    yield from _numbering(bulletin, context)
    yield from _colophon(bulletin, everything, context)
    yield from _signoff(bulletin, context)
    yield from _abbreviations(everything)


# --- 导读 ----------------------------------------------------------------------


def _toc(bulletin, everything):
    titles = {}
    for unit in everything:
        if unit.where.part == TITLE:
            titles[unit.where.article] = unit.text
    for unit in everything:
        where = unit.where
        if where.part == TOC_TITLE and unit.text != titles.get(where.article, unit.text):
            title = titles[where.article]
            slip = _apart(unit.text, title) <= SLIP
            yield found(
                unit,
                0,
                len(unit.text),
                rule="toc.title_mismatch",
                severity=ERROR if slip else HINT,
                message="导读中的标题与文章标题不一致"
                if slip
                else "导读中的标题与文章标题措辞不同，请确认",
                suggestion=title,
            )
    for s, section in enumerate(bulletin.sections, start=1):
        if section.toc_title and section.toc_title != section.title:
            unit = next(
                u
                for u in everything
                if u.where.part == SECTION and u.where.section == s and u.where.field == "导读"
            )
            yield found(
                unit,
                0,
                len(unit.text),
                rule="toc.section_mismatch",
                severity=ERROR if _apart(section.toc_title, section.title) <= SLIP else HINT,
                message="导读中的栏目名与正文栏目名不一致",
                suggestion=section.title,
            )


# --- Sections ------------------------------------------------------------------


def _sections(bulletin, everything, context):
    series = list(context.series_sections)
    if not series:
        return
    placed = []
    for s, section in enumerate(bulletin.sections, start=1):
        if section.title in series:
            placed.append(series.index(section.title))
            continue
        unit = next(
            u
            for u in everything
            if u.where.part == SECTION and u.where.section == s and not u.where.field
        )
        close = difflib.get_close_matches(section.title, series, n=1, cutoff=0.6)
        yield found(
            unit,
            0,
            len(unit.text),
            rule="section.not_in_series",
            severity=ADVICE,
            message=f"栏目名不在本系列的固定栏目中（{'、'.join(series)}）",
            suggestion=close[0] if close else None,
        )
    if placed != sorted(placed):
        yield _note(
            Where(TOC),
            "section.order",
            HINT,
            f"栏目顺序与本系列不同：应为{'、'.join(series)}",
        )


# --- 第N期 / 总第M期 ---------------------------------------------------------------


def _numbering(bulletin, context):
    if bulletin.date is not None and bulletin.date.year != bulletin.year:
        yield _note(
            Where(MASTHEAD, field="日期"),
            "numbering.year",
            ERROR,
            f"报头日期{bulletin.date.year}年与期号的年份{bulletin.year}年不符",
            quote=f"{bulletin.year}年",
        )
    previous = context.previous
    if previous is None:
        return
    number = previous.number + 1 if previous.year == bulletin.year else 1
    if bulletin.year < previous.year:
        number = None  # an issue older than its predecessor: the archive decides nothing
    if number is not None and bulletin.number != number:
        yield _note(
            Where(MASTHEAD, field="期号"),
            "numbering.number",
            ERROR,
            f"上一期为{previous.year}年第{previous.number}期，本期应为{bulletin.year}年第{number}期",
            quote=f"第{bulletin.number}期",
            suggestion=f"第{number}期",
        )
    running = previous.running_number + 1
    if bulletin.running_number != running:
        yield _note(
            Where(MASTHEAD, field="总期号"),
            "numbering.running",
            ERROR,
            f"上一期为总第{previous.running_number}期，本期应为总第{running}期",
            quote=f"总第{bulletin.running_number}期",
            suggestion=f"总第{running}期",
        )


# --- 报/送 -----------------------------------------------------------------------


def _colophon(bulletin, everything, context):
    issue_lists = {k: v for k, v in bulletin.distribution.items() if v}
    series_lists = {k: tuple(v) for k, v in (context.distribution or {}).items() if v}
    if not issue_lists:
        yield _note(
            Where(COLOPHON, field="报送"), "colophon.missing", ERROR, "缺少报送范围（报、送）"
        )
        return
    for label in ("报", "送"):
        if label not in issue_lists and (label in series_lists or not series_lists):
            yield _note(
                Where(COLOPHON, field=label), "colophon.missing", ERROR, f"版记缺少“{label}”的名单"
            )
    for label, names in issue_lists.items():
        expected = series_lists.get(label)
        if not expected:
            continue
        missing = [n for n in expected if n not in names]
        if missing:
            yield _note(
                Where(COLOPHON, field=label),
                "colophon.list",
                HINT,
                f"“{label}”的名单少了本系列默认的{'、'.join(missing)}",
            )
        for unit in everything:
            if (
                unit.where.part == COLOPHON
                and unit.where.field == label
                and unit.text not in expected
            ):
                yield found(
                    unit,
                    0,
                    len(unit.text),
                    rule="colophon.list",
                    severity=HINT,
                    message=f"“{label}”的名单中有本系列默认名单之外的单位",
                )
    full_names = {e.term: e for e in context.entries(NAME) if is_full_name(e)}
    if not full_names:
        return
    shorts = {e.replacement for e in full_names.values()}
    for label, names in issue_lists.items():
        if not any(n in shorts for n in names):
            continue  # a list of full names throughout is consistent
        for unit in everything:
            if unit.where.part == COLOPHON and unit.where.field == label:
                entry = full_names.get(unit.text)
                if entry is not None:
                    yield found(
                        unit,
                        0,
                        len(unit.text),
                        rule="colophon.standard_name",
                        severity=ADVICE,
                        message="报送名单用规范简称，与名单中其他单位一致",
                        suggestion=entry.replacement,
                    )


# --- 编辑 / 审核 / 签发 ---------------------------------------------------------------


def _signoff(bulletin, context):
    names = {label: getattr(bulletin, attr).strip() for attr, label in SIGNOFF}
    signed_on = context.signed_on
    for label, name in names.items():
        if not name and signed_on is not None:
            yield _note(
                Where(COLOPHON, field=label), "signoff.missing", ERROR, f"版记缺少{label}人员"
            )
    seen: dict[str, str] = {}
    for label, name in names.items():
        if name and name in seen:
            yield _note(
                Where(COLOPHON, field=label),
                "signoff.same_person",
                ADVICE if seen[name] == "审核" else ERROR,
                f"{seen[name]}与{label}是同一人（{name}）：编辑、审核、签发应为三人",
                quote=name,
            )
        seen.setdefault(name, label)
    if bulletin.date is not None and signed_on is not None and bulletin.date < signed_on:
        yield _note(
            Where(MASTHEAD, field="日期"),
            "signoff.date",
            ERROR,
            f"报头日期早于签发日期（{signed_on.year}年{signed_on.month}月{signed_on.day}日）",
            quote=f"{bulletin.date.year}年{bulletin.date.month}月{bulletin.date.day}日",
        )


# --- 以下简称 -----------------------------------------------------------------------


def _abbreviations(everything):
    by_article: dict[int, list] = {}
    for unit in everything:
        if unit.where.article is not None and unit.where.part not in (TITLE, TOC_TITLE):
            by_article.setdefault(unit.where.article, []).append(unit)
    for article_units in by_article.values():
        definitions = []
        for n, unit in enumerate(article_units):
            if "简称" in unit.text:
                for m in _DEFINITION.finditer(unit.text):
                    opening, short, closing = m.groups()
                    # 《实施方案》 is used with its marks; “联盟协发网” without its quotes.
                    short = opening + short + closing if opening == "《" else short
                    definitions.append((n, m.start(), m.end(), short.strip()))
        yield from _undefined(article_units, {d[3] for d in definitions})
        for n, start, end, short in definitions:
            if len(short) < 2:
                continue
            early = None
            # The clause that defines it holds the full name, which may contain the short one.
            clause = _CLAUSE_END.search(article_units[n].text[:start][::-1])
            clause_start = start - clause.start() if clause else 0
            for k, unit in enumerate(article_units[: n + 1]):
                limit = clause_start if k == n else len(unit.text)
                at = unit.text.find(short, 0, limit)
                if at >= 0:
                    early = (unit, at)
                    break
            if early is not None:
                unit, at = early
                yield found(
                    unit,
                    at,
                    at + len(short),
                    rule="abbr.used_before",
                    severity=ADVICE,
                    message=f"简称“{short}”在定义（以下简称）之前已经使用",
                )
            later = any(
                short in unit.text[end if k == n else 0 :]
                for k, unit in enumerate(article_units[n:], start=n)
            )
            if not later:
                unit = article_units[n]
                yield found(
                    unit,
                    start,
                    end,
                    rule="abbr.unused",
                    severity=HINT,
                    message=f"定义了简称“{short}”，但后文没有使用",
                )


def _subsequence_start(part: str, full: str) -> int | None:
    """Where ``part`` starts as a subsequence of ``full`` (its first character's place)."""
    for first in range(len(full)):
        if full[first] != part[0]:
            continue
        rest = iter(full[first + 1 :])
        if all(ch in rest for ch in part[1:]):
            return first
    return None


def _undefined(article_units, defined):
    """Short forms of organisations taken from a full name the article gave, never defined."""
    fulls = []  # (unit, suffix start, run before it, suffix)
    reported = set()
    for unit in article_units:
        text = unit.text
        for m in _ORG_SUFFIX.finditer(text):
            run = _CJK_RUN_END.search(text, max(0, m.start() - 24), m.start())
            if run is None:
                continue
            run, suffix = run.group(0), m.group(0)
            for size in (4, 3, 2):
                stem = run[-size:]
                short = stem + suffix
                if len(stem) < size or short in defined or short in reported:
                    continue
                hit = _full_for(stem, suffix, fulls)
                if hit is None:
                    continue
                full_unit, at, length = hit
                reported.add(short)
                yield found(
                    full_unit,
                    at,
                    at + length,
                    rule="abbr.undefined",
                    severity=ADVICE,
                    message=f"后文用简称“{short}”，全称首次出现时宜注明简称",
                    suggestion=full_unit.text[at : at + length] + f"（以下简称“{short}”）",
                )
                break
            lead = _NAME_START.match(run)
            name = run[lead.end() :] if lead else run
            if len(name) >= FULL_NAME_MIN:
                fulls.append((unit, m.start(), name, suffix))


def _full_for(stem, suffix, fulls):
    """(unit, start, length) of the earlier full name ``stem + suffix`` shortens, or None."""
    for unit, suffix_at, run, full_suffix in fulls:
        if full_suffix != suffix or stem in run:
            continue
        first = _subsequence_start(stem, run)
        if first is not None and first <= 3:  # from its first words: 中国肉类… → 肉研
            start = suffix_at - len(run)
            return unit, start, suffix_at + len(suffix) - start
    return None
