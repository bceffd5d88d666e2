"""Word 97–2003 .doc and WPS .wps files import through LibreOffice's .docx
conversion: the sample, rendered by jianbao as DOCX and saved by LibreOffice
as Word 97, comes back as the sample; broken and foreign OLE files are refused
in one line naming the file, and the conversion cleans up after itself."""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
from pathlib import Path

import pytest
from PIL import Image

from jianbao.core.errors import UnreadableFile
from jianbao.publishing.ingest import parse_bulletin_bytes, read_bulletin_file
from jianbao.publishing.ingest.legacy import legacy_to_docx, legacy_to_markup
from jianbao.publishing.parsed import IMAGE, TABLE, bulletin_to_dict
from jianbao.publishing.render import render
from tests.libreoffice import (
    NEWS_CAPTION,
    NEWS_PARAGRAPHS,
    NEWS_TABLE,
    NEWS_TITLE,
    break_stream,
    needs_soffice,
    news_doc,
    ole_junk,
    rename_stream,
    sample_doc,
)

SECTIONS = ["重要政策动态", "联盟联络组及协发网动态", "试点联盟动态及协发网网员单位动态"]
CLOSING_EDITORS = "本期编辑：杨丹泽\u3000审核：尚辉良\u3000签发：李新男"


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The folder tempfile hands out folders in, to see what a conversion leaves there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    """An ``soffice`` first on PATH that writes ``script``'s doings into tmp_path/log."""

    def install(script: str) -> Path:
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        fake = folder / "soffice"
        fake.write_text("#!/bin/sh\n" + script)
        fake.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
        return tmp_path / "log"

    return install


# --- The sample, through LibreOffice -------------------------------------------


@needs_soffice
def test_the_sample_saved_as_word_97_imports_as_the_sample(parsed, tmp_path):
    path = tmp_path / "2023-1.doc"
    path.write_bytes(sample_doc())
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    bulletin = read_bulletin_file(path)

    assert [s.title for s in bulletin.sections] == SECTIONS
    assert len(bulletin.articles) == 25
    assert [[a.title for a in s.articles] for s in bulletin.sections] == [
        [a.title for a in s.articles] for s in parsed.sections
    ]
    assert [a.credit for a in bulletin.articles] == [a.credit for a in parsed.articles]
    assert [a.contributors for a in bulletin.articles] == [a.contributors for a in parsed.articles]
    # Block for block, marks included, the bodies are the sample's. The one
    # addition: jianbao's DOCX sets the 版记 (报/送, the editors, the addresses)
    # as a table at the foot, and the .docx reader takes it for a table of the
    # last article. The .docx itself imports so too (next test): LibreOffice
    # changes nothing here.
    assert [a.blocks for a in bulletin.articles[:-1]] == [a.blocks for a in parsed.articles[:-1]]
    *last_body, closing = bulletin.articles[-1].blocks
    assert tuple(last_body) == parsed.articles[-1].blocks
    assert closing.kind == TABLE
    assert [row[0].text for row in closing.rows][1] == CLOSING_EDITORS
    assert (bulletin.year, bulletin.number, bulletin.running_number) == (2023, 1, 66)
    assert (bulletin.date, bulletin.office) == (parsed.date, parsed.office)


@needs_soffice
def test_the_word_97_file_imports_exactly_as_the_docx_it_was_saved_from(parsed):
    from_doc = parse_bulletin_bytes(sample_doc(), "2023-1.doc")
    from_docx = parse_bulletin_bytes(render(parsed, "docx"), "2023-1.doc")
    assert bulletin_to_dict(from_doc) == bulletin_to_dict(from_docx)
    assert from_doc.warnings == from_docx.warnings


