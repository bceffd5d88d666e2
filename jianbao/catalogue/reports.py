"""The review report of one import: what the reader repaired, what it warns of,
what OCR was unsure of, and what the editor should look at before the issue is
called checked.

``build_report`` is a pure function of the parsed bulletin, so the command line
(``jianbao import --report DIR``) and the desk show the same report.
"""

from __future__ import annotations

from pathlib import PurePath

from django.template.loader import render_to_string

from jianbao.publishing.parsed import REPAIR, TOC_UNMATCHED, ParsedBulletin

VERSION = 1

# What the file was, by the reader that took it (for the report's first line).
_FORMS = {
    ".pdf": "PDF",
    ".docx": "Word 文档（.docx）",
    ".doc": "Word 97–2003 文档（.doc）",
    ".wps": "WPS 文档（.wps）",
    ".json": "JSON 导出",
    ".md": "文本（Markdown）",
    ".markdown": "文本（Markdown）",
    ".txt": "纯文本",
}


def build_report(bulletin: ParsedBulletin, *, source_name: str) -> dict:
    """The report as plain data (it is stored as JSON and shown by the desk)."""
    repairs, warnings, unmatched = [], [], []
    for w in bulletin.warnings:
        row = {"line": w.line, "message": w.message}
        if w.code == REPAIR:
            repairs.append(row)
        elif w.code == TOC_UNMATCHED:
            unmatched.append(row)
        else:
            warnings.append(row)
    no_credit = [
        {"section": section.title, "title": article.title, "position": position}
        for section in bulletin.sections
        for position, article in enumerate(section.articles, start=1)
        if not article.credit.strip()
    ]
    low_lines = [
        {"page": line.page, "text": line.text, "confidence": round(line.confidence, 1)}
        for page in bulletin.ocr_pages
        for line in page.low_lines
    ]
    pages = [
        {
            "page": p.page,
            "confidence": round(p.confidence, 1),
            "angle": round(p.angle, 2),
            "blank": p.blank,
        }
        for p in bulletin.ocr_pages
    ]
    suffix = PurePath(source_name).suffix.lower()
    # A picture of a page always comes with its OCR pages, so it is a scan here too.
    form = "扫描件（OCR）" if pages else _FORMS.get(suffix, suffix.lstrip(".") or "文件")
    return {
        "version": VERSION,
        "source": source_name,
        "form": form,
        "issue": {
            "label": bulletin.label,
            "year": bulletin.year,
            "number": bulletin.number,
            "running_number": bulletin.running_number,
            "date": bulletin.date.isoformat() if bulletin.date else None,
        },
        "counts": {
            "sections": len(bulletin.sections),
            "articles": len(bulletin.articles),
            "repairs": len(repairs),
            "warnings": len(warnings),
            "toc_unmatched": len(unmatched),
            "no_credit": len(no_credit),
            "low_confidence_lines": len(low_lines),
        },
        "repairs": repairs,
        "warnings": warnings,
        "toc_unmatched": unmatched,
        "no_credit": no_credit,
        "ocr": {"pages": pages, "low_lines": low_lines},
    }


def attention(report: dict) -> int:
    """What an editor should look at: everything but the repairs, which are done."""
    counts = report["counts"]
    return (
        counts["warnings"]
        + counts["toc_unmatched"]
        + counts["no_credit"]
        + counts["low_confidence_lines"]
    )


def report_html(report: dict) -> str:
    """A page of its own, for a report written next to the files by the command line."""
    return render_to_string("catalogue/report_page.html", {"report": report})
