"""OFD (GB/T 33190): the sample's OFD package reads back with an independent
reader (ofdkit, not used by jianbao itself) with every title and paragraph in
order, the PDF's pages at the PDF's positions, and the document's metadata; its
pictures are real pictures."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import ofdkit
import pdfplumber
import pytest
from PIL import Image, ImageChops, ImageFilter

from jianbao.publishing.render import render
from jianbao.publishing.render.ofd import pdf_to_ofd
from jianbao.publishing.render.pdf import render_pdf
from tests.ofd_raster import rasterize
from tests.test_render_pdf_rich import picture_block, rich_article, store, with_article

__all__ = ["store"]  # a fixture, used by name

OFD = "{http://www.ofdspec.org/2016}"
MM = 25.4 / 72


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.fixture(scope="module")
def ofd(parsed) -> bytes:
    return render(parsed, "ofd")


@pytest.fixture(scope="module")
def pdf(parsed) -> bytes:
    return render_pdf(parsed)


def test_every_title_and_paragraph_reads_back_in_order(parsed, ofd):
    with ofdkit.open(ofd) as document:
        pages = [squeeze(page.text()) for page in document.pages]
    # Page numbers (— 3 —) stand between the two halves of a paragraph that runs on.
    text = "".join(re.sub(r"—\d+—$", "", page) for page in pages)
    expected = []
    for article in parsed.articles:
        expected.append(squeeze(article.title))
        expected += [squeeze(block.text) for block in article.blocks]
        expected.append(squeeze(article.credit))
    assert len(parsed.articles) == 25
    at, missing = 0, []
    for piece in filter(None, expected):
        where = text.find(piece, at)
        if where < 0:
            missing.append(piece[:20])
        else:
            at = where + len(piece)
    assert missing == []


def test_it_has_the_pdfs_pages_and_sizes(ofd, pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sizes = [(round(p.width * MM, 1), round(p.height * MM, 1)) for p in doc.pages]
    with ofdkit.open(ofd) as document:
        assert [(round(p.width, 1), round(p.height, 1)) for p in document.pages] == sizes
    assert sizes[0] == (210.0, 297.0)


def test_text_stands_where_the_pdf_sets_it(ofd, pdf):
    """Each page's text runs start where the PDF's glyphs do, within 0.1 mm."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc, ofdkit.open(ofd) as document:
        for number in (0, 2, len(doc.pages) - 1):
            glyphs = {
                (
                    c["text"],
                    round(c["matrix"][4] * MM, 1),
                    round((doc.pages[number].height - c["matrix"][5]) * MM, 1),
                )
                for c in doc.pages[number].chars
            }
            runs = document.pages[number].runs
            assert len(runs) > 3
            off = [
                run for run in runs
                if (run.text[0], round(run.x, 1), round(run.y, 1)) not in glyphs
            ]  # fmt: skip
            assert off == [], number


def test_the_metadata_is_the_pdfs(ofd):
    with ofdkit.open(ofd) as document:
        info = document.info
    assert info.title == "产业技术创新战略联盟试点工作简报 2023年第1期（总第66期）"
    assert info.author == "联盟试点工作联络组办公室"
    assert info.creation_date == "2023-03-20"
    assert set(info.keywords) >= {"2023年第1期", "总第66期"}
    assert re.fullmatch(r"[0-9a-f]{32}", info.doc_id)