@needs_soffice
def test_the_same_bytes_named_wps_import_the_same(tmp_path):
    doc, wps = tmp_path / "2023-1.doc", tmp_path / "2023-1.wps"
    doc.write_bytes(sample_doc())
    wps.write_bytes(sample_doc())
    from_wps = read_bulletin_file(wps)
    assert len(from_wps.articles) == 25
    assert bulletin_to_dict(from_wps) == bulletin_to_dict(read_bulletin_file(doc))


@needs_soffice
def test_a_doc_in_a_folder_is_the_folders_bulletin(tmp_path):
    (tmp_path / "简报.wps").write_bytes(sample_doc())
    assert [s.title for s in read_bulletin_file(tmp_path).sections] == SECTIONS


@needs_soffice
def test_pictures_and_tables_of_a_doc_come_through_as_from_a_docx():
    content = legacy_to_markup(news_doc(), "会议.doc")
    blocks = content.blocks
    texts = [b.text for b in blocks if b.text]
    assert texts == [NEWS_TITLE, NEWS_PARAGRAPHS[0], NEWS_PARAGRAPHS[1]]
    (picture,) = [b for b in blocks if b.kind == IMAGE]
    assert picture.caption == NEWS_CAPTION
    with Image.open(io.BytesIO(content.pictures[picture.file])) as image:
        assert image.size == (800, 600)
    (table,) = [b for b in blocks if b.kind == TABLE]
    assert tuple(tuple(c.text for c in row) for row in table.rows) == NEWS_TABLE
    assert [b.kind for b in blocks].index(IMAGE) < [b.kind for b in blocks].index(TABLE)


@needs_soffice
def test_parallel_conversions_do_not_collide(private_tmp):
    results: list[bytes | BaseException] = []

    def convert() -> None:
        try:
            results.append(legacy_to_docx(news_doc(), "会议.doc"))
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, bytes) and r.startswith(b"PK\x03\x04") for r in results), results
    assert len(results) == 3
    # Each conversion's folder (file, profile, output) is gone.
    assert list(private_tmp.iterdir()) == []


# --- Refusals ------------------------------------------------------------------


def test_random_bytes_after_the_ole_magic_are_refused_before_libreoffice(fake_soffice):
    log = fake_soffice('echo ran > "$FAKE_LOG"\n')
    with pytest.raises(UnreadableFile) as refused:
        parse_bulletin_bytes(ole_junk(), "旧稿.doc")
    assert str(refused.value) == (
        "旧稿.doc：不是 Word 或 WPS 文档（无法识别的 OLE 复合文件，或文件已损坏）"
    )
    assert not log.exists()


@needs_soffice
def test_an_excel_file_passed_as_a_document_is_named(fake_soffice):
    workbook = rename_stream(news_doc(), "WordDocument", "Workbook")
    log = fake_soffice('echo ran > "$FAKE_LOG"\n')
    with pytest.raises(UnreadableFile) as refused:
        parse_bulletin_bytes(workbook, "报表.doc")
    assert str(refused.value) == "报表.doc：内容是Excel 表格（.xls），不是 Word 或 WPS 文档"
    assert not log.exists()


@needs_soffice
def test_a_word_file_libreoffice_cannot_open_is_refused_and_leaves_nothing(private_tmp):
    # Word's header (the FIB) is junk; the OLE directory still names the stream.
    doc = break_stream(news_doc(), "WordDocument")
    with pytest.raises(UnreadableFile) as refused:
        legacy_to_markup(doc, "损坏.doc")
    assert str(refused.value) == "损坏.doc：LibreOffice 无法打开此文件（已损坏的Word 文档）"
    assert list(private_tmp.iterdir()) == []


def test_without_libreoffice_the_message_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UnreadableFile) as refused:
        legacy_to_markup(rename_junk_to_word(), "稿件.doc")
    assert str(refused.value) == (
        "稿件.doc：无法读取 .doc/.wps 文件："
        "未安装 LibreOffice（Debian 软件包 libreoffice-writer-nogui）"
    )


