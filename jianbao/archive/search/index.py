"""Keeping the search index in step with the public issues."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jianbao.archive.models import SearchDocument, SiteVersion
from jianbao.archive.search.backends import index_for
from jianbao.archive.search.text import normalise
from jianbao.bulletins.models import Article, Block, Issue

PUBLIC_STATES = (Issue.State.PUBLISHED,)


def document_id(year: int, day: date | None, article_pk: int) -> int:
    """Newest issue first, then reading order, as one integer."""
    ordinal = (day or date(year, 1, 1)).toordinal()
    return (ordinal << 32) | (0xFFFFFFFF - article_pk)


def article_id_of(document_id: int) -> int:
    return 0xFFFFFFFF - (document_id & 0xFFFFFFFF)


def documents_for(issue_ids: list[int]) -> list[SearchDocument]:
    """The search documents of these issues' articles.  Plain value queries:
    building 10^6 documents through model instances would take most of an hour."""
    issues = {
        pk: (year, day)
        for pk, year, day in Issue.objects.filter(pk__in=issue_ids).values_list(
            "pk", "year", "date"
        )
    }
    bodies: dict[int, list[str]] = {}
    blocks = (
        Block.objects.filter(article__section__issue__in=issue_ids)
        .order_by("article_id", "position")
        .values_list("article_id", "text")
    )
    for article_id, text in blocks.iterator(chunk_size=5000):
        bodies.setdefault(article_id, []).append(text)
    articles = Article.objects.filter(section__issue__in=issue_ids).values_list(
        "pk", "title", "section__title", "section__issue_id"
    )
    docs = []
    for pk, title, section_title, issue_id in articles.iterator(chunk_size=5000):
        year, day = issues[issue_id]
        docs.append(
            SearchDocument(
                id=document_id(year, day, pk),
                article_id=pk,
                issue_id=issue_id,
                year=year,
                section_title=section_title,
                title=normalise(title),
                body=normalise("\n".join(bodies.get(pk, ()))),
            )
        )
    return docs


def _store(docs: list[SearchDocument], index=None) -> None:
    SearchDocument.objects.bulk_create(docs, batch_size=500)
    (index or index_for(connection)).add(docs)


@transaction.atomic
def index_issue(issue: Issue) -> int:
    """Replace the issue's documents; an issue that is not public has none."""
    # Deleting through the ORM sends post_delete, which removes FTS rows.
    SearchDocument.objects.filter(issue_id=issue.pk).delete()
    if issue.state not in PUBLIC_STATES:
        return 0
    docs = documents_for([issue.pk])
    _store(docs)
    return len(docs)


def remove_documents(docs: Iterable[SearchDocument]) -> None:
    index_for(connection).remove(docs)


@transaction.atomic
def rebuild(*, progress: Callable[[int], None] | None = None, issues_per_batch: int = 40) -> int:
    """Throw the whole index away and build it again from the public issues."""
    index = index_for(connection)
    index.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")
    issue_ids = list(
        Issue.objects.filter(state__in=PUBLIC_STATES).order_by("pk").values_list("pk", flat=True)
    )
    done = 0
    with index.bulk_loading():
        for start in range(0, len(issue_ids), issues_per_batch):
            docs = documents_for(issue_ids[start : start + issues_per_batch])
            _store(docs, index)
            done += len(docs)
            if progress:
                progress(len(docs))
    bump_site_version()
    return done


def count_public_articles() -> int:
    return Article.objects.filter(section__issue__state__in=PUBLIC_STATES).count()


def bump_site_version() -> None:
    now = timezone.now()
    if not SiteVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        SiteVersion.objects.create(pk=1, number=1, changed_at=now)
