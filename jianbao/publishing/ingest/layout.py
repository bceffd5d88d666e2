"""What a PDF page shows, read from its characters rather than one layout's numbers.

Lines are built from characters by their vertical centre (a ◆ set smaller than
its entry sits on the entry's line); each line knows its size and weight, and
where it stands against the text block. The text block's edges, the body size
and the furniture that repeats at the pages' edges (page numbers such as
"— 3 —", "- 3 -" or "3", running heads) are found across the document, page by
page, since facing pages may have mirrored margins.

``paragraphs`` then joins the lines a typesetter wrapped: body lines that reach
the right edge continue on the next line unless it is indented; a wrapped title
continues in the same size and weight; a credit line or a right-set line stands
alone. Headings come with a level for the text markup (3: larger than the body,
4: the body's size but bold or in a heading face); the text parser decides from
the 导读 which are titles and which sections.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jianbao.core.text import ends_sentence, fold
from jianbao.publishing.ingest.text import (
    _DIGITS,
    BARE_PAGE_NUMBER,
    BULLET_MARK,
    CREDIT,
    CREDIT_WORDS,
    DISTRIBUTION,
    PAGE_NUMBER,
    SECTION_MARKERS,
)

# 报：… 送：… 本期编辑：… open a line of the closing block, never continue one.
CLOSING_LABEL = re.compile(rf"{DISTRIBUTION.pattern}|^(本期编辑|责任编辑|审核|签发)[：:]")
# Marks that open a 导读 entry or a list item; their line's text starts after them.
LIST_MARKS = frozenset(SECTION_MARKERS + "•·▪◇□◆-–—")
RULE_CHARACTERS = "─━—–-_=＿＝·•"
# A heading is a line or two: a longer paragraph in bold is emphasis, not a title.
HEADING_MAX = 80
_HEAVY = ("bold", "heavy", "black", "semibold", "demi", "hei", "黑")
_KAI = ("kai", "楷")


@dataclass
class LayoutLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    size: float = 10.0
    bold: bool = False
    kai: bool = False
    # Where the words start: after a leading ◆ or •, else x0.
    start: float = 0.0


@dataclass
class _Page:
    lines: list[LayoutLine]
    left: float = 0.0
    right: float = 0.0


@dataclass
class Paragraph:
    text: str
    level: int = 0  # 3 or 4 for a heading, 0 for running text
    top: float = 0.0
    bottom: float = 0.0
    page: int = 0
    lines: list[LayoutLine] = field(default_factory=list)


def page_lines(chars: Iterable[dict], page: int) -> list[LayoutLine]:
    """The lines of one page, top to bottom, from pdfplumber's chars."""
    visible = [c for c in chars if c["text"].strip()]
    visible.sort(key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"]))
    rows: list[list[dict]] = []
    mids: list[float] = []
    for c in visible:
        mid = (c["top"] + c["bottom"]) / 2
        if rows and abs(mid - mids[-1]) <= max(c["size"], _size(rows[-1])) * 0.4:
            rows[-1].append(c)
            continue
        rows.append([c])
        mids.append(mid)
    return [_line(sorted(row, key=lambda c: c["x0"]), page) for row in rows]


def _size(row: Sequence[dict]) -> float:
    return max(c["size"] for c in row)


def _line(row: list[dict], page: int) -> LayoutLine:
    words = [c for c in row if c["text"] not in LIST_MARKS] or row
    sizes = Counter(round(c["size"] * 2) / 2 for c in words)
    size = sizes.most_common(1)[0][0]
    faces = Counter(c.get("fontname", "").split("+")[-1].lower() for c in words)
    face = faces.most_common(1)[0][0]
    text = row[0]["text"]
    for prev, c in itertools.pairwise(row):
        gap = c["x0"] - prev["x1"]
        # Typesetters put a quarter em between Chinese and Latin (not a space),
        # and stretch a justified Chinese line by less than a fifth of one.
        latin = prev["text"].isascii() + c["text"].isascii()
        if gap > size * (0.2, 0.3, 0.15)[latin]:
            text += " "
        text += c["text"]
    start = row[0]["x0"]
    if row[0]["text"] in LIST_MARKS and len(row) > 1:
        start = row[1]["x0"]
    return LayoutLine(
        text=text,
        x0=row[0]["x0"],
        x1=max(c["x1"] for c in row),
        top=min(c["top"] for c in row),
        bottom=max(c["bottom"] for c in row),
        page=page,
        size=size,
        bold=any(w in face for w in _HEAVY),
        kai=any(w in face for w in _KAI),
        start=start,
    )


def _is_rule(text: str) -> bool:
    """A rule set as characters (━━━━, ————, ____) under a masthead."""
    squeezed = "".join(text.split())
    return len(squeezed) >= 3 and not squeezed.strip(RULE_CHARACTERS)


def _is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.match(text) or BARE_PAGE_NUMBER.match(text.strip()))


