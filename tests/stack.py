"""The deployment's own parts on loopback, for the tests that run them for real:
gunicorn instances and Debian's nginx with the configuration deploy/render_nginx.py
renders (tests/test_deploy_nginx.py, tests/test_scale.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

NGINX = "/usr/sbin/nginx"
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
NOBODY = 65534
JIANBAO = [sys.executable, "-m", "jianbao"]


def app_env(root: Path, **extra: str) -> dict[str, str]:
    """Production settings (HSTS, CSP) on plain http on loopback, data under ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "JIANBAO_"))}
    env.pop("DATABASE_URL", None)
    # Set by the browser tests in this process; no deployment has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        JIANBAO_PRODUCTION="1",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY=os.urandom(32).hex(),
        ALLOWED_HOSTS="127.0.0.1",
        JIANBAO_VAR_DIR=str(root / "var"),
    )
    env.update(extra)
    return env


def jianbao(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    """Run a jianbao command as an operator would; its output, or a failure that
    shows the end of what it wrote to stderr."""
    done = subprocess.run(
        [*JIANBAO, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"jianbao {args[0]}: {done.stderr[-3000:]}"
    return done.stdout


def render_site(root: Path, env: dict[str, str], listen: int, upstreams: list[int]) -> Path:
    """The site configuration as an operator renders it, with the app's own settings."""
    site_conf = root / "jianbao.conf"
    upstream_args = [a for port in upstreams for a in ("--upstream", f"127.0.0.1:{port}")]
    subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "render_nginx.py"), "--listen",
         f"127.0.0.1:{listen}", *upstream_args, "-o", str(site_conf)],
        env=env, check=True, timeout=60,
    )  # fmt: skip
    return site_conf


def start_nginx(root: Path, site_conf: Path) -> subprocess.Popen:
    """nginx with what Debian's /etc/nginx/nginx.conf provides, every path under
    ``root``. Not under pytest's tmp_path: the master drops to nobody when run as
    root, and nobody must read its configuration and write its temp folders."""
    temp = {name: root / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (root / "nginx.conf").write_text(
        f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log notice;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {root}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site_conf};
}}
""",
        encoding="utf-8",
    )

    def unprivileged():
        if os.geteuid() == 0:
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    return subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")],
        stdout=(root / "nginx.out").open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=unprivileged,
        # Its own process group, as the app servers have: a test stops it whole.
        start_new_session=True,
    )


def start_gunicorn(
    root: Path, env: dict[str, str], port: int, *, workers: int = 1, name: str = "gunicorn"
) -> subprocess.Popen:
    """One app server (sync workers) on ``port``, in a process group of its own so
    that a test can kill it whole. Its log is ``root/<name>.log``."""
    return subprocess.Popen(
        [GUNICORN, "jianbao.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--timeout", "60",
         "--access-logfile", str(root / f"{name}-access.log")],
        cwd=ROOT, env=env, stdout=(root / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
