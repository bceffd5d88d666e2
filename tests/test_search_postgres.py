"""PostgreSQL's index (jianbao.archive.search.postgres): the binary vectors as
the server reads them, the partitions a rebuild makes, and the swap.  What
search finds is held to the substring scan in test_search.py, on both
databases; this module checks what only PostgreSQL has."""

from collections import defaultdict

import psycopg
import pytest
from django.db import connection

from jianbao.archive.models import SearchDocument
from jianbao.archive.search import backends
from jianbao.archive.search import postgres as pg
from jianbao.archive.search.index import rebuild
from jianbao.archive.search.positional import vectors
from jianbao.archive.search.text import parse_query
from jianbao.archive.selectors import search_articles
from jianbao.bulletins.models import Issue
from jianbao.bulletins.signals import issue_content_changed
from jianbao.network.models import Organisation
from tests.support.corpus import CorpusGenerator, store_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

QUERIES = ["联盟", "冶", "标准 会议", "粉末冶金", '"ISO/IEC JTC 1"', "理事长单位", "量子纠缠"]


@pytest.fixture(autouse=True)
def _on_postgresql():
    assert connection.vendor == "postgresql", "PostgreSQL only (the SQLite pass leaves it out)"


def _literal(title: str, body: str) -> str:
    """The vector in tsvector's text form, positions written out one by one:
    title bigrams from 1, body bigrams from len(title) + 4, each character at 1
    in the title and at the body's first position in the body, and the
    title's bigrams and characters again behind a \\x01."""
    positions = defaultdict(list)
    for i in range(len(title) - 1):
        positions[title[i : i + 2]].append(f"{i + 1}")
    start = len(title) + 4
    for i in range(len(body) - 1):
        positions[body[i : i + 2]].append(str(start + i))
    for char in dict.fromkeys(title):
        positions[char].append("1")
    for char in dict.fromkeys(body):
        positions[char].append(str(start))
    for i in range(len(title) - 1):
        positions["\x01" + title[i : i + 2]].append(f"{i + 1}")
    for char in dict.fromkeys(title):
        positions["\x01" + char].append("1")
    return " ".join(f"{_quoted(k)}:{','.join(v)}" for k, v in positions.items())


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _matches(query: str) -> set[int]:
    terms = parse_query(query)
    return {
        d.article_id
        for d in SearchDocument.objects.all()
        if all(t in d.title or t in d.body for t in terms)
    }


@pytest.fixture
def corpus(imported_issue, parsed):
    names = list(
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).values_list("name", flat=True)
    )
    issues = store_corpus(imported_issue.series, CorpusGenerator(parsed, names, seed=11), 300)
    for issue in issues:
        issue_content_changed.send(sender=Issue, issue=issue)


def _partitions() -> list[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
            "(SELECT count(*) FROM pg_inherits j WHERE j.inhparent = c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'archive_searchvector'::regclass ORDER BY c.relname"
        )
        return cursor.fetchall()


def _vector_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') "
            "AND relname LIKE 'archive\\_search%%'"
        )
        return {name for (name,) in cursor.fetchall()}


def test_binary_vectors_are_what_the_server_reads_from_the_text_form(imported_issue):
    docs = list(SearchDocument.objects.values_list("title", "body"))
    docs += [
        ("a", ""),
        ("", ""),
        ("x'y\\z 𠀀é", "𠀀𠀀é ab'c"),
        ("标题", "正文" * 3),
        ("&|!", ":*<->"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE made (id bigint, tokens tsvector)")
        pg.copy_vectors(cursor, "made", [(n, v) for n, v in enumerate(vectors(docs))])
        for n, (title, body) in enumerate(docs):
            cursor.execute(
                "SELECT tokens = %s::tsvector FROM made WHERE id = %s", [_literal(title, body), n]
            )
            assert cursor.fetchone() == (True,), (title, body)


def test_a_rebuild_makes_partitions_in_id_order_and_finds_the_same(corpus, settings, monkeypatch):
    before = {q: search_articles(q).article_ids() for q in QUERIES}
    settings.SEARCH_PARTITION_ROWS = 40
    # Few matches would be sorted in one query: make every query read partition by partition.
    monkeypatch.setattr(backends, "RANK_ALL_LIMIT", 3)
    monkeypatch.setattr(pg, "RANK_ALL_LIMIT", 3)
    few = {q: search_articles(q).article_ids() for q in QUERIES}
    documents = rebuild()
    parts = _partitions()
    assert len(parts) == -(-documents // 40)  # 40 documents to a partition, the last one fewer
    assert parts[0][1].startswith("FOR VALUES FROM (MINVALUE)")
    assert parts[-1][1].endswith("TO (MAXVALUE)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archive_searchvector")
        assert cursor.fetchone()[0] == SearchDocument.objects.count() == documents
    for query in QUERIES:
        assert search_articles(query).article_ids() == few[query], query
        assert set(few[query]) == set(before[query]) == _matches(query), query
        results = search_articles(query)
        whole = results.article_ids()
        paged = [
            h.article.pk for start in range(0, len(whole), 7) for h in results[start : start + 7]
        ]
        assert paged == whole, query


def test_vectors_out_of_id_order_go_to_the_partition_their_id_falls_in(db, settings):
    settings.SEARCH_PARTITION_ROWS = 2
    (vector,) = vectors([("联盟", "会议")])
    with connection.cursor() as cursor:
        shadow = pg._Shadow(cursor, parallel=False)
        shadow.add([(10, vector), (20, vector), (30, vector), (40, vector)])
        shadow.add([(15, vector), (50, vector), (5, vector)])
        shadow.finish()
        cursor.execute(f"SELECT tableoid::regclass::text, id FROM {shadow.table} ORDER BY id")
        rows = cursor.fetchall()
    name = shadow.table
    # Partitions of two, cut where the rows came in order: [-inf, 30), [30, 50), [50, inf).
    assert rows == [
        (f"{name}_00000", 5),
        (f"{name}_00000", 10),
        (f"{name}_00000", 15),
        (f"{name}_00000", 20),
        (f"{name}_00001", 30),
        (f"{name}_00001", 40),
        (f"{name}_00002", 50),
    ]


def test_the_rebuild_swaps_in_its_partitions_and_leaves_no_other_table(transactional_db, parsed):
    from jianbao.bulletins.services import store_bulletin

    store_bulletin(parsed)
    expected = {q: _matches(q) for q in QUERIES}
    # What a rebuild killed half-way leaves behind: a new table and a partition.
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("CREATE TABLE archive_searchvector_deadbeef (id bigint, tokens tsvector)")
        other.execute("CREATE TABLE archive_searchvector_deadbeef_00000 (id bigint)")
    rebuild(jobs=2)
    parts = _partitions()
    live = {"archive_searchvector", "archive_searchlong", "archive_searchdocument"}
    assert _vector_tables() == live | {name for name, _, _ in parts}
    assert len(parts) == 1 and parts[0][0] != "archive_searchvector_initial_00000"
    for query, ids in expected.items():
        assert set(search_articles(query).article_ids()) == ids, query
