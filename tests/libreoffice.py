"""LibreOffice headless, standing in for Word and WPS in the tests.

`make test` installs it (libreoffice-writer-nogui); the tests that need it are
skipped, visibly, where it is absent.

``sample_doc`` and ``news_doc`` are Word 97 files made here, in the test run,
by LibreOffice from Word files jianbao or python-docx writes: nothing binary
is checked in. Each is made once per test process (soffice takes a second).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

needs_soffice = pytest.mark.skipif(
    not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed"
)

# The news item of news_doc, as the intake should read it back.
NEWS_TITLE = "粉末冶金联盟召开标准工作会议"
NEWS_PARAGRAPHS = (
    "粉末冶金产业技术创新战略联盟在北京召开标准工作会议。",
    "会议审议了2026年标准制定计划。",
)
NEWS_CAPTION = "图为会议现场"
NEWS_TABLE = (("序号", "标准名称"), ("1", "钼铌合金棒材"), ("2", "粉末冶金用还原铁粉"))


def convert(data: bytes, folder: Path, *, suffix: str, to: str, timeout: float = 180) -> Path:
    """The file LibreOffice makes of ``data`` (named ``issue<suffix>``) in the format ``to``,
    written in ``folder`` (its own profile there too)."""
    source = folder / f"issue{suffix}"
    source.write_bytes(data)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    result = folder / f"issue.{to.split(':')[0]}"
    assert result.is_file(), f"LibreOffice made no {to} of {source.name}"
    return result


def docx_to_pdf(docx: bytes, folder: Path, *, timeout: float = 180) -> Path:
    """The PDF LibreOffice makes of ``docx``, written in ``folder`` (its own profile there too)."""
    return convert(docx, folder, suffix=".docx", to="pdf", timeout=timeout)


def docx_to_doc(docx: bytes) -> bytes:
    """The Word 97 file (``soffice --convert-to doc``) of a .docx."""
    with tempfile.TemporaryDirectory(prefix="jianbao-test-doc-") as folder:
        return convert(docx, Path(folder), suffix=".docx", to="doc").read_bytes()


@functools.cache
def sample_doc() -> bytes:
    """samples/2023-01.md as jianbao renders it in DOCX, saved by LibreOffice as Word 97."""
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.render import render

    sample = Path(__file__).resolve().parents[1] / "samples" / "2023-01.md"
    parsed = parse_bulletin_text(sample.read_text(encoding="utf-8"), source=sample.name)
    return docx_to_doc(render(parsed, "docx"))


def news_docx() -> bytes:
    """A secretariat's news item in Word: a title, two paragraphs, a captioned photo, a table."""
    from docx import Document
    from docx.shared import Cm

    from tests.rich_fixtures import photo

    document = Document()
    document.add_paragraph(NEWS_TITLE)
    document.add_paragraph(NEWS_PARAGRAPHS[0])
    document.add_picture(io.BytesIO(photo(800, 600, seed=3)), width=Cm(12))
    document.add_paragraph(NEWS_CAPTION)
    table = document.add_table(rows=len(NEWS_TABLE), cols=len(NEWS_TABLE[0]))
    table.style = "Table Grid"
    for r, row in enumerate(NEWS_TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph(NEWS_PARAGRAPHS[1])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def news_doc() -> bytes:
    """``news_docx`` saved by LibreOffice as Word 97."""
    return docx_to_doc(news_docx())


def ole_junk(size: int = 4096) -> bytes:
    """The OLE magic and header signature, then bytes that are no compound file."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes((n * 7919 + 13) % 251 for n in range(size))


def _entry(doc: bytes, name: str) -> int:
    """Where the OLE directory entry of stream ``name`` starts (entries are 128 bytes,
    at multiples of 128 past the 512-byte header; 512-byte sectors here)."""
    needle = name.encode("utf-16-le") + b"\0\0"
    return next(i for i in range(512, len(doc), 128) if doc.startswith(needle, i))


def break_stream(doc: bytes, name: str, size: int = 512) -> bytes:
    """``doc`` with the first ``size`` bytes of its stream ``name`` turned to junk; the
    directory still names it. For a stream in sectors of its own (4096 bytes or more)."""
    at = _entry(doc, name)
    start = int.from_bytes(doc[at + 116 : at + 120], "little")
    assert int.from_bytes(doc[at + 120 : at + 124], "little") >= 4096
    offset = (start + 1) * 512
    return doc[:offset] + ole_junk(size - 8) + doc[offset + size :]


def rename_stream(doc: bytes, old: str, new: str) -> bytes:
    """``doc`` with its OLE directory entry ``old`` named ``new`` (no longer, in UTF-16):
    an .xls or .ppt as far as the stream names tell, with Word's bytes inside."""
    before, after = old.encode("utf-16-le") + b"\0\0", new.encode("utf-16-le") + b"\0\0"
    assert len(after) <= len(before)
    at = _entry(doc, old)
    entry = after.ljust(64, b"\0") + len(after).to_bytes(2, "little")
    return doc[:at] + entry + doc[at + 66 :]
