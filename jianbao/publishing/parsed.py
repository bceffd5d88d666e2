"""Plain data that flows import → store → render.

Parsers return these, the store service writes them in one transaction, and
renderers take them back from the stored issue, so a round trip is a
comparison of two values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

PARAGRAPH = "paragraph"
HEADING = "heading"
IMAGE = "image"
TABLE = "table"
NOTE = "note"  # 编者按 / 按语: set apart from the body
BLOCK_KINDS = (PARAGRAPH, HEADING, IMAGE, TABLE, NOTE)
# Blocks whose content is running text with marks.
TEXT_KINDS = (PARAGRAPH, HEADING, NOTE)

BOLD = "bold"
ITALIC = "italic"
LINK = "link"
MARK_TYPES = (BOLD, ITALIC, LINK)

# The bulletin numbers its headings 一、 then （一）, as official documents do;
# 1. and （1） below them. The one place these rules live.
_HEADING_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十百]+、"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[）)]"), 2),
    (re.compile(r"^\d+[.．、]"), 3),
    (re.compile(r"^[（(]\d+[）)]"), 4),
)


def heading_level(text: str) -> int:
    for pattern, level in _HEADING_LEVELS:
        if pattern.match(text):
            return level
    return 1


@dataclass(frozen=True)
class Mark:
    """Emphasis over ``text[start:end]`` of a block or cell (character offsets)."""

    type: str
    start: int
    end: int
    href: str = ""  # links only


@dataclass(frozen=True)
class Cell:
    text: str = ""
    marks: tuple[Mark, ...] = ()
    # Merged cells as Word has them: the covering cell spans, the covered ones
    # are left out of their rows (as in HTML).
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Block:
    """One block of an article. ``text`` is plain text for every kind of block
    that has running text; pictures and tables keep their own fields, and
    ``plain_text`` is what search, proofing and diffs read for all of them."""

    kind: str
    text: str = ""
    marks: tuple[Mark, ...] = ()
    # image: the picture's stored name (its content hash and extension, see
    # publishing.pictures), its size in pixels, and the share of the text
    # width it prints at (0: the renderer's default).
    file: str = ""
    caption: str = ""
    alt: str = ""
    width: int = 0
    height: int = 0
    print_width: float = 0.0
    # table
    rows: tuple[tuple[Cell, ...], ...] = ()
    header_rows: int = 0

    @property
    def level(self) -> int:
        return heading_level(self.text) if self.kind == HEADING else 0

    @property
    def plain_text(self) -> str:
        if self.kind == IMAGE:
            return "\n".join(t for t in (self.caption, self.alt) if t)
        if self.kind == TABLE:
            lines = [self.caption] if self.caption else []
            lines += ["\t".join(c.text for c in row) for row in self.rows]
            return "\n".join(lines)
        return self.text


def paragraph(text: str, *marks: Mark) -> Block:
    return Block(PARAGRAPH, text, tuple(marks))


def heading(text: str) -> Block:
    return Block(HEADING, text)


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    blocks: tuple[Block, ...] = ()
    toc_title: str = ""
    credit: str = ""
    contributors: tuple[str, ...] = ()
    # The stored article's primary key, when the bulletin came from the store:
    # an identity, not content, so equality ignores it.
    id: int | None = field(default=None, compare=False)

    @property
    def pictures(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == IMAGE)


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


# What a warning is about, for the import report: a change the reader made to
# the text, a 导读 entry no article answers, or anything else.
REPAIR = "repair"
TOC_UNMATCHED = "toc.unmatched"


@dataclass(frozen=True)
class ParseWarning:
    line: int
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}" if self.line else self.message


@dataclass(frozen=True)
class OcrLine:
    """A line OCR read with less confidence than the import report's threshold."""

    page: int
    text: str
    confidence: float  # 0–100, tesseract's mean word confidence for the line


