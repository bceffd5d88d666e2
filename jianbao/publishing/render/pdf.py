"""The bulletin as a PDF, typeset by Typst from the template in ``typst/``.

The bulletin goes to the template as JSON in ``sys.inputs``, so user text is
never spliced into Typst source and needs no escaping.
"""

from __future__ import annotations

import atexit
import dataclasses
import itertools
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import typst

from jianbao.core.errors import JianbaoError
from jianbao.publishing import fonts
from jianbao.publishing.parsed import (
    BOLD,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    TABLE,
    Block,
    Mark,
    ParsedBulletin,
    editor_note_paragraphs,
    printed_sections,
)
from jianbao.publishing.render import titles
from jianbao.publishing.render.markdown import EDITOR_NOTE_LEAD, format_date

TEMPLATE_DIR = Path(__file__).resolve().parent / "typst"
TEMPLATE = TEMPLATE_DIR / "bulletin.typ"


@dataclass(frozen=True)
class PdfSettings:
    """Layout defaults from FORMAT.md (GB/T 9704-2012); a series may override any."""

    margin_top: float = 37  # mm, 天头
    margin_binding: float = 28  # mm, 订口
    block_width: float = 156  # mm, 版心
    block_height: float = 225  # mm
    body_size: float = 16  # pt, 三号; 14 (四号) for denser series
    line_pitch: float = 28.9  # pt: 22 lines in the 225 mm block
    small_size: float = 14  # pt, 四号: issue line, 导读, 版记
    contact_size: float = 12
    title_size: float = 18  # pt, one size above the body
    series_size: float = 22
    name_size: float = 52
    name_spacing: float = 0.6  # em between the characters of 简报
    masthead_color: str = "#e60012"
    double_rule: bool = True
    page_number_size: float = 14
    # GB/T 9704 7.5: odd pages right, even pages left, one character in; or "center".
    page_number_position: str = "outside"
    footer_gap: float = 7  # mm below the text block
    # The 版记 on an even page (the back of the last sheet), a blank page before it
    # when needed; neither of those two pages is numbered then (GB/T 9704 7.5).
    closing_on_even_page: bool = True
    section_mark: str = "➤"
    toc_heading: str = "本期导读"
    toc_continued: str = "（续）"  # after toc_heading where the box runs on to a new page
    # Faces by role; empty: the office's (JIANBAO_FONT_DIR) or the free fallback
    # (fonts.faces). title: masthead and titles; serif: body; sans: 黑体.
    title: str = ""
    serif: str = ""
    sans: str = ""
    kai: str = ""
    symbols: str = fonts.SYMBOLS.family
    # Space (pt) above and below in-article headings: 一、 (level 1) and （一） (level 2);
    # paragraphs are line_pitch - body_size (12.9 pt) apart.
    heading1_above: float = 20
    heading1_below: float = 10
    heading2_above: float = 16
    heading2_below: float = 8
    # Titles break between words (jieba) into lines of even length.
    title_word_breaks: bool = True
    # Emphasis. Chinese fonts have no italics: 楷体 stands in, as in print.
    bold_style: str = (
        "sans"  # "sans": 黑体 (as official documents do), "bold": bold of the body face
    )
    italic_style: str = "kai"  # "kai": 楷体, "italic": slanted
    # 编者按: set in from both sides in its own face, its label in 黑体.
    note_label: str = "编者按："  # printed unless the text starts with a label of its own
    note_font: str = "kai"  # "serif", "sans" or "kai"
    note_indent: float = 2  # em, each side
    # Pictures: centred, at a share of the text width unless the block asks for its own.
    picture_width: float = 0.8  # share of the 版心 width
    picture_min_dpi: float = 150  # a small picture prints no larger than this
    picture_max_height: float = 0.6  # share of the 版心 height, so picture and caption fit a page
    picture_gap: float = 3  # mm above and below a picture with its caption
    caption_font: str = "kai"  # 图题 below the picture
    caption_size: float = 14  # pt, 四号
    caption_gap: float = 1.5  # mm between picture and caption
    # Tables: ruled all round as in official documents, header rows repeated on every page.
    table_size: float = 12  # pt, 小四
    table_rule: float = 0.5  # pt, every line of the grid
    table_inset_x: float = 1.5  # mm, cell padding left and right
    table_inset_y: float = 1.2  # mm, cell padding above and below
    table_header_font: str = "sans"  # 黑体
    table_caption_font: str = "sans"  # 表题 above the table, in 黑体
    table_caption_size: float = 14  # pt
    table_auto_chars: int = 6  # a column whose cells are no longer than this is as wide as they are


