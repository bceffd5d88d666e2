"""Titles break between words (jieba's), into lines of even length; the body
keeps breaking between characters."""

from __future__ import annotations

import io
import itertools
import re
import warnings

import pdfplumber
import pytest

from jianbao.publishing.render.pdf import PdfSettings, render_pdf
from jianbao.publishing.render.titles import title_units

with warnings.catch_warnings():  # jieba's regexes, when first compiled
    warnings.simplefilter("ignore", DeprecationWarning)
    import jieba

NAMED = (
    "中共中央 国务院印发《党和国家机构改革方案》（科技部分）",
    "5家联盟正式成为产业技术创新战略联盟协同发展网网员",
    "数控机床联盟召开关键技术与标准系列研讨会",
)


def title_lines(pdf: bytes, size: float = 18) -> list[str]:
    """The lines set at the title size, in reading order, spaces dropped."""
    lines = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if abs(c["size"] - size) < 0.5:
                    rows.setdefault(round(c["top"]), []).append(c)
            for top in sorted(rows):
                text = "".join(c["text"] for c in sorted(rows[top], key=lambda c: c["x0"]))
                lines.append(re.sub(r"\s+", "", text))
    return lines


def broken_titles(pdf: bytes, titles: list[str]) -> dict[str, list[str]]:
    """title → its printed lines, matched in order against the title lines."""
    lines = title_lines(pdf)
    out, i = {}, 0
    for title in titles:
        want = re.sub(r"\s+", "", title)
        while i < len(lines) and not want.startswith(lines[i]):
            i += 1
        got = []
        while i < len(lines) and "".join(got) != want:
            got.append(lines[i])
            i += 1
        assert "".join(got) == want, (title, got)
        out[title] = got
    return out


def jieba_cuts(title: str) -> set[int]:
    """Where jieba ends a word, counted in the title without its spaces."""
    cuts, pos = {0}, 0
    for word in jieba.lcut(title):
        pos += len(re.sub(r"\s+", "", word))
        cuts.add(pos)
    return cuts


def line_breaks(lines: list[str]) -> list[int]:
    out, pos = [], 0
    for line in lines[:-1]:
        pos += len(line)
        out.append(pos)
    return out


@pytest.fixture(scope="session")
def printed(parsed, fixture_pdf):
    return broken_titles(fixture_pdf, [a.title for a in parsed.articles])


@pytest.fixture(scope="session")
def fixture_pdf(parsed):
    return render_pdf(parsed)


def test_the_named_titles_are_cut_into_whole_words():
    assert title_units(NAMED[0])[-1] == "（科技部分）"
    assert "协同发展网网员" in title_units(NAMED[1])
    assert title_units(NAMED[2])[-1] == "研讨会"
    assert title_units("关于召开2023年联盟工作会议的通知")[2] == "2023年"


def test_the_three_titles_of_the_issue_break_between_words(parsed, printed):
    sample = [a.title for a in parsed.articles]
    for title in NAMED:
        assert title in sample
    lines = {t: printed[t] for t in NAMED[:2]}
    assert lines[NAMED[0]] == ["中共中央国务院印发《党和国家", "机构改革方案》（科技部分）"]
    assert lines[NAMED[1]] == ["5家联盟正式成为产业技术创新", "战略联盟协同发展网网员"]


def test_the_bad_breaks_the_issue_reported_are_gone(parsed, fixture_pdf):
    lines = title_lines(fixture_pdf)
    assert not any(line.endswith("（科技") for line in lines)
    assert not any(line.endswith("协同发展网") for line in lines)
    assert not any(line.endswith("研") and not line.endswith("产学研") for line in lines)


def test_no_title_of_the_sample_breaks_inside_a_jieba_word(parsed, printed):
    wrapped = 0
    for title, lines in printed.items():
        breaks = line_breaks(lines)
        wrapped += bool(breaks)
        cuts = jieba_cuts(title)
        for b in breaks:
            assert b in cuts, (title, lines)
    assert wrapped >= 5  # the sample has that many titles of two or three lines


def test_wrapped_titles_are_balanced(printed):
    for title, lines in printed.items():
        if len(lines) > 1:
            # Display width: figures and Latin letters are half a character.
            widths = [sum(1 if ord(c) > 0x2E7F else 0.5 for c in x) for x in lines]
            # Filled greedily a 28-character title is 24 over 4; balanced lines
            # differ by a word at most (（第十六届） is one).
            assert max(widths) - min(widths) <= 8, (title, lines)


def test_without_word_breaks_a_title_fills_the_line_first(parsed):
    # The setting off gives Typst's own breaking: the first line runs full.
    pdf = render_pdf(parsed, PdfSettings(title_word_breaks=False))
    lines = broken_titles(pdf, [NAMED[1]])[NAMED[1]]
    assert len(lines[0]) > len(lines[1]) + 6


def test_body_text_still_breaks_between_characters(fixture_pdf):
    # Justified to the full measure, the body ends lines inside words.
    with pdfplumber.open(io.BytesIO(fixture_pdf)) as doc:
        lines = [x for page in doc.pages[2:6] for x in page.extract_text().splitlines()]
    inside = 0
    for a, b in itertools.pairwise(lines):
        if len(a) >= 27 and len(b) >= 2 and a[-1] not in "，。、；：”）":
            inside += len(a) not in jieba_cuts(a + b)
    assert inside >= 5
