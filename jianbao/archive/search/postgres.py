"""The full-text index on PostgreSQL: positional bigrams in RUM indexes,
partitioned by document id.

* ``archive_searchvector`` holds one tsvector per document (see
  ``positional``): every bigram with its positions, each character once, and
  the title's bigrams and characters again, marked.  Its RUM indexes keep
  the positions, so a term is a phrase of bigrams (``'理事' <2> '长单' <->
  '单位'``) answered by the index alone, exactly: counts never read a row or
  the text.
* The table is partitioned by document id, newest last, ``PARTITION_ROWS``
  documents to a partition.  A bitmap gathers every match of its partition
  before it returns one, so a count capped at 1,001 stops after the first
  partitions, and "newest first" reads the newest partition first.
* A document past tsvector's limits (a position past 16,383, a bigram more
  than 256 times) has no vector; ``archive_searchlong`` lists it, and its
  text is matched with ``strpos``.
* A rebuild writes new partitions beside the live ones, each loaded with
  COPY FREEZE and indexed, two at a time, in connections of their own, and
  swaps them in when it commits: readers search the old index until then.

Results are title matches first, then the rest, each newest first.
"""

from __future__ import annotations

import bisect
import itertools
import secrets
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction

from jianbao.archive.search import positional
from jianbao.archive.search.backends import (
    _COLUMNS,
    RANK_ALL_LIMIT,
    Document,
    DocumentRow,
    Filters,
)

VECTORS = "archive_searchvector"
LONG = "archive_searchlong"
# Documents per partition: a bitmap of a common bigram over 8,192 documents
# takes about 2 ms, and 100,000 documents make 13 partitions.
PARTITION_ROWS = 8192
# Memory for each RUM index build; two run at once.
INDEX_BUILD_MEMORY = "64MB"  # measured faster than 256 MB or 512 MB


def partition_rows() -> int:
    return max(1, getattr(settings, "SEARCH_PARTITION_ROWS", PARTITION_ROWS))


def create_vector_table(cursor, name: str) -> None:
    """A partitioned vector table.  Its indexes belong to each partition alone
    (``index_partition``), not to the parent: pg_restore --clean cannot drop a
    partition's inherited primary key (jianbao restore)."""
    cursor.execute(
        f"CREATE TABLE {name} (id bigint NOT NULL, tokens tsvector NOT NULL) "
        "PARTITION BY RANGE (id)"
    )


def create_partition_table(cursor, name: str) -> None:
    # A partition is loaded frozen, so a vacuum for its inserts finds nothing
    # to do but read the whole RUM index; deletes still bring autovacuum.
    cursor.execute(
        f"CREATE TABLE {name} (id bigint NOT NULL, tokens tsvector NOT NULL) "
        "WITH (autovacuum_vacuum_insert_threshold = -1)"
    )
    # Out of line and uncompressed: nothing reads the vectors but an index
    # build, and pglz would spend half the COPY trying to compress them.
    cursor.execute(f"ALTER TABLE {name} ALTER COLUMN tokens SET STORAGE EXTERNAL")
    # No statistics of the vectors (queries use the index whatever they say):
    # gathering them reads thousands of vectors at every analyse.
    cursor.execute(f"ALTER TABLE {name} ALTER COLUMN tokens SET STATISTICS 0")


def index_partition(cursor, name: str) -> None:
    cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
    # Unique in its partition is unique in all: the partitions' ranges are disjoint.
    cursor.execute(f"CREATE UNIQUE INDEX {name}_id ON {name} (id)")
    cursor.execute(f"CREATE INDEX {name}_tokens ON {name} USING rum (tokens rum_tsvector_ops)")
    cursor.execute(f"ANALYZE {name}")


def copy_vectors(cursor, table: str, rows: Iterable[tuple[int, bytes]], *, freeze=False) -> None:
    """COPY (id, binary tsvector) rows: the server reads the vectors as they
    are, with no text to parse."""
    options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
    with cursor.copy(f"COPY {table} (id, tokens) FROM STDIN ({options})") as copy:
        copy.set_types(["int8", "bytea"])
        for row in rows:
            copy.write_row(row)


