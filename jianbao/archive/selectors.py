"""Reads for the public archive."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property

from django.db import connection
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.safestring import SafeString

from jianbao.archive.models import SiteVersion
from jianbao.archive.search import backends
from jianbao.archive.search.backends import Filters, index_for
from jianbao.archive.search.index import article_id_of, public_issue_filter
from jianbao.archive.search.text import highlight, parse_query, snippet
from jianbao.bulletins.models import Article, Block, Issue, IssueRevision, Section
from jianbao.bulletins.services import find_issue, issues_with_content, stored_block
from jianbao.core.errors import AmbiguousIssueRef, IssueNotFound
from jianbao.core.text import pinyin_key
from jianbao.network.models import Organisation, OrganisationName
from jianbao.publishing.parsed import block_to_dict

_BEFORE_ANY_VERSION = datetime(2000, 1, 1, tzinfo=UTC)


def site_version() -> SiteVersion:
    # The row is made by a migration; a fixed stand-in keeps ETags stable if it is gone.
    return SiteVersion.objects.filter(pk=1).first() or SiteVersion(
        pk=1, number=0, changed_at=_BEFORE_ANY_VERSION
    )


def public_issues() -> QuerySet[Issue]:
    return (
        Issue.objects.filter(public_issue_filter())
        .select_related("series")
        .annotate(article_count=Count("sections__articles"))
        .order_by("-year", "-number")
    )


@dataclass(frozen=True)
class PublicYear:
    year: int
    issue_count: int
    article_count: int


def public_years() -> list[PublicYear]:
    """The years with public issues, newest first, and how many issues and articles each has."""
    rows = (
        Issue.objects.filter(public_issue_filter())
        .values("year")
        .annotate(issue_count=Count("id", distinct=True), article_count=Count("sections__articles"))
        .order_by("-year")
    )
    return [PublicYear(r["year"], r["issue_count"], r["article_count"]) for r in rows]


def public_issues_of_year(year: int) -> QuerySet[Issue]:
    return public_issues().filter(year=year)


def public_issue(
    *, year: int, number: int, series: str | None = None, with_content: bool = True
) -> Issue:
    """A public issue by its numbers, and its series' code when given.

    Raises Http404, or AmbiguousIssueRef when two series have these numbers and
    none was named.
    """
    issues = issues_with_content() if with_content else Issue.objects.all()
    try:
        return find_issue(
            f"{year}-{number}", series=series, within=issues.filter(public_issue_filter())
        )
    except AmbiguousIssueRef:
        raise
    except IssueNotFound as exc:
        raise Http404(str(exc)) from exc


def issue_neighbours(issue: Issue) -> tuple[Issue | None, Issue | None]:
    """The public issues just before and just after this one in its own series."""
    same_series = Issue.objects.filter(public_issue_filter(), series_id=issue.series_id)
    earlier = Q(year__lt=issue.year) | Q(year=issue.year, number__lt=issue.number)
    later = Q(year__gt=issue.year) | Q(year=issue.year, number__gt=issue.number)
    previous = same_series.filter(earlier).select_related("series").order_by("-year", "-number")
    following = same_series.filter(later).select_related("series").order_by("year", "number")
    return previous.first(), following.first()


# --- corrections (勘误) ----------------------------------------------------------


@dataclass(frozen=True)
class CorrectedArticle:
    title: str
    pk: int | None  # the article as it reads now, while it is still in the issue


@dataclass(frozen=True)
class Correction:
    revision: IssueRevision
    articles: tuple[CorrectedArticle, ...]

    @property
    def note(self) -> str:
        return self.revision.note

    @property
    def created_at(self):
        return self.revision.created_at


def _block_key(block: dict) -> str:
    # Older snapshots have ``type`` and ``text`` only; newer ones the whole block.
    data = {"kind": block.get("kind") or block.get("type"), **block}
    data.pop("type", None)
    if not data.get("marks"):
        data.pop("marks", None)
    data.pop("level", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _snapshot_articles(snapshot: dict) -> dict[tuple[int, int], tuple]:
    return {
        (s, a): (
            article.get("title") or "",
            article.get("toc_title") or "",
            article.get("credit") or "",
            tuple(_block_key(b) for b in article.get("blocks") or ()),
        )
        for s, section in enumerate(snapshot.get("sections") or ())
        for a, article in enumerate(section.get("articles") or ())
    }


def corrections(issue: Issue) -> list[Correction]:
    """The issue's 勘误, each naming the articles it changed.

    A revision keeps the text from before its change, so what it changed is
    the difference to the next revision's text, or to the issue as it is now.
    ``issue`` should come with its content (issues_with_content).
    """
    revisions = list(issue.revisions.order_by("number"))
    if not revisions:
        return []
    now: dict[tuple[int, int], Article] = {
        (s, a): article
        for s, section in enumerate(issue.sections.all())
        for a, article in enumerate(section.articles.all())
    }
    texts_now = {
        place: (
            a.title,
            a.toc_title,
            a.credit,
            tuple(_block_key(block_to_dict(stored_block(b))) for b in a.blocks.all()),
        )
        for place, a in now.items()
    }
    afters = [_snapshot_articles(r.snapshot) for r in revisions[1:]] + [texts_now]
    result = []
    for revision, after in zip(revisions, afters, strict=True):
        before = _snapshot_articles(revision.snapshot)
        changed = []
        for place in sorted(before.keys() | after.keys()):
            if before.get(place) == after.get(place):
                continue
            title = (after.get(place) or before[place])[0]
            current = now.get(place)
            changed.append(
                CorrectedArticle(title, current.pk if current and current.title == title else None)
            )
        result.append(Correction(revision, tuple(changed)))
    # Fixes made while an import was checked are kept, but were never a 勘误.
    return [c for c in result if not c.revision.import_fix]


def article_corrections(article: Article) -> list[Correction]:
    """The 勘误 of the article's issue that changed this article."""
    issue = article.section.issue
    if not issue.revisions.filter(import_fix=False).exists():
        return []
    whole = issues_with_content().get(pk=issue.pk)
    return [c for c in corrections(whole) if any(a.pk == article.pk for a in c.articles)]


