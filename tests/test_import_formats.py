"""Every input form of the same issue parses to the same bulletin."""

import io
import re

import pytest
from docx import Document

from jianbao.core.errors import UnreadableFile
from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.publishing.ingest.docx import check_docx_archive
from jianbao.publishing.parsed import bulletin_to_dict
from jianbao.publishing.render.markdown import render_markdown


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_encoded_copies_of_the_fixture_give_the_same_json(fixture_text, parsed, encoding):
    data = fixture_text.encode(encoding)
    assert bulletin_to_dict(parse_bulletin_bytes(data, "copy.txt")) == bulletin_to_dict(parsed)


def test_gbk_copy_gives_the_same_json_as_its_utf8_original(fixture_text):
    # GBK lacks ➤ and Ü, so a GBK office prints ■ and writes TUV.
    text = fixture_text.replace("➤", "■").replace("Ü", "U")
    from_gbk = parse_bulletin_bytes(text.encode("gbk"), "copy.txt")
    from_utf8 = parse_bulletin_bytes(text.encode("utf-8"), "copy.txt")
    assert bulletin_to_dict(from_gbk) == bulletin_to_dict(from_utf8)
    assert len(from_gbk.articles) == 25


def build_docx(markdown: str) -> bytes:
    """A Word file of the fixture, as an editor would have it: styles, not marks."""
    document = Document()
    for line in markdown.splitlines():
        line = re.sub(r"</?sub>", "", line).strip()
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        if not line or line == "---":
            continue
        if m := re.match(r"^(#{1,4})\s+(.*)$", line):
            text = m.group(2).replace("**", "")
            document.add_heading(text, level=len(m.group(1)))
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.startswith("**") and line.endswith("**"):
            document.add_paragraph().add_run(line.strip("*")).bold = True
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_bulletin_parses_like_the_text(fixture_text, parsed):
    from_docx = parse_bulletin_bytes(build_docx(fixture_text), "2023-1.docx")
    assert bulletin_to_dict(from_docx) == bulletin_to_dict(parsed)


def test_docx_without_any_styles_still_parses(fixture_text, parsed):
    plain = re.sub(r"^(#{1,4}\s+|- )", "", fixture_text, flags=re.M).replace("**", "")
    from_docx = parse_bulletin_bytes(build_docx(plain), "plain.docx")
    assert [a.title for a in from_docx.articles] == [a.title for a in parsed.articles]
    assert [a.credit for a in from_docx.articles] == [a.credit for a in parsed.articles]


def zip_with(members: dict[str, bytes], *, compress=True) -> bytes:
    import zipfile

    out = io.BytesIO()
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", mode) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_docx_bomb_is_refused_before_parsing():
    bomb = zip_with({"word/document.xml": b"<w:document/>" + b"\0" * (120 * 1024 * 1024)})
    with pytest.raises(UnreadableFile, match="压缩炸弹"):
        check_docx_archive(bomb, "bomb.docx")


def test_docx_with_entity_declarations_is_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:document/>'
    with pytest.raises(UnreadableFile, match="实体"):
        check_docx_archive(zip_with({"word/document.xml": evil}), "evil.docx")


def test_zip_that_is_not_a_word_document_is_refused():
    with pytest.raises(UnreadableFile, match="不是 Word 文档"):
        parse_bulletin_bytes(zip_with({"a.txt": b"x"}), "fake.docx")


def test_text_pdf_bulletin_parses(fixture_text, parsed, tmp_path):
    """A PDF of the issue, typeset with typst from its canonical text, reads back whole."""
    typst = pytest.importorskip("typst")
    pdf = typst.compile(typst_source(render_markdown(parsed)).encode(), font_paths=FONT_DIRS)
    from_pdf = parse_bulletin_bytes(pdf, "2023-1.pdf")
    squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    assert [squeeze(a.title) for a in from_pdf.articles] == [
        squeeze(a.title) for a in parsed.articles
    ]
    assert [a.credit for a in from_pdf.articles] == [a.credit for a in parsed.articles]
    # Paragraph breaks are inferred from line geometry; every article's text
    # must still arrive whole and in its own article.
    assert [squeeze("".join(b.text for b in a.blocks)) for a in from_pdf.articles] == [
        squeeze("".join(b.text for b in a.blocks)) for a in parsed.articles
    ]
    assert (from_pdf.year, from_pdf.number, from_pdf.running_number) == (2023, 1, 66)
    assert from_pdf.distribution == parsed.distribution


FONT_DIRS = ["/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/arphic"]


def typst_source(markdown: str) -> str:
    """A plain typst page per line: headings centred, paragraphs indented and wrapped."""
    out = [
        '#set page(paper: "a4", margin: (x: 28mm, y: 30mm), numbering: "— 1 —")',
        '#set text(font: "Noto Serif CJK SC", size: 12pt, lang: "zh", region: "cn", '
        "cjk-latin-spacing: none)",
        "#set par(justify: true, first-line-indent: (amount: 2em, all: true))",
    ]
    for line in markdown.splitlines():
        if not line.strip():
            continue
        if line.strip() == "---":
            out.append("#line(length: 100%)")
            continue
        text = re.sub(r"^(#{1,4}\s+|- )", "", line).strip()
        literal = text.replace("\\", "\\\\").replace('"', '\\"')
        if line.startswith("- "):
            out.append(f'#[#set par(first-line-indent: 0pt); • #"{literal}"]')
        elif re.fullmatch(r"[（(].*供稿[）)]", text):
            out.append(f'#align(right)[#"{literal}"]')
        elif line.startswith("#") or len(text) < 40:
            out.append(f'#align(center)[#"{literal}"]')
        else:
            out.append(f'#"{literal}"')
        out.append("")
    return "\n".join(out)
