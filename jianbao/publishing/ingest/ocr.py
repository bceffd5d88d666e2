"""Scans: pictures of pages and PDFs without a text layer, read through OCR.

ocrmypdf (tesseract, ``chi_sim``) reads each page; it runs
as a child process in a private temporary folder, with a per-page limit for
tesseract and a limit for the whole run, so that no file holds a worker for
ever. Its hOCR (kept in that folder) gives every word's box and confidence:
its lines become ``layout``'s lines and go through the same layout code as a
text-layer PDF's (``pdf.lay_out``). pdfminer cannot read the CJK text layer
ocrmypdf writes (a CFF font with a custom encoding: only Latin comes out), so
the hOCR is read instead of the OCR'd PDF.

Deskewing straightens the reading, not the picture: tesseract finds tilted
lines itself, and turning a 150 dpi page before OCR (ocrmypdf's --deskew)
blurred its strokes enough to misread 鞋, 暨 and 载 in the sample's titles. Each
page's skew is the median slope of its long lines' baselines, and the words'
boxes are turned back by it before layout sees them.

OCR has no weights and no faces: a line's size is tesseract's estimate of its
characters' height, sizes close to the body's are taken as the body's, and a
line is bold when its strokes are clearly heavier than the body's.

Tesseract puts spaces between Chinese characters: they go, spaces in Latin
text stay, and half-width commas, colons and brackets read beside Chinese
characters come out full-width. Names stay as OCR read them.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings as warnings_module
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from lxml import etree
from PIL import Image, ImageSequence

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.core.text import describe_binary, fold, is_ideograph, remove_cjk_spaces
from jianbao.publishing.ingest import layout, pdf
from jianbao.publishing.ingest.docx import DocxContent
from jianbao.publishing.parsed import (
    REPAIR,
    OcrLine,
    OcrPage,
    ParsedArticle,
    ParsedBulletin,
    ParseWarning,
)

# chi_sim alone: with +eng tesseract read the masthead "2023年第1期" as "202348 1]".
LANGUAGES = "chi_sim"
# Tesseract's word confidences: a word it read right mostly scores above 90; a line
# averaging under 75 has, on scans like ours, one wrong character or more in most cases.
DEFAULT_LOW_CONFIDENCE = 75.0
DEFAULT_PAGE_SECONDS = 60
DEFAULT_JOBS = 2
# Pixels of one page: an A4 page scanned at 600 dpi has 35 million.
MAX_PAGE_PIXELS = 50_000_000
# A picture of a page without a resolution is taken as A4 (its short side 8.27 in).
A4_SHORT_INCHES = 8.27
# A mark stands within this many ems before a line's first word, and fills this
# share of its own box.
MARK_REACH = 1.6
MARK_FILL = 0.35  # ◆ fills half its box, ● more, a character less
# What stands for a 导读 entry's or list item's mark, whatever OCR read there.
LIST_MARK = "◆"
# What tesseract reads for the dashes around a page number.
DASHES = "一二—–-－_~”“\"'"
# Ideographs whose ink is a stroke or two high: no measure of the line's size.
FLAT = "一二三"
# The width of a Latin letter or digit, in ems, about.
LATIN_EM = 0.55
# How much of the em an ideograph's ink covers, top to bottom.
IDEOGRAPH_HEIGHT = 0.9
# Sizes within this share of the body's are the body's (tesseract's estimates vary).
SIZE_TOLERANCE = 0.08
# And within this share of another size (a title's, the 导读's): documents set
# sizes a point or two apart, 12% for 16 and 18 points.
HEADING_TOLERANCE = 0.06
# Half-width marks tesseract reads for the full-width ones of Chinese text.
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
OPENING = "（《“‘【"
CLOSING = "）》”’】，。、；：？！"
FULL_WIDTH_MARKS = "，。、；：？！（）《》“”‘’【】"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_LINE_CLASSES = ("ocr_line", "ocr_header", "ocr_textfloat", "ocr_caption")


def low_confidence() -> float:
    return float(getattr(settings, "JIANBAO_OCR_LOW_CONFIDENCE", DEFAULT_LOW_CONFIDENCE))


def page_seconds() -> float:
    return float(getattr(settings, "JIANBAO_OCR_PAGE_SECONDS", DEFAULT_PAGE_SECONDS))


def ocr_jobs() -> int:
    return max(1, int(getattr(settings, "JIANBAO_OCR_JOBS", DEFAULT_JOBS)))


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    confidence: float
    # Where the word stands on the picture (x0, top, x1, bottom, in points):
    # the ink is measured there, the other figures are straightened.
    seen: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass
class _Line:
    words: list[_Word]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # in points
    ink: float = 0.0  # share of dark pixels in the words' boxes
    mark_x0: float | None = None  # where a list mark before the words stands


@dataclass
class PageReading:
    """What OCR read on one page: its lines (in points) and the deskew angle."""

    number: int  # 1-based
    lines: list[_Line]
    angle: float = 0.0
    read: bool = True  # False when tesseract ran out of time on the page


# ---------------------------------------------------------------------------
# Entry points


def image_to_markup(data: bytes, name: str, *, budget: ParseBudget | None = None) -> DocxContent:
    """A picture of a page (PNG, JPEG, or TIFF of one or more pages) as the text markup."""
    budget = budget or ParseBudget(name)
    return scan_to_markup(image_pdf(data, name, budget), name, budget=budget, kind="图片")


def scan_to_markup(
    data: bytes, name: str, *, budget: ParseBudget | None = None, kind: str = "PDF"
) -> DocxContent:
    """A PDF of scanned pages (no text layer) as the text markup, with each page's OCR."""
    budget = budget or ParseBudget(name)
    return reading_to_markup(read_scan(data, name, budget), name, budget, kind)


