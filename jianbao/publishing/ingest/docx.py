"""Read a .docx into the lines the text parser understands.

Word styles stand in for Markdown marks: Heading N → N ``#``, list
paragraphs → ``- ``, an all-bold paragraph → ``**…**``.  The archive is
checked before python-docx opens it, because a .docx is a zip file that
anyone can hand us.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from jianbao.core.errors import UnreadableFile

MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2000


def check_docx_archive(data: bytes, path: str) -> None:
    """Refuse zip bombs, XML entity tricks and files that are not Word documents."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
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
    for m in members:
        if m.filename.endswith((".xml", ".rels")):
            head = archive.read(m.filename)[:4096].upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnreadableFile(path, f"{m.filename} 含有 DOCTYPE/实体声明，已拒绝")


def _iter_block_items(document):
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def _paragraph_line(p: Paragraph) -> str:
    text = p.text.strip()
    if not text:
        return ""
    style = (p.style.name if p.style is not None else "") or ""
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


def docx_paragraph_texts(data: bytes, path: str) -> list[str]:
    """Paragraphs of a .docx as lines (tables read cell by cell), for parsers."""
    check_docx_archive(data, path)
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a broken part
        raise UnreadableFile(path, f"无法读取 Word 文档：{exc}") from None
    lines: list[str] = []
    for item in _iter_block_items(document):
        if isinstance(item, Paragraph):
            lines.append(_paragraph_line(item))
        else:
            for row in item.rows:
                for cell in row.cells:
                    lines.extend(_paragraph_line(p) for p in cell.paragraphs)
    return lines


def docx_to_text(data: bytes, path: str) -> str:
    # A blank line between paragraphs: each Word paragraph is a paragraph.
    return "\n\n".join(line for line in docx_paragraph_texts(data, path) if line)
