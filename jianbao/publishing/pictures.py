"""Pictures: checked by content, cleaned, stored once, sized once.

A picture arrives as bytes (a Word file's media, an upload, an exported
folder). ``accept`` reads it with Pillow — never by its extension — refuses
what is not a photo or drawing we can show everywhere, and stores a clean
copy: orientation applied, metadata (EXIF with GPS, XMP, comments) gone,
CMYK and 16-bit turned into 8-bit RGB, HEIC into JPEG. A picture that needs
none of that is stored byte for byte, and the name is the hash of the stored
bytes, so accepting a stored picture again gives the same name (round trips
keep names).

Derived files — the print version for typst and Word, the web widths in WebP
and JPEG — are made on first use and kept in the same storage under names
that follow from the picture's name, so every app server finds them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import pathlib
import re
import shutil
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from jianbao.core.errors import JianbaoError

pillow_heif.register_heif_opener()

# 720: a phone of 412 CSS px at DPR 1.75 (Lighthouse's phone) takes it, not 960.
WEB_WIDTHS = (480, 720, 960, 1600)
WEB_FORMATS = ("webp", "jpg")
# 300 dpi across the full 156 mm text block: more only swells the PDF the mail attaches.
PRINT_LONGEST_SIDE = 1800

FOLDER = "pictures"
DERIVED_FOLDER = f"{FOLDER}/derived"

# What may come in (Pillow's format names), and what is stored as is.
READABLE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "HEIF")
STORED_EXTENSION = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# What a file's name claims it is. A picture whose content is another kind is
# refused: it is a mistake at best, at worst a file made to pass for a picture.
_CLAIMED_FORMAT = {
    **dict.fromkeys(("jpg", "jpeg", "jpe", "jfif"), "JPEG"),
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "bmp": "BMP",
    **dict.fromkeys(("tif", "tiff"), "TIFF"),
    **dict.fromkeys(("heic", "heif"), "HEIF"),
}
_FORMAT_LABEL = {"HEIF": "HEIC", "WEBP": "WebP"}
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
# Modes a stored file may have without being converted.
_CLEAN_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"},
    "GIF": {"L", "P"},
    "WEBP": {"RGB", "RGBA"},
}
# Keys of Image.info that describe how to decode, not who took the picture where.
# Anything else (exif, xmp, comment, photoshop, PNG text chunks…) is metadata.
_HARMLESS_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "adobe",
    "adobe_transform",
    "progressive",
    "progression",
    "icc_profile",
    "gamma",
    "srgb",
    "chromaticity",
    "transparency",
    "aspect",
    "interlace",
    "version",
    "background",
    "duration",
    "loop",
    "timestamp",
}
# JPEG segments that carry decoding information only (JFIF, the ICC profile, Adobe's
# colour transform); APP1 is EXIF or XMP, APP13 Photoshop/IPTC, COM a comment.
_HARMLESS_JPEG_SEGMENTS = {"APP0", "APP2", "APP14"}
# Markup inside a picture (a polyglot file a browser could be tricked into reading
# as a page): such a file is re-encoded, which leaves only the pixels.
_MARKUP = re.compile(rb"<(?:script|html|svg|body|iframe|!doctype|\?xml)", re.IGNORECASE)
# A stored picture's name: the first 32 hex digits of its SHA-256 and its extension.
NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|gif|webp)$")


@dataclass(frozen=True)
class StoredPicture:
    name: str  # "<32 hex>.jpg|png|gif|webp": the start of the stored bytes' sha256
    width: int
    height: int
    format: str  # the stored file's type as its name ends: jpg, png, gif, webp


class PictureRejected(JianbaoError):
    """A picture that is not stored, with the reason, naming the file (and where it was)."""

    def __init__(self, filename: str, reason: str, *, where: str = ""):
        self.filename = filename
        self.reason = reason
        self.where = where
        label = f"{where} 中的 {filename}" if where and filename else (filename or where or "图片")
        super().__init__(f"{label}：{reason}")


# --- Accepting a picture ------------------------------------------------------------------


def accept(data: bytes, *, filename: str, where: str = "") -> StoredPicture:
    """Check, clean and store a picture; the same picture twice is stored once."""
    image = _open_checked(data, filename=filename, where=where)
    if _is_clean(image, data):
        stored, ext = data, STORED_EXTENSION[image.format]
        width, height = image.size
    else:
        stored, ext = _cleaned(image)
        width, height = Image.open(io.BytesIO(stored)).size
    name = f"{hashlib.sha256(stored).hexdigest()[:32]}.{ext}"
    # The file first, then the row: a row never names a missing file. A file
    # left by a rolled-back transaction is harmless (the same bytes, reused).
    _save_once(original_path(name), stored)
    return _remember(StoredPicture(name, width, height, ext), size=len(stored))


def existing(name: str, *, where: str = "") -> StoredPicture:
    """A picture already stored, by name (a re-import of an export names its pictures)."""
    from jianbao.publishing.models import Picture

    # An exported folder names its pictures pictures/<name>.
    stored = name.rsplit("/", 1)[-1]
    row = Picture.objects.filter(name=stored).first() if NAME.match(stored) else None
    if row is None:
        raise PictureRejected(
            name, "找不到这张图片（所给的文件里没有，此前也未保存过），未保存", where=where
        )
    return StoredPicture(row.name, row.width, row.height, row.format)


def original_bytes(name: str) -> bytes:
    """The stored (cleaned) picture."""
    return _read(original_path(_checked_name(name)))


def original_path(name: str) -> str:
    return f"{FOLDER}/{name}"


def _remember(picture: StoredPicture, *, size: int) -> StoredPicture:
    from jianbao.publishing.models import Picture

    fields = {"width": picture.width, "height": picture.height, "format": picture.format}
    try:
        # In a savepoint, so that a caller's transaction survives a lost race.
        with transaction.atomic():
            Picture.objects.get_or_create(name=picture.name, defaults={**fields, "size": size})
    except IntegrityError:
        # Another request stored the same picture at once and its row is not yet
        # visible here: the name is taken by these very bytes, which is all we need.
        pass
    return picture


def _open_checked(data: bytes, *, filename: str, where: str) -> Image.Image:
    """The picture opened and fully decoded, or PictureRejected with the reason."""

    def refuse(reason: str) -> PictureRejected:
        return PictureRejected(filename, reason, where=where)

    limit = settings.JIANBAO_PICTURE_MAX_BYTES
    if not data:
        raise refuse("文件是空的，未保存")
    if len(data) > limit:
        raise refuse(
            f"图片太大（{_megabytes(len(data))}，上限 {_megabytes(limit)}），未保存；"
            "请缩小或压缩后再上传"
        )
    kind = _not_a_picture(data)
    if kind:
        raise refuse(kind)
    try:
        # A bomb is refused here, before any pixel is decoded; Pillow's own
        # limit only warns below twice its size, so its warning is an error too.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
            _check_pixels(image, refuse)
            image.load()
    except PictureRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(_too_many_pixels(None)) from None
    except UnidentifiedImageError:
        raise refuse(
            "不是可用的图片文件（只接受 JPEG、PNG、GIF、WebP、BMP、TIFF、HEIC），未保存"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # Truncated or damaged data: Pillow reports it in several ways.
        raise refuse(f"图片已损坏，无法读取（{exc.__class__.__name__}），未保存") from None
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    claimed = _CLAIMED_FORMAT.get(ext)
    if claimed and claimed != image.format:
        actual = _FORMAT_LABEL.get(image.format, image.format)
        raise refuse(f"文件名是 .{ext}，内容却是 {actual} 图片，未保存；请改正扩展名后重新上传")
    return image


def _check_pixels(image: Image.Image, refuse) -> None:
    if image.width * image.height > settings.JIANBAO_PICTURE_MAX_PIXELS:
        raise refuse(_too_many_pixels(image.size))


def _too_many_pixels(size: tuple[int, int] | None) -> str:
    limit = settings.JIANBAO_PICTURE_MAX_PIXELS / 1_000_000
    shown = f"{size[0]}×{size[1]}，" if size else ""
    return f"图片像素过多（{shown}上限 {limit:g} 百万像素），可能是恶意文件，未保存"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


# A placeable WMF, and the two kinds of plain WMF (in memory, on disk).
_WMF_HEADS = (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00", b"\x02\x00\x09\x00")


def _not_a_picture(data: bytes) -> str:
    """A clear reason for files often mistaken for pictures; "" for anything else."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[40:44] == b" EMF" or data[:4] in _WMF_HEADS:
        return (
            "是 Word 的矢量图（EMF/WMF），网页和 PDF 无法使用，未保存；"
            "请在 Word 中右键该图片，选“另存为图片”，保存为 JPEG 或 PNG 后再上传"
        )
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in head):
        return "不是图片文件（内容为 SVG），未保存；请另存为 JPEG 或 PNG 后再上传"
    if head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script")):
        return "不是图片文件（内容为 HTML），未保存"
    if head.startswith(b"%pdf"):
        return "不是图片文件（内容为 PDF），未保存；请把页面另存为 JPEG 或 PNG 后再上传"
    return ""