def test_the_package_follows_the_schema_outline(ofd):
    """OFD.xml first; every part well-formed in the OFD namespace; object ids
    unique and within MaxUnitID; every font a text object names is declared."""
    package = zipfile.ZipFile(io.BytesIO(ofd))
    names = package.namelist()
    assert names[0] == "OFD.xml"
    root = ET.fromstring(package.read("OFD.xml"))
    assert (root.tag, root.get("Version"), root.get("DocType")) == (f"{OFD}OFD", "1.0", "OFD")
    document = ET.fromstring(package.read("Doc_0/Document.xml"))
    max_id = int(document.find(f"{OFD}CommonData/{OFD}MaxUnitID").text)
    fonts = {
        f.get("ID") for f in ET.fromstring(package.read("Doc_0/PublicRes.xml")).iter(f"{OFD}Font")
    }
    ids, used = [], set()
    for page in document.iter(f"{OFD}Page"):
        ids.append(int(page.get("ID")))
        content = ET.fromstring(package.read("Doc_0/" + page.get("BaseLoc")))
        for element in content.iter():
            if element.get("ID"):
                ids.append(int(element.get("ID")))
            if element.tag == f"{OFD}TextObject":
                used.add(element.get("Font"))
    assert len(ids) == len(set(ids)) and max(ids) <= max_id
    assert used and used <= fonts
    # The red masthead rule is a path, in red.
    first = ET.fromstring(package.read("Doc_0/Pages/Page_0/Content.xml"))
    colours = [c.get("Value") for c in first.iter(f"{OFD}StrokeColor")]
    colours += [c.get("Value") for c in first.iter(f"{OFD}FillColor")]
    assert any(int(v.split()[0]) > 180 and int(v.split()[1]) < 60 for v in colours)


def test_fonts_are_declared_by_their_family_names_as_readers_match_them(ofd):
    package = zipfile.ZipFile(io.BytesIO(ofd))
    fonts = ET.fromstring(package.read("Doc_0/PublicRes.xml")).iter(f"{OFD}Font")
    declared = {f.get("FontName"): (f.get("FamilyName"), f.get("Bold")) for f in fonts}
    # The free fallbacks of the body and the headings (fonts-noto-cjk).
    assert declared["NotoSerifCJKsc-Regular"] == ("Noto Serif CJK SC", None)
    assert declared["NotoSerifCJKsc-Bold"] == ("Noto Serif CJK SC", "true")


def test_a_stroked_path_lies_inside_its_boundary_with_its_colours_in_schema_order(ofd):
    """Readers clip to the Boundary: it must hold the stroke's outer half, or the
    masthead's 0.8 mm red rule (a line of no height) would be clipped away."""
    package = zipfile.ZipFile(io.BytesIO(ofd))
    paths = list(
        ET.fromstring(package.read("Doc_0/Pages/Page_0/Content.xml")).iter(f"{OFD}PathObject")
    )
    stroked = [p for p in paths if p.get("Stroke") == "true"]
    assert stroked
    for path in stroked:
        width = float(path.get("LineWidth"))
        _x, _y, w, h = map(float, path.get("Boundary").split())
        assert min(w, h) >= width - 0.001, (path.get("Boundary"), width)
        numbers = [float(v) for v in path.find(f"{OFD}AbbreviatedData").text.split()
                   if v not in "MLC"]  # fmt: skip
        xs, ys = numbers[0::2], numbers[1::2]
        assert min(xs) >= width / 2 - 0.001 and max(xs) <= w - width / 2 + 0.001
        assert min(ys) >= width / 2 - 0.001 and max(ys) <= h - width / 2 + 0.001
    rule = max(stroked, key=lambda p: float(p.get("LineWidth")))
    assert float(rule.get("LineWidth")) > 0.7  # the thick red rule, 0.8 mm
    for path in paths:
        tags = [child.tag.removeprefix(OFD) for child in path]
        wanted = ["StrokeColor", "FillColor", "AbbreviatedData"]
        assert tags == [t for t in wanted if t in tags], tags


@pytest.mark.django_db
def test_pictures_are_carried_over_as_pictures(parsed, store):
    article = rich_article(picture_block(3, "图为会议现场", width=1200, height=900))
    ofd = render(with_article(parsed, article), "ofd")
    package = zipfile.ZipFile(io.BytesIO(ofd))
    media = ET.fromstring(package.read("Doc_0/DocumentRes.xml"))
    files = [m.find(f"{OFD}MediaFile").text for m in media.iter(f"{OFD}MultiMedia")]
    assert len(files) == 1
    picture = Image.open(io.BytesIO(package.read(f"Doc_0/Res/{files[0]}")))
    # The print version typst placed (at most 2000 px wide), in its proportions.
    assert abs(picture.width / picture.height - 1200 / 900) < 0.01
    objects = [
        o
        for name in package.namelist()
        if name.endswith("Content.xml")
        for o in ET.fromstring(package.read(name)).iter(f"{OFD}ImageObject")
    ]
    assert len(objects) == 1
    w, h = map(float, objects[0].get("Boundary").split()[2:])
    assert 50 < w <= 157 and abs(w / h - 1200 / 900) < 0.01