def withdrawn_issue(*, year: int, number: int, series: str | None = None) -> dict | None:
    """A withdrawn issue with these numbers, and the signer's stated reason."""
    issues = Issue.objects.filter(state=Issue.State.WITHDRAWN, year=year, number=number)
    if series:
        issues = issues.filter(series__slug=series)
    issue = issues.select_related("series").first()
    if issue is None:
        return None
    event = issue.events.filter(action="withdraw").order_by("-created_at", "-id").first()
    return {"issue": issue, "event": event}


def public_articles() -> QuerySet[Article]:
    return (
        Article.objects.filter(public_issue_filter("section__issue__"))
        .select_related("section__issue__series")
        .order_by(
            "-section__issue__year", "-section__issue__number", "section__position", "position"
        )
    )


def public_article(pk: int) -> Article:
    return get_object_or_404(
        public_articles().prefetch_related(
            Prefetch("blocks", queryset=Block.objects.order_by("position")),
            Prefetch("alliances", queryset=Organisation.objects.prefetch_related(_short_names())),
        ),
        pk=pk,
    )


def _short_names() -> Prefetch:
    return Prefetch(
        "names", queryset=OrganisationName.objects.filter(kind=OrganisationName.Kind.SHORT)
    )


def alliances() -> QuerySet[Organisation]:
    """Every alliance, with how many public articles mention it."""
    public = public_issue_filter("mentioned_in__section__issue__")
    return (
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
        .annotate(article_count=Count("mentioned_in", filter=public, distinct=True))
        .prefetch_related(_short_names())
        .order_by("name")
    )


def alliances_in_pinyin_order() -> list[Organisation]:
    """Every alliance as people look them up: by the pinyin of the name."""
    return sorted(alliances(), key=lambda a: pinyin_key(a.name))


def alliance(pk: int) -> Organisation:
    return get_object_or_404(alliances(), pk=pk)


def shown_under() -> dict[int, int]:
    """{alliance row: the row it is shown under}, worked out once per site version."""
    from jianbao.archive.caching import for_this_version
    from jianbao.network.selectors import duplicate_alliances

    return for_this_version("alliance-duplicates", duplicate_alliances)


def rows_under(pk: int, shown_under: dict[int, int]) -> list[int]:
    """The rows shown under the alliance ``pk`` (its suspected duplicates)."""
    return sorted(other for other, kept in shown_under.items() if kept == pk)


def alliance_articles(organisation: Organisation, *, also=()) -> QuerySet[Article]:
    """Public articles that mention the alliance, or a row shown under it (``also``)."""
    rows = [organisation, *also]
    if len(rows) == 1:
        return public_articles().filter(alliances=organisation)
    return public_articles().filter(alliances__in=rows).distinct()


