#!/usr/bin/env python
"""Search benchmark: generated archives, index build, latency per query kind.

    .venv/bin/python bench/search.py                      # SQLite, 100,000 articles
    .venv/bin/python bench/search.py --sizes 10000 100000 1000000
    DATABASE_URL=postgres://… .venv/bin/python bench/search.py --postgres --sizes 100000
    DATABASE_URL=postgres://… .venv/bin/python bench/search.py --both --sizes 100000

Each size runs in a fresh process against a fresh database (a new SQLite file
under --workdir; for --postgres the database in DATABASE_URL is emptied first).
Articles are recombined from the sample bulletin's sentences (see
tests/support/corpus.py).  For every query it measures what a reader
waits for -- the exact total plus the first ranked page of 10 with snippets --
and a brute-force substring scan of the same normalised text, and checks that
both agree on the total (recall and precision 100%).

The build is ``jianbao reindex``'s: ``--jobs`` processes, one writing the
index and the others reading and tokenising the articles (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUERIES = {
    "1 char": ["联", "冶", "鞋", "足"],
    "2 chars": ["联盟", "标准", "会议", "专家", "创新", "装备", "花卉", "论坛", "足球"],
    "3+ chars": ["碳中和", "粉末冶金", "冶金", "理事长单位", "区块链", "第三代半导体"],
    "several words": ["联盟 理事会", "碳中和 专家委员会", "太阳能 发电", "标准 粉末冶金"],
    "phrase, Latin, digits": ['"ISO/IEC JTC 1"', "WAPI", "ＷＡＰＩ", "2022", '"X 大奖"'],
    "misses": ["量子纠缠", "足球 联赛", "zzzz"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--postgres", action="store_true", help="use DATABASE_URL (PostgreSQL)")
    parser.add_argument(
        "--both",
        action="store_true",
        help="SQLite, then PostgreSQL (DATABASE_URL) on the same corpus, with their ratios",
    )
    parser.add_argument("--workdir", default="/tmp/jianbao-bench")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query")
    parser.add_argument("--scan-runs", type=int, default=1, help="timed brute-force scans")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files")
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes for the index build (jianbao reindex --jobs)"
    )
    parser.add_argument(
        "--reuse", metavar="FILE", help="measure queries on a SQLite file a --keep run left"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)), flush=True)
        return
    for size in args.sizes:
        if args.both:
            results = [run_size(args, size, postgres=False), run_size(args, size, postgres=True)]
            compare(*results)
        else:
            run_size(args, size, postgres=args.postgres)


def run_size(args, size: int, *, postgres: bool) -> dict:
    env = dict(os.environ)
    if args.reuse:
        env["DATABASE_URL"] = f"sqlite:///{Path(args.reuse).resolve()}"
    elif not postgres:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        db = Path(args.workdir) / f"bench-{size}.sqlite3"
        for f in Path(args.workdir).glob(f"{db.name}*"):
            f.unlink()
        env["DATABASE_URL"] = f"sqlite:///{db}"
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("--postgres and --both need DATABASE_URL=postgres://…")
    cmd = [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs)]
    cmd += ["--scan-runs", str(args.scan_runs), "--jobs", str(args.jobs)]
    cmd += ["--postgres"] if postgres else []
    cmd += ["--reuse", args.reuse] if args.reuse else []
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    report(result)
    if not postgres and not args.keep and not args.reuse:
        for f in Path(args.workdir).glob(f"bench-{size}.sqlite3*"):
            f.unlink()
    return result


def compare(sqlite: dict, postgres: dict) -> None:
    """PostgreSQL beside SQLite on the same generated corpus, as ratios."""
    print(f"\n== PostgreSQL / SQLite, {sqlite['size']:,} articles, same run ==")
    print(
        f"{'query kind':<24}{'page p95 sqlite':>16}{'pg':>9}{'ratio':>7}"
        f"{'exact p95 sqlite':>18}{'pg':>9}{'ratio':>7}"
    )
    for kind, s in sqlite["kinds"].items():
        p = postgres["kinds"][kind]
        print(
            f"{kind:<24}{s['page_p95']:>14.1f}ms{p['page_p95']:>7.1f}ms"
            f"{p['page_p95'] / s['page_p95']:>6.1f}×"
            f"{s['count_p95']:>16.1f}ms{p['count_p95']:>7.1f}ms"
            f"{p['count_p95'] / max(s['count_p95'], 0.01):>6.1f}×"
        )
    mib = 1024 * 1024
    worst_count = max(k["count_p95"] for k in postgres["kinds"].values())
    print(
        f"worst page p95: sqlite {sqlite['worst_p95']:.1f} ms, "
        f"postgresql {postgres['worst_p95']:.1f} ms; "
        f"worst exact p95: postgresql {worst_count:.1f} ms\n"
        f"index build: sqlite {sqlite['build_s']:.1f} s, postgresql {postgres['build_s']:.1f} s"
        f" ({postgres['build_s'] / sqlite['build_s']:.2f}×); index: sqlite "
        f"{sqlite['index_bytes'] / mib:,.0f} MiB, "
        f"postgresql {postgres['index_bytes'] / mib:,.0f} MiB"
    )


def run_one(args) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    from jianbao.archive.search.index import rebuild
    from jianbao.bulletins.services import store_bulletin
    from jianbao.network.models import Organisation
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from tests.support.corpus import CorpusGenerator, store_corpus

    size = args.one
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache, as a server would use
    if args.reuse:
        return measure(args, connection, size, generate_s=0.0, build_s=0.0)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:  # a fresh database: deleting 10^5 articles is slow
            c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    parsed = parse_bulletin_text((ROOT / "samples" / "2023-01.md").read_text(encoding="utf-8"))
    issue = store_bulletin(parsed).issue
    names = list(
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).values_list("name", flat=True)
    )
    generator = CorpusGenerator(parsed, names, seed=1)
    started = time.perf_counter()
    with tqdm(total=size, unit="篇", desc="生成", file=sys.stderr) as bar:
        store_corpus(issue.series, generator, size, per_issue=25, progress=bar.update)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    with tqdm(total=size + 25, unit="篇", desc="索引", file=sys.stderr) as bar:
        rebuild(progress=bar.update, jobs=args.jobs)
    build_s = time.perf_counter() - started
    return measure(args, connection, size, generate_s=generate_s, build_s=build_s)


def measure(args, connection, size: int, *, generate_s: float, build_s: float) -> dict:
    from jianbao.archive.search.text import parse_query
    from jianbao.archive.selectors import search_articles
    from jianbao.archive.views import SEARCH_RESULT_LIMIT

    chars, index_bytes, db_bytes = sizes(connection)

    kinds = {}
    for kind, queries in QUERIES.items():
        page_ms, count_ms, scan_ms, details = [], [], [], []
        for query in queries:
            search_articles(query, count_limit=SEARCH_RESULT_LIMIT)[:10]  # warm-up
            for _ in range(args.runs):
                # What the search page does: a count capped at 1,000, the first 10 hits.
                t0 = time.perf_counter()
                results = search_articles(query, count_limit=SEARCH_RESULT_LIMIT)
                results.count()
                results[:10]
                t1 = time.perf_counter()
                # What `jianbao search --format json` adds: the exact total.
                total = search_articles(query).count()
                t2 = time.perf_counter()
                page_ms.append((t1 - t0) * 1000)
                count_ms.append((t2 - t1) * 1000)
            scans = []
            for _ in range(args.scan_runs):
                t0 = time.perf_counter()
                scanned = scan_count(connection, parse_query(query))
                scans.append((time.perf_counter() - t0) * 1000)
            scan_ms += scans
            if scanned != total:
                raise SystemExit(f"recall/precision broken for {query!r}: {total} != {scanned}")
            details.append({"query": query, "total": total})
        kinds[kind] = {
            "page_p50": pct(page_ms, 50),
            "page_p95": pct(page_ms, 95),
            "count_p50": pct(count_ms, 50),
            "count_p95": pct(count_ms, 95),
            "scan_p50": pct(scan_ms, 50),
            "queries": details,
        }
    every_page = [v for k in kinds.values() for v in (k["page_p50"], k["page_p95"])]
    return {
        "size": size,
        "vendor": connection.vendor,
        "chars": chars,
        "generate_s": generate_s,
        "build_s": build_s,
        "index_bytes": index_bytes,
        "db_bytes": db_bytes,
        "kinds": kinds,
        "worst_p95": max(every_page),
    }


def sizes(connection) -> tuple[int, int, int]:
    with connection.cursor() as c:
        c.execute("SELECT sum(length(title) + length(body)) FROM archive_searchdocument")
        chars = c.fetchone()[0]
        if connection.vendor == "sqlite":
            c.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'archive_fts%'")
            index_bytes = c.fetchone()[0]
            c.execute("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
            db_bytes = c.fetchone()[0]
        else:
            # The vector partitions with their RUM indexes, and the long-document list.
            c.execute(
                "SELECT (SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i "
                "WHERE i.inhparent = 'archive_searchvector'::regclass) "
                "+ pg_total_relation_size('archive_searchlong'), "
                "pg_database_size(current_database())"
            )
            index_bytes, db_bytes = map(int, c.fetchone())
    return chars, index_bytes, db_bytes


def scan_count(connection, terms) -> int:
    """The brute-force answer: a substring scan of every normalised document."""
    find = "instr({col}, %s) > 0" if connection.vendor == "sqlite" else "strpos({col}, %s) > 0"
    where = " AND ".join(
        f"({find.format(col='title')} OR {find.format(col='body')})" for _ in terms
    )
    params = [t for term in terms for t in (term, term)]
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM archive_searchdocument WHERE {where}", params)
        return c.fetchone()[0]


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


def report(r: dict) -> None:
    mib = 1024 * 1024
    print(
        f"\n== {r['vendor']}, {r['size']:,} articles, {r['chars'] / 1e6:.0f} M characters ==\n"
        f"generate {r['generate_s']:.0f} s; index build {r['build_s']:.1f} s "
        f"{'(reused database)' if not r['build_s'] else ''}; "
        f"index {r['index_bytes'] / mib:,.0f} MiB; database {r['db_bytes'] / mib:,.0f} MiB"
    )
    print(
        "page: capped count + ranked first page of 10 with snippets (the search page);\n"
        "exact count: the full total (what `jianbao search` adds); scan: instr() over all text\n"
    )
    print(
        f"{'query kind':<24}{'page p50':>10}{'page p95':>10}{'exact p50':>11}{'exact p95':>11}"
        f"{'scan p50':>10}{'scan/page':>11}   totals"
    )
    for kind, k in r["kinds"].items():
        totals = " ".join(f"{q['query']}={q['total']}" for q in k["queries"])
        print(
            f"{kind:<24}{k['page_p50']:>8.1f}ms{k['page_p95']:>8.1f}ms{k['count_p50']:>9.1f}ms"
            f"{k['count_p95']:>9.1f}ms{k['scan_p50']:>8.0f}ms"
            f"{k['scan_p50'] / k['page_p50']:>10.0f}×   {totals}"
        )
    print(f"worst p95 of the ranked first page: {r['worst_p95']:.1f} ms; recall 100% (checked)")
    if r["build_s"]:
        scan_s = statistics.median(k["scan_p50"] for k in r["kinds"].values()) / 1000
        print(
            f"index build: {r['build_s']:.0f} s = {r['build_s'] / scan_s:.0f} brute-force scans "
            f"of all the text ({scan_s:.1f} s each, same run)"
        )


if __name__ == "__main__":
    main()
