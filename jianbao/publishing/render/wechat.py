"""The bulletin as one HTML fragment for the WeChat official-account editor.

That editor drops <style>, class attributes and anything external, and keeps
inline styles on <section>, <p>, <span> and <strong>, so that is all we use.
"""

from __future__ import annotations

from django.utils.html import escape

from jianbao.publishing.parsed import HEADING, ParsedBulletin, heading_level, printed_sections
from jianbao.publishing.render.markdown import format_date
from jianbao.publishing.render.pdf import contact_lines, credit_line, credits_line

RED = "#c8161d"
BODY = (
    "margin:0 0 12px;text-indent:2em;text-align:justify;line-height:1.75;"
    "font-size:16px;color:#222;letter-spacing:0.5px;"
)
KAI = "font-family:KaiTi,STKaiti,'楷体',serif;"
HEI = "font-family:'PingFang SC','Microsoft YaHei',SimHei,sans-serif;"


def _p(style: str, text: str) -> str:
    return f'<p style="{style}">{escape(text)}</p>'


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
                if block.kind == HEADING:
                    add(_p(_heading_style(heading_level(block.text)), block.text))
                else:
                    add(_p(BODY, block.text))
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
