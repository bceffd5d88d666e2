"""Scans made in the tests: pages rasterised, turned a little, with noise.

jianbao's own PDF of a bulletin goes through pdftoppm (as a scanner would see
it), each page is rotated by a small angle (alternating sign) and given seeded
speckle noise, and the pages come back as image-only PDF, TIFF, PNG or JPEG.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
from pathlib import Path

import img2pdf
from PIL import Image

DPI = 150
ANGLES = (0.8, -1.2, 0.5, -1.5, 1.0, -0.6)


def raster_pages(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    """The pages of a PDF as greyscale pictures (pdftoppm, as a scanner sees them)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.pdf")
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp, "page"))],
            check=True,
            timeout=120,
        )
        pages = []
        for path in sorted(Path(tmp).glob("page-*.png")):
            with Image.open(path) as image:
                pages.append(image.convert("L"))
        return pages


def scanned(page: Image.Image, angle: float, seed: int) -> Image.Image:
    """One page as a scanner gives it back: turned by ``angle`` degrees, speckled."""
    turned = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    rng = random.Random(seed)
    pixels = turned.load()
    width, height = turned.size
    for _ in range(width * height // 400):  # dust: a dark or light speck here and there
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 60, 200))
    return turned


def scan_pages(pdf: bytes, *, dpi: int = DPI, seed: int = 2023) -> list[Image.Image]:
    pages = raster_pages(pdf, dpi)
    return [scanned(p, ANGLES[n % len(ANGLES)], seed + n) for n, p in enumerate(pages)]


def image_pdf(pages: list[Image.Image], dpi: int = DPI) -> bytes:
    """The pages as a PDF holding only their pictures (no text layer)."""
    files = []
    for page in pages:
        out = io.BytesIO()
        page.copy().save(out, "PNG", dpi=(dpi, dpi))
        files.append(out.getvalue())
    return img2pdf.convert(files)


def tiff(pages: list[Image.Image], dpi: int = DPI) -> bytes:
    out = io.BytesIO()
    first, *rest = (p.copy() for p in pages)
    first.save(
        out, "TIFF", save_all=True, append_images=rest, dpi=(dpi, dpi), compression="tiff_lzw"
    )
    return out.getvalue()


def picture(page: Image.Image, kind: str, dpi: int | None = DPI) -> bytes:
    out = io.BytesIO()
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    # Copies, here and above: Pillow keeps the encoder's settings on a picture it
    # saved, and a PNG's or JPEG's then break its later save as a TIFF page.
    page.copy().save(out, kind, **extra)
    return out.getvalue()
