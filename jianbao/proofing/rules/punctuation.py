"""Family 2: full- and half-width punctuation, paired marks, repeated marks.

Rules
- ``punct.halfwidth`` (错误): half-width marks in Chinese text, where GB/T 15834
  and the bulletin use full-width ones:
  - brackets ( ) around Chinese text, or between two Chinese characters:
    "76号(南院)" → "76号（南院）"; a whole credit line "(…供稿)" the same way
    (the credit-line style is full-width, as the other credits of the issue);
    a lone ( or ) beside a full-width partner ("(南院）");
  - , ; : ? ! after a Chinese character (or before one): "中国,美国" → "中国，美国";
    a . after a Chinese character at the end of the text or before another one;
  - straight double quotes around Chinese text: '"数字中国"' → "“数字中国”".
- ``punct.unbalanced`` (错误): “” ‘’ 《》 （） 【】 〔〕 「」 『』 〈〉 left open or
  closed without opening within one text unit (a bracket's half-width form
  counts as its partner here: the width is the rule above).
- ``punct.repeated`` (错误): a mark doubled (，， 。。 、、 ；； ：：) or two
  sentence marks in a row (，。 。，).

Exceptions (silent)
- Half-width marks between Latin letters or digits: "ISO 9001(2015)", "10:30",
  "1,000", URLs and e-mail addresses; a decimal or list "1." never counts.
- A quotation running over several paragraphs: the “ left open at the end of a
  paragraph is closed by the paragraph after it, which opens with “ again
  (GB/T 15834); the 编者按's paragraphs (its lines) are read the same way.
- The bracket of a list number standing alone, at the start of a text or after
  a clause ("1）加强…；2）推进…", "a)").
- An apostrophe (’ between Latin letters: "China’s").
- Repeated ！ and ？ and their pairs (GB/T 15834 allows them), "……", "——".
- The 报头 is not looked at; the 版记's contact lines (addresses) are, for
  brackets only, since texts.units does not carry them.
"""

from __future__ import annotations

import re

from jianbao.proofing import findings, texts
from jianbao.proofing.findings import COLOPHON, CREDIT, ERROR, MASTHEAD, Where
from jianbao.proofing.texts import Unit

from .spaces import HAN_CHAR

FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
PAIRS = dict(zip("“‘《（【〔「『〈", "”’》）】〕」』〉", strict=True))
CLOSING = {v: k for k, v in PAIRS.items()}
CJK_CLOSERS = "”’》）】〕」』〉"
CHINESE_NUMERALS = "一二三四五六七八九十〇零"

HALF_PAREN = re.compile(r"\(([^()\n]{0,120})\)")
LONE_PAREN = re.compile(r"[()]")
HALF_MARK = re.compile(r"[,;:?!.]")
STRAIGHT_QUOTED = re.compile(r'"([^"\n]{1,80})"')
PAIRED = re.compile(r"[“”‘’《》（）【】〔〕「」『』〈〉()]")
# A list number closed by a bracket alone, after a clause or at the start: 1） a) 二）.
LIST_NUMBER = re.compile(
    r"(?<![^；。：，、\s])(?:\d{1,3}|[A-Za-z]|[一二三四五六七八九十]{1,3})[)）]$"
)
# Links and addresses keep their marks; each starts where a word starts (linear).
URL = re.compile(
    r"(?<![\w.+/-])(?:https?://|www\.)[^\s，。；、“”（）]*|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
REPEATED = re.compile(r"([，。、；：])\1+|[，、；：][，。、；：]|。[，、；：。]")


def check(bulletin, context):
    units = [u for u in texts.units(bulletin) if u.where.part != MASTHEAD]
    for i, unit in enumerate(units):
        text = unit.text
        if "(" in text or ")" in text:
            yield from _brackets(unit, text)
        if HALF_MARK.search(text):
            yield from _marks(unit, text)
        if '"' in text:
            yield from _straight_quotes(unit, text)
        if PAIRED.search(text):
            following = units[i + 1] if i + 1 < len(units) else None
            yield from _paired(unit, following)
        yield from _repeated(unit, text)
    for contact in bulletin.contacts:
        if "(" in contact.value or ")" in contact.value:
            unit = Unit(Where(COLOPHON, field=contact.label), contact.value)
            yield from _brackets(unit, contact.value)


def _han(text: str, at: int) -> bool:
    return 0 <= at < len(text) and bool(HAN_CHAR.match(text[at]))


def _brackets(unit, text: str):
    paired = set()
    credit = unit.where.part == CREDIT or text.endswith("供稿)")
    for m in HALF_PAREN.finditer(text):
        start, end = m.span()
        inside = m.group(1)
        chinese = HAN_CHAR.search(inside) or "（" in inside
        between = (start == 0 or _han(text, start - 1)) and _han(text, end)
        if not (chinese or between):
            continue
        paired.update((start, end - 1))
        what = "供稿行" if credit and "供稿" in inside else "中文文本中"
        yield findings.found(
            unit,
            start,
            end,
            rule="punct.halfwidth",
            severity=ERROR,
            message=f"{what}应使用全角括号“（）”。",
            suggestion=f"（{inside}）",
        )
    for m in LONE_PAREN.finditer(text):
        at = m.start()
        if at in paired:
            continue
        opening = m.group() == "("
        partner = "）" if opening else "（"
        inside = _han(text, at + 1) if opening else _han(text, at - 1)
        if not inside or partner not in text:
            continue
        yield findings.found(
            unit,
            at,
            at + 1,
            rule="punct.halfwidth",
            severity=ERROR,
            message="半角括号与全角括号混用，中文文本中应使用全角括号。",
            suggestion="（" if opening else "）",
        )


def _marks(unit, text: str):
    links = [m.span() for m in URL.finditer(text)] if ("/" in text or "@" in text) else []
    for m in HALF_MARK.finditer(text):
        at = m.start()
        if any(a <= at < b for a, b in links):
            continue
        mark = m.group()
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        after_chinese = _han(text, at + 1)
        before_chinese = _han(text, at - 1) or (before and before in CJK_CLOSERS)
        if mark == ".":
            # Only a full stop: after a Chinese character (not a numeral of a
            # heading, 一.), at the end or before more Chinese.
            if not (_han(text, at - 1) and before not in CHINESE_NUMERALS):
                continue
            if not (after == "" or after_chinese):
                continue
        elif not before_chinese and not (
            # "A,中": a Latin word then Chinese; never between digits (1,000).
            after_chinese and before and not before.isdigit() and before != " "
        ):
            continue
        yield findings.found(
            unit,
            at,
            at + 1,
            rule="punct.halfwidth",
            severity=ERROR,
            message=f"中文文本中应使用全角标点“{FULL[mark]}”。",
            suggestion=FULL[mark],
        )


def _straight_quotes(unit, text: str):
    for m in STRAIGHT_QUOTED.finditer(text):
        if not HAN_CHAR.search(m.group(1)):
            continue
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="punct.halfwidth",
            severity=ERROR,
            message="中文文本中应使用全角引号“”。",
            suggestion=f"“{m.group(1)}”",
        )