# --- one public entry per alliance ---------------------------------------------------


@dataclass(frozen=True)
class PublicAlliance:
    """One line of the public list: an alliance, and the rows shown under it."""

    alliance: Organisation
    short_names: tuple[str, ...]
    also_known_as: tuple[str, ...]  # full names of the rows the registry suspects are this one
    article_count: int

    @property
    def pk(self) -> int:
        return self.alliance.pk

    @property
    def name(self) -> str:
        return self.alliance.name

    @property
    def is_dissolved(self) -> bool:
        return self.alliance.status == Organisation.Status.DISSOLVED


def public_alliances(shown_under: dict[int, int]) -> list[PublicAlliance]:
    """Every alliance once, in pinyin order; ``shown_under`` is
    network.selectors.duplicate_alliances()."""
    rows = {org.pk: org for org in alliances()}
    members: dict[int, list[Organisation]] = {pk: [] for pk in rows if pk not in shown_under}
    for pk, kept in shown_under.items():
        if pk in rows and kept in members:
            members[kept].append(rows[pk])
    mentions: dict[int, set[int]] = {}
    links = Article.alliances.through.objects.filter(
        public_issue_filter("article__section__issue__"), organisation_id__in=rows
    ).values_list("organisation_id", "article_id")
    for organisation_id, article_id in links:
        mentions.setdefault(shown_under.get(organisation_id, organisation_id), set()).add(
            article_id
        )
    entries = []
    for pk, also in members.items():
        group = [rows[pk], *also]
        entries.append(
            PublicAlliance(
                alliance=rows[pk],
                short_names=tuple(
                    sorted({n.name for org in group for n in org.names.all()}, key=pinyin_key)
                ),
                also_known_as=tuple(sorted((org.name for org in also), key=pinyin_key)),
                article_count=len(mentions.get(pk, ())),
            )
        )
    return sorted(entries, key=lambda entry: pinyin_key(entry.name))


def shown_alliances(organisations, shown_under: dict[int, int]) -> list[Organisation]:
    """These alliance rows as the public site shows them: each once, under its kept row,
    in pinyin order."""
    wanted = list(dict.fromkeys(shown_under.get(org.pk, org.pk) for org in organisations))
    known = {org.pk: org for org in organisations}
    missing = [pk for pk in wanted if pk not in known]
    known.update(Organisation.objects.in_bulk(missing))
    return sorted((known[pk] for pk in wanted if pk in known), key=lambda a: pinyin_key(a.name))


def sections() -> list[dict]:
    """Section titles used in public issues, with article counts, in first-use order."""
    return list(
        Section.objects.filter(public_issue_filter("issue__"))
        .values("title")
        .annotate(article_count=Count("articles"), latest=Max("issue__year"))
        .order_by("title")
    )


def section_articles(title: str) -> QuerySet[Article]:
    return public_articles().filter(section__title=title)


def sitemap_articles(limit: int = 45_000) -> list[dict]:
    """Article URLs for the sitemap; one file holds at most 50,000 URLs."""
    return list(public_articles().values("pk", "section__issue__updated_at")[:limit])


def feed_issues(limit: int = 30) -> QuerySet[Issue]:
    return issues_with_content().filter(public_issue_filter()).order_by("-year", "-number")[:limit]


# --- search ------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceRef:
    pk: int
    name: str


@dataclass(frozen=True)
class SearchHit:
    article: Article
    alliances: list[AllianceRef]
    title_html: SafeString
    snippet_text: str
    snippet_html: SafeString

    @property
    def issue(self) -> Issue:
        return self.article.section.issue


