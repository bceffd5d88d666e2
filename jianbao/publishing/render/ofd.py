"""OFD 1.0 (GB/T 33190-2016, 版式文档): the archive copy in the Chinese fixed-layout
format, with the same pages as the PDF.

No maintained Python library writes OFD text (the ones on PyPI read it, or embed
each page as a picture), so this is a small writer on the published schema. It
lays nothing out itself: the typst PDF is set first and each page's glyphs,
rules and pictures are carried over to OFD objects at the positions typst gave
them, so the two formats cannot drift apart.

Fonts are referenced by name (GB/T 33190 7.4: a reader substitutes a face it
holds), not embedded: the CJK faces are 20 MB or more each, and the PDF beside
it embeds their subsets."""

from __future__ import annotations

import functools
import io
import itertools
import re
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from jianbao.core.errors import JianbaoError
from jianbao.publishing.parsed import ParsedBulletin

NS = "http://www.ofdspec.org/2016"
MM = 25.4 / 72  # PDF points to OFD millimetres
SUBSET = re.compile(r"^[A-Z]{6}\+")  # a PDF subset's tag, ABCDEF+NotoSerifCJKsc-Bold
WEIGHT = re.compile(r"-(Regular|Bold|Light|Medium|Black|Heavy|SemiBold)$")


class OfdFailed(JianbaoError):
    pass


