"""Write the nginx site configuration for jianbao, from deploy/nginx/jianbao.conf.in.

    .venv/bin/python deploy/render_nginx.py --server-name jianbao.example.org \\
        --tls-cert /etc/ssl/jianbao/fullchain.pem --tls-key /etc/ssl/jianbao/privkey.pem \\
        > /etc/nginx/sites-available/jianbao

The request-size limit and the static folder come from the app's settings (the same
environment as gunicorn's: JIANBAO_MAX_REQUEST_BYTES, JIANBAO_VAR_DIR), so nginx and
the app agree. Without --tls-cert the server listens on plain http at --listen: for a
TLS-terminating load balancer in front of it, or for a test on loopback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "jianbao.conf.in"
sys.path.insert(0, str(TEMPLATE.parent.parent.parent))

REDIRECT = """
server {{
    listen 80;
    listen [::]:80;
    server_name {name};
    return 301 https://$host$request_uri;
}}
"""
TLS = """    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:jianbao_tls:10m;
    ssl_session_timeout 1d;
"""
# Characters that would end a directive or start a block: refused, not escaped.
UNSAFE = re.compile(r"[\s;{}#'\"\\$]")


def app_limits() -> tuple[int, Path]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianbao.settings")
    from django.conf import settings

    limit = getattr(settings, "JIANBAO_MAX_REQUEST_BYTES", None)
    return int(limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE), Path(settings.STATIC_ROOT)


def render(
    *,
    server_name: str,
    upstream: str | list[str],
    static_root: Path,
    max_body: int,
    listen: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
) -> str:
    upstreams = [upstream] if isinstance(upstream, str) else list(upstream)
    if not upstreams:
        raise SystemExit("render_nginx: at least one --upstream")
    values = [
        server_name,
        *upstreams,
        str(static_root),
        listen or "",
        tls_cert or "",
        tls_key or "",
    ]
    for value in values:
        if UNSAFE.search(value):
            raise SystemExit(f"render_nginx: “{value}” holds a space, quote, ; {{ }} # or $")
    if bool(tls_cert) != bool(tls_key):
        raise SystemExit("render_nginx: --tls-cert and --tls-key go together")
    if tls_cert:
        listen_lines = "    listen 443 ssl;\n    listen [::]:443 ssl;"
        tls = TLS.format(cert=tls_cert, key=tls_key)
        redirect = REDIRECT.format(name=server_name)
    else:
        listen_lines = f"    listen {listen or '80'};"
        tls, redirect = "", ""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in {
        # An app server that fails a connection is left alone for a few seconds;
        # nginx tries the next one for the request meanwhile (jianbao.conf.in).
        "UPSTREAMS": "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams),
        "SERVER_NAME": server_name,
        "STATIC_ROOT": str(static_root).rstrip("/"),
        "MAX_BODY": str(max_body),
        "LISTEN": listen_lines,
        "TLS": tls,
        "REDIRECT_SERVER": redirect,
    }.items():
        text = text.replace(f"@{name}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    assert not leftover, leftover
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-name", default="_", help="the site's host name")
    parser.add_argument(
        "--upstream",
        action="append",
        help="a gunicorn's --bind; once for each app server (default 127.0.0.1:8000)",
    )
    parser.add_argument("--listen", help="plain-http address, without TLS (default 80)")
    parser.add_argument("--tls-cert", help="certificate chain (PEM); serves https on 443")
    parser.add_argument("--tls-key", help="its private key (PEM)")
    parser.add_argument("--static-root", type=Path, help="default: the app's STATIC_ROOT")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    max_body, static_root = app_limits()
    text = render(
        server_name=args.server_name,
        upstream=args.upstream or ["127.0.0.1:8000"],
        static_root=args.static_root or static_root,
        max_body=max_body,
        listen=args.listen,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