class SearchResults:
    """Lazy, sliceable search results: Django's Paginator counts and slices them,
    and only the requested page is ranked and loaded."""

    def __init__(self, terms: tuple[str, ...], filters: Filters, count_limit: int | None = None):
        self.terms = terms
        self.filters = filters
        self.count_limit = count_limit

    @cached_property
    def _index(self):
        return index_for(connection)

    def count(self) -> int:
        """The number of matches, or ``count_limit`` when there are more (see is_capped)."""
        if self.is_capped:
            return self.count_limit
        return self._count

    @cached_property
    def _count(self) -> int:
        if not self.terms:
            return 0
        if self.count_limit is None:
            return self._index.count(self.terms, self.filters)
        # Count far enough to choose the same ranking as an exact count would.
        limit = max(self.count_limit, backends.RANK_ALL_LIMIT)
        return self._index.count(self.terms, self.filters, limit=limit)

    @property
    def is_capped(self) -> bool:
        return self.count_limit is not None and self._count > self.count_limit

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop = key.start or 0, key.stop
        if not self.terms or not self._count or (stop is not None and stop <= start):
            return []
        limit = None if stop is None else stop - start
        ids = self._page(start, limit)
        return self._hits([article_id_of(i) for i in ids])

    def article_ids(self) -> list[int]:
        """Every matching article id in rank order, without loading the articles."""
        if not self.terms:
            return []
        return [article_id_of(i) for i in self._page(0, None)]

    def _page(self, offset: int, limit: int | None) -> list[int]:
        if self.is_capped:
            room = max(0, self.count_limit - offset)
            limit = room if limit is None else min(limit, room)
        total = self._count if self._count <= backends.RANK_ALL_LIMIT else sys.maxsize
        return self._index.page(self.terms, self.filters, offset=offset, limit=limit, total=total)

    def _hits(self, article_ids: list[int]) -> list[SearchHit]:
        if not article_ids:
            return []
        # Only the fields a result shows: a page of results is three small queries.
        articles = (
            Article.objects.filter(public_issue_filter("section__issue__"), pk__in=article_ids)
            .select_related("section__issue__series")
            .only(
                "title",
                "section__title",
                "section__issue__series__slug",
                "section__issue__year",
                "section__issue__number",
                "section__issue__running_number",
                "section__issue__date",
            )
            .in_bulk()
        )
        bodies: dict[int, list[str]] = {}
        blocks = Block.objects.filter(article_id__in=article_ids).order_by("article_id", "position")
        for article_id, text in blocks.values_list("article_id", "text"):
            bodies.setdefault(article_id, []).append(text)
        alliances: dict[int, list[AllianceRef]] = {}
        links = (
            Article.alliances.through.objects.filter(article_id__in=article_ids)
            .order_by("organisation__name")
            .values_list("article_id", "organisation_id", "organisation__name")
        )
        for article_id, pk, name in links:
            alliances.setdefault(article_id, []).append(AllianceRef(pk, name))
        for refs in alliances.values():
            refs.sort(key=lambda ref: pinyin_key(ref.name))
        hits = []
        for article_id in article_ids:
            article = articles.get(article_id)
            if article is None:
                continue
            body = snippet("\n".join(bodies.get(article_id, ())), self.terms)
            hits.append(
                SearchHit(
                    article=article,
                    alliances=alliances.get(article_id, []),
                    title_html=highlight(article.title, self.terms),
                    snippet_text=body.text,
                    snippet_html=body.html,
                )
            )
        return hits


def fold_hit_alliances(hits, shown_under: dict[int, int]) -> list[SearchHit]:
    """Results name each alliance once, under the row the public list shows."""
    if not shown_under:
        return list(hits)
    kept_names = dict(
        Organisation.objects.filter(pk__in=set(shown_under.values())).values_list("pk", "name")
    )
    folded = []
    for hit in hits:
        refs = {}
        for ref in hit.alliances:
            pk = shown_under.get(ref.pk, ref.pk)
            refs.setdefault(pk, AllianceRef(pk, kept_names.get(pk, ref.name)))
        refs_in_order = sorted(refs.values(), key=lambda ref: pinyin_key(ref.name))
        folded.append(replace(hit, alliances=refs_in_order))
    return folded


def search_articles(
    query: str,
    *,
    alliance: Organisation | int | None = None,
    also: Iterable[Organisation | int] = (),
    section: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    count_limit: int | None = None,
) -> SearchResults:
    """Public articles whose normalised title or body contains every query term.

    ``alliance`` narrows them to one alliance, with ``also`` the rows shown under
    it (suspected duplicates: one public alliance, its articles under both rows).

    ``count_limit`` stops counting (and paging) after that many matches: an exact
    count of a common word reads its whole posting list, the first page does not.
    """
    rows = (alliance, *also) if alliance is not None else ()
    filters = Filters(
        alliance_ids=tuple(sorted({r.pk if isinstance(r, Organisation) else r for r in rows}))
        or None,
        section_title=section or None,
        year_from=year_from,
        year_to=year_to,
    )
    return SearchResults(parse_query(query), filters, count_limit)
