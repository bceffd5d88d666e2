"""HTML of rich content: marked text, figures, tables and notes.

The standalone file (``jianbao render --format html -o FILE``) carries its
pictures inside as data URIs, so it opens anywhere; the WeChat fragment links
the public copies at absolute URLs with inline styles only. Pictures are real
images made here with Pillow and stored through publishing.pictures.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re

import pytest
from PIL import Image

from jianbao.bulletins.services import issue_to_bulletin, store_bulletin
from jianbao.publishing.parsed import (
    BOLD,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    ParsedArticle,
    paragraph,
)
from jianbao.publishing.render.html import marked_html, render_html, safe_href
from jianbao.publishing.render.wechat import render_wechat
from tests.test_render_wechat import parse

CAPTION_WORD = "鹦鹉螺号"  # appears only in a caption
CELL_WORD = "钛铝枝晶"  # appears only in a table cell
CAPTIONS = (f"图为{CAPTION_WORD}会议现场", "图2 与会代表合影")
BOLD_TEXT = "联盟将继续加强标准体系建设"
RICH_TITLE = "联盟召开年度工作会议"
TABLE_ROWS = (
    (Cell("序号"), Cell("标准名称"), Cell("状态")),
    (Cell("1"), Cell(f"{CELL_WORD}合金棒材"), Cell("发布")),
    (Cell("2"), Cell("铁基粉末冶金零件用渗铜粉", (Mark(BOLD, 0, 2),)), Cell("发布")),
    (Cell("合计", colspan=2), Cell("2")),
)


def photo(width: int, height: int, colour: tuple[int, int, int], fmt: str = "JPEG") -> bytes:
    picture = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 40):
        picture.paste((255 - colour[0], 90, 40), (x, 0, x + 12, height))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def rich_article() -> ParsedArticle:
    lead = f"会议指出，{BOLD_TEXT}，详见联盟网站。"
    link_at = lead.index("联盟网站")
    return ParsedArticle(
        title=RICH_TITLE,
        credit="粉末冶金联盟供稿",
        blocks=(
            Block(NOTE, "编者按：本文介绍联盟年度工作会议。"),
            paragraph(
                lead,
                Mark(BOLD, lead.index(BOLD_TEXT), lead.index(BOLD_TEXT) + len(BOLD_TEXT)),
                Mark(LINK, link_at, link_at + 4, "https://example.org/a?x=1&y=2"),
            ),
            Block(IMAGE, file="meeting.jpg", caption=CAPTIONS[0], alt="会场全景"),
            paragraph("会上审议了团体标准。", Mark(ITALIC, 5, 7)),
            Block(IMAGE, file="group.png", caption=CAPTIONS[1]),
            Block(TABLE, rows=TABLE_ROWS, header_rows=1, caption="表1 团体标准"),
        ),
    )


def rich_bulletin(parsed):
    """The sample issue with the rich article first in its first section."""
    first = parsed.sections[0]
    section = dataclasses.replace(first, articles=(rich_article(), *first.articles))
    return dataclasses.replace(
        parsed,
        sections=(section, *parsed.sections[1:]),
        pictures={
            "meeting.jpg": photo(2000, 1200, (30, 90, 160)),
            "group.png": photo(640, 400, (200, 160, 40), "PNG"),
        },
    )


@pytest.fixture
def pictures_in(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    settings.JIANBAO_SITE_URL = "https://jianbao.example/"
    return tmp_path


@pytest.fixture
def stored_rich(db, pictures_in, parsed):
    """The rich bulletin stored (pictures checked and kept), and read back."""
    issue = store_bulletin(rich_bulletin(parsed), source_name="rich.md").issue
    return issue, issue_to_bulletin(issue)


# --- marked text ------------------------------------------------------------------


def test_marks_become_well_nested_strong_em_and_safe_links():
    html = marked_html(
        "abcdefgh",
        [Mark(BOLD, 0, 4), Mark(ITALIC, 2, 6), Mark(LINK, 3, 8, "https://x.org/?a=1&b=2")],
    )
    assert html == (
        "<strong>ab<em>c</em></strong>"
        '<a href="https://x.org/?a=1&amp;b=2" rel="noopener"><strong><em>d</em></strong>'
        "<em>ef</em>gh</a>"
    )
    parse(f"<p>{html}</p>")  # balanced


def test_marked_text_escapes_everything_and_drops_unsafe_links():
    evil = '<script>alert("x")</script>&'
    html = marked_html(
        evil, [Mark(LINK, 0, 8, "javascript:alert(1)"), Mark(BOLD, 0, 99), Mark("blink", 0, 3)]
    )
    assert html == "<strong>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;</strong>"
    assert safe_href("mailto:a@b.org") == "mailto:a@b.org"
    assert safe_href("HTTPS://b.org/") == "HTTPS://b.org/"
    for bad in ("javascript:x", "data:text/html,x", "vbscript:x", "java\nscript:x", "", "//b.org"):
        assert safe_href(bad) == "", bad


def test_marked_text_keeps_line_breaks():
    assert marked_html("一\n二") == "一<br>二"


# --- the standalone file ---------------------------------------------------------------


def test_standalone_html_carries_both_pictures_and_the_table(stored_rich):
    _, bulletin = stored_rich
    html = render_html(bulletin)
    tree = parse(html)
    images = [attrs for tag, attrs in tree.tags if tag == "img"]
    assert len(images) == 2
    for attrs in images:
        assert attrs["src"].startswith("data:image/")
        # The data is a real picture of the announced size.
        data = base64.b64decode(attrs["src"].split(",", 1)[1])
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.size == (int(attrs["width"]), int(attrs["height"]))
    # The 2000 px photo is carried at the file's width, keeping its shape.
    assert (images[0]["width"], images[0]["height"]) == ("960", "576")
    assert (images[1]["width"], images[1]["height"]) == ("640", "400")
    assert images[0]["alt"] == "会场全景"
    # Nothing is fetched from elsewhere: every src is inside the file.
    assert not re.search(r'src="(?!data:)', html)
    assert [c for c in re.findall(r"<figcaption>(.*?)</figcaption>", html)] == list(CAPTIONS)
    assert html.count("<table>") == 1
    assert "<caption>表1 团体标准</caption>" in html
    assert re.findall(r'<th scope="col">(.*?)</th>', html) == ["序号", "标准名称", "状态"]
    assert '<td colspan="2">合计</td>' in html
    assert "<td><strong>铁基</strong>粉末冶金零件用渗铜粉</td>" in html
    assert f"<strong>{BOLD_TEXT}</strong>" in html
    assert '<a href="https://example.org/a?x=1&amp;y=2" rel="noopener">联盟网站</a>' in html
    assert "审议了<em>团体</em>标准" in html
    assert '<div class="note" role="note"><p>编者按：本文介绍联盟年度工作会议。</p></div>' in html
    wrap = next(a for t, a in tree.tags if t == "div" and a.get("class") == "table-wrap")
    assert wrap == {
        "class": "table-wrap",
        "role": "region",
        "aria-label": "表1 团体标准",
        "tabindex": "0",
    }


def test_standalone_html_from_the_render_command(cli, stored_rich, tmp_path):
    out = tmp_path / "issue.html"
    result = cli("render", "2023-1", "--format", "html", "-o", str(out))
    assert result.status == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 2
    assert html.count("<table>") == 1 and CELL_WORD in html


def test_standalone_html_escapes_captions_and_cells(db, pictures_in, parsed):
    evil = '<script>alert("x")</script>'
    article = ParsedArticle(
        title="t",
        blocks=(
            Block(IMAGE, file="p.png", caption=evil, alt=evil),
            Block(TABLE, rows=((Cell(evil),), (Cell(evil),)), header_rows=1, caption=evil),
            Block(PARAGRAPH, evil),
        ),
    )
    section = dataclasses.replace(parsed.sections[0], articles=(article,))
    bulletin = dataclasses.replace(
        parsed, sections=(section,), pictures={"p.png": photo(50, 40, (1, 2, 3), "PNG")}
    )
    html = render_html(issue_to_bulletin(store_bulletin(bulletin).issue))
    assert "<script" not in html
    assert html.count("&lt;script&gt;") >= 5


# --- WeChat ------------------------------------------------------------------------


def test_wechat_links_both_pictures_and_inline_styles_the_table(stored_rich):
    _, bulletin = stored_rich
    html = render_wechat(bulletin)
    assert "class=" not in html and "<style" not in html.lower() and "<script" not in html
    tree = parse(html)
    assert tree.roots == ["section"]
    images = [attrs for tag, attrs in tree.tags if tag == "img"]
    assert len(images) == 2
    names = [b.file for b in bulletin.articles[0].blocks if b.kind == IMAGE]
    for attrs, name in zip(images, names, strict=True):
        assert attrs["src"].startswith("https://jianbao.example/pictures/" + name)
        assert attrs["src"].endswith(".jpg")
        assert "max-width:100%" in attrs["style"] and "height:auto" in attrs["style"]
        assert "width" not in attrs  # no fixed width: a wide picture scales to the phone
    text = "".join(tree.text)
    for caption in CAPTIONS:
        assert caption in text
    tables = [attrs for tag, attrs in tree.tags if tag == "table"]
    assert len(tables) == 1 and "border-collapse:collapse" in tables[0]["style"]
    cells = [(tag, attrs) for tag, attrs in tree.tags if tag in ("th", "td")]
    assert len(cells) == 11
    for tag, attrs in cells:
        assert "border:1px solid" in attrs["style"] and "padding" in attrs["style"], tag
    assert [t for t, _ in cells[:3]] == ["th", "th", "th"]
    assert ("td", "2") in [(t, a.get("colspan")) for t, a in cells]
    assert f'<strong style="font-weight:bold;">{BOLD_TEXT}</strong>' in html
    # WeChat does not follow outside links: the address follows the text.
    assert "href=" not in html and "详见联盟网站（https://example.org/a?x=1&y=2）。" in text
    assert "编者按：本文介绍联盟年度工作会议。" in text
    # Every element says how it looks, inline.
    for tag, attrs in tree.tags:
        assert set(attrs) <= {"style", "src", "alt", "colspan", "rowspan"}, (tag, attrs)
        assert attrs.get("style"), tag


def test_wechat_shows_safe_addresses_only_and_no_tags_from_text(parsed):
    text = "见网站与邮箱与脚本 https://b.org/"
    article = ParsedArticle(
        title="t",
        blocks=(
            paragraph(
                text,
                Mark(LINK, 1, 3, "https://a.org/"),
                Mark(LINK, 4, 6, "mailto:x@a.org"),
                Mark(LINK, 7, 9, "javascript:alert(1)"),
                Mark(LINK, 10, len(text), "https://b.org/"),
            ),
        ),
    )
    section = dataclasses.replace(parsed.sections[0], articles=(article,))
    html = render_wechat(dataclasses.replace(parsed, sections=(section,)))
    body = "".join(parse(html).text)
    assert "见网站（https://a.org/）与邮箱（x@a.org）与脚本 https://b.org/" in body
    assert "javascript" not in html and "href=" not in html