class PostgresIndex:
    def __init__(self, cursor, alliance_table: str):
        self.cursor = cursor
        self.alliance_table = alliance_table
        self._shadow: _Shadow | None = None

    # -- writes
    @staticmethod
    def prepare(docs: Iterable[Document]) -> list[bytes | None]:
        """Each document's binary tsvector, None past tsvector's limits; pure,
        so a helper process can make them."""
        return positional.vectors([(d.title, d.body) for d in docs])

    def store(self, docs: list[DocumentRow], prepared: list[bytes | None] | None = None) -> None:
        vectors = self.prepare(docs) if prepared is None else prepared
        with self.cursor.copy(f"COPY archive_searchdocument ({_COLUMNS}) FROM STDIN") as copy:
            for doc in docs:
                copy.write_row(doc)
        rows = [(d.id, v) for d, v in zip(docs, vectors, strict=True) if v is not None]
        if self._shadow is not None:
            self._shadow.add(rows)
        else:
            copy_vectors(self.cursor, VECTORS, rows)
        long = [(d.id,) for d, v in zip(docs, vectors, strict=True) if v is None]
        if long:
            self.cursor.executemany(f"INSERT INTO {LONG} (id) VALUES (%s)", long)

    def remove(self, docs: Iterable[Document]) -> None:
        ids = [d.id for d in docs]
        self.cursor.execute(f"DELETE FROM {VECTORS} WHERE id = ANY(%s)", [ids])
        self.cursor.execute(f"DELETE FROM {LONG} WHERE id = ANY(%s)", [ids])

    def clear(self) -> None:
        """Forget every vector.  Not TRUNCATE: its ACCESS EXCLUSIVE lock would
        stop every search until a rebuild commits; a DELETE lets readers use
        the old rows meanwhile."""
        self.cursor.execute(f"DELETE FROM {VECTORS}")
        self.cursor.execute(f"DELETE FROM {LONG}")

    def lock(self) -> None:
        """Hold back other writers of the index (a publish) until the rebuild
        commits; EXCLUSIVE mode still lets readers in."""
        self.cursor.execute("LOCK TABLE archive_searchdocument IN EXCLUSIVE MODE")

    @contextmanager
    def bulk_loading(self, *, jobs: int = 1):
        """Vectors go to new partitions, swapped in at the end.  With ``jobs`` > 1
        (and no caller's transaction around the rebuild) they are loaded and
        indexed in connections of their own, indexes built while later
        partitions load; otherwise all of it happens in this transaction."""
        shadow = _Shadow(self.cursor, parallel=jobs > 1)
        self._shadow = shadow
        try:
            yield
            shadow.finish()
        except BaseException:
            shadow.abandon()
            raise
        finally:
            self._shadow = None
        shadow.swap_in(self.cursor)
        self.cursor.execute("ANALYZE archive_searchdocument")

    # -- reads
    def count(self, terms: tuple[str, ...], filters: Filters, *, limit: int | None = None) -> int:
        sql, params = self._select("1", _tsquery(terms), filters)
        if limit is not None:
            sql, params = f"{sql} LIMIT %s", [*params, limit + 1]
        indexed = self._with_index(f"SELECT count(*) FROM ({sql}) AS matches", params)[0][0]
        total = indexed + len(self._long_matches(terms, filters))
        return total if limit is None else min(total, limit + 1)

    def page(
        self,
        terms: tuple[str, ...],
        filters: Filters,
        *,
        offset: int,
        limit: int | None,
        total: int | None = None,
    ) -> list[int]:
        """Title matches, then the rest, each newest first."""
        want = None if limit is None else offset + limit
        long = self._long_matches(terms, filters)
        everywhere, in_title = _tsquery(terms), _tsquery(terms, title=True)
        title_total = self.count_expression(in_title, filters, limit=RANK_ALL_LIMIT)
        titles = _newest_of(
            self._newest(in_title, filters, want, few=title_total <= RANK_ALL_LIMIT),
            [pk for pk, title in long if title],
            want,
        )
        if want is not None and len(titles) >= want:
            return titles[offset:want]
        rest = None if want is None else want - len(titles)
        if total is None:
            total = self.count(terms, filters, limit=RANK_ALL_LIMIT)
        others = _newest_of(
            self._newest(everywhere, filters, rest, few=total <= RANK_ALL_LIMIT, besides=in_title),
            [pk for pk, title in long if not title],
            rest,
        )
        return (titles + others)[offset:want]

    def count_expression(self, query: str, filters: Filters, *, limit: int) -> int:
        """Index matches of a tsquery, up to limit + 1."""
        sql, params = self._select("1", query, filters)
        sql = f"SELECT count(*) FROM ({sql} LIMIT %s) AS matches"
        return self._with_index(sql, [*params, limit + 1])[0][0]

    def _newest(
        self,
        query: str,
        filters: Filters,
        limit: int | None,
        *,
        few: bool,
        besides: str | None = None,
    ) -> list[int]:
        """The ids of the newest ``limit`` index matches of ``query`` (that are
        not matches of ``besides``), newest first.  Few matches are sorted in one
        query; many are read partition by partition, newest first, since a
        sort over the whole table would gather every match first."""

        def besides_in(table: str) -> tuple[list[str], list]:
            if besides is None:
                return [], []
            # A hashed subplan on ids: testing the vectors row by row would read them.
            return [f"v.id NOT IN (SELECT id FROM {table} WHERE tokens @@ %s::tsquery)"], [besides]

        if few or limit is None:
            where, params = besides_in(VECTORS)
            sql, sql_params = self._select("v.id", query, filters, where=where)
            sql += " ORDER BY v.id DESC LIMIT %s"
            return [pk for (pk,) in self._with_index(sql, [*sql_params, *params, limit])]
        ids: list[int] = []
        for partition in self._partitions():
            where, params = besides_in(partition)
            sql, sql_params = self._select("v.id", query, filters, table=partition, where=where)
            sql += " ORDER BY v.id DESC LIMIT %s"
            rows = self._with_index(sql, [*sql_params, *params, limit - len(ids)])
            ids += [pk for (pk,) in rows]
            if len(ids) >= limit:
                break
        return ids

    def _partitions(self) -> list[str]:
        """The live table's partitions, newest first (their names are numbered
        in id order)."""
        self.cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname DESC",
            [VECTORS],
        )
        return [name for (name,) in self.cursor.fetchall()]

    def _long_matches(self, terms: tuple[str, ...], filters: Filters) -> list[tuple[int, bool]]:
        """(id, in the title) of each matching document that has no vector."""
        where, params = [], []
        for term in terms:
            where.append("(strpos(d.title, %s) > 0 OR strpos(d.body, %s) > 0)")
            params += [term, term]
        more, more_params = filters.sql(self.alliance_table)
        in_title = " AND ".join(["strpos(d.title, %s) > 0"] * len(terms))
        self.cursor.execute(
            f"SELECT d.id, {in_title} FROM {LONG} l "
            "JOIN archive_searchdocument d ON d.id = l.id WHERE " + " AND ".join(where + more),
            [*terms, *params, *more_params],
        )
        return self.cursor.fetchall()

    def _with_index(self, sql: str, params: list) -> list[tuple]:
        """Run ``sql`` on the RUM indexes' bitmaps.  The planner cannot tell a
        common bigram from a rare one in a tsquery and may read the table (and
        every vector) instead.  SET LOCAL, in a transaction: the settings cannot
        outlive the query, even through a pooler such as pgbouncer."""
        with transaction.atomic():
            self.cursor.execute(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
                "SET LOCAL max_parallel_workers_per_gather = 0"
            )
            self.cursor.execute(sql, params)
            rows = self.cursor.fetchall()
            self.cursor.execute(
                "RESET enable_seqscan; RESET enable_indexscan; "
                "RESET max_parallel_workers_per_gather"
            )
            return rows

    def _select(
        self,
        what: str,
        query: str,
        filters: Filters,
        *,
        table: str = VECTORS,
        where: list[str] | None = None,
    ) -> tuple[str, list]:
        conditions, params = ["v.tokens @@ %s::tsquery"], [query]
        if filters:
            more, more_params = filters.sql(self.alliance_table)
            conditions.append(
                "v.id IN (SELECT d.id FROM archive_searchdocument d WHERE "
                + " AND ".join(more)
                + ")"
            )
            params += more_params
        conditions += where or []
        return f"SELECT {what} FROM {table} v WHERE " + " AND ".join(conditions), params