def rename_junk_to_word() -> bytes:
    """Junk whose OLE directory has a WordDocument stream: it gets as far as soffice."""
    name = "WordDocument".encode("utf-16-le") + b"\0\0"
    entry = name.ljust(64, b"\0") + len(name).to_bytes(2, "little") + b"\x02"
    junk = bytearray(ole_junk(1024))
    junk[512 : 512 + len(entry)] = entry
    return bytes(junk)


def test_each_conversion_has_its_own_profile_in_a_folder_that_goes(fake_soffice, private_tmp):
    log = fake_soffice(
        'echo "cwd $(pwd)" >> "$FAKE_LOG"\nfor a; do echo "arg $a" >> "$FAKE_LOG"; done\n'
    )
    for _ in range(2):
        with pytest.raises(UnreadableFile) as refused:
            legacy_to_markup(rename_junk_to_word(), "稿件.doc")
        # The fake made no output: LibreOffice's own way of failing (exit 0, no file).
        assert str(refused.value) == "稿件.doc：LibreOffice 无法打开此文件（已损坏的Word 文档）"
    lines = log.read_text().splitlines()
    folders = [line.removeprefix("cwd ") for line in lines if line.startswith("cwd ")]
    args = [line.removeprefix("arg ") for line in lines if line.startswith("arg ")]
    first, second = folders
    assert first != second and Path(first).parent == Path(second).parent == private_tmp
    for folder in folders:
        assert f"-env:UserInstallation=file://{folder}/profile" in args
        assert f"{folder}/document.doc" in args
    assert args.count("--infilter=MS Word 97") == 2 and args.count("--headless") == 2
    assert list(private_tmp.iterdir()) == []


def test_a_conversion_past_its_time_is_stopped_whole(fake_soffice, private_tmp, settings):
    # soffice starts a helper and waits; both must go when the time is up.
    log = fake_soffice('pwd > "$FAKE_LOG"\nsleep 600 &\necho $! >> "$FAKE_LOG"\nwait\n')
    settings.JIANBAO_SOFFICE_SECONDS = 3
    with pytest.raises(UnreadableFile) as refused:
        legacy_to_markup(rename_junk_to_word(), "慢.doc")
    assert str(refused.value) == (
        "慢.doc：LibreOffice 转换超过 3 秒，已停止（文件可能已损坏或过于复杂）"
    )
    folder, helper = log.read_text().split()
    assert not Path(folder).exists()
    assert list(private_tmp.iterdir()) == []
    assert gone(int(helper))


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie waiting for init to reap it has)."""
    import time

    for _ in range(100):  # SIGKILL is delivered at once; its reaping may lag a moment
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


# --- The command line ----------------------------------------------------------


@needs_soffice
@pytest.mark.django_db
def test_jianbao_import_stores_a_doc(cli, tmp_path):
    path = tmp_path / "2023-1.doc"
    path.write_bytes(sample_doc())
    result = cli("import", "-q", str(path))
    assert result.status == 0, result.stderr
    [issue] = json.loads(cli("issues", "--format", "json").stdout)
    assert (issue["year"], issue["number"], issue["running_number"]) == (2023, 1, 66)
    exported = json.loads(cli("export", "2023-1", "--format", "json").stdout)
    assert [s["title"] for s in exported["sections"]] == SECTIONS
    assert sum(len(s["articles"]) for s in exported["sections"]) == 25


@pytest.mark.django_db
def test_jianbao_import_refuses_a_broken_doc_in_one_line_and_stores_nothing(
    cli, tmp_path, database_fingerprint
):
    path = tmp_path / "旧稿.doc"
    path.write_bytes(ole_junk())
    before = database_fingerprint()
    result = cli("import", str(path))
    assert result.status == 2
    assert result.stderr.splitlines() == [
        f"jianbao import：{path}：不是 Word 或 WPS 文档（无法识别的 OLE 复合文件，或文件已损坏）"
    ]
    assert database_fingerprint() == before
