"""The bulletin as a PDF, typeset by Typst from the template in ``typst/``.

The bulletin goes to the template as JSON in ``sys.inputs``, so user text is
never spliced into Typst source and needs no escaping.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import typst

from jianbao.core.errors import JianbaoError
from jianbao.publishing import fonts
from jianbao.publishing.parsed import HEADING, ParsedBulletin, heading_level, printed_sections
from jianbao.publishing.render.markdown import format_date

TEMPLATE_DIR = Path(__file__).resolve().parent / "typst"
TEMPLATE = TEMPLATE_DIR / "bulletin.typ"


@dataclass(frozen=True)
class PdfSettings:
    """Layout defaults from FORMAT.md (GB/T 9704-2012); a series may override any."""

    margin_top: float = 37  # mm, 天头
    margin_binding: float = 28  # mm, 订口
    block_width: float = 156  # mm, 版心
    block_height: float = 225  # mm
    body_size: float = 16  # pt, 三号; 14 (四号) for denser series
    line_pitch: float = 28.9  # pt: 22 lines in the 225 mm block
    small_size: float = 14  # pt, 四号: issue line, 导读, 版记
    contact_size: float = 12
    title_size: float = 18  # pt, one size above the body
    series_size: float = 22
    name_size: float = 52
    name_spacing: float = 0.6  # em between the characters of 简报
    masthead_color: str = "#e60012"
    double_rule: bool = True
    page_number_size: float = 14
    page_number_position: str = "center"  # or "outside" (odd right, even left)
    footer_gap: float = 7  # mm below the text block
    section_mark: str = "➤"
    toc_heading: str = "本期导读"
    serif: str = fonts.SERIF.family
    sans: str = fonts.SANS.family
    kai: str = fonts.KAI.family
    symbols: str = fonts.SYMBOLS.family


class RenderFailed(JianbaoError):
    pass


def credit_line(credit: str) -> str:
    credit = credit.strip()
    if not credit:
        return ""
    return credit if credit.startswith(("（", "(")) else f"（{credit}）"


def contact_lines(bulletin: ParsedBulletin) -> list[str]:
    lines: dict[int, list[str]] = {}
    for item in bulletin.contacts:
        text = f"{item.label}：{item.value}" if item.label else item.value
        lines.setdefault(item.line, []).append(text)
    return ["　".join(lines[k]) for k in sorted(lines)]


def credits_line(bulletin: ParsedBulletin) -> str:
    pairs = (("本期编辑", bulletin.editor), ("审核", bulletin.reviewer), ("签发", bulletin.signer))
    return "　".join(f"{label}：{name}" for label, name in pairs if name)


def bulletin_data(bulletin: ParsedBulletin, settings: PdfSettings | None = None) -> dict:
    """What the template reads: the bulletin with its display strings prepared."""
    settings = settings or PdfSettings()
    fallback = [fonts.EXT_A.family, fonts.EXT_B.family]
    sections = []
    n = 0
    # Only the printed sections reach the template (and the web page built on this).
    for section in printed_sections(bulletin):
        articles = []
        for article in section.articles:
            n += 1
            articles.append(
                {
                    "anchor": f"article-{n}",
                    "title": article.title,
                    "toc_title": article.toc_title or article.title,
                    "credit": credit_line(article.credit),
                    "blocks": [
                        {
                            "kind": b.kind,
                            "text": b.text,
                            "level": heading_level(b.text) if b.kind == HEADING else 0,
                        }
                        for b in article.blocks
                    ],
                }
            )
        sections.append(
            {
                "title": section.title,
                "toc_title": section.toc_title or section.title,
                "articles": articles,
            }
        )
    issue = f"{bulletin.year}年第{bulletin.number}期"
    date = bulletin.date
    return {
        "settings": {**asdict(settings), "fallback": fallback},
        "meta": {
            "title": f"{bulletin.series_title}{bulletin.series_name} {bulletin.label}",
            "author": [bulletin.office] if bulletin.office else [],
            "subject": f"{bulletin.series_title}{bulletin.series_name}{issue}",
            "keywords": [issue, f"总第{bulletin.running_number}期", bulletin.series_name],
            "date": [date.year, date.month, date.day] if date else None,
        },
        "series_title": bulletin.series_title,
        "series_name": bulletin.series_name or "简报",
        "label": bulletin.label,
        "office": bulletin.office,
        "date": format_date(bulletin),
        "sections": sections,
        "distribution": [
            {"label": label, "names": "、".join(names)}
            for label, names in bulletin.distribution.items()
            if names
        ],
        "credits": credits_line(bulletin),
        "contacts": contact_lines(bulletin),
    }


_compiler: typst.Compiler | None = None
# A typst Compiler keeps its fonts and caches between calls but is not meant
# to be used by two threads at once (the web server may be threaded).
_lock = threading.Lock()


def _get_compiler() -> typst.Compiler:
    global _compiler
    if _compiler is None:
        _compiler = typst.Compiler(
            str(TEMPLATE),
            root=str(TEMPLATE_DIR),
            font_paths=list(fonts.font_dirs()),
            ignore_system_fonts=True,
        )
    return _compiler


def _all_text(data: dict) -> str:
    return json.dumps(
        {k: v for k, v in data.items() if k != "settings"}, ensure_ascii=False
    ) + "".join(str(v) for v in data["settings"].values())


def render_pdf(bulletin: ParsedBulletin, settings: PdfSettings | None = None) -> bytes:
    data = bulletin_data(bulletin, settings)
    fonts.font_dirs()  # MissingFont before anything else
    fonts.check_coverage(_all_text(data))
    payload = json.dumps(data, ensure_ascii=False)
    with _lock:
        try:
            # pdf_tags off: poppler (pdffonts, pdftotext) warns on Typst's tagged PDFs.
            return _get_compiler().compile(sys_inputs={"data": payload}, pdf_tags=False)
        except typst.TypstError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "未知错误"
            raise RenderFailed(f"排版失败：{first}") from exc


def preflight(bulletin: ParsedBulletin) -> None:
    """Typeset the bulletin once and throw the PDF away; name the article at fault.

    Run before 提交审核 and 签发, so that nothing is signed that cannot be printed.
    """
    fonts.font_dirs()
    for section in bulletin.sections:
        for article in section.articles:
            text = "".join(
                [
                    article.title,
                    article.toc_title,
                    article.credit,
                    *(b.text for b in article.blocks),
                ]
            )
            try:
                fonts.check_coverage(text)
            except fonts.MissingGlyph as exc:
                raise RenderFailed(f"《{article.title}》（{section.title}）：{exc}") from exc
    render_pdf(bulletin)