class RenderFailed(JianbaoError):
    pass


def credit_line(credit: str) -> str:
    credit = credit.strip()
    if not credit:
        return ""
    return credit if credit.startswith(("（", "(")) else f"（{credit}）"


def contact_lines(bulletin: ParsedBulletin) -> list[str]:
    lines: dict[int, list[str]] = {}
    for item in bulletin.contacts:
        text = f"{item.label}：{item.value}" if item.label else item.value
        lines.setdefault(item.line, []).append(text)
    return ["　".join(lines[k]) for k in sorted(lines)]


def credits_line(bulletin: ParsedBulletin) -> str:
    pairs = (("本期编辑", bulletin.editor), ("审核", bulletin.reviewer), ("签发", bulletin.signer))
    return "　".join(f"{label}：{name}" for label, name in pairs if name)


# Links the PDF may carry; anything else prints as its text.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# A note that opens with a label of its own keeps it (set in 黑体 like ours).
_NOTE_LABELS = ("编者按", "编者的话", "编后语", "编后", "按语", "按")
_COLONS = ("：", ":")


def runs(text: str, marks: Sequence[Mark], start: int = 0) -> list[dict]:
    """``text[start:]`` cut where its emphasis changes: ``{text, bold, italic, href}``
    segments (only the true flags are present), so the template just prints."""
    end = len(text)
    cuts = {start, end}
    for m in marks:
        cuts.update(min(max(x, start), end) for x in (m.start, m.end))
    points = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(points):
        if a >= b:
            continue
        seg: dict = {"text": text[a:b]}
        for m in marks:
            if m.start <= a and b <= m.end:
                if m.type == BOLD:
                    seg["bold"] = True
                elif m.type == ITALIC:
                    seg["italic"] = True
                elif m.type == LINK and m.href.startswith(_LINK_SCHEMES):
                    seg["href"] = m.href
        out.append(seg)
    return out


def _rich(text: str, marks: Sequence[Mark], start: int = 0) -> dict:
    # Unmarked text stays a plain string: the text-only issue costs what it did.
    if not marks:
        return {"text": text[start:]}
    return {"text": text[start:], "runs": runs(text, marks, start)}


def note_label_length(text: str) -> int:
    for label in _NOTE_LABELS:
        if text.startswith(label):
            rest = text[len(label) :]
            for colon in _COLONS:
                if rest.startswith(colon):
                    return len(label) + len(colon)
    return 0


def is_numeric(text: str) -> bool:
    """A figure (1,234 / -3.5 / 12% / ¥80 / 3.2万): right-aligned in a table cell."""
    t = text.strip().replace(" ", "")
    t = t.lstrip("+-−±¥$￥").rstrip("%‰％元万亿个项家件人次")
    return bool(t) and any(c.isdigit() for c in t) and all(c.isdigit() or c in ",.，" for c in t)


def text_width(text: str) -> float:
    # Ideographs count one, Latin letters and digits half.
    return sum(1 if ord(c) > 0x2E7F else 0.5 for c in text)


