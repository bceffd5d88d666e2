"""A submission's body as the editor will see it in the issue: pictures, tables, bold."""

from django import template

from jianbao.publishing.markup import blocks_from_markup
from jianbao.publishing.render.html import responsive_picture, web_blocks

register = template.Library()


@register.simple_tag
def body_blocks(submission) -> list[dict]:
    """The body (THE TEXT MARKUP) as ``publishing/_blocks.html`` reads it."""
    blocks, _warnings = blocks_from_markup(submission.body)
    return web_blocks(blocks, picture=responsive_picture)
