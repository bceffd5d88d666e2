"""Punctuation in the PDF's running text is compressed as clreq (W3C, Requirements
for Chinese Text Layout, 3.1.6) asks for mainland text:

- two adjacent marks that would take two character widths take at most one and
  a half (clreq's basic compression; one is allowed), never overlapping;
- a closing mark at the end of a justified line is set half wide, so its ink
  ends at the margin (or hangs past it), with no half-width gap before the edge;
- an opening mark at the start of a line has its blank half taken off, so its
  ink starts at the margin.

Positions come from the PDF's text layer (pdfplumber): a glyph's x0 is where it
is drawn, so the width a mark takes is the distance between the Han characters
on either side of it, less one Han character."""

from __future__ import annotations

import dataclasses
import io
import itertools
import random
import statistics

import pdfplumber
import pytest

from jianbao.publishing.parsed import PARAGRAPH, Block, ParsedArticle, ParsedSection
from jianbao.publishing.render.pdf import PdfSettings, render_pdf

CLOSING = set("，。、；：？！）》”’」』】〕")
OPENING = set("（《“‘「『【〔")
MARKS = CLOSING | OPENING
BODY = PdfSettings().body_size
TOLERANCE = 0.3  # points: rounding in the text layer

# Adjacent pairs as news items have them, closing + closing, closing + opening,
# opening + opening.
PAIRS = ("。”", "”。", "）。", "。）", "，“", "”（", "：“", "！”", "？”", "》（", "”，",
         "）；", "》。", "；“", "）”", "）（", "、《", "》、", "（《", "“《")  # fmt: skip
WORDS = "联盟秘书处组织召开协同创新推进会议围绕关键技术攻关标准制定成果转化开展交流"


def _paragraphs(seed: int, count: int) -> tuple[str, ...]:
    """Running text dense in marks, so that many lines start and end with one."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(count):
        parts = []
        for pair in rng.sample(PAIRS, len(PAIRS)):
            start = rng.randrange(len(WORDS) - 8)
            parts.append(WORDS[start : start + rng.randint(2, 7)] + pair)
            if rng.random() < 0.5:  # a lone mark between words too
                start = rng.randrange(len(WORDS) - 8)
                parts.append(WORDS[start : start + rng.randint(3, 9)] + rng.choice("，、。；（"))
        paragraphs.append("".join(parts) + "会议取得成效。")
    return tuple(paragraphs)


@pytest.fixture(scope="module")
def pages(parsed) -> list[list[list[dict]]]:
    """The body lines of an article of such paragraphs, page by page, each line
    left to right. Odd and even pages have their own margins."""
    article = ParsedArticle(
        title="标点挤压",
        blocks=tuple(Block(PARAGRAPH, t) for t in _paragraphs(seed=66, count=12)),
        credit="",
    )
    bulletin = dataclasses.replace(
        parsed, sections=(ParsedSection(title=parsed.sections[0].title, articles=(article,)),)
    )
    pdf = render_pdf(bulletin)
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if abs(c["size"] - BODY) < 0.1 and c["text"].strip():
                    rows.setdefault(round(c["top"]), []).append(c)
            found.append([sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)])
    return [page for page in found if page]


@pytest.fixture(scope="module")
def lines(pages) -> list[list[dict]]:
    return [line for page in pages for line in page]


def _han_advance(line: list[dict]) -> float:
    """The line's pitch between two Han characters (the body size, plus any
    justification the line was given)."""
    steps = [
        b["x0"] - a["x0"]
        for a, b in itertools.pairwise(line)
        if a["text"] not in MARKS and b["text"] not in MARKS
    ]
    return statistics.median(steps) if steps else BODY


def _mark_runs(line: list[dict]):
    """(run of marks, the width it takes, the line's pitch) for every run of
    marks with a Han character on both sides."""
    pitch = _han_advance(line)
    i = 1
    while i < len(line) - 1:
        if line[i]["text"] in MARKS and line[i - 1]["text"] not in MARKS:
            j = i
            while j < len(line) and line[j]["text"] in MARKS:
                j += 1
            if j < len(line):
                run = "".join(c["text"] for c in line[i:j])
                yield run, line[j]["x0"] - line[i - 1]["x0"] - pitch, pitch
            i = j
        else:
            i += 1


def test_two_adjacent_marks_take_at_most_one_and_a_half_widths(lines):
    pairs = [(run, width, pitch) for line in lines for run, width, pitch in _mark_runs(line)
             if len(run) == 2]  # fmt: skip
    assert len({run for run, _, _ in pairs}) >= 15, "the text should hold most of the pairs"
    for run, width, pitch in pairs:
        # Justification may add its stretch after each of the two marks.
        stretch = 2 * max(pitch - BODY, 0)
        assert width <= 1.5 * BODY + stretch + TOLERANCE, (run, width)
        assert width >= 1.0 * BODY - TOLERANCE, (run, width)  # never overlapping


def test_a_lone_mark_keeps_its_full_width_inside_a_line(lines):
    """Compression is for marks side by side: a single ， inside a line is not
    squeezed to make room (the line shrinks elsewhere first or not at all)."""
    singles = [(run, width, pitch) for line in lines for run, width, pitch in _mark_runs(line)
               if len(run) == 1 and run in "，、"]  # fmt: skip
    assert len(singles) >= 20
    full = [w for _, w, pitch in singles if w >= pitch - 0.25 * BODY - TOLERANCE]
    # Most lone commas are a full width; a tight line may take up to half of one.
    assert len(full) >= 0.6 * len(singles)
    assert all(w >= 0.5 * BODY - TOLERANCE for _, w, _ in singles)


def _edges(lines: list[list[dict]]) -> tuple[float, float]:
    """The text block's left and right edges: where full lines of Han characters
    start and end."""
    lefts = [ln[0]["x0"] for ln in lines if ln[0]["text"] not in MARKS and len(ln) > 20]
    rights = [ln[-1]["x1"] for ln in lines if ln[-1]["text"] not in MARKS and len(ln) > 20]
    return statistics.mode(round(x, 1) for x in lefts), max(rights)


def test_a_closing_mark_at_a_line_end_is_set_half_wide_or_hangs(pages):
    ends = []
    for lines in pages:
        left, right = _edges(lines)
        # Justified lines only: a paragraph's last line ends where its text does,
        # and the line after it starts indented.
        justified = [ln for ln, after in itertools.pairwise(lines) if after[0]["x0"] < left + BODY]
        ends += [(ln[-1], right) for ln in justified if ln[-1]["text"] in CLOSING]
    assert len(ends) >= 5
    for mark, right in ends:
        # A full-width mark would start one width before the edge; half-wide (its
        # ink is in its left half) it starts half a width before it, or later.
        assert mark["x0"] >= right - 0.5 * BODY - TOLERANCE, (mark["text"], mark["x0"], right)
        assert mark["x0"] <= right + TOLERANCE, (mark["text"], mark["x0"], right)


def test_an_opening_mark_at_a_line_start_has_its_blank_half_taken_off(pages):
    starts = []
    for lines in pages:
        left, _ = _edges(lines)
        starts += [
            (ln[0], left) for ln in lines if ln[0]["text"] in OPENING and ln[0]["x0"] < left + BODY
        ]
    assert len(starts) >= 3
    for mark, left in starts:
        # Its ink is in its right half: drawn half a width left of the edge, that
        # ink starts at the edge.
        assert abs(mark["x0"] - (left - 0.5 * BODY)) <= TOLERANCE, (mark["text"], mark["x0"])
