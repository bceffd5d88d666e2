"""Family 3: connecting marks and the 顿号 between titles (GB/T 15834-2011).

Rules
- ``dash.range`` (错误): the start and end of a span of time take the 一字线 "—"
  (GB/T 15834 4.13.3.2): "2023-2025年" → "2023—2025年", "2023年-2025年", "3月13日-15日",
  "3月13-15日", "3-5月", "9:00-11:00". Hyphens, en dashes, full-width hyphens
  and the half-width "~" are flagged; "～" is left alone.
- ``dash.number_range`` (错误): a range of numbers takes the 浪纹线 "～"
  (4.13.3.3): "3-5个" → "3～5个", "10-20家", "3%-5%". Only a range followed by a
  unit or measure word is read as one.
- ``mark.adjacent_dunhao`` (建议): no 顿号 between titles in 书名号 or items in
  quotes that stand directly side by side (GB/T 15834 4.5.3.5):
  "《A》、《B》" → "《A》《B》", "“A”、“B”" → "“A”“B”".

Exceptions (silent)
- The hyphen where it belongs: phone numbers ("010-68598000": a number starting
  with 0, or with no unit after it), standard designators ("GB/T 9704-2012",
  "ISO/IEC 4396", "GB/T 1988-1998": a range right after capital letters is a
  designator's), model numbers ("TC4-5型": digits glued to letters), house
  numbers ("76-3号").
- A range whose first number lacks 万/亿/% ("9-16亿") is left to
  ``number.range_unit``, which fixes the unit and the mark at once.
- A 顿号 between titles with something between them ("《A》（2020年）、《B》").
"""

from __future__ import annotations

import re

from jianbao.proofing import findings, texts
from jianbao.proofing.findings import ADVICE, ERROR, MASTHEAD

HYPHENS = "-–－‐‑~"
_H = "\\-–－‐‑~"

YEAR_RANGE = re.compile(
    rf"(?<![\d.A-Za-z])((?:19|20)\d\d)(年?)[ ]?[{_H}][ ]?((?:19|20)\d\d)(?![\d.\-])"
)
DATE_RANGE = re.compile(
    rf"(?<![\d.])(\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月|\d{{1,2}}日)[ ]?[{_H}][ ]?"
    rf"(\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月|\d{{1,2}}日)"
)
# 3月13-15日, 3-5月 (not 3-5个月: a count).
DAY_SPAN = re.compile(rf"(?<=月)(\d{{1,2}})[{_H}](\d{{1,2}})(?=日)")
MONTH_SPAN = re.compile(rf"(?<![\d./A-Za-z])(\d{{1,2}})[{_H}](\d{{1,2}})(?=月)")
TIME_RANGE = re.compile(
    rf"(?<![\d:])(\d{{1,2}}[:：]\d\d)[ ]?[{_H}][ ]?(\d{{1,2}}[:：]\d\d)(?![\d:])"
)
UNITS = "个项家人名位次场件天周岁倍吨元米条所台套批届种类篇份座根只户栋层页章节组颗株头匹辆艘架款例"
NUMBER_RANGE = re.compile(
    rf"(?<![\d.A-Za-z/{_H}])([1-9]\d*(?:\.\d+)?|0\.\d+)(%|‰|万|亿)?"
    rf"[ ]?[{_H}][ ]?(\d+(?:\.\d+)?)(?![\d.{_H}])"
    rf"(?=%|‰|℃|万|亿|[{UNITS}]|小时|分钟|秒|公里|千米|千克|公斤|平方|立方|毫|厘|年(?!度))"
)
# Capital letters (and a number) just before: a designator, GB/T 1988-1998.
DESIGNATOR_TAIL = re.compile(r"[A-Z]{1,8}(?:/[A-Z]{1,3})?[ ]?(?:\d+(?:\.\d+)*[.\-])?$")
ADJACENT_DUNHAO = re.compile(r"》、《|”、“")


def check(bulletin, context):
    for unit in texts.units(bulletin):
        if unit.where.part == MASTHEAD:
            continue
        text = unit.text
        if any(h in text for h in HYPHENS):
            yield from _ranges(unit, text)
        if "、" in text:
            yield from _dunhao(unit, text)


def designator_before(text: str, start: int) -> bool:
    return bool(DESIGNATOR_TAIL.search(text, max(0, start - 16), start))


def _dash(unit, start: int, end: int, fixed: str):
    return findings.found(
        unit,
        start,
        end,
        rule="dash.range",
        severity=ERROR,
        message="时间的起止应使用一字线“—”（GB/T 15834）。",
        suggestion=fixed,
    )


def _ranges(unit, text: str):
    taken: list[tuple[int, int]] = []

    def free(start, end):
        return all(end <= a or b <= start for a, b in taken)

    for m in YEAR_RANGE.finditer(text):
        first, nian, last = m.group(1), m.group(2), m.group(3)
        if int(last) <= int(first) or int(last) - int(first) > 100:
            continue
        if designator_before(text, m.start()):
            continue
        taken.append(m.span())
        yield _dash(unit, m.start(), m.end(), f"{first}{nian}—{last}")
    for pattern in (DATE_RANGE, DAY_SPAN, MONTH_SPAN, TIME_RANGE):
        for m in pattern.finditer(text):
            if not free(*m.span()) or designator_before(text, m.start()):
                continue
            taken.append(m.span())
            yield _dash(unit, m.start(), m.end(), f"{m.group(1)}—{m.group(2)}")
    for m in NUMBER_RANGE.finditer(text):
        start, end = m.span()
        first, percent, last = m.group(1), m.group(2) or "", m.group(3)
        if not free(start, end) or designator_before(text, start):
            continue
        if float(last) <= float(first):
            continue
        unit_after = text[end : end + 1]
        if unit_after == "年" and (float(first) >= 100 or float(last) >= 100):
            continue  # years, not a count of them
        if unit_after in "万亿%‰" and not percent:
            continue  # number.range_unit: "9-16亿" → "9亿～16亿"
        taken.append((start, end))
        yield findings.found(
            unit,
            start,
            end,
            rule="dash.number_range",
            severity=ERROR,
            message="数值范围的起止应使用浪纹线“～”（GB/T 15834）。",
            suggestion=f"{first}{percent}～{last}",
        )


def _dunhao(unit, text: str):
    for m in ADJACENT_DUNHAO.finditer(text):
        pair = m.group()
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="mark.adjacent_dunhao",
            severity=ADVICE,
            message=(
                "并列的书名号之间通常不用顿号（GB/T 15834）。"
                if pair[0] == "》"
                else "并列的引号之间通常不用顿号（GB/T 15834）。"
            ),
            suggestion=pair[0] + pair[2],
        )
