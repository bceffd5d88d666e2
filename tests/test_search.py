"""Search finds exactly what a substring scan of the normalised text finds.

Every recall test compares with a brute-force scan computed straight from
the articles and blocks, not from the index's own tables.  The suite runs on
SQLite and on PostgreSQL, so both databases are held to the same sets.
"""

import json
import threading
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from jianbao.archive.search import backends
from jianbao.archive.search import index as index_module
from jianbao.archive.search.index import PUBLIC_STATES, index_issue, rebuild
from jianbao.archive.search.text import normalise, parse_query
from jianbao.archive.selectors import search_articles
from jianbao.bulletins.models import Article, Block, Issue
from jianbao.bulletins.services import store_bulletin
from jianbao.bulletins.signals import issue_content_changed
from jianbao.network.models import Organisation
from tests.support.corpus import CorpusGenerator, store_corpus

pytestmark = pytest.mark.django_db

QUERIES = [
    # one character
    "联", "盟", "标", "会", "冶", "W", "7", "（", "《", "鞋",
    # two characters, the most common kind
    "联盟", "标准", "会议", "专家", "创新", "装备", "花卉", "论坛", "足球", "科技",
    # three or more
    "碳中和", "粉末冶金", "冶金", "第三代半导体", "专家委员会", "区块链", "元宇宙",
    "理事长单位", "党和国家机构改革方案", "国家重点研发计划项目通过绩效评价",
    # several words, all required
    "联盟 理事会", "标准 粉末冶金", "碳中和 专家委员会", "太阳能 发电", "联盟 会议 专家",
    "WAPI 标准", "花卉 足球",
    # quoted phrases
    '"ISO/IEC JTC 1"', '"X 大奖"', '"JTC 1/SC 6/WG 7"', '"联盟 会议"',
    # Latin, digits, mixed, full-width forms
    "WAPI", "wapi", "ＷＡＰＩ", "ISO/IEC", "ＩＳＯ／ＩＥＣ", "BIM", "ASILD", "2022", "２０２２",
    "2023-2025", "TC4", "3D打印", "（科技部分）", "(科技部分)", "第八届国际第三代半导体论坛",
    # meant to miss
    "量子纠缠", "zzzz", "联盟联盟联盟",
]  # fmt: skip


def brute_force(query, *, alliance=None, section=None, year_from=None, year_to=None):
    """Ids of public articles whose normalised title or body holds every term."""
    terms = parse_query(query)
    return {
        row.pk
        for row in _scan_rows()
        if terms
        and all(t in row.title or t in row.body for t in terms)
        and (alliance is None or alliance.pk in row.alliances)
        and (section is None or row.section == section)
        and (year_from is None or row.year >= year_from)
        and (year_to is None or row.year <= year_to)
    }


@dataclass(frozen=True)
class ScanRow:
    pk: int
    title: str
    body: str
    alliances: frozenset
    section: str
    year: int


_scan_cache: dict = {}


def _scan_rows() -> list[ScanRow]:
    """Every public article, normalised; cached until the data changes."""
    articles = Article.objects.filter(section__issue__state__in=PUBLIC_STATES)
    key = (
        articles.count(),
        Block.objects.count(),
        max(articles.values_list("pk", flat=True), default=0),
    )
    if key not in _scan_cache:
        _scan_cache.clear()
        _scan_cache[key] = [
            ScanRow(
                pk=a.pk,
                title=normalise(a.title),
                body=normalise("\n".join(b.text for b in a.blocks.all())),
                alliances=frozenset(o.pk for o in a.alliances.all()),
                section=a.section.title,
                year=a.section.issue.year,
            )
            for a in articles.select_related("section__issue").prefetch_related(
                "blocks", "alliances"
            )
        ]
    return _scan_cache[key]


def found_ids(results):
    ids = results.article_ids()
    assert len(ids) == len(set(ids)), "an article came back twice"
    assert len(ids) == results.count()
    return set(ids)


@pytest.fixture
def corpus(imported_issue, parsed):
    alliances = list(
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).values_list("name", flat=True)
    )
    generator = CorpusGenerator(parsed, alliances, seed=7)
    issues = store_corpus(imported_issue.series, generator, 400, per_issue=20)
    for issue in issues:
        issue_content_changed.send(sender=Issue, issue=issue)
    return issues


def test_fixture_recall_equals_a_substring_scan(imported_issue):
    for query in QUERIES:
        assert found_ids(search_articles(query)) == brute_force(query), query


def test_the_sample_issue_has_every_article_mentioning_biaozhun(imported_issue):
    expected = brute_force("标准")
    assert len(expected) >= 5
    assert found_ids(search_articles("标准")) == expected


