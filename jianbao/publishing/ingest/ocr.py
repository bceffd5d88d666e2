"""Scans: pictures of pages and PDFs without a text layer, read through OCR.

(Placeholder until the OCR reader lands: refused as before.)
"""

from __future__ import annotations

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.docx import DocxContent


def image_to_markup(data: bytes, name: str, *, budget: ParseBudget | None = None) -> DocxContent:
    raise UnreadableFile(name, "不是文本文件（内容是图像）")
