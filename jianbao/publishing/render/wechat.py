"""The bulletin as one HTML fragment for the WeChat official-account editor.

That editor drops <style>, class attributes and scripts, and keeps inline
styles on <section>, <p>, <span>, <strong>, <em>, <img> and tables, so that is
all we use. Pictures are the public copies at absolute URLs (the editor fetches
them into its own library); links outside WeChat are not followed there, so a
link's text stays and its address goes.
"""

from __future__ import annotations

from itertools import pairwise

from django.conf import settings
from django.utils.html import escape

from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    TABLE,
    Block,
    Mark,
    ParsedBulletin,
    heading_level,
    printed_sections,
)
from jianbao.publishing.render.markdown import EDITOR_NOTE_LEAD, format_date
from jianbao.publishing.render.pdf import contact_lines, credit_line, credits_line

RED = "#c8161d"
BODY = (
    "margin:0 0 12px;text-indent:2em;text-align:justify;line-height:1.75;"
    "font-size:16px;color:#222;letter-spacing:0.5px;"
)
KAI = "font-family:KaiTi,STKaiti,'楷体',serif;"
HEI = "font-family:'PingFang SC','Microsoft YaHei',SimHei,sans-serif;"


PICTURE_WIDTH = 960  # the public copy the post links to; wider than any phone
IMG = "max-width:100%;height:auto;display:block;margin:0 auto;"
CAPTION = KAI + "margin:0 0 16px;text-align:center;font-size:14px;line-height:1.6;color:#555;"
TABLE_STYLE = (
    "border-collapse:collapse;width:100%;margin:0 0 16px;font-size:14px;line-height:1.5;color:#222;"
)
CELL = "border:1px solid #666;padding:4px 6px;vertical-align:top;text-align:left;"
HEAD_CELL = CELL + HEI + "font-weight:bold;background-color:#f2f2f2;text-align:center;"
NOTE_STYLE = (
    KAI + "margin:0 0 12px;padding:8px 12px;border-left:4px solid #999;"
    "background-color:#f7f7f4;line-height:1.75;font-size:15px;color:#333;"
)


# The 编者按 after the masthead: 楷体, a paragraph a line, the label in bold 黑体.
EDITOR_NOTE_STYLE = KAI + "margin:0 0 20px;line-height:1.75;font-size:16px;color:#222;"
EDITOR_NOTE_PARAGRAPH = "margin:0 0 8px;text-indent:2em;text-align:justify;"
EDITOR_NOTE_LABEL = HEI + "font-weight:bold;"


def _p(style: str, text: str) -> str:
    return f'<p style="{style}">{escape(text)}</p>'


def _link_note(text: str, mark: Mark) -> str:
    """What a link leaves in the post: its address after the text, unless the text is it."""
    from jianbao.publishing.render.html import safe_href

    href = safe_href(mark.href)
    shown = href.removeprefix("mailto:")
    if not href or shown in text[mark.start : mark.end]:
        return ""
    return f"（{escape(shown)}）"


def _marked(text: str, marks: tuple[Mark, ...] = ()) -> str:
    """Escaped text, with bold and italic runs as <strong> and <em>.

    A post cannot link outside WeChat, so a link's address follows its text.
    """
    kept = [m for m in marks if m.type in (BOLD, ITALIC, LINK)]
    cuts = sorted(
        {0, len(text)} | {max(0, min(len(text), x)) for m in kept for x in (m.start, m.end)}
    )
    out = []
    for start, end in pairwise(cuts):
        piece = escape(text[start:end]).replace("\n", "<br>")
        active = {m.type for m in kept if m.start <= start and end <= m.end}
        if ITALIC in active:
            piece = f'<em style="font-style:italic;">{piece}</em>'
        if BOLD in active:
            piece = f'<strong style="font-weight:bold;">{piece}</strong>'
        out.append(piece)
        out += [
            _link_note(text, m) for m in kept if m.type == LINK and min(m.end, len(text)) == end
        ]
    return "".join(out)


def picture_url(name: str) -> str:
    from jianbao.publishing import pictures

    return settings.JIANBAO_SITE_URL.rstrip("/") + pictures.variant_url(name, PICTURE_WIDTH, "jpg")


def _picture(block: Block) -> str:
    alt = block.alt or block.caption
    html = (
        '<p style="margin:12px 0 6px;text-align:center;text-indent:0;">'
        f'<img src="{escape(picture_url(block.file))}" alt="{escape(alt)}" style="{IMG}"></p>'
    )
    if block.caption:
        html += _p(CAPTION, block.caption)
    return html