def test_generated_corpus_recall_equals_a_substring_scan(corpus):
    checked = 0
    for query in QUERIES:
        expected = brute_force(query)
        assert found_ids(search_articles(query)) == expected, query
        checked += bool(expected)
    assert checked >= 45  # the corpus really exercises the queries


def test_broad_queries_stay_exact_and_page_without_gaps(corpus, monkeypatch):
    # Force the broad-query plan (title matches first, then newest) onto a small corpus.
    monkeypatch.setattr(backends, "RANK_ALL_LIMIT", 5)
    for query in ("联盟", "标准 会议", "冶", "WAPI"):
        results = search_articles(query)
        whole = [hit.article.pk for hit in results[:]]
        pages = [
            hit.article.pk
            for start in range(0, len(whole), 7)
            for hit in results[start : start + 7]
        ]
        assert pages == whole, query
        assert set(whole) == brute_force(query), query


def test_capped_count_lists_the_first_results_of_the_full_ranking(corpus):
    full = search_articles("标准 会议").article_ids()
    assert len(full) > 30
    capped = search_articles("标准 会议", count_limit=30)
    assert capped.count() == 30 and capped.is_capped
    assert [hit.article.pk for hit in capped[:]] == full[:30]
    assert [hit.article.pk for hit in capped[20:40]] == full[20:30]
    exact = search_articles("粉末冶金", count_limit=10_000)
    assert not exact.is_capped and exact.count() == len(brute_force("粉末冶金"))


def test_filters_match_the_scan(corpus):
    alliance = Organisation.objects.filter(mentioned_in__isnull=False).first()
    cases = [
        {"alliance": alliance},
        {"section": "重要政策动态"},
        {"year_from": 2013, "year_to": 2016},
        {"year_from": 2020},
        {"alliance": alliance, "year_to": 2018, "section": "试点联盟动态及协发网网员单位动态"},
    ]
    for filters in cases:
        for query in ("联盟", "标准 专家", "冶", '"ISO/IEC JTC 1"'):
            expected = brute_force(query, **filters)
            assert found_ids(search_articles(query, **filters)) == expected, (query, filters)


def test_every_ascii_punctuation_mark_and_space_is_searchable(imported_issue):
    # The SQLite tokenizer must keep these inside tokens, and tsvector literals
    # must quote them; a lost separator would merge or split tokens.
    punctuation = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())
    block = Block.objects.filter(article__section__issue=imported_issue).first()
    block.text = f"符号：{' '.join(punctuation)} 连写{punctuation}完"
    block.save()
    issue_content_changed.send(sender=Issue, issue=imported_issue)
    queries = [c for c in punctuation if c != '"'] + ["[\\]", "&'(", "'(", "\\ ]", "#$%&", "连写!"]
    queries += ['"$ % &"', '"} ~ 连"', "符号:!"]
    for query in queries:
        expected = brute_force(query)
        assert block.article_id in expected, query
        assert found_ids(search_articles(query)) == expected, query


@pytest.fixture
def committed_corpus(transactional_db, parsed):
    """Helper processes read only what is committed: no test transaction here."""
    from jianbao.bulletins.services import store_bulletin

    issue = store_bulletin(parsed).issue
    generator = CorpusGenerator(parsed, ["甲乙产业技术创新战略联盟"], seed=3)
    store_corpus(issue.series, generator, 120, per_issue=10)


def _record_builds(monkeypatch):
    builds = []
    replace_index = index_module._replace_index

    def recorded(batches, progress, *, unless_changed_since=None, **options):
        done = replace_index(
            batches, progress, unless_changed_since=unless_changed_since, **options
        )
        builds.append((unless_changed_since is not None, done))
        return done

    monkeypatch.setattr(index_module, "_replace_index", recorded)
    return builds


def test_rebuild_in_two_processes_equals_one(committed_corpus, monkeypatch):
    builds = _record_builds(monkeypatch)
    assert rebuild(jobs=1) == 145
    one = {q: found_ids(search_articles(q)) for q in ("联盟", "冶", "标准 会议", '"ISO/IEC JTC 1"')}
    assert rebuild(jobs=2) == 145
    assert builds == [(False, 145), (True, 145)]  # the second build used a helper process
    for query, ids in one.items():
        assert found_ids(search_articles(query)) == ids == brute_force(query), query


