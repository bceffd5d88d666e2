"""Family 1: spaces in Chinese text (house style: none).

Rules
- ``space.cjk`` (错误): a space between two Chinese characters ("有限公司 荣获"),
  or next to full-width punctuation ("共建 “北京…”", "成效 。").
- ``space.cjk_latin`` (错误): a space between a Chinese character and a Latin
  letter or digit ("发布 7 项", "“X 大奖”", "2022 年"). 公文 practice, and this
  bulletin's, writes them together; autocorrect and clreq add such spaces, the
  office removes them.
- ``space.designator`` (错误): a committee of ISO or IEC written without the
  space before its number ("ISO/TC300" → "ISO/TC 300", "IEC/TC44").

A finding quotes the space with the character before it and suggests that
character alone, so applying it deletes exactly the space.

Exceptions (silent)
- The joint issuers the office writes with a space: "中共中央 国务院",
  "中共中央办公厅 国务院办公厅" (the formulation of joint documents).
- A slogan in quotes: a space between two Chinese phrases inside “…” that holds
  no sentence punctuation ("以“数字引擎 智慧未来”为主题").
- Letter-spacing of a short label: a text that is nothing but two to four
  Chinese characters with spaces between them ("简 报", "合　计").
- Spaces between Latin words and inside standard designators: "ISO/IEC JTC 1/SC
  6/WG 7", "ISO 26262", "GB/T 9704—2012", "Wang Fang" are never looked at.
- The masthead (报头), which is letter-spaced by design.
"""

from __future__ import annotations

import re

from jianbao.core.text import IDEOGRAPH
from jianbao.proofing import findings, texts
from jianbao.proofing.findings import ERROR, MASTHEAD

HAN = IDEOGRAPH + "〇"
OPENERS = "“‘《（【〔「『〈"
CLOSERS = "”’》）】〕」』〉"
# Full-width punctuation: a space on either side of one is never house style.
CJK_PUNCT = OPENERS + CLOSERS + "，。、；：？！…—·～"
SENTENCE_PUNCT = "，。；！？"
_PUNCT = frozenset(CJK_PUNCT)

HAN_CHAR = re.compile(f"[{HAN}]")
SPACE_RUN = re.compile(r"[ \t\u00a0\u3000\u2002-\u200a\u202f\u205f]+")
LATIN = re.compile(r"[A-Za-z0-9%‰\u00c0-\u024f]")
JOINT_ISSUERS = re.compile(r"中共中央(?:办公厅)?[ \u3000]国务院")
LETTER_SPACED = re.compile(rf"[{HAN}](?:[ \u3000]+[{HAN}]){{1,3}}")
# An ISO or IEC committee's designator: ISO/TC 300, ISO/IEC JTC 1/SC 6/WG 7 …
COMMITTEE_CHAIN = re.compile(
    r"(?<![A-Za-z])(?:ISO/IEC|ISO|IEC)(?:[ /](?:JTC|TC|SC|WG|JWG|PC|SyC|AG) ?\d+)+(?![\dA-Za-z])"
)
# … in which a committee's code is glued to its number: ISO/TC300, IEC/TC44, JTC1.
GLUED_COMMITTEE = re.compile(r"(JTC|TC|SC|WG|JWG|PC|SyC|AG)(\d+)")


def _in_slogan(text: str, start: int, end: int) -> bool:
    """Inside “…” (or 「…」) that has no sentence punctuation: a slogan's two phrases."""
    for opener, closer in ("“”", "「」", "‘’"):
        left = text.rfind(opener, 0, start)
        if left < 0 or text.rfind(closer, left, start) >= 0:
            continue
        right = text.find(closer, end)
        if right < 0:
            continue
        inside = text[left + 1 : right]
        if not any(p in inside for p in SENTENCE_PUNCT):
            return True
    return False


def _joint_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in JOINT_ISSUERS.finditer(text)] if "国务院" in text else []


def check(bulletin, context):
    for unit in texts.units(bulletin):
        if unit.where.part == MASTHEAD:
            continue
        text = unit.text
        if SPACE_RUN.search(text):
            yield from _spaces(unit, text)
        if "ISO" in text or "IEC" in text:
            yield from _designators(unit, text)


def _spaces(unit, text: str):
    if LETTER_SPACED.fullmatch(text):
        return
    joint = _joint_spans(text)
    for m in SPACE_RUN.finditer(text):
        start, end = m.span()
        if start == 0 or end == len(text):
            continue
        left, right = text[start - 1], text[end]
        left_han, right_han = HAN_CHAR.match(left), HAN_CHAR.match(right)
        if left in _PUNCT or right in _PUNCT:
            rule, message = "space.cjk", "标点符号前后不应有空格。"
        elif left_han and right_han:
            if any(a <= start and end <= b for a, b in joint) or _in_slogan(text, start, end):
                continue
            rule, message = "space.cjk", "汉字之间不应有空格。"
        elif (left_han and LATIN.match(right)) or (right_han and LATIN.match(left)):
            rule, message = "space.cjk_latin", "汉字与字母、数字之间按本刊体例不加空格。"
        else:
            continue
        yield findings.found(
            unit, start - 1, end, rule=rule, severity=ERROR, message=message, suggestion=left
        )


def _designators(unit, text: str):
    glued = (
        g
        for chain in COMMITTEE_CHAIN.finditer(text)
        for g in GLUED_COMMITTEE.finditer(text, *chain.span())
    )
    for m in glued:
        start, end = m.span()
        yield findings.found(
            unit,
            start,
            end,
            rule="space.designator",
            severity=ERROR,
            message="技术委员会代号与编号之间应有空格（如 ISO/TC 300）。",
            suggestion=f"{m.group(1)} {m.group(2)}",
        )
