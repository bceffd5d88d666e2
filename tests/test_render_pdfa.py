"""The archive copy: PDF/A-2b from typst's PDF standard option, checked with pikepdf."""

from __future__ import annotations

import io

import pikepdf
import pytest

from jianbao.publishing.render import CONTENT_TYPES, FORMATS, render
from jianbao.publishing.render.pdf import render_pdf


@pytest.fixture(scope="session")
def archival(parsed) -> bytes:
    return render(parsed, "pdfa")


def fonts_of(pdf: pikepdf.Pdf):
    seen = {}
    for page in pdf.pages:
        for _, font in (page.Resources.get("/Font") or {}).items():
            seen[font.objgen] = font
    return list(seen.values())


def descriptor(font):
    if font.Subtype == "/Type0":
        font = font.DescendantFonts[0]
    return font.get("/FontDescriptor")


def test_pdfa_is_a_render_format_with_a_pdf_content_type():
    assert "pdfa" in FORMATS
    assert CONTENT_TYPES["pdfa"] == "application/pdf"


def test_xmp_identifies_pdfa_part_2_conformance_b(archival):
    with pikepdf.open(io.BytesIO(archival)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "产业技术创新战略联盟试点工作简报 2023年第1期（总第66期）"
        assert "字体：仿宋_GB2312=" in meta["pdf:Keywords"]


def test_an_srgb_output_intent(archival):
    with pikepdf.open(io.BytesIO(archival)) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFA1"
        assert "sRGB" in str(intent.get("/Info", "")) + str(intent.get("/OutputCondition", ""))
        profile = intent.DestOutputProfile
        assert profile.N == 3  # RGB
        assert profile.read_bytes()[36:40] == b"acsp"  # an ICC profile


def test_every_font_is_embedded(archival):
    with pikepdf.open(io.BytesIO(archival)) as pdf:
        fonts = fonts_of(pdf)
        assert len(fonts) >= 4
        for font in fonts:
            d = descriptor(font)
            assert d is not None, font.BaseFont
            assert any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont


def test_the_plain_pdf_claims_no_standard(parsed):
    with pikepdf.open(io.BytesIO(render_pdf(parsed))) as pdf:
        assert "pdfaid:part" not in pdf.open_metadata()
        assert "/OutputIntents" not in pdf.Root


def test_archival_pdf_has_as_many_pages_as_the_plain_one(parsed, archival):
    plain = render_pdf(parsed)
    with pikepdf.open(io.BytesIO(plain)) as a, pikepdf.open(io.BytesIO(archival)) as b:
        assert len(a.pages) == len(b.pages)