def _is_clean(image: Image.Image, data: bytes) -> bool:
    """True when the file can be stored exactly as it came."""
    fmt = image.format
    if fmt not in STORED_EXTENSION or image.mode not in _CLEAN_MODES[fmt]:
        return False
    if set(image.info) - _HARMLESS_INFO:
        return False
    if fmt == "JPEG" and {segment for segment, _ in image.applist} - _HARMLESS_JPEG_SEGMENTS:
        return False
    # A 16-bit PNG decodes as 8-bit RGB; the header says what the file holds.
    if fmt == "PNG" and data[24] > 8:
        return False
    if getattr(image, "n_frames", 1) > 1 and fmt != "GIF":
        return False  # animated WebP/PNG: kept as their first frame
    return _ends_where_it_should(fmt, data) and not _MARKUP.search(data)


def _ends_where_it_should(fmt: str, data: bytes) -> bool:
    """No bytes after the picture's end (a trailer can hide metadata or another file)."""
    if fmt == "JPEG":
        return data.endswith(b"\xff\xd9")
    if fmt == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")
    if fmt == "GIF":
        return data.endswith(b";")
    return int.from_bytes(data[4:8], "little") + 8 == len(data)  # WebP's RIFF size


def _cleaned(image: Image.Image) -> tuple[bytes, str]:
    """The picture re-encoded with only its pixels: (bytes, extension)."""
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "L", "LA") else None
    image.seek(0)  # an animation keeps its first frame
    pixels = _eight_bit(ImageOps.exif_transpose(image))
    pixels.info = {}
    ext = _clean_extension(image.format, pixels)
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if ext == "jpg":
        pixels.save(out, "JPEG", quality=92, optimize=True, **extra)
    elif ext == "webp":
        pixels.save(out, "WEBP", quality=90, method=4, **extra)
    else:
        pixels.save(out, "PNG", optimize=True, **extra)
    return out.getvalue(), ext