def _newest_of(ids: list[int], more: list[int], limit: int | None) -> list[int]:
    if not more:
        return ids
    return sorted({*ids, *more}, reverse=True)[:limit]


# --- queries -----------------------------------------------------------------


def _lexeme(token: str) -> str:
    """A quoted lexeme of a tsquery literal; tokens hold spaces and quotes."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def term_query(term: str, *, title: bool = False) -> str:
    """A term as a tsquery: one character is its unigram; a longer term is a
    phrase of the bigrams that cover it, two characters apart (the last one
    apart where the length is odd): half the posting lists of every bigram.
    In the title: the same of the title's marked lexemes."""
    mark = positional.TITLE_MARK if title else ""
    if len(term) <= 2:
        return _lexeme(mark + term)
    starts = list(range(0, len(term) - 1, 2))
    if starts[-1] != len(term) - 2:
        starts.append(len(term) - 2)
    query = _lexeme(mark + term[:2])
    for before, start in itertools.pairwise(starts):
        step = start - before
        query += (" <-> " if step == 1 else f" <{step}> ") + _lexeme(mark + term[start : start + 2])
    return query


def _tsquery(terms: tuple[str, ...], *, title: bool = False) -> str:
    return " & ".join(f"({term_query(t, title=title)})" for t in terms)


# --- the rebuild's new partitions ---------------------------------------------


