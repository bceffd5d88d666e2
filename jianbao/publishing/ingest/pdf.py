"""Read a text-based PDF bulletin into lines for the text parser.

PDF text has no paragraphs, only lines.  A line that starts indented (the
2-character first-line indent) or that follows a short line opens a new
paragraph; everything else continues the paragraph above.
"""

from __future__ import annotations

import io
import logging

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError

from jianbao.core.errors import UnreadableFile


def pdf_to_text(data: bytes, path: str) -> str:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many kinds
        raise UnreadableFile(path, f"无法读取 PDF：{exc.__class__.__name__}") from None
    out: list[str] = []
    with pdf:
        for page in pdf.pages:
            lines = page.extract_text_lines(return_chars=True)
            if not lines:
                continue
            left = min(line["x0"] for line in lines)
            right = max(line["x1"] for line in lines)
            prev_short = True
            for line in lines:
                size = line["chars"][0]["size"] if line["chars"] else 10
                indented = line["x0"] - left > size * 1.5
                if indented or prev_short:
                    out.append("")
                text = line["text"]
                # A PDF wraps Latin text at spaces and drops them; keep the break's space.
                out.append(text + " " if text[-1:].isascii() and text[-1:].isalnum() else text)
                prev_short = right - line["x1"] > size * 1.5
            out.append("")
    text = "\n".join(out)
    if not text.strip():
        raise UnreadableFile(path, "PDF 中没有文字层（可能是扫描件），无法导入")
    return text