def _clean_extension(source_format: str, pixels: Image.Image) -> str:
    if source_format == "JPEG":
        return "jpg"
    if source_format in ("PNG", "GIF"):
        return "png"  # lossless stays lossless; a GIF's palette fits a PNG
    if source_format == "WEBP":
        return "webp"
    # BMP, TIFF, HEIC: a photo becomes a JPEG, a drawing or a cut-out a PNG.
    return "png" if _is_drawing(pixels) else "jpg"


def _eight_bit(image: Image.Image) -> Image.Image:
    """The pixels as 8-bit L, LA, RGB, RGBA or P (CMYK, 16-bit and float converted)."""
    mode = image.mode
    if mode in ("1", "L", "LA", "RGB", "RGBA"):
        return image
    if mode == "P":
        return image.convert("RGBA") if "transparency" in image.info else image
    if mode.startswith("I") or mode == "F":
        # 16-bit grey: scale to 0–255 (a plain convert would clip everything above 255).
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if mode in ("PA", "RGBa", "La"):
        return image.convert("RGBA")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX


def _is_drawing(image: Image.Image) -> bool:
    """Transparent, or few colours (a chart, a logo, a screenshot): better lossless."""
    if image.mode in ("RGBA", "LA", "PA", "1", "P") or "transparency" in image.info:
        return True
    return image.getcolors(maxcolors=256) is not None


def _checked_name(name: str) -> str:
    if not NAME.match(name):
        raise PictureRejected(name, "不是图片的存储名", where="")
    return name


# --- Storage ------------------------------------------------------------------------------


def _storage() -> Storage:
    return storages[settings.JIANBAO_PICTURE_STORAGE]


