from django import template

from jianbao.archive import links

register = template.Library()


@register.simple_tag
def issue_url(issue) -> str:
    return links.issue_url(issue)


@register.simple_tag
def issue_file_url(issue, fmt: str) -> str:
    return links.issue_file_url(issue, fmt)
