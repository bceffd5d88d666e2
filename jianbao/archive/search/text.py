"""Normalisation, query parsing, index tokens and highlighted snippets.

Pure functions: no database, no Django models.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Control characters count as white space: nothing can type them into a query,
# and the SQLite index uses them as token separators.
_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
# Full-width ASCII forms and the ideographic space, which NFKC maps one to one.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _half_width(match: re.Match) -> str:
    return match.group().translate(_HALF_WIDTH)


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, about 4x faster on Chinese.

    Chinese prose is rarely NFKC-normal only because of its full-width
    punctuation (，：（）), so full NFKC is slow on nearly every article.
    Those characters decompose to ASCII one by one, so mapping them first
    leaves the same decomposition, and the quick check usually passes."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(_half_width, text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """The text that search matches against: NFKC (ＷＡＰＩ → wapi, （ → (), lower case,
    white space and control characters folded to one space.  Queries go
    through the same function."""
    return _WHITESPACE.sub(" ", _nfkc(text).lower()).strip()


# A quoted phrase (the closing quote may be missing) or a run of non-space characters.
_QUERY_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')


def parse_query(query: str) -> tuple[str, ...]:
    """The normalised terms of a query, all of which must match.

    Whitespace separates terms except inside double quotes (full-width ＂ too,
    after NFKC), so ``"ISO/IEC 4396"`` is one term with its space.
    """
    terms: list[str] = []
    for phrase, word in _QUERY_PART.findall(unicodedata.normalize("NFKC", query)):
        term = normalise(phrase or word)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


# --- index tokens ----------------------------------------------------------
#
# A token is one character or a character bigram of the normalised text, the
# characters themselves.  Indexing one bigram per character position makes a
# phrase of a term's bigrams match exactly where the term occurs: recall is
# that of a substring scan, with nothing to verify.  Normalised text holds no
# control characters, so a line feed can separate tokens that contain spaces
# and punctuation.

TOKEN_SEPARATOR = "\n"


def character_tokens(text: str) -> str:
    """Each distinct character once, in order of first use.  A one-character
    term needs only presence; dropping repeats makes these a third as many
    tokens.  The order must be deterministic: FTS5 deletes by replaying it."""
    return TOKEN_SEPARATOR.join(dict.fromkeys(text))


def bigram_tokens(text: str) -> str:
    return TOKEN_SEPARATOR.join(map(operator.add, text, text[1:]))


def distinct_tokens(text: str) -> set[str]:
    """Every character and bigram of ``text`` once: what a tsvector keeps."""
    return {*text, *map(operator.add, text, text[1:])}


def term_tokens(term: str) -> tuple[str, ...]:
    """The tokens that must occur at consecutive positions for ``term`` to match:
    one unigram for a single character, else the term's bigrams."""
    if len(term) == 1:
        return (term,)
    return tuple(map(operator.add, term, term[1:]))


def contains_all(terms: tuple[str, ...], title: str, body: str) -> bool:
    """The definition of a match, used to check the index: every term is a
    substring of the normalised title or of the normalised body."""
    return all(term in title or term in body for term in terms)


# --- snippets ----------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    text: str
    html: SafeString


class _Folds(dict):
    """Code point -> folded text, for str.translate."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        if _WHITESPACE.fullmatch(char):
            folded = " "
        self[code] = folded
        return folded


_FOLDS = _Folds()


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` one character at a time as ``normalise`` does, with the
    original offset of each folded character (None when they are the same)."""
    folded = text.translate(_FOLDS)
    if len(folded) == len(text):
        return folded, None
    origin: list[int] = []
    for i, char in enumerate(text):
        origin.extend([i] * len(_FOLDS[ord(char)]))
    return folded, origin


def _pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    if not terms:
        return None
    alternatives = [
        " +".join(re.escape(piece) for piece in term.split(" "))
        for term in sorted(terms, key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives))


def _spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text``, as original character offsets."""
    pattern = _pattern(terms)
    if pattern is None:
        return []
    folded, origin = _fold_with_map(text)
    if origin is None:
        return [m.span() for m in pattern.finditer(folded)]
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(folded)]


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """``text[start:end]`` escaped, with the spans inside it wrapped in <mark>."""
    out, pos = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a < pos or a >= b:
            continue
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, terms: tuple[str, ...]) -> SafeString:
    """All of ``text``, escaped, with every occurrence of a term marked."""
    return mark_safe(_marked(text, _spans(text, terms), 0, len(text)))


def snippet(text: str, terms: tuple[str, ...], *, width: int = 90) -> Snippet:
    """A window of ``text`` around the first match, escaped, matches marked."""
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    plain = f"{lead}{text[start:end]}{tail}"
    html = f"{lead}{_marked(text, spans, start, end)}{tail}"
    return Snippet(text=plain, html=mark_safe(html))
