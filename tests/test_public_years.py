"""The year index (issue #13): /issues/ lists the years with their issue and article
counts, each year has its own page, and the home page's list links to both."""

import html as htmllib
import re

import pytest

from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.services import store_bulletin
from jianbao.publishing.ingest.text import parse_bulletin_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def three_years(imported_issue, fixture_text):
    """2021年第5期, 2022年第6期, 2023年第1期 (the sample) and 第2期, and a 2024年第1期
    still being edited: 2024 is no public year."""
    stored = {"2023-1": imported_issue}
    for year, number, running in [(2023, 2, 67), (2022, 6, 60), (2021, 5, 50), (2024, 1, 70)]:
        text_of_issue = fixture_text.replace(
            "2023年第1期（总第66期）", f"{year}年第{number}期（总第{running}期）"
        ).replace("2023年3月20日", f"{year}年4月20日")
        issue = store_bulletin(
            parse_bulletin_text(text_of_issue), source_name=f"{year}-{number}.md"
        ).issue
        stored[f"{year}-{number}"] = issue
    Issue.objects.filter(pk=stored["2024-1"].pk).update(state=Issue.State.EDITING)
    return stored


def index_entries(html: str) -> list[tuple[str, str]]:
    listing = re.search(r'<ul class="years-index">(.*?)</ul>', html, re.S)[1]
    return [
        (href, text(rest).strip())
        for href, rest in re.findall(r'<li><a href="([^"]+)">(.*?)</li>', listing, re.S)
    ]


def test_year_index_lists_public_years_newest_first_with_counts(client, three_years):
    articles = Article.objects.filter(section__issue=three_years["2023-1"]).count()
    html = page(client, "/issues/")
    assert index_entries(html) == [
        ("/issues/2023/", f"2023年 2 期 · {2 * articles} 篇"),
        ("/issues/2022/", f"2022年 1 期 · {articles} 篇"),
        ("/issues/2021/", f"2021年 1 期 · {articles} 篇"),
    ]
    assert "<h1>按年份浏览</h1>" in html


def test_year_page_lists_that_years_issues(client, three_years):
    html = page(client, "/issues/2023/")
    assert "<h1>2023年各期简报</h1>" in html
    links = re.findall(r'<ul class="issues">(.*?)</ul>', html, re.S)[0]
    assert re.findall(r'href="(/issues/[^"]+)"', links) == ["/issues/2023-2/", "/issues/2023-1/"]
    assert "2 期 · " in text(html)


def test_year_pages_link_the_years_before_and_after(client, three_years):
    html = page(client, "/issues/2022/")
    nav = re.search(r'<nav class="issue-nav" aria-label="前后年份">(.*?)</nav>', html, re.S)[1]
    assert re.findall(r'<a href="([^"]+)" rel="(prev|next)"', nav) == [
        ("/issues/2021/", "prev"),
        ("/issues/2023/", "next"),
    ]
    newest = page(client, "/issues/2023/")
    assert 'rel="next"' not in newest.split("</head>")[1]
    assert '<link rel="prev" href="/issues/2022/">' in newest


def test_a_year_without_public_issues_is_not_found(client, three_years):
    assert client.get("/issues/2024/").status_code == 404  # only an issue being edited
    assert client.get("/issues/1999/").status_code == 404


def test_issue_list_links_the_year_index_and_each_year(client, three_years):
    html = page(client, "/")
    jump = re.search(r'<nav class="years" aria-label="年份">(.*?)</nav>', html, re.S)[1]
    assert 'href="/issues/"' in jump
    for year in (2023, 2022, 2021):
        assert f'<a href="/issues/{year}/">' in html
    assert 'href="/issues/2024/"' not in html


def test_an_empty_archive_has_an_empty_year_index(client, db):
    html = page(client, "/issues/")
    assert "归档中还没有简报" in html


def test_sitemap_lists_the_year_index_and_year_pages(client, three_years):
    xml = page(client, "/sitemap.xml")
    for path in ("/issues/", "/issues/2023/", "/issues/2022/", "/issues/2021/"):
        assert f"{path}</loc>" in xml
    assert "/issues/2024/</loc>" not in xml