# The pages as pictures (issue #17): an OFD page drawn by tests/ofd_raster.py,
# a reader that shares nothing with the writer, set against the same PDF page
# drawn by poppler. The two are reduced to ink (grey below INK) and each page's
# ink must lie, but for a few pixels of rasterizer noise, within one pixel
# (0.5 mm at 50 dpi) of the other's: a page's text set 1 mm off already fails.

DPI = 50
INK = 160
SHARE = 0.95


def pdf_page(pdf: bytes, number: int) -> Image.Image:
    """Page `number` (from 1) of the PDF, drawn by poppler."""
    png = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-f", str(number), "-l", str(number), "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout  # fmt: skip
    return Image.open(io.BytesIO(png)).convert("RGB")


def ink(image: Image.Image) -> Image.Image:
    return image.convert("L").point(lambda v: 255 if v < INK else 0)


def share_inside(a: Image.Image, b: Image.Image) -> float:
    """The share of a's ink that lies on b's ink grown by one pixel."""
    mine, theirs = ink(a), ink(b).filter(ImageFilter.MaxFilter(3))
    return ImageChops.multiply(mine, theirs).histogram()[255] / max(1, mine.histogram()[255])


def overlap(drawn: Image.Image, printed: Image.Image) -> tuple[float, float]:
    """The OFD page's ink on the PDF page's, and the PDF's on the OFD's."""
    assert drawn.size == printed.size
    return share_inside(drawn, printed), share_inside(printed, drawn)


def red(image: Image.Image) -> Image.Image:
    """Where the page is red (the masthead's #e60012 and its anti-aliased
    edges; the picture's red ellipse): red high, green and blue low."""
    r, g, b = image.split()
    return ImageChops.multiply(
        r.point(lambda v: 255 if v > 150 else 0),
        ImageChops.lighter(g, b).point(lambda v: 255 if v < 110 else 0),
    )


def red_rows(image: Image.Image) -> set[int]:
    mask = red(image)
    return {y for y in range(mask.height) if mask.crop((0, y, mask.width, y + 1)).getbbox()}


def near(rows: set[int], others: set[int]) -> bool:
    return all({y - 1, y, y + 1} & others for y in rows)


