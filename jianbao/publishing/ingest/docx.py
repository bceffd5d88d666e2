"""Read a .docx into the lines the text parser understands.

Word styles stand in for Markdown marks: Heading N → N ``#``, list
paragraphs → ``- ``, an all-bold paragraph → ``**…**``.  The archive is
checked before python-docx opens it, because a .docx is a zip file that
anyone can hand us: its declared sizes and compression ratios first, then
one streaming pass over its XML that counts elements, paragraphs and table
cells against the limits of jianbao.core.limits, so that a small file with
a huge number of paragraphs is refused in a fraction of a second instead of
being parsed for a minute.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace

from django.conf import settings
from docx import Document
from docx.text.paragraph import Paragraph
from lxml import etree

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.markup import block_to_markup, format_inline, normalise_marks
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    OcrPage,
    ParseWarning,
)

MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2000

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TC = f"{W}p", f"{W}tbl", f"{W}tc"
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError, ValueError)


def check_docx_archive(data: bytes, path: str, *, budget: ParseBudget | None = None) -> None:
    """Refuse zip bombs, XML entity tricks, oversized documents and non-Word files."""
    budget = budget or ParseBudget(path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFile(path, "不是有效的 .docx 文件（压缩包已损坏）") from None
    names = {m.filename for m in members}
    if "word/document.xml" not in names:
        raise UnreadableFile(path, "不是 Word 文档（缺少 word/document.xml）")
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(path, f"压缩包内文件过多（{len(members)} 个），已拒绝")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise UnreadableFile(
            path, f"解压后过大（{total // 1024 // 1024} MB），疑似压缩炸弹，已拒绝"
        )
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > MAX_RATIO and m.file_size > 1 << 20:
            raise UnreadableFile(path, f"{m.filename} 压缩比异常，疑似压缩炸弹，已拒绝")
    xml_members = [m for m in members if m.filename.endswith((".xml", ".rels"))]
    try:
        for m in xml_members:
            # Read only the head: a DOCTYPE comes before the root element.
            with archive.open(m) as stream:
                head = stream.read(4096).upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnreadableFile(path, f"{m.filename} 含有 DOCTYPE/实体声明，已拒绝")
        _count_xml(archive, xml_members, budget)
    except _BROKEN as exc:
        raise UnreadableFile(path, f"不是有效的 .docx 文件（{exc.__class__.__name__}）") from None


def _count_xml(archive: zipfile.ZipFile, members, budget: ParseBudget) -> None:
    """Count what python-docx would build, streaming, and stop at the first limit passed.

    Zip members are decompressed no further than their declared size, which
    the checks above have bounded.
    """
    limits = budget.limits
    elements = paragraphs = cells = 0
    for m in members:
        with archive.open(m) as stream:
            parser = etree.iterparse(
                stream,
                events=("end",),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            first = True
            for _event, element in parser:
                # A DOCTYPE past the first 4 KB (after long comments) shows here.
                if first and element.getroottree().docinfo.internalDTD is not None:
                    raise UnreadableFile(budget.name, f"{m.filename} 含有 DOCTYPE/实体声明，已拒绝")
                first = False
                elements += 1
                tag = element.tag
                if tag == _P:
                    paragraphs += 1
                    budget.paragraphs(paragraphs)
                elif tag == _TC:
                    cells += 1
                    budget.check_count("表格单元格", cells, limits.table_cells)
                if elements % 10_000 == 0:
                    budget.check_count("XML 元素", elements, limits.elements)
                    budget.check_time()
                # Keep memory flat: drop what has been counted.
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
    budget.check_count("XML 元素", elements, limits.elements)


def _style_names(document) -> tuple[dict[str, str], str]:
    """Paragraph style names by id, and the default's, read once.

    python-docx looks the default style up afresh for every paragraph, which
    made a 5,000-paragraph file take four seconds.
    """
    names, default = {}, ""
    for style in document.styles.element.style_lst:
        if style.get(f"{W}type", "paragraph") != "paragraph":
            continue
        name = style.name_val or ""
        if style.styleId:
            names[style.styleId] = name
        if style.get(f"{W}default") in ("1", "true") and not default:
            default = name
    return names, default


def _paragraph_line(p: Paragraph, styles: tuple[dict[str, str], str]) -> str:
    text = p.text.strip()
    if not text:
        return ""
    names, default = styles
    style_id = p._p.style
    style = (names.get(style_id, default) if style_id else default) or ""
    lowered = style.lower()
    if lowered == "title":
        return f"# {text}"
    if lowered.startswith("heading"):
        level = "".join(ch for ch in style if ch.isdigit()) or "1"
        return f"{'#' * min(int(level), 6)} {text}"
    if lowered.startswith("list") or (p._p.pPr is not None and p._p.pPr.numPr is not None):
        return f"- {text}"
    runs = [r for r in p.runs if r.text.strip()]
    if runs and all(r.bold for r in runs):
        return f"**{text}**"
    return text


def docx_paragraph_texts(data: bytes, path: str, *, budget: ParseBudget | None = None) -> list[str]:
    """Paragraphs of a .docx as lines (tables read cell by cell), for parsers."""
    budget = budget or ParseBudget(path)
    check_docx_archive(data, path, budget=budget)
    try:
        document = Document(io.BytesIO(data))
        styles = _style_names(document)
    except Exception as exc:  # python-docx raises many kinds on a broken part
        raise UnreadableFile(path, f"无法读取 Word 文档：{exc}") from None
    lines: list[str] = []
    for n, child in enumerate(document.element.body.iterchildren()):
        if n % 200 == 0:
            budget.check_time()
        if child.tag == _P:
            lines.append(_paragraph_line(Paragraph(child, document), styles))
        elif child.tag == _TBL:
            # Cell by cell as stored: a merged cell is read once, not once per grid column.
            for row in child.tr_lst:
                for cell in row.tc_lst:
                    for p in cell.p_lst:
                        lines.append(_paragraph_line(Paragraph(p, document), styles))
            budget.check_time()
    budget.characters(sum(len(line) for line in lines))
    return lines


def docx_to_text(data: bytes, path: str, *, budget: ParseBudget | None = None) -> str:
    # A blank line between paragraphs: each Word paragraph is a paragraph.
    return "\n\n".join(line for line in docx_paragraph_texts(data, path, budget=budget) if line)


# -- Rich reading: the text markup (publishing.markup) ------------------------
#
# ``docx_to_markup`` walks the body in document order and writes what Word
# shows as the markup every importer shares: paragraphs with **bold**, *italic*
# and [links](https://…), each picture as its own ``![caption](imageN.ext)``
# block with its bytes alongside, and tables as pipe tables.  What the markup
# cannot carry (text boxes, charts, SmartArt, equations, embedded objects) is
# named in a warning with its place, never dropped silently.

_NS = {
    "w": W[1:-1],
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
_R = f"{{{_NS['r']}}}"
_MC = f"{{{_NS['mc']}}}"
_M = f"{{{_NS['m']}}}"
_V = f"{{{_NS['v']}}}"
_WP = f"{{{_NS['wp']}}}"
_A = f"{{{_NS['a']}}}"
_DRAWINGML = "http://schemas.openxmlformats.org/drawingml/2006/"
_GRAPHIC_KINDS = {
    _DRAWINGML + "chart": "图表",
    "http://schemas.microsoft.com/office/drawing/2014/chartex": "图表",
    _DRAWINGML + "diagram": "SmartArt 图形",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup": "组合图形",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas": "绘图画布",
    _DRAWINGML + "lockedCanvas": "绘图画布",
}
_PICTURE_URI = _DRAWINGML + "picture"
_SHAPE_URI = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"

# How many pictures one file may hold is core.limits.ParseLimits.pictures; the
# store's own JIANBAO_PICTURE_MAX_BYTES, when set, decides the size of one.
MAX_PICTURE_BYTES = 20 * 1024 * 1024
PICTURE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/webp": "webp",
    "image/x-emf": "emf",
    "image/emf": "emf",
    "image/x-wmf": "wmf",
    "image/wmf": "wmf",
    "image/svg+xml": "svg",
    "image/heic": "heic",
    "image/heif": "heif",
}
_EMU_PER_TWIP = 635
_OFF = {"0", "false", "off", "none"}

_CAPTION_STYLES = {"caption", "题注"}
_MAX_CAPTION = 200


def is_caption(text: str) -> bool:
    """Whether a line names a picture: 图为…, 图1 …, 图 1, 图：…, （图…）, 上图为…."""
    return len(text) <= _MAX_CAPTION and bool(
        re.match(
            r"^(?:[（(][ 　]?图|[上下左右]?图[ 　]?[为：:\d一二三四五六七八九十]|图[ 　]\S)", text
        )
    )


def is_table_caption(text: str) -> bool:
    """Whether a line names the table under it: 表1 …, 表一 …, 表：…."""
    return len(text) <= _MAX_CAPTION and bool(
        re.match(r"^(?:续?表[ 　]?[\d一二三四五六七八九十]|表[ 　]?[：:])", text)
    )


@dataclass(frozen=True)
class DocxContent:
    """A .docx in the text markup, the pictures its blocks name, and what was left out.

    ``blocks`` are the same content as the shape's blocks (image blocks name
    the keys of ``pictures``), for callers that want the pieces, not the text.
    """

    text: str
    pictures: dict[str, bytes] = field(default_factory=dict)
    warnings: tuple[ParseWarning, ...] = ()
    blocks: tuple[Block, ...] = ()
    ocr_pages: tuple[OcrPage, ...] = ()  # a scan's OCR, page by page


def docx_to_markup(data: bytes, name: str, *, budget: ParseBudget | None = None) -> DocxContent:
    budget = budget or ParseBudget(name)
    check_docx_archive(data, name, budget=budget)
    try:
        document = Document(io.BytesIO(data))
        reader = _RichReader(document, name, budget)
    except UnreadableFile:
        raise
    except Exception as exc:  # python-docx raises many kinds on a broken part
        raise UnreadableFile(name, f"无法读取 Word 文档：{exc}") from None
    reader.read_body(document.element.body)
    items = reader.finish()
    blocks = tuple(item.block for item in items)
    text = "\n\n".join(item.prefix + block_markup(item.block) for item in items)
    budget.characters(len(text))
    return DocxContent(
        text=text,
        pictures=dict(reader.pictures),
        warnings=tuple(ParseWarning(0, f"{name}：{w}") for w in reader.warnings),
        blocks=blocks,
    )


# -- markup writing ---------------------------------------------------------------


def block_markup(block: Block) -> str:
    """One block as the markup writes it, paragraphs unescaped: in a whole bulletin,
    text.py must still see a line such as 报：… or an all-bold title for what it is."""
    if block.kind in (IMAGE, TABLE, NOTE):
        return block_to_markup(block)
    return format_inline(block.text, block.marks)


# -- the walk -------------------------------------------------------------------


@dataclass
class _Item:
    block: Block
    prefix: str = ""  # "# " for a Word heading, "- " for a list item: what text.py reads
    caption_like: bool = False
    table_caption_like: bool = False
    picture_key: str = ""


@dataclass
class _Runs:
    """The text of one paragraph (or cell) being read, with per-run formatting."""

    parts: list[tuple[str, bool, bool, str]] = field(default_factory=list)

    def add(self, text: str, bold: bool, italic: bool, href: str) -> None:
        if text:
            self.parts.append((text, bold, italic, href))

    def text_and_marks(self) -> tuple[str, tuple[Mark, ...]]:
        text = "".join(p[0] for p in self.parts)
        bold: list[bool | None] = []
        italic: list[bool | None] = []
        link: list[str] = []
        for chunk, b, i, href in self.parts:
            for ch in chunk:
                # White space takes the emphasis of its neighbours (bold on a
                # space means nothing); a line break ends every emphasis.
                soft = ch.isspace() and ch != "\n"
                bold.append(None if soft else (b and ch != "\n"))
                italic.append(None if soft else (i and ch != "\n"))
                link.append(href)
        lead = len(text) - len(text.lstrip())
        stripped = text.strip()
        end = lead + len(stripped)
        marks: list[Mark] = []
        for kind, flags in ((BOLD, _settle(bold)), (ITALIC, _settle(italic))):
            marks += [Mark(kind, s - lead, e - lead) for s, e in _spans(flags, lead, end)]
        start = None
        for k in range(lead, end + 1):
            href = link[k] if k < end else ""
            if start is not None and href != link[start]:
                marks.append(Mark(LINK, start - lead, k - lead, link[start]))
                start = None
            if start is None and href:
                start = k
        return stripped, normalise_marks(stripped, marks)


def _settle(flags: list[bool | None]) -> list[bool]:
    """White space is emphasised only between two emphasised characters."""
    settled = [bool(f) for f in flags]
    n = len(flags)
    before = False
    nxt = [False] * n
    following = False
    for k in range(n - 1, -1, -1):
        nxt[k] = following
        if flags[k] is not None:
            following = bool(flags[k])
    for k, f in enumerate(flags):
        if f is None:
            settled[k] = before and nxt[k]
        else:
            before = f
    return settled


def _spans(flags: list[bool], lo: int, hi: int):
    start = None
    for k in range(lo, hi + 1):
        on = k < hi and flags[k]
        if on and start is None:
            start = k
        elif not on and start is not None:
            yield start, k
            start = None


class _RichReader:
    def __init__(self, document, name: str, budget: ParseBudget):
        self.part = document.part
        self.name = name
        self.budget = budget
        self.styles = _style_names(document)
        self.run_styles = _run_style_formats(document)
        self.text_width = _text_width(document.element.body)
        self.items: list[_Item] = []
        self.pictures: dict[str, bytes] = {}
        self.picture_keys: dict[str, str] = {}  # image part name → key
        self.picture_count = 0
        self.warnings: list[str] = []
        self.tables = 0
        self.steps = 0
        # Where a warning is: the place of the paragraph being read.
        self.cell_place = ""
        self.cell_pictures: list[_Item] = []  # pictures of the table being read
        self.pending: list[tuple[str, str]] = []  # (what, snippet) of the paragraph being read
        self.fields: list[list] = []  # open fields: [instruction, href, separated]

    # -- places -----------------------------------------------------------------
    def _last_paragraph(self) -> tuple[int, str]:
        count, last = 0, ""
        for item in self.items:
            if item.block.kind in (PARAGRAPH, HEADING):
                count += 1
                last = item.block.text
        return count, last

    def _place(self, in_text: bool) -> str:
        if self.cell_place:
            return f"{self.cell_place}中的"
        count, last = self._last_paragraph()
        if in_text:
            return f"第{count}段（“{_snippet(last, 10)}”）中的"
        if not count:
            return "文档开头的"
        return f"第{count}段（“{_snippet(last, 10)}”）之后的"

    def warn(self, what: str, snippet: str = "", *, in_text: bool = False) -> None:
        tail = f"：“{_snippet(snippet)}”" if snippet.strip() else ""
        self.warnings.append(f"{self._place(in_text)}{what}未导入{tail}")

    def _tick(self) -> None:
        self.steps += 1
        if self.steps % 200 == 0:
            self.budget.check_time()

    # -- body -------------------------------------------------------------------
    def read_body(self, container) -> None:
        for child in container.iterchildren():
            self._tick()
            tag = child.tag
            if tag == _P:
                self.read_paragraph(child)
            elif tag == _TBL:
                self.read_table(child)
            elif tag in (f"{W}sdt", f"{W}customXml"):
                content = child.find(f"{W}sdtContent") if tag == f"{W}sdt" else child
                if content is not None:
                    self.read_body(content)
            elif tag in (f"{W}ins", f"{W}moveTo"):
                self.read_body(child)

    def _style_name(self, p) -> str:
        names, default = self.styles
        ppr = p.find(f"{W}pPr")
        style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
        style_id = style_el.get(f"{W}val") if style_el is not None else None
        return (names.get(style_id, default) if style_id else default) or ""

    def read_paragraph(self, p) -> None:
        """One Word paragraph: text pieces, with every picture in it as a block of its own."""
        style = self._style_name(p)
        lowered = style.lower()
        ppr = p.find(f"{W}pPr")
        listed = lowered.startswith("list") or (
            ppr is not None and ppr.find(f"{W}numPr") is not None
        )
        prefix = ""
        heading = False
        if lowered == "title":
            prefix, heading = "# ", True
        elif lowered.startswith("heading"):
            level = "".join(ch for ch in style if ch.isdigit()) or "1"
            prefix, heading = "#" * min(int(level), 6) + " ", True
        elif listed:
            prefix = "- "
        styled_caption = lowered in _CAPTION_STYLES
        pieces: list = []  # _Runs or _Item (a picture)
        runs = _Runs()
        pieces.append(runs)
        self.pending = []
        self.fields = []

        def on_picture(item: _Item) -> None:
            nonlocal runs
            pieces.append(item)
            runs = _Runs()
            pieces.append(runs)

        def current() -> _Runs:
            return runs

        self._read_inline(p, current, on_picture, href="")
        texts = [(piece, *piece.text_and_marks()) for piece in pieces if isinstance(piece, _Runs)]
        has_text = any(text for _piece, text, _marks in texts)
        for what, snippet in self.pending:
            if has_text:
                # Named by the paragraph it sits in, which is the next one counted.
                count, _last = self._last_paragraph()
                first = next(text for _p, text, _m in texts if text)
                self.warnings.append(
                    f"第{count + 1}段（“{_snippet(first, 10)}”）中的{what}未导入"
                    + (f"：“{_snippet(snippet)}”" if snippet.strip() else "")
                )
            else:
                self.warnings.append(
                    f"{self._place(False)}{what}未导入"
                    + (f"：“{_snippet(snippet)}”" if snippet.strip() else "")
                )
        self.pending = []
        for piece in pieces:
            if isinstance(piece, _Item):
                self.items.append(piece)
                continue
            text, marks = piece.text_and_marks()
            if not text:
                continue
            block = Block(HEADING, text) if heading else Block(PARAGRAPH, text, marks)
            self.items.append(
                _Item(
                    block,
                    prefix=prefix,
                    caption_like=(styled_caption and len(text) <= _MAX_CAPTION) or is_caption(text),
                    table_caption_like=(styled_caption and len(text) <= _MAX_CAPTION)
                    or is_table_caption(text),
                )
            )

    def _run_format(self, r) -> tuple[bool, bool]:
        rpr = r.find(f"{W}rPr")
        bold = italic = False
        if rpr is not None:
            style = rpr.find(f"{W}rStyle")
            if style is not None:
                bold, italic = self.run_styles.get(style.get(f"{W}val"), (False, False))
            b, i = rpr.find(f"{W}b"), rpr.find(f"{W}i")
            if b is not None:
                bold = b.get(f"{W}val", "1").lower() not in _OFF
            if i is not None:
                italic = i.get(f"{W}val", "1").lower() not in _OFF
        return bold, italic

    def _field_href(self) -> str:
        for _instruction, href, separated in reversed(self.fields):
            if separated:
                return href
        return ""

    def _read_inline(self, element, current, on_picture, href: str) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == f"{W}r":
                self._read_run(child, current, on_picture, href)
            elif tag == f"{W}hyperlink":
                target = ""
                rid = child.get(f"{_R}id")
                if rid:
                    rel = self.part.rels.get(rid)
                    if rel is not None and rel.is_external:
                        target = _safe_href(rel.target_ref)
                self._read_inline(child, current, on_picture, target or href)
            elif tag == f"{W}fldSimple":
                target = _field_target(child.get(f"{W}instr", ""))
                self._read_inline(child, current, on_picture, target or href)
            elif tag in (f"{_M}oMath", f"{_M}oMathPara"):
                self.pending.append(("公式", _all_text(child, f"{_M}t")))
            elif tag in (f"{W}del", f"{W}moveFrom", f"{W}pPr", f"{W}rPr"):
                continue
            elif tag == f"{_MC}AlternateContent":
                self._read_alternate(child, current, on_picture, href)
            elif tag in (
                f"{W}ins",
                f"{W}moveTo",
                f"{W}smartTag",
                f"{W}customXml",
                f"{W}sdt",
                f"{W}sdtContent",
                f"{W}bdo",
                f"{W}dir",
            ):
                self._read_inline(child, current, on_picture, href)

    def _read_alternate(self, element, current, on_picture, href: str) -> None:
        # The first choice Word wrote is what it shows; the fallback repeats it.
        choice = element.find(f"{_MC}Choice")
        if choice is None:
            choice = element.find(f"{_MC}Fallback")
        if choice is not None:
            self._read_run(choice, current, on_picture, href)

    def _read_run(self, r, current, on_picture, outer: str) -> None:
        bold, italic = self._run_format(r) if r.tag == f"{W}r" else (False, False)
        for child in r.iterchildren():
            tag = child.tag
            href = outer or self._field_href()
            if tag == f"{W}t":
                current().add(child.text or "", bold, italic, href)
            elif tag in (f"{W}tab", f"{W}ptab"):
                current().add("\t", False, False, href)
            elif tag == f"{W}br":
                # A page or column break is layout, not text (as python-docx reads it).
                if child.get(f"{W}type", "textWrapping") == "textWrapping":
                    current().add("\n", False, False, "")
            elif tag == f"{W}cr":
                current().add("\n", False, False, "")
            elif tag == f"{W}noBreakHyphen":
                current().add("-", bold, italic, href)
            elif tag == f"{W}fldChar":
                kind = child.get(f"{W}fldCharType")
                if kind == "begin":
                    self.fields.append(["", "", False])
                elif kind == "separate" and self.fields:
                    self.fields[-1][1] = _field_target(self.fields[-1][0])
                    self.fields[-1][2] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif tag == f"{W}instrText":
                if self.fields:
                    self.fields[-1][0] += child.text or ""
            elif tag == f"{W}drawing":
                self._read_drawing(child, on_picture)
            elif tag == f"{W}pict":
                self._read_vml(child, on_picture)
            elif tag == f"{W}object":
                self.pending.append(("嵌入对象（如 Excel 表格、Visio 图）", ""))
            elif tag in (f"{W}footnoteReference", f"{W}endnoteReference"):
                self.pending.append(("脚注" if "foot" in tag else "尾注", ""))
            elif tag == f"{_MC}AlternateContent":
                self._read_alternate(child, current, on_picture, outer)
            elif tag in (f"{_M}oMath", f"{_M}oMathPara"):
                self.pending.append(("公式", _all_text(child, f"{_M}t")))

    # -- pictures and drawings ----------------------------------------------------
    def _read_drawing(self, drawing, on_picture) -> None:
        for frame in drawing.iterchildren(f"{_WP}inline", f"{_WP}anchor"):
            data = frame.find(f"{_A}graphic/{_A}graphicData")
            uri = data.get("uri", "") if data is not None else ""
            doc_pr = frame.find(f"{_WP}docPr")
            alt = ""
            if doc_pr is not None:
                alt = (doc_pr.get("descr") or doc_pr.get("title") or "").strip()
            if uri == _PICTURE_URI:
                blip = data.find(f".//{_A}blip")
                if blip is None:
                    continue
                extent = frame.find(f"{_WP}extent")
                width = int(extent.get("cx", "0") or 0) if extent is not None else 0
                self._picture(blip.get(f"{_R}embed"), blip.get(f"{_R}link"), alt, width, on_picture)
            elif uri == _SHAPE_URI:
                box = data.find(f".//{W}txbxContent")
                if box is not None:
                    self.pending.append(("文本框", _all_text(box, f"{W}t")))
                # A shape without text (a line, the red rule) is layout, not content.
            elif uri:
                what = _GRAPHIC_KINDS.get(uri, "图形对象")
                self.pending.append((what, _all_text(data, f"{_A}t") or _all_text(data, f"{W}t")))

    def _read_vml(self, pict, on_picture) -> None:
        box = pict.find(f".//{W}txbxContent")
        if box is not None:
            self.pending.append(("文本框", _all_text(box, f"{W}t")))
            return
        for image in pict.iter(f"{_V}imagedata"):
            rid = image.get(f"{_R}id") or image.get(f"{_R}pict")
            alt = (image.get(f"{{{_NS['o']}}}title") or "").strip()
            self._picture(rid, None, alt, 0, on_picture)

    def _picture(self, rid: str | None, link: str | None, alt: str, width: int, on_picture) -> None:
        part = self.part.related_parts.get(rid) if rid else None
        if part is None:
            if link or rid:
                self.pending.append(("链接到外部文件的图片", ""))
            return
        content_type = getattr(part, "content_type", "")
        blob = part.blob
        self.picture_count += 1
        if not content_type.startswith("image/"):
            self.pending.append(
                (f"第{self.picture_count}张图片（不是图片格式：{content_type}）", "")
            )
            return
        self.budget.pictures(self.picture_count)
        limit = getattr(settings, "JIANBAO_PICTURE_MAX_BYTES", MAX_PICTURE_BYTES)
        if len(blob) > limit:
            self.pending.append(
                (
                    f"第{self.picture_count}张图片（{len(blob) / 1048576:.0f} MB，"
                    f"上限 {limit // 1048576} MB）",
                    "",
                )
            )
            return
        partname = str(part.partname)
        key = self.picture_keys.get(partname)
        if key is None:
            ext = PICTURE_EXTENSIONS.get(content_type.lower(), content_type.rsplit("/", 1)[-1])
            key = f"image{len(self.picture_keys) + 1}.{ext}"
            self.picture_keys[partname] = key
            self.pictures[key] = blob
        print_width = 0.0
        if width and self.text_width:
            print_width = round(min(width / self.text_width, 1.0), 2)
        block = Block(IMAGE, file=key, alt=alt, print_width=print_width)
        if self.cell_place:
            self.cell_pictures.append(_Item(block, picture_key=key))
        else:
            on_picture(_Item(block, picture_key=key))

    # -- tables -----------------------------------------------------------------
    def read_table(self, tbl) -> None:
        self.tables += 1
        number = self.tables
        self.cell_pictures: list[_Item] = []
        caption_texts: list[str] = []
        rows: list[list[dict]] = []
        header_marked = 0
        open_cells: dict[int, dict] = {}  # grid column → the cell a vMerge continues
        nested = 0
        for r, tr in enumerate(_children(tbl, f"{W}tr"), start=1):
            trpr = tr.find(f"{W}trPr")
            column = 0
            if trpr is not None:
                before = trpr.find(f"{W}gridBefore")
                if before is not None:
                    column = int(before.get(f"{W}val", "0") or 0)
                header = trpr.find(f"{W}tblHeader")
                if (
                    header is not None
                    and header.get(f"{W}val", "1").lower() not in _OFF
                    and header_marked == r - 1
                ):
                    header_marked = r
            row: list[dict] = []
            for c, tc in enumerate(_children(tr, f"{W}tc"), start=1):
                self._tick()
                tcpr = tc.find(f"{W}tcPr")
                span, merge = 1, None
                if tcpr is not None:
                    grid = tcpr.find(f"{W}gridSpan")
                    if grid is not None:
                        span = max(int(grid.get(f"{W}val", "1") or 1), 1)
                    vmerge = tcpr.find(f"{W}vMerge")
                    if vmerge is not None:
                        merge = vmerge.get(f"{W}val", "continue")
                if merge == "continue" and column in open_cells:
                    open_cells[column]["rowspan"] += 1
                    column += span
                    continue
                self.cell_place = f"表格{number}第{r}行第{c}列"
                cell = self._read_cell(tc, caption_texts)
                nested += cell.pop("nested")
                cell.update(colspan=span, rowspan=1)
                row.append(cell)
                for k in range(column, column + span):
                    open_cells.pop(k, None)
                if merge == "restart":
                    open_cells[column] = cell
                column += span
            self.cell_place = ""
            rows.append(row)
        self.cell_place = ""
        if nested:
            self.warnings.append(f"表格{number}中的嵌套表格已展平为文字（{nested} 处）")
        pictures, self.cell_pictures = self.cell_pictures, []
        # Captions of photos in cells have left their cells: a table of photos
        # is layout, and only its pictures remain.
        all_text = "".join(c["text"] for row in rows for c in row)
        if all_text.strip():
            # Header rows: those Word marks as repeating (w:tblHeader); else the first
            # row when it is bold or the table has two rows or more: an office table
            # opens with its headings (序号、名称…) and few writers mark them.
            if header_marked:
                header_rows = header_marked
            elif len(rows) >= 2 or (rows and _row_bold(rows[0])):
                header_rows = 1
            else:
                header_rows = 0
            cells = tuple(
                tuple(
                    Cell(
                        c["text"],
                        _header_marks(c) if r < header_rows else c["marks"],
                        c["colspan"],
                        c["rowspan"],
                    )
                    for c in row
                )
                for r, row in enumerate(rows)
            )
            caption = ""
            if self.items and self.items[-1].table_caption_like:
                caption = self.items.pop().block.text
            self.items.append(
                _Item(Block(TABLE, rows=cells, header_rows=header_rows, caption=caption))
            )
            if pictures:
                self.warnings.append(f"表格{number}中的 {len(pictures)} 张图片已移到表格之后")
        self.items.extend(pictures)

    def _read_cell(self, tc, caption_texts: list[str]) -> dict:
        texts: list[tuple[str, tuple[Mark, ...]]] = []
        nested = 0
        before = len(self.cell_pictures)
        caption = ""

        def add_paragraph(p) -> None:
            nonlocal caption
            runs = _Runs()
            self.pending = []
            self.fields = []
            self._read_inline(p, lambda: runs, lambda item: None, href="")
            for what, snippet in self.pending:
                self.warn(what, snippet)
            self.pending = []
            text, marks = runs.text_and_marks()
            if text:
                texts.append((text, marks))
                if is_caption(text) and not caption:
                    caption = text

        for child in _cell_children(tc):
            if child.tag == _TBL:
                nested += 1
                for p in _table_paragraphs(child):
                    add_paragraph(p)
            else:
                add_paragraph(child)
        new_pictures = self.cell_pictures[before:]
        if new_pictures and caption:
            # A photo table: the caption in the picture's cell belongs to it.
            first = new_pictures[0]
            self.cell_pictures[before] = _Item(
                replace(first.block, caption=caption), picture_key=first.picture_key
            )
            caption_texts.append(caption)
            texts = [(t, m) for t, m in texts if t != caption]
        text, marks = _join_cell(texts)
        return {"text": text, "marks": marks, "nested": nested}

    # -- captions ---------------------------------------------------------------
    def finish(self) -> list[_Item]:
        """Attach the caption paragraph that follows (else precedes) each picture."""
        items = self.items
        taken: set[int] = set()

        def is_picture(k: int) -> bool:
            return 0 <= k < len(items) and items[k].block.kind == IMAGE

        def caption_at(k: int) -> bool:
            return 0 <= k < len(items) and items[k].caption_like and k not in taken

        for k, item in enumerate(items):
            if item.block.kind != IMAGE or item.block.caption:
                continue
            after, before = k + 1, k - 1
            before_free = caption_at(before) and not is_picture(before - 1)
            if caption_at(after):
                # "图1 A 图2 B" puts captions above: 图2 then belongs to B, which
                # has none below it.
                next_wants_it = (
                    is_picture(after + 1)
                    and not items[after + 1].block.caption
                    and not caption_at(after + 2)
                )
                chosen = after if not next_wants_it or not before_free else before
            elif before_free or caption_at(before):
                chosen = before
            else:
                continue
            taken.add(chosen)
            items[k] = _Item(
                replace(item.block, caption=items[chosen].block.text),
                picture_key=item.picture_key,
            )
        return [item for k, item in enumerate(items) if k not in taken]


def _children(element, tag: str):
    """Rows of a table, cells of a row, also inside content controls (w:sdt)."""
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _children(content, tag)


def _cell_children(tc):
    """The paragraphs and tables of a cell, also inside content controls."""
    for child in tc.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _cell_children(content)


def _table_paragraphs(tbl):
    for tr in _children(tbl, f"{W}tr"):
        for tc in _children(tr, f"{W}tc"):
            for child in _cell_children(tc):
                if child.tag == _TBL:
                    yield from _table_paragraphs(child)
                else:
                    yield child


def _join_cell(texts: list[tuple[str, tuple[Mark, ...]]]) -> tuple[str, tuple[Mark, ...]]:
    # A cell's paragraphs share one line in a pipe table: joined by a space.
    out, marks, offset = [], [], 0
    for text, ms in texts:
        text = text.replace("\n", " ")
        if out:
            offset += 1
        marks += [Mark(m.type, m.start + offset, m.end + offset, m.href) for m in ms]
        out.append(text)
        offset += len(text)
    return " ".join(out), tuple(marks)


def _row_bold(row: list[dict]) -> bool:
    texts = [c for c in row if c["text"].strip()]
    return bool(texts) and all(_header_marks(c) != c["marks"] for c in texts)


def _header_marks(cell: dict) -> tuple[Mark, ...]:
    # A header row prints in 黑体 anyway: bold over the whole cell says nothing more.
    whole = Mark(BOLD, 0, len(cell["text"]))
    return tuple(m for m in cell["marks"] if m != whole)


def _snippet(text: str, length: int = 20) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


def _all_text(element, tag: str) -> str:
    return "".join(t.text or "" for t in element.iter(tag))


def _safe_href(href: str) -> str:
    href = (href or "").strip()
    return href if re.match(r"^(https?://|mailto:)\S", href, re.I) else ""


def _field_target(instruction: str) -> str:
    # HYPERLINK "https://…" \o "tip": WPS and older Word write links as fields.
    instruction = (instruction or "").strip()
    m = re.match(r'HYPERLINK\s+"([^"]+)"', instruction, re.I)
    if m is None:
        m = re.match(r"HYPERLINK\s+(\S+)", instruction, re.I)
    return _safe_href(m.group(1)) if m else ""


def _run_style_formats(document) -> dict[str, tuple[bool, bool]]:
    """Bold and italic of each character style (such as Strong / 要点), following basedOn."""
    raw: dict[str, tuple[bool | None, bool | None, str]] = {}
    for style in document.styles.element.style_lst:
        if style.get(f"{W}type") != "character" or not style.styleId:
            continue
        rpr = style.find(f"{W}rPr")
        b = i = None
        if rpr is not None:
            be, ie = rpr.find(f"{W}b"), rpr.find(f"{W}i")
            if be is not None:
                b = be.get(f"{W}val", "1").lower() not in _OFF
            if ie is not None:
                i = ie.get(f"{W}val", "1").lower() not in _OFF
        based = style.find(f"{W}basedOn")
        raw[style.styleId] = (b, i, based.get(f"{W}val") if based is not None else "")

    def resolve(style_id: str, depth: int = 0) -> tuple[bool, bool]:
        b, i, based = raw.get(style_id, (None, None, ""))
        if (b is None or i is None) and based and depth < 10:
            pb, pi = resolve(based, depth + 1)
            b = pb if b is None else b
            i = pi if i is None else i
        return bool(b), bool(i)

    return {sid: resolve(sid) for sid in raw}


def _text_width(body) -> int:
    """The text width of the last section in EMU, for a picture's share of it."""
    sect = body.find(f"{W}sectPr")
    if sect is None:
        return 0
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    try:
        width = int(size.get(f"{W}w")) if size is not None else 11906
        left = int(margins.get(f"{W}left", "1800")) if margins is not None else 1800
        right = int(margins.get(f"{W}right", "1800")) if margins is not None else 1800
    except (TypeError, ValueError):
        return 0
    return max(width - left - right, 0) * _EMU_PER_TWIP
