"""Read a text-based PDF bulletin into paragraphs for the text parser.

PDF text has no paragraphs, only positioned characters. ``layout`` builds the
lines from them, drops the page furniture and joins what the typesetter wrapped
(by size, weight, centring and the text block's edges, page by page), so that
paragraphs, titles and 导读 entries come out as one line each, separated by
blank lines; larger or bolder lines come as headings of the markup.

``pdf_to_markup`` reads the same paragraphs as the text markup, with each
picture a page holds placed where it stands between them (its caption, a
图为… line right under it, attached); a picture that cannot be decoded is
counted in a warning for its page.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import pdfplumber
from PIL import Image

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest import layout
from jianbao.publishing.ingest.docx import DocxContent, is_caption
from jianbao.publishing.markup import block_to_markup, format_inline
from jianbao.publishing.parsed import IMAGE, Block, ParseWarning

# Where the lines of a page are read and joined; CLOSING_LABEL is kept here by name.
CLOSING_LABEL = layout.CLOSING_LABEL
# A picture shown smaller than this (in points, 1/72 inch) is an ornament: a logo,
# a rule drawn as an image, a bullet.
MIN_PICTURE_POINTS = 36
# Decoded pixels of one picture, before Pillow (and the store) see it.
MAX_PICTURE_PIXELS = 50_000_000


@dataclass
class _Picture:
    key: str
    top: float
    bottom: float
    page: int
    caption: str = ""


def pdf_to_text(data: bytes, path: str, *, budget: ParseBudget | None = None) -> str:
    budget = budget or ParseBudget(path)
    try:
        paragraphs, _pictures, _warnings = _read(data, path, budget, False)
    except NoTextLayer:
        return _scan(data, path, budget).text
    return "\n\n".join(p.text for p in paragraphs if isinstance(p, layout.Paragraph))


def pdf_to_markup(data: bytes, path: str, *, budget: ParseBudget | None = None) -> DocxContent:
    """The PDF as the text markup, with the pictures its blocks name (``imageN.ext``).

    A PDF without a text layer (a scan) is read through OCR (``ocr``) into the
    same lines, and laid out by the same code."""
    budget = budget or ParseBudget(path)
    try:
        paragraphs, pictures, warnings = _read(data, path, budget, True)
    except NoTextLayer:
        return _scan(data, path, budget)
    return markup(paragraphs, pictures, warnings, path, budget)


def _scan(data: bytes, path: str, budget: ParseBudget) -> DocxContent:
    from jianbao.publishing.ingest.ocr import scan_to_markup  # ocr builds on this module

    return scan_to_markup(data, path, budget=budget)


def markup(
    paragraphs: list[layout.Paragraph | _Picture],
    pictures: dict[str, bytes],
    warnings: list[str],
    path: str,
    budget: ParseBudget,
) -> DocxContent:
    blocks = []
    for p in paragraphs:
        if isinstance(p, layout.Paragraph):
            # Larger or bolder lines go as headings: the text parser decides
            # from the 导读 which are titles, which sections, which subheadings.
            mark = "#" * p.level + " " if p.level else ""
            blocks.append(mark + format_inline(p.text))
        else:
            blocks.append(block_to_markup(Block(IMAGE, file=p.key, caption=p.caption)))
    text = "\n\n".join(blocks)
    budget.characters(len(text))
    return DocxContent(
        text=text,
        pictures=pictures,
        warnings=tuple(ParseWarning(0, f"{path}：{w}") for w in warnings),
    )


class NoTextLayer(Exception):
    """The PDF's pages hold no characters: a scan, to be read through OCR."""


def _read(data: bytes, path: str, budget: ParseBudget, with_pictures: bool):
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:  # pdfminer raises many kinds on a broken file
        raise UnreadableFile(path, f"无法读取 PDF（{exc.__class__.__name__}）") from None
    pictures: dict[str, bytes] = {}
    warnings: list[str] = []
    page_pictures: list[list[_Picture]] = []
    with pdf:
        # The page count is known before any page is read.
        budget.check_count("页数", len(pages), budget.limits.pages, "页")
        page_lines = []
        for number, page in enumerate(pages, start=1):
            budget.check_time()
            page_lines.append(layout.page_lines(page.chars, number - 1))
        if not any(page_lines):
            # A scan: its pictures are the pages themselves, not worth decoding.
            raise NoTextLayer
        for number, page in enumerate(pages, start=1):
            budget.check_time()
            if with_pictures:
                page_pictures.append(_page_pictures(page, number, pictures, warnings, budget))
            else:
                page_pictures.append([])
    paragraphs = lay_out(page_lines, page_pictures, budget)
    if not any(isinstance(p, layout.Paragraph) and p.text.strip() for p in paragraphs):
        raise NoTextLayer
    return paragraphs, pictures, warnings


