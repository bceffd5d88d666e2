"""The shipped nginx configuration, run for real in front of a one-worker gunicorn.

Slow clients that send their request a byte at a time hold a sync gunicorn worker
for as long as they like; through nginx they hold nothing but an nginx connection.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.stack import NGINX, app_env, render_site, start_gunicorn, start_nginx

# Small, so that the refusal of a larger body costs the test nothing.
MAX_BODY = 64 * 1024
SLOW_CLIENTS = 12
# A normal request must be answered within this many seconds to count as answered.
PROMPTLY = 5.0


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text(errors='replace')}")


def request(port: int, raw: bytes, timeout: float = PROMPTLY) -> bytes | None:
    """The whole answer to one request, or None when none came within ``timeout``."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(raw)
            chunks = []
            while True:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = s.recv(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
    except TimeoutError:
        return None


def get(port: int, path: str, *headers: str, timeout: float = PROMPTLY) -> bytes | None:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
    return request(port, "\r\n".join(lines).encode(), timeout)


def status_of(answer: bytes | None) -> int | None:
    return None if answer is None else int(answer.split(b" ", 2)[1])


def header_block(answer: bytes) -> str:
    return answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")


@pytest.fixture(scope="module")
def site():
    """gunicorn (1 sync worker) on one loopback port, the rendered nginx on another."""
    # Not under pytest's tmp_path: the nginx master drops to nobody when run as root,
    # and nobody must be able to read its config and write its temp folders.
    root = Path(tempfile.mkdtemp(prefix="jianbao-nginx-"))
    os.chmod(root, 0o755)
    static = root / "var" / "static"
    static.mkdir(parents=True)
    (static / "probe.txt").write_text("served by nginx\n", encoding="utf-8")
    app_port, proxy_port = free_port(), free_port()
    env = app_env(
        root,
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        JIANBAO_MAX_REQUEST_BYTES=str(MAX_BODY),
    )
    site_conf = render_site(root, env, proxy_port, [app_port])
    proxy = start_nginx(root, site_conf)
    app = start_gunicorn(root, env, app_port)
    gunicorn_log = root / "gunicorn.log"
    try:
        wait_for_port(app_port, app, gunicorn_log)
        wait_for_port(proxy_port, proxy, root / "error.log")
        assert status_of(get(app_port, "/robots.txt", timeout=30)) == 200
        yield {"app": app_port, "proxy": proxy_port, "root": root, "site_conf": site_conf}
    finally:
        for process in (proxy, app):
            process.terminate()
        for process in (proxy, app):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def slow_clients(port: int, count: int = SLOW_CLIENTS):
    """``count`` connections sending a request a byte every 0.2 s: half of them the
    headers, half (after whole headers) a body. Yields the sockets while they dribble."""
    sockets = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            # A login form the app reads at once: a CSRF cookie and the same token in a
            # header pass the CSRF check without the body, then the form waits for it.
            token = secrets.token_hex(16)
            head = [
                "POST /accounts/login/ HTTP/1.1",
                "Host: 127.0.0.1",
                f"Cookie: csrftoken={token}",
                f"X-CSRFToken: {token}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {MAX_BODY // 2}",
            ]
            s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sockets.append(s)
    stop = threading.Event()

    def dribble():
        while not stop.is_set():
            for i, s in enumerate(sockets):
                with suppress(OSError):
                    s.send(b"q" if i % 2 else b"X")  # a body byte, or a header byte
            stop.wait(0.2)

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # every one of them connected, and the server reading
        yield sockets
    finally:
        stop.set()
        thread.join()
        for s in sockets:
            s.close()


def still_waiting(s: socket.socket) -> bool:
    """No answer yet and the connection open: the slow client still holds its place."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def test_slow_clients_do_not_stop_the_site_behind_nginx(site):
    with slow_clients(site["proxy"]) as sockets:
        answer = get(site["proxy"], "/robots.txt")
        assert status_of(answer) == 200
        assert b"Sitemap:" in answer
        # …and the slow clients were all still there, mid-request, all along.
        assert all(still_waiting(s) for s in sockets)
        # The same through nginx a few more times: gunicorn's one worker stays free.
        for _ in range(3):
            assert status_of(get(site["proxy"], "/robots.txt")) == 200


def test_the_same_slow_clients_stop_gunicorn_alone(site):
    # The contrast: the single sync worker is busy reading the first slow request.
    with slow_clients(site["app"]):
        assert get(site["app"], "/robots.txt", timeout=3.0) is None
    # Once they are gone, it answers again.
    assert status_of(get(site["app"], "/robots.txt", timeout=30)) == 200


def _post(port: int, size: int) -> bytes | None:
    head = (
        f"POST /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n"
    )
    return request(port, head.encode() + b"x" * size, timeout=10)


def test_nginx_refuses_bodies_over_the_apps_limit_and_passes_the_rest(site):
    assert f"client_max_body_size {MAX_BODY};" in site["site_conf"].read_text()
    assert status_of(_post(site["proxy"], MAX_BODY + 1)) == 413
    # At the limit it reaches the app, which answers robots.txt to GET only.
    assert status_of(_post(site["proxy"], MAX_BODY)) not in (413, None)


def test_static_files_come_from_nginx_not_from_the_app(site):
    answer = get(site["proxy"], "/static/probe.txt")
    assert status_of(answer) == 200
    assert answer.endswith(b"served by nginx\n")
    access = (site["root"] / "gunicorn-access.log").read_text()
    assert "/static/probe.txt" not in access
    assert "/robots.txt" in access  # the log is written, so its silence means something
    assert status_of(get(site["proxy"], "/media/anything.pdf")) == 404


def test_nginx_sets_the_forwarded_scheme_itself(site):
    # A client that claims https over plain http: nginx replaces the claim, so Django
    # does not take the request for a secure one (no HSTS header is sent over http).
    spoofed = "X-Forwarded-Proto: https"
    through_nginx = get(site["proxy"], "/robots.txt", spoofed)
    assert "strict-transport-security" not in header_block(through_nginx).lower()
    # Gunicorn itself, asked directly, believes the header: why it must listen on loopback.
    direct = get(site["app"], "/robots.txt", spoofed)
    assert "strict-transport-security: max-age=31536000" in header_block(direct).lower()
    assert "content-security-policy" in header_block(through_nginx).lower()


def _main_conf(root: Path, site_conf: Path) -> Path:
    conf = root / "nginx.conf"
    conf.write_text(
        f"pid {root}/nginx.pid;\nerror_log {root}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {site_conf}; }}\n",
        encoding="utf-8",
    )
    return conf


def test_the_tls_configuration_is_valid_nginx(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=jianbao.example.org", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site_conf = tmp_path / "jianbao.conf"
    subprocess.run(
        [
            *(sys.executable, str(ROOT / "deploy" / "render_nginx.py")),
            *("--server-name", "jianbao.example.org", "--tls-cert", str(cert)),
            *("--tls-key", str(key), "-o", str(site_conf)),
        ],
        check=True,
        timeout=60,
    )
    text = site_conf.read_text()
    assert "return 301 https://$host$request_uri;" in text
    assert "listen 443 ssl;" in text
    checked = subprocess.run(
        [
            *(NGINX, "-t", "-p", str(tmp_path), "-c", str(_main_conf(tmp_path, site_conf))),
            *("-e", str(tmp_path / "error.log")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


@pytest.mark.parametrize("bad", ["a.example.org; include /etc/passwd", "x{", "$host", "a b"])
def test_the_renderer_refuses_values_that_would_change_the_configuration(tmp_path, bad):
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "render_nginx.py"), "--server-name", bad],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "render_nginx" in result.stderr
    assert result.stdout == ""
