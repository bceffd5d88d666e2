"""The issue page's links into distribution: the publishing page and who receives the issue."""

from django import template

from jianbao.distribution import selectors
from jianbao.distribution.views import may_distribute

register = template.Library()


@register.inclusion_tag("distribution/_issue_links.html")
def distribution_links(issue, user):
    staff = may_distribute(user)
    return {
        "issue": issue,
        "staff": staff,
        "count": selectors.audience(issue).count if staff else None,
    }
