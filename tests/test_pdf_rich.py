"""A PDF's pictures come in where they stand, with the caption under them; those
that cannot be decoded are counted per page. PDFs are made here: with typst
(the project's typesetter), or written by hand where typst cannot make the case."""

import io
import zlib

import typst
from PIL import Image

from jianbao.publishing.ingest.pdf import pdf_to_markup, pdf_to_text

FONT_DIRS = ["/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/arphic"]
SOURCE = """#set page(width: 16cm, height: 24cm, margin: 2cm)
#set text(font: "Noto Serif CJK SC", size: 12pt)
#set par(first-line-indent: 2em, justify: true)
3月5日，联盟在北京召开年度工作会议，审议通过了工作要点，并发布了团体标准清单。

#align(center, image("a.jpg", width: 8cm))
#align(center)[图为会议现场]

会议期间还举办了成果展。

#align(center, image("b.png", width: 6cm))

会议还部署了下一步工作。
"""


def typeset(tmp_path) -> bytes:
    Image.new("RGB", (400, 300), (220, 0, 0)).save(tmp_path / "a.jpg", "JPEG")
    Image.new("RGB", (300, 200), (0, 0, 255)).save(tmp_path / "b.png", "PNG")
    (tmp_path / "m.typ").write_text(SOURCE, encoding="utf-8")
    return typst.compile(str(tmp_path / "m.typ"), font_paths=FONT_DIRS, root=str(tmp_path))


def test_pictures_come_in_order_with_the_caption_under_them(tmp_path):
    content = pdf_to_markup(typeset(tmp_path), "会议.pdf")
    assert content.text.split("\n\n") == [
        "3月5日，联盟在北京召开年度工作会议，审议通过了工作要点，并发布了团体标准清单。",
        "![图为会议现场](image1.jpg)",
        "会议期间还举办了成果展。",
        "![](image2.png)",
        "会议还部署了下一步工作。",
    ]
    red = Image.open(io.BytesIO(content.pictures["image1.jpg"]))
    blue = Image.open(io.BytesIO(content.pictures["image2.png"]))
    assert (red.format, red.size) == ("JPEG", (400, 300))
    assert max(abs(a - b) for a, b in zip(red.getpixel((5, 5)), (220, 0, 0), strict=True)) < 8
    assert (blue.format, blue.size, blue.convert("RGB").getpixel((5, 5))) == (
        "PNG",
        (300, 200),
        (0, 0, 255),
    )
    assert content.warnings == ()


def test_the_plain_text_reader_still_reads_the_caption_as_a_line(tmp_path):
    assert "\n\n图为会议现场\n\n" in pdf_to_text(typeset(tmp_path), "会议.pdf")


def hand_made_pdf(images: list[bytes]) -> bytes:
    """One page with a line of text (Helvetica) and the given image XObjects, 100 pt each."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        None,  # the page, once the images are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    names = []
    draw = b"BT /F1 12 Tf 72 720 Td (Bulletin text before the pictures.) Tj ET\n"
    for n, image in enumerate(images):
        objects.append(image)
        names.append(f"/Im{n} {len(objects)} 0 R".encode())
        draw += f"q 100 0 0 100 72 {560 - n * 120} cm /Im{n} Do Q\n".encode()
    draw += b"BT /F1 12 Tf 72 300 Td (Bulletin text after the pictures.) Tj ET\n"
    objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
    objects[2] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << %s >> >> >>"
        % (len(objects), b" ".join(names))
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def image_object(dictionary: bytes, data: bytes) -> bytes:
    return (
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /BitsPerComponent 8 "
        + dictionary
        + b" /Length %d >>\nstream\n" % len(data)
        + data
        + b"\nendstream"
    )


def test_an_indexed_picture_is_decoded_and_an_unreadable_one_is_counted_for_its_page():
    palette = b"<FF0000 00FF00>"  # red, green
    indexed = image_object(
        b"/ColorSpace [/Indexed /DeviceRGB 1 " + palette + b"] /Filter /FlateDecode",
        zlib.compress(bytes([0, 1, 1, 0])),
    )
    jbig2 = image_object(b"/ColorSpace /DeviceGray /Filter /JBIG2Decode", b"\x00" * 16)
    content = pdf_to_markup(hand_made_pdf([indexed, jbig2]), "扫描.pdf")
    assert content.text.split("\n\n") == [
        "Bulletin text before the pictures.",
        "![](image1.png)",
        "Bulletin text after the pictures.",
    ]
    picture = Image.open(io.BytesIO(content.pictures["image1.png"])).convert("RGB")
    assert [picture.getpixel(xy) for xy in ((0, 0), (1, 0), (0, 1), (1, 1))] == [
        (255, 0, 0),
        (0, 255, 0),
        (0, 255, 0),
        (255, 0, 0),
    ]
    assert [w.message for w in content.warnings] == [
        "扫描.pdf：第1页有1张图片未导入（图片格式无法读取）"
    ]