def open_stored(path: str):
    """A stored picture or derived file, open for reading (FileNotFoundError if gone)."""
    return _storage().open(path, "rb")


def _read(path: str) -> bytes:
    with _storage().open(path, "rb") as handle:
        return handle.read()


def _save_once(path: str, data: bytes) -> None:
    storage = _storage()
    if storage.exists(path):
        return  # content-addressed: the file there holds these very bytes
    saved = storage.save(path, ContentFile(data))
    if saved != path:
        # Another request stored the same bytes meanwhile and the local storage
        # picked a second name for ours: keep the one, drop the copy.
        storage.delete(saved)


# --- Derived files: print and web sizes -----------------------------------------------------


def print_file(name: str) -> pathlib.Path:
    """A local file of the print version (JPEG or PNG, at most PRINT_LONGEST_SIDE px), cached."""
    stem = _checked_name(name).split(".")[0]
    cache = pathlib.Path(settings.JIANBAO_PICTURE_CACHE_DIR)
    for ext in ("jpg", "png"):
        local = cache / f"{stem}-print.{ext}"
        if local.exists():
            return local
    path = _derived(name, "print", _print_version)
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return pathlib.Path(storage.path(path))  # the local disk: no copy needed
    local = cache / path.rsplit("/", 1)[1]
    local.parent.mkdir(parents=True, exist_ok=True)
    partial = local.with_suffix(local.suffix + ".part")
    with storage.open(path, "rb") as source, partial.open("wb") as target:
        shutil.copyfileobj(source, target)
    partial.replace(local)  # atomic: a reader never sees half a file
    return local


def variant_url(name: str, width: int, fmt: str) -> str:
    """The site-relative URL of the served web size nearest ``width`` from above (a
    width above the picture's own is its own), so every URL given out is served."""
    if fmt not in WEB_FORMATS:
        raise ValueError(f"fmt must be one of {WEB_FORMATS}, not {fmt!r}")
    return f"/{FOLDER}/{name}/{served_width(name, width)}.{fmt}"


def served_width(name: str, width: int) -> int:
    """The smallest served width at least ``width``; the largest when none is."""
    widths = web_widths(name)
    return next((w for w in widths if w >= width), widths[-1])


def web_widths(name: str) -> tuple[int, ...]:
    """The widths served for a picture: WEB_WIDTHS, never above the picture's own width."""
    own = _size(name)[0]
    return tuple(sorted({min(w, own) for w in WEB_WIDTHS}))


def responsive(name: str) -> dict:
    """What an <img>/<picture> needs: a JPEG src, WebP and JPEG srcsets, the pixel size."""
    width, height = _size(name)
    widths = web_widths(name)

    def srcset(fmt: str) -> str:
        return ", ".join(f"{variant_url(name, w, fmt)} {w}w" for w in widths)

    return {
        # Browsers without srcset are desktop ones: the column width of the page.
        "src": variant_url(name, 960, "jpg"),
        "srcset_webp": srcset("webp"),
        "srcset_jpeg": srcset("jpg"),
        "width": width,
        "height": height,
    }


def data_uri(name: str, width: int = 960) -> str:
    """The JPEG web size as a data: URI, for an HTML file that must open anywhere."""
    data = variant_bytes(name, served_width(name, width), "jpg")
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def variant_bytes(name: str, width: int, fmt: str) -> bytes:
    """A web size, made on first use. ValueError for a width or format not served."""
    if fmt not in WEB_FORMATS or width not in web_widths(name):
        raise ValueError(f"{name}: no {width}px {fmt} size")
    return _read(variant_path(name, width, fmt))


def variant_path(name: str, width: int, fmt: str) -> str:
    """The storage path of a served web size, made on first use."""
    return _derived(name, f"{width}", lambda image: _web_version(image, width, fmt), ext=fmt)


def _derived(name: str, key: str, make, *, ext: str = "") -> str:
    """The storage path of a derived file, making and storing it once."""
    stem = _checked_name(name).split(".")[0]
    storage = _storage()
    if ext:
        path = f"{DERIVED_FOLDER}/{stem}-{key}.{ext}"
        if storage.exists(path):
            return path
    else:
        # The print version's type follows from its pixels: look for either.
        for candidate in ("jpg", "png"):
            path = f"{DERIVED_FOLDER}/{stem}-{key}.{candidate}"
            if storage.exists(path):
                return path
    data, made_ext = make(Image.open(io.BytesIO(original_bytes(name))))
    path = f"{DERIVED_FOLDER}/{stem}-{key}.{made_ext}"
    _save_once(path, data)
    return path


