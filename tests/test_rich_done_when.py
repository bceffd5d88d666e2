"""Issue #11's acceptance, through the command line: a bulletin .docx with two
captioned photos, a 4×3 table and a bold run comes out whole in every format."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile

import pytest
from docx import Document

from tests.rich_fixtures import BOLD_TEXT, CAPTIONS, RICH_ARTICLE, TABLE, rich_bulletin_docx

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(cli, tmp_path):
    path = tmp_path / "2023-1.docx"
    path.write_bytes(rich_bulletin_docx())
    result = cli("import", "-q", str(path))
    assert result.status == 0, result.stderr
    return "2023-1"


def rich_article(data: dict) -> dict:
    (article,) = [a for s in data["sections"] for a in s["articles"] if a["title"] == RICH_ARTICLE]
    return article


def test_the_json_export_holds_both_pictures_the_table_and_the_bold(cli, imported):
    result = cli("export", imported, "--format", "json")
    assert result.status == 0, result.stderr
    blocks = rich_article(json.loads(result.stdout))["blocks"]
    images = [b for b in blocks if b["kind"] == "image"]
    assert [b["caption"] for b in images] == list(CAPTIONS)
    for image in images:
        assert image["file"] and image["width"] > 0 and image["height"] > 0
    (table,) = [b for b in blocks if b["kind"] == "table"]
    assert [[c["text"] for c in row] for row in table["rows"]] == [list(r) for r in TABLE]
    assert table["header_rows"] >= 0
    bold = [
        b["text"][m["start"] : m["end"]]
        for b in blocks
        if b["kind"] == "paragraph"
        for m in b["marks"]
        if m["type"] == "bold"
    ]
    assert bold == [BOLD_TEXT]
    # No caption is glued onto a paragraph.
    paragraphs = [b["text"] for b in blocks if b["kind"] == "paragraph"]
    assert not any(caption in text for caption in CAPTIONS for text in paragraphs)


def test_the_pdf_shows_both_pictures_and_the_table(cli, imported, tmp_path):
    out = tmp_path / "issue.pdf"
    assert cli("render", imported, "--format", "pdf", "-o", str(out)).status == 0
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    images = [line for line in listing.splitlines()[2:] if line.split()[2] == "image"]
    assert len(images) == 2, listing
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = re.sub(r"\s+", "", text)
    for caption in CAPTIONS:
        assert re.sub(r"\s+", "", caption) in squeezed
    for row in TABLE:
        for cell in row:
            assert cell in squeezed


def test_the_word_file_holds_both_pictures_and_a_word_table(cli, imported, tmp_path):
    out = tmp_path / "issue.docx"
    assert cli("render", imported, "--format", "docx", "-o", str(out)).status == 0
    with zipfile.ZipFile(out) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(media) == 2
    tables = Document(str(out)).tables
    cells = [[c.text for c in row.cells] for t in tables for row in t.rows]
    assert [list(r) for r in TABLE] == [row for row in cells if row[0] in {r[0] for r in TABLE}]


def test_the_standalone_page_carries_both_pictures(cli, imported, tmp_path):
    out = tmp_path / "issue.html"
    assert cli("render", imported, "--format", "html", "-o", str(out)).status == 0
    html = out.read_text(encoding="utf-8")
    assert len(re.findall(r'<img[^>]+src="data:image/', html)) == 2
    assert "<table" in html and "钼铌合金棒材" in html


def test_the_wechat_post_has_both_pictures_and_the_table(cli, imported, tmp_path):
    out = tmp_path / "issue.wechat.html"
    assert cli("render", imported, "--format", "wechat", "-o", str(out)).status == 0
    html = out.read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(sources) == 2 and all(s.startswith("http") for s in sources)
    assert "<table" in html
    assert "class=" not in html and "<style" not in html
