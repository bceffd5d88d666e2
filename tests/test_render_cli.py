"""`jianbao render` and the download views, from the stored issue."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

import docx
import ofdkit
import pytest
from pypdf import PdfReader

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.publishing.render.markdown import render_markdown

FILENAME = "产业技术创新战略联盟试点工作简报2023年第1期（总第66期）"


@pytest.mark.parametrize("fmt", ["pdf", "ofd", "docx", "html", "wechat", "md"])
def test_render_each_format_to_a_file(cli, imported_issue, tmp_path, fmt):
    out = tmp_path / f"issue.{fmt}"
    result = cli("render", "2023-1", "--format", fmt, "-o", str(out))
    assert (result.status, result.stderr) == (0, "")
    data = out.read_bytes()
    if fmt == "pdf":
        reader = PdfReader(io.BytesIO(data))
        assert reader.metadata.author == "联盟试点工作联络组办公室"
        assert "吴家喜副司长" in "".join(p.extract_text() for p in reader.pages[:3])
    elif fmt == "ofd":
        with ofdkit.open(data) as document:
            assert document.info.author == "联盟试点工作联络组办公室"
            assert "吴家喜副司长" in "".join(p.text() for p in document.pages[:3])
    elif fmt == "docx":
        titles = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
        assert "化纤联盟协办中国纺织科技成果对接峰会" in titles
    elif fmt == "md":
        assert data.decode() == render_markdown(issue_to_bulletin(imported_issue))
    else:
        assert "化纤联盟协办中国纺织科技成果对接峰会" in data.decode()


def test_running_number_selects_the_issue_too(cli, imported_issue):
    result = cli("render", "66", "--format", "wechat")
    assert result.status == 0
    assert result.stdout.startswith("<section")


def test_text_formats_go_to_stdout(cli, imported_issue):
    result = cli("render", "2023-1", "--format", "md")
    assert result.status == 0
    assert result.stdout == render_markdown(issue_to_bulletin(imported_issue))


def test_binary_format_without_a_byte_stream_is_one_clear_error(cli, imported_issue):
    # The cli fixture's stdout is a StringIO: there is nowhere to put bytes.
    result = cli("render", "2023-1", "--format", "pdf")
    assert result.status == 2
    assert result.stderr.count("\n") == 1 and "-o" in result.stderr


def test_unknown_issue(cli, db):
    result = cli("render", "2099-1", "--format", "pdf")
    assert result.status == 2
    assert result.stderr == "jianbao render：归档中没有 2099-1 这一期\n"


def test_unwritable_output_is_one_clear_error(cli, imported_issue, tmp_path):
    result = cli("render", "2023-1", "--format", "md", "-o", str(tmp_path / "no" / "x.md"))
    assert result.status == 2
    assert result.stderr.startswith("jianbao render：无法写入")


@pytest.mark.parametrize(
    "fmt,content_type",
    [
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("ofd", "application/ofd"),
    ],
)
def test_download_of_a_published_issue(client, imported_issue, fmt, content_type):
    response = client.get(f"/issues/2023-1.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="jianbao-2023-1.{fmt}"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"{FILENAME}.{fmt}"
    assert encoded.isascii()
    body = response.content
    assert int(response["Content-Length"]) == len(body)
    if fmt == "pdf":
        assert body.startswith(b"%PDF")
    elif fmt == "ofd":
        assert zipfile.ZipFile(io.BytesIO(body)).namelist()[0] == "OFD.xml"
    else:
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_no_download_of_unpublished_or_missing_issues(client, imported_issue):
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.EDITING)
    assert client.get("/issues/2023-1.pdf").status_code == 404
    assert client.get("/issues/2023-1.docx").status_code == 404
    assert client.get("/issues/2099-1.pdf").status_code == 404


def test_download_is_read_only(client, imported_issue):
    assert client.post("/issues/2023-1.pdf").status_code == 405


def test_render_the_archival_pdf_to_a_file(cli, imported_issue, tmp_path):
    import pikepdf

    out = tmp_path / "x.pdf"
    result = cli("render", "2023-1", "--format", "pdfa", "-o", str(out))
    assert (result.status, result.stderr) == (0, "")
    with pikepdf.open(out) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "吴家喜副司长" in "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages[:3]
        )


def test_jianbao_fonts_needs_no_issue(cli, settings):
    settings.JIANBAO_FONT_DIR = ""
    result = cli("fonts")
    assert result.status == 0
    assert result.stdout.startswith("未设置单位字体目录（JIANBAO_FONT_DIR）")
