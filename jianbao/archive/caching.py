"""Public pages are cached whole, keyed on the site version.

The version row changes in the same transaction as any published content
(see receivers), so a publish invalidates every cached page at once, in
every server process, without tracking which pages it touched.  Browsers
and proxies get an ETag and Last-Modified from the same version and are
answered 304 Not Modified when nothing changed.
"""

from __future__ import annotations

from functools import wraps
from importlib.metadata import PackageNotFoundError, version

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from jianbao.archive import selectors

try:
    # A new release changes templates without changing content: start afresh.
    _RELEASE = version("jianbao")
except PackageNotFoundError:  # pragma: no cover
    _RELEASE = "0"

CACHE_SECONDS = 24 * 3600


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        site = selectors.site_version()
        # The time as well as the number: a restored database may reuse numbers.
        stamp = f"{site.number}.{site.changed_at.timestamp():.6f}"
        etag = f'"{_RELEASE}-{stamp}"'
        last_modified = int(site.changed_at.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return not_modified
        key = f"archive:{_RELEASE}:{stamp}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            response.render() if hasattr(response, "render") else None
            cache.set(key, (response.content, response["Content-Type"]), CACHE_SECONDS)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # Revalidate every time: a publish must show at once.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        return response

    return wrapped