def picture_width(block: Block, settings: PdfSettings) -> float:
    """The printed width in mm: the block's share of the text width (or the
    series' default), no wider than the pixels allow at ``picture_min_dpi`` and
    no taller than ``picture_max_height`` of the text block."""
    share = block.print_width if 0 < block.print_width <= 1 else settings.picture_width
    width = share * settings.block_width
    if block.width > 0 and block.height > 0:
        width = min(width, block.width / settings.picture_min_dpi * 25.4)
        tallest = settings.picture_max_height * settings.block_height
        width = min(width, tallest * block.width / block.height)
    return round(width, 2)


def table_data(block: Block, settings: PdfSettings) -> dict:
    """The cells of a table placed on its grid, as HTML places them: a cell goes
    to the first free column of its row; a colspan is cut where it would run
    into a cell spanning down from above, a rowspan at the foot of the table
    (or of the header rows). Typst is given every position, so short rows stay
    short instead of pulling the next row's cells up."""
    nrows = len(block.rows)
    header = min(max(block.header_rows, 0), nrows)
    taken: set[tuple[int, int]] = set()
    cells = []
    for y, row in enumerate(block.rows):
        x = 0
        for cell in row:
            while (x, y) in taken:
                x += 1
            colspan = 1
            while colspan < max(cell.colspan, 1) and (x + colspan, y) not in taken:
                colspan += 1
            bottom = header if y < header else nrows
            rowspan = max(1, min(cell.rowspan, bottom - y))
            taken.update((x + dx, y + dy) for dx in range(colspan) for dy in range(rowspan))
            is_header = y < header
            align = "center" if is_header else "right" if is_numeric(cell.text) else "left"
            cells.append(
                {
                    "x": x,
                    "y": y,
                    "colspan": colspan,
                    "rowspan": rowspan,
                    "header": is_header,
                    "align": align,
                    **_rich(cell.text, cell.marks),
                }
            )
            x += colspan
    ncols = max((x + 1 for x, _ in taken), default=0)
    widest = [0.0] * ncols
    for c in cells:
        if c["colspan"] == 1:
            widest[c["x"]] = max(widest[c["x"]], text_width(c["text"]))
    # Narrow columns (序号, 年份) as wide as their cells, the rest share the width.
    columns = ["auto" if w <= settings.table_auto_chars else round(min(w, 40), 1) for w in widest]
    return {"columns": columns, "header_rows": header, "cells": cells, "caption": block.caption}


def block_data(block: Block, settings: PdfSettings) -> dict:
    """One block as the template reads it. ``text`` is the plain text for every
    kind, so a reader that knows only paragraphs still has the words."""
    data: dict = {"kind": block.kind, "text": block.plain_text, "level": block.level}
    if block.kind == IMAGE:
        data.update(
            file=block.file,
            caption=block.caption,
            alt=block.alt or block.caption,
            width_mm=picture_width(block, settings),
        )
    elif block.kind == TABLE:
        data.update(table_data(block, settings))
    elif block.kind == NOTE:
        n = note_label_length(block.text)
        data["label"] = block.text[:n] if n else settings.note_label
        data.update(_rich(block.text, block.marks, n))
    elif block.marks:
        data.update(_rich(block.text, block.marks))
    return data


def used_faces(settings: PdfSettings) -> dict[str, fonts.Face]:
    """role → the face the PDF sets it in: a series' own choice, else fonts.faces()."""
    chosen = fonts.faces()
    override = {"title": settings.title, "body": settings.serif, "kai": settings.kai}
    override["hei"] = settings.sans
    for role, family in override.items():
        if family and family != chosen[role].family:
            face = chosen[role]
            chosen[role] = dataclasses.replace(face, family=family, weight=400, file="")
    return chosen


def font_keywords(faces: dict[str, fonts.Face]) -> list[str]:
    """What the PDF records of its faces (its Keywords and XMP dc:subject):
    ``字体：仿宋_GB2312=FangSong_GB2312（单位字体）`` a role."""
    return [
        f"字体：{f.role.customary}={f.name}（{fonts.SOURCE_LABELS[f.source]}）"
        for f in faces.values()
    ]


