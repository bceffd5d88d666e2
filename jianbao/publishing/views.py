"""Pictures served: the clean original and its web sizes, made on first request."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from jianbao.publishing import pictures

# The bytes behind a name never change, so browsers and proxies may keep them.
A_YEAR = 365 * 24 * 3600


@require_safe
def original(request, name: str):
    public = _allowed(request, name)
    return _picture_response(pictures.original_path(name), name.rsplit(".", 1)[1], public)


@require_safe
def variant(request, name: str, width: str, fmt: str):
    public = _allowed(request, name)
    try:
        # Only the sizes pages ask for are made: a request cannot fill the storage.
        if int(width) not in pictures.web_widths(name):
            raise Http404("没有这个尺寸")
        path = pictures.variant_path(name, int(width), fmt)
    except FileNotFoundError:
        raise Http404("图片不存在") from None
    return _picture_response(path, fmt, public)


def _allowed(request, name: str) -> bool:
    """Whether the picture is public; 404 for those who may not see it (not 403: a
    draft's pictures are not announced)."""
    if pictures.is_public(name):
        return True
    if not pictures.may_see_unpublished(request.user, name):
        raise Http404("图片不存在")
    return False


def _picture_response(path: str, ext: str, public: bool) -> FileResponse:
    try:
        handle = pictures.open_stored(path)
    except FileNotFoundError:
        raise Http404("图片不存在") from None
    response = FileResponse(handle, content_type=pictures.CONTENT_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    # A draft's picture stays out of shared caches; a published one may be kept anywhere.
    if public:
        patch_cache_control(response, public=True, max_age=A_YEAR, immutable=True)
    else:
        patch_cache_control(response, private=True, max_age=A_YEAR, immutable=True)
    return response