def reading_to_markup(
    pages: list[PageReading], name: str, budget: ParseBudget, kind: str = "PDF"
) -> DocxContent:
    """The pages OCR read as the text markup, through the text-layer PDF's layout."""
    warnings = [
        f"第{p.number}页文字识别超时（上限 {page_seconds():g} 秒），该页未导入"
        for p in pages
        if not p.read
    ]
    normalise_sizes(pages)
    page_lines = [_layout_lines(p) for p in pages]
    settle_headings(page_lines)
    if not any(page_lines):
        raise UnreadableFile(name, f"{kind}中没有文字层，文字识别（OCR）也未找到文字，无法导入")
    paragraphs = pdf.lay_out(page_lines, [[] for _ in pages], budget)
    content = pdf.markup(paragraphs, {}, warnings, name, budget)
    return replace(content, ocr_pages=tuple(ocr_page(p, low_confidence()) for p in pages))


def read_scan(data: bytes, name: str, budget: ParseBudget) -> list[PageReading]:
    """Every page of a scanned PDF as OCR read it (ocrmypdf: deskew, then tesseract)."""
    count = _page_count(data, name)
    budget.check_count("页数", count, budget.limits.pages, "页")
    check_tools(name)
    with tempfile.TemporaryDirectory(prefix="jianbao-ocr-") as tmp:
        source = Path(tmp, "scan.pdf")
        source.write_bytes(data)
        work = _run_ocrmypdf(source, Path(tmp), count, name)
        return read_work(work, count, name)


def read_work(work: Path, count: int, name: str) -> list[PageReading]:
    """The pages as read from ocrmypdf's temporary files (one hOCR and one image a page)."""
    pages = []
    for number in range(1, count + 1):
        hocr = work / f"{number:06d}_ocr_hocr.hocr"
        image = work / f"{number:06d}_ocr.png"
        if not hocr.is_file():
            pages.append(PageReading(number, [], read=False))
            continue
        lines, skew, centre = _hocr_lines(hocr, name)
        angle = _straighten(lines, skew, centre)
        rows = _rows(lines)
        if image.is_file():
            _measure_ink(rows, image)
        pages.append(PageReading(number, rows, angle))
    return pages


# ---------------------------------------------------------------------------
# Pictures of pages


def image_pdf(data: bytes, name: str, budget: ParseBudget) -> bytes:
    """The pictures of a PNG, JPEG or (multi-page) TIFF as an image-only PDF, a page each.

    Pillow reads only the header before the size is checked, so a picture that
    declares a huge size is refused before its pixels are decoded."""
    import img2pdf

    pages: list[bytes] = []
    try:
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                frames = getattr(picture, "n_frames", 1)
                budget.check_count("页数", frames, budget.limits.pages, "页")
                for frame in ImageSequence.Iterator(picture):
                    pages.append(_page_png(frame, name, len(pages) + 1, frames))
                    budget.check_time()
        return img2pdf.convert(pages)
    except UnreadableFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableFile(name, "图片像素过多，疑似解压炸弹，已拒绝") from None
    except Exception as exc:  # Pillow raises many kinds on a damaged file
        # Named by what its first bytes say it is (PNG 图像…), whatever the file is called.
        kind = describe_binary(data) or "图像"
        raise UnreadableFile(name, f"{kind}已损坏，无法读取（{exc.__class__.__name__}）") from None