def page_count(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


@pytest.mark.parametrize("which", ["first", "running text", "last"])
def test_a_page_drawn_from_the_ofd_looks_like_the_pdf_page(ofd, pdf, which):
    number = {"first": 1, "running text": 3, "last": page_count(pdf)}[which]
    drawn, printed = rasterize(ofd, number - 1, DPI), pdf_page(pdf, number)
    assert drawn.size == printed.size == (414, 585)  # A4 at 50 dpi
    ofd_in_pdf, pdf_in_ofd = overlap(drawn, printed)
    assert ofd_in_pdf >= SHARE and pdf_in_ofd >= SHARE, (number, ofd_in_pdf, pdf_in_ofd)


def test_the_masthead_red_stands_in_the_pdfs_rows(ofd, pdf):
    """Page 1's red (title, 简报, the double rule) in the same rows, to 1 px."""
    drawn, printed = red_rows(rasterize(ofd, 0, DPI)), red_rows(pdf_page(pdf, 1))
    # The masthead title and the rule under it: within the top 40% of the page.
    assert drawn and max(drawn) < 0.4 * 585
    assert abs(min(drawn) - min(printed)) <= 1 and abs(max(drawn) - max(printed)) <= 1
    assert near(drawn, printed) and near(printed, drawn)


def shift_text(ofd: bytes, page: int, dx: float, dy: float) -> bytes:
    """The OFD with every text object of `page` (from 0) moved by dx, dy mm."""
    name = f"Doc_0/Pages/Page_{page}/Content.xml"
    source, out = zipfile.ZipFile(io.BytesIO(ofd)), io.BytesIO()
    content = ET.fromstring(source.read(name))
    for text in content.iter(f"{OFD}TextObject"):
        x, y, w, h = map(float, text.get("Boundary").split())
        text.set("Boundary", f"{x + dx} {y + dy} {w} {h}")
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            target.writestr(item, ET.tostring(content) if item == name else source.read(item))
    return out.getvalue()


def test_the_comparison_tells_pages_apart(ofd, pdf):
    """The check above fails for the wrong page, and for text 5 mm off."""
    first = rasterize(ofd, 0, DPI)
    assert max(overlap(first, pdf_page(pdf, 2))) < SHARE
    moved = rasterize(shift_text(ofd, 2, 5, 0), 2, DPI)
    assert max(overlap(moved, pdf_page(pdf, 3))) < SHARE
    lowered = rasterize(shift_text(ofd, 0, 0, 5), 0, DPI)
    assert max(overlap(lowered, pdf_page(pdf, 1))) < SHARE
    printed = red_rows(pdf_page(pdf, 1))
    assert not near(red_rows(lowered), printed)


@pytest.mark.django_db
def test_a_picture_page_drawn_from_the_ofd_looks_like_the_pdf_page(parsed, store):
    bulletin = with_article(parsed, rich_article(picture_block(3, "图为会议现场")))
    pdf = render_pdf(bulletin)
    ofd = pdf_to_ofd(pdf, bulletin)
    package = zipfile.ZipFile(io.BytesIO(ofd))
    number = next(
        n
        for n in range(page_count(pdf))
        if ET.fromstring(package.read(f"Doc_0/Pages/Page_{n}/Content.xml")).find(
            f".//{OFD}ImageObject"
        )
        is not None
    )
    drawn, printed = rasterize(ofd, number, DPI), pdf_page(pdf, number + 1)
    ofd_in_pdf, pdf_in_ofd = overlap(drawn, printed)
    assert ofd_in_pdf >= SHARE and pdf_in_ofd >= SHARE, (number, ofd_in_pdf, pdf_in_ofd)
    # The photo's red ellipse, to a pixel.
    box, expected = red(drawn).getbbox(), red(printed).getbbox()
    assert box and all(abs(a - b) <= 1 for a, b in zip(box, expected, strict=True)), (box, expected)


def test_curves_stay_curves_and_draw_where_the_pdf_draws_them(parsed, tmp_path):
    """A circle is four Béziers in the PDF: B commands in the OFD, not a polygon
    of its points, and drawn over the PDF's circle."""
    import typst

    from jianbao.publishing.render.ofd import pdf_to_ofd

    source = tmp_path / "circle.typ"
    source.write_text(
        '#set page(paper: "a4", margin: 0pt)\n'
        "#place(dx: 60mm, dy: 80mm, circle(radius: 40mm, stroke: 2pt + black))",
        encoding="utf-8",
    )
    pdf = typst.compile(str(source))
    ofd = pdf_to_ofd(pdf, parsed)
    content = ET.fromstring(zipfile.ZipFile(io.BytesIO(ofd)).read("Doc_0/Pages/Page_0/Content.xml"))
    (path,) = content.iter(f"{OFD}PathObject")
    data = path.find(f"{OFD}AbbreviatedData").text.split()
    assert data[0] == "M" and data.count("B") == 4 and "L" not in data
    drawn, printed = rasterize(ofd, 0, DPI), pdf_page(pdf, 1)
    ofd_in_pdf, pdf_in_ofd = overlap(drawn, printed)
    assert ofd_in_pdf >= SHARE and pdf_in_ofd >= SHARE, (ofd_in_pdf, pdf_in_ofd)
