"""An issue's 编者按 (the editor's note for the whole issue) prints in every output
after the masthead and before 本期导读: a bold “编者按：”, then a paragraph per line
in 楷体; the Markdown and JSON exports keep it, and an issue without one prints
as it did before."""

from __future__ import annotations

import dataclasses
import email
import io
import json
import re
import subprocess
from email import policy

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from jianbao.archive.links import issue_url
from jianbao.bulletins.services import issue_to_bulletin, store_bulletin
from jianbao.distribution.message import build_issue_mail
from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import bulletin_from_dict, bulletin_to_dict, reading_lines
from jianbao.publishing.render.docx import DocxSettings, render_docx
from jianbao.publishing.render.html import render_html
from jianbao.publishing.render.markdown import render_markdown
from jianbao.publishing.render.pdf import render_pdf
from jianbao.publishing.render.wechat import render_wechat

pytestmark = pytest.mark.django_db

FIRST = "本期聚焦联盟试点工作的新进展，请各联盟对照落实。"
# Characters the markup escapes and HTML must escape, to prove both do.
SECOND = "各联盟可把*经验*与[问题]报送秘书处，<注意>时限。"
NOTE = f"{FIRST}\n{SECOND}"


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_page_cache):
    pass


@pytest.fixture
def noted(parsed):
    """The sample issue stored with a two-paragraph 编者按, and its content shape."""
    issue = store_bulletin(dataclasses.replace(parsed, editor_note=NOTE), source_name="n.md").issue
    return issue, issue_to_bulletin(issue)


@pytest.fixture
def plain(imported_issue):
    return imported_issue, issue_to_bulletin(imported_issue)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def in_order(text: str, *parts: str) -> bool:
    """Each part occurs in ``text``, each after the one before."""
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        if found < 0:
            return False
        at = found
    return True


def test_the_store_keeps_the_note_and_the_json_export_has_it(noted, cli):
    issue, bulletin = noted
    assert issue.editor_note == NOTE
    assert bulletin.editor_note == NOTE
    assert reading_lines(bulletin)[:3] == ["【编者按】", FIRST, SECOND]
    result = cli("export", "2023-1", "--format", "json")
    assert result.status == 0
    data = json.loads(result.stdout)
    assert data["editor_note"] == NOTE
    assert bulletin_from_dict(data).editor_note == NOTE


def test_an_older_export_without_the_key_reads_as_no_note(plain):
    _, bulletin = plain
    data = bulletin_to_dict(bulletin)
    assert data["editor_note"] is None
    del data["editor_note"]
    assert bulletin_from_dict(data) == bulletin
    assert bulletin_from_dict(data).editor_note == ""
    assert "【编者按】" not in reading_lines(bulletin)


def test_the_markdown_export_quotes_the_note_before_the_toc_and_reads_it_back(noted):
    _, bulletin = noted
    text = render_markdown(bulletin)
    assert (
        "> **编者按：**本期聚焦联盟试点工作的新进展，请各联盟对照落实。\n"
        "> 各联盟可把\\*经验\\*与\\[问题\\]报送秘书处，<注意>时限。\n\n### 本期导读\n"
    ) in text
    again = parse_bulletin_text(text)
    assert again.editor_note == NOTE
    assert again == bulletin
    assert bulletin_to_dict(again) == bulletin_to_dict(bulletin)
    # The exported text imports as the same issue: nothing to replace.
    assert store_bulletin(again, source_name="again.md").unchanged


def test_the_pdf_prints_the_note_in_kai_before_the_toc(noted):
    _, bulletin = noted
    pdf = render_pdf(bulletin)
    text = squash(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode("utf-8")
    )
    assert in_order(text, "编者按：", squash(FIRST), squash(SECOND), "本期导读")

    runs = []

    def visit(t, cm, tm, font, size):
        if t.strip() and font:
            runs.append((str(font.get("/BaseFont")), t))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    label = [font for font, t in runs if "编者按" in t]
    assert label and all("Sans" in f and "Bold" in f for f in label)  # 黑体
    # The runs of the note's words (the masthead's 简 is a word of them too).
    body = [(f, t.strip()) for f, t in runs if len(t.strip()) >= 4 and t.strip() in FIRST + SECOND]
    assert "".join(t for _, t in body).startswith("本期聚焦")
    assert all("LXGWWenKai" in f for f, _ in body), body  # 楷体
    # Word's and the PDF's text read back into the note.
    assert parse_bulletin_bytes(pdf, "noted.pdf").editor_note == NOTE


def _body_items(document) -> list[tuple[str, str, str]]:
    """(kind, style, text) of the body's paragraphs and tables, in order."""
    items = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            p = docx.text.paragraph.Paragraph(child, document)
            items.append(("p", p.style.name, p.text))
        elif child.tag == qn("w:tbl"):
            items.append(("table", "", "".join(t.text or "" for t in child.iter(qn("w:t")))))
    return items


