"""Keeping the search index in step with the public issues."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import Prefetch

from jianbao.archive.models import SearchDocument, SiteVersion
from jianbao.archive.search.backends import index_for
from jianbao.archive.search.text import normalise
from jianbao.bulletins.models import Article, Block, Issue

PUBLIC_STATES = (Issue.State.PUBLISHED,)


def document_id(issue: Issue, article_pk: int) -> int:
    """Newest issue first, then reading order, as one integer."""
    day = (issue.date or date(issue.year, 1, 1)).toordinal()
    return (day << 32) | (0xFFFFFFFF - article_pk)


def article_body(article: Article) -> str:
    return "\n".join(block.text for block in article.blocks.all())


def _articles(issues: Iterable[Issue]):
    return (
        Article.objects.filter(section__issue__in=issues)
        .select_related("section__issue")
        .prefetch_related(Prefetch("blocks", queryset=Block.objects.order_by("position")))
        .order_by("section__issue", "section__position", "position")
    )


def documents_for(articles: Iterable[Article]) -> list[SearchDocument]:
    return [
        SearchDocument(
            id=document_id(article.section.issue, article.pk),
            article_id=article.pk,
            issue_id=article.section.issue_id,
            year=article.section.issue.year,
            section_title=article.section.title,
            title=normalise(article.title),
            body=normalise(article_body(article)),
        )
        for article in articles
    ]


def _store(docs: list[SearchDocument]) -> None:
    SearchDocument.objects.bulk_create(docs)
    index_for(connection).add(docs)


@transaction.atomic
def index_issue(issue: Issue) -> int:
    """Replace the issue's documents; an issue that is not public has none."""
    # Deleting through the ORM sends post_delete, which removes FTS rows.
    SearchDocument.objects.filter(issue_id=issue.pk).delete()
    if issue.state not in PUBLIC_STATES:
        return 0
    docs = documents_for(_articles([issue]))
    _store(docs)
    return len(docs)


def remove_documents(docs: Iterable[SearchDocument]) -> None:
    index_for(connection).remove(docs)


@transaction.atomic
def rebuild(*, progress: Callable[[int], None] | None = None, batch_size: int = 2000) -> int:
    """Throw the whole index away and build it again from the public issues."""
    index = index_for(connection)
    index.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")
    issue_ids = list(
        Issue.objects.filter(state__in=PUBLIC_STATES).order_by("pk").values_list("pk", flat=True)
    )
    done, batch = 0, []
    for issue_start in range(0, len(issue_ids), 50):
        issues = issue_ids[issue_start : issue_start + 50]
        for article in _articles(issues).iterator(chunk_size=batch_size):
            batch.append(article)
            if len(batch) >= batch_size:
                done += _flush(batch, progress)
        done += _flush(batch, progress)
    index.optimise()
    bump_site_version()
    return done


def _flush(batch: list[Article], progress) -> int:
    if not batch:
        return 0
    _store(documents_for(batch))
    n = len(batch)
    batch.clear()
    if progress:
        progress(n)
    return n


def count_public_articles() -> int:
    return Article.objects.filter(section__issue__state__in=PUBLIC_STATES).count()


def bump_site_version() -> None:
    from django.db.models import F
    from django.utils import timezone

    now = timezone.now()
    if not SiteVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        SiteVersion.objects.create(pk=1, number=1, changed_at=now)
