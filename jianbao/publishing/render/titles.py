"""Where a title may break: between words, never inside one (GB/T 9704 7.3.1).

Body text keeps Typst's character-level breaking; only titles long enough to
wrap are cut into units here, and the template sets each unit in a box.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import warnings

# Names jieba does not know that must not be cut: a break is allowed only where
# jieba has a word boundary and none of these spans it.
PROTECTED = (
    "协同发展网",
    "协发网",
    "网员",
    "联络组",
    "产学研",
)
OPENING = "（《“‘「『〈【〔"
CLOSING = "）》”’」』〉】〕，。、；：？！…"
BRACKETS = {"（": "）", "《": "》", "“": "”", "「": "」", "【": "】"}
# A bracketed group this short stays on one line: “（科技部分）”.
SHORT_GROUP = 8
_ALNUM = re.compile(r"[0-9A-Za-z.%]+")


@functools.cache
def _tokenizer():
    with warnings.catch_warnings():  # its regexes' escapes, when first compiled
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every CLI run
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def boundaries(title: str) -> set[int]:
    """Offsets into ``title`` where jieba ends a word (0 and len included)."""
    cuts, pos = {0}, 0
    for word in _tokenizer().lcut(title):
        pos += len(word)
        cuts.add(pos)
    return cuts


def _protected_spans(title: str):
    for name in PROTECTED:
        for m in re.finditer(re.escape(name), title):
            yield m.start(), m.end()
    for opening, closing in BRACKETS.items():
        start = 0
        while (a := title.find(opening, start)) >= 0:
            b = title.find(closing, a + 1)
            if b < 0:
                break
            if b - a - 1 <= SHORT_GROUP:
                yield a, b + 1
            start = a + 1


def title_units(title: str) -> list[str]:
    """The title cut where a line may break: word boundaries, with punctuation
    kept on the side it belongs to, short bracketed groups and protected names
    whole, and a figure with the character after it (2023年, 5家)."""
    cuts = boundaries(title)
    for a, b in _protected_spans(title):
        cuts -= set(range(a + 1, b))
    for i, c in enumerate(title):
        if c in OPENING:
            cuts.discard(i + 1)
        if c in CLOSING:
            cuts.discard(i)
    for m in _ALNUM.finditer(title):
        cuts.discard(m.end())
    for i, c in enumerate(title):  # a space is a break of its own
        if c == " ":
            cuts.update((i, i + 1))
    points = sorted(c for c in cuts if 0 <= c <= len(title))
    return [title[a:b] for a, b in itertools.pairwise(points) if a < b]


def needs_units(title: str, chars_per_line: float) -> bool:
    """Only a title that may wrap is cut (jieba costs its loading time once)."""
    width = sum(1 if ord(c) > 0x2E7F else 0.5 for c in title)
    return width > chars_per_line - 1
