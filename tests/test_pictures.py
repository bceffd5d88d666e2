"""Pictures: checked by content, cleaned, stored once, sized once, served with care.

Every picture is made here with Pillow (or by hand, byte by byte, where Pillow
would refuse to write such a thing), and every expectation is written out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import threading
import zlib

import pillow_heif
import pytest
from django.core.files.storage import storages
from PIL import Image

from jianbao.publishing import pictures
from jianbao.publishing.models import Picture
from jianbao.publishing.pictures import PictureRejected

pytestmark = pytest.mark.django_db

GPS = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    return tmp_path / "media"


def photo(width: int, height: int, *, mode: str = "RGB") -> Image.Image:
    """Noise over a gradient: thousands of colours, as a photograph has."""
    noise = Image.effect_noise((width, height), 40)
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.merge(
        "RGB", (noise, ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    ).convert(mode)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def reopened(name: str) -> Image.Image:
    return Image.open(io.BytesIO(pictures.original_bytes(name)))


# --- Clean pictures are kept as they are -----------------------------------------------------


def test_a_clean_jpeg_is_stored_byte_for_byte_under_the_hash_of_its_bytes(picture_storage):
    data = encoded(photo(320, 200), "JPEG", quality=90)

    first = pictures.accept(data, filename="会议.jpg")
    again = pictures.accept(data, filename="另一个名字.jpg")

    assert first == again
    assert first.name == hashlib.sha256(data).hexdigest()[:32] + ".jpg"
    assert (first.width, first.height, first.format) == (320, 200, "jpg")
    assert pictures.original_bytes(first.name) == data
    assert stored_files(picture_storage) == [f"pictures/{first.name}"]
    row = Picture.objects.get()
    assert (row.name, row.width, row.height, row.format, row.size) == (
        first.name,
        320,
        200,
        "jpg",
        len(data),
    )


def test_a_cleaned_picture_accepted_again_keeps_its_name():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    cleaned = pictures.accept(encoded(photo(64, 48), "JPEG", exif=exif), filename="a.jpg")

    again = pictures.accept(pictures.original_bytes(cleaned.name), filename=cleaned.name)

    assert again == cleaned
    assert Picture.objects.count() == 1


def test_existing_finds_a_stored_picture_and_refuses_an_unknown_one():
    stored = pictures.accept(encoded(photo(50, 40), "PNG"), filename="图1.png")

    assert pictures.existing(stored.name) == stored
    assert pictures.existing(f"pictures/{stored.name}") == stored
    with pytest.raises(PictureRejected) as refused:
        pictures.existing("0" * 32 + ".png", where="2023-01.md")
    assert str(refused.value).startswith(f"2023-01.md 中的 {'0' * 32}.png：找不到这张图片")


def test_a_row_lost_while_the_file_stayed_is_made_again():
    data = encoded(photo(50, 40), "PNG")
    stored = pictures.accept(data, filename="a.png")
    Picture.objects.all().delete()

    assert pictures.accept(data, filename="a.png") == stored
    assert Picture.objects.get().name == stored.name


# --- What is cleaned -------------------------------------------------------------------------


def two_halves(width: int, height: int) -> Image.Image:
    """Red on the left, blue on the right: where each half lands shows the rotation."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def test_exif_orientation_is_applied_and_gps_and_comments_are_stripped():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show the picture rotated 90° clockwise
    exif[GPS] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    data = encoded(two_halves(80, 60), "JPEG", exif=exif, comment=b"Shot at home", quality=95)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS)  # the test's own file has GPS

    stored = pictures.accept(data, filename="现场.jpg")

    assert (stored.width, stored.height) == (60, 80)
    image = reopened(stored.name)
    assert image.size == (60, 80)
    # Turned clockwise, the left (red) half is now the top.
    assert _near(image.getpixel((30, 10)), (255, 0, 0))
    assert _near(image.getpixel((30, 70)), (0, 0, 255))
    exif_after = image.getexif()
    assert GPS not in exif_after and ORIENTATION not in exif_after
    assert "exif" not in image.info and "comment" not in image.info
    assert stored.name != hashlib.sha256(data).hexdigest()[:32] + ".jpg"


