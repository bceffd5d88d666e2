"""Read a text-based PDF bulletin into lines for the text parser.

PDF text has no paragraphs, only positioned lines.  A line that reaches the
right margin continues on the next line, unless that one carries the
two-character first-line indent; so paragraphs, titles and 导读 entries that
wrapped come out as one line each, separated by blank lines.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

import pdfplumber

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.text import BULLET_MARK, DISTRIBUTION, PAGE_NUMBER

# 报：… 送：… 本期编辑：… open a line of the closing block, never continue one.
CLOSING_LABEL = re.compile(rf"{DISTRIBUTION.pattern}|^(本期编辑|责任编辑|审核|签发)[：:]")


def pdf_to_text(data: bytes, path: str, *, budget: ParseBudget | None = None) -> str:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    budget = budget or ParseBudget(path)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:  # pdfminer raises many kinds on a broken file
        raise UnreadableFile(path, f"无法读取 PDF（{exc.__class__.__name__}）") from None
    with pdf:
        # The page count is known before any page is read.
        budget.check_count("页数", len(pages), budget.limits.pages, "页")
        page_lines = []
        for page in pages:
            budget.check_time()
            page_lines.append(page.extract_text_lines(return_chars=True))
    every = [line for lines in page_lines for line in lines]
    if not every:
        raise UnreadableFile(path, "PDF 中没有文字层（可能是扫描件），无法导入")
    # The text block's edges are where most lines start and end, across the
    # whole document: punctuation hung into the margin sits further out, and
    # a page of centred lines alone would put them too far in.
    left = Counter(round(line["x0"]) for line in every).most_common(1)[0][0]
    right = Counter(round(line["x1"]) for line in every).most_common(1)[0][0]
    centre = (left + right) / 2
    paragraphs: list[str] = []
    current: str | None = None
    prev_centred = False
    for lines in page_lines:
        for line in lines:
            text = line["text"].strip()
            if PAGE_NUMBER.match(text):
                paragraphs.append(text)
                continue
            size = line["chars"][0]["size"] if line["chars"] else 10
            centred = abs((line["x0"] + line["x1"]) / 2 - centre) < size
            # Justified text continues at the left edge (an indented line opens
            # a paragraph); a wrapped title continues centred under its first line.
            continues = abs(line["x0"] - left) < size * 0.25 or (centred and prev_centred)
            # A right-set line (a credit) stands alone.
            standalone = line["x0"] - left > size * 2.5 and not centred
            prev_centred = centred
            starts_item = BULLET_MARK.match(text) or CLOSING_LABEL.match(text)
            if current is not None and continues and not starts_item:
                current = _join_wrapped(current, text)
            else:
                if current is not None:
                    paragraphs.append(current)
                current = text
            if right - line["x1"] > size or standalone:
                paragraphs.append(current)
                current = None
    if current is not None:
        paragraphs.append(current)
    budget.paragraphs(len(paragraphs))
    text = "\n\n".join(paragraphs)
    budget.characters(len(text))
    if not text.strip():
        raise UnreadableFile(path, "PDF 中没有文字层（可能是扫描件），无法导入")
    return text


def _join_wrapped(left: str, right: str) -> str:
    # A PDF wraps Latin text at the spaces it then drops; Chinese needs none.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right
