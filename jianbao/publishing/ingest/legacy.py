"""Word 97–2003 ``.doc`` and WPS ``.wps`` files, read by the ``.docx`` path.

LibreOffice headless converts the file to ``.docx`` and ``docx_to_markup``
reads that, so headings, tables and pictures come through as they do from a
``.docx`` (with its limits checked on the converted file).  antiword, the
other candidate, gives plain text only: it drops the tables' structure and
every picture, and knows neither WPS nor Works files.  LibreOffice costs
about a second a file, which the intake worker and the import command can
afford; ``.doc`` and ``.wps`` are never read inside a web request.

The file's kind is told from the names in its OLE directory before
LibreOffice sees it: a ``WordDocument`` stream is Word's binary format, which
Kingsoft WPS Writer's ``.wps`` files use too; ``MN0`` or ``CONTENTS`` is a
Microsoft Works ``.wps`` (read through libwps).  LibreOffice is told which
filter to use, because left to itself it reads any bytes it cannot place as
plain text, and a broken file would come back as a page of mojibake.  An
Excel or PowerPoint file, a mail saved by Outlook or a password-protected
Office file is refused by name.

Each conversion runs in its own temporary folder with its own LibreOffice
profile (so that several workers, or test processes, never share one
instance), macros switched off and links never updated, within
``JIANBAO_SOFFICE_SECONDS`` of wall-clock time, after which the whole
process group is killed.  The folder is removed whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.docx import MAX_UNCOMPRESSED, DocxContent, docx_to_markup

DEBIAN_PACKAGE = "libreoffice-writer-nogui"
DEFAULT_SECONDS = 60

# LibreOffice's import filters, by the stream that tells the kind of file.
WORD_FILTER = "MS Word 97"
WORKS_FILTER = "MS_Works"
WORD_STREAMS = ("WordDocument",)
WORKS_STREAMS = ("MN0", "CONTENTS")
# OLE files that are not a document to read, and what to call them.
OTHER_STREAMS = {
    "EncryptedPackage": "设有打开密码的 Office 文档，请去掉密码后再提交",
    "Workbook": "Excel 表格（.xls），不是 Word 或 WPS 文档",
    "Book": "Excel 表格（.xls），不是 Word 或 WPS 文档",
    "PowerPoint Document": "PowerPoint 演示文稿（.ppt），不是 Word 或 WPS 文档",
    "VisioDocument": "Visio 图（.vsd），不是 Word 或 WPS 文档",
    "__properties_version1.0": "Outlook 邮件（.msg），不是 Word 或 WPS 文档",
}

# The profile each conversion starts with: no macro runs, no link is fetched.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop
 oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""


def legacy_to_markup(data: bytes, name: str, *, budget: ParseBudget | None = None) -> DocxContent:
    """The ``.doc``/``.wps`` file as ``docx_to_markup`` reads its ``.docx`` conversion."""
    budget = budget or ParseBudget(name)
    docx = legacy_to_docx(data, name)
    return docx_to_markup(docx, name, budget=budget)


def ole_kind(data: bytes) -> tuple[str, str]:
    """(LibreOffice import filter, suffix) of a Word or Works file, told by its OLE streams.

    Any other OLE file raises ValueError, saying what it is where that can be told.
    """
    if _has_stream(data, WORD_STREAMS):
        return WORD_FILTER, ".doc"
    for stream, what in OTHER_STREAMS.items():
        if _has_stream(data, (stream,)):
            raise ValueError(f"内容是{what}")
    if _has_stream(data, WORKS_STREAMS):
        return WORKS_FILTER, ".wps"
    raise ValueError("不是 Word 或 WPS 文档（无法识别的 OLE 复合文件，或文件已损坏）")


def _has_stream(data: bytes, names) -> bool:
    """Whether the OLE directory holds a stream of one of these names.

    A directory entry is 128 bytes at a multiple of 128 past the 512-byte
    header: the name in UTF-16LE, NUL-terminated, then at byte 64 the name's
    length in bytes (terminator included) and at byte 66 the type (2: a stream).
    """
    for name in names:
        needle = name.encode("utf-16-le") + b"\0\0"
        start = 512
        while (at := data.find(needle, start)) != -1:
            start = at + 1
            if at % 128 or len(data) < at + 67:
                continue
            if int.from_bytes(data[at + 64 : at + 66], "little") == len(needle) and (
                data[at + 66] == 2
            ):
                return True
    return False


def legacy_to_docx(data: bytes, name: str) -> bytes:
    """The ``.docx`` LibreOffice makes of a Word 97–2003 or WPS file, or UnreadableFile."""
    try:
        infilter, suffix = ole_kind(data)
    except ValueError as exc:
        raise UnreadableFile(name, str(exc)) from None
    soffice = shutil.which("soffice")
    if soffice is None:
        raise UnreadableFile(
            name, f"无法读取 .doc/.wps 文件：未安装 LibreOffice（Debian 软件包 {DEBIAN_PACKAGE}）"
        )
    seconds = getattr(settings, "JIANBAO_SOFFICE_SECONDS", DEFAULT_SECONDS)
    with tempfile.TemporaryDirectory(prefix="jianbao-soffice-") as tmp:
        folder = Path(tmp)
        source = folder / f"document{suffix}"
        source.write_bytes(data)
        profile = folder / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS)
        out = folder / "out"
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"--infilter={infilter}",
            "--convert-to",
            "docx",
            "--outdir",
            str(out),
            str(source),
        ]
        # LibreOffice's temporary files go into the folder too, and leave with it.
        env = {**os.environ, "TMPDIR": tmp, "HOME": tmp}
        _run(command, env, tmp, name, seconds)
        result = out / "document.docx"
        size = result.stat().st_size if result.is_file() else 0
        if not size:
            # LibreOffice says so on stderr ("source file could not be loaded") and exits 0.
            what = "Word 文档" if infilter == WORD_FILTER else "Works 文档，或其版本不受支持"
            raise UnreadableFile(name, f"LibreOffice 无法打开此文件（已损坏的{what}）")
        if size > MAX_UNCOMPRESSED:
            raise UnreadableFile(name, f"转换后的文档过大（{size // 1048576} MB），已拒绝")
        return result.read_bytes()


def _run(command: list[str], env: dict, cwd: str, name: str, seconds: float) -> None:
    """Run soffice in a session of its own; whatever is left of it is killed at the end."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise UnreadableFile(
            name, f"LibreOffice 转换超过 {seconds:g} 秒，已停止（文件可能已损坏或过于复杂）"
        ) from None
    finally:
        # soffice is a script that starts oosplash and soffice.bin: the group holds them all.
        with contextlib.suppress(OSError):  # nothing left of it
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
