import dataclasses
import re

import pytest
from django.urls import reverse

from jianbao.bulletins.services import store_bulletin
from jianbao.publishing.ingest.text import parse_bulletin_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def two_issues(imported_issue, fixture_text):
    later = fixture_text.replace("2023年第1期（总第66期）", "2023年第2期（总第67期）").replace(
        "2023年3月20日", "2023年4月20日"
    )
    store_bulletin(parse_bulletin_text(later), source_name="later.md")
    return imported_issue


def test_home_lists_issues_newest_first(client, two_issues):
    html = client.get("/").content.decode()
    assert html.index("2023年第2期（总第67期）") < html.index("2023年第1期（总第66期）")


def test_issue_page_shows_the_bulletin_whole(client, imported_issue, parsed):
    response = client.get(reverse("archive:issue_detail", args=[2023, 1]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "产业技术创新战略联盟试点工作",
        "2023年第1期（总第66期）",
        "联盟试点工作联络组办公室",
        "2023年3月20日",
        "本期导读",
        "本期编辑：杨丹泽",
        "审核：尚辉良",
        "签发：李新男",
        "tougao@citisa.org",
        "010-62184883",
        "CITISA",
    ):
        assert text in html, text
    for section in parsed.sections:
        assert section.title in html
    for article in parsed.articles:
        assert article.title.replace("“", "&ldquo;") in html or article.title in html
        if article.credit:
            assert f"（{article.credit}）" in html


def test_toc_links_point_at_articles_on_the_page(client, imported_issue):
    html = client.get("/issues/2023-1/").content.decode()
    links = re.findall(r'href="#(article-\d+)"', html)
    assert len(links) == 25
    for anchor in links:
        assert f'id="{anchor}"' in html


def test_issue_page_is_set_up_for_phones(client, imported_issue):
    html = client.get("/issues/2023-1/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'lang="zh-Hans"' in html


def test_unknown_issue_is_404(client, imported_issue):
    assert client.get("/issues/2023-9/").status_code == 404


def test_admin_is_in_chinese(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "简报管理" in html and "各期简报" in html
    assert "站点管理" in html or "管理首页" in html


# --- pages added with the public archive -----------------------------------------

import itertools  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

import feedparser  # noqa: E402

from jianbao.bulletins.models import Article, Issue  # noqa: E402
from jianbao.bulletins.signals import issue_state_changed  # noqa: E402
from jianbao.network.models import Organisation  # noqa: E402


@pytest.fixture
def empty_issue(imported_issue):
    issue = Issue.objects.create(
        series=imported_issue.series, year=2024, number=1, running_number=90,
        state=Issue.State.PUBLISHED,
    )  # fmt: skip
    issue_state_changed.send(sender=Issue, issue=issue, from_state="signed", to_state="published")
    return issue


def test_issue_page_links_the_pdf_and_docx_downloads(client, imported_issue):
    html = client.get("/issues/2023-1/").content.decode()
    assert 'href="/issues/2023-1.pdf"' in html and 'href="/issues/2023-1.docx"' in html


def test_issue_with_no_articles_renders(client, empty_issue):
    response = client.get("/issues/2024-1/")
    assert response.status_code == 200
    assert "本期暂无文章" in response.content.decode()
    assert "2024年第1期" in client.get("/").content.decode()


def test_article_page_shows_issue_section_credit_and_alliance(client, imported_issue):
    article = Article.objects.get(title="粉末冶金联盟发布7项团体标准")
    html = client.get(f"/articles/{article.pk}/").content.decode()
    assert "<h1>粉末冶金联盟发布7项团体标准</h1>" in html
    assert 'href="/issues/2023-1/' in html
    assert "试点联盟动态及协发网网员单位动态" in html
    assert f"（{article.credit}）" in html
    alliance = article.alliances.get()
    assert f'href="/alliances/{alliance.pk}/"' in html


def test_article_of_an_unpublished_issue_is_404(client, imported_issue):
    article = Article.objects.first()
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.EDITING)
    assert client.get(f"/articles/{article.pk}/").status_code == 404


def test_alliance_page_lists_its_articles_and_short_names(client, imported_issue):
    alliance = Organisation.objects.get(name="粉末冶金产业技术创新战略联盟")
    html = client.get(f"/alliances/{alliance.pk}/").content.decode()
    assert "粉末冶金联盟发布7项团体标准" in html
    assert "简称：" in html and "粉末冶金联盟" in html
    assert "相关文章（1 篇）" in html
    listing = client.get("/alliances/").content.decode()
    assert f'href="/alliances/{alliance.pk}/"' in listing


def test_alliance_with_no_articles_renders(client, imported_issue):
    lonely = Organisation.objects.create(name="无稿件测试产业技术创新战略联盟",
                                         kind=Organisation.Kind.ALLIANCE)  # fmt: skip
    response = client.get(f"/alliances/{lonely.pk}/")
    assert response.status_code == 200
    assert "还没有涉及本联盟的文章" in response.content.decode()
    feed = feedparser.parse(client.get(f"/alliances/{lonely.pk}/feed.atom").content)
    assert not feed.bozo and feed.entries == []


def test_section_pages(client, imported_issue, parsed):
    listing = client.get("/sections/").content.decode()
    for section in parsed.sections:
        assert section.title in listing
    html = client.get("/sections/重要政策动态/").content.decode()
    assert "2023年政府工作报告对科技工作提出新任务" in html
    assert client.get("/sections/没有这个栏目/").status_code == 404


def test_issues_feed_is_valid_atom(client, imported_issue, empty_issue):
    response = client.get("/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == [
        "产业技术创新战略联盟试点工作简报 2024年第1期（总第90期）",
        "产业技术创新战略联盟试点工作简报 2023年第1期（总第66期）",
    ]
    assert feed.entries[1].link.endswith("/issues/2023-1/")
    assert "粉末冶金联盟发布7项团体标准" in feed.entries[1].summary


def test_alliance_feed_is_valid_atom(client, imported_issue):
    alliance = Organisation.objects.get(name="粉末冶金产业技术创新战略联盟")
    feed = feedparser.parse(client.get(f"/alliances/{alliance.pk}/feed.atom").content)
    assert not feed.bozo and feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["粉末冶金联盟发布7项团体标准"]


def test_sitemap_lists_issues_and_articles(client, imported_issue):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    locs = [el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://testserver/issues/2023-1/" in locs
    assert sum("/articles/" in loc for loc in locs) == 25


def test_robots_txt_points_at_the_sitemap(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text and "Disallow: /admin/" in text
    assert "Disallow: /desk/" in text and "Disallow: /issues/" not in text


def test_search_page_highlights_matches(client, imported_issue):
    html = client.get("/search/", {"q": "标准"}).content.decode()
    assert "找到 12 篇" in html
    assert "<mark>标准</mark>" in html


def test_search_query_is_shown_as_text_not_markup(client, imported_issue):
    html = client.get("/search/", {"q": "<script>alert(1)</script> 联盟"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_article_text_that_looks_like_markup_is_escaped_in_snippets(client, imported_issue):
    article = Article.objects.get(title="粉末冶金联盟发布7项团体标准")
    block = article.blocks.first()
    block.text = "试验<script>alert(1)</script>粉末冶金" + block.text
    block.save()
    from jianbao.bulletins.signals import issue_content_changed

    issue_content_changed.send(sender=Issue, issue=imported_issue)
    html = client.get("/search/", {"q": "<script>"}).content.decode()
    assert "找到 1 篇" in html
    assert "<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_search_filters_and_pagination(client, imported_issue):
    alliance = Organisation.objects.get(name="粉末冶金产业技术创新战略联盟")
    html = client.get("/search/", {"q": "联盟", "alliance": alliance.pk}).content.decode()
    assert "找到 1 篇" in html
    assert f'<option value="{alliance.pk}" selected>' in html
    html = client.get("/search/", {"q": "联盟", "year_from": 2024}).content.decode()
    assert "找到 0 篇" in html
    first = client.get("/search/", {"q": "联盟"}).content.decode()
    second = client.get("/search/", {"q": "联盟", "page": 2}).content.decode()
    assert "找到 20 篇" in first and "第 1 / 2 页" in first and "第 2 / 2 页" in second
    assert 'href="?q=%E8%81%94%E7%9B%9F&amp;page=2"' in first


def test_every_page_has_a_search_box_and_no_script(client, imported_issue, empty_issue):
    alliance = Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE).first()
    article = Article.objects.first()
    for url in ("/", "/issues/2023-1/", "/issues/2024-1/", f"/articles/{article.pk}/",
                "/alliances/", f"/alliances/{alliance.pk}/", "/sections/",
                "/sections/重要政策动态/", "/search/", "/search/?q=标准"):  # fmt: skip
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'name="q"' in html, url
        assert "<script" not in html, url
        assert html.count("<main") == 1 and "<header" in html and "<footer" in html, url
        levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
        assert levels[0] == 1 and levels.count(1) == 1, url
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), url


def test_pages_carry_etag_and_answer_304_until_content_changes(client, imported_issue, parsed):
    first = client.get("/issues/2023-1/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    assert client.get("/issues/2023-1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    store_bulletin(parsed, replace=True)  # the same content again changes nothing
    assert client.get("/issues/2023-1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    corrected = dataclasses.replace(parsed, office=parsed.office + "（更正）")
    store_bulletin(corrected, replace=True)  # a correction republishes the issue
    again = client.get("/issues/2023-1/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_other_processes_see_a_publish_within_a_second(client, imported_issue, monkeypatch):
    from jianbao.archive import caching

    assert client.get("/issues/2023-1/").status_code == 200
    # Another process publishes: this one learns only by reading the version again.
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.EDITING)
    from jianbao.archive.search.index import bump_site_version

    bump_site_version()
    assert client.get("/issues/2023-1/").status_code == 200  # still the trusted version
    monkeypatch.setattr(caching, "VERSION_SECONDS", 0)
    caching._known["until"] = 0.0
    assert client.get("/issues/2023-1/").status_code == 404


def test_cached_page_shows_a_state_change_at_once(client, imported_issue):
    assert client.get("/issues/2023-1/").status_code == 200
    imported_issue.state = Issue.State.EDITING
    imported_issue.save()
    issue_state_changed.send(sender=Issue, issue=imported_issue, from_state="published",
                             to_state="editing")  # fmt: skip
    assert client.get("/issues/2023-1/").status_code == 404
    assert "2023年第1期" not in client.get("/").content.decode()
