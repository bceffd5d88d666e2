"""Rule family 6: usage and fixed formulations, from the dictionary.

Three rules, all driven by ``context.entries(...)`` (the shipped dictionary
merged with the office's, as of the issue's date):

- ``usage.word``: a usage entry's term found → its replacement (做出…贡献 →
  作出…贡献, 扶植 → 扶持, 截止2022年底 → 截至2022年底). A term may hold a gap
  (…), a choice of words ({贡献|决定}) and a point in time ({时间}); see
  data/dictionary.toml. Only the words that differ are quoted and replaced.
- ``usage.formulation``: a fixed formulation written with other punctuation or
  spaces between its words (党中央国务院 → 党中央、国务院), or, when it is long,
  with one or two characters left out or changed. Words added to it are never
  flagged: 习近平新时代中国特色社会主义经济思想 is a name of its own.
- ``usage.name``: a wrong or outdated name of a State Council department →
  its standard name (国家发改委 → 国家发展改革委; 农业部 → 农业农村部 from
  2018-04-03 on). Not after 原 (原农业部 names the old ministry on purpose),
  and not where the name is the start of a longer word (农业部门, 交通部署).

Nothing inside 《》 is flagged: a document's title is quoted as it was issued.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..context import FORMULATION, NAME, USAGE, Entry
from ..dictionary import is_full_name
from ..findings import ADVICE, ERROR, found
from ..texts import units

GAP = r"[^，。；：！？、\n《》“”]{0,6}?"
TIME = (
    r"(?:\d{1,4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|[一二三四五六七八九十〇零]{2,4}年|"
    r"目前|今年|去年|当前|年底|年末|年初|月底|月末|本月|上月|本年|今天|昨天|发稿时|报告期末)"
)
_TOKEN = re.compile(r"…+|\{[^{}]*\}|[^…{]+")
_BOOK = re.compile(r"《[^《》]*》")
_LATIN = re.compile(r"[A-Za-z0-9]")
# Between the words of a formulation: what a slip puts there instead (no ，: it ends a clause).
_SEPARATORS = r"[\s\u3000、·,/]{0,2}"
_STRIP = re.compile(r"[\s\u3000、·,，/]")
FUZZY_MIN = 8  # formulations this long are also found with a character or two wrong
# After these a department's name is the start of another word: 农业部门, 交通部署, 部队.
_WORD_AFTER = "门署分位件落队"


def _build(source: str) -> re.Pattern:
    """Every pattern made from the dictionary: its words escaped, gaps and lists bounded,
    so no entry the office writes can make a slow pattern (tests/test_regex_linear.py)."""
    return re.compile(source)


def _tokens(term: str) -> list[tuple[str, str]]:
    out = []
    for t in _TOKEN.findall(term):
        if t.startswith("…"):
            out.append(("gap", ""))
        elif t == "{时间}":
            out.append(("time", ""))
        elif t.startswith("{"):
            out.append(("alt", t[1:-1]))
        else:
            out.append(("lit", t))
    return out


def _token_pattern(kind: str, text: str) -> str:
    if kind == "gap":
        return GAP
    if kind == "time":
        return TIME
    if kind == "alt":
        words = sorted((w for w in text.split("|") if w), key=len, reverse=True)
        return "(?:" + "|".join(map(re.escape, words)) + ")"
    return re.escape(text)


class _Usage:
    """One usage entry, compiled: its pattern, and which of its words change."""

    def __init__(self, entry: Entry):
        self.entry = entry
        term, repl = _tokens(entry.term), _tokens(entry.replacement)
        body = "".join(f"({_token_pattern(k, t)})" for k, t in term)
        # A Latin term is a whole word: ASILD, not inside ASILDX.
        if term and term[0][0] == "lit" and _LATIN.match(term[0][1][0]):
            body = f"(?<![A-Za-z0-9]){body}"
        if term and term[-1][0] == "lit" and _LATIN.match(term[-1][1][-1]):
            body = f"{body}(?![A-Za-z0-9])"
        self.pattern = _build(body)
        literals = [t for k, t in term if k == "lit"]
        self.probe = max(literals, key=len) if literals else ""
        self.changes: list[tuple[int, str]] | None = None  # (group index, new text)
        if [k for k, _ in term] == [k for k, _ in repl]:
            self.changes = [
                (i + 1, r)
                for i, ((k, t), (_, r)) in enumerate(zip(term, repl, strict=True))
                if k == "lit" and t != r
            ]
        self.plain = "" if any(k != "lit" for k, _ in repl) else entry.replacement

    def hits(self, text: str):
        """(start, end, suggestion) for every place the term matches."""
        for m in self.pattern.finditer(text):
            if self.changes:
                first, last = self.changes[0][0], self.changes[-1][0]
                new = dict(self.changes)
                suggestion = "".join(new.get(g, m.group(g)) for g in range(first, last + 1))
                yield m.start(first), m.end(last), suggestion
            elif self.changes is None:
                # Term and replacement differ in shape: quote the whole match.
                yield m.start(), m.end(), self.plain or None


class _Formulation:
    def __init__(self, entry: Entry):
        self.entry = entry
        self.term = entry.term
        bare = _STRIP.sub("", entry.term)
        self.probe = bare[:2]
        self.pattern = _build(_SEPARATORS.join(map(re.escape, bare)))
        self.fuzzy = len(bare) >= FUZZY_MIN
        self.head, self.tail = entry.term[:3], entry.term[-2:]

    def hits(self, text: str):
        seen = set()
        for m in self.pattern.finditer(text):
            seen.add(m.start())
            if m.group(0) != self.term:
                yield m.start(), m.end()
        if not self.fuzzy:
            return
        n = len(self.term)
        at = text.find(self.head)
        while at >= 0:
            if at not in seen and text[at : at + n] != self.term:
                for size in (n - 1, n, n - 2):  # a character left out is the commonest slip
                    cand = text[at : at + size]
                    if (
                        len(cand) == size
                        and cand.endswith(self.tail)
                        and _distance(cand, self.term) <= 2
                    ):
                        yield at, at + size
                        break
            at = text.find(self.head, at + 1)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@lru_cache(maxsize=16)
def _compiled(usage: tuple[Entry, ...], formulations: tuple[Entry, ...], names: tuple[Entry, ...]):
    wrong_names = sorted((e for e in names if not is_full_name(e)), key=lambda e: -len(e.term))
    name_pattern = None
    if wrong_names:
        name_pattern = _build(
            "(?<!原)(?:"
            + "|".join(re.escape(e.term) for e in wrong_names)
            + f")(?![{_WORD_AFTER}])"
        )
    return (
        [_Usage(e) for e in usage if e.term],
        [_Formulation(e) for e in formulations if e.term],
        name_pattern,
        {e.term: e for e in wrong_names},
    )


def _in_book_title(spans, start: int, end: int) -> bool:
    return any(a < start and end < b for a, b in spans)


def check(bulletin, context):
    usage, formulations, name_pattern, names = _compiled(
        context.entries(USAGE), context.entries(FORMULATION), context.entries(NAME)
    )
    for unit in units(bulletin):
        text = unit.text
        books = [m.span() for m in _BOOK.finditer(text)] if "《" in text else ()
        for rule in usage:
            if rule.probe and rule.probe not in text:
                continue
            for start, end, suggestion in rule.hits(text):
                if _in_book_title(books, start, end):
                    continue
                entry = rule.entry
                yield found(
                    unit,
                    start,
                    end,
                    rule="usage.word",
                    severity=entry.severity or ERROR,
                    message=entry.note or f"此处宜用“{suggestion}”",
                    suggestion=suggestion,
                )
        for rule in formulations:
            if rule.probe not in text and rule.head not in text:
                continue
            for start, end in rule.hits(text):
                if _in_book_title(books, start, end):
                    continue
                entry = rule.entry
                message = f"固定表述应为“{entry.term}”"
                yield found(
                    unit,
                    start,
                    end,
                    rule="usage.formulation",
                    severity=entry.severity or ERROR,
                    message=f"{message}：{entry.note}" if entry.note else message,
                    suggestion=entry.term,
                )
        if name_pattern is None:
            continue
        for m in name_pattern.finditer(text):
            if _in_book_title(books, m.start(), m.end()):
                continue
            entry = names[m.group(0)]
            dated = entry.valid_from is not None
            yield found(
                unit,
                m.start(),
                m.end(),
                rule="usage.name",
                severity=entry.severity or (ERROR if dated else ADVICE),
                message=entry.note or f"规范名称为“{entry.replacement}”",
                suggestion=entry.replacement,
            )