def remove_furniture(pages: list[list[LayoutLine]]) -> list[list[LayoutLine]]:
    """The pages without page numbers and running heads or feet (what stands
    first or last on a page and is a page number, or repeats there, its digits
    aside, on three pages or more), and without rules set as characters."""
    edges: Counter[str] = Counter()
    for lines in pages:
        for line in {id(x): x for x in (*lines[:1], *lines[-1:])}.values():
            edges[_DIGITS.sub("#", fold(line.text))] += 1
    repeated = {key for key, n in edges.items() if n >= 3 and n >= len(pages) * 0.3}

    def furniture(line: LayoutLine) -> bool:
        return _is_page_number(line.text) or _DIGITS.sub("#", fold(line.text)) in repeated

    kept = []
    for lines in pages:
        lo, hi = 0, len(lines)
        for _ in range(2):  # a running head, then a page number under it
            if lo < hi and furniture(lines[lo]):
                lo += 1
        for _ in range(2):
            if hi > lo and furniture(lines[hi - 1]):
                hi -= 1
        kept.append([line for line in lines[lo:hi] if not _is_rule(line.text)])
    return kept


class Geometry:
    """The body size and the text block's edges, per page."""

    def __init__(self, pages: list[list[LayoutLine]]):
        sizes: Counter[float] = Counter()
        for lines in pages:
            for line in lines:
                sizes[line.size] += len(line.text)
        self.body = sizes.most_common(1)[0][0] if sizes else 10.0
        heavy: Counter[bool] = Counter()
        for lines in pages:
            for line in lines:
                if line.size == self.body:
                    heavy[line.bold] += len(line.text)
        self.body_bold = heavy.most_common(1)[0][0] if heavy else False
        self.pages = [_Page(lines) for lines in pages]
        edges_of = {parity: self._edges(pages[parity::2]) for parity in (0, 1)}
        every = self._edges(pages)
        for n, page in enumerate(self.pages):
            own = self._edges([page.lines], minimum=5)
            page.left, page.right = own or edges_of[n % 2] or every or (0.0, 0.0)

    def _edges(self, pages, minimum: int = 1) -> tuple[float, float] | None:
        body = [ln for lines in pages for ln in lines if abs(ln.size - self.body) < 0.6]
        if len(body) < minimum:
            return None
        (left, at_left), *_ = Counter(round(ln.x0) for ln in body).most_common(1)
        (right, at_right), *_ = Counter(round(ln.x1) for ln in body).most_common(1)
        if min(at_left, at_right) < 3 and minimum > 1:
            return None  # a page of headings and short lines: no edge to trust
        return float(left), float(right)

    def level(self, line: LayoutLine) -> int:
        if line.size > self.body * 1.05:
            return 3
        if line.bold and not self.body_bold:
            return 4
        return 0

    def centred(self, line: LayoutLine) -> bool:
        page = self.pages[line.page]
        middle = (page.left + page.right) / 2
        return (
            abs((line.x0 + line.x1) / 2 - middle) < line.size * 0.75
            and line.x0 - page.left > line.size
        )

    def full(self, line: LayoutLine) -> bool:
        """The line reaches the text block's right edge (a wrapped line)."""
        return self.pages[line.page].right - line.x1 < line.size * 1.0

    def share(self, line: LayoutLine) -> float:
        """How much of the text block's width the line fills."""
        page = self.pages[line.page]
        return (line.x1 - line.x0) / max(page.right - page.left, 1.0)

    def wide(self, line: LayoutLine) -> bool:
        """Four fifths of the text block or more: a line that may have wrapped."""
        return self.share(line) >= 0.8

    def indented(self, line: LayoutLine) -> bool:
        return line.x0 - self.pages[line.page].left > line.size * 0.5

    def right_set(self, line: LayoutLine) -> bool:
        page = self.pages[line.page]
        return (
            line.x0 - page.left > line.size * 2.5
            and self.full(line)
            and not self.centred(line)
            and not self.wide(line)
        )


