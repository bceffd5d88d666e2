"""Public pages are cached whole, keyed on the site version.

The version row changes in the same transaction as any published content
(see receivers), so a publish invalidates every cached page at once, in
every server process, without tracking which pages it touched.  Browsers
and proxies get an ETag and Last-Modified from the same version and are
answered 304 Not Modified when nothing changed.
"""

from __future__ import annotations

import hashlib
import time
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
# How long a server process trusts the version it last read.  The process that
# publishes forgets it at once; others notice within this many seconds, so that
# a publish shows on every app server within a second (tests/test_scale.py).  It
# spares every cached page a database connection, which costs more than the page.
VERSION_SECONDS = 0.5

_known = {"version": None, "until": 0.0}


def current_version():
    now = time.monotonic()
    if _known["version"] is None or now >= _known["until"]:
        _known["version"], _known["until"] = selectors.site_version(), now + VERSION_SECONDS
    return _known["version"]


def forget_version() -> None:
    _known["version"] = None


def _stamp(site) -> str:
    # The time as well as the number: a restored database may reuse numbers.
    return f"{_RELEASE}-{site.number}.{site.changed_at.timestamp():.6f}"


def for_this_version(name: str, compute):
    """``compute()``, cached until public content changes."""
    key = f"archive:{_stamp(current_version())}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        site = current_version()
        stamp = _stamp(site)
        etag = f'"{stamp}"'
        last_modified = int(site.changed_at.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return not_modified
        # Hashed: a query string of any length (or bytes) makes a short, plain key.
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"archive:{stamp}:page:{path}"
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
