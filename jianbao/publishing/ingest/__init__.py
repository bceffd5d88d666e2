"""Read a bulletin file of any supported kind into a ParsedBulletin.

Text and Markdown are read in the article markup (publishing.markup); a
``.docx`` or a PDF is turned into the same markup with its pictures alongside
(a scanned PDF or a picture of a page through OCR, a Word 97 ``.doc`` or WPS
file through LibreOffice first); a JSON export is read as the content shape.
A file read from disk may name pictures by paths relative to its folder (an
exported folder holds ``pictures/<name>``): those files are read too, and no
path may lead out of the folder.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from django.conf import settings

from jianbao.core.errors import NotABulletin, UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.core.text import decode_text
from jianbao.publishing.ingest.docx import docx_to_markup
from jianbao.publishing.ingest.legacy import legacy_to_markup
from jianbao.publishing.ingest.ocr import image_to_markup, settle_titles
from jianbao.publishing.ingest.pdf import pdf_to_markup
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.markup import picture_path_of
from jianbao.publishing.parsed import (
    IMAGE,
    OcrPage,
    ParsedBulletin,
    ParseWarning,
    bulletin_from_dict,
)

BULLETIN_SUFFIXES = (".md", ".markdown", ".txt", ".json", ".docx", ".pdf", ".doc", ".wps")
# Pictures of pages, read through OCR; in a folder they are a bulletin only
# when nothing else is (an exported folder's pictures are not).
PAGE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def read_bulletin_file(path: str | Path, *, known_sections: Sequence[str] = ()) -> ParsedBulletin:
    """A bulletin file, or a folder holding one (such as ``jianbao export -o DIR``)."""
    path = Path(path)
    if path.is_dir():
        path = _bulletin_in_folder(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(name, f"无法打开文件（{exc.strerror}）") from None
    limit = settings.JIANBAO_MAX_IMPORT_BYTES
    if size > limit:
        raise UnreadableFile(
            name, f"文件过大（{size / 1048576:.0f} MB，上限 {limit // 1048576} MB）"
        )
    data = path.read_bytes()
    return parse_bulletin_bytes(
        data, name, known_sections=known_sections, folder=path.parent.resolve()
    )


def _bulletin_in_folder(folder: Path) -> Path:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    found = [p for p in files if p.suffix.lower() in BULLETIN_SUFFIXES]
    if not found:
        found = [p for p in files if p.suffix.lower() in PAGE_IMAGE_SUFFIXES]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnreadableFile(
            str(folder),
            "文件夹中没有简报文件（.md、.txt、.json、.docx、.doc、.wps、.pdf 或页面图片）",
        )
    names = "、".join(p.name for p in found)
    raise UnreadableFile(str(folder), f"文件夹中有多个简报文件（{names}），请指明其中一个")


# Files that come as the text markup with their pictures, by their first bytes.
_MARKUP_READERS = (
    (b"PK\x03\x04", docx_to_markup),
    (b"%PDF", pdf_to_markup),
    (b"\xd0\xcf\x11\xe0", legacy_to_markup),  # OLE: Word 97–2003 .doc, WPS .wps
    (b"\x89PNG", image_to_markup),
    (b"\xff\xd8\xff", image_to_markup),
    (b"II*\x00", image_to_markup),  # TIFF, little- and big-endian
    (b"MM\x00*", image_to_markup),
)


def parse_bulletin_bytes(
    data: bytes,
    name: str,
    *,
    known_sections: Sequence[str] = (),
    folder: Path | None = None,
) -> ParsedBulletin:
    """``folder``: where the file lies, when it came from disk; pictures it names
    by relative paths are read from there. Without it (an upload) none are read.
    A file in which no article is found is refused: it would be stored as an empty issue."""
    bulletin = _parse_bytes(data, name, known_sections=known_sections, folder=folder)
    if not bulletin.articles:
        raise NotABulletin(name, "没有找到任何文章（只有报头或导读），未导入")
    return bulletin


def _parse_bytes(
    data: bytes, name: str, *, known_sections: Sequence[str], folder: Path | None
) -> ParsedBulletin:
    # The content decides the reader, not the file name.
    budget = ParseBudget(name)
    reader = next((r for magic, r in _MARKUP_READERS if data.startswith(magic)), None)
    if reader is not None:
        # Word and PDF come as the text markup with their pictures, read as text is.
        content = reader(data, name, budget=budget)
        return parse_markup_bulletin(
            content.text,
            name,
            pictures=content.pictures,
            known_sections=known_sections,
            warnings=content.warnings,
            ocr_pages=content.ocr_pages,
        )
    text, _encoding = decode_text(data, name)
    check_text_limits(text, budget)
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return _bulletin_from_json(text, name, folder)
    pictures = _pictures_named_in_text(text, name, folder) if folder is not None else {}
    return parse_markup_bulletin(text, name, pictures=pictures, known_sections=known_sections)


def parse_markup_bulletin(
    text: str,
    name: str,
    *,
    pictures: Mapping[str, bytes],
    known_sections: Sequence[str] = (),
    warnings: Iterable[ParseWarning] = (),
    ocr_pages: Sequence[OcrPage] = (),
) -> ParsedBulletin:
    """A whole bulletin in the text markup whose picture blocks name keys of
    ``pictures`` (the bytes the caller read: a Word file's media, a folder's
    files). The store checks and keeps them; ``warnings`` come first in the result."""
    bulletin = parse_bulletin_text(text, source=name, known_sections=known_sections)
    if ocr_pages:
        bulletin = settle_titles(bulletin)
    named = {b.file for a in bulletin.articles for b in a.blocks if b.kind == IMAGE}
    return dataclasses.replace(
        bulletin,
        pictures={key: data for key, data in pictures.items() if key in named},
        warnings=(*warnings, *bulletin.warnings),
        ocr_pages=tuple(ocr_pages),
    )


def _bulletin_from_json(text: str, name: str, folder: Path | None) -> ParsedBulletin:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(name, f"不是有效的 JSON（{exc.msg}）", line=exc.lineno) from None
    if not isinstance(data, dict):
        raise UnreadableFile(name, "JSON 的最外层应是一期简报（{…}）")
    try:
        bulletin = bulletin_from_dict(data)
    except KeyError as exc:
        raise UnreadableFile(name, f"JSON 缺少字段“{exc.args[0]}”") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise UnreadableFile(name, f"JSON 的内容不是一期简报（{exc}）") from None
    if folder is None:
        return bulletin
    pictures: dict[str, bytes] = {}
    for n, article in enumerate(bulletin.articles, start=1):
        for block in article.blocks:
            if block.kind == IMAGE and block.file not in pictures:
                where = f"第{n}篇文章“{article.title}”的图片"
                if (data := _picture_file(block.file, name, folder, where=where)) is not None:
                    pictures[block.file] = data
    return dataclasses.replace(bulletin, pictures=pictures)


def _pictures_named_in_text(text: str, name: str, folder: Path) -> dict[str, bytes]:
    pictures: dict[str, bytes] = {}
    for no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        path = picture_path_of(line.strip())
        if path is None or path in pictures:
            continue
        if (data := _picture_file(path, name, folder, line=no)) is not None:
            pictures[path] = data
    return pictures


def _picture_file(
    path: str, name: str, folder: Path, *, line: int | None = None, where: str = "图片"
) -> bytes | None:
    """The bytes of a picture a file names by a path relative to its folder.

    None for what is not a path into the folder to read: an address, or the bare
    name of a stored picture (an export to standard output names them so); the
    store decides about those.
    """
    if "://" in path or path.startswith("data:"):
        return None
    pure = PurePosixPath(path.replace("\\", "/"))
    if not pure.parts or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        raise UnreadableFile(
            name, f"{where}“{path}”不在文件所在的文件夹内（不能用 ../ 或绝对路径）", line=line
        )
    full = folder.joinpath(*pure.parts)
    if not full.is_file():
        if len(pure.parts) == 1 or _is_stored_name(pure.name):
            return None  # a stored picture's name: the store has it or refuses
        raise UnreadableFile(name, f"找不到{where}文件“{path}”", line=line)
    resolved = full.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise UnreadableFile(name, f"{where}“{path}”指向文件夹之外", line=line)
    size = resolved.stat().st_size
    limit = settings.JIANBAO_PICTURE_MAX_BYTES
    if size > limit:
        raise UnreadableFile(
            name,
            f"{where}“{path}”过大（{size / 1048576:.1f} MB，上限 {limit // 1048576} MB）",
            line=line,
        )
    return resolved.read_bytes()


def _is_stored_name(name: str) -> bool:
    """The name publishing.pictures gives a stored picture."""
    from jianbao.publishing.pictures import NAME

    return NAME.match(name) is not None


def check_text_limits(text: str, budget: ParseBudget) -> None:
    """Counted before any regex sees the text: characters, then non-empty lines."""
    budget.characters(len(text))
    lines = sum(1 for line in text.splitlines() if line.strip())
    budget.paragraphs(lines)
