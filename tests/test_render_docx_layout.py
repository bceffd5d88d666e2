"""The Word file, laid out by LibreOffice (standing in for Word and WPS), matches
the PDF: no line is set over another, no heading or 导读 group head is the last
line of a page, and page 1 holds the same elements in the same order as the
PDF's page 1. Pages are read back with pdfplumber."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest

from jianbao.publishing.parsed import HEADING
from jianbao.publishing.render import render
from jianbao.publishing.render.markdown import format_date
from tests.libreoffice import docx_to_pdf, needs_soffice

pytestmark = needs_soffice


def squeeze(text: str) -> str:
    return re.sub(r"[\s◆➤]", "", text)


@pytest.fixture(scope="module")
def word_pdf(parsed, tmp_path_factory) -> bytes:
    return docx_to_pdf(render(parsed, "docx"), tmp_path_factory.mktemp("docx")).read_bytes()


def page_lines(pdf: bytes) -> list[list[list[dict]]]:
    """Each page's lines (characters sharing a baseline), top to bottom."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if c["text"].strip():
                    rows.setdefault(round(c["bottom"]), []).append(c)
            pages.append([sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)])
    return pages


def test_no_two_lines_overlap(word_pdf):
    overlaps = []
    for number, lines in enumerate(page_lines(word_pdf), start=1):
        for i, line in enumerate(lines):
            for later in lines[i + 1 : i + 4]:
                for a in line:
                    for b in later:
                        if (
                            a["x0"] < b["x1"] - 0.5
                            and b["x0"] < a["x1"] - 0.5
                            and a["top"] < b["bottom"] - 0.5
                            and b["top"] < a["bottom"] - 0.5
                        ):
                            overlaps.append((number, a["text"], b["text"]))
    # The masthead's 22 pt line and the 52 pt 简 报 overlapped while both kept
    # the body's exact line pitch.
    assert overlaps == []


def headings(parsed) -> list[str]:
    found = []
    for section in parsed.sections:
        found += [squeeze(section.title), squeeze(section.toc_title or section.title)]
        for article in section.articles:
            found.append(squeeze(article.title))
            found += [squeeze(b.text) for b in article.blocks if b.kind == HEADING]
    return [h for h in found if h]


def test_no_heading_is_the_last_line_of_a_page(parsed, word_pdf):
    known = headings(parsed)
    assert len(known) > 30
    pages = page_lines(word_pdf)
    assert len(pages) > 10
    stranded = []
    for number, lines in enumerate(pages, start=1):
        body = []
        for line in lines:
            text = "".join(c["text"] for c in line)
            if re.fullmatch(r"—?\d+—?", squeeze(text)):
                continue  # the page number
            # The 导读's entries (◆ …, and their wrapped lines in the same face;
            # a group head is in bold 黑体) repeat the titles but are no headings.
            face = line[-1]["fontname"]
            entry = text.lstrip().startswith("◆") or bool(
                body and body[-1][1] and body[-1][2] == face
            )
            body.append((squeeze(text), entry, face))
        last = body[-1] if body else None
        if last and not last[1] and len(last[0]) >= 2 and any(h.startswith(last[0]) for h in known):
            stranded.append((number, last[0]))
    # Before keep-with-next held, 试点联盟及协发网网员单位动态 ended page 1.
    assert stranded == []


def page_one_elements(parsed, pdf: bytes) -> list[str]:
    """The masthead and 导读 elements page 1 holds, in the order it holds them."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = squeeze(doc.pages[0].extract_text())
    wanted = [parsed.series_title, parsed.series_name or "简报", parsed.label, parsed.office]
    wanted += [format_date(parsed), "本期导读"]
    for section in parsed.sections:
        wanted.append(section.toc_title or section.title)
        wanted += [a.toc_title or a.title for a in section.articles]
    found, at = [], 0
    for element in map(squeeze, wanted):
        where = text.find(element, at)
        if where >= 0:
            found.append(element)
            at = where + len(element)
    return found


def test_page_one_holds_what_the_pdfs_page_one_holds_in_its_order(parsed, word_pdf):
    in_word = page_one_elements(parsed, word_pdf)
    in_pdf = page_one_elements(parsed, render(parsed, "pdf"))
    # The masthead, the 导读's heading, its first two groups (the third moves whole
    # to page 2, as the PDF keeps groups whole).
    assert in_pdf[:6] == [
        "产业技术创新战略联盟试点工作", "简报", "2023年第1期（总第66期）",
        "联盟试点工作联络组办公室", "2023年3月20日", "本期导读",
    ]  # fmt: skip
    assert "联盟联络组及协发网动态" in in_pdf
    assert "试点联盟及协发网网员单位动态" not in in_pdf
    assert in_word == in_pdf


def test_the_closing_block_is_not_split_across_pages(parsed, word_pdf):
    pages = [
        squeeze("".join(c["text"] for ln in lines for c in ln)) for lines in page_lines(word_pdf)
    ]
    holding = [n for n, text in enumerate(pages, start=1) if "报：" in text or "编辑部地址" in text
               or "投稿专用邮箱" in text or "联络组地址" in text]  # fmt: skip
    assert len(set(holding)) == 1, holding


def test_the_toc_runs_on_where_the_pdfs_does_with_a_continued_head(parsed, word_pdf):
    with pdfplumber.open(io.BytesIO(word_pdf)) as doc:
        first, second = (squeeze(doc.pages[n].extract_text()) for n in (0, 1))
    # As the PDF's page 2 opens: the continued head, then the third group whole.
    assert second.startswith("本期导读（续）试点联盟及协发网网员单位动态应急救援装备联盟")
    assert "本期导读（续）" not in first
    last = parsed.sections[2].articles[-1]
    assert squeeze(last.toc_title or last.title) in second
