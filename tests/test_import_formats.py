"""Every input form of the same issue parses to the same bulletin."""

import io
import json
import re
from dataclasses import replace

import pytest
from docx import Document

from jianbao.core.errors import UnreadableFile
from jianbao.publishing.ingest import parse_bulletin_bytes, read_bulletin_file
from jianbao.publishing.ingest.docx import check_docx_archive
from jianbao.publishing.parsed import IMAGE, Block, bulletin_to_dict
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


# --- Pictures beside a Markdown file, and the JSON export (issue #11) ------------------

ANCHOR = "会上，各位理事讨论并通过了"
PICTURE_BYTES = b"\x89PNG\r\n\x1a\n not checked here: the store checks pictures"


def with_body_markup(fixture_text: str, markup: str) -> tuple[str, int]:
    """The fixture with ``markup`` as blocks of an article; the line its first line lands on."""
    at = fixture_text.index(ANCHOR)
    return fixture_text[:at] + markup + "\n\n" + fixture_text[at:], fixture_text[:at].count(
        "\n"
    ) + 1


def test_a_markdown_file_reads_the_pictures_beside_it(fixture_text, tmp_path):
    text, _ = with_body_markup(fixture_text, '![图为会议现场](photos/会场.png "会场")')
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "会场.png").write_bytes(PICTURE_BYTES)
    (tmp_path / "2023-1.md").write_text(text, encoding="utf-8")
    bulletin = read_bulletin_file(tmp_path / "2023-1.md")
    (image,) = [b for a in bulletin.articles for b in a.pictures]
    assert (image.file, image.caption, image.alt) == ("photos/会场.png", "图为会议现场", "会场")
    assert bulletin.pictures == {"photos/会场.png": PICTURE_BYTES}


def test_an_upload_reads_no_picture_from_the_disk(fixture_text, tmp_path):
    text, _ = with_body_markup(fixture_text, "![图为会议现场](photos/会场.png)")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "会场.png").write_bytes(PICTURE_BYTES)
    bulletin = parse_bulletin_bytes(text.encode(), str(tmp_path / "upload.md"))
    assert bulletin.pictures == {}


@pytest.mark.parametrize(
    "path, reason",
    [
        ("../secret.png", "不在文件所在的文件夹内"),
        ("photos/../../secret.png", "不在文件所在的文件夹内"),
        ("/etc/hostname", "不在文件所在的文件夹内"),
        ("C:\\\\Windows\\\\a.png", "不在文件所在的文件夹内"),
        ("photos/none.png", "找不到图片文件"),
        ("link/secret.png", "指向文件夹之外"),
    ],
)
def test_a_picture_path_that_leaves_the_folder_or_is_missing_is_refused_by_line(
    fixture_text, tmp_path, path, reason
):
    folder = tmp_path / "issue"
    (folder / "photos").mkdir(parents=True)
    (tmp_path / "secret.png").write_bytes(PICTURE_BYTES)
    (folder / "link").symlink_to(tmp_path)
    text, line = with_body_markup(fixture_text, f"![图为会议现场]({path})")
    (folder / "2023-1.md").write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableFile, match=reason) as refused:
        read_bulletin_file(folder / "2023-1.md")
    assert refused.value.line == line
    assert str(refused.value).startswith(f"{folder / '2023-1.md'}:{line}：")


def test_a_picture_over_the_size_limit_is_refused_naming_it(fixture_text, tmp_path, settings):
    settings.JIANBAO_PICTURE_MAX_BYTES = 1024 * 1024
    (tmp_path / "big.jpg").write_bytes(b"\xff\xd8" + b"\0" * (2 * 1024 * 1024))
    text, line = with_body_markup(fixture_text, "![图为会议现场](big.jpg)")
    (tmp_path / "2023-1.md").write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"图片“big.jpg”过大（2.0 MB，上限 1 MB）") as refused:
        read_bulletin_file(tmp_path / "2023-1.md")
    assert refused.value.line == line


def test_a_json_export_is_read_with_its_picture_files(parsed, tmp_path):
    section = parsed.sections[0]
    article = section.articles[0]
    picture = Block(IMAGE, file="pictures/a.png", caption="图为会议现场", width=4, height=3)
    article = replace(article, blocks=(*article.blocks, picture))
    bulletin = replace(parsed, sections=(replace(section, articles=(article,)),))
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "a.png").write_bytes(PICTURE_BYTES)
    path = tmp_path / "2023-1.json"
    path.write_text(json.dumps(bulletin_to_dict(bulletin), ensure_ascii=False), encoding="utf-8")
    again = read_bulletin_file(path)
    assert again == bulletin
    assert again.pictures == {"pictures/a.png": PICTURE_BYTES}


def test_a_json_picture_out_of_the_folder_is_refused_naming_the_article(parsed, tmp_path):
    section = parsed.sections[0]
    article = section.articles[0]
    picture = Block(IMAGE, file="../a.png", caption="图为会议现场")
    article = replace(article, blocks=(*article.blocks, picture))
    bulletin = replace(parsed, sections=(replace(section, articles=(article,)),))
    path = tmp_path / "2023-1.json"
    path.write_text(json.dumps(bulletin_to_dict(bulletin), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UnreadableFile, match=f"第1篇文章“{article.title}”的图片“../a.png”"):
        read_bulletin_file(path)


def test_broken_json_is_refused_with_its_line(tmp_path):
    path = tmp_path / "2023-1.json"
    path.write_text('{\n  "year": 2023,\n  "number": \n}', encoding="utf-8")
    with pytest.raises(UnreadableFile, match="不是有效的 JSON") as refused:
        read_bulletin_file(path)
    assert refused.value.line == 4


def test_a_folder_with_two_bulletin_files_asks_which(tmp_path):
    (tmp_path / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=re.escape("多个简报文件（a.md、b.json）")):
        read_bulletin_file(tmp_path)