def _page_png(frame: Image.Image, name: str, number: int, frames: int) -> bytes:
    width, height = frame.size
    where = f"第{number}页" if frames > 1 else ""
    if width * height > MAX_PAGE_PIXELS:
        raise UnreadableFile(
            name,
            f"{where}图片过大（{width}×{height} 像素，"
            f"上限 {MAX_PAGE_PIXELS // 1_000_000} 百万像素）",
        )
    if min(width, height) < 100:
        raise UnreadableFile(name, f"{where}图片太小（{width}×{height} 像素），不像一页文件")
    dpi = _dpi(frame)
    grey = frame.convert("L")  # palette, alpha, CMYK, 1-bit: all the same to OCR
    out = io.BytesIO()
    grey.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _dpi(frame: Image.Image) -> float:
    """The picture's resolution, or the one that makes it an A4 page."""
    declared = frame.info.get("dpi")
    try:
        dpi = float(declared[0]) if declared else 0.0
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    if 72 <= dpi <= 1200:
        return dpi
    return min(max(min(frame.size) / A4_SHORT_INCHES, 72.0), 1200.0)


# ---------------------------------------------------------------------------
# ocrmypdf


def check_tools(name: str) -> None:
    """tesseract and its Chinese data, named by the Debian package that brings them."""
    if shutil.which("tesseract") is None:
        raise UnreadableFile(
            name, "无法识别扫描件：未安装 tesseract（请安装 Debian 软件包 tesseract-ocr）"
        )
    if "chi_sim" not in _tesseract_languages():
        raise UnreadableFile(
            name,
            "无法识别扫描件：tesseract 缺少简体中文数据 chi_sim"
            "（请安装 Debian 软件包 tesseract-ocr-chi-sim）",
        )


_LANGUAGES_SEEN: set[str] = set()


def _tesseract_languages() -> set[str]:
    # Asked once a process when chi_sim is there; asked again while it is missing.
    if "chi_sim" not in _LANGUAGES_SEEN:
        try:
            done = subprocess.run(
                ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return set()
        _LANGUAGES_SEEN.update(done.stdout.split()[1:] if done.returncode == 0 else ())
    return _LANGUAGES_SEEN


def _page_count(data: bytes, name: str) -> int:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            return len(document.pages)
    except pikepdf.PasswordError:
        raise UnreadableFile(name, "PDF 已加密，无法识别") from None
    except Exception as exc:
        raise UnreadableFile(name, f"无法读取 PDF（{exc.__class__.__name__}）") from None


# ocrmypdf's exit codes that mean something to the person importing.
_EXIT_REASONS = {
    2: "PDF 无法读取",
    3: "缺少文字识别所需的程序（tesseract-ocr、tesseract-ocr-chi-sim、ghostscript）",
    8: "PDF 已加密，无法识别",
}


def _run_ocrmypdf(source: Path, tmp: Path, pages: int, name: str) -> Path:
    """ocrmypdf over ``source``, its temporary files kept in ``tmp``: the folder with them."""
    seconds = page_seconds()
    jobs = ocr_jobs()
    command = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "--language",
        LANGUAGES,
        "--force-ocr",
        "--jobs",
        str(jobs),
        "--output-type",
        "none",
        "--optimize",
        "0",
        "--keep-temporary-files",
        "--tesseract-timeout",
        f"{seconds:g}",
        "--tesseract-non-ocr-timeout",
        f"{seconds:g}",
        "--max-image-mpixels",
        str(MAX_PAGE_PIXELS // 1_000_000),
        "--no-progress-bar",
        "--quiet",
        str(source),
        "-",
    ]
    env = {
        **os.environ,
        "TMPDIR": str(tmp),  # ocrmypdf's own folder goes inside ours, removed with it
        "OMP_THREAD_LIMIT": "1",
    }
    # Rasterising and deskewing each page come on top of its OCR: twice the
    # page limit per round of ``jobs`` pages, and a minute to start and finish.
    limit = 2 * seconds * math.ceil(pages / jobs) + 60
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp,
        start_new_session=True,  # its tesseracts and ghostscripts go with it
    )
    try:
        _out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise UnreadableFile(name, f"文字识别用时超过 {limit:g} 秒，已停止") from None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        said = err.decode("utf-8", "replace").strip().splitlines()
        reason = _EXIT_REASONS.get(process.returncode) or (said[-1][:200] if said else "")
        raise UnreadableFile(name, f"文字识别失败（{reason or process.returncode}）")
    found = sorted(tmp.glob("ocrmypdf.io.*"))
    if not found:
        raise UnreadableFile(name, "文字识别失败（没有留下识别结果）")
    return found[0]


# ---------------------------------------------------------------------------
# hOCR


def _title(element) -> dict[str, list[str]]:
    """An hOCR title ("bbox 1 2 3 4; x_wconf 96") as its properties."""
    properties = {}
    for part in (element.get("title") or "").split(";"):
        key, *values = part.split()
        if values:
            properties[key] = values
    return properties