def test_rebuild_starts_over_when_content_changed_after_helpers_began(
    committed_corpus, monkeypatch
):
    builds = _record_builds(monkeypatch)
    versions = iter([7, 8])  # read before the helpers start, then under the lock
    monkeypatch.setattr(index_module, "site_version", lambda: next(versions))
    assert rebuild(jobs=2) == 145
    assert builds == [(True, None), (False, 145)]
    assert found_ids(search_articles("联盟")) == brute_force("联盟")


def test_rebuild_batches_come_in_document_id_order(corpus):
    # FTS5 writes out its pending tokens whenever a row id goes down, so a
    # rebuild in any other order makes thousands of tiny segments.
    batches = index_module._chunks(index_module._public_issue_ids(), 7)
    ids = [doc.id for batch in batches for doc in index_module.documents_for(batch)]
    assert len(ids) == Article.objects.count() and ids == sorted(ids)


def test_upgrading_retokenises_the_documents_already_indexed(transactional_db, parsed):
    from django.core.management import call_command

    from jianbao.bulletins.services import store_bulletin

    store_bulletin(parsed)
    call_command("migrate", "archive", "0003", verbosity=0)
    call_command("migrate", "archive", verbosity=0)
    for query in ("标准", "冶", '"ISO/IEC JTC 1"', "联盟 会议"):
        assert found_ids(search_articles(query)) == brute_force(query), query


def test_title_matches_rank_above_body_matches(imported_issue):
    hits = search_articles("花卉")[:]
    in_title = ["花卉" in normalise(hit.article.title) for hit in hits]
    assert in_title[0] and in_title == sorted(in_title, reverse=True)


def test_broad_queries_put_title_matches_first_then_newest(corpus, monkeypatch):
    monkeypatch.setattr(backends, "RANK_ALL_LIMIT", 5)
    hits = search_articles("联盟")[:]
    in_title = ["联盟" in normalise(hit.article.title) for hit in hits]
    assert in_title == sorted(in_title, reverse=True) and True in in_title and False in in_title
    dates = [hit.issue.date for hit in hits if "联盟" not in normalise(hit.article.title)]
    assert len(dates) > 20 and dates == sorted(dates, reverse=True)


def test_empty_query_finds_nothing(imported_issue):
    assert search_articles("   ").count() == 0
    assert search_articles('""')[:] == []


def test_replacing_an_issue_leaves_no_stale_index_rows(imported_issue, parsed):
    store_bulletin(parsed, replace=True)
    store_bulletin(parsed, replace=True)
    assert found_ids(search_articles("联盟")) == brute_force("联盟")
    # A rebuild from scratch finds the same: the incremental index did not drift.
    rebuild()
    assert found_ids(search_articles("联盟")) == brute_force("联盟")


def test_index_rolls_back_with_the_content(imported_issue):
    before = search_articles("粉末冶金").count()
    with pytest.raises(RuntimeError), transaction.atomic():
        imported_issue.sections.all().delete()
        issue_content_changed.send(sender=Issue, issue=imported_issue)
        assert search_articles("粉末冶金").count() == 0
        raise RuntimeError("import failed half-way")
    assert search_articles("粉末冶金").count() == before > 0


def test_unpublished_issues_are_not_searchable(imported_issue):
    imported_issue.state = Issue.State.EDITING
    imported_issue.save()
    index_issue(imported_issue)
    assert search_articles("联盟").count() == 0


def test_cli_prints_json_with_every_result_for_limit_zero(cli, corpus):
    result = cli("search", "标准", "--limit", "0", "--format", "json")
    assert result.status == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == len(brute_force("标准")) == len(data["results"])
    first = data["results"][0]
    assert set(first) >= {"issue", "title", "section", "alliances", "snippet"}
    assert first["issue"].count("-") == 1 and "标准" in (first["title"] + first["snippet"])


