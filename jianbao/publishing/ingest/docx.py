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
import zipfile
import zlib

from docx import Document
from docx.text.paragraph import Paragraph
from lxml import etree

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget

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
