"""The sample's PDF looks as its golden pictures do (pages 1, 2 and the last,
tests/golden/). When a layout change is meant, `make samples` draws the pictures
again and the review shows them; when it is not, this test names the page and
leaves the new picture and a map of the change in var/golden/."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from tests import golden

OUT = golden.ROOT / "var" / "golden"


@pytest.fixture(scope="module")
def drawn() -> dict[str, Image.Image]:
    return golden.pages(golden.sample_pdf())


@pytest.mark.parametrize("name", ["page-1", "page-2", "page-last"])
def test_the_page_looks_as_its_golden_picture(drawn, name):
    with Image.open(golden.GOLDEN / f"{name}.png") as picture:
        expected = picture.convert("L").copy()
    share, where = golden.changed_share(expected, drawn[name])
    if share > golden.CHANGED_SHARE:
        OUT.mkdir(parents=True, exist_ok=True)
        drawn[name].save(OUT / f"{name}.png")
        where.save(OUT / f"{name}-changed.png")
    assert share <= golden.CHANGED_SHARE, (
        f"{name}: {share:.2%} of the pixels changed (see var/golden/{name}.png and "
        f"{name}-changed.png; `make samples` accepts the change)"
    )


def test_the_comparison_sees_text_moved_by_one_pixel(drawn):
    """The tolerance is loose enough for rounding and tight enough for layout:
    the same page with its lower half one pixel (1.8 pt at 40 dpi) lower is
    seen as changed."""
    page = drawn["page-2"]
    moved = page.copy()
    half = page.height // 2
    moved.paste(page.crop((0, half, page.width, page.height - 1)), (0, half + 1))
    share, _ = golden.changed_share(page, moved)
    assert share > golden.CHANGED_SHARE

    # A speck such as anti-aliasing noise is not a change.
    specked = page.copy()
    ImageDraw.Draw(specked).point([(10, 10), (20, 20)], fill=0)
    assert golden.changed_share(page, specked)[0] <= golden.CHANGED_SHARE