def test_cli_filters_by_alliance_short_name_and_years(cli, imported_issue):
    result = cli("search", "标准", "--alliance", "粉末冶金联盟", "--from", "2023", "--to", "2023",
                 "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["total"] == 1
    assert data["results"][0]["alliances"] == ["粉末冶金产业技术创新战略联盟"]
    assert json.loads(cli("search", "标准", "--to", "2022", "--format", "json").stdout) == {
        "total": 0,
        "results": [],
    }


def test_cli_limit_caps_the_results_but_not_the_total(cli, imported_issue):
    data = json.loads(cli("search", "联盟", "--limit", "2", "--format", "json").stdout)
    assert len(data["results"]) == 2 and data["total"] > 2


def test_cli_unknown_alliance_is_one_line_and_status_2(cli, imported_issue):
    result = cli("search", "标准", "--alliance", "不存在的联盟")
    assert result.status == 2
    assert result.stderr.count("\n") == 1 and "不存在的联盟" in result.stderr


def test_reindex_rebuilds_with_a_progress_bar(cli, imported_issue):
    result = cli("reindex")
    assert result.status == 0, result.stderr
    assert "25" in result.stdout
    assert found_ids(search_articles("标准")) == brute_force("标准")


@pytest.mark.parametrize("rank_all_limit", [1000, 0])
def test_a_long_term_whose_bigrams_occur_apart_is_not_a_match(
    imported_issue, monkeypatch, rank_all_limit
):
    # The PostgreSQL index finds a term of three or more characters by its
    # bigrams, which may all occur without the term; the text decides.
    monkeypatch.setattr(backends, "RANK_ALL_LIMIT", rank_all_limit)
    article = Article.objects.filter(section__issue=imported_issue).first()
    article.title = "区块、块链与碳中"
    article.save()
    article.blocks.all().delete()
    Block.objects.create(article=article, position=1, text="碳中，中和；粉末冶，末冶金。区块 链")
    issue_content_changed.send(sender=Issue, issue=imported_issue)
    for query in ("碳中和", "粉末冶金", "区块链", "块链与碳中和", "区块链 碳中"):
        found = found_ids(search_articles(query))
        assert article.pk not in found, query
        assert found == brute_force(query), query
    for query in ("碳中", "块链与碳中", "末冶金 中和", "区块 链"):
        hits = search_articles(query)[:]
        assert article.pk in {hit.article.pk for hit in hits}, query
    # In the title: first; in the body only: after every title match.
    assert search_articles("块链与碳中")[0].article.pk == article.pk
    assert found_ids(search_articles("块链与碳中")) == {article.pk}


def test_exact_totals_of_short_and_long_terms_equal_the_scan(corpus):
    # Counts of one- and two-character terms come from the PostgreSQL index alone.
    for query in ("联", "联盟", "联盟 标准", "冶 碳中和", "专家委员会 会", "第三代半导体"):
        expected = len(brute_force(query))
        assert search_articles(query).count() == expected > 0, query
        capped = search_articles(query, count_limit=3)
        assert capped.count() == min(3, expected), query


def test_downgrading_and_upgrading_the_index_again_keeps_every_match(transactional_db, parsed):
    from django.core.management import call_command

    store_bulletin(parsed)
    expected = {q: brute_force(q) for q in ("标准", "冶", "粉末冶金", "联盟 会议")}
    call_command("migrate", "archive", "0004", verbosity=0)
    call_command("migrate", "archive", verbosity=0)
    for query, ids in expected.items():
        assert found_ids(search_articles(query)) == ids, query
    rebuild()
    for query, ids in expected.items():
        assert found_ids(search_articles(query)) == ids, query


def test_readers_search_the_old_index_while_a_rebuild_runs(committed_corpus):
    """A rebuild holds back writers, never readers: a search from another
    connection, midway through the rebuild, answers at once from the index as
    it was (README: 重建期间照常可以检索)."""
    before = found_ids(search_articles("联盟"))
    seen = []

    def read_in_another_connection():
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Waiting for the rebuild's locks is an error here, not a delay.
                    cursor.execute("SET lock_timeout = '500ms'")
            seen.append(found_ids(search_articles("联盟")))
        except Exception as exc:
            seen.append(exc)
        finally:
            connection.close()

    def midway(_done):
        if not seen:
            reader = threading.Thread(target=read_in_another_connection)
            reader.start()
            reader.join(timeout=60)

    assert rebuild(progress=midway, issues_per_batch=2) == 145
    assert seen == [before]
    assert found_ids(search_articles("联盟")) == brute_force("联盟")


def test_an_article_too_long_for_a_tsvector_is_found_like_any_other(imported_issue):
    """tsvector positions stop at 16,383 and a lexeme keeps 256 of them: past
    either, PostgreSQL matches the article on its text instead."""
    block = Block.objects.filter(article__section__issue=imported_issue).first()
    block.text = (
        "".join(chr(0x4E00 + i) for i in range(20000)) + "量子纠缠在末尾。" + "联盟，" * 300
    )
    block.save()
    issue_content_changed.send(sender=Issue, issue=imported_issue)
    title = normalise(block.article.title)
    for query in ("量子纠缠", "末尾", "联盟", "联盟 量子纠缠", "纠", f'"{title[:6]}" 末尾'):
        expected = brute_force(query)
        assert block.article_id in expected, query
        assert found_ids(search_articles(query)) == expected, query
    capped = search_articles("量子纠缠", count_limit=10)
    assert capped.count() == 1 and capped.article_ids() == [block.article_id]