def font_chains(faces: dict[str, fonts.Face]) -> dict:
    """Each role's face, then the free faces behind it for the characters it
    lacks (an office's 仿宋_GB2312 has GB 2312 only), and the weight to ask for."""
    rare = [fonts.EXT_A.family, fonts.EXT_B.family]

    def chain(*families):
        return list(dict.fromkeys([*families, *rare]))

    f = faces
    chains = {
        "title": chain(f["title"].family, fonts.SERIF.family),
        "body": chain(f["body"].family, fonts.SERIF.family),
        "kai": chain(f["kai"].family, fonts.KAI.family, f["body"].family, fonts.SERIF.family),
        "hei": chain(f["hei"].family, fonts.SANS.family),
        # Page numbers: 宋体 (GB/T 9704 7.5).
        "song": chain(fonts.SERIF.family),
    }
    return {"chains": chains, "weights": {k: v.weight for k, v in faces.items()}}


def title_words(title: str, settings: PdfSettings) -> dict | None:
    """The title cut where it may break, and the width (em) that balances its
    lines; None for a title that fits a line."""
    chars = settings.block_width / (settings.title_size * 25.4 / 72)
    if not settings.title_word_breaks or not titles.needs_units(title, chars):
        return None
    units = titles.title_units(title)
    return {"units": units, "width": titles.balanced_width(units, chars)}


def document_meta(bulletin: ParsedBulletin) -> dict:
    """The document's title, subject and keywords, as the PDF and the OFD record them."""
    issue = f"{bulletin.year}年第{bulletin.number}期"
    return {
        "title": f"{bulletin.series_title}{bulletin.series_name} {bulletin.label}",
        "subject": f"{bulletin.series_title}{bulletin.series_name}{issue}",
        "keywords": [issue, f"总第{bulletin.running_number}期", bulletin.series_name],
    }


def bulletin_data(bulletin: ParsedBulletin, settings: PdfSettings | None = None) -> dict:
    """What the template reads: the bulletin with its display strings prepared.

    Image blocks name their picture (``file``); render_pdf adds the ``path`` the
    template opens, so this stays free of file work for other readers.
    """
    settings = settings or PdfSettings()
    fallback = [fonts.EXT_A.family, fonts.EXT_B.family]
    sections = []
    n = 0
    # Only the printed sections reach the template (and the web page built on this).
    for section in printed_sections(bulletin):
        articles = []
        for article in section.articles:
            n += 1
            articles.append(
                {
                    "anchor": f"article-{n}",
                    "title": article.title,
                    "toc_title": article.toc_title or article.title,
                    "title_words": title_words(article.title, settings),
                    "credit": credit_line(article.credit),
                    "blocks": [block_data(b, settings) for b in article.blocks],
                }
            )
        sections.append(
            {
                "title": section.title,
                "toc_title": section.toc_title or section.title,
                "articles": articles,
            }
        )
    date = bulletin.date
    faces = used_faces(settings)
    meta = document_meta(bulletin)
    return {
        "settings": {**asdict(settings), "fallback": fallback, **font_chains(faces)},
        "meta": {
            "title": meta["title"],
            "author": [bulletin.office] if bulletin.office else [],
            "subject": meta["subject"],
            "keywords": [*meta["keywords"], *font_keywords(faces)],
            "date": [date.year, date.month, date.day] if date else None,
        },
        "series_title": bulletin.series_title,
        "series_name": bulletin.series_name or "简报",
        "label": bulletin.label,
        "office": bulletin.office,
        "date": format_date(bulletin),
        # The issue's 编者按, after the masthead and before the 导读: set as the
        # notes inside articles are (note_font, note_indent), a paragraph a line.
        "editor_note": {"label": EDITOR_NOTE_LEAD, "paragraphs": editor_note_paragraphs(bulletin)},
        "sections": sections,
        "distribution": [
            {"label": label, "names": "、".join(names)}
            for label, names in bulletin.distribution.items()
            if names
        ],
        "credits": credits_line(bulletin),
        "contacts": contact_lines(bulletin),
    }


