"""Renderers: each takes a ParsedBulletin and returns one format."""

from __future__ import annotations

from jianbao.core.errors import JianbaoError
from jianbao.publishing.parsed import ParsedBulletin

# pdfa: the archive copy, PDF/A-2b; ofd: the same pages in OFD (GB/T 33190).
FORMATS = ("pdf", "pdfa", "ofd", "docx", "html", "wechat", "md")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pdfa": "application/pdf",
    "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "wechat": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}

EXTENSIONS = {"pdfa": "pdf"}


def download_filename(issue, fmt: str) -> str:
    """产业技术创新战略联盟试点工作简报2023年第1期（总第66期）.pdf"""
    return f"{issue.series.title}{issue.series.name}{issue.label}.{EXTENSIONS.get(fmt, fmt)}"


class UnknownFormat(JianbaoError):
    pass


def render(bulletin: ParsedBulletin, fmt: str, *, pdf_settings=None) -> bytes:
    """The bulletin in ``fmt``; text formats come back UTF-8 encoded.
    ``pdf_settings``: the series' PdfSettings for pdf, pdfa and ofd (defaults otherwise)."""
    # Imported here so that `jianbao render --format md` does not load typst.
    if fmt in ("pdf", "pdfa"):
        from jianbao.publishing.render.pdf import render_pdf

        return render_pdf(bulletin, pdf_settings, archival=fmt == "pdfa")
    if fmt == "ofd":
        from jianbao.publishing.render.ofd import render_ofd

        return render_ofd(bulletin, pdf_settings)
    if fmt == "docx":
        from jianbao.publishing.render.docx import render_docx

        return render_docx(bulletin, pdf_settings=pdf_settings)
    if fmt == "html":
        from jianbao.publishing.render.html import render_html

        return render_html(bulletin).encode("utf-8")
    if fmt == "wechat":
        from jianbao.publishing.render.wechat import render_wechat

        return render_wechat(bulletin).encode("utf-8")
    if fmt == "md":
        from jianbao.publishing.render.markdown import render_markdown

        return render_markdown(bulletin).encode("utf-8")
    raise UnknownFormat(f"不支持的格式“{fmt}”：可选 {'、'.join(FORMATS)}")
