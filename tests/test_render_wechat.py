"""The WeChat fragment and the standalone web page."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest

from jianbao.publishing.parsed import PARAGRAPH, Block, ParsedArticle, ParsedSection
from jianbao.publishing.render.html import render_html
from jianbao.publishing.render.pdf import credit_line
from jianbao.publishing.render.wechat import render_wechat

VOID = {"br", "meta", "img", "hr", "link", "input", "source"}


class Tree(HTMLParser):
    """Records tags, attributes and text, and checks that the nesting is balanced."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.roots: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stray_text_outside_root = False

    def handle_starttag(self, tag, attrs):
        if not self.stack:
            self.roots.append(tag)
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        if not self.stack and data.strip():
            self.stray_text_outside_root = True
        self.text.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.stack == [], f"unclosed: {tree.stack}"
    return tree


@pytest.fixture(scope="session")
def wechat(parsed) -> str:
    return render_wechat(parsed)


def test_one_section_root_with_inline_styles_only(wechat):
    tree = parse(wechat)
    assert tree.roots == ["section"]
    assert not tree.stray_text_outside_root
    names = {tag for tag, _ in tree.tags}
    assert names <= {"section", "p", "span", "strong"}, names
    for tag, attrs in tree.tags:
        assert set(attrs) <= {"style"}, (tag, attrs)
        assert attrs.get("style"), f"<{tag}> without inline style"


def test_no_external_resources(wechat):
    lowered = wechat.lower()
    for needle in ("<style", "<script", "<link", "<img", "src=", "href=", "url(", "@import"):
        assert needle not in lowered


def test_fragment_holds_the_whole_issue_in_order(parsed, wechat):
    text = "".join(parse(wechat).text)
    pos = text.index("本期导读")
    expected = [parsed.series_title, parsed.label]
    for section in parsed.sections:
        expected.append(section.title)
        for article in section.articles:
            expected += [article.title, *(b.text for b in article.blocks)]
            if article.credit:
                expected.append(credit_line(article.credit))
    # Masthead first, then the body after the 导读.
    assert text.index(parsed.series_title) < pos
    pos = text.index(parsed.sections[0].title, pos + 1)
    for item in expected[2:]:
        found = text.find(item, pos)
        assert found >= 0, item
        pos = found
    assert "本期编辑：杨丹泽" in text[pos:]


def _hostile(parsed):
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)> \'"'
    return dataclasses.replace(
        parsed,
        series_title=evil,
        sections=(
            ParsedSection(
                title=evil,
                articles=(
                    ParsedArticle(title=evil, blocks=(Block(PARAGRAPH, evil),), credit=evil),
                ),
            ),
        ),
    ), evil


def test_wechat_escapes_all_text(parsed):
    bulletin, evil = _hostile(parsed)
    html = render_wechat(bulletin)
    assert "<script" not in html and "<img" not in html
    tree = parse(html)
    assert {tag for tag, _ in tree.tags} <= {"section", "p", "span", "strong"}
    assert "".join(tree.text).count(evil) >= 4


def test_web_page_is_a_standalone_document_with_anchors(parsed):
    html = render_html(parsed, downloads=[("PDF", "/issues/2023-1.pdf")])
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    tree = parse(html)
    ids = {attrs["id"] for _, attrs in tree.tags if "id" in attrs}
    links = [attrs["href"] for tag, attrs in tree.tags if tag == "a"]
    article_links = [h for h in links if h.startswith("#")]
    assert len(article_links) == len(parsed.articles)
    assert {h[1:] for h in article_links} <= ids
    assert "/issues/2023-1.pdf" in links
    text = "".join(tree.text)
    for article in parsed.articles:
        assert article.title in text
    assert "本期编辑：杨丹泽" in text


def test_web_page_escapes_all_text(parsed):
    bulletin, evil = _hostile(parsed)
    html = render_html(bulletin)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "".join(parse(html).text).count(evil) >= 4
