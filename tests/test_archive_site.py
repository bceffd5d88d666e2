import re

import pytest
from django.urls import reverse

from jianbao.bulletins.services import store_bulletin
from jianbao.publishing.ingest.text import parse_bulletin_text

pytestmark = pytest.mark.django_db


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
