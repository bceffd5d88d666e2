"""The bulletin as HTML: the standalone page (``jianbao render --format html``) and
the pieces every HTML page shares (marked text, figures, tables, notes).

Everything here reads the content shape (publishing.parsed). The blocks are
prepared as plain dicts for ``publishing/_blocks.html``; pictures come from a
``picture`` function, so the archive can use responsive URLs and the
standalone file data URIs with the same template.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from itertools import pairwise
from urllib.parse import urlsplit

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jianbao.core.errors import JianbaoError
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    TABLE,
    Block,
    Mark,
    ParsedArticle,
    ParsedBulletin,
    anchors,
    printed_sections,
)
from jianbao.publishing.render.markdown import format_date
from jianbao.publishing.render.pdf import contact_lines, credit_line, credits_line

logger = logging.getLogger(__name__)

# Link schemes a reader may follow from a bulletin; anything else stays plain text.
SAFE_SCHEMES = ("http", "https", "mailto")
# The width the page's text column reaches (archive .wrap less padding), for ``sizes``.
SIZES = "(min-width: 48rem) 44rem, 100vw"
# The width of the picture a standalone file carries (data URIs).
STANDALONE_WIDTH = 960

# Nesting order of marks: a link outside, then bold, then italic, so that
# overlapping marks always give well-nested tags.
_ORDER = {LINK: 0, BOLD: 1, ITALIC: 2}


def safe_href(href: str) -> str:
    """``href`` if it is an http, https or mailto address, else ""."""
    href = (href or "").strip()
    if not href or any(ord(ch) < 0x20 or ch.isspace() for ch in href):
        return ""
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return ""
    return href if scheme in SAFE_SCHEMES else ""


def _open(mark: Mark) -> str:
    if mark.type == BOLD:
        return "<strong>"
    if mark.type == ITALIC:
        return "<em>"
    return f'<a href="{escape(mark.href)}" rel="noopener">'


def _close(mark: Mark) -> str:
    return {BOLD: "</strong>", ITALIC: "</em>"}.get(mark.type, "</a>")


def _usable(marks: Iterable[Mark], length: int) -> list[Mark]:
    kept = []
    for m in marks:
        start, end = max(0, m.start), min(length, m.end)
        if start >= end or m.type not in _ORDER:
            continue
        if m.type == LINK:
            href = safe_href(m.href)
            if not href:
                continue  # javascript: and the like: the text stays, the link goes
            m = Mark(LINK, start, end, href)
        else:
            m = Mark(m.type, start, end)
        kept.append(m)
    return kept


def _key(m: Mark):
    # What makes two marks "the same tag": a run of bold is one <strong>.
    return (_ORDER[m.type], m.href if m.type == LINK else "")


def marked_html(text: str, marks: Iterable[Mark] = ()) -> SafeString:
    """``text`` escaped, with its marks as <strong>, <em> and <a rel="noopener">.

    Marks are character offsets and may overlap; the output is always well
    nested (a link outermost), and a line break becomes <br>.
    """
    marks = _usable(marks, len(text))
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    stack: list[Mark] = []
    for start, end in pairwise(cuts):
        wanted: list[Mark] = []
        for m in sorted(marks, key=lambda m: (_key(m), m.start)):
            if m.start <= start and end <= m.end and all(_key(w) != _key(m) for w in wanted):
                wanted.append(m)
        wanted.sort(key=_key)
        common = 0
        while (
            common < len(stack)
            and common < len(wanted)
            and _key(stack[common]) == _key(wanted[common])
        ):
            common += 1
        while len(stack) > common:
            out.append(_close(stack.pop()))
        for m in wanted[common:]:
            out.append(_open(m))
            stack.append(m)
        out.append(escape(text[start:end]).replace("\n", "<br>"))
    while stack:
        out.append(_close(stack.pop()))
    return mark_safe("".join(out))


# --- pictures ------------------------------------------------------------------

PictureSource = Callable[[Block], dict]


def responsive_picture(block: Block) -> dict:
    """The archive's picture: a <picture> with WebP and JPEG srcsets.

    A picture gone from storage leaves its caption on the page rather than
    taking the page down (a reader can still read the issue; the log says which).
    """
    from jianbao.publishing import pictures

    try:
        return {**pictures.responsive(block.file), "sizes": SIZES}
    except (JianbaoError, OSError, ValueError) as exc:
        logger.warning("picture %s cannot be shown: %s", block.file, exc)
        return {}


def embedded_picture(block: Block) -> dict:
    """The standalone file's picture: the image inside the file, as a data URI."""
    from jianbao.publishing import pictures

    width, height = block.width, block.height
    if width > STANDALONE_WIDTH and height:
        width, height = STANDALONE_WIDTH, max(1, round(height * STANDALONE_WIDTH / width))
    return {
        "src": pictures.data_uri(block.file, STANDALONE_WIDTH),
        "width": width or None,
        "height": height or None,
    }


