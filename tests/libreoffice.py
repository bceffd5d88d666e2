"""LibreOffice headless, standing in for Word and WPS in the tests.

`make test` installs it (libreoffice-writer-nogui); the tests that need it are
skipped, visibly, where it is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_soffice = pytest.mark.skipif(
    not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed"
)


def docx_to_pdf(docx: bytes, folder: Path, *, timeout: float = 180) -> Path:
    """The PDF LibreOffice makes of ``docx``, written in ``folder`` (its own profile there too)."""
    source = folder / "issue.docx"
    source.write_bytes(docx)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return folder / "issue.pdf"