@dataclass(frozen=True)
class OcrPage:
    page: int  # 1-based
    confidence: float  # 0–100, mean over the page's words
    low_lines: tuple[OcrLine, ...] = ()
    angle: float = 0.0  # the deskew correction applied, in degrees
    # No words were read on it: a verso left blank so that the 版记 ends on an
    # even page, or a page of pictures only. Its confidence (0) means nothing.
    blank: bool = False


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
    # 编者按: the editor's note for the whole issue, a paragraph per line; it
    # prints after the masthead, before the 导读. Empty: none.
    editor_note: str = ""
    warnings: tuple[ParseWarning, ...] = field(default=(), compare=False)
    # The bytes of pictures an importer read, by the name its image blocks use;
    # the store checks and keeps them (publishing.pictures). Empty for a
    # bulletin from the store: its blocks name stored pictures.
    pictures: Mapping[str, bytes] = field(default_factory=dict, compare=False)
    # What OCR said of each page, when the file was a scan; empty otherwise.
    ocr_pages: tuple[OcrPage, ...] = field(default=(), compare=False)

    @property
    def articles(self) -> list[ParsedArticle]:
        return [a for s in self.sections for a in s.articles]

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期（总第{self.running_number}期）"

    @property
    def editor_note_paragraphs(self) -> list[str]:
        """The 编者按's paragraphs, a paragraph per non-blank line: what every output prints."""
        return [line.strip() for line in self.editor_note.splitlines() if line.strip()]


def anchors(bulletin: ParsedBulletin) -> dict[int, str]:
    """``article-N`` for the N-th printed article (1-based), keyed by ``id()`` of the
    article: the one numbering the PDF outline, web page, WeChat post and mail share."""
    return {
        id(article): f"article-{n}"
        for n, article in enumerate(
            (a for s in printed_sections(bulletin) for a in s.articles), start=1
        )
    }


def reading_lines(bulletin: ParsedBulletin) -> list[str]:
    """The issue as plain lines, a line per block (captions and table rows too):
    what people compare when they look at what a correction changed."""
    lines = []
    if bulletin.editor_note:
        lines.append("【编者按】")
        lines += editor_note_paragraphs(bulletin)
    for section in bulletin.sections:
        lines.append(f"【{section.title}】")
        for article in section.articles:
            lines.append(f"《{article.title}》")
            for block in article.blocks:
                lines += block.plain_text.splitlines()
            if article.credit:
                lines.append(f"（{article.credit}）")
    return lines


def editor_note_paragraphs(bulletin: ParsedBulletin) -> list[str]:
    """The 编者按's paragraphs (templates read ``b.editor_note_paragraphs``)."""
    return bulletin.editor_note_paragraphs


def printed_sections(bulletin: ParsedBulletin) -> tuple[ParsedSection, ...]:
    """The sections every output prints, in order: the 导读 and the body alike.

    A section with no articles is left out (issue #13), unless the editor kept it.
    Every renderer asks here, so the PDF, Word, web, WeChat and Markdown agree.
    """
    return tuple(s for s in bulletin.sections if s.articles or s.keep_when_empty)


def _marks_to_list(marks: tuple[Mark, ...]) -> list[dict]:
    return [
        {"type": m.type, "start": m.start, "end": m.end, **({"href": m.href} if m.href else {})}
        for m in marks
    ]


def _marks_from_list(items) -> tuple[Mark, ...]:
    return tuple(
        Mark(str(m["type"]), int(m["start"]), int(m["end"]), str(m.get("href") or ""))
        for m in items or ()
    )


def _cell_to_dict(c: Cell) -> dict:
    data: dict = {"text": c.text}
    if c.marks:
        data["marks"] = _marks_to_list(c.marks)
    if c.colspan != 1:
        data["colspan"] = c.colspan
    if c.rowspan != 1:
        data["rowspan"] = c.rowspan
    return data


def block_to_dict(b: Block, *, picture_path=None) -> dict:
    """One block in the JSON shape. ``picture_path`` maps a stored picture's name
    to what the export shows (a path in the exported folder, or a URL)."""
    data: dict = {"kind": b.kind, "type": b.kind}
    if b.kind in TEXT_KINDS:
        data["text"] = b.text
        data["marks"] = _marks_to_list(b.marks)
        if b.kind == HEADING:
            data["level"] = b.level
    elif b.kind == IMAGE:
        data.update(
            file=picture_path(b.file) if picture_path else b.file,
            caption=b.caption,
            alt=b.alt,
            width=b.width,
            height=b.height,
            print_width=b.print_width,
            text=b.plain_text,
        )
    elif b.kind == TABLE:
        data.update(
            rows=[[_cell_to_dict(c) for c in row] for row in b.rows],
            header_rows=b.header_rows,
            caption=b.caption,
            text=b.plain_text,
        )
    return data


