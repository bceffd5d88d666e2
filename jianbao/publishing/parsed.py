"""Plain data that flows import → store → render.

Parsers return these, the store service writes them in one transaction, and
renderers take them back from the stored issue, so a round trip is a
comparison of two values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

PARAGRAPH = "paragraph"
HEADING = "heading"
BLOCK_KINDS = (PARAGRAPH, HEADING)


@dataclass(frozen=True)
class Block:
    kind: str
    text: str


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    blocks: tuple[Block, ...] = ()
    toc_title: str = ""
    credit: str = ""
    contributors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedSection:
    title: str
    articles: tuple[ParsedArticle, ...] = ()
    toc_title: str = ""
    # The editor asked for this section to print even with no articles. A print
    # setting, not content: no text form carries it, so equality ignores it.
    keep_when_empty: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ContactItem:
    label: str
    value: str
    kind: str
    line: int


@dataclass(frozen=True)
class ParseWarning:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}" if self.line else self.message


@dataclass(frozen=True)
class ParsedBulletin:
    series_title: str
    series_name: str
    office: str
    year: int
    number: int
    running_number: int
    date: dt.date | None
    sections: tuple[ParsedSection, ...] = ()
    distribution: dict[str, tuple[str, ...]] = field(default_factory=dict)
    editor: str = ""
    reviewer: str = ""
    signer: str = ""
    contacts: tuple[ContactItem, ...] = ()
    warnings: tuple[ParseWarning, ...] = field(default=(), compare=False)

    @property
    def articles(self) -> list[ParsedArticle]:
        return [a for s in self.sections for a in s.articles]

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期（总第{self.running_number}期）"


def printed_sections(bulletin: ParsedBulletin) -> tuple[ParsedSection, ...]:
    """The sections every output prints, in order: the 导读 and the body alike.

    A section with no articles is left out (issue #13), unless the editor kept it.
    Every renderer asks here, so the PDF, Word, web, WeChat and Markdown agree.
    """
    return tuple(s for s in bulletin.sections if s.articles or s.keep_when_empty)


def bulletin_to_dict(bulletin: ParsedBulletin, *, state: str | None = None) -> dict:
    """The documented JSON shape of an issue (``jianbao export --format json``)."""

    def article(a: ParsedArticle) -> dict:
        return {
            "title": a.title,
            "toc_title": a.toc_title or None,
            "credit": a.credit or None,
            "contributors": list(a.contributors),
            "blocks": [{"type": b.kind, "text": b.text} for b in a.blocks],
        }

    data = {
        "series": bulletin.series_title,
        "series_name": bulletin.series_name,
        "office": bulletin.office,
        "year": bulletin.year,
        "number": bulletin.number,
        "running_number": bulletin.running_number,
        "date": bulletin.date.isoformat() if bulletin.date else None,
        "sections": [
            {
                "title": s.title,
                "toc_title": s.toc_title or None,
                "articles": [article(a) for a in s.articles],
            }
            for s in bulletin.sections
        ],
        "distribution": {k: list(v) for k, v in bulletin.distribution.items()},
        "editor": bulletin.editor or None,
        "reviewer": bulletin.reviewer or None,
        "signer": bulletin.signer or None,
        "contacts": [asdict(c) for c in bulletin.contacts],
    }
    if state is not None:
        data["state"] = state
    return data
