"""Read a text-based PDF bulletin into lines for the text parser.

PDF text has no paragraphs, only positioned lines.  A line that reaches the
right margin continues on the next line, unless that one carries the
two-character first-line indent; so paragraphs, titles and 导读 entries that
wrapped come out as one line each, separated by blank lines.

``pdf_to_markup`` reads the same paragraphs as the text markup, with each
picture a page holds placed where it stands between them (its caption, a
图为… line right under it, attached); a picture that cannot be decoded is
counted in a warning for its page.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

import pdfplumber
from PIL import Image

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest.docx import DocxContent, is_caption
from jianbao.publishing.ingest.text import BULLET_MARK, DISTRIBUTION, PAGE_NUMBER
from jianbao.publishing.markup import block_to_markup, format_inline
from jianbao.publishing.parsed import IMAGE, Block, ParseWarning

# 报：… 送：… 本期编辑：… open a line of the closing block, never continue one.
CLOSING_LABEL = re.compile(rf"{DISTRIBUTION.pattern}|^(本期编辑|责任编辑|审核|签发)[：:]")
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
    caption: str = ""


def pdf_to_text(data: bytes, path: str, *, budget: ParseBudget | None = None) -> str:
    paragraphs, _pictures, _warnings = _read(data, path, budget or ParseBudget(path), False)
    return "\n\n".join(p for p in paragraphs if isinstance(p, str))


def pdf_to_markup(data: bytes, path: str, *, budget: ParseBudget | None = None) -> DocxContent:
    """The PDF as the text markup, with the pictures its blocks name (``imageN.ext``)."""
    budget = budget or ParseBudget(path)
    paragraphs, pictures, warnings = _read(data, path, budget, True)
    blocks = []
    for p in paragraphs:
        if isinstance(p, str):
            blocks.append(format_inline(p))
        else:
            blocks.append(block_to_markup(Block(IMAGE, file=p.key, caption=p.caption)))
    text = "\n\n".join(blocks)
    budget.characters(len(text))
    return DocxContent(
        text=text,
        pictures=pictures,
        warnings=tuple(ParseWarning(0, f"{path}：{w}") for w in warnings),
    )


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
            page_lines.append(page.extract_text_lines(return_chars=True))
            if with_pictures:
                page_pictures.append(_page_pictures(page, number, pictures, warnings, budget))
    every = [line for lines in page_lines for line in lines]
    if not every:
        raise UnreadableFile(path, "PDF 中没有文字层（可能是扫描件），无法导入")
    # The text block's edges are where most lines start and end, across the
    # whole document: punctuation hung into the margin sits further out, and
    # a page of centred lines alone would put them too far in.
    left = Counter(round(line["x0"]) for line in every).most_common(1)[0][0]
    right = Counter(round(line["x1"]) for line in every).most_common(1)[0][0]
    centre = (left + right) / 2
    paragraphs: list[str | _Picture] = []
    current: str | None = None
    prev_centred = False
    # The picture just placed, while the line under it may still be its caption.
    captionless: _Picture | None = None
    caption_for: _Picture | None = None

    def close() -> None:
        nonlocal current, caption_for
        if current is not None:
            if caption_for is not None:
                caption_for.caption = current
            else:
                paragraphs.append(current)
        current, caption_for = None, None

    for n, lines in enumerate(page_lines):
        waiting = list(page_pictures[n]) if with_pictures else []
        for line in lines:
            # A picture goes before the first line that starts below its top edge.
            while waiting and line["top"] >= waiting[0].top:
                close()
                captionless = waiting.pop(0)
                paragraphs.append(captionless)
                prev_centred = False
            text = line["text"].strip()
            if PAGE_NUMBER.match(text):
                paragraphs.append(text)
                continue
            size = line["chars"][0]["size"] if line["chars"] else 10
            centred = abs((line["x0"] + line["x1"]) / 2 - centre) < size
            # Justified text continues at the left edge (an indented line opens
            # a paragraph); a wrapped title continues centred under its first line.
            continues = abs(line["x0"] - left) < size * 0.25 or (centred and prev_centred)
            # A right-set line (a credit) stands alone.
            standalone = line["x0"] - left > size * 2.5 and not centred
            prev_centred = centred
            starts_item = BULLET_MARK.match(text) or CLOSING_LABEL.match(text)
            if current is not None and continues and not starts_item:
                current = _join_wrapped(current, text)
            else:
                close()
                current = text
                if (
                    captionless is not None
                    and line["top"] - captionless.bottom < size * 2.5
                    and is_caption(text)
                ):
                    caption_for = captionless
                captionless = None
            if right - line["x1"] > size or standalone:
                close()
        for picture in waiting:  # below the page's last line
            close()
            paragraphs.append(picture)
        captionless = None  # a caption is on its picture's page
    close()
    budget.paragraphs(len(paragraphs))
    text = "\n\n".join(p for p in paragraphs if isinstance(p, str))
    budget.characters(len(text))
    if not text.strip():
        raise UnreadableFile(path, "PDF 中没有文字层（可能是扫描件），无法导入")
    return paragraphs, pictures, warnings


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
        found.append(_Picture(key, image["top"], image["bottom"]))
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


def _join_wrapped(left: str, right: str) -> str:
    # A PDF wraps Latin text at the spaces it then drops; Chinese needs none.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right
