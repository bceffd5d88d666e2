"""Golden pictures of the sample's PDF: pages 1, 2 and the last, as pdftoppm
draws them in grey at a low resolution. A layout change shows as a changed
picture in review; `make samples` (or `python -m tests.golden`) draws them anew
on purpose."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DPI = 40
# A pixel counts as changed when its grey differs by more than this; anti-aliasing
# noise stays under it, a moved or changed glyph does not.
PIXEL_STEP = 48
# The share of changed pixels a page may have (0.05%, about 75 pixels of a
# page): the same PDF draws the same picture, and punctuation set the Taiwan way
# instead of the mainland way already changes 0.07–0.18% of these pages.
CHANGED_SHARE = 0.0005


def sample_pdf() -> bytes:
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.render import render

    source = ROOT / "samples" / "2023-01.md"
    bulletin = parse_bulletin_text(source.read_text(encoding="utf-8"), source=source.name)
    return render(bulletin, "pdf")


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def pages(pdf: bytes) -> dict[str, Image.Image]:
    """{'page-1': …, 'page-2': …, 'page-last': …} in 8-bit grey."""
    wanted = {"page-1": 1, "page-2": 2, "page-last": page_count(pdf)}
    drawn = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sample.pdf"
        source.write_bytes(pdf)
        for name, number in wanted.items():
            out = Path(tmp) / name
            subprocess.run(
                ["pdftoppm", "-gray", "-r", str(DPI), "-f", str(number), "-l", str(number),
                 "-png", "-singlefile", str(source), str(out)],
                check=True, timeout=60,
            )  # fmt: skip
            with Image.open(out.with_suffix(".png")) as picture:
                drawn[name] = picture.convert("L").copy()
    return drawn


def changed_share(golden: Image.Image, drawn: Image.Image) -> tuple[float, Image.Image]:
    """The share of pixels that changed, and a picture of where (white)."""
    if golden.size != drawn.size:
        return 1.0, drawn
    mask = ImageChops.difference(golden, drawn).point(lambda v: 255 if v > PIXEL_STEP else 0)
    changed = mask.histogram()[255]
    return changed / (mask.width * mask.height), mask


def write() -> list[Path]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    written = []
    for name, picture in pages(sample_pdf()).items():
        path = GOLDEN / f"{name}.png"
        picture.save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    django.setup()
    for path in write():
        print(path.relative_to(ROOT))