# --- blocks -----------------------------------------------------------------------


def _cell(cell, *, header: bool) -> dict:
    return {
        "html": marked_html(cell.text, cell.marks),
        "colspan": cell.colspan if cell.colspan > 1 else None,
        "rowspan": cell.rowspan if cell.rowspan > 1 else None,
        # A header cell over several columns heads a group of them.
        "scope": ("colgroup" if cell.colspan > 1 else "col") if header else None,
    }


def _table(block: Block) -> dict:
    head = block.rows[: block.header_rows]
    body = block.rows[block.header_rows :]
    return {
        "caption": block.caption,
        "label": block.caption or "表格",
        "head": [[_cell(c, header=True) for c in row] for row in head],
        "body": [[_cell(c, header=False) for c in row] for row in body],
    }


def _figure(block: Block, picture: PictureSource) -> dict:
    # The caption says what the picture shows; an alt repeating it would be read twice.
    alt = block.alt or ("" if block.caption else "图片")
    return {**picture(block), "caption": block.caption, "alt": alt}


def web_blocks(blocks: Iterable[Block], *, picture: PictureSource) -> list[dict]:
    """The blocks as ``publishing/_blocks.html`` reads them."""
    out = []
    for b in blocks:
        item: dict = {"kind": b.kind}
        if b.kind == IMAGE:
            item["figure"] = _figure(b, picture)
        elif b.kind == TABLE:
            item["table"] = _table(b)
        else:
            item["html"] = marked_html(b.text, b.marks)
            if b.kind == HEADING:
                item["level"] = b.level
        out.append(item)
    return out


def web_article(article: ParsedArticle, *, anchor: str, picture: PictureSource) -> dict:
    """One article for an HTML page: titles, its anchor, the credit line printed once."""
    return {
        "id": article.id,
        "anchor": anchor,
        "title": article.title,
        "toc_title": article.toc_title or article.title,
        "credit": credit_line(article.credit),
        "blocks": web_blocks(article.blocks, picture=picture),
    }


def web_sections(
    bulletin: ParsedBulletin,
    *,
    picture: PictureSource,
    anchor: Callable[[ParsedArticle, str], str] | None = None,
) -> list[dict]:
    """The printed sections, numbered 1, 2, … for their ids.

    ``anchor(article, default)`` picks an article's id; by default the
    ``article-N`` print-order anchors the PDF outline and WeChat post share.
    """
    numbered = anchors(bulletin)
    return [
        {
            "number": n,
            "title": s.title,
            "toc_title": s.toc_title or s.title,
            "articles": [
                web_article(
                    a,
                    anchor=anchor(a, numbered[id(a)]) if anchor else numbered[id(a)],
                    picture=picture,
                )
                for a in s.articles
            ],
        }
        for n, s in enumerate(printed_sections(bulletin), start=1)
    ]


def render_html(
    bulletin: ParsedBulletin,
    *,
    downloads: list[tuple[str, str]] | None = None,
    picture: PictureSource | None = None,
) -> str:
    """``downloads`` is a list of (label, URL) pairs shown under the masthead.

    Pictures are carried inside the file (data URIs) unless ``picture`` says
    otherwise, so the page opens anywhere, offline and from a mail attachment.
    """
    return render_to_string(
        "publishing/bulletin.html",
        {
            "b": bulletin,
            "date": format_date(bulletin),
            "sections": web_sections(bulletin, picture=picture or embedded_picture),
            "has_articles": bool(bulletin.articles),
            "distribution": [
                {"label": label, "names": "、".join(names)}
                for label, names in bulletin.distribution.items()
                if names
            ],
            "credits": credits_line(bulletin),
            "contacts": contact_lines(bulletin),
            "downloads": downloads or [],
        },
    )
