#!/usr/bin/env python
"""A candidate PostgreSQL search design, measured beside the current one.

    DATABASE_URL=postgres://… .venv/bin/python bench/search.py --postgres --sizes 100000
    DATABASE_URL=postgres://… .venv/bin/python bench/search_rum.py

The first command leaves a generated archive in the database; this one reads
its normalised documents and builds, in a table of its own, the design that
issue #18 proposes (the server needs Debian's postgresql-15-rum):

* one tsvector per document of every character bigram *with its positions*
  (title first, weight A, then the body after a gap of one position, so no
  phrase spans the two) and each distinct character once (for one-character
  terms), in a RUM index, which keeps the positions in the index;
* a term of three or more characters is a phrase of bigrams that cover it,
  two characters apart (``'理事' <2> '长单' <-> '单位'``): exact, answered by
  the index without reading a row, and with half the posting lists of
  consecutive bigrams.

For each query of bench/search.py it measures the exact total, the capped
count the search page uses (up to 1,001) and the first page of 10 (title
matches first, newest first), checks the total against a substring scan, and
prints the times of the build's three parts.  Documents longer than 16,383
positions, or with a bigram more than 255 times, are counted: tsvector
positions stop there, so such documents would need the substring path.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import QUERIES, pct

ROOT = Path(__file__).resolve().parent.parent
TABLE = "bench_rum_document"
CAP = 1000  # the search page's capped count (views.SEARCH_RESULT_LIMIT)


def lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def term_query(term: str, *, title: bool) -> str:
    weight = ":A" if title else ""
    if len(term) <= 2:
        return lexeme(term) + weight
    starts = list(range(0, len(term) - 1, 2))
    if starts[-1] != len(term) - 2:
        starts.append(len(term) - 2)
    query = lexeme(term[:2]) + weight
    for before, start in itertools.pairwise(starts):
        step = start - before
        join = " <-> " if step == 1 else f" <{step}> "
        query += join + lexeme(term[start : start + 2]) + weight
    return query


def tsquery(terms: tuple[str, ...], *, title: bool = False) -> str:
    return " & ".join(f"({term_query(t, title=title)})" for t in terms)


def build(conn, url: str, rows_per_part: int) -> dict:
    """Partitions of ``rows_per_part`` documents by id range, each loaded with
    COPY FREEZE and given its own RUM index, two at a time, then attached to
    one partitioned table."""
    from concurrent.futures import ThreadPoolExecutor

    from jianbao.archive.search.positional import vectors

    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS rum")
    cur.execute(f"DROP TABLE IF EXISTS {TABLE} CASCADE")
    conn.commit()
    started = time.perf_counter()
    cur.execute("SELECT id, title, body FROM archive_searchdocument ORDER BY id")
    rows = cur.fetchall()
    read_s = time.perf_counter() - started
    python_s = load_s = 0.0
    parts = []
    broken = 0
    for n, first in enumerate(range(0, len(rows), rows_per_part)):
        chunk = rows[first : first + rows_per_part]
        t0 = time.perf_counter()
        made = vectors([(title, body) for _, title, body in chunk])
        python_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        name = f"{TABLE}_{n}"
        low = chunk[0][0] if n else 0
        high = rows[first + rows_per_part][0] if first + rows_per_part < len(rows) else 2**62
        cur.execute(
            f"CREATE TABLE {name} (id bigint NOT NULL, tokens tsvector, "
            f"CHECK (id >= {low} AND id < {high}))"
        )
        with cur.copy(f"COPY {name} (id, tokens) FROM STDIN (FORMAT BINARY, FREEZE)") as copy:
            copy.set_types(["int8", "bytea"])
            for (pk, _, _), blob in zip(chunk, made, strict=True):
                broken += blob is None
                if blob is not None:
                    copy.write_row((pk, blob))
        conn.commit()
        load_s += time.perf_counter() - t0
        parts.append((name, low, high))

    def index(part):
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SET maintenance_work_mem = '512MB'")
            c.execute(
                f"CREATE INDEX {part[0]}_tokens ON {part[0]} USING rum (tokens rum_tsvector_ops)"
            )
            c.execute(f"ANALYZE {part[0]}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(index, parts))
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cur.execute(
        f"CREATE TABLE {TABLE} (id bigint NOT NULL, tokens tsvector) PARTITION BY RANGE (id)"
    )
    for name, low, high in parts:
        cur.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})"
        )
    conn.commit()
    attach_s = time.perf_counter() - t0
    cur.execute(
        "SELECT sum(pg_relation_size(indexrelid)) FROM pg_index "
        f"WHERE indrelid::regclass::text LIKE '{TABLE}_%'"
    )
    return {
        "documents": len(rows),
        "parts": len(parts),
        "read_s": read_s,
        "python_s": python_s,
        "load_s": load_s,
        "index_s": index_s,
        "attach_s": attach_s,
        "index_bytes": cur.fetchone()[0],
        "not_whole": broken,
    }


def reused(conn) -> dict:
    (documents, not_whole, index_bytes) = conn.execute(
        "SELECT count(*), 0, "
        "(SELECT sum(pg_relation_size(indexrelid)) FROM pg_index "
        f"WHERE indrelid::regclass::text LIKE '{TABLE}_%') FROM {TABLE}"
    ).fetchone()
    return {
        "documents": documents,
        "python_s": 0.0,
        "load_s": 0.0,
        "index_s": 0.0,
        "index_bytes": index_bytes,
        "not_whole": not_whole,
    }


def timed(cur, sql: str, params: list, runs: int) -> tuple[list, list[float]]:
    times = []
    for run in range(runs + 1):  # the first run warms the caches
        t0 = time.perf_counter()
        cur.execute(sql, params)
        rows = cur.fetchall()
        if run:
            times.append((time.perf_counter() - t0) * 1000)
    return rows, times


def first_page(cur, page_sql: str, everywhere: str, in_title: str) -> float:
    t0 = time.perf_counter()
    cur.execute(page_sql, [in_title, 10])
    ids = [row[0] for row in cur.fetchall()]
    if len(ids) < 10:
        cur.execute(page_sql, [everywhere, 20])
        ids += [pk for (pk,) in cur.fetchall() if pk not in ids][: 10 - len(ids)]
    return (time.perf_counter() - t0) * 1000


def measure(conn, runs: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from jianbao.archive.search.text import parse_query

    cur = conn.cursor()
    # The bitmap of the RUM index, as the current design uses GIN's: RUM's own
    # index scan gathers every match before it returns the first.
    cur.execute("SET work_mem = '64MB'")
    cur.execute("SET enable_seqscan = off")
    cur.execute("SET enable_indexscan = off")
    count_sql = f"SELECT count(*) FROM {TABLE} WHERE tokens @@ %s::tsquery"
    capped_sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE tokens @@ %s::tsquery "
        f"LIMIT {CAP + 1}) AS capped"
    )
    # Title matches first, newest first: the newest 10 of the title query, and
    # if they are fewer, the newest of all matches less those.  Sorting all
    # matches by "in the title" would read every match's vector from the heap.
    page_sql = f"SELECT id FROM {TABLE} WHERE tokens @@ %s::tsquery ORDER BY id DESC LIMIT %s"
    scan_sql = "SELECT count(*) FROM archive_searchdocument WHERE {}"
    kinds = {}
    for kind, queries in QUERIES.items():
        exact, capped, page, totals = [], [], [], []
        for query in queries:
            terms = parse_query(query)
            everywhere, in_title = tsquery(terms), tsquery(terms, title=True)
            (total,), times = timed(cur, count_sql, [everywhere], runs)
            exact += times
            capped_times = timed(cur, capped_sql, [everywhere], runs)[1]
            page_times = [first_page(cur, page_sql, everywhere, in_title) for _ in range(runs)]
            # What the search page waits for: the capped count and the first page.
            capped += capped_times
            page += [a + b for a, b in zip(capped_times, page_times, strict=True)]
            where = " AND ".join(["(strpos(title, %s) > 0 OR strpos(body, %s) > 0)"] * len(terms))
            cur.execute(scan_sql.format(where), [t for term in terms for t in (term, term)])
            scanned = cur.fetchone()[0]
            if scanned != total[0]:
                raise SystemExit(f"recall/precision broken for {query!r}: {total[0]} != {scanned}")
            totals.append(f"{query}={total[0]}")
        kinds[kind] = {
            "exact_p95": pct(exact, 95),
            "capped_p95": pct(capped, 95),
            "page_p50": pct(page, 50),
            "page_p95": pct(page, 95),
            "totals": " ".join(totals),
        }
    return kinds


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench/search_rum.py: DATABASE_URL must name a PostgreSQL database")
    runs = int(os.environ.get("RUNS", "5"))
    keep = os.environ.get("KEEP")  # KEEP=1: leave the table, and measure a kept one again
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [TABLE]).fetchone()[0]
        rows_per_part = int(os.environ.get("PART_ROWS", "8192"))
        built = reused(conn) if keep and exists else build(conn, url, rows_per_part)
        kinds = measure(conn, runs)
        if not keep:
            conn.execute(f"DROP TABLE {TABLE} CASCADE")
        conn.commit()
    mib = 1024 * 1024
    print(
        f"\n== RUM, positional bigrams, {built['documents']:,} documents ==\n"
        f"build: read {built.get('read_s', 0):.1f} s, vectors {built['python_s']:.1f} s, "
        f"COPY {built['load_s']:.1f} s, RUM indexes of {built.get('parts', 1)} partitions "
        f"{built['index_s']:.1f} s, attach {built.get('attach_s', 0):.1f} s; "
        f"index {built['index_bytes'] / mib:,.0f} MiB; "
        f"documents past the positions' limits: {built['not_whole']}\n"
    )
    head = f"{'exact p95':>11}{'capped p95':>12}{'page p50':>10}{'page p95':>10}"
    print(f"{'query kind':<24}{head}   totals")
    for kind, k in kinds.items():
        print(
            f"{kind:<24}{k['exact_p95']:>9.1f}ms{k['capped_p95']:>10.1f}ms"
            f"{k['page_p50']:>8.1f}ms{k['page_p95']:>8.1f}ms   {k['totals']}"
        )
    print("recall 100% (every total checked against a substring scan)")


if __name__ == "__main__":
    main()
