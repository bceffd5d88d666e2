"""An independent OFD reader for the tests, not a full OFD renderer: it draws
one page of an OFD 1.0 (GB/T 33190-2016) package with Pillow, to be compared
with the PDF's page. It shares no code with jianbao's OFD writer.

It reads the page size (the page's PhysicalBox, else the document's PageArea)
and the layers' objects in document order: TextObject (Font, Size, Fill,
FillColor; TextCode X/Y, DeltaX/DeltaY with "g N d" repeats, a glyph without a
delta advancing by its own width), PathObject (AbbreviatedData S M L Q B A C,
Stroke/Fill, LineWidth, colours) and ImageObject (a MultiMedia of PublicRes or
DocumentRes on its CTM's unit square, axis-aligned), each placed by its
Boundary and CTM (glyphs are scaled by a CTM, not rotated). A font is found by
fc-match: its FontName as a PostScript name, else its FamilyName (and Bold).

Not supported: clipping to Boundary or clip areas, templates, annotations,
shadings, patterns, transparency, DrawParams, embedded fonts, CGTransform,
vertical text, dashes, joins and fill rules (each subpath is filled alone),
colour spaces other than RGB."""

from __future__ import annotations

import io
import itertools
import math
import posixpath
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

OFD = "{http://www.ofdspec.org/2016}"


def rasterize(ofd_bytes: bytes, page_index: int, dpi: float) -> Image.Image:
    """Page `page_index` (from 0) of the OFD package, in RGB at `dpi`."""
    package = zipfile.ZipFile(io.BytesIO(ofd_bytes))

    def xml(name: str) -> ET.Element:
        return ET.fromstring(package.read(name))

    doc_name = _join("", xml("OFD.xml").find(f"{OFD}DocBody/{OFD}DocRoot").text)
    document, doc_dir = xml(doc_name), posixpath.dirname(doc_name)
    pages = document.findall(f"{OFD}Pages/{OFD}Page")
    page = xml(_join(doc_dir, pages[page_index].get("BaseLoc")))

    fonts, media = {}, {}
    common = document.find(f"{OFD}CommonData")
    for res in [*common.findall(f"{OFD}PublicRes"), *common.findall(f"{OFD}DocumentRes")]:
        res_name = _join(doc_dir, res.text)
        root = xml(res_name)
        base = _join(posixpath.dirname(res_name), root.get("BaseLoc", ""))
        for font in root.iter(f"{OFD}Font"):
            fonts[font.get("ID")] = font
        for item in root.iter(f"{OFD}MultiMedia"):
            media[item.get("ID")] = _join(base, item.find(f"{OFD}MediaFile").text)

    box = page.find(f"{OFD}Area/{OFD}PhysicalBox")
    if box is None:
        box = common.find(f"{OFD}PageArea/{OFD}PhysicalBox")
    _, _, width, height = _numbers(box.text)
    scale = dpi / 25.4  # pixels per millimetre
    image = Image.new(
        "RGB", (math.ceil(width * scale - 1e-6), math.ceil(height * scale - 1e-6)), "white"
    )
    draw = ImageDraw.Draw(image)

    for layer in page.iter(f"{OFD}Layer"):
        for obj in layer.iter():
            if obj.tag == f"{OFD}TextObject":
                _text(draw, obj, fonts, scale)
            elif obj.tag == f"{OFD}PathObject":
                _path(draw, obj, scale)
            elif obj.tag == f"{OFD}ImageObject" and obj.get("ResourceID") in media:
                picture = Image.open(io.BytesIO(package.read(media[obj.get("ResourceID")])))
                _picture(image, obj, picture.convert("RGB"), scale)
    return image


def _join(base: str, loc: str) -> str:
    """A package path: absolute ("/Doc_0/...") or relative to `base`."""
    loc = loc.strip()
    return posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc))


def _numbers(text: str | None) -> list[float]:
    return [float(n) for n in (text or "").split()]


def _deltas(text: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, where "g N d" stands for N times d."""
    tokens, out = (text or "").split(), []
    while tokens:
        token = tokens.pop(0)
        if token == "g":
            count, value = int(tokens.pop(0)), float(tokens.pop(0))
            out += [value] * count
        else:
            out.append(float(token))
    return out


def _colour(obj: ET.Element, tag: str, default: tuple) -> tuple:
    element = obj.find(f"{OFD}{tag}")
    if element is None or not element.get("Value"):
        return default
    values = element.get("Value").split()
    return tuple(int(v[1:], 16) if v.startswith("#") else int(float(v)) for v in values[:3])


def _placement(obj: ET.Element, scale: float):
    """A function from the object's own coordinates (mm) to page pixels, and
    the CTM's scale factor."""
    x0, y0, _, _ = _numbers(obj.get("Boundary"))
    a, b, c, d, e, f = _numbers(obj.get("CTM")) or [1, 0, 0, 1, 0, 0]

    def place(u: float, v: float) -> tuple[float, float]:
        return ((x0 + a * u + c * v + e) * scale, (y0 + b * u + d * v + f) * scale)

    return place, math.sqrt(abs(a * d - b * c))


def _text(draw: ImageDraw.ImageDraw, obj: ET.Element, fonts: dict, scale: float) -> None:
    if obj.get("Fill", "true") == "false":
        return
    place, factor = _placement(obj, scale)
    size = float(obj.get("Size")) * factor * scale
    font = _font(*_font_file(fonts[obj.get("Font")]), max(size, 1.0))
    fill = _colour(obj, "FillColor", (0, 0, 0))
    x = y = 0.0
    for code in obj.iter(f"{OFD}TextCode"):
        x, y = float(code.get("X", x)), float(code.get("Y", y))
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for i, char in enumerate(code.text or ""):
            draw.text(place(x, y), char, font=font, fill=fill, anchor="ls")
            # Without a delta, the glyph's own advance (in mm of the object).
            x += dx[i] if i < len(dx) else font.getlength(char) / (factor * scale)
            y += dy[i] if i < len(dy) else 0.0


def _font_file(font: ET.Element) -> tuple[str, int]:
    """The face fc-match gives for the OFD font: by PostScript name if it has
    one of that name, else by family (and weight)."""
    name = font.get("FontName", "")
    found = _fc_match(f":postscriptname={name}")
    if found[2] != name:
        bold = ":bold" if font.get("Bold") == "true" else ""
        found = _fc_match(font.get("FamilyName", name) + bold)
    return found[0], found[1]


@lru_cache
def _fc_match(pattern: str) -> tuple[str, int, str]:
    out = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}\n%{postscriptname}", pattern],
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    return out[0], int(out[1] or 0), out[2] if len(out) > 2 else ""


