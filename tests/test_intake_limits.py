"""Small files that cost a lot to read are refused quickly, naming the file and the limit."""

import io
import time
import zipfile

import pytest
from docx import Document

from jianbao.core.errors import UnreadableFile
from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.submissions.services import AttachmentRefused, read_attachment

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CPU_BOUND = 5.0  # the bound: refused or read within 5 s of CPU


def docx_with(body_xml: str = "", *, styles_xml: str | None = None) -> bytes:
    """A real Word file (python-docx's own template) whose body is the given XML."""
    template = io.BytesIO()
    Document().save(template)
    source = zipfile.ZipFile(template)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    f'<w:document xmlns:w="{W}"><w:body>{body_xml}</w:body></w:document>'
                ).encode()
            elif item.filename == "word/styles.xml" and styles_xml is not None:
                data = styles_xml.encode()
            archive.writestr(item.filename, data)
    return out.getvalue()


def paragraphs_xml(count: int) -> str:
    return "".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(count))


@pytest.fixture(scope="module")
def many_paragraphs() -> bytes:
    data = docx_with(paragraphs_xml(69_000))
    assert len(data) < 1024 * 1024  # the finding: under 1 MB
    return data


def cpu(fn, *args):
    """(result or exception, CPU seconds) of one call."""
    started = time.process_time()
    try:
        result = fn(*args)
    except Exception as exc:  # returned, for the test to check
        result = exc
    return result, time.process_time() - started


def test_a_docx_under_1_mb_with_69000_paragraphs_is_refused_within_5_s(many_paragraphs):
    refused, seconds = cpu(read_attachment, "万段.docx", many_paragraphs)
    assert isinstance(refused, AttachmentRefused), refused
    assert str(refused) == "万段.docx：段落超过 5000 个，超出上限"
    assert seconds < CPU_BOUND


def test_the_importer_refuses_it_the_same_way(many_paragraphs):
    refused, seconds = cpu(parse_bulletin_bytes, many_paragraphs, "2023-1.docx")
    assert isinstance(refused, UnreadableFile), refused
    assert str(refused) == "2023-1.docx：段落超过 5000 个，超出上限"
    assert seconds < CPU_BOUND


def test_a_docx_at_the_paragraph_limit_is_read_within_5_s():
    data = docx_with(paragraphs_xml(5_000))
    read, seconds = cpu(read_attachment, "五千段.docx", data)
    assert not isinstance(read, Exception), read
    assert read.title == "第0段"
    assert len(read.paragraphs) == 4_999 and read.paragraphs[-1] == "第4999段"
    assert seconds < CPU_BOUND


@pytest.mark.parametrize("limit, cell", [(5_000, "<w:tc/>"), (1_000, "<w:tc><w:p/></w:tc>")])
def test_table_cells_past_the_limit_are_refused(settings, limit, cell):
    settings.JIANBAO_PARSE_LIMITS = {"table_cells": limit}
    row = "<w:tr>" + cell * 100 + "</w:tr>"
    data = docx_with(f"<w:p><w:r><w:t>标题</w:t></w:r></w:p><w:tbl>{row * 60}</w:tbl>")
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("大表.docx", data)
    assert str(refused.value) == f"大表.docx：表格单元格超过 {limit} 个，超出上限"


def test_xml_elements_past_the_limit_are_refused_in_the_body():
    runs = "".join(f"<w:r><w:t>{i}</w:t></w:r>" for i in range(160_000))  # 320,000 elements
    data = docx_with(f"<w:p>{runs}</w:p>")
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("碎片.docx", data)
    assert str(refused.value) == "碎片.docx：XML 元素超过 300000 个，超出上限"


def test_xml_elements_count_in_every_part_python_docx_would_load():
    styles = "".join(
        f'<w:style w:type="character" w:styleId="s{i}"><w:name w:val="s{i}"/></w:style>'
        for i in range(160_000)
    )
    data = docx_with(paragraphs_xml(3), styles_xml=f'<w:styles xmlns:w="{W}">{styles}</w:styles>')
    with pytest.raises(AttachmentRefused, match="XML 元素超过 300000 个，超出上限"):
        read_attachment("样式.docx", data)


def test_time_per_file_is_limited(settings):
    settings.JIANBAO_PARSE_LIMITS = {"cpu_seconds": 0.01}
    data = docx_with(paragraphs_xml(4_000))
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("慢.docx", data)
    assert str(refused.value) == "慢.docx：读取用时超过 0.01 秒，超出上限"


def test_a_text_file_of_69000_lines_is_refused():
    data = "\n".join(f"第{i}段" for i in range(69_000)).encode()
    refused, seconds = cpu(read_attachment, "万行.txt", data)
    assert isinstance(refused, AttachmentRefused), refused
    assert str(refused) == "万行.txt：段落超过 5000 个，超出上限"
    assert seconds < CPU_BOUND


def test_pasted_html_of_69000_paragraphs_is_refused_before_nh3_sees_it():
    data = "".join(f"<p>第{i}段</p>\n" for i in range(69_000)).encode()
    with pytest.raises(AttachmentRefused, match="段落超过 5000 个"):
        read_attachment("网页.txt", data)


def test_pdf_pages_past_the_limit_are_refused_before_any_page_is_read(settings):
    import typst

    settings.JIANBAO_PARSE_LIMITS = {"pages": 2}
    pdf = typst.compile(b"a #pagebreak() b #pagebreak() c")
    with pytest.raises(UnreadableFile) as refused:
        parse_bulletin_bytes(pdf, "三页.pdf")
    assert str(refused.value) == "三页.pdf：页数超过 2 页，超出上限"


def test_a_zip_member_that_lies_about_its_size_is_refused_not_crashed():
    data = bytearray(docx_with(paragraphs_xml(50)))
    # Shrink document.xml's declared size in both headers: decompression then
    # stops short, and the CRC no longer matches.
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("word/document.xml")
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + name_len]) == b"word/document.xml":
            data[central + 24 : central + 28] = (100).to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    data[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(4, "little")
    with pytest.raises(AttachmentRefused, match=r"不是有效的 \.docx 文件"):
        read_attachment("谎报.docx", bytes(data))


def test_a_merged_cell_is_read_once():
    merged = (
        '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="3"/></w:tcPr>'
        "<w:p><w:r><w:t>横跨三列</w:t></w:r></w:p></w:tc></w:tr>"
    )
    data = docx_with(f"<w:p><w:r><w:t>标题</w:t></w:r></w:p><w:tbl>{merged}</w:tbl>")
    # One cell across three columns, in the text markup: the text once, with its span.
    assert read_attachment("合并.docx", data).paragraphs == (
        "| --- | --- | --- |\n| 横跨三列{colspan=3} |",
    )


def test_a_doctype_hidden_behind_a_long_comment_is_refused():
    template = io.BytesIO(docx_with(paragraphs_xml(1)))
    source = zipfile.ZipFile(template)
    evil = (
        b'<?xml version="1.0"?><!--'
        + b"x" * 5000
        + b'--><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        + f'<w:document xmlns:w="{W}"><w:body><w:p/></w:body></w:document>'.encode()
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            archive.writestr(item.filename, evil if item.filename == "word/document.xml" else data)
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("实体.docx", out.getvalue())
    assert str(refused.value) == "实体.docx：word/document.xml 含有 DOCTYPE/实体声明，已拒绝"
