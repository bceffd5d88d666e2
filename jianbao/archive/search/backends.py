"""The full-text index on SQLite (FTS5) and PostgreSQL (tsvector), one design.

Both index the characters and character bigrams of the normalised title and
body (``text.character_tokens`` and ``text.bigram_tokens``) and answer the
same question: which documents contain every term as a substring of the
title or the body.

* SQLite: each term is a phrase of its bigrams (or its one unigram) in the
  title or body columns.  Consecutive positions make the phrase exact, so
  counts and pages come straight from the index.  Ranking is ``bm25()`` with
  the title weighted above the body, but only when there are few enough
  matches; ranking every match of 联盟 costs a sort of the whole archive, so
  broad queries put title matches first and walk the rest newest first,
  which the row id order gives for free.  The tokens are the characters
  themselves; the ``ascii`` tokenizer keeps every non-ASCII character and is
  told that ASCII punctuation and the space are token characters too (see
  migration 0004), so only the line feed separates tokens.
* PostgreSQL (``postgres``): positional bigram vectors in RUM indexes, a
  term being a phrase of its bigrams, answered by the index exactly.  Results
  are title matches first, then newest first, whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from jianbao.archive.search.text import (
    TOKEN_SEPARATOR,
    bigram_tokens,
    character_tokens,
    term_tokens,
)

# bm25() weights of the columns tu, tb, bu, bb: a title match counts eight body matches.
TITLE_WEIGHT = 8.0
# Above this many matches SQLite stops ranking every match with bm25().
RANK_ALL_LIMIT = 1000
# FTS5's pending-token hash during a rebuild (default 1 MiB): fewer, larger
# segments to merge.  It is memory for the length of the rebuild only.
BULK_HASH_BYTES = 1024 * 1024 * 1024


class Document(Protocol):
    id: int
    title: str
    body: str


class DocumentRow(NamedTuple):
    """A row of archive_searchdocument, fields in column order.  A bulk build
    inserts these directly: 10^6 model instances would cost minutes."""

    id: int
    article_id: int
    issue_id: int
    year: int
    section_title: str
    title: str
    body: str


_COLUMNS = ", ".join(DocumentRow._fields)
_PARAMETERS = ", ".join(["%s"] * len(DocumentRow._fields))


@dataclass(frozen=True)
class Filters:
    # The registry rows of one public alliance: the kept row and those shown under it.
    alliance_ids: tuple[int, ...] | None = None
    section_title: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def sql(self, alliance_table: str) -> tuple[list[str], list]:
        """Conditions on the document table ``d``."""
        where, params = [], []
        if self.alliance_ids is not None:
            marks = ", ".join(["%s"] * len(self.alliance_ids))
            where.append(
                f"d.article_id IN (SELECT article_id FROM {alliance_table} "
                f"WHERE organisation_id IN ({marks}))"
            )
            params += list(self.alliance_ids)
        if self.section_title is not None:
            where.append("d.section_title = %s")
            params.append(self.section_title)
        if self.year_from is not None:
            where.append("d.year >= %s")
            params.append(self.year_from)
        if self.year_to is not None:
            where.append("d.year <= %s")
            params.append(self.year_to)
        return where, params

    def __bool__(self) -> bool:
        return any(v is not None for v in vars(self).values())


class SqliteIndex:
    def __init__(self, cursor, alliance_table: str):
        self.cursor = cursor
        self.alliance_table = alliance_table

    # -- writes
    @staticmethod
    def prepare(docs: Iterable[Document]) -> list[tuple]:
        """The index rows of ``docs``; pure, so another process can make them."""
        return [_sqlite_row(d) for d in docs]

    def store(self, docs: list[DocumentRow], prepared: list[tuple] | None = None) -> None:
        """Insert the documents and their index rows."""
        self.cursor.executemany(
            f"INSERT INTO archive_searchdocument ({_COLUMNS}) VALUES ({_PARAMETERS})", docs
        )
        self.cursor.executemany(
            "INSERT INTO archive_fts(rowid, tu, tb, bu, bb) VALUES (%s, %s, %s, %s, %s)",
            self.prepare(docs) if prepared is None else prepared,
        )

    def remove(self, docs: Iterable[Document]) -> None:
        # A contentless table forgets a row only when told its exact tokens again.
        self.cursor.executemany(
            "INSERT INTO archive_fts(archive_fts, rowid, tu, tb, bu, bb) "
            "VALUES ('delete', %s, %s, %s, %s, %s)",
            self.prepare(docs),
        )

    def clear(self) -> None:
        self.cursor.execute("INSERT INTO archive_fts(archive_fts) VALUES ('delete-all')")

    def lock(self) -> None:
        """Nothing to do: SQLite transactions here begin IMMEDIATE, holding the
        one write lock."""

    @contextmanager
    def bulk_loading(self, *, jobs: int = 1):
        """Collect pending tokens in a large hash and write a few large
        segments, with no merging along the load.  Merging them into one
        ('optimize') would add a fifth to a rebuild of 10^6 articles and
        measured no faster: worst first-page p95 19 ms with 8 segments, 17 ms
        with one.  Later writes merge them bit by bit (automerge)."""
        self.cursor.execute("PRAGMA cache_size")
        cache_size = self.cursor.fetchone()[0]
        # The document table's indexes take random inserts: give them 256 MiB of pages.
        self.cursor.execute("PRAGMA cache_size=-262144")
        self._configure(automerge=0, hashsize=BULK_HASH_BYTES)
        yield
        self._configure(automerge=4, hashsize=1024 * 1024)  # FTS5's defaults
        self.cursor.execute(f"PRAGMA cache_size={int(cache_size)}")

    def _configure(self, **options: int) -> None:
        for name, value in options.items():
            self.cursor.execute(
                "INSERT INTO archive_fts(archive_fts, rank) VALUES (%s, %s)", [name, value]
            )

    # -- reads
    def count(self, terms: tuple[str, ...], filters: Filters, *, limit: int | None = None) -> int:
        """How many documents match; with ``limit``, counting stops at limit + 1."""
        return self.count_expression(_match(terms), filters, limit=limit)

    def page(
        self,
        terms: tuple[str, ...],
        filters: Filters,
        *,
        offset: int,
        limit: int | None,
        total: int | None = None,
    ) -> list[int]:
        everywhere = _match(terms)
        if total is None:
            total = self.count(terms, filters)
        if total <= RANK_ALL_LIMIT:
            return self._ids(everywhere, filters, offset, limit, ranked=True)
        # Broad query: title matches (newest first), then body-only matches (newest first).
        in_title = _match(terms, title_only=True)
        ids = self._ids(in_title, filters, offset, limit, ranked=False)
        if limit is not None and len(ids) == limit:
            return ids
        # The title tier ran out on this page; where it ended tells the body tier's offset.
        title_total = offset + len(ids) if ids else self.count_expression(in_title, filters)
        rest = None if limit is None else limit - len(ids)
        ids += self._ids(
            f"({everywhere}) NOT ({in_title})",
            filters,
            max(0, offset - title_total),
            rest,
            ranked=False,
        )
        return ids

    def count_expression(
        self, expression: str, filters: Filters, *, limit: int | None = None
    ) -> int:
        if limit is None:
            sql, params = self._select("count(*)", expression, filters)
        else:
            sql, params = self._select("1", expression, filters)
            sql, params = f"SELECT count(*) FROM ({sql} LIMIT %s)", [*params, limit + 1]
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()[0]

    def _ids(self, expression, filters, offset, limit, *, ranked: bool) -> list[int]:
        order = "archive_fts.rowid DESC"
        if ranked:
            w = TITLE_WEIGHT
            order = f"bm25(archive_fts, {w}, {w}, 1.0, 1.0), {order}"
        sql, params = self._select("archive_fts.rowid", expression, filters)
        sql += f" ORDER BY {order} LIMIT %s OFFSET %s"
        self.cursor.execute(sql, [*params, -1 if limit is None else limit, offset])
        return [row[0] for row in self.cursor.fetchall()]

    def _select(self, what: str, expression: str, filters: Filters) -> tuple[str, list]:
        where, params = filters.sql(self.alliance_table)
        join = " JOIN archive_searchdocument d ON d.id = archive_fts.rowid" if filters else ""
        sql = f"SELECT {what} FROM archive_fts{join} WHERE archive_fts MATCH %s"
        return " AND ".join([sql, *where]), [expression, *params]


def _sqlite_row(doc: Document) -> tuple:
    return (
        doc.id,
        character_tokens(doc.title),
        bigram_tokens(doc.title),
        character_tokens(doc.body),
        bigram_tokens(doc.body),
    )


def _match(terms: tuple[str, ...], *, title_only: bool = False) -> str:
    """An FTS5 expression: each term as a phrase in the title or body columns."""
    parts = []
    for term in terms:
        columns = ("tu", "bu") if len(term) == 1 else ("tb", "bb")
        if title_only:
            columns = columns[:1]
        phrase = TOKEN_SEPARATOR.join(term_tokens(term)).replace('"', '""')
        parts.append(f'{{{" ".join(columns)}}} : "{phrase}"')
    return " AND ".join(parts)


def backend_for(vendor: str) -> type:
    if vendor == "postgresql":
        from jianbao.archive.search.postgres import PostgresIndex

        return PostgresIndex
    return {"sqlite": SqliteIndex}[vendor]


def index_for(connection):
    from jianbao.bulletins.models import Article

    alliance_table = Article.alliances.through._meta.db_table
    return backend_for(connection.vendor)(connection.cursor(), alliance_table)
