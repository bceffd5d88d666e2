"""Issue #13: a section with no articles is left out of every output, 导读 and body alike.

The sample issue has three sections; the middle one is emptied and given titles
that occur nowhere else, so "the title is absent" cannot pass by accident and
"the title is present" would catch the old behaviour (a bare section heading,
and on the public page "本栏目本期无稿件。").
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess

import docx
import pytest
from django.urls import reverse

from jianbao.publishing.parsed import ParsedBulletin, printed_sections
from jianbao.publishing.render.docx import W_NS, render_docx
from jianbao.publishing.render.html import render_html
from jianbao.publishing.render.markdown import render_markdown
from jianbao.publishing.render.pdf import bulletin_data, render_pdf
from jianbao.publishing.render.wechat import render_wechat

EMPTY_TITLE = "本期暂缺的中间栏目"
EMPTY_TOC = "暂缺栏目的导读名"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def gapped(parsed) -> ParsedBulletin:
    assert len(parsed.sections) == 3 and all(s.articles for s in parsed.sections)
    first, middle, last = parsed.sections
    emptied = dataclasses.replace(middle, title=EMPTY_TITLE, toc_title=EMPTY_TOC, articles=())
    return dataclasses.replace(parsed, sections=(first, emptied, last))


def in_order(text: str, items: list[str], start: int = 0) -> int:
    """Each item found after the previous one; the position after the last."""
    pos = start
    for item in items:
        found = text.find(item, pos)
        assert found >= 0, f"{item!r} missing, or out of order, after position {pos}"
        pos = found + len(item)
    return pos


def toc_items(bulletin: ParsedBulletin) -> list[str]:
    items = []
    for s in printed_sections(bulletin):
        items.append(s.toc_title or s.title)
        items += [a.toc_title or a.title for a in s.articles]
    return items


def body_items(bulletin: ParsedBulletin) -> list[str]:
    items = []
    for s in printed_sections(bulletin):
        items.append(s.title)
        items += [a.title for a in s.articles]
    return items


def assert_left_out(text: str, bulletin: ParsedBulletin) -> None:
    assert EMPTY_TITLE not in text
    assert EMPTY_TOC not in text
    assert "无稿件" not in text
    # The 导读 lists the two remaining sections and their articles, then the body does.
    after_toc = in_order(text, toc_items(bulletin))
    in_order(text, body_items(bulletin), after_toc)


def test_printed_sections_keeps_order_and_drops_only_the_empty_one(parsed, gapped):
    assert [s.title for s in printed_sections(gapped)] == [
        parsed.sections[0].title,
        parsed.sections[2].title,
    ]
    assert printed_sections(parsed) == parsed.sections
    kept = dataclasses.replace(gapped.sections[1], keep_when_empty=True)
    asked = dataclasses.replace(gapped, sections=(gapped.sections[0], kept, gapped.sections[2]))
    assert [s.title for s in printed_sections(asked)][1] == EMPTY_TITLE
    # The flag is a print setting, not content: the bulletin still equals itself without it.
    assert asked == gapped


def test_markdown(gapped):
    assert_left_out(render_markdown(gapped), gapped)


def test_wechat(gapped):
    assert_left_out(render_wechat(gapped), gapped)


def test_web_page(gapped):
    html = render_html(gapped)
    assert_left_out(html, gapped)
    # Section anchors stay numbered 1, 2 with no hole where the empty one was.
    assert re.findall(r'id="section-(\d+)"', html) == ["1", "2"]


def test_word_file(gapped):
    document = docx.Document(io.BytesIO(render_docx(gapped)))
    paragraphs = [
        docx.text.paragraph.Paragraph(p, document.part)
        for p in document.element.body.iter(f"{{{W_NS}}}p")
    ]
    assert_left_out("\n".join(p.text for p in paragraphs), gapped)
    toc_sections = [p.text for p in paragraphs if p.style.name == "TOC Section"]
    assert toc_sections == [s.toc_title or s.title for s in printed_sections(gapped)]
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"➤ {s.title}" for s in printed_sections(gapped)]


def test_pdf(gapped):
    data = bulletin_data(gapped)
    assert [s["title"] for s in data["sections"]] == [s.title for s in printed_sections(gapped)]
    # Article anchors run on without a gap, so each 导读 link finds its article.
    anchors = [a["anchor"] for s in data["sections"] for a in s["articles"]]
    assert anchors == [f"article-{n}" for n in range(1, len(gapped.articles) + 1)]
    text = squash(re.sub(r"—\s*\d+\s*—", "", pdftotext(render_pdf(gapped))))
    assert squash(EMPTY_TITLE) not in text and squash(EMPTY_TOC) not in text
    after_toc = in_order(text, [squash(t) for t in toc_items(gapped)])
    body = [squash(t) for t in body_items(gapped)]
    # Each section heading keeps its ➤ mark.
    body = [("➤" + t) if t in {squash(s.title) for s in gapped.sections} else t for t in body]
    in_order(text, body, after_toc)


def test_a_section_the_editor_keeps_is_printed_empty_in_every_format(gapped):
    kept = dataclasses.replace(gapped.sections[1], keep_when_empty=True)
    asked = dataclasses.replace(gapped, sections=(gapped.sections[0], kept, gapped.sections[2]))
    document = docx.Document(io.BytesIO(render_docx(asked)))
    word = "\n".join(
        docx.text.paragraph.Paragraph(p, document.part).text
        for p in document.element.body.iter(f"{{{W_NS}}}p")
    )
    texts = (render_markdown(asked), render_wechat(asked), render_html(asked), word)
    for text in texts:
        assert EMPTY_TITLE in text and EMPTY_TOC in text
    pdf_sections = [(s["title"], s["toc_title"]) for s in bulletin_data(asked)["sections"]]
    assert pdf_sections[1] == (EMPTY_TITLE, EMPTY_TOC)


@pytest.fixture
def gapped_issue(db, gapped):
    from jianbao.bulletins.services import store_bulletin

    issue = store_bulletin(gapped, source_name="gapped.md").issue
    assert issue.sections.filter(title=EMPTY_TITLE, articles__isnull=True).exists()
    return issue


def test_public_issue_page(client, gapped_issue, gapped):
    response = client.get(f"/issues/{gapped_issue.year}-{gapped_issue.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_left_out(html, gapped)
    assert "本期暂无文章" not in html


def test_desk_preview(client, gapped_issue, gapped):
    from tests.factories import person

    client.force_login(person("preview-editor", "editor"))
    response = client.get(reverse("desk:preview", args=[gapped_issue.pk]))
    assert response.status_code == 200
    assert_left_out(response.content.decode(), gapped)