_compiler: typst.Compiler | None = None
_root: Path | None = None
_owner = 0  # the process that made them: a forked worker makes its own
_font_paths: tuple[str, ...] = ()  # what the compiler was given: the office's fonts may change
_copied: dict[Path, int] = {}  # template → the mtime of the copy in the root
# A typst Compiler keeps its fonts and caches between calls but is not meant
# to be used by two threads at once (the web server may be threaded).
_lock = threading.Lock()
PICTURES = "pictures"


def _remove_root(root: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(root, ignore_errors=True)


def _get_compiler() -> typst.Compiler:
    """The one compiler of this process, over a root directory of its own.

    Typst opens only files under its root and will not follow a symlinked main
    file out of it, but it does read pictures through symlinks. So the root is a
    private temporary directory holding a copy of the templates and a
    ``pictures/`` directory of links to the print files (publishing.pictures
    makes and caches those; names are content hashes, so a link never changes
    meaning). Nothing is copied per render, and the JSON stays small.
    Called under the lock.
    """
    global _compiler, _root, _owner, _font_paths
    paths = fonts.typst_font_paths()
    if _compiler is not None and _owner == os.getpid() and paths != _font_paths:
        _compiler = None  # same root, new fonts
        _font_paths = paths
        _copy_templates()
        _compiler = typst.Compiler(
            str(_root / TEMPLATE.name),
            root=str(_root),
            font_paths=list(paths),
            ignore_system_fonts=True,
        )
        return _compiler
    if _compiler is None or _owner != os.getpid():
        root = Path(tempfile.mkdtemp(prefix="jianbao-typst-"))
        atexit.register(_remove_root, root, os.getpid())
        (root / PICTURES).mkdir()
        _copied.clear()
        _root, _owner = root, os.getpid()
        _copy_templates()
        _font_paths = paths
        _compiler = typst.Compiler(
            str(root / TEMPLATE.name),
            root=str(root),
            font_paths=list(paths),
            ignore_system_fonts=True,
        )
    else:
        _copy_templates()  # an edited template is used at once, as before
    return _compiler


def _copy_templates() -> None:
    assert _root is not None
    for source in TEMPLATE_DIR.glob("*.typ"):
        mtime = source.stat().st_mtime_ns
        if _copied.get(source) != mtime:
            shutil.copyfile(source, _root / source.name)
            _copied[source] = mtime


def _print_file(name: str) -> Path:
    from jianbao.publishing import pictures

    return pictures.print_file(name)


def _image_blocks(data: dict):
    for section in data["sections"]:
        for article in section["articles"]:
            for block in article["blocks"]:
                if block["kind"] == IMAGE:
                    yield article, block


def _print_files(data: dict, picture_file: Callable[[str], Path]) -> dict[str, Path]:
    """name → local print file of every picture, named in Chinese when one fails."""
    files: dict[str, Path] = {}
    for article, block in _image_blocks(data):
        name = block["file"]
        if name in files:
            continue
        try:
            path = Path(picture_file(name))
            reason = "" if path.is_file() else "文件不存在"
        except FileNotFoundError:
            reason = "文件不存在"
        except (JianbaoError, OSError) as exc:
            reason = str(exc)
        if reason:
            caption = f"“{block['caption']}”" if block["caption"] else ""
            where = f"《{article['title']}》的图片{caption}"
            raise RenderFailed(f"排版失败：{where}（{name}）无法读取：{reason}")
        files[name] = path
    return files


def _link_pictures(data: dict, files: dict[str, Path]) -> None:
    """Link the print files into the root and give each image block its path.
    Called under the lock, after _get_compiler made the root."""
    assert _root is not None
    for name, target in files.items():
        # Without the extension: Typst tells the format by the bytes, and the
        # print version of a .webp picture is a JPEG or PNG.
        link = _root / PICTURES / Path(name).stem
        target = target.resolve()
        if os.path.islink(link) and os.readlink(link) == str(target):
            continue
        temporary = link.with_name(link.name + ".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(target)
        temporary.replace(link)
    for _, block in _image_blocks(data):
        block["path"] = f"{PICTURES}/{Path(block['file']).stem}"


def _all_text(data: dict) -> str:
    return json.dumps(
        {k: v for k, v in data.items() if k != "settings"}, ensure_ascii=False
    ) + "".join(str(v) for v in data["settings"].values())


PDFA = "a-2b"  # the archive copy: PDF/A-2b (ISO 19005-2, level B)


def render_pdf(
    bulletin: ParsedBulletin,
    settings: PdfSettings | None = None,
    *,
    picture_file: Callable[[str], Path] | None = None,
    archival: bool = False,
) -> bytes:
    """The PDF. ``picture_file`` maps a picture's name to a local file to print
    (publishing.pictures.print_file unless given). ``archival``: PDF/A-2b, with
    its XMP identification, an sRGB output intent and every font embedded."""
    data = bulletin_data(bulletin, settings)
    fonts.font_dirs()  # MissingFont before anything else
    fonts.check_coverage(_all_text(data))
    # Print versions may be made or fetched now: outside the lock.
    files = _print_files(data, picture_file or _print_file)
    with _lock:
        return _compile(data, files, archival=archival)


def toc_pages(bulletin: ParsedBulletin, settings: PdfSettings | None = None) -> list[int]:
    """The page on which each group of the PDF's 导读 starts, so that the Word
    file's 导读 parts where the PDF's does. Only what stands before the articles
    is laid out (masthead, 编者按, 导读): the articles cannot move it, and
    without their text and titles this costs a fifth of a render."""
    bare = dataclasses.replace(
        bulletin,
        sections=tuple(
            dataclasses.replace(
                section,
                articles=tuple(
                    dataclasses.replace(
                        a, title="", toc_title=a.toc_title or a.title, blocks=(), credit=""
                    )
                    for a in section.articles
                ),
            )
            for section in bulletin.sections
        ),
        distribution={},
    )
    data = bulletin_data(bare, settings)
    fonts.font_dirs()
    with _lock:
        _compile(data, {}, archival=False)
        return json.loads(_get_compiler().query("<toc-page>", field="value"))


def _compile(data: dict, files: dict[str, Path], *, archival: bool) -> bytes:
    """Called under the lock."""
    compiler = _get_compiler()
    if files:
        _link_pictures(data, files)
    payload = json.dumps(data, ensure_ascii=False)
    try:
        # pdf_tags off: poppler (pdffonts, pdftotext) warns on Typst's tagged PDFs.
        return compiler.compile(
            sys_inputs={"data": payload},
            pdf_tags=False,
            pdf_standards=[PDFA] if archival else [],
        )
    except typst.TypstError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "未知错误"
        raise RenderFailed(f"排版失败：{first}") from exc


def preflight(bulletin: ParsedBulletin) -> None:
    """Typeset the bulletin once and throw the PDF away; name the article at fault.

    Run before 提交审核 and 签发, so that nothing is signed that cannot be printed.
    """
    fonts.font_dirs()
    for section in bulletin.sections:
        for article in section.articles:
            text = "".join(
                [
                    article.title,
                    article.toc_title,
                    article.credit,
                    # Captions and table cells too.
                    *(b.plain_text for b in article.blocks),
                ]
            )
            try:
                fonts.check_coverage(text)
            except fonts.MissingGlyph as exc:
                raise RenderFailed(f"《{article.title}》（{section.title}）：{exc}") from exc
    render_pdf(bulletin)
