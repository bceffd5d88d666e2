"""The worker and the web server outlive a held database lock, a lost database and each other.

Real processes only: `jianbao worker`, `scripts/serve` (gunicorn), a second
process that holds SQLite's write lock (BEGIN IMMEDIATE) or, on PostgreSQL,
refuses and cuts every connection to the site's database; mail goes to an
aiosmtpd sink on loopback.  The site's database is a fresh SQLite file, or a
fresh database on the PostgreSQL server of DATABASE_URL when that is one
(`scripts/pg-test-server run pytest …`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mailservers import SmtpSink, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
JIANBAO = [sys.executable, "-m", "jianbao"]

pytestmark = pytest.mark.slow


# --- A site in real processes (shared with the delivery and fault tests) -----------------


@dataclass
class Site:
    env: dict
    url: str
    tmp: Path

    @property
    def vendor(self) -> str:
        return "postgresql" if self.url.startswith("postgres") else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*JIANBAO, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, **kwargs
        )
        if check and result.returncode != 0:
            raise AssertionError(f"jianbao {' '.join(args)}: {result.stderr}")
        return result

    def django(self, code: str) -> str:
        """Run Python with Django set up against the site's database; its stdout."""
        script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
        result = subprocess.run(
            [sys.executable, "-c", script], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise AssertionError(f"python: {result.stderr[-3000:]}")
        return result.stdout

    def query(self, code: str):
        """``code`` sets ``result``; it comes back through JSON."""
        out = self.django(code + "\nimport json\nprint(json.dumps(result, ensure_ascii=False))\n")
        return json.loads(out.strip().splitlines()[-1])

    def add_recipients(self, count: int, kind: str = "送", prefix: str = "person") -> None:
        rows = "".join(f"单位{i},联系人{i},{prefix}{i}@example.org\n" for i in range(count))
        path = self.tmp / f"{prefix}.csv"
        path.write_text("单位,姓名,邮箱\n" + rows, encoding="utf-8")
        self.run("recipients", "import", str(path), "--list", kind)

    def deliveries(self, issue: str = "2023-1") -> list[dict]:
        return json.loads(self.run("deliveries", issue, "--format", "json").stdout)


def _postgres_database(base_url: str):
    """A new, empty database on the server of ``base_url``; dropped by the finaliser."""
    import psycopg

    name = f"jianbao_proc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return base_url.rsplit("/", 1)[0] + "/" + name, drop


@pytest.fixture
def site(tmp_path):
    yield from make_site(tmp_path)


def make_site(tmp_path: Path):
    """A migrated site (sample issue 2023-1 imported) for subprocesses to share."""
    base = os.environ.get("DATABASE_URL", "")
    drop = None
    if base.startswith("postgres"):
        url, drop = _postgres_database(base)
    else:
        url = f"sqlite:///{tmp_path / 'jianbao.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JIANBAO_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "jianbao.settings",
        "PYTHONUNBUFFERED": "1",
    }
    site = Site(env=env, url=url, tmp=tmp_path)
    try:
        site.run("migrate", "--noinput")
        site.run("import", str(ROOT / "samples" / "2023-01.md"))
        yield site
    finally:
        if drop is not None:
            drop()


