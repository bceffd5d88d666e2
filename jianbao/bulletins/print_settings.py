"""A series' print settings as the PDF renderer takes them.

Every PDF of an issue (the desk's preview, the public download, the mail's
attachment, ``jianbao render``) is made through here, so that a series setting
holds for all of them. The settings are read from the series when the PDF is
made: nothing rendered is stored, so a changed setting is never served stale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jianbao.bulletins.models import Issue, Series

if TYPE_CHECKING:
    from jianbao.publishing.render.pdf import PdfSettings

PDF_FORMATS = ("pdf", "pdfa", "ofd")  # typeset by typst, so laid out by the series


def pdf_settings_for(series: Series) -> PdfSettings:
    """The renderer's defaults (FORMAT.md) with the series' own choices."""
    # Lazily: the renderer loads typst, which the text formats do without.
    from jianbao.publishing.render.pdf import PdfSettings

    return PdfSettings(closing_on_even_page=series.closing_on_even_page)


def download_pdf_format(series: Series) -> str:
    """What a reader downloads as the issue's PDF: the archival PDF/A-2b unless the
    series says otherwise. The file is named .pdf either way."""
    return "pdfa" if series.archival_pdf_download else "pdf"


def render_issue(issue: Issue, fmt: str) -> bytes:
    """The issue in ``fmt`` (render.FORMATS); pdf, pdfa and ofd laid out by its series."""
    from jianbao.bulletins.services import issue_to_bulletin
    from jianbao.publishing.render import render

    settings = pdf_settings_for(issue.series) if fmt in PDF_FORMATS else None
    return render(issue_to_bulletin(issue), fmt, pdf_settings=settings)