def _near(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_png_text_chunks_and_xmp_are_stripped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 39.9</x:xmpmeta>")
    data = encoded(photo(40, 30), "PNG", pnginfo=info)

    stored = pictures.accept(data, filename="图.png")

    image = reopened(stored.name)
    image.load()
    assert image.format == "PNG" and image.size == (40, 30)
    assert "Author" not in image.info and "XML:com.adobe.xmp" not in image.info
    assert b"xmpmeta" not in pictures.original_bytes(stored.name)


def test_a_cmyk_jpeg_is_stored_as_rgb():
    data = encoded(photo(60, 40, mode="CMYK"), "JPEG")
    assert Image.open(io.BytesIO(data)).mode == "CMYK"

    stored = pictures.accept(data, filename="印刷稿.jpg")

    image = reopened(stored.name)
    assert (stored.format, image.format, image.mode, image.size) == ("jpg", "JPEG", "RGB", (60, 40))


def test_a_16_bit_png_is_stored_as_8_bit_with_its_tones_scaled():
    grey = Image.new("I;16", (30, 20), 40000)  # 40000 of 65535: a light grey
    data = encoded(grey, "PNG")
    assert data[24] == 16  # the PNG header's bit depth

    stored = pictures.accept(data, filename="扫描.png")

    stored_bytes = pictures.original_bytes(stored.name)
    image = reopened(stored.name)
    assert stored_bytes[24] == 8
    assert image.mode == "L"
    assert image.getpixel((5, 5)) == 40000 // 256


def test_a_picture_with_a_script_appended_is_re_encoded_without_it():
    data = encoded(photo(40, 30), "JPEG") + b"<script>alert(1)</script>"

    stored = pictures.accept(data, filename="合影.jpg")

    assert b"<script" not in pictures.original_bytes(stored.name)
    assert reopened(stored.name).size == (40, 30)


def test_a_bmp_photo_becomes_a_jpeg_and_a_tiff_drawing_a_png():
    photo_bmp = pictures.accept(encoded(photo(64, 48), "BMP"), filename="a.bmp")
    drawing = Image.new("RGB", (64, 48), "white")
    drawing.paste((0, 0, 0), (10, 10, 50, 30))
    drawing_tiff = pictures.accept(encoded(drawing, "TIFF"), filename="b.tif")

    assert photo_bmp.format == "jpg" and reopened(photo_bmp.name).format == "JPEG"
    assert drawing_tiff.format == "png" and reopened(drawing_tiff.name).format == "PNG"


def test_a_heic_photo_is_stored_as_jpeg():
    pillow_heif.register_heif_opener()
    data = encoded(photo(96, 64), "HEIF", quality=90)
    assert Image.open(io.BytesIO(data)).format == "HEIF"

    stored = pictures.accept(data, filename="IMG_0001.HEIC")

    image = reopened(stored.name)
    assert (stored.format, image.format, image.size) == ("jpg", "JPEG", (96, 64))


# --- Content decides, not the name -----------------------------------------------------------


def test_a_jpeg_named_png_is_refused_naming_both_and_nothing_is_stored(picture_storage):
    data = encoded(photo(40, 30), "JPEG")

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data, filename="照片.png")

    assert str(refused.value) == (
        "照片.png：文件名是 .png，内容却是 JPEG 图片，未保存；请改正扩展名后重新上传"
    )
    assert stored_files(picture_storage) == []
    assert not Picture.objects.exists()
    # Named for what it is, the same file is a picture like any other.
    assert pictures.accept(data, filename="照片.JPG").format == "jpg"


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SVG_WITH_SCRIPT, "不是图片文件（内容为 SVG），未保存"),
        (HTML_PAGE, "不是图片文件（内容为 HTML），未保存"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "不是图片文件（内容为 PDF），未保存"),
        (b"just some text, nothing else", "不是可用的图片文件"),
        (b"", "文件是空的，未保存"),
    ],
    ids=["svg", "html", "pdf", "text", "empty"],
)
def test_what_is_not_a_picture_is_refused_naming_the_file(picture_storage, data, reason):
    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data, filename="会议.jpg")

    assert str(refused.value).startswith(f"会议.jpg：{reason}")
    assert stored_files(picture_storage) == []
    assert not Picture.objects.exists()