@lru_cache
def _font(file: str, index: int, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(file, size=size, index=index)


def _path(draw: ImageDraw.ImageDraw, obj: ET.Element, scale: float) -> None:
    place, factor = _placement(obj, scale)
    width = float(obj.get("LineWidth", "0.353")) * factor * scale
    stroke = _colour(obj, "StrokeColor", (0, 0, 0)) if obj.get("Stroke", "true") == "true" else None
    fill = _colour(obj, "FillColor", (0, 0, 0)) if obj.get("Fill", "false") == "true" else None
    data = obj.find(f"{OFD}AbbreviatedData")
    for points, closed in _subpaths(data.text if data is not None else ""):
        pixels = [place(u, v) for u, v in points]
        if fill and len(pixels) > 2:
            draw.polygon(pixels, fill=fill)
        if stroke and len(pixels) > 1:
            line = pixels + pixels[:1] if closed else pixels
            draw.line(line, fill=stroke, width=max(1, round(width)), joint="curve")


def _subpaths(data: str):
    """The AbbreviatedData's subpaths as (points, closed), curves flattened."""
    tokens = iter(data.split())
    points: list[tuple[float, float]] = []

    def take(n: int) -> list[float]:
        return [float(next(tokens)) for _ in range(n)]

    for op in tokens:
        if op in ("S", "M"):
            if len(points) > 1:
                yield points, False
            points = [tuple(take(2))]
        elif op == "L":
            points.append(tuple(take(2)))
        elif op in ("Q", "B"):
            values = take(4 if op == "Q" else 6)
            controls = [points[-1], *zip(values[::2], values[1::2], strict=True)]
            points += [_bezier(controls, k / 16) for k in range(1, 17)]
        elif op == "A":
            points += _arc(points[-1], *take(7))
        elif op == "C":
            yield points, True
            points = points[:1]
    if len(points) > 1:
        yield points, False


def _bezier(controls: list, t: float) -> tuple[float, float]:
    while len(controls) > 1:
        controls = [
            (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)
            for p, q in itertools.pairwise(controls)
        ]
    return controls[0]


def _arc(start, rx, ry, angle, large, sweep, x, y) -> list[tuple[float, float]]:
    """An elliptical arc in SVG's endpoint form (OFD's A is the same), flattened."""
    (x1, y1), phi = start, math.radians(angle)
    if not rx or not ry or (x1, y1) == (x, y):
        return [(x, y)]
    cos, sin = math.cos(phi), math.sin(phi)
    # The start seen from the chord's middle, in the ellipse's axes.
    px, py = (cos * (x1 - x) + sin * (y1 - y)) / 2, (cos * (y1 - y) - sin * (x1 - x)) / 2
    grow = math.sqrt(max(1.0, px**2 / rx**2 + py**2 / ry**2))  # radii too short to reach
    rx, ry = abs(rx) * grow, abs(ry) * grow
    a, b = (rx * py) ** 2, (ry * px) ** 2
    root = math.sqrt(max(0.0, (rx * ry) ** 2 - a - b) / (a + b))
    root = -root if bool(large) == bool(sweep) else root
    ux, uy = root * rx * py / ry, -root * ry * px / rx
    cx, cy = cos * ux - sin * uy + (x1 + x) / 2, sin * ux + cos * uy + (y1 + y) / 2
    first = math.atan2((py - uy) / ry, (px - ux) / rx)
    span = (math.atan2((-py - uy) / ry, (-px - ux) / rx) - first) % (2 * math.pi)
    span -= 0 if sweep else 2 * math.pi
    turns = [first + span * k / 32 for k in range(1, 33)]
    ellipse = [(rx * math.cos(t), ry * math.sin(t)) for t in turns]
    return [(cx + cos * u - sin * v, cy + sin * u + cos * v) for u, v in ellipse]


def _picture(page: Image.Image, obj: ET.Element, picture: Image.Image, scale: float) -> None:
    place, _ = _placement(obj, scale)
    corners = [place(u, v) for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    left, top = round(min(xs)), round(min(ys))
    size = (max(1, round(max(xs)) - left), max(1, round(max(ys)) - top))
    page.paste(picture.resize(size, Image.Resampling.LANCZOS), (left, top))