def wait_until(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def start_worker(site: Site, sink: SmtpSink, log_name: str = "worker.log", **env):
    log = open(site.tmp / log_name, "ab")  # noqa: SIM115 (the child holds it)
    return subprocess.Popen(
        [*JIANBAO, "worker", "--interval", "0.1"],
        env={**site.env, **sink.email_env(), **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def log_text(site: Site, name: str = "worker.log") -> str:
    path = site.tmp / name
    return path.read_text(errors="replace") if path.exists() else ""


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)


# --- Holding the database away from the worker ------------------------------------------

SQLITE_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")  # SQLite's write lock, as a long import would hold it
print("held", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""

POSTGRES_OUTAGE = """
import sys, time
import psycopg
base, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
with psycopg.connect(base, autocommit=True) as admin:
    # As a restarting server would: no new connections, the open ones cut.
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
    admin.execute(kill, [name])
    print("held", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        admin.execute(kill, [name])
        time.sleep(0.2)
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
"""


def hold_database(site: Site, seconds: float) -> subprocess.Popen:
    """Another process keeps the database from the site for ``seconds``; returns once it does."""
    if site.vendor == "sqlite":
        args = ["-c", SQLITE_LOCK, str(site.sqlite_path), str(seconds)]
    else:
        base = os.environ["DATABASE_URL"]
        args = ["-c", POSTGRES_OUTAGE, base, site.url.rsplit("/", 1)[1], str(seconds)]
    holder = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held", holder.stderr.read()
    return holder


def test_the_worker_waits_out_a_held_write_lock_and_finishes_its_task(site):
    """The issue's finding: another process holds the write lock for 12 s."""
    recipients = 30
    site.add_recipients(recipients)
    with SmtpSink() as sink:
        # Slow sending, so that the second lock falls in the middle of the batch.
        worker = start_worker(site, sink, JIANBAO_SEND_RATE="8")
        try:
            time.sleep(2)  # past its start-up: polling for tasks

            # 1. Idle: the lock outlasts SQLite's 5 s busy timeout twice over.
            holder = hold_database(site, 12)
            while holder.poll() is None:
                assert worker.poll() is None, "the worker died of the lock:\n" + log_text(site)
                time.sleep(0.2)
            assert holder.returncode == 0, holder.stderr.read()

            # 2. Busy: the lock comes mid-send; the send goes on after it.
            site.run("send", "2023-1")
            assert wait_until(lambda: len(sink.messages) >= 5), log_text(site)
            holder = hold_database(site, 8)
            during = len(sink.messages)
            holder.wait(30)
            assert during < recipients, "the lock came too late to test anything"
            assert worker.poll() is None, "the worker died of the lock:\n" + log_text(site)
            assert wait_until(lambda: len(sink.messages) >= recipients), log_text(site)
            time.sleep(0.5)  # a second copy would arrive now
            assert worker.poll() is None
        finally:
            stop(worker)
        counts = sink.handler.per_recipient()

    assert sorted(counts.values()) == [1] * recipients
    assert {row["state"] for row in site.deliveries()} == {"sent"}
    log = log_text(site)
    assert "数据库暂时不可用" in log and "数据库已恢复" in log, log
    assert "Traceback" not in log, log


# --- scripts/serve: the web server never depends on the worker ---------------------------


def children(pid: int) -> list[tuple[int, str]]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields follow the last ")".
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append((int(proc.name), cmdline))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def worker_of(serve: subprocess.Popen) -> int | None:
    pids = [pid for pid, cmd in children(serve.pid) if "jianbao worker" in cmd]
    return pids[0] if pids else None


def get(port: int, path: str = "/") -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        return response.status


def test_serve_restarts_a_dead_worker_and_the_site_stays_up(site):
    port = free_port()
    log = open(site.tmp / "serve.log", "wb")  # noqa: SIM115
    serve = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        env={**site.env, "BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, to clean up whatever happens
    )
    try:
        wait_for_port(port, timeout=30)
        assert get(port) == 200
        assert wait_until(lambda: worker_of(serve) is not None, timeout=10)
        web = [pid for pid, cmd in children(serve.pid) if "gunicorn" in cmd]
        assert len(web) == 1
        everything = {web[0], *(pid for pid, _ in children(web[0]))}

        first = worker_of(serve)
        os.kill(first, signal.SIGKILL)
        assert wait_until(lambda: worker_of(serve) not in (None, first), timeout=20), (
            site.tmp / "serve.log"
        ).read_text()
        assert serve.poll() is None
        assert get(port) == 200  # the web server never noticed
        assert alive(web[0])

        # Killed again at once: started again, after a longer pause, not in a hot loop.
        second = worker_of(serve)
        os.kill(second, signal.SIGKILL)
        assert wait_until(lambda: worker_of(serve) not in (None, second), timeout=20)
        third = worker_of(serve)
        time.sleep(1)
        assert worker_of(serve) == third and alive(third)
        assert get(port) == 200
        everything |= {third}

        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
        assert wait_until(lambda: not any(alive(pid) for pid in everything), timeout=20)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(10)
    output = (site.tmp / "serve.log").read_text(errors="replace")
    assert output.count("后台进程已退出") == 2, output
    assert "1 秒后重新启动" in output and "2 秒后重新启动" in output, output
    with pytest.raises(OSError):
        get(port)


def test_serve_ends_when_the_web_server_ends_and_takes_the_worker_along(site):
    port = free_port()
    serve = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        env={**site.env, "BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=30)
        assert wait_until(lambda: worker_of(serve) is not None, timeout=10)
        worker = worker_of(serve)
        (web,) = [pid for pid, cmd in children(serve.pid) if "gunicorn" in cmd]
        os.kill(web, signal.SIGKILL)
        assert serve.wait(30) != 0
        assert wait_until(lambda: not alive(worker), timeout=20)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(10)