def _paired(unit, following):
    """Pairs are checked per paragraph: the 编者按 holds several, one per line."""
    lines = unit.text.split("\n")
    offset = 0
    for k, line in enumerate(lines):
        after = next((rest for rest in lines[k + 1 :] if rest.strip()), None)
        if after is not None:
            continued = after.lstrip().startswith("“")
        else:
            continued = _continued_quotation(unit, following)
        yield from _unbalanced(unit, line, offset, continued)
        offset += len(line) + 1


def _unbalanced(unit, text: str, offset: int, continued: bool):
    stack: list[tuple[str, int]] = []  # (opening mark as written, where)
    lonely: list[tuple[str, int]] = []
    for m in PAIRED.finditer(text):
        mark, at = m.group(), m.start()
        if mark in PAIRS or mark == "(":
            stack.append((mark, at))
            continue
        if mark == "’" and at and text[at - 1].isalpha() and not _han(text, at - 1):
            continue  # an apostrophe: China’s
        wanted = CLOSING["）" if mark == ")" else mark]
        if stack and _opens(stack[-1][0], wanted):
            stack.pop()
        elif any(_opens(o, wanted) for o, _ in stack):
            while not _opens(stack[-1][0], wanted):
                lonely.append(stack.pop())
            stack.pop()
        elif not _list_number(text, at):
            lonely.append((mark, at))
    if stack and continued:
        stack = [(o, at) for o, at in stack if o != "“"]
    for mark, at in sorted(lonely + stack, key=lambda item: item[1]):
        if mark in PAIRS or mark == "(":
            message = f"“{mark}”没有与之配对的“{PAIRS.get(mark, '）')}”。"
        else:
            message = f"“{mark}”前面没有与之配对的“{CLOSING.get(mark, '（')}”。"
        start = offset + at
        yield findings.found(
            unit, start, start + 1, rule="punct.unbalanced", severity=ERROR, message=message
        )


def _opens(mark: str, wanted: str) -> bool:
    return mark == wanted or (mark == "(" and wanted == "（")


def _list_number(text: str, at: int) -> bool:
    """The bracket closes a list number: "1）加强…", "…；2）推进…"."""
    return LIST_NUMBER.search(text, max(0, at - 3), at + 1) is not None


def _continued_quotation(unit, following) -> bool:
    """The next paragraph of the same article opens with “: one quotation over paragraphs."""
    return (
        following is not None
        and following.article is unit.article
        and following.where.part == unit.where.part
        and following.text.startswith("“")
    )


def _repeated(unit, text: str):
    for m in REPEATED.finditer(text):
        run = m.group()
        same = len(set(run)) == 1
        suggestion = run[0] if same and run != "。。。" else None
        yield findings.found(
            unit,
            m.start(),
            m.end(),
            rule="punct.repeated",
            severity=ERROR,
            message="标点符号重复。" if same else "两个标点符号连用，请删去其一。",
            suggestion=suggestion,
        )
