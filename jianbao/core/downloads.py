"""How an uploaded file is handed back (submission attachments, application
documents): a safe name and a safe type.

The stored name is whatever the sender's mail client or browser said.  Neither
it nor the stored or guessed type reaches a header unchecked: the name loses its
path and control characters, and the type is one of a few that no browser
renders as a page, confirmed by the file's first bytes, or else
application/octet-stream.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Type -> the first bytes a file of that type starts with.  No text/*, no SVG,
# no HTML: those a browser could run as a page of this site.
SAFE_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF",),
    DOCX: (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
HEAD_BYTES = 8


def safe_content_type(stored_type: str, head: bytes) -> str:
    """The stored type if it is on the list and the content agrees; octet-stream otherwise."""
    signatures = SAFE_TYPES.get(stored_type.split(";", 1)[0].strip().lower())
    if signatures and head.startswith(signatures):
        return stored_type.split(";", 1)[0].strip().lower()
    return OCTET_STREAM


def download_name(original_name: str, fallback: str) -> str:
    """The sender's file name without folders or control characters, never empty."""
    name = re.split(r"[/\\]", original_name)[-1]
    # Cc: CR, LF, NUL, tab…; Cf: bidi overrides that disguise an extension.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.replace('"', "'").strip().lstrip(".").strip()
    return name[:200] or fallback


def ascii_fallback(name: str, pk: int) -> str:
    """For clients that read only filename=: ASCII letters, digits and a short extension."""
    extension = re.search(r"\.([A-Za-z0-9]{1,8})$", name)
    return f"attachment-{pk}" + (f".{extension.group(1).lower()}" if extension else "")


def content_disposition(filename: str, ascii_fallback: str) -> str:
    # RFC 6266/5987: old clients read filename=, current ones the UTF-8 filename*.
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"


def stored_file_response(field_file, *, original_name: str, pk: int, stored_type: str = ""):
    """The file as a streamed download with safe headers; 404 when it is gone from storage."""
    if not field_file.name:
        raise Http404("文件不存在")
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        # A row whose file is gone (a restore without media): say so, not 500.
        raise Http404("文件不存在") from None
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    name = download_name(original_name, f"附件{pk}")
    claimed = stored_type or mimetypes.guess_type(name)[0] or ""
    # Streamed in blocks; FileResponse closes the file when the response ends.
    response = FileResponse(handle, content_type=safe_content_type(claimed, head))
    response["Content-Disposition"] = content_disposition(name, ascii_fallback(name, pk))
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
