"""Scans import through OCR (ocrmypdf, tesseract chi_sim) into the same structure
as a text-layer PDF: jianbao's own PDF of the sample, rasterised at 150 dpi as a
scanner gives it back (each page turned by 0.5–1.5°, with seeded dust), reads
as 3 sections and 25 articles with at least 23 titles and 97% of the characters
exactly right. Pictures of pages (TIFF, PNG, JPEG) go the same way; damaged,
oversized and blank pictures are refused by name.

The whole scan takes OCR about a minute on two cores: it is read once here."""

import difflib
import io
import re
import struct
import zlib

import pytest
from PIL import Image

from jianbao.catalogue.reports import build_report, report_html
from jianbao.core.errors import NotABulletin, UnreadableFile
from jianbao.publishing.ingest import parse_bulletin_bytes
from jianbao.publishing.ingest.ocr import image_to_markup
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.render import render
from tests import scans
from tests.conftest import FIXTURE
from tests.test_import_pdf_layouts import SECTIONS, SOME_CREDITS

# OCR of the whole scan is the costly fixture: one worker reads it once.
pytestmark = pytest.mark.xdist_group("ocr-scan")

squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731


@pytest.fixture(scope="module")
def sample():
    return parse_bulletin_text(FIXTURE.read_text(encoding="utf-8"), source=FIXTURE.name)


@pytest.fixture(scope="module")
def scan_pages(sample):
    return scans.scan_pages(render(sample, "pdf"))


@pytest.fixture(scope="module")
def scanned(scan_pages):
    return parse_bulletin_bytes(scans.image_pdf(scan_pages), "2023-1-扫描.pdf")


def whole_text(bulletin) -> str:
    return "".join(
        squeeze(a.title) + squeeze("".join(b.text for b in a.blocks)) + a.credit
        for a in bulletin.articles
    )


def test_the_scan_imports_as_three_sections_and_25_articles(scanned):
    assert [s.title for s in scanned.sections] == SECTIONS
    assert len(scanned.articles) == 25
    assert (scanned.year, scanned.number, scanned.running_number) == (2023, 1, 66)
    assert str(scanned.date) == "2023-03-20"
    assert scanned.office == "联盟试点工作联络组办公室"
    for n, credit in SOME_CREDITS.items():
        assert scanned.articles[n].credit == credit


def test_at_least_23_of_the_25_titles_are_read_exactly(scanned, sample):
    wanted = [squeeze(a.title) for a in sample.articles]
    read = [squeeze(a.title) for a in scanned.articles]
    right = sum(1 for got, want in zip(read, wanted, strict=True) if got == want)
    assert right >= 23, [(g, w) for g, w in zip(read, wanted, strict=True) if g != w]
    # Titles wrapped over two or three lines on the page come back whole.
    assert read[0] == "中共中央国务院印发《党和国家机构改革方案》（科技部分）"
    assert read[22] == "肿瘤微创治疗联盟与东直门医院通州院区共建“北京市中西医肿瘤微创医学中心”"
    assert read[24] == (
        "电动汽车电驱动系统产业联盟发起单位上海电驱动股份有限公司荣获车用电机控制系统"
        "功能安全ASILD国际权威产品认证"
    )


def test_at_least_97_percent_of_the_characters_are_read(scanned, sample):
    wanted, read = whole_text(sample), whole_text(scanned)
    matcher = difflib.SequenceMatcher(None, wanted, read, autojunk=False)
    matching = sum(block.size for block in matcher.get_matching_blocks())
    assert matching >= 0.97 * len(wanted)
    assert len(read) <= 1.03 * len(wanted)  # nothing read twice or made up


def test_every_page_keeps_its_confidence_and_the_skew_it_was_read_at(scanned):
    assert [p.page for p in scanned.ocr_pages] == list(range(1, 25))
    # Page 23 is the verso left blank so that the 版记 ends on even page 24.
    assert [p.page for p in scanned.ocr_pages if p.blank] == [23]
    assert all(60 < p.confidence <= 100 for p in scanned.ocr_pages if not p.blank)
    # Each page was turned by ANGLES[n] degrees (counter-clockwise): straightening
    # it is a turn by as much the other way.
    for n, page in enumerate(scanned.ocr_pages[2:], start=2):  # pages of running text
        if page.blank:
            assert page.angle == 0.0  # no line to measure a skew by
            continue
        assert page.angle == pytest.approx(-scans.ANGLES[n % len(scans.ANGLES)], abs=0.3)


def test_the_lines_read_with_low_confidence_go_into_the_review_report(scanned):
    low = [line for page in scanned.ocr_pages for line in page.low_lines]
    assert low, "a noisy scan has doubtful lines"
    assert all(line.confidence < 75 for line in low)
    report = build_report(scanned, source_name="2023-1-扫描.pdf")
    listed = report["ocr"]["low_lines"]
    assert [(r["page"], r["text"]) for r in listed] == [(ln.page, ln.text) for ln in low]
    page = report_html(report)
    assert low[0].text in page or low[0].text.replace("<", "&lt;") in page
    # The blank verso is named as such, not listed with a confidence of 0.
    assert "<tr><td>23</td><td>无文字（空白页）</td>" in page


def test_a_multi_page_tiff_reads_like_the_pdf(scan_pages, sample):
    bulletin = parse_bulletin_bytes(scans.tiff(scan_pages[:4]), "2023-1.tif")
    assert (bulletin.year, bulletin.number, bulletin.running_number) == (2023, 1, 66)
    assert [p.page for p in bulletin.ocr_pages] == [1, 2, 3, 4]
    first = bulletin.articles[0]
    assert squeeze(first.title) == squeeze(sample.articles[0].title)
    assert [b.text for b in first.blocks if b.kind == "heading"][:1] == ["一、深化党中央机构改革"]


def test_png_and_jpeg_pages_go_through_ocr(scan_pages):
    masthead = image_to_markup(scans.picture(scan_pages[0], "PNG"), "第1页.png").text
    assert "2023年第1期（总第66期）" in masthead
    assert "本期导读" in squeeze(masthead)
    # A photo of a page carries no resolution: it is taken as an A4 page.
    body = image_to_markup(scans.picture(scan_pages[2], "JPEG", dpi=None), "第3页.jpg")
    assert "一、深化党中央机构改革" in body.text
    assert len(body.ocr_pages) == 1


def test_a_page_picture_without_an_article_is_refused_as_no_bulletin(scan_pages):
    # The masthead and 导读 are read, and no body follows them.
    with pytest.raises(NotABulletin, match=r"第1页\.png.*之后没有找到正文栏目"):
        parse_bulletin_bytes(scans.picture(scan_pages[0], "PNG"), "第1页.png")


def test_a_damaged_png_is_refused_by_name(scan_pages):
    whole = scans.picture(scan_pages[2], "PNG")
    with pytest.raises(UnreadableFile, match=r"坏图\.png.*PNG 图像已损坏"):
        parse_bulletin_bytes(whole[: len(whole) // 2], "坏图.png")


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its few bytes of data never fill."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(UnreadableFile, match=r"炸弹\.png.*(解压炸弹|图片过大)"):
        parse_bulletin_bytes(png_declaring(60_000, 60_000), "炸弹.png")


def test_a_blank_page_is_refused_as_having_no_text():
    blank = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(blank, "PNG", dpi=(150, 150))
    with pytest.raises(UnreadableFile, match=r"空白\.png.*未找到文字"):
        parse_bulletin_bytes(blank.getvalue(), "空白.png")
