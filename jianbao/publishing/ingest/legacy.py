"""Word 97–2003 ``.doc`` and WPS ``.wps`` files, read by the ``.docx`` path.

(Placeholder until the LibreOffice conversion lands: refused as before.)
"""

from __future__ import annotations

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.docx import DocxContent


def legacy_to_markup(data: bytes, name: str, *, budget: ParseBudget | None = None) -> DocxContent:
    raise UnreadableFile(name, "不是文本文件（内容是旧版 Office 文档（.doc/.xls））")