class _Shadow:
    """New vector partitions, filled in document id order and swapped in for
    the live table at the end of a rebuild."""

    def __init__(self, cursor, *, parallel: bool):
        self.generation = secrets.token_hex(4)
        self.table = f"{VECTORS}_{self.generation}"
        self.target = partition_rows()
        self.parallel = parallel
        self.partitions: list[tuple[str, int | None]] = []  # name, lowest id
        self.rows_in_open = 0
        self.futures: list[Future] = []
        if parallel:
            self.loader = _new_connection()
            self.cursor = self.loader.cursor()
            self.pool = ThreadPoolExecutor(2)
        else:
            self.loader = None
            self.cursor = cursor
        self._drop_leftovers()
        create_vector_table(self.cursor, self.table)
        self._commit()

    def add(self, rows: list[tuple[int, bytes]]) -> None:
        for row in sorted(rows):
            if self.partitions and row[0] < (self.partitions[-1][1] or 0):
                self._late(row)
                continue
            if not self.partitions or self.rows_in_open >= self.target:
                self._open(row[0])
            self._pending.append(row)
            self.rows_in_open += 1
        self._flush()

    def _open(self, low: int) -> None:
        self._flush()
        if self.partitions:
            self._close()
        name = f"{self.table}_{len(self.partitions):05d}"
        create_partition_table(self.cursor, name)
        self.partitions.append((name, low if self.partitions else None))
        self.rows_in_open = 0
        self._pending: list[tuple[int, bytes]] = []

    def _flush(self) -> None:
        if self.partitions and self._pending:
            copy_vectors(self.cursor, self.partitions[-1][0], self._pending, freeze=self.parallel)
            self._pending = []

    def _late(self, row: tuple[int, bytes]) -> None:
        """A row below the open partition (documents came out of id order):
        it goes to the partition that its id falls in, indexed or not."""
        self._flush()
        lows = [low or 0 for _, low in self.partitions]
        name = self.partitions[bisect.bisect_right(lows, row[0]) - 1][0]
        copy_vectors(self.cursor, name, [row])

    def _close(self) -> None:
        """Commit the open partition and index it, beside the next one's load."""
        self._commit()
        name = self.partitions[-1][0]
        if self.parallel:
            self.futures.append(self.pool.submit(_index_in_own_connection, name))
        else:
            index_partition(self.cursor, name)

    def finish(self) -> None:
        self._flush()
        if not self.partitions:
            self._open(0)
        self._close()
        for future in self.futures:
            future.result()
        bounds = [low for _, low in self.partitions[1:]] + [None]
        for (name, low), high in zip(self.partitions, bounds, strict=True):
            start = "MINVALUE" if low is None else str(low)
            end = "MAXVALUE" if high is None else str(high)
            self.cursor.execute(
                f"ALTER TABLE {self.table} ATTACH PARTITION {name} "
                f"FOR VALUES FROM ({start}) TO ({end})"
            )
        self._commit()
        self._close_connections()

    def swap_in(self, cursor) -> None:
        """Readers waiting on the live table's lock resolve its name again once
        this commits, and find the new one."""
        old = f"{VECTORS}_old_{self.generation}"
        cursor.execute(f"ALTER TABLE {VECTORS} RENAME TO {old}")
        cursor.execute(f"ALTER TABLE {self.table} RENAME TO {VECTORS}")
        cursor.execute(f"DROP TABLE {old}")

    def abandon(self) -> None:
        if self.parallel:
            self.pool.shutdown(cancel_futures=True)
            self.loader.rollback()
            self.cursor.execute(
                f"DROP TABLE IF EXISTS {', '.join([self.table, *(n for n, _ in self.partitions)])}"
            )
            self.loader.commit()
        self._close_connections()

    def _drop_leftovers(self) -> None:
        """Partitions of a rebuild that died before its end."""
        self.cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p') "
            "AND c.relname LIKE %s AND c.relname <> %s AND NOT c.relispartition",
            [f"{VECTORS}\\_%", VECTORS],
        )
        for (name,) in self.cursor.fetchall():
            self.cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def _commit(self) -> None:
        if self.parallel:
            self.loader.commit()

    def _close_connections(self) -> None:
        if self.parallel:
            self.pool.shutdown()
            self.loader.close()
            self.parallel = False


def _new_connection():
    """A psycopg connection to the database of Django's default connection (under
    test, the test database)."""
    wrapper = default_connection
    return wrapper.get_new_connection(wrapper.get_connection_params())


def _index_in_own_connection(name: str) -> None:
    conn = _new_connection()
    try:
        conn.autocommit = True
        index_partition(conn.cursor(), name)
    finally:
        conn.close()
