"""The bulletin as the units of text a proofing rule reads, each with its place.

Text rules (spaces, punctuation, numbers, usage…) walk ``units()`` and never
look at the content shape themselves; structure rules read the bulletin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jianbao.publishing.parsed import IMAGE, TABLE, ParsedArticle, ParsedBulletin

from .findings import (
    BLOCK,
    CAPTION,
    CELL,
    COLOPHON,
    CREDIT,
    EDITOR_NOTE,
    MASTHEAD,
    SECTION,
    TITLE,
    TOC_TITLE,
    Where,
)


@dataclass(frozen=True)
class Unit:
    where: Where
    text: str
    # The article this unit belongs to, for rules that look across an article
    # (names, abbreviations); None outside articles.
    article: ParsedArticle | None = None
    heading: bool = False  # a title or heading: no sentence punctuation expected

    @property
    def prose(self) -> bool:
        """Running Chinese text: not the masthead or the 版记's lists."""
        return self.where.part not in (MASTHEAD, COLOPHON)


def numbered_articles(bulletin: ParsedBulletin) -> Iterator[tuple[int, int, ParsedArticle]]:
    """(section number, article number, article) in print order, 1-based."""
    n = 0
    for s, section in enumerate(bulletin.sections, start=1):
        for article in section.articles:
            n += 1
            yield s, n, article


def article_units(s: int, n: int, article: ParsedArticle) -> Iterator[Unit]:
    at = dict(section=s, article=n, article_id=article.id)
    yield Unit(Where(TITLE, **at), article.title, article, heading=True)
    if article.toc_title:
        yield Unit(Where(TOC_TITLE, **at), article.toc_title, article, heading=True)
    for b, block in enumerate(article.blocks):
        if block.kind == IMAGE:
            for text in (block.caption, block.alt):
                if text:
                    yield Unit(Where(CAPTION, block=b, **at), text, article)
        elif block.kind == TABLE:
            if block.caption:
                yield Unit(Where(CAPTION, block=b, **at), block.caption, article)
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    if cell.text:
                        yield Unit(Where(CELL, block=b, cell=(r, c), **at), cell.text, article)
        elif block.text:
            yield Unit(
                Where(BLOCK, block=b, **at), block.text, article, heading=block.kind == "heading"
            )
    if article.credit:
        yield Unit(Where(CREDIT, **at), article.credit, article)


def units(bulletin: ParsedBulletin) -> Iterator[Unit]:
    """Every text of the bulletin once, in print order."""
    for name, text in (
        ("series_title", bulletin.series_title),
        ("office", bulletin.office),
    ):
        if text:
            yield Unit(Where(MASTHEAD, field=name), text, heading=True)
    if bulletin.editor_note:
        yield Unit(Where(EDITOR_NOTE), bulletin.editor_note)
    numbered = numbered_articles(bulletin)
    pending = next(numbered, None)
    for s, section in enumerate(bulletin.sections, start=1):
        yield Unit(Where(SECTION, section=s), section.title, heading=True)
        if section.toc_title:
            yield Unit(Where(SECTION, section=s, field="导读"), section.toc_title, heading=True)
        while pending is not None and pending[0] == s:
            yield from article_units(*pending)
            pending = next(numbered, None)
    for label, names in bulletin.distribution.items():
        for name in names:
            yield Unit(Where(COLOPHON, field=label), name)
