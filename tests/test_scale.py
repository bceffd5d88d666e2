"""The pieces of a larger deployment, run together on loopback and knocked about.

Debian's nginx in front of two gunicorn instances, two `jianbao worker`
processes on Redis (RQ), PostgreSQL (a database of its own on the test server),
a shared media folder and a shared cache (Redis). Readers read and search
through nginx all along while an issue is published and sent to 2,000
recipients; midway one app server and the worker that is sending are killed
(SIGKILL, their whole process groups). Then:

* every recipient has exactly one mail, and every delivery is marked sent;
* readers saw no 5xx: nginx sent the killed server's requests to the other;
* search answered through the whole run: before the publish, during the send
  and after the kill, every search request with a page of results;
* the published issue showed on every app server within 1 s of its commit.

The figures (mails/s, reader p95, 5xx, visibility) are printed. Runs in the
PostgreSQL pass of `make test` (the SQLite pass leaves the `scale` mark out).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.mailservers import REDIS_SERVER, RedisServer, SmtpSink, free_port, wait_for_port
from tests.stack import JIANBAO, app_env, jianbao, render_site, start_gunicorn, start_nginx

pytestmark = [pytest.mark.scale, pytest.mark.slow]

RECIPIENTS = 2000
APP_SERVERS = 2
WORKERS = 2
READERS = 4
THINK = 0.05  # seconds between two requests of a reader: bounded load
READS = ["/", "/issues/", "/issues/2023-1/", "/search/?q=联盟", "/search/?q=科技部", "/feed.atom"]
SEARCHES = [path for path in READS if path.startswith("/search/")]
NEW_ISSUE = "/issues/2026-1/"

# Made before the stack starts: issue 2026年第1期 through 编辑 → 审核 → 签发, with
# the demo team `jianbao bootstrap --demo-team` made.
SIGNED_ISSUE = """
from django.contrib.auth import get_user_model
from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Series
from jianbao.bulletins.workflow import Action
users = {u.username: u for u in get_user_model().objects.all()}
series = Series.objects.get()
issue = editing.create_issue(series, year=2026, number=1, running_number=67, by=users["editor"])
section = issue.sections.order_by("position").first()
editing.add_article(issue, section, by=users["editor"], title="规模测试的文章", body="第一段。")
issue = workflow.transition(issue, Action.SUBMIT, by=users["editor"])
issue = workflow.transition(issue, Action.APPROVE, by=users["reviewer"])
issue = workflow.transition(issue, Action.SIGN, by=users["signer"])
print(issue.pk)
"""
# The publish, as the signer's button does it; prints the wall time of its commit.
PUBLISH = """
import time
from django.contrib.auth import get_user_model
from jianbao.bulletins import workflow
from jianbao.bulletins.models import Issue
from jianbao.bulletins.workflow import Action
signer = get_user_model().objects.get(username="signer")
workflow.transition(Issue.objects.get(year=2026, number=1), Action.PUBLISH, by=signer)
print(time.time())
"""


def _database(server_url: str):
    """A database of its own on the test server, dropped afterwards."""
    import psycopg

    name = f"jianbao_scale_{os.getpid()}_{os.urandom(4).hex()}"
    parts = urllib.parse.urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        with psycopg.connect(server_url, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


class Readers:
    """Threads that read and search through nginx until stopped, each request timed."""

    def __init__(self, port: int):
        self.port = port
        self.stop = threading.Event()
        self.seen: list[tuple[float, str, int, float]] = []  # (start, path, status, seconds)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(READERS)]

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self, n: int) -> None:
        k = n
        while not self.stop.is_set():
            path = READS[k % len(READS)]
            k += 1
            started = time.time()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", urllib.parse.quote(path, safe="/?="))
                status = connection.getresponse().status
                connection.close()
            except OSError:
                status = 0  # nginx itself did not answer
            with self.lock:
                self.seen.append((started, path, status, time.time() - started))
            self.stop.wait(THINK)


def _status(port: int, path: str) -> int:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return 0


def _watch_for(port: int, path: str, found: dict, stop: threading.Event) -> None:
    """Record the wall time at which ``path`` first answers 200 on this app server."""
    while not stop.is_set():
        if _status(port, path) == 200:
            found[port] = time.time()
            return
        time.sleep(0.02)


def start_worker(root: Path, env: dict[str, str], n: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*JIANBAO, "worker"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(root / f"worker{n}.log").open("wb"),
    )


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds:g} s for {what}")


@pytest.fixture(scope="module")
def stack():
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        pytest.skip("规模测试需要 PostgreSQL：在 make test 的 PostgreSQL 一轮中运行")
    if not REDIS_SERVER.exists():
        pytest.skip("redis-server 未安装（make test 会安装）")
    root = Path(tempfile.mkdtemp(prefix="jianbao-scale-"))
    os.chmod(root, 0o755)
    database, drop = _database(server_url)
    redis = RedisServer().start()
    processes: list[subprocess.Popen] = []
    try:
        with SmtpSink(bulk=True) as sink:
            env = app_env(
                root,
                DATABASE_URL=database,
                JIANBAO_TASKS="rq",
                REDIS_URL=redis.url,
                JIANBAO_CACHE_URL=redis.url.replace("/0", "/1"),
                JIANBAO_RECOVER_INTERVAL="1",
                **sink.email_env(),
            )

            def run(*args: str) -> str:
                return jianbao(env, *args)

            run("migrate", "--noinput")
            run("collectstatic", "--noinput", "-v", "0")
            run("bootstrap", "--demo-team")  # the sample issue 2023-1 and the team
            rows = "".join(f"单位{i},联系人{i},scale{i}@example.org\n" for i in range(RECIPIENTS))
            (root / "list.csv").write_text("单位,姓名,邮箱\n" + rows, encoding="utf-8")
            run("recipients", "import", str(root / "list.csv"), "--list", "报")
            run("shell", "-c", SIGNED_ISSUE)

            apps = [free_port() for _ in range(APP_SERVERS)]
            proxy = free_port()
            servers = [
                start_gunicorn(root, env, port, workers=2, name=f"app{n}")
                for n, port in enumerate(apps)
            ]
            processes += servers
            workers = [start_worker(root, env, n) for n in range(WORKERS)]
            processes += workers
            nginx = start_nginx(root, render_site(root, env, proxy, apps))
            processes.append(nginx)
            for port in [*apps, proxy]:
                wait_for_port(port, timeout=60)
            for port in apps:
                _wait(lambda p=port: _status(p, "/") == 200, 60, f"app server {port}")
            yield {
                "root": root, "run": run, "sink": sink, "apps": apps, "proxy": proxy,
                "servers": servers, "workers": workers,
            }  # fmt: skip
    finally:
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        redis.stop()
        drop()
        subprocess.run(["rm", "-rf", str(root)], check=False)


def test_publish_and_send_to_2000_while_readers_read_and_one_of_each_server_dies(stack, capsys):
    sink, apps = stack["sink"], stack["apps"]
    with Readers(stack["proxy"]) as readers:
        time.sleep(1)  # readers under way before anything happens
        # Not shown anywhere before its publish.
        assert [_status(port, NEW_ISSUE) for port in apps] == [404] * len(apps)
        found: dict[int, float] = {}
        stop = threading.Event()
        watchers = [
            threading.Thread(target=_watch_for, args=(p, NEW_ISSUE, found, stop)) for p in apps
        ]
        for watcher in watchers:
            watcher.start()
        publish_started = time.monotonic()
        committed = float(stack["run"]("shell", "-c", PUBLISH).strip().splitlines()[-1])
        _wait(lambda: len(found) == len(apps), 10, "the issue on every app server")
        stop.set()
        for watcher in watchers:
            watcher.join(5)

        # Midway: one app server, and the worker that is sending, with its work horse.
        _wait(lambda: len(sink.messages) >= RECIPIENTS // 4, 120, "a quarter of the mails")
        busy = [w for w in stack["workers"] if _children(w.pid)]
        assert busy, "no worker was sending"
        killed_at = time.time()
        _kill_group(stack["servers"][0])
        _kill_group(busy[0])
        sent_at_kill = len(sink.messages)
        before_kill = time.monotonic() - publish_started
        assert sent_at_kill < RECIPIENTS, "the kill came too late to test anything"

        _wait(
            lambda: sum(a.startswith("scale") for a in sink.handler.per_recipient()) >= RECIPIENTS,
            180,
            "every recipient's mail after the kill",
        )
        sending_seconds = time.monotonic() - publish_started
        time.sleep(2)  # anything sent twice would arrive now
    # The desk's own notices (审核、签发 to the team) go through the same server.
    counts = {a: n for a, n in sink.handler.per_recipient().items() if a.startswith("scale")}
    assert len(counts) == RECIPIENTS
    assert {address: n for address, n in counts.items() if n != 1} == {}
    rows = json.loads(stack["run"]("deliveries", "2026-1", "--format", "json"))
    assert len(rows) == RECIPIENTS and {row["state"] for row in rows} == {"sent"}

    visible = {port: at - committed for port, at in found.items()}
    assert all(delay <= 1.0 for delay in visible.values()), visible
    seen = sorted(readers.seen)
    errors = [
        (t - killed_at, path, status) for t, path, status, _ in seen if status >= 500 or status == 0
    ]
    assert errors == []
    assert {status for _, _, status, _ in seen} <= {200, 301, 302, 304}
    # Search answered all along: before the publish, during the send, after the kill.
    searched = [(t, status) for t, path, status, _ in seen if path in SEARCHES]
    phases = {
        "before": (0, committed),
        "sending": (committed, killed_at),
        "after": (killed_at, 1e10),
    }
    answered = {
        phase: sum(1 for t, status in searched if lo <= t < hi and status == 200)
        for phase, (lo, hi) in phases.items()
    }
    assert all(n >= 5 for n in answered.values()), answered
    assert all(status == 200 for _, status in searched)
    slowest_search = max(s for _, path, _, s in seen if path in SEARCHES)
    latencies = sorted(s for *_, s in seen)
    p95 = latencies[int(len(latencies) * 0.95)]
    with capsys.disabled():
        print(
            f"\nscale: {RECIPIENTS} mails in {sending_seconds:.1f} s from the publish "
            f"({RECIPIENTS / sending_seconds:.0f} mails/s; "
            f"{sent_at_kill / before_kill:.0f} mails/s before the kill, after {sent_at_kill}); "
            f"readers: {len(seen)} requests, p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, 5xx {len(errors)}, slowest search "
            f"{slowest_search * 1000:.0f} ms; visible on the app servers after "
            + ", ".join(f"{d * 1000:.0f} ms" for d in visible.values())
        )


# Moving an office's site from SQLite to PostgreSQL, as the README tells it.
DUMP = ["dumpdata", "--natural-foreign", "--natural-primary", "-e", "contenttypes",
        "-e", "auth.permission", "-e", "sessions", "-e", "archive.searchdocument"]  # fmt: skip


def test_a_sqlite_site_moves_to_postgresql_with_dumpdata_loaddata_and_reindex(tmp_path):
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        pytest.skip("需要 PostgreSQL：在 make test 的 PostgreSQL 一轮中运行")
    database, drop = _database(server_url)
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JIANBAO_VAR_DIR")}
    base["JIANBAO_VAR_DIR"] = str(tmp_path / "var")
    sqlite = {**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'jianbao.sqlite3'}"}
    postgres = {**base, "DATABASE_URL": database}

    run = jianbao

    try:
        run(sqlite, "migrate", "--noinput")
        run(sqlite, "bootstrap", "--demo-team")
        before = [run(sqlite, "issues", "--format", "json")]
        before += [run(sqlite, "search", q, "--format", "json") for q in ("联盟", "科技部")]
        run(sqlite, *DUMP, "-o", str(tmp_path / "site.json"))

        run(postgres, "migrate", "--noinput")
        run(postgres, "loaddata", str(tmp_path / "site.json"))
        run(postgres, "reindex")
        after = [run(postgres, "issues", "--format", "json")]
        after += [run(postgres, "search", q, "--format", "json") for q in ("联盟", "科技部")]
        assert json.loads(before[0])[0]["ref"] == "2023-1"
        assert json.loads(after[0]) == json.loads(before[0])
        # The same matches; the order is each database's own ranking (archive/search).
        for moved, kept in zip(after[1:], before[1:], strict=True):
            moved, kept = json.loads(moved), json.loads(kept)
            assert moved["total"] == kept["total"] > 0
            key = lambda r: r["url"]  # noqa: E731
            assert sorted(moved["results"], key=key) == sorted(kept["results"], key=key)
        # The sequences go on after the loaded rows: a new issue takes new numbers.
        sample = (ROOT / "samples" / "2023-01.md").read_text(encoding="utf-8")
        second = tmp_path / "2023-02.md"
        second.write_text(
            sample.replace("2023年第1期（总第66期）", "2023年第2期（总第67期）"), encoding="utf-8"
        )
        run(postgres, "import", str(second))
        listed = json.loads(run(postgres, "issues", "--format", "json"))
        assert [row["ref"] for row in listed] == ["2023-2", "2023-1"]
    finally:
        drop()
