"""The public site shows rich content from the content shape: figures with
responsive pictures that load, accessible tables, bold and 编者按; captions and
table cells are searchable; the mail's links still find their articles."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from PIL import Image

from jianbao.archive.selectors import search_articles
from jianbao.bulletins.models import Article
from jianbao.bulletins.services import store_bulletin
from jianbao.distribution import message
from jianbao.publishing.parsed import IMAGE, Block, ParsedArticle
from tests.test_render_html_rich import (
    BOLD_TEXT,
    CAPTION_WORD,
    CAPTIONS,
    CELL_WORD,
    RICH_TITLE,
    photo,
    pictures_in,  # noqa: F401  (a fixture)
    stored_rich,  # noqa: F401  (a fixture)
)
from tests.test_render_wechat import parse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def rich_pk(stored_rich):  # noqa: F811
    return Article.objects.get(title=RICH_TITLE).pk


def _images(html: str) -> list[dict]:
    return [attrs for tag, attrs in parse(html).tags if tag == "img"]


def _sources(html: str) -> list[dict]:
    return [attrs for tag, attrs in parse(html).tags if tag == "source"]


def _srcset_urls(srcset: str) -> list[tuple[str, int]]:
    out = []
    for item in srcset.split(","):
        url, width = item.split()
        assert width.endswith("w")
        out.append((url, int(width[:-1])))
    return out


def test_issue_page_shows_figures_with_responsive_pictures(client, rich_pk):
    html = client.get("/issues/2023-1/").content.decode()
    assert html.count("<figure") == 2
    assert re.findall(r"<figcaption>(.*?)</figcaption>", html) == list(CAPTIONS)
    images = _images(html)
    assert len(images) == 2
    for attrs in images:
        assert attrs["loading"] == "lazy" and attrs["decoding"] == "async"
        assert int(attrs["width"]) > 0 and int(attrs["height"]) > 0
        assert attrs["srcset"] and attrs["sizes"]
        assert attrs["src"].startswith("/pictures/")
        assert "alt" in attrs
    assert (images[0]["width"], images[0]["height"]) == ("2000", "1200")
    assert images[0]["alt"] == "会场全景"
    assert images[1]["alt"] == ""  # its caption says what it shows
    sources = _sources(html)
    assert [s["type"] for s in sources] == ["image/webp", "image/webp"]
    assert all(".webp" in s["srcset"] for s in sources)


def test_issue_page_table_is_accessible_and_scrolls_on_phones(client, rich_pk):
    html = client.get("/issues/2023-1/").content.decode()
    assert html.count("<table>") == 1
    assert "<caption>表1 团体标准</caption>" in html
    assert re.findall(r'<th scope="col">(.*?)</th>', html) == ["序号", "标准名称", "状态"]
    assert '<td colspan="2">合计</td>' in html
    assert '<div class="table-wrap" role="region" aria-label="表1 团体标准" tabindex="0">' in html
    assert f"<strong>{BOLD_TEXT}</strong>" in html
    assert '<div class="note" role="note">' in html
    css = client.get("/static/archive/site.css")
    assert css.status_code == 200
    text = b"".join(css.streaming_content if css.streaming else [css.content]).decode()
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", text)
    assert re.search(r"figure img \{[^}]*max-width: 100%;[^}]*height: auto", text)


def test_every_srcset_url_serves_a_picture_of_its_width(client, rich_pk):
    html = client.get("/issues/2023-1/").content.decode()
    seen = 0
    for picture in [*_images(html), *_sources(html)]:
        expected = "WEBP" if "type" in picture else "JPEG"
        for url, width in _srcset_urls(picture["srcset"]):
            response = client.get(url)
            assert response.status_code == 200, url
            data = b"".join(response.streaming_content) if response.streaming else response.content
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == expected, url
                assert image.width == width, url
            seen += 1
    # The 2000 px photo at 480, 720, 960 and 1600; the 640 px one at 480 and its own 640.
    assert seen == 2 * (4 + 2)
    for attrs in _images(html):
        assert client.get(attrs["src"]).status_code == 200


def test_anchors_stay_article_pk_for_existing_links(client, rich_pk, stored_rich):  # noqa: F811
    issue, _ = stored_rich
    html = client.get("/issues/2023-1/").content.decode()
    assert f'id="article-{rich_pk}"' in html
    links = re.findall(r'href="#(article-\d+)"', html)
    assert len(links) == Article.objects.filter(section__issue=issue).count()
    for anchor in links:
        assert f'id="{anchor}"' in html
    # The article page links back to its place on the issue page, and shows its body.
    page = client.get(f"/articles/{rich_pk}/").content.decode()
    assert f'/issues/2023-1/#article-{rich_pk}"' in page
    assert page.count("<figure") == 2 and page.count("<table>") == 1
    assert f"<strong>{BOLD_TEXT}</strong>" in page
    # The mail's 导读 links the same anchors.
    context = message._context(issue)
    urls = [a["url"] for s in context["sections"] for a in s["articles"]]
    assert urls[0].endswith(f"/issues/2023-1/#article-{rich_pk}")
    for url in urls:
        assert f'id="{url.rsplit("#", 1)[1]}"' in html


def test_a_caption_word_and_a_table_cell_word_find_the_article(rich_pk):
    for word in (CAPTION_WORD, CELL_WORD):
        hits = search_articles(word)[:]
        assert [hit.article.pk for hit in hits] == [rich_pk], word


@pytest.mark.usefixtures("pictures_in")
def test_a_picture_gone_from_storage_leaves_its_caption_and_the_page(client, parsed, settings):
    article = ParsedArticle(
        title="图片丢失的文章",
        blocks=(Block(IMAGE, file="lost.png", caption="图为丢失的图片"),),
    )
    section = dataclasses.replace(parsed.sections[0], articles=(article,))
    bulletin = dataclasses.replace(
        parsed, sections=(section,), pictures={"lost.png": photo(123, 77, (7, 201, 99), "PNG")}
    )
    issue = store_bulletin(bulletin).issue
    (block,) = [b for a in issue.sections.get().articles.all() for b in a.blocks.all()]
    (settings.MEDIA_ROOT / "pictures" / block.data["file"]).unlink()
    response = client.get("/issues/2023-1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<figcaption>图为丢失的图片</figcaption>" in html and "<img" not in html