def _table(block: Block) -> str:
    out = []
    if block.caption:
        out.append(
            _p(
                HEI + "margin:12px 0 6px;text-align:center;font-weight:bold;font-size:15px;",
                block.caption,
            )
        )
    out.append(f'<table style="{TABLE_STYLE}"><tbody style="border:0;">')
    for n, row in enumerate(block.rows):
        tag, style = ("th", HEAD_CELL) if n < block.header_rows else ("td", CELL)
        cells = []
        for c in row:
            spans = (f' colspan="{c.colspan}"' if c.colspan > 1 else "") + (
                f' rowspan="{c.rowspan}"' if c.rowspan > 1 else ""
            )
            cells.append(f'<{tag}{spans} style="{style}">{_marked(c.text, c.marks)}</{tag}>')
        out.append(f'<tr style="border:0;">{"".join(cells)}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def block_html(block: Block) -> str:
    """One block, inline-styled: for the WeChat post and the body of the issue mail."""
    if block.kind == HEADING:
        style = _heading_style(heading_level(block.text))
        return f'<p style="{style}">{_marked(block.text, block.marks)}</p>'
    if block.kind == IMAGE:
        return _picture(block)
    if block.kind == TABLE:
        return _table(block)
    if block.kind == NOTE:
        return f'<section style="{NOTE_STYLE}">{_marked(block.text, block.marks)}</section>'
    return f'<p style="{BODY}">{_marked(block.text, block.marks)}</p>'


def editor_note_html(bulletin: ParsedBulletin) -> str:
    """The 编者按, inline-styled: for the WeChat post (empty when the issue has none)."""
    paragraphs = bulletin.editor_note_paragraphs
    if not paragraphs:
        return ""
    label = f'<strong style="{EDITOR_NOTE_LABEL}">{EDITOR_NOTE_LEAD}</strong>'
    return (
        f'<section style="{EDITOR_NOTE_STYLE}">'
        + "".join(
            f'<p style="{EDITOR_NOTE_PARAGRAPH}">{label if n == 0 else ""}{escape(p)}</p>'
            for n, p in enumerate(paragraphs)
        )
        + "</section>"
    )


def _heading_style(level: int) -> str:
    base = "margin:16px 0 8px;text-indent:2em;line-height:1.75;font-size:16px;color:#222;"
    return base + {1: HEI + "font-weight:bold;", 2: KAI, 3: "font-weight:bold;"}.get(level, "")


def render_wechat(bulletin: ParsedBulletin) -> str:
    out: list[str] = []
    add = out.append
    add(
        '<section style="max-width:100%;box-sizing:border-box;padding:0 4px;'
        "font-family:'Songti SC','SimSun',serif;color:#222;font-size:16px;\">"
    )
    add(
        _p(
            f"margin:0;text-align:center;color:{RED};font-size:18px;font-weight:bold;",
            bulletin.series_title,
        )
    )
    add(
        _p(
            f"margin:6px 0;text-align:center;color:{RED};font-size:40px;font-weight:bold;"
            "letter-spacing:16px;text-indent:16px;line-height:1.3;",
            bulletin.series_name or "简报",
        )
    )
    add(_p("margin:0 0 8px;text-align:center;font-size:14px;", bulletin.label))
    add(
        '<section style="display:flex;justify-content:space-between;font-size:14px;'
        f'padding-bottom:6px;border-bottom:3px double {RED};margin-bottom:18px;">'
        f'<span style="text-align:left;">{escape(bulletin.office)}</span>'
        f'<span style="text-align:right;">{escape(format_date(bulletin))}</span>'
        "</section>"
    )

    if bulletin.editor_note_paragraphs:
        add(editor_note_html(bulletin))
    sections = printed_sections(bulletin)
    if bulletin.articles:
        add(
            '<section style="border:1px solid #999;padding:10px 12px;margin:0 0 20px;'
            'font-size:14px;line-height:1.6;">'
        )
        add(
            _p(
                HEI + "margin:0 0 6px;text-align:center;font-weight:bold;letter-spacing:4px;",
                "本期导读",
            )
        )
        for section in sections:
            add(_p(HEI + "margin:8px 0 4px;font-weight:bold;", section.toc_title or section.title))
            for article in section.articles:
                add(
                    _p(
                        "margin:0 0 4px;padding-left:1.4em;text-indent:-1.4em;",
                        f"◆ {article.toc_title or article.title}",
                    )
                )
        add("</section>")

    for section in sections:
        add(
            _p(
                HEI + "margin:24px 0 12px;font-size:17px;font-weight:bold;"
                f"border-left:4px solid {RED};padding-left:8px;",
                section.title,
            )
        )
        for article in section.articles:
            add(
                _p(
                    "margin:18px 0 12px;text-align:center;font-size:17px;font-weight:bold;"
                    "line-height:1.5;",
                    article.title,
                )
            )
            for block in article.blocks:
                add(block_html(block))
            if article.credit:
                add(_p(KAI + "margin:0 0 16px;text-align:right;", credit_line(article.credit)))

    closing = [
        _p(
            "margin:0 0 4px;padding-left:2.5em;text-indent:-2em;",
            f"{label}：{'、'.join(names)}",
        )
        for label, names in bulletin.distribution.items()
        if names
    ]
    if credits_line(bulletin):
        closing.append(
            _p("margin:6px 0;padding:6px 0;border-top:1px solid #666;", credits_line(bulletin))
        )
    lines = contact_lines(bulletin)
    if lines:
        closing.append(
            '<section style="border-top:1px solid #666;padding-top:6px;font-size:12px;">'
            + "".join(_p("margin:0 0 2px;", line) for line in lines)
            + "</section>"
        )
    if closing:
        add(
            '<section style="margin-top:28px;padding:6px 0;border-top:2px solid #333;'
            'border-bottom:2px solid #333;font-size:14px;line-height:1.6;">'
            + "".join(closing)
            + "</section>"
        )
    add("</section>")
    return "\n".join(out) + "\n"
