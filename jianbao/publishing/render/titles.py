"""Where a title may break: between words, never inside one (GB/T 9704 7.3.1).

Body text keeps Typst's character-level breaking; only titles long enough to
wrap are cut into units here, and the template sets each unit in a box.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

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


# jieba's dictionary has 349k words and takes about 0.6 s to load, even from its
# cache, in every process that sets its first title. The words it has seen at
# least this often (137k) load in a quarter of that and cut titles the same way
# (tests/test_render_titles.py checks the printed titles against the whole one).
MIN_FREQUENCY = 5


@functools.cache
def _tokenizer():
    with warnings.catch_warnings():  # its regexes' escapes, when first compiled
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every CLI run
    tokenizer = jieba.Tokenizer(str(_title_dictionary(Path(jieba.__file__).parent / "dict.txt")))
    tokenizer.initialize()
    return tokenizer


def _title_dictionary(source: Path) -> Path:
    """jieba's dictionary without its rare words, made once per machine beside
    jieba's own cache (named after the source, so an upgrade makes a new one)."""
    info = source.stat()
    stamp = f"{source}:{info.st_size}:{info.st_mtime_ns}:{MIN_FREQUENCY}"
    digest = hashlib.sha1(stamp.encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"jianbao-titles-{digest}.dict"
    if not target.exists():
        kept = [
            line
            for line in source.read_text(encoding="utf-8").splitlines()
            if len(parts := line.split(" ")) > 1 and int(parts[1]) >= MIN_FREQUENCY
        ]
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_text("\n".join(kept) + "\n", encoding="utf-8")
        os.replace(partial, target)  # whole or not at all, whoever writes it first
    return target


def boundaries(title: str) -> set[int]:
    """Offsets into ``title`` where jieba ends a word (0 and len included)."""
    cuts, pos = {0}, 0
    for word in _tokenizer().lcut(title):
        pos += len(word)
        cuts.add(pos)
    return cuts


def _protected_spans(title: str):
    for name in PROTECTED:
        at = title.find(name)
        while at >= 0:
            yield at, at + len(name)
            at = title.find(name, at + 1)
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
        if title[m.end() : m.end() + 1] not in OPENING:
            cuts.discard(m.end())
    for i, c in enumerate(title):  # a space is a break of its own
        if c == " ":
            cuts.update((i, i + 1))
    points = sorted(c for c in cuts if 0 <= c <= len(title))
    return [title[a:b] for a, b in itertools.pairwise(points) if a < b]


def needs_units(title: str, chars_per_line: float) -> bool:
    """Only a title that may wrap is cut (jieba costs its loading time once)."""
    return width(title) > chars_per_line - 2


def _char_width(c: str) -> float:
    if ord(c) > 0x2E7F:
        return 1.0
    if c.isupper():
        return 0.7
    return 0.3 if c in " /.,:;-" else 0.55


def width(text: str) -> float:
    """Estimated width in em: ideographs and full-width marks 1, Latin capitals
    0.7, other letters and figures 0.55, spaces and slashes 0.3."""
    return sum(_char_width(c) for c in text)


def _lines(widths: list[float], measure: float) -> int:
    lines, used = 1, 0.0
    for w in widths:
        if used and used + w > measure:
            lines, used = lines + 1, 0.0
        used += w
    return lines


def balanced_width(units: list[str], measure: float) -> float:
    """The least width (em) at which the units, filled line by line, take no more
    lines than at ``measure``: there the lines come out even. Estimated from
    character widths; the template checks it against the real layout."""
    widths = [width(u) for u in units]
    # A character to spare: the estimate is short where Latin letters are wide.
    target = _lines(widths, measure - 1)
    lo, hi = max(widths, default=0.0), measure
    while hi - lo > 0.25:
        mid = (lo + hi) / 2
        if _lines(widths, mid) <= target:
            hi = mid
        else:
            lo = mid
    return hi
