"""What the issue page's restore slot shows: deleted articles, the last move, versions."""

from __future__ import annotations

import json

from django import template

from jianbao.bulletins import drafts

register = template.Library()


@register.simple_tag
def desk_undo(issue) -> dict:
    """The deleted articles that can come back, and the move that can be undone."""
    return {
        "deleted": drafts.restorable_articles(issue),
        "move": drafts.last_undoable_move(issue),
    }


@register.simple_tag
def saved_versions(sections) -> str:
    """Each article's saved version as JSON, so the browser drops drafts a save has kept."""
    return json.dumps({str(a.pk): a.version for s in sections for a in s.articles.all()})
