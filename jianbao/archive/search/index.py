"""Keeping the search index in step with the public issues."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from jianbao.archive.models import SearchDocument, SiteVersion
from jianbao.archive.search.backends import DocumentRow, backend_for, index_for
from jianbao.archive.search.parallel import Helpers
from jianbao.archive.search.text import normalise
from jianbao.bulletins.models import Article, Block, Issue

PUBLIC_STATES = (Issue.State.PUBLISHED,)


def public_issue_filter(path: str = "") -> Q:
    """The issues the public sees, as a filter on a model reached by ``path``
    (``"section__issue__"`` from an article): published, and not an import that
    its series keeps back until an editor has checked it."""
    return Q(**{f"{path}state__in": PUBLIC_STATES}) & ~Q(
        **{f"{path}import_unchecked": True, f"{path}series__imports_public_after_check": True}
    )


def is_public(issue: Issue) -> bool:
    return issue.state in PUBLIC_STATES and not (
        issue.import_unchecked and issue.series.imports_public_after_check
    )


def document_id(year: int, day: date | None, article_pk: int) -> int:
    """Newest issue first, then reading order, as one integer."""
    ordinal = (day or date(year, 1, 1)).toordinal()
    return (ordinal << 32) | (0xFFFFFFFF - article_pk)


def article_id_of(document_id: int) -> int:
    return 0xFFFFFFFF - (document_id & 0xFFFFFFFF)


def documents_for(issue_ids: list[int]) -> list[DocumentRow]:
    """The search documents of these issues' articles, straight from value queries."""
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
        title, body = normalise(title), normalise("\n".join(bodies.get(pk, ())))
        docs.append(
            DocumentRow(document_id(year, day, pk), pk, issue_id, year, section_title, title, body)
        )
    docs.sort()  # by document id: see _public_issue_ids
    return docs


@transaction.atomic
def index_issue(issue: Issue) -> int:
    """Replace the issue's documents; an issue that is not public has none."""
    # Deleting through the ORM sends post_delete, which removes FTS rows.
    SearchDocument.objects.filter(issue_id=issue.pk).delete()
    if not is_public(issue):
        return 0
    docs = documents_for([issue.pk])
    index_for(connection).store(docs)
    return len(docs)


def remove_documents(docs: Iterable[SearchDocument]) -> None:
    index_for(connection).remove(docs)


def rebuild(
    *,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    issues_per_batch: int = 40,
) -> int:
    """Throw the whole index away and build it again from the public issues.

    With ``jobs`` > 1, helper processes read, normalise and tokenise the
    articles while this one writes: on two cores a build takes about half as
    long.  Helpers read what is committed, so inside a transaction (a test,
    a caller's atomic block) the build runs in this process alone.
    """
    if jobs > 1 and not connection.in_atomic_block:
        version = site_version()
        batches = _chunks(_public_issue_ids(), issues_per_batch)
        with Helpers(jobs - 1, connection.settings_dict) as helpers:
            done = _replace_index(
                helpers.prepared(batches), progress, unless_changed_since=version, jobs=jobs
            )
        if done is not None:
            return done
        # Content changed after the helpers started reading: build it all here.
    return _replace_index(_prepared_here(issues_per_batch), progress)


Batch = tuple[list[DocumentRow], list[tuple]]


@transaction.atomic
def _replace_index(
    batches: Iterable[Batch],
    progress: Callable[[int], None] | None,
    *,
    unless_changed_since: int | None = None,
    jobs: int = 1,
) -> int | None:
    index = index_for(connection)
    index.lock()
    # Once locked, no publish can commit before this transaction does; one
    # that committed since the helpers began reading shows in the version.
    if unless_changed_since is not None and site_version() != unless_changed_since:
        return None
    index.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")
    done = 0
    with index.bulk_loading(jobs=jobs):
        for docs, prepared in batches:
            index.store(docs, prepared)
            done += len(docs)
            if progress:
                progress(len(docs))
    bump_site_version()
    return done


def _public_issue_ids() -> list[int]:
    """Public issues in the order of their documents' ids.  FTS5 writes out
    its pending tokens whenever a row id is lower than the one before, so
    rows out of order make thousands of tiny segments to merge."""
    public = Issue.objects.filter(public_issue_filter()).values_list("pk", "year", "date")
    # Articles of one issue have higher primary keys than those of issues created
    # before it, and a higher key makes a lower document id.
    ordered = sorted(public, key=lambda row: (row[2] or date(row[1], 1, 1), -row[0]))
    return [pk for pk, _, _ in ordered]


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def prepared_batch(issue_ids: list[int]) -> Batch:
    """These issues' documents and their index rows, ready for ``store``."""
    docs = documents_for(issue_ids)
    return docs, backend_for(connection.vendor).prepare(docs)


def _prepared_here(issues_per_batch: int) -> Iterator[Batch]:
    for issue_ids in _chunks(_public_issue_ids(), issues_per_batch):
        yield prepared_batch(issue_ids)


def count_public_articles() -> int:
    return Article.objects.filter(public_issue_filter("section__issue__")).count()


def site_version() -> int:
    return SiteVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def bump_site_version() -> None:
    now = timezone.now()
    if not SiteVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        SiteVersion.objects.create(pk=1, number=1, changed_at=now)