def lay_out(
    page_lines: list[list[layout.LayoutLine]],
    page_pictures: list[list[_Picture]],
    budget: ParseBudget,
) -> list[layout.Paragraph | _Picture]:
    """The paragraphs and pictures of the pages in reading order, from their lines:
    the same for a text layer and for the lines OCR read from a scan."""
    page_lines = layout.remove_furniture(page_lines)
    geometry = layout.Geometry(page_lines)
    # Lines and pictures in reading order: a picture goes before the first line
    # of its page that starts below its top edge.
    stream: list[layout.LayoutLine | _Picture] = []
    for lines, waiting in zip(page_lines, page_pictures, strict=True):
        waiting = list(waiting)
        for line in lines:
            while waiting and line.top >= waiting[0].top:
                stream.append(waiting.pop(0))
            stream.append(line)
        stream.extend(waiting)
    paragraphs: list[layout.Paragraph | _Picture] = []
    run: list[layout.LayoutLine] = []
    for item in [*stream, None]:
        if isinstance(item, layout.LayoutLine):
            run.append(item)
            continue
        for paragraph in layout.paragraphs(geometry, run):
            picture = paragraphs[-1] if paragraphs else None
            if (
                isinstance(picture, _Picture)
                and not picture.caption
                and picture.page == paragraph.page
                and paragraph.top - picture.bottom < paragraph.lines[0].size * 2.5
                and is_caption(paragraph.text)
            ):
                picture.caption = paragraph.text
                continue
            paragraphs.append(paragraph)
        run = []
        if item is not None:
            paragraphs.append(item)
    budget.paragraphs(len(paragraphs))
    text = "\n\n".join(p.text for p in paragraphs if isinstance(p, layout.Paragraph))
    budget.characters(len(text))
    return paragraphs


def _page_pictures(page, number: int, pictures: dict, warnings: list, budget) -> list[_Picture]:
    """The pictures of one page, top to bottom, their bytes added to ``pictures``."""
    found: list[_Picture] = []
    missed = 0
    for image in sorted(page.images, key=lambda i: (i["top"], i["x0"])):
        if min(image["x1"] - image["x0"], image["bottom"] - image["top"]) < MIN_PICTURE_POINTS:
            continue
        budget.pictures(len(pictures) + 1)
        decoded = _decode(image)
        if decoded is None:
            missed += 1
            continue
        data, ext = decoded
        key = f"image{len(pictures) + 1}.{ext}"
        pictures[key] = data
        found.append(_Picture(key, image["top"], image["bottom"], number - 1))
    if missed:
        warnings.append(f"第{number}页有{missed}张图片未导入（图片格式无法读取）")
    return found


def _decode(image) -> tuple[bytes, str] | None:
    """The picture as a JPEG (as stored in the PDF) or PNG file, or None."""
    stream = image["stream"]
    try:
        filters = [str(getattr(f, "name", f)) for f, _params in stream.get_filters()]
        width, height = (int(v) for v in image["srcsize"])
        if width * height > MAX_PICTURE_PIXELS:
            return None
        data = stream.get_data()
        if filters and filters[-1] in ("DCTDecode", "DCT"):
            return data, "jpg"
        if filters and filters[-1] in ("JPXDecode",):
            return _png(Image.open(io.BytesIO(data))), "png"
        if filters and filters[-1] not in ("FlateDecode", "Fl", "LZWDecode", "LZW"):
            return None  # JBIG2, CCITT fax and the like
        bits = int(image.get("bits") or 8)
        indexed = _palette(image.get("colorspace"))
        if indexed is not None:
            if bits != 8:
                return None
            picture = Image.frombytes("P", (width, height), data[: width * height])
            picture.putpalette(indexed)
            return _png(picture), "png"
        channels = len(data) / (width * height) if bits == 8 else 0
        mode = {1: "L", 3: "RGB", 4: "CMYK"}.get(int(channels)) if channels.is_integer() else None
        if mode is None:
            return None
        return _png(Image.frombytes(mode, (width, height), data)), "png"
    except Exception:  # a damaged picture stream: counted, not fatal
        return None


def _palette(colorspace) -> bytes | None:
    """The RGB palette of an /Indexed colour space over RGB, else None."""
    from pdfminer.pdftypes import resolve1

    space = resolve1(colorspace[0]) if colorspace else None
    if not isinstance(space, list):  # pdfplumber gives [/Indexed base hival lookup] flat
        space = colorspace
    if not isinstance(space, list) or len(space) != 4:
        return None
    if str(getattr(resolve1(space[0]), "name", "")) != "Indexed":
        return None
    base = resolve1(space[1])
    if isinstance(base, list):  # [/ICCBased stream]
        components = resolve1(base[1]).get("N") if len(base) > 1 else None
    else:
        components = 3 if str(getattr(base, "name", "")) == "DeviceRGB" else None
    if components != 3:
        raise ValueError("palette not over RGB")
    lookup = resolve1(space[3])
    lookup = lookup.get_data() if hasattr(lookup, "get_data") else lookup
    return bytes(lookup) if isinstance(lookup, (bytes, bytearray)) else None


def _png(picture: Image.Image) -> bytes:
    if picture.mode not in ("RGB", "L", "RGBA", "LA", "P"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