def block_from_dict(data: Mapping) -> Block:
    """The inverse of block_to_dict; ``type`` is read where an older export has no ``kind``."""
    kind = data.get("kind") or data.get("type") or PARAGRAPH
    if kind not in BLOCK_KINDS:
        raise ValueError(f"未知的段落类型“{kind}”")
    if kind == IMAGE:
        return Block(
            IMAGE,
            file=str(data.get("file") or ""),
            caption=str(data.get("caption") or ""),
            alt=str(data.get("alt") or ""),
            width=int(data.get("width") or 0),
            height=int(data.get("height") or 0),
            print_width=float(data.get("print_width") or 0),
        )
    if kind == TABLE:
        rows = tuple(
            tuple(
                Cell(
                    str(c.get("text") or "") if isinstance(c, Mapping) else str(c),
                    _marks_from_list(c.get("marks")) if isinstance(c, Mapping) else (),
                    int(c.get("colspan") or 1) if isinstance(c, Mapping) else 1,
                    int(c.get("rowspan") or 1) if isinstance(c, Mapping) else 1,
                )
                for c in row
            )
            for row in data.get("rows") or ()
        )
        return Block(
            TABLE,
            rows=rows,
            header_rows=int(data.get("header_rows") or 0),
            caption=str(data.get("caption") or ""),
        )
    return Block(kind, str(data.get("text") or ""), _marks_from_list(data.get("marks")))


def bulletin_to_dict(
    bulletin: ParsedBulletin, *, state: str | None = None, picture_path=None
) -> dict:
    """The documented JSON shape of an issue (``jianbao export --format json``)."""

    def article(a: ParsedArticle) -> dict:
        return {
            "title": a.title,
            "toc_title": a.toc_title or None,
            "credit": a.credit or None,
            "contributors": list(a.contributors),
            "blocks": [block_to_dict(b, picture_path=picture_path) for b in a.blocks],
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
        "editor_note": bulletin.editor_note or None,
    }
    if state is not None:
        data["state"] = state
    return data


def bulletin_from_dict(data: Mapping, *, pictures: Mapping[str, bytes] | None = None):
    """The inverse of bulletin_to_dict (a JSON export, or a revision snapshot).

    ``pictures`` holds the bytes of the pictures the blocks name, when they come
    from an exported folder rather than the store.
    """
    date = data.get("date")
    return ParsedBulletin(
        series_title=data.get("series") or "",
        series_name=data.get("series_name") or "",
        office=data.get("office") or "",
        year=int(data["year"]),
        number=int(data["number"]),
        running_number=int(data["running_number"]),
        date=dt.date.fromisoformat(date) if date else None,
        sections=tuple(
            ParsedSection(
                title=s.get("title") or "",
                toc_title=s.get("toc_title") or "",
                articles=tuple(
                    ParsedArticle(
                        title=a.get("title") or "",
                        toc_title=a.get("toc_title") or "",
                        credit=a.get("credit") or "",
                        contributors=tuple(a.get("contributors") or ()),
                        blocks=tuple(block_from_dict(b) for b in a.get("blocks") or ()),
                    )
                    for a in s.get("articles") or ()
                ),
            )
            for s in data.get("sections") or ()
        ),
        distribution={k: tuple(v) for k, v in (data.get("distribution") or {}).items()},
        editor=data.get("editor") or "",
        reviewer=data.get("reviewer") or "",
        signer=data.get("signer") or "",
        contacts=tuple(ContactItem(**c) for c in data.get("contacts") or ()),
        # Older exports and revision snapshots have no 编者按.
        editor_note=str(data.get("editor_note") or ""),
        pictures=dict(pictures or {}),
    )
