"""The bulletin as a standalone web page (``jianbao render --format html``)."""

from __future__ import annotations

from django.template.loader import render_to_string

from jianbao.publishing.parsed import ParsedBulletin
from jianbao.publishing.render.pdf import bulletin_data


def render_html(bulletin: ParsedBulletin, *, downloads: list[tuple[str, str]] | None = None) -> str:
    """``downloads`` is a list of (label, URL) pairs shown under the masthead."""
    data = bulletin_data(bulletin)
    return render_to_string(
        "publishing/bulletin.html",
        {
            "b": bulletin,
            "date": data["date"],
            "sections": data["sections"],
            "has_articles": bool(bulletin.articles),
            "distribution": data["distribution"],
            "credits": data["credits"],
            "contacts": data["contacts"],
            "downloads": downloads or [],
        },
    )