def _print_version(image: Image.Image) -> tuple[bytes, str]:
    width, height = image.size
    scale = min(1.0, PRINT_LONGEST_SIDE / max(width, height))
    pixels = _scaled(image, (max(1, round(width * scale)), max(1, round(height * scale))))
    if image.format != "JPEG" and _is_drawing(pixels):
        return _encode(pixels, "png"), "png"
    return _encode(pixels, "jpg", quality=85), "jpg"


def _web_version(image: Image.Image, width: int, fmt: str) -> tuple[bytes, str]:
    own_width, own_height = image.size
    size = (width, max(1, round(own_height * width / own_width)))
    pixels = _scaled(image, size if width < own_width else image.size)
    if fmt == "webp":
        # Drawings stay sharp (lossless WebP is small for them); photos lossy.
        lossless = image.format != "JPEG" and _is_drawing(pixels)
        return _encode(pixels, "webp", lossless=lossless, quality=80), "webp"
    return _encode(pixels, "jpg", quality=82, progressive=True), "jpg"


def _scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The first frame at ``size``. A JPEG is decoded at a reduced scale first (no
    smaller than ``size``): a 50-megapixel photo need not be decoded whole for 480 px."""
    if image.format == "JPEG" and size != image.size:
        image.draft(image.mode, size)
    pixels = _first_frame(image)
    return pixels if pixels.size == size else pixels.resize(size, Image.Resampling.LANCZOS)


def _first_frame(image: Image.Image) -> Image.Image:
    image.seek(0)
    pixels = image.convert("RGBA") if image.mode in ("P", "PA", "LA") else image.copy()
    return pixels


def _encode(pixels: Image.Image, ext: str, **options) -> bytes:
    out = io.BytesIO()
    if ext == "jpg":
        pixels = _on_white(pixels).convert("RGB") if pixels.mode != "L" else pixels
        pixels.save(out, "JPEG", optimize=True, **options)
    elif ext == "webp":
        pixels.save(out, "WEBP", method=4, **options)
    else:
        pixels.save(out, "PNG", optimize=True)
    return out.getvalue()


def _on_white(pixels: Image.Image) -> Image.Image:
    """Transparency flattened onto white paper (JPEG has no alpha)."""
    if pixels.mode not in ("RGBA", "LA"):
        return pixels
    paper = Image.new("RGB", pixels.size, "white")
    paper.paste(pixels.convert("RGBA"), mask=pixels.convert("RGBA").getchannel("A"))
    return paper


@functools.lru_cache(maxsize=4096)
def _size(name: str) -> tuple[int, int]:
    """A stored picture's pixel size. Cached: a name's bytes never change.

    Pillow reads only the header from the open file, not the whole photo (which
    may come from shared storage); a picture gone from storage still fails here.
    """
    with open_stored(original_path(_checked_name(name))) as handle:
        return Image.open(handle).size


# --- Who may see a picture ------------------------------------------------------------------


def is_public(name: str) -> bool:
    """True when an image block of a published issue shows the picture."""
    from jianbao.archive.search.index import public_issue_filter
    from jianbao.bulletins.models import Block

    return Block.objects.filter(
        public_issue_filter("article__section__issue__"),
        kind=Block.Kind.IMAGE,
        data__file=name,
    ).exists()


def may_see(user, name: str) -> bool:
    """Anyone sees a published picture; others as may_see_unpublished says."""
    return is_public(name) or may_see_unpublished(user, name)


def may_see_unpublished(user, name: str) -> bool:
    """The desk sees every picture; a submitter those in their own alliance's submissions."""
    from jianbao.core.roles import Role, roles_of
    from jianbao.network.selectors import alliances_of

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or roles_of(user) & {Role.EDITOR, Role.REVIEWER, Role.SIGNER, Role.ADMIN}:
        return True
    from jianbao.submissions.models import Submission

    return Submission.objects.filter(alliance__in=alliances_of(user), body__contains=name).exists()