def is_credit(text: str) -> bool:
    m = CREDIT.match(text.strip())
    return bool(m and CREDIT_WORDS.search(m.group("inner").strip()))


def opens_item(text: str) -> bool:
    return bool(BULLET_MARK.match(text) or CLOSING_LABEL.match(text) or text[:1] in SECTION_MARKERS)


def continues(
    geometry: Geometry, first: LayoutLine, prev: LayoutLine, line: LayoutLine, level: int
) -> bool:
    """Whether ``line`` goes on with the paragraph that ``first`` opens and ``prev`` ends."""
    if opens_item(line.text) or is_credit(line.text) or is_credit(prev.text):
        return False
    if geometry.level(line) != level or abs(line.size - prev.size) > 0.5:
        return False
    if line.page == prev.page:
        if line.top - prev.bottom > max(line.size, prev.size) * 1.2:
            return False
    elif line.page != prev.page + 1:
        return False
    if level:
        # A title wrapped in the same size and weight: centred under its first
        # line, or set from the same left edge.
        if prev.text[-1:] in "。！？!?" or line.page != prev.page:
            return False
        # A title wraps only once its first line is well filled, and an even
        # break leaves the next line no much longer: a short head followed by a
        # title in the same look (a section's, then its first article's) is two.
        if geometry.full(prev) and not geometry.indented(line):
            return True  # justified: a bold paragraph, or a title filling the measure
        if geometry.share(prev) < 0.4 or line.x1 - line.x0 > (prev.x1 - prev.x0) * 1.3:
            return False
        if geometry.centred(line) and (geometry.centred(prev) or geometry.wide(prev)):
            return True  # centred under a first line that is centred or fills the measure
        return abs(line.x0 - prev.x0) < line.size * 0.5
    if geometry.right_set(prev):
        return False
    if first.text[:1] in SECTION_MARKERS:
        return False  # ➤ 重要政策动态: a section's head is one line
    if geometry.centred(line) and geometry.wide(prev):
        # A centred line (a title in the body's size) wrapped onto the next.
        return line.page == prev.page and not ends_sentence(prev.text)
    if not geometry.full(prev):
        return False
    # Justified text goes on at the left edge; a 导读 entry or list item under
    # the words after its mark, a 报：… list under the words after its label
    # (a hanging indent).
    return (
        not geometry.indented(line)
        or abs(line.x0 - prev.start) < line.size * 0.5
        or (bool(CLOSING_LABEL.match(first.text)) and line.x0 > first.x0)
    )


def paragraphs(geometry: Geometry, lines: Iterable[LayoutLine]) -> Iterable[Paragraph]:
    """The wrapped lines joined into paragraphs, in reading order."""
    current: Paragraph | None = None
    last: LayoutLine | None = None
    for line in lines:
        level = geometry.level(line)
        if (
            current is not None
            and last is not None
            and continues(geometry, current.lines[0], last, line, level)
        ):
            current.text = join_wrapped(current.text, line.text)
            current.bottom = line.bottom
            current.lines.append(line)
        else:
            if current is not None:
                yield _checked(current, geometry)
            current = Paragraph(line.text, level, line.top, line.bottom, line.page, [line])
        last = line
    if current is not None:
        yield _checked(current, geometry)


def _checked(paragraph: Paragraph, geometry: Geometry) -> Paragraph:
    text = paragraph.text
    if paragraph.level and (len(text) > HEADING_MAX or text[-1:] in "。；;"):
        paragraph.level = 0
    (first, *rest) = paragraph.lines
    if (
        not rest
        and (first.kai or geometry.right_set(first))
        and CREDIT_WORDS.search(text)
        and not is_credit(text)
        and len(text) <= 60
    ):
        # A credit set right or in 楷体 without its brackets: the markup's form.
        paragraph.text, paragraph.level = f"（{text}）", 0
    return paragraph


def join_wrapped(left: str, right: str) -> str:
    # A PDF wraps Latin text at the spaces it then drops; Chinese needs none.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right