def _hocr_lines(path: Path, name: str) -> tuple[list[_Line], float, tuple[float, float]]:
    """tesseract's lines of one page (in points, as on the picture), the page's
    skew (the median slope of its long lines' baselines) and its centre."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError:
        raise UnreadableFile(name, "文字识别的结果无法读取（hOCR 已损坏）") from None
    page = next(root.iter(f"{_XHTML}div"), None)
    properties = _title(page) if page is not None else {}
    try:
        dpi = float(properties.get("scan_res", ["0"])[0])
        width, height = (float(v) for v in properties.get("bbox", ["0"] * 4)[2:4])
    except ValueError:
        dpi = width = height = 0.0
    points = 72 / dpi if dpi > 0 else 72 / 150
    lines = []
    slopes: list[tuple[float, float]] = []  # (slope, the line's width)
    for element in root.iter(f"{_XHTML}span"):
        if element.get("class") not in _LINE_CLASSES:
            continue
        words = []
        for word in element.iter(f"{_XHTML}span"):
            if word.get("class") != "ocrx_word":
                continue
            text = "".join(word.itertext()).strip()
            box = _title(word)
            if not text or "bbox" not in box:
                continue
            x0, y0, x1, y1 = (float(v) * points for v in box["bbox"])
            confidence = float(box.get("x_wconf", ["0"])[0])
            if not _speck(text, confidence):
                words.append(_Word(text, x0, x1, y0, y1, confidence, (x0, y0, x1, y1)))
        box = _title(element)
        if not words or "bbox" not in box or _specks(words):
            continue
        if len(words) > 1 and _stacked(words):
            # A column of list marks read as one line standing upright: a line each.
            for word in words:
                lines.append(_Line([word], word.x0, word.x1, word.top, word.bottom, _size([word])))
            continue
        # The words' extent, not the line's box: that takes in the specks dropped above.
        x0, x1 = min(w.x0 for w in words), max(w.x1 for w in words)
        top, bottom = float(box["bbox"][1]) * points, float(box["bbox"][3]) * points
        lines.append(_Line(words, x0, x1, top, bottom, _size(words)))
        with contextlib.suppress(ValueError):  # a line without a readable baseline
            slopes.append((float(box.get("baseline", ["0"])[0]), x1 - x0))
    return lines, _skew(slopes), (width * points / 2, height * points / 2)


def _stacked(words: list[_Word]) -> bool:
    """Each word stands below the one before it, not beside it."""
    return all(b.top >= a.bottom - 1 and b.x0 < a.x1 for a, b in itertools.pairwise(words)) or all(
        a.top >= b.bottom - 1 and b.x0 < a.x1 for a, b in itertools.pairwise(words)
    )


def _skew(slopes: list[tuple[float, float]]) -> float:
    """The page's slope: the median of its long lines' (a short line's baseline
    is steered by a character or two)."""
    if not slopes:
        return 0.0
    longest = max(width for _slope, width in slopes)
    long = sorted(slope for slope, width in slopes if width >= longest * 0.5)
    return long[len(long) // 2]


def _straighten(lines: list[_Line], slope: float, centre: tuple[float, float]) -> float:
    """Turn the words' boxes back by the page's skew, about its centre (each box
    keeps its size); the correction in degrees, as Pillow turns (counter-clockwise)."""
    angle = math.atan(slope)
    if abs(angle) < 1e-4:
        return 0.0
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = centre
    for line in lines:
        for word in line.words:
            mx, my = (word.x0 + word.x1) / 2 - cx, (word.top + word.bottom) / 2 - cy
            dx, dy = mx * cos + my * sin - mx, -mx * sin + my * cos - my
            word.x0, word.x1, word.top, word.bottom = (
                word.x0 + dx,
                word.x1 + dx,
                word.top + dy,
                word.bottom + dy,
            )
        line.x0, line.x1 = min(w.x0 for w in line.words), max(w.x1 for w in line.words)
        line.top, line.bottom = min(w.top for w in line.words), max(w.bottom for w in line.words)
    return math.degrees(angle)


def _speck(text: str, confidence: float) -> bool:
    """A word read from dust: a sign or two that tesseract gives next to no
    confidence. A longer Latin word of low confidence is kept (the bold
    "IEC JTC 1/SC" of a title read as one word with confidence 0)."""
    return (
        confidence < 25
        and not any(is_ideograph(c) for c in text)
        and (len(text) <= 3 or not any(c.isalnum() for c in text))
    )


def _specks(words: list[_Word]) -> bool:
    """A line of a few doubtful signs and digits (dust, an ornament), not text."""
    characters = sum(len(w.text) for w in words)
    mean = sum(w.confidence for w in words) / len(words)
    return characters <= 4 and mean < 50 and not any(is_ideograph(c) for w in words for c in w.text)


def _rows(lines: list[_Line]) -> list[_Line]:
    """tesseract's lines, those standing side by side at one height joined left
    to right (as ``layout.page_lines`` joins a text layer's characters), top to
    bottom. A lone mark tesseract read before an entry is a line of its own."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda ln: (_middle(ln), ln.x0)):
        size = max(line.size, rows[-1][0].size) if rows else line.size
        if rows and abs(_middle(line) - _middle(rows[-1][0])) <= size * 0.4:
            rows[-1].append(line)
        else:
            rows.append([line])
    joined = []
    for row in rows:
        row.sort(key=lambda ln: ln.x0)
        words = [w for ln in row for w in ln.words]
        x0, x1 = row[0].x0, max(ln.x1 for ln in row)
        top, bottom = min(ln.top for ln in row), max(ln.bottom for ln in row)
        joined.append(_Line(words, x0, x1, top, bottom, _size(words)))
    return joined


def _size(words: list[_Word]) -> float:
    """A line's size in points: the smaller of two estimates that can only err
    upwards. Chinese characters' boxes (about nine tenths of the em high; a box
    that LSTM stretched into the next line is taller) and the line's pitch
    (its width over its characters, an em each, Latin ones about half: spacing
    and justification only widen it). tesseract's own x_size is one figure
    for a whole block."""
    chinese = [w for w in words if all(is_ideograph(c) for c in w.text) and w.text.strip(FLAT)]
    heights = sorted(w.bottom - w.top for w in chinese or words)
    size = heights[(len(heights) - 1) // 2] / IDEOGRAPH_HEIGHT  # the lower median
    text = "".join(w.text for w in words)
    ems = sum(1.0 if _chinese(c) else LATIN_EM for c in text)
    # A bracket or quote at either end has its ink in one half of its em.
    ems -= 0.5 * (text[:1] in OPENING) + 0.5 * (text[-1:] in CLOSING)
    if ems >= 4:
        size = min(size, (words[-1].x1 - words[0].x0) / ems)
    return round(size, 1)


def _measure_ink(lines: list[_Line], image: Path) -> None:
    """What the page image tells beyond tesseract's words: each line's share of
    dark pixels in its words' boxes (bold strokes hold more ink than regular
    ones), and the list mark (◆, •) standing before its words, which tesseract
    mostly drops or reads as 4, 9 or -."""
    with Image.open(image) as picture:
        grey = picture.convert("L")
        dpi = picture.info.get("dpi", (150, 150))[0] or 150
    scale = float(dpi) / 72
    dark = grey.point(lambda v: 255 if v < 128 else 0)
    for line in lines:
        first = line.words[0]
        if len(line.words) > 1 and _reads_as_mark(line):
            line.mark_x0 = first.x0
            line.words = line.words[1:]
            line.x0 = line.words[0].x0
        elif (found := _mark_before(dark, line, scale)) is not None:
            line.mark_x0 = first.x0 - (first.seen[0] - found)
        inked = total = 0
        for word in line.words:
            box = _pixels(word.seen, scale)
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            histogram = dark.crop(box).histogram()
            inked += histogram[255]
            total += sum(histogram)
        line.ink = inked / total if total else 0.0


def _mark_before(dark: Image.Image, line: _Line, scale: float) -> float | None:
    """Where a list mark that tesseract dropped stands in the margin before the
    line's first word (on the picture, in points), if one does: a solid glyph
    (◆ ● ■) about as wide as high, apart from the word. A bracket or a quote
    read as nothing is tall and thin; words tesseract dropped are wide."""
    first = line.words[0]
    x0, top, _x1, bottom = first.seen
    box = _pixels((x0 - line.size * MARK_REACH, top, x0 - line.size * 0.25, bottom), scale)
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    region = dark.crop(box)
    width, height = region.size
    pixels = region.tobytes()  # 255 where dark
    found = _ink_run(
        [sum(pixels[y * width + x] for y in range(height)) // 255 for x in range(width)]
    )
    if found is None:
        return None
    left, right = found
    rows = [sum(pixels[y * width + x] for x in range(left, right)) // 255 for y in range(height)]
    found = _ink_run(rows)
    if found is None:
        return None
    top, bottom = found
    wide, high = right - left, bottom - top
    if (
        wide >= line.size * 0.25 * scale
        and high < height - 1  # not a rule from top to bottom
        and 0.5 <= wide / high <= 2.0
        and sum(rows[top:bottom]) >= wide * high * MARK_FILL
    ):
        return (box[0] + left) / scale
    return None


def _ink_run(counts: list[int]) -> tuple[int, int] | None:
    """The widest run of columns (or rows) holding two dark pixels or more: a
    glyph's extent, the odd speck of dust (a pixel) left out."""
    best, start = None, None
    for n, count in enumerate([*counts, 0]):
        if count >= 2 and start is None:
            start = n
        elif count < 2 and start is not None:
            if best is None or n - start > best[1] - best[0]:
                best = (start, n)
            start = None
    return best


def _pixels(box: tuple[float, float, float, float], scale: float) -> tuple[int, ...]:
    return tuple(max(0, round(v * scale)) for v in box)


def _reads_as_mark(line: _Line) -> bool:
    """The line opens with one small glyph standing apart from its words: a list
    mark read as a digit or a sign, or as a character (人, 全) that tesseract
    doubts and that stands lower than the words' characters."""
    mark, after = line.words[0], line.words[1]
    if mark.text[-1] in OPENING + "([<\"'":
        return False  # the bracket or quote that opens the words (a credit's "(")
    if mark.x1 - mark.x0 > line.size * 1.2 or after.x0 - mark.x1 < line.size * 0.2:
        return False
    if len(mark.text) <= 2 and not any(is_ideograph(c) for c in mark.text):
        return after.x0 - mark.x1 >= line.size * 0.3
    heights = sorted(w.bottom - w.top for w in line.words[1:])
    return (
        len(mark.text) == 1
        and mark.confidence < 60
        and mark.bottom - mark.top < heights[len(heights) // 2] * 0.75
    )


# ---------------------------------------------------------------------------
# Lines for layout, and the review data


def tidy(text: str) -> str:
    """OCR text as it stands on the page: no spaces between Chinese characters or
    around full-width punctuation, full-width marks where half-width ones were
    read beside Chinese characters; Latin text as read."""
    chars = _paired(list(" ".join(text.split())))
    for n, ch in enumerate(chars):
        if ch not in FULL_WIDTH:
            continue
        before = next((c for c in reversed(chars[:n]) if c != " "), "")
        after = next((c for c in chars[n + 1 :] if c != " "), "")
        # An opening bracket before Chinese, a closing one after it; other marks
        # after a Chinese character (1,000 and 8:30 stay as they are).
        if ch == "(":
            chinese = _chinese(after)
        elif ch == ")":
            chinese = _chinese(before)
        elif before.isdigit() and after.isdigit():
            chinese = False  # 1,000 and 8:30
        else:
            chinese = _chinese(before) or (_chinese(after) and not before.isalpha())
        if chinese:
            chars[n] = FULL_WIDTH[ch]
    _same_width(chars)
    # Full-width marks carry their own spacing: no space goes beside them.
    kept = [
        ch
        for n, ch in enumerate(chars)
        if ch != " "
        or not (chars[n - 1 : n] + chars[n + 1 : n + 2])
        or not any(c in FULL_WIDTH_MARKS for c in chars[n - 1 : n] + chars[n + 1 : n + 2])
    ]
    return remove_cjk_spaces("".join(kept)).strip()


def _paired(chars: list[str]) -> list[str]:
    """Brackets by their pairs: tesseract reads the （ of "（第十六届）" as 〈 and
    the 1 of "第1期" as "1]" or "]". A 〈 that no 〉 closes, where a ） or ) does,
    is a （; a ] that no [ opens is dropped between a digit and a Chinese
    character, and is the 1 between 第 and 期."""
    opened: list[int] = []  # where each bracket still open stands
    for n, ch in enumerate(chars):
        if ch in "（(〈":
            opened.append(n)
        elif ch in "）)":
            if opened:
                start = opened.pop()
                if chars[start] == "〈" and "〉" not in chars[start:n]:
                    chars[start] = "（"
                # One half of a pair read full-width makes the other full-width.
                if chars[start] == "（" or ch == "）":
                    chars[start], chars[n] = "（", "）"
        elif ch == "〉" and opened:
            opened.pop()
    for n, ch in enumerate(chars):
        if ch != "]" or "[" in chars[:n] or not 0 < n < len(chars) - 1:
            continue
        if chars[n - 1].isdigit() and is_ideograph(chars[n + 1]):
            chars[n] = ""
        elif chars[n - 1] == "第" and chars[n + 1] in "期号届次":
            chars[n] = "1"  # 第1期 read as 第]期
    return [c for c in chars if c]


# ---------------------------------------------------------------------------
# Titles read twice


PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")", "【": "】", "〈": "〉"}
_CLOSERS = set(PAIRS.values()) | {'"', "'"}


def balanced(text: str) -> bool:
    """Every quote and bracket closed by its own pair, in order (a straight
    quote in Chinese text is OCR's reading of a curly one: not balanced)."""
    waiting: list[str] = []
    for ch in text:
        if ch in PAIRS:
            waiting.append(PAIRS[ch])
        elif ch in _CLOSERS and (not waiting or waiting.pop() != ch):
            return False
    return not waiting


def _letters(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def settle_titles(bulletin: ParsedBulletin) -> ParsedBulletin:
    """A scan prints each title twice, in the 导读 and over its article, and OCR
    reads the two apart. Where they differ only in punctuation and only the
    导读's quotes and brackets pair up (the title's 《 read as （, a ” dropped),
    the title is taken as the 导读 has it. A different character is left as
    the title reads: which reading is right only the editor can tell."""
    repaired: list[ParseWarning] = []

    def settled(article: ParsedArticle) -> ParsedArticle:
        entry = article.toc_title
        if (
            not entry
            or balanced(article.title)
            or not balanced(entry)
            or _letters(entry) != _letters(article.title)
        ):
            return article
        repaired.append(
            ParseWarning(
                0, f"标题“{article.title}”的标点按导读改为“{entry}”（文字识别）", code=REPAIR
            )
        )
        return replace(article, title=entry, toc_title="")

    sections = tuple(
        replace(section, articles=tuple(settled(a) for a in section.articles))
        for section in bulletin.sections
    )
    if not repaired:
        return bulletin
    return replace(bulletin, sections=sections, warnings=(*bulletin.warnings, *repaired))


def _same_width(chars: list[str]) -> None:
    """A pair of brackets one half of which came out full-width is full-width:
    "指南(2023-2025年)" reads "(" after 南 and before 2, ")" after 年."""
    opened: list[int] = []
    for n, ch in enumerate(chars):
        if ch in "（(":
            opened.append(n)
        elif ch in "）)" and opened:
            start = opened.pop()
            if chars[start] == "（" or ch == "）":
                chars[start], chars[n] = "（", "）"


def _chinese(ch: str) -> bool:
    """A Chinese character, or full-width punctuation beside which a mark is Chinese too."""
    return bool(ch) and (is_ideograph(ch) or ch in FULL_WIDTH_MARKS)


def _layout_lines(page: PageReading) -> list[layout.LayoutLine]:
    """The page's lines as ``layout`` takes them, top to bottom, their words in
    tesseract's order (LSTM's boxes overlap: sorting characters by position, as
    a text layer's are, would shuffle them)."""
    lines = []
    for line in page.lines:
        words = line.words
        mark = line.mark_x0 is not None
        text = f"{LIST_MARK} {words[0].text}" if mark else words[0].text
        for prev, word in itertools.pairwise(words):
            # Chinese needs no spaces; Latin words and a Chinese word beside a
            # Latin one keep the space the page shows.
            gap = word.x0 - prev.x1
            if gap > line.size * 0.3 or (gap > line.size * 0.15 and _latin(text, word.text)):
                text += " "
            text += word.text
        text = _page_number(tidy(text))
        if not text:
            continue
        lines.append(
            layout.LayoutLine(
                text=text,
                x0=line.mark_x0 if mark else line.x0,
                x1=line.x1,
                top=_top(line),
                bottom=_bottom(line),
                page=page.number - 1,
                size=line.size,
                bold=bool(line.ink),
                start=line.x0,
            )
        )
    return lines


def _latin(left: str, right: str) -> bool:
    return (left[-1:].isascii() and left[-1:].isalnum()) or (
        right[:1].isascii() and right[:1].isalnum()
    )


def _top(line: _Line) -> float:
    """Where the line's characters stand: the median of its words' boxes (the
    line's own box takes in specks and the odd stretched box)."""
    tops = sorted(w.top for w in line.words)
    return tops[len(tops) // 2]


def _bottom(line: _Line) -> float:
    bottoms = sorted(w.bottom for w in line.words)
    return bottoms[len(bottoms) // 2]


def _middle(line: _Line) -> float:
    return (_top(line) + _bottom(line)) / 2


def _page_number(text: str) -> str:
    """ "一 4 一" (how tesseract reads "— 4 —") as the page number it is."""
    digits = text.strip(DASHES + " ")
    if digits.isdigit() and len(digits) <= 4 and digits != text.strip():
        return f"— {digits} —"
    return text


def normalise_sizes(pages: list[PageReading]) -> None:
    """Sizes as a typesetter sets them, a few for a document: the body's first
    (within SIZE_TOLERANCE), then the others, most used first (within half of
    it). Bold is kept for lines whose ink clearly exceeds the body's (``ink``
    becomes a flag: 1.0 bold, 0.0 not)."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += sum(len(w.text) for w in line.words)
    if not sizes:
        return
    body = sizes.most_common(1)[0][0]
    centres = [body]
    for size, _count in sizes.most_common():
        if all(abs(size - c) > c * _tolerance(c, body) for c in centres):
            centres.append(size)
    inks = []
    for page in pages:
        for line in page.lines:
            near = min(centres, key=lambda c: abs(line.size - c))
            if abs(line.size - body) <= body * SIZE_TOLERANCE:
                line.size = body
            elif abs(line.size - near) <= near * _tolerance(near, body):
                line.size = near
            else:
                line.size = round(line.size * 2) / 2
            if line.size == body:
                inks.append(line.ink)
    inks.sort()
    usual = inks[len(inks) // 2] if inks else 0.0
    for page in pages:
        for line in page.lines:
            line.ink = 1.0 if usual and line.ink > usual * BOLD_INK else 0.0


def settle_headings(pages: list[list[layout.LayoutLine]]) -> None:
    """What the page's geometry says about sizes OCR could only estimate.

    A line that fills the measure from the left edge or the paragraph indent,
    in regular weight, is body text however tall tesseract's boxes were (a
    Latin name at the start of a paragraph stretches them). The lines of one
    centred heading, close under each other, share one size and weight: the
    largest and the boldest read among them (a wrapped title's second line,
    with fewer or narrower characters, is often read a size smaller or lighter).
    """
    geometry = layout.Geometry(pages)
    body = geometry.body
    for lines in pages:
        for prev, line in itertools.pairwise(lines):
            if _dropped_character(geometry, prev, line):
                line.text = line.text.removeprefix(f"{LIST_MARK} ")
        for line in lines:
            if (
                geometry.level(line) == 3
                and not line.bold
                and line.size < body * 1.25
                and geometry.full(line)
                and not geometry.centred(line)
            ):
                line.size = body
        run: list[layout.LayoutLine] = []
        for line in [*lines, None]:
            prev = run[-1] if run else None
            if line is not None and prev is not None and _same_heading(geometry, prev, line):
                run.append(line)
                continue
            if len(run) > 1:
                size, bold = max(ln.size for ln in run), any(ln.bold for ln in run)
                for ln in run:
                    ln.size, ln.bold = size, bold
            run = [line] if line is not None else []


def _dropped_character(
    geometry: layout.Geometry, prev: layout.LayoutLine, line: layout.LayoutLine
) -> bool:
    """The ink taken for a list mark before ``line`` is its first character,
    which tesseract dropped ("向", "一"): the line is running text in regular
    weight, filling the measure from the left edge, under a line that fills it
    too and ends no sentence. A section's ◆ head is bold and follows a
    paragraph's end."""
    return (
        line.text.startswith(f"{LIST_MARK} ")
        and geometry.level(line) == 0
        and geometry.level(prev) == 0
        and geometry.full(line)
        and geometry.full(prev)
        and not geometry.indented(line)
        and not layout.ends_sentence(prev.text)
    )


def _same_heading(
    geometry: layout.Geometry, prev: layout.LayoutLine, line: layout.LayoutLine
) -> bool:
    """``line`` goes on with the centred heading whose last line is ``prev``."""
    levels = (geometry.level(prev), geometry.level(line))
    if 3 not in levels or line.page != prev.page or prev.text[-1:] in "。！？!?":
        return False
    small, large = sorted((prev.size, line.size))
    return (
        small >= large * 0.8
        and small >= geometry.body * 0.95
        and line.top - prev.bottom < large * 0.9
        and geometry.centred(prev)
        and geometry.centred(line)
        and not geometry.full(line)
    )


def _tolerance(centre: float, body: float) -> float:
    return SIZE_TOLERANCE if centre == body else HEADING_TOLERANCE


# A bold line holds this many times the ink of the body's median line.
BOLD_INK = 1.35


def ocr_page(page: PageReading, threshold: float) -> OcrPage:
    """The page's mean word confidence and the lines read with less than ``threshold``."""
    confidences = [w.confidence for line in page.lines for w in line.words]
    low = []
    for line in page.lines:
        mean = sum(w.confidence for w in line.words) / len(line.words)
        if mean < threshold:
            text = tidy(" ".join(w.text for w in line.words))
            low.append(OcrLine(page.number, text, round(mean, 1)))
    return OcrPage(
        page=page.number,
        confidence=round(sum(confidences) / len(confidences), 1) if confidences else 0.0,
        low_lines=tuple(low),
        angle=round(page.angle, 2),
        blank=not confidences,
    )