def _n(value: float) -> str:
    """A coordinate in mm, short: 3 decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _rgb(colour) -> str:
    """pdfplumber's colour (grey, RGB or CMYK in 0–1) as OFD's "r g b" in 0–255."""
    if not colour:
        return "0 0 0"
    values = list(colour) if isinstance(colour, (list, tuple)) else [colour]
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        return "0 0 0"
    if len(values) == 1:
        values = values * 3
    elif len(values) == 4:
        c, m, y, k = values
        values = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    return " ".join(str(round(max(0.0, min(1.0, v)) * 255)) for v in values[:3])


@functools.lru_cache(maxsize=64)
def _family(postscript_name: str) -> str:
    """The family name readers match a font by (Noto Serif CJK SC), as fontconfig
    knows it; for a face it does not know (an office font in JIANBAO_FONT_DIR),
    the PostScript name without its weight."""
    found = ""
    if shutil.which("fc-list"):
        done = subprocess.run(
            ["fc-list", f":postscriptname={postscript_name}", "--format", "%{family[0]}\n"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        found = done.stdout.split("\n", 1)[0].strip()
    return found or WEIGHT.sub("", postscript_name)


@dataclass
class _Package:
    """The ids (one sequence for the whole document, as OFD's MaxUnitID asks),
    the font and picture resources, and the files of the package."""

    next_id: int = 1
    fonts: dict[str, int] = field(default_factory=dict)
    font_xml: list[str] = field(default_factory=list)
    media_xml: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def font(self, pdf_name: str) -> int:
        name = SUBSET.sub("", pdf_name or "")
        if name not in self.fonts:
            self.fonts[name] = self.new_id()
            family = _family(name)
            bold = ' Bold="true"' if "Bold" in name or "Heavy" in name or "Black" in name else ""
            self.font_xml.append(
                f'<ofd:Font ID="{self.fonts[name]}" FontName={quoteattr(name)} '
                f"FamilyName={quoteattr(family)}{bold}/>"
            )
        return self.fonts[name]

    def picture(self, data: bytes, fmt: str) -> int:
        media = self.new_id()
        name = f"image_{media}.{fmt.lower()}"
        self.files[f"Doc_0/Res/{name}"] = data
        self.media_xml.append(
            f'<ofd:MultiMedia ID="{media}" Type="Image" Format="{fmt}">'
            f"<ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>"
        )
        return media


def _runs(chars: list[dict]):
    """Runs of characters on one baseline in one font, size and colour, in the
    order the PDF draws them."""
    run: list[dict] = []
    for c in chars:
        if run:
            last = run[-1]
            same = (
                c["fontname"] == last["fontname"]
                and abs(c["size"] - last["size"]) < 0.01
                and abs(c["matrix"][5] - last["matrix"][5]) < 0.01
                and c.get("non_stroking_color") == last.get("non_stroking_color")
                and c["matrix"][4] > last["matrix"][4]
            )
            if not same:
                yield run
                run = []
        run.append(c)
    if run:
        yield run


def _text_objects(page, height: float, pkg: _Package) -> list[str]:
    out = []
    for run in _runs(page.chars):
        size = run[0]["size"]
        x = [c["matrix"][4] for c in run]
        baseline = height - run[0]["matrix"][5]
        left = min(x[0], min(c["x0"] for c in run))
        right = max(c["x1"] for c in run)
        top = min(c["top"] for c in run)
        bottom = max(c["bottom"] for c in run)
        deltas = " ".join(_n((b - a) * MM) for a, b in itertools.pairwise(x))
        text = "".join(c["text"] for c in run)
        out.append(
            f'<ofd:TextObject ID="{pkg.new_id()}" '
            f'Boundary="{_n(left * MM)} {_n(top * MM)} {_n((right - left) * MM)} '
            f'{_n((bottom - top) * MM)}" Font="{pkg.font(run[0]["fontname"])}" '
            f'Size="{_n(size * MM)}">'
            f'<ofd:FillColor Value="{_rgb(run[0].get("non_stroking_color"))}"/>'
            f'<ofd:TextCode X="{_n((x[0] - left) * MM)}" Y="{_n((baseline - top) * MM)}"'
            + (f' DeltaX="{deltas}"' if deltas else "")
            + f">{escape(text)}</ofd:TextCode></ofd:TextObject>"
        )
    return out


# pdfplumber's path operators (in page coordinates from the top) → OFD's
# AbbreviatedData: move, line, cubic Bézier, close.
PATH_OPERATORS = {"m": "M", "l": "L", "c": "B", "h": "C"}


def _abbreviated(path, x0: float, top: float) -> str:
    """A path as OFD's AbbreviatedData, relative to its Boundary's corner: curves
    stay curves (B), where joining their points would make polygons of circles."""
    parts, here = [], (x0, top)
    for operator, *points in path:
        if operator == "v":  # first control point at the current point
            operator, points = "c", [here, *points]
        elif operator == "y":  # second control point at the end point
            operator, points = "c", [points[0], points[-1], points[-1]]
        if operator not in PATH_OPERATORS or (operator != "h" and not points):
            continue
        coords = [f"{_n((px - x0) * MM)} {_n((py - top) * MM)}" for px, py in points]
        parts.append(" ".join([PATH_OPERATORS[operator], *coords]))
        here = points[-1] if points else here
    return " ".join(parts)


def _path_objects(page, pkg: _Package) -> list[str]:
    """Rules and boxes: typst draws them as PDF paths, pdfplumber reads them as
    lines, rectangles and curves."""
    out = []
    for shape in [*page.lines, *page.rects, *page.curves]:
        points = shape.get("pts") or [(shape["x0"], shape["top"]), (shape["x1"], shape["bottom"])]
        stroke, fill = bool(shape.get("stroke")), bool(shape.get("fill"))
        width = shape.get("linewidth") or 0
        # A reader clips what it draws to the Boundary (GB/T 33190): it holds
        # the stroke's outer half too, or a rule would be drawn as a hairline.
        pad = width / 2 if stroke else 0.0
        x0, top = shape["x0"] - pad, shape["top"] - pad
        w = max(shape["x1"] + pad - x0, 0.01)
        h = max(shape["bottom"] + pad - top, 0.01)
        if shape["object_type"] == "rect":
            a, b = _n(pad * MM), _n((w - pad) * MM)
            c, d = _n(pad * MM), _n((h - pad) * MM)
            data = f"M {a} {c} L {b} {c} L {b} {d} L {a} {d} C"
        else:
            data = _abbreviated(
                shape.get("path") or [("m", points[0]), *(("l", p) for p in points[1:])], x0, top
            )
        out.append(
            f'<ofd:PathObject ID="{pkg.new_id()}" Boundary="{_n(x0 * MM)} {_n(top * MM)} '
            f'{_n(w * MM)} {_n(h * MM)}" LineWidth="{_n(width * MM)}" '
            f'Stroke="{str(stroke).lower()}" Fill="{str(fill).lower()}">'
            # The schema's order: StrokeColor, FillColor, then the path.
            + (f'<ofd:StrokeColor Value="{_rgb(shape.get("stroking_color"))}"/>' if stroke else "")
            + (f'<ofd:FillColor Value="{_rgb(shape.get("non_stroking_color"))}"/>' if fill else "")
            + f"<ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>"
        )
    return out


def _image_objects(page, pike_page, pkg: _Package) -> list[str]:
    import pikepdf
    from pikepdf import PdfImage

    xobjects = pike_page.resources.get("/XObject") or {}
    out = []
    for image in page.images:
        stream = xobjects.get("/" + str(image.get("name", "")))
        if stream is None:
            raise OfdFailed(
                f"OFD 转换失败：第 {page.page_number} 页的图片 {image.get('name')} 找不到"
            )
        try:
            picture = PdfImage(stream).as_pil_image()
        except (pikepdf.PdfError, NotImplementedError, ValueError) as exc:
            raise OfdFailed(
                f"OFD 转换失败：第 {page.page_number} 页的图片无法读出（{exc}）"
            ) from exc
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        media = pkg.picture(buffer.getvalue(), "PNG")
        x0, top = image["x0"], image["top"]
        w, h = (image["x1"] - x0) * MM, (image["bottom"] - top) * MM
        out.append(
            f'<ofd:ImageObject ID="{pkg.new_id()}" Boundary="{_n(x0 * MM)} {_n(top * MM)} '
            f'{_n(w)} {_n(h)}" CTM="{_n(w)} 0 0 {_n(h)} 0 0" ResourceID="{media}"/>'
        )
    return out


def _head(root: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><ofd:{root} xmlns:ofd="{NS}"'


def pdf_to_ofd(pdf: bytes, bulletin: ParsedBulletin) -> bytes:
    """The OFD package of a PDF jianbao typeset, page for page."""
    import pdfplumber
    import pikepdf

    pkg = _Package()
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc, pikepdf.open(io.BytesIO(pdf)) as pike:
        for number, (page, pike_page) in enumerate(zip(doc.pages, pike.pages, strict=True)):
            width, height = float(page.width), float(page.height)
            layer = [
                *_path_objects(page, pkg),
                *_image_objects(page, pike_page, pkg),
                *_text_objects(page, height, pkg),
            ]
            page_id = pkg.new_id()
            box = f"0 0 {_n(width * MM)} {_n(height * MM)}"
            pages.append((page_id, f"Pages/Page_{number}/Content.xml"))
            pkg.files[f"Doc_0/Pages/Page_{number}/Content.xml"] = (
                f"{_head('Page')}><ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:Area>"
                f'<ofd:Content><ofd:Layer ID="{pkg.new_id()}" Type="Body">{"".join(layer)}'
                "</ofd:Layer></ofd:Content></ofd:Page>"
            ).encode()
        first = doc.pages[0] if doc.pages else None
        box = f"0 0 {_n(first.width * MM)} {_n(first.height * MM)}" if first else "0 0 210 297"

    fonts_xml = f"<ofd:Fonts>{''.join(pkg.font_xml)}</ofd:Fonts>" if pkg.font_xml else ""
    pkg.files["Doc_0/PublicRes.xml"] = (
        f'{_head("Res")} BaseLoc="Res">{fonts_xml}</ofd:Res>'
    ).encode()
    media_xml = (
        f"<ofd:MultiMedias>{''.join(pkg.media_xml)}</ofd:MultiMedias>" if pkg.media_xml else ""
    )
    pkg.files["Doc_0/DocumentRes.xml"] = (
        f'{_head("Res")} BaseLoc="Res">{media_xml}</ofd:Res>'
    ).encode()
    page_list = "".join(f'<ofd:Page ID="{pid}" BaseLoc="{loc}"/>' for pid, loc in pages)
    pkg.files["Doc_0/Document.xml"] = (
        f"{_head('Document')}><ofd:CommonData><ofd:MaxUnitID>{pkg.next_id}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
        f"<ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    ).encode()
    pkg.files["OFD.xml"] = _ofd_xml(bulletin).encode()

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        # OFD.xml first: the entry point readers look for.
        for name in ["OFD.xml", *sorted(n for n in pkg.files if n != "OFD.xml")]:
            package.writestr(name, pkg.files[name])
    return out.getvalue()


def _ofd_xml(b: ParsedBulletin) -> str:
    """The document's metadata (GB/T 33190 7.4 DocInfo), as the PDF's."""
    from jianbao.publishing.render.pdf import document_meta

    meta = document_meta(b)
    # The DocID stays the same for the same issue, so that re-rendering it gives
    # the same identifier.
    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"jianbao:{meta['subject']}")
    info = [
        f"<ofd:DocID>{doc_id.hex}</ofd:DocID>",
        f"<ofd:Title>{escape(meta['title'])}</ofd:Title>",
    ]
    if b.office:
        info.append(f"<ofd:Author>{escape(b.office)}</ofd:Author>")
    info.append(f"<ofd:Subject>{escape(meta['subject'])}</ofd:Subject>")
    if b.date:
        info.append(f"<ofd:CreationDate>{b.date.isoformat()}</ofd:CreationDate>")
    info.append(
        "<ofd:Keywords>"
        + "".join(f"<ofd:Keyword>{escape(k)}</ofd:Keyword>" for k in meta["keywords"] if k)
        + "</ofd:Keywords>"
    )
    info.append("<ofd:Creator>jianbao</ofd:Creator>")
    return (
        f'{_head("OFD")} Version="1.0" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo>{''.join(info)}</ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )


def render_ofd(bulletin: ParsedBulletin, settings=None, *, picture_file=None) -> bytes:
    from jianbao.publishing.render.pdf import render_pdf

    return pdf_to_ofd(render_pdf(bulletin, settings, picture_file=picture_file), bulletin)
