"""Edges of every request: malformed input is a 400, and production pages carry a CSP."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.functional import SimpleLazyObject
from django.views.defaults import bad_request


class RefuseMalformedRequests:
    """A NUL in the path or the query string is a 400 before any view sees it.

    PostgreSQL cannot store or even compare a string holding NUL, so without this
    such a request would end as a 500 in whichever view passes it to a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "\x00" in query or "%00" in query:
            # Answered here rather than raised: the log gets one line, not a traceback.
            return bad_request(request, BadRequest("请求中含有空字符（NUL）"))
        return self.get_response(request)


class ContentSecurityPolicy:
    """Sends settings.JIANBAO_CSP (production) as the Content-Security-Policy header.

    ``request.csp_nonce`` is a per-request nonce for a template that must keep an
    inline <script nonce="…">; the policy names it only on pages that used it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        used = []

        def make_nonce() -> str:
            used.append(secrets.token_urlsafe(18))
            return used[0]

        request.csp_nonce = SimpleLazyObject(make_nonce)
        response = self.get_response(request)
        policy = getattr(settings, "JIANBAO_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            if used:
                policy = policy.replace("script-src 'self'", f"script-src 'self' 'nonce-{used[0]}'")
            response["Content-Security-Policy"] = policy
        return response


def client_ip(request) -> str | None:
    """The client's address for the login throttle (django-axes).

    Behind nginx every request comes from 127.0.0.1, and throttling by that address
    would lock a username out for everybody. nginx sets X-Real-IP itself (deploy/),
    so it is believed only from a proxy in JIANBAO_TRUSTED_PROXIES; from anywhere
    else it is a client's claim and ignored.
    """
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "JIANBAO_TRUSTED_PROXIES", ())
    forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
    if remote in trusted and forwarded:
        return forwarded
    return remote
