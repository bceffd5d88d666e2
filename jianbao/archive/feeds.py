"""Atom feeds: every issue, and each alliance's articles."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from jianbao.archive import links, selectors
from jianbao.network.models import Organisation


def _issue_datetime(issue) -> datetime:
    if issue.date:
        return timezone.make_aware(datetime.combine(issue.date, time(9)))
    return issue.updated_at


class IssuesFeed(Feed):
    feed_type = Atom1Feed
    title = "简报归档 · 各期简报"
    subtitle = "产业技术创新战略联盟试点工作简报，按期更新"
    author_name = "联盟试点工作联络组办公室"

    def link(self):
        return reverse("archive:issue_list")

    def items(self):
        return selectors.feed_issues()

    def item_title(self, issue):
        return f"{issue.series.title}{issue.series.name} {issue.label}"

    def item_description(self, issue):
        titles = [a.title for s in issue.sections.all() for a in s.articles.all()]
        return "；".join(titles) or "本期无稿件"

    def item_link(self, issue):
        return links.issue_url(issue)

    def item_pubdate(self, issue):
        return _issue_datetime(issue)

    def item_updateddate(self, issue):
        return issue.updated_at


class AllianceFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, pk):
        alliance = get_object_or_404(Organisation, pk=pk, kind=Organisation.Kind.ALLIANCE)
        # The rows shown under it: their articles are this alliance's too, as on its page.
        alliance.rows_under = list(
            Organisation.objects.filter(
                pk__in=selectors.rows_under(alliance.pk, selectors.shown_under())
            )
        )
        return alliance

    def title(self, alliance):
        return f"{alliance.name} · 简报归档"

    def subtitle(self, alliance):
        return f"工作简报中涉及{alliance.name}的文章"

    def link(self, alliance):
        return reverse("archive:alliance_detail", args=[alliance.pk])

    def items(self, alliance):
        return selectors.alliance_articles(alliance, also=alliance.rows_under)[:50]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        issue = article.section.issue
        return f"{issue.series.title}{issue.series.name} {issue.label} · {article.section.title}"

    def item_link(self, article):
        return reverse("archive:article_detail", args=[article.pk])

    def item_pubdate(self, article):
        return _issue_datetime(article.section.issue)

    def item_updateddate(self, article):
        return article.section.issue.updated_at