def test_a_word_emf_picture_is_refused_with_what_to_do_in_word(picture_storage):
    # An EMF header record: type 1, its size, bounds… and the " EMF" signature at 40.
    header = struct.pack("<II", 1, 108) + b"\0" * 32 + b" EMF" + b"\0" * 64

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(header, filename="image3.emf", where="联盟动态.docx")

    message = str(refused.value)
    assert message.startswith("联盟动态.docx 中的 image3.emf：是 Word 的矢量图（EMF/WMF）")
    assert "另存为图片" in message and "JPEG 或 PNG" in message
    assert stored_files(picture_storage) == []


def bomb_png(width: int, height: int) -> bytes:
    """A real 1-bit PNG of width × height black pixels: a few hundred kilobytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_and_nothing_is_stored(picture_storage):
    data = bomb_png(30000, 30000)  # 900 million pixels
    assert len(data) < 1024 * 1024

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data, filename="炸弹.png", where="投稿附件")

    assert str(refused.value).startswith("投稿附件 中的 炸弹.png：图片像素过多")
    assert stored_files(picture_storage) == []
    assert not Picture.objects.exists()


def test_a_picture_over_the_pixel_setting_is_refused_with_its_size(settings, picture_storage):
    settings.JIANBAO_PICTURE_MAX_PIXELS = 1_000_000
    data = bomb_png(1200, 1000)

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data, filename="大图.png")

    assert str(refused.value).startswith("大图.png：图片像素过多（1200×1000，上限 1 百万像素）")
    assert stored_files(picture_storage) == []


def test_a_40_mb_photo_is_refused_before_it_is_read(picture_storage):
    # A real photo with a camera trailer padding it to 40 MB.
    data = encoded(photo(64, 48), "JPEG")
    data += b"\0" * (40 * 1024 * 1024 - len(data))

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data, filename="原图.jpg")

    assert str(refused.value).startswith("原图.jpg：图片太大（40 MB，上限 20 MB），未保存")
    assert stored_files(picture_storage) == []
    assert not Picture.objects.exists()


def test_a_truncated_picture_is_refused_as_damaged(picture_storage):
    data = encoded(photo(200, 150), "PNG")

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(data[: len(data) // 2], filename="半张.png")

    assert str(refused.value).startswith("半张.png：图片已损坏")
    assert stored_files(picture_storage) == []


def test_migration_for_the_picture_table_is_present():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert ("publishing", "0001_initial") in loader.disk_migrations
    assert storages["default"].__class__.__name__ == "FileSystemStorage"


# --- Sized once: print and web versions ------------------------------------------------------


def test_web_sizes_are_made_on_first_use_in_webp_and_jpeg(picture_storage):
    stored = pictures.accept(encoded(photo(2000, 1000), "JPEG"), filename="全景.jpg")
    stem = stored.name.split(".")[0]
    assert stored_files(picture_storage) == [f"pictures/{stored.name}"]  # nothing made yet

    assert pictures.web_widths(stored.name) == (480, 720, 960, 1600)
    for width in (480, 720, 960, 1600):
        for fmt, pillow_format in (("webp", "WEBP"), ("jpg", "JPEG")):
            image = Image.open(io.BytesIO(pictures.variant_bytes(stored.name, width, fmt)))
            assert (image.format, image.size) == (pillow_format, (width, width // 2))

    assert stored_files(picture_storage) == sorted(
        [f"pictures/{stored.name}"]
        + [
            f"pictures/derived/{stem}-{w}.{f}"
            for w in (480, 720, 960, 1600)
            for f in ("webp", "jpg")
        ]
    )


def test_a_small_picture_is_never_enlarged():
    stored = pictures.accept(encoded(photo(700, 500), "JPEG"), filename="小图.jpg")

    assert pictures.web_widths(stored.name) == (480, 700)
    assert pictures.variant_url(stored.name, 1600, "jpg") == f"/pictures/{stored.name}/700.jpg"
    assert pictures.variant_url(stored.name, 600, "webp") == f"/pictures/{stored.name}/700.webp"
    assert pictures.variant_url(stored.name, 300, "jpg") == f"/pictures/{stored.name}/480.jpg"
    image = Image.open(io.BytesIO(pictures.variant_bytes(stored.name, 700, "webp")))
    assert image.size == (700, 500)
    with pytest.raises(ValueError):
        pictures.variant_bytes(stored.name, 1600, "jpg")
    with pytest.raises(ValueError):
        pictures.variant_bytes(stored.name, 480, "png")


def test_responsive_gives_srcsets_and_the_pixel_size():
    stored = pictures.accept(encoded(photo(1200, 900), "JPEG"), filename="a.jpg")
    base = f"/pictures/{stored.name}"

    assert pictures.responsive(stored.name) == {
        "src": f"{base}/960.jpg",
        "srcset_webp": f"{base}/480.webp 480w, {base}/720.webp 720w, {base}/960.webp 960w, "
        f"{base}/1200.webp 1200w",
        "srcset_jpeg": f"{base}/480.jpg 480w, {base}/720.jpg 720w, {base}/960.jpg 960w, "
        f"{base}/1200.jpg 1200w",
        "width": 1200,
        "height": 900,
    }


def test_a_transparent_drawing_keeps_its_alpha_in_webp_and_is_on_white_in_jpeg():
    logo = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    logo.paste((200, 0, 0, 255), (100, 100, 300, 200))
    stored = pictures.accept(encoded(logo, "PNG"), filename="标志.png")

    webp = Image.open(io.BytesIO(pictures.variant_bytes(stored.name, 480, "webp")))
    jpeg = Image.open(io.BytesIO(pictures.variant_bytes(stored.name, 480, "jpg")))

    assert webp.mode == "RGBA" and webp.getpixel((5, 5))[3] == 0
    assert jpeg.mode == "RGB" and _near(jpeg.getpixel((5, 5)), (255, 255, 255), 8)


def test_the_print_version_of_a_photo_is_a_jpeg_at_most_1800_pixels(picture_storage):
    stored = pictures.accept(encoded(photo(3000, 1500), "JPEG"), filename="大合影.jpg")

    path = pictures.print_file(stored.name)

    assert path.is_file() and path.suffix == ".jpg"
    with Image.open(path) as image:
        assert (image.format, image.size) == ("JPEG", (1800, 900))
    assert pictures.print_file(stored.name) == path
    stem = stored.name.split(".")[0]
    assert f"pictures/derived/{stem}-print.jpg" in stored_files(picture_storage)


def test_the_print_version_of_a_drawing_is_a_png_at_its_own_size():
    chart = Image.new("RGB", (800, 600), "white")
    chart.paste((0, 80, 160), (100, 100, 300, 500))
    stored = pictures.accept(encoded(chart, "PNG"), filename="图表.png")

    path = pictures.print_file(stored.name)

    with Image.open(path) as image:
        assert (image.format, image.size) == ("PNG", (800, 600))


def test_print_files_are_copied_to_a_local_folder_when_the_storage_is_not_the_disk(
    settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "pictures": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.JIANBAO_PICTURE_STORAGE = "pictures"
    stored = pictures.accept(encoded(photo(500, 400), "JPEG"), filename="a.jpg")
    assert storages["pictures"].exists(f"pictures/{stored.name}")

    path = pictures.print_file(stored.name)

    assert path.parent == tmp_path / "cache"
    assert (
        path.read_bytes()
        == storages["pictures"]
        .open(f"pictures/derived/{stored.name.split('.')[0]}-print.jpg")
        .read()
    )
    assert not (tmp_path / "media").exists()  # nothing went to the local disk's storage


def test_data_uri_carries_the_jpeg_web_size():
    stored = pictures.accept(encoded(photo(1500, 1000), "JPEG"), filename="a.jpg")

    uri = pictures.data_uri(stored.name)

    assert uri.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert (image.format, image.size) == ("JPEG", (960, 640))


# --- Served: public pictures to everybody, a draft's to the desk ----------------------------


def issue_showing(picture: pictures.StoredPicture, *, published: bool):
    """An issue whose first article shows the picture in an image block, published or signed."""
    from jianbao.bulletins import editing, workflow
    from jianbao.bulletins.models import Block
    from jianbao.bulletins.services import block_row
    from jianbao.bulletins.workflow import Action
    from jianbao.publishing import parsed
    from tests.factories import SeriesFactory, person

    editor, reviewer, signer = (person(f"p-{r}", r) for r in ("editor", "reviewer", "signer"))
    series = SeriesFactory()
    issue = editing.create_issue(series, year=2026, number=1, running_number=1, by=editor)
    section = issue.sections.order_by("position").first()
    article = editing.add_article(issue, section, by=editor, title="会议现场", body="第一段。")
    image = parsed.Block(
        parsed.IMAGE, file=picture.name, caption="图为会议现场", width=picture.width
    )
    block_row(image, article=article, position=article.blocks.count()).save()
    assert Block.objects.filter(kind="image", data__file=picture.name).exists()
    steps = [(Action.SUBMIT, editor), (Action.APPROVE, reviewer), (Action.SIGN, signer)]
    if published:
        steps.append((Action.PUBLISH, signer))
    for action, actor in steps:
        issue = workflow.transition(issue, action, by=actor)
    return issue


@pytest.fixture
def public_picture():
    picture = pictures.accept(encoded(photo(1200, 800), "JPEG"), filename="现场.jpg")
    issue_showing(picture, published=True)
    return picture


@pytest.fixture
def draft_picture():
    picture = pictures.accept(encoded(photo(1000, 500), "JPEG"), filename="草稿.jpg")
    issue_showing(picture, published=False)
    return picture


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_published_picture_is_served_to_anybody_with_long_lived_headers(client, public_picture):
    response = client.get(f"/pictures/{public_picture.name}/960.webp")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=31536000", "immutable"}
    image = Image.open(io.BytesIO(body(response)))
    assert (image.format, image.size) == ("WEBP", (960, 640))


def test_the_original_and_the_jpeg_sizes_are_served_with_their_types(client, public_picture):
    original = client.get(f"/pictures/{public_picture.name}")
    jpeg = client.get(f"/pictures/{public_picture.name}/1200.jpg")

    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"
    assert body(original) == pictures.original_bytes(public_picture.name)
    assert jpeg.status_code == 200 and jpeg["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body(jpeg))).size == (1200, 800)


@pytest.mark.parametrize(
    "tail",
    ["/1600.jpg", "/500.webp", "/960.png", "/960.gif", "/0.jpg", "/960.jpg/"],
    ids=["above-own-width", "not-a-served-width", "png", "gif", "zero", "slash"],
)
def test_only_the_served_sizes_exist(client, public_picture, picture_storage, tail):
    before = stored_files(picture_storage)  # publishing made the print version

    response = client.get(f"/pictures/{public_picture.name}{tail}")

    assert response.status_code == 404
    assert stored_files(picture_storage) == before  # nothing was made


def test_an_unknown_or_malformed_name_is_no_page(client):
    assert client.get("/pictures/" + "a" * 32 + ".jpg").status_code == 404
    assert client.get("/pictures/../settings.py").status_code == 404
    assert client.get("/pictures/" + "A" * 32 + ".jpg/480.jpg").status_code == 404


def test_a_published_picture_whose_file_is_gone_is_404_not_500(client, public_picture):
    storages["default"].delete(f"pictures/{public_picture.name}")
    pictures._size.cache_clear()

    assert client.get(f"/pictures/{public_picture.name}").status_code == 404
    assert client.get(f"/pictures/{public_picture.name}/480.jpg").status_code == 404


def test_an_unpublished_picture_is_hidden_from_anonymous_visitors(client, draft_picture):
    assert client.get(f"/pictures/{draft_picture.name}").status_code == 404
    assert client.get(f"/pictures/{draft_picture.name}/480.webp").status_code == 404


def test_an_unpublished_picture_is_hidden_from_another_alliance(client, draft_picture):
    from tests.factories import AllianceFactory, person

    client.force_login(person("p-other", "submitter", alliance=AllianceFactory()))

    assert client.get(f"/pictures/{draft_picture.name}/480.webp").status_code == 404


def test_the_desk_sees_an_unpublished_picture_kept_out_of_shared_caches(client, draft_picture):
    from tests.factories import person

    client.force_login(person("p-reviewer-2", "reviewer"))
    response = client.get(f"/pictures/{draft_picture.name}/480.webp")

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert Image.open(io.BytesIO(body(response))).size == (480, 240)


def test_a_submitter_sees_the_pictures_of_their_own_submission(client):
    from jianbao.submissions import services as intake
    from tests.factories import AllianceFactory, person

    alliance = AllianceFactory()
    submitter = person("p-submitter", "submitter", alliance=alliance)
    picture = pictures.accept(encoded(photo(600, 400), "JPEG"), filename="来稿图.jpg")
    intake.submit_from_web(
        submitter,
        alliance=alliance,
        title="来稿",
        body=f"正文。\n\n![图为调研现场]({picture.name})",
        credit="",
        files=[],
    )
    client.force_login(submitter)

    assert client.get(f"/pictures/{picture.name}/480.jpg").status_code == 200


def test_a_heic_photo_taken_sideways_is_stored_upright():
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encoded(two_halves(80, 60), "HEIF", exif=exif.tobytes(), quality=95)

    stored = pictures.accept(data, filename="IMG_0002.HEIC")

    image = reopened(stored.name)
    assert image.size == (60, 80)
    assert _near(image.getpixel((30, 10)), (255, 0, 0))  # turned once, not twice


def test_a_placeable_wmf_is_refused_like_an_emf(picture_storage):
    wmf = b"\xd7\xcd\xc6\x9a" + b"\0" * 18 + b"\x01\x00\x09\x00" + b"\0" * 40

    with pytest.raises(PictureRejected) as refused:
        pictures.accept(wmf, filename="image1.wmf")

    assert str(refused.value).startswith("image1.wmf：是 Word 的矢量图（EMF/WMF）")
    assert stored_files(picture_storage) == []


@pytest.mark.django_db(transaction=True)
def test_the_same_picture_accepted_by_several_requests_at_once_is_stored_once(picture_storage):
    from django.db import connection

    data = encoded(photo(400, 300), "JPEG")
    start = threading.Barrier(4)
    results, errors = [], []

    def request():
        try:
            start.wait()
            results.append(pictures.accept(data, filename="同一张.jpg"))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1
    assert Picture.objects.count() == 1
    assert stored_files(picture_storage) == [f"pictures/{results[0].name}"]


def test_jianbao_storage_s3_puts_the_files_in_a_bucket():
    """The setting read in a fresh interpreter, as a deployment starts (no bucket is called)."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.core.files.storage import storages;"
        "s = storages['default'];"
        "print(json.dumps([type(s).__module__ + '.' + type(s).__name__, s.bucket_name,"
        " s.endpoint_url, s.default_acl, s.file_overwrite]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jianbao.settings",
        "JIANBAO_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "jianbao-pictures",
        "AWS_S3_ENDPOINT_URL": "https://minio.example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(out.strip().splitlines()[-1]) == [
        "storages.backends.s3.S3Storage",
        "jianbao-pictures",
        "https://minio.example.org",
        None,
        True,
    ]
