"""Read a bulletin file of any supported kind into a ParsedBulletin."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.core.text import decode_text
from jianbao.publishing.ingest.docx import docx_to_text
from jianbao.publishing.ingest.pdf import pdf_to_text
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import ParsedBulletin


def read_bulletin_file(path: str | Path, *, known_sections: Sequence[str] = ()) -> ParsedBulletin:
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(name, f"无法打开文件（{exc.strerror}）") from None
    limit = settings.JIANBAO_MAX_IMPORT_BYTES
    if size > limit:
        raise UnreadableFile(
            name, f"文件过大（{size / 1048576:.0f} MB，上限 {limit // 1048576} MB）"
        )
    data = path.read_bytes()
    return parse_bulletin_bytes(data, name, known_sections=known_sections)


def parse_bulletin_bytes(
    data: bytes, name: str, *, known_sections: Sequence[str] = ()
) -> ParsedBulletin:
    # The content decides the reader, not the file name.
    budget = ParseBudget(name)
    if data.startswith(b"PK\x03\x04"):
        text = docx_to_text(data, name, budget=budget)
    elif data.startswith(b"%PDF"):
        text = pdf_to_text(data, name, budget=budget)
    else:
        text, _encoding = decode_text(data, name)
        check_text_limits(text, budget)
    return parse_bulletin_text(text, source=name, known_sections=known_sections)


def check_text_limits(text: str, budget: ParseBudget) -> None:
    """Counted before any regex sees the text: characters, then non-empty lines."""
    budget.characters(len(text))
    lines = sum(1 for line in text.splitlines() if line.strip())
    budget.paragraphs(lines)