def test_the_word_file_sets_the_note_in_kai_before_the_toc(noted):
    _, bulletin = noted
    data = render_docx(bulletin)
    document = docx.Document(io.BytesIO(data))
    items = _body_items(document)
    texts = [text for _, _, text in items]
    first = texts.index("编者按：" + FIRST)
    assert texts[first + 1] == SECOND
    toc = next(
        i for i, (kind, _, text) in enumerate(items) if kind == "table" and "本期导读" in text
    )
    assert items[first - 1][1] == "Office Line" and first + 1 < toc
    paragraphs = [p for p in document.paragraphs if p.text in ("编者按：" + FIRST, SECOND)]
    assert {p.style.name for p in paragraphs} == {"Note"}
    style = document.styles["Note"]
    fonts = style.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == DocxSettings().kai_face
    indent = style.element.pPr.find(qn("w:ind"))
    assert int(indent.get(qn("w:firstLine"))) > 0  # a first-line indent
    label = paragraphs[0].runs[0]
    assert label.text == "编者按：" and label.style.name == "Strong"
    assert parse_bulletin_bytes(data, "noted.docx").editor_note == NOTE


def _check_aside(html: str) -> None:
    (inner,) = re.findall(
        r'<aside class="editor-note" aria-label="编者按">(.*?)</aside>', html, re.S
    )
    assert re.findall(r"<p>(.*?)</p>", inner) == [
        f"<strong>编者按：</strong>{FIRST}",
        "各联盟可把*经验*与[问题]报送秘书处，&lt;注意&gt;时限。",
    ]
    assert html.index("<aside") < html.index('id="toc-title"')
    assert html.index("</header>") < html.index("<aside")


def test_the_standalone_page_has_the_aside_before_the_toc(noted):
    _, bulletin = noted
    html = render_html(bulletin)
    _check_aside(html)
    assert ".editor-note" in html  # styled in the page's own style sheet


def test_the_public_issue_page_has_the_aside_before_the_toc(noted, client):
    issue, _ = noted
    response = client.get(issue_url(issue))
    assert response.status_code == 200
    _check_aside(response.content.decode())


def test_the_wechat_post_has_the_note_inline_styled(noted):
    _, bulletin = noted
    post = render_wechat(bulletin)
    assert "class=" not in post
    m = re.search(r'<section style="([^"]*KaiTi[^"]*)"><p style="[^"]+">(.*?)</section>', post)
    assert m, post[:2000]
    assert re.search(r'<strong style="[^"]*font-weight:bold[^"]*">编者按：</strong>', m.group(2))
    assert FIRST in m.group(2) and "&lt;注意&gt;" in m.group(2)
    assert "text-indent:2em" in m.group(0)
    assert in_order(post, "编者按：", FIRST, "各联盟可把", "本期导读")


def test_the_mail_has_the_note_in_html_and_text(noted, settings):
    settings.JIANBAO_SITE_URL = "https://jianbao.example.org"
    issue, _ = noted
    built = build_issue_mail(issue, pdf=b"%PDF-1.7 test")
    assert in_order(built.html, "<strong", "编者按：", FIRST, "&lt;注意&gt;", "本期导读")
    assert re.search(r"<p style=\"[^\"]*text-indent:2em[^\"]*\">", built.html)
    assert in_order(built.text, f"编者按：{FIRST}\n", f"{SECOND}\n", "本期导读")
    message = email.message_from_bytes(
        b"To: a@example.org\r\n" + built.shared, policy=policy.default
    )
    assert FIRST in message.get_body(("plain",)).get_content()


def test_an_issue_without_a_note_prints_none(plain, client, settings):
    settings.JIANBAO_SITE_URL = "https://jianbao.example.org"
    issue, bulletin = plain
    assert bulletin.editor_note == ""
    pdf_text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=render_pdf(bulletin),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    document = docx.Document(io.BytesIO(render_docx(bulletin)))
    built = build_issue_mail(issue, pdf=b"%PDF-1.7 test")
    outputs = {
        "pdf": pdf_text,
        "docx": "\n".join(text for _, _, text in _body_items(document)),
        "html": render_html(bulletin),
        "public": client.get(issue_url(issue)).content.decode(),
        "wechat": render_wechat(bulletin),
        "mail html": built.html,
        "mail text": built.text,
        "markdown": render_markdown(bulletin),
    }
    for name, text in outputs.items():
        assert "编者按" not in text, name
        assert "editor-note" not in text, name
    assert "> " not in outputs["markdown"].split("### 本期导读")[0]
    assert "\n\n\n本期导读" not in built.text and "　\n\n本期导读" not in built.text
    assert built.text.split("本期导读")[0].endswith(f"{bulletin.office}　2023年3月20日\n\n")
