"""The desk editor's HTML ⇄ the content shape.

The editor (and whatever a browser pastes into it from Word, WPS or Google
Docs) posts HTML. None of it is trusted: it goes through a strict nh3
allowlist, then this converter keeps only the block kinds and marks of
publishing.parsed. Going the other way, blocks_to_html gives the editor an
article to load; the two are inverse for every shape the store holds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator

import lxml.html
import nh3
from lxml import etree

from jianbao.publishing import pictures
from jianbao.publishing.markup import normalise_marks
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
)

# What may reach the converter. h1/h2/h5/h6, li and text-only div are renamed
# to these before cleaning (see _prepare), so a pasted outline keeps its lines.
ALLOWED_TAGS = {
    "p",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "figure",
    "img",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "blockquote",
    "aside",
    "br",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    # data-print-width keeps the print width of a picture through the editor.
    "img": {"src", "alt", "data-file", "width", "height", "data-print-width"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "xml",
    "title",
    "head",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "textarea",
    "select",
}
LINK_SCHEMES = {"http", "https", "mailto"}

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    clean_content_tags=DROPPED_WITH_CONTENT,
    url_schemes=LINK_SCHEMES,
    link_rel=None,
    strip_comments=True,
)

# A stored picture's name (publishing.pictures): its content hash and extension.
# Its web copies are /pictures/<name>/<width>.<fmt> (pictures.variant_url), on this
# site: another site's address is not a picture we have, whatever its path says.
_PICTURE_IN_SRC = re.compile(r"^/pictures/([0-9a-f]{32}\.(?:jpg|png|gif|webp))(?:[/?#]|$)")
# 表：caption / 表1 caption directly above a table is its caption (THE TEXT MARKUP).
_TABLE_CAPTION = re.compile(r"^表(?:[:：]\s*|(?=\s*[0-9０-９一二三四五六七八九十]))")
_MAX_SPAN = 100

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_BREAK_MARK = "\u2028"  # stands for <br> while whitespace is folded
_BLOCK_TAGS = {"p", "h3", "h4", "figure", "table", "blockquote", "aside", "img"}


# ---------------------------------------------------------------- HTML → blocks


def blocks_from_html(html: str) -> tuple[tuple[Block, ...], tuple[str, ...]]:
    """The blocks of an article the editor posted, and what was left out.

    Pictures must name a stored picture (the editor's upload sets data-file);
    one that does not (pasted from Word as a local file, a data: URI, another
    site's address) is left out with a warning, so the editor can upload it.
    The store is not asked here: the saving service checks the names.
    """
    root = _clean_tree(html)
    converter = _Converter()
    converter.run(root)
    return tuple(converter.blocks), tuple(converter.warnings)


def clean_html(html: str) -> str:
    """The HTML after the Word clean-up and the allowlist: what the converter reads."""
    return _CLEANER.clean(_prepare(html))


def _clean_tree(html: str):
    cleaned = clean_html(html)
    return lxml.html.fragment_fromstring(cleaned or "", create_parent="div")


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def _prepare(html: str) -> str:
    """Turn what Word, WPS and Google Docs say with styles into tags the allowlist keeps.

    Bold and italic come as ``<span style="font-weight:bold">``; Google Docs
    wraps a whole paste in ``<b style="font-weight:normal">``, which is not bold.
    Reading the style attribute here is all that is done with it: the
    allowlist drops every style afterwards.
    """
    html = _XML_DECLARATION.sub("", html or "")
    if not html.strip():
        return ""
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    body = doc.find("body")
    if body is None:
        body = doc
    for el in list(body.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove_keeping_tail(el)
    for el in list(body.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in DROPPED_WITH_CONTENT:
            _remove_keeping_tail(el)
            continue
        style = (el.get("style") or "").replace(" ", "").lower()
        if tag in ("b", "strong") and re.search(r"font-weight:(normal|[1-4]00)\b", style):
            el.drop_tag()
            continue
        if tag == "span":
            bold = re.search(r"font-weight:(bold|bolder|[6-9]00)\b", style)
            italic = "font-style:italic" in style
            if bold or italic:
                el.tag = "strong" if bold else "em"
                if bold and italic:
                    inner = etree.SubElement(el, "em")
                    inner.text, el.text = el.text, None
                    for child in list(el):
                        if child is not inner:
                            inner.append(child)
        if tag == "p" and (el.get("class") or "").startswith("Mso") and _looks_like_heading(el):
            # Word has no heading here, only a short bold 一、 line: the desk's rule.
            el.tag = "h3"
        elif tag in ("h1", "h2"):
            el.tag = "h3"
        elif tag in ("h5", "h6"):
            el.tag = "h4"
        elif tag in ("li", "dt", "dd") or (
            tag in ("div", "section", "article")
            and not any(
                isinstance(d.tag, str) and d.tag.lower() in _BLOCK_TAGS | {"div", "li", "ul", "ol"}
                for d in el.iterdescendants()
            )
        ):
            el.tag = "p"
        elif tag == "caption" and el.getparent() is not None:
            # A table's own caption: becomes the 表： line above the table.
            table = el.getparent()
            text = el.text_content().strip()
            el.getparent().remove(el)
            if text:
                line = lxml.html.Element("p")
                line.text = text if _TABLE_CAPTION.match(text) else f"表：{text}"
                table.addprevious(line)
    parts = [body.text or ""] + [
        etree.tostring(child, encoding="unicode", method="html") for child in body
    ]
    return "".join(parts)


def _looks_like_heading(el) -> bool:
    from jianbao.publishing.ingest.text import SUBHEADING

    text = _fold(el.text_content()).strip("\u3000 ")
    return bool(text and SUBHEADING.match(text) and len(text) <= 40 and text[-1] not in "。！？；")


def _remove_keeping_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


class _Converter:
    def __init__(self):
        self.blocks: list[Block] = []
        self.warnings: list[str] = []
        self.pictures_seen = 0
        # Inline content met outside any paragraph, gathered into one.
        self.loose: list[tuple[str, frozenset]] = []

    def run(self, root) -> None:
        self._children(root, kind=PARAGRAPH)
        self._flush_loose(PARAGRAPH)
        self._attach_table_captions()

    def _children(self, parent, *, kind: str) -> None:
        if parent.text:
            self.loose.append((parent.text, frozenset()))
        for child in parent:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in ("p", "h3", "h4"):
                self._flush_loose(kind)
                self._text_block(child, HEADING if tag in ("h3", "h4") else kind)
            elif tag in ("blockquote", "aside"):
                self._flush_loose(kind)
                self._children(child, kind=NOTE)
                self._flush_loose(NOTE)
            elif tag == "figure":
                self._flush_loose(kind)
                self._figure(child)
            elif tag == "img":
                self._flush_loose(kind)
                self._image(child, caption="")
            elif tag == "table":
                self._flush_loose(kind)
                self._table(child)
            elif tag in ("figcaption", "thead", "tbody", "tr", "td", "th"):
                # Out of place (no figure or table around them): their text only.
                self._flush_loose(kind)
                self._children(child, kind=kind)
                self._flush_loose(kind)
            else:
                self.loose.extend(_runs(child, frozenset()))
            if child.tail:
                self.loose.append((child.tail, frozenset()))

    def _flush_loose(self, kind: str) -> None:
        if self.loose:
            runs, self.loose = self.loose, []
            self._add_text_block(kind, runs)

    def _text_block(self, el, kind: str) -> None:
        """A paragraph, heading or note; a picture inside it splits it in two."""
        runs: list[tuple[str, frozenset]] = []
        if el.text:
            runs.append((el.text, frozenset()))
        for child in el:
            if isinstance(child.tag, str) and child.tag in ("img", "figure", "table"):
                self._add_text_block(kind, runs)
                runs = []
                if child.tag == "img":
                    self._image(child, caption="")
                elif child.tag == "figure":
                    self._figure(child)
                else:
                    self._table(child)
                if child.tail:
                    runs.append((child.tail, frozenset()))
            else:
                runs.extend(_runs(child, frozenset()))
                if child.tail:
                    runs.append((child.tail, frozenset()))
        self._add_text_block(kind, runs)

    def _add_text_block(self, kind: str, runs) -> None:
        text, marks = _text_and_marks(runs)
        if text:
            self.blocks.append(Block(kind, text, marks))

    def _figure(self, figure) -> None:
        caption_el = figure.find(".//figcaption")
        caption = (
            _text_and_marks(_runs(caption_el, frozenset()))[0] if caption_el is not None else ""
        )
        images = [el for el in figure.iter("img")]
        if not images:
            # A figure with only a caption: nothing to show but its words.
            if caption:
                self.blocks.append(Block(PARAGRAPH, caption))
            return
        for n, img in enumerate(images):
            self._image(img, caption=caption if n == 0 else "")

    def _image(self, img, *, caption: str) -> None:
        self.pictures_seen += 1
        name = (img.get("data-file") or "").strip()
        if not pictures.NAME.match(name):
            found = _PICTURE_IN_SRC.search(img.get("src") or "")
            name = found.group(1) if found else ""
        alt = _fold(img.get("alt") or "")
        if not name:
            hint = caption or alt
            self.warnings.append(
                f"第{self.pictures_seen}张图片未上传"
                + (f"（{hint}）" if hint else "")
                + "，已略去：浏览器无法粘贴这张图片，请用“上传图片”重新添加"
            )
            return
        self.blocks.append(
            Block(
                IMAGE,
                file=name,
                caption=caption,
                alt=alt,
                width=_int(img.get("width"), 0, 100_000),
                height=_int(img.get("height"), 0, 100_000),
                print_width=_print_width(img.get("data-print-width")),
            )
        )

    def _table(self, table) -> None:
        rows: list[tuple[Cell, ...]] = []
        header_rows = 0
        counting_header = True
        for tr in _table_rows(table):
            cells = []
            all_header = True
            for cell in tr:
                if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                    continue
                all_header = all_header and cell.tag == "th"
                text, marks = _cell_text(cell)
                cells.append(
                    Cell(
                        text,
                        marks,
                        colspan=_int(cell.get("colspan"), 1, _MAX_SPAN) or 1,
                        rowspan=_int(cell.get("rowspan"), 1, _MAX_SPAN) or 1,
                    )
                )
            if not cells:
                continue
            in_thead = tr.getparent() is not None and tr.getparent().tag == "thead"
            if counting_header and (all_header or in_thead):
                header_rows += 1
            else:
                counting_header = False
            rows.append(tuple(cells))
        if rows:
            self.blocks.append(Block(TABLE, rows=tuple(rows), header_rows=header_rows))

    def _attach_table_captions(self) -> None:
        """A 表：… paragraph right above a table becomes the table's caption."""
        kept: list[Block] = []
        for block in self.blocks:
            previous = kept[-1] if kept else None
            if (
                block.kind == TABLE
                and previous is not None
                and previous.kind == PARAGRAPH
                and _TABLE_CAPTION.match(previous.text)
                and "\n" not in previous.text
            ):
                kept.pop()
                caption = previous.text
                if caption[1:2] in (":", "："):
                    caption = caption[2:].strip()
                block = Block(
                    TABLE, rows=block.rows, header_rows=block.header_rows, caption=caption
                )
            kept.append(block)
        self.blocks = kept


def _table_rows(table) -> Iterator:
    """The table's rows in order, not those of a table nested in a cell."""
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if tr.tag == "tr")


def _cell_text(cell) -> tuple[str, tuple[Mark, ...]]:
    """A cell's text: its paragraphs joined by line breaks, marks kept."""
    runs: list[tuple[str, frozenset]] = []
    if cell.text:
        runs.append((cell.text, frozenset()))
    for child in cell:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("p", "h3", "h4", "blockquote", "aside", "figure", "table", "figcaption"):
            if any(t.strip() for t, _ in runs):
                runs.append((_BREAK_MARK, frozenset()))
            runs.extend(_runs(child, frozenset()))
        else:
            runs.extend(_runs(child, frozenset()))
        if child.tail:
            runs.append((child.tail, frozenset()))
    return _text_and_marks(runs)


def _runs(el, active: frozenset) -> Iterator[tuple[str, frozenset]]:
    """Text of an inline element as (text, marks) runs; its tail is the caller's."""
    if el is None:
        return
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "br":
        yield (_BREAK_MARK, active)
        return
    if tag == "img":
        return
    if tag in ("strong", "b"):
        active = active | {(BOLD, "")}
    elif tag in ("em", "i"):
        active = active | {(ITALIC, "")}
    elif tag == "a":
        href = (el.get("href") or "").strip()
        if href:
            active = frozenset(m for m in active if m[0] != LINK) | {(LINK, href)}
    if el.text:
        yield (el.text.replace(_BREAK_MARK, " "), active)
    for child in el:
        yield from _runs(child, active)
        if child.tail:
            yield (child.tail.replace(_BREAK_MARK, " "), active)


_SPACE = " \t\r\n\xa0\u200b\ufeff"
_STRIPPED = _SPACE + "\u3000"


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_CHAR.match(ch) is not None


def _text_and_marks(runs: Iterable[tuple[str, frozenset]]) -> tuple[str, tuple[Mark, ...]]:
    """Fold whitespace as a browser shows it, then give the text and its marks.

    A line break in the HTML source between two Chinese characters is Word's
    line wrapping, not a space. Leading 　 (the typed first-line indent) goes:
    the outputs indent paragraphs themselves.
    """
    chars: list[str] = []
    keys: list[frozenset] = []
    for text, active in runs:
        for ch in text:
            chars.append(ch)
            keys.append(active)
    out: list[str] = []
    out_keys: list[frozenset] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in _SPACE:
            j = i
            while j < len(chars) and chars[j] in _SPACE:
                j += 1
            run = "".join(chars[i:j])
            before = out[-1] if out else ""
            after = chars[j] if j < len(chars) else ""
            wrapped = ("\n" in run or "\r" in run) and (_is_cjk(before) or _is_cjk(after))
            zero_width = run.strip("\u200b\ufeff") == ""
            if not (wrapped or zero_width or before in ("", _BREAK_MARK) or after == _BREAK_MARK):
                out.append(" ")
                out_keys.append(keys[i])
            i = j
            continue
        out.append(ch)
        out_keys.append(keys[i])
        i += 1
    # Trim the ends (including 　 and line breaks), keeping marks aligned.
    start, end = 0, len(out)
    while start < end and (out[start] in _STRIPPED or out[start] == _BREAK_MARK):
        start += 1
    while end > start and (out[end - 1] in _STRIPPED or out[end - 1] == _BREAK_MARK):
        end -= 1
    out, out_keys = out[start:end], out_keys[start:end]
    text = "".join(out).replace(_BREAK_MARK, "\n")
    # The one canonical order and merging of marks, as the markup has them.
    return text, normalise_marks(text, _marks_from_keys(out_keys))


def _marks_from_keys(keys: list[frozenset]) -> tuple[Mark, ...]:
    marks: list[Mark] = []
    every = sorted(set().union(*keys)) if keys else []
    for type_, href in every:
        start = None
        for i, k in enumerate([*keys, frozenset()]):
            inside = (type_, href) in k
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                marks.append(Mark(type_, start, i, href))
                start = None
    return tuple(sorted(marks, key=lambda m: (m.start, m.end, m.type, m.href)))


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _int(value, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return low
    return max(low, min(high, number))


def _print_width(value) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return 0.0
    return number if 0 < number <= 1 else 0.0


# ---------------------------------------------------------------- blocks → HTML


def blocks_to_html(
    blocks: Iterable[Block], *, picture_src: Callable[[str], str] | None = None
) -> str:
    """The editor's HTML for stored blocks; blocks_from_html gives them back.

    ``picture_src`` gives the address the editor shows a stored picture at
    (by default its 960-pixel web copy).
    """
    src = picture_src or _default_picture_src
    parts: list[str] = []
    for b in blocks:
        if b.kind == HEADING:
            tag = "h3" if b.level <= 1 else "h4"
            parts.append(f"<{tag}>{_inline_html(b.text, b.marks)}</{tag}>")
        elif b.kind == NOTE:
            parts.append(f"<blockquote><p>{_inline_html(b.text, b.marks)}</p></blockquote>")
        elif b.kind == IMAGE:
            attrs = {
                "src": src(b.file),
                "alt": b.alt,
                "data-file": b.file,
                "width": str(b.width) if b.width else "",
                "height": str(b.height) if b.height else "",
                "data-print-width": f"{b.print_width:g}" if b.print_width else "",
            }
            img = (
                "<img "
                + " ".join(f'{k}="{_escape(v)}"' for k, v in attrs.items() if v or k == "alt")
                + ">"
            )
            caption = f"<figcaption>{_escape(b.caption)}</figcaption>" if b.caption else ""
            parts.append(f"<figure>{img}{caption}</figure>")
        elif b.kind == TABLE:
            if b.caption:
                line = b.caption if _TABLE_CAPTION.match(b.caption) else f"表：{b.caption}"
                parts.append(f"<p>{_escape(line)}</p>")
            rows = []
            for n, row in enumerate(b.rows):
                tag = "th" if n < b.header_rows else "td"
                cells = "".join(
                    f"<{tag}{_spans(c)}><p>{_inline_html(c.text, c.marks)}</p></{tag}>" for c in row
                )
                rows.append(f"<tr>{cells}</tr>")
            parts.append(f"<table><tbody>{''.join(rows)}</tbody></table>")
        else:
            parts.append(f"<p>{_inline_html(b.text, b.marks)}</p>")
    return "".join(parts)


def _default_picture_src(name: str) -> str:
    from jianbao.publishing import pictures

    return pictures.variant_url(name, 960, "jpg")


def _spans(c: Cell) -> str:
    return (f' colspan="{c.colspan}"' if c.colspan != 1 else "") + (
        f' rowspan="{c.rowspan}"' if c.rowspan != 1 else ""
    )


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _inline_html(text: str, marks: Iterable[Mark]) -> str:
    """Text with its marks as nested tags; overlapping marks are split at every edge."""
    marks = [
        m for m in marks if 0 <= m.start < m.end <= len(text) and m.type in (BOLD, ITALIC, LINK)
    ]
    edges = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out = []
    for start, end in itertools.pairwise(edges):
        piece = _escape(text[start:end]).replace("\n", "<br>")
        covering = [m for m in marks if m.start <= start and end <= m.end]
        if any(m.type == ITALIC for m in covering):
            piece = f"<em>{piece}</em>"
        if any(m.type == BOLD for m in covering):
            piece = f"<strong>{piece}</strong>"
        link = next((m for m in covering if m.type == LINK), None)
        if link is not None:
            piece = f'<a href="{_escape(link.href)}">{piece}</a>'
        out.append(piece)
    return "".join(out)
