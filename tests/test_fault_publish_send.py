"""Killing the web server and the worker during a publish and during a send loses nothing.

Real processes against one database (SQLite file, or a fresh PostgreSQL
database when DATABASE_URL names a server): gunicorn serves the desk, a
signer publishes through it (POST to the transition URL, as the 发布 button
does), `jianbao worker` sends through an aiosmtpd sink in this process.
Both are SIGKILLed while the publish request is in flight and again part
way through the send, then started again; the signer presses 发布 again,
as anyone would who saw no answer.  In the end every recipient has exactly
one mail, the issue was published once with one history row, and no
delivery is left "sending".
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

from tests.mailservers import SmtpSink, free_port, wait_for_port
from tests.test_worker_resilience import JIANBAO, ROOT, make_site, wait_until

pytestmark = pytest.mark.slow

RECIPIENTS = 200
PASSWORD = "fault-test-secret-1"

SETUP = f"""
from django.contrib.auth import get_user_model
from jianbao.bulletins.models import Issue
from jianbao.core.roles import grant_role
# The imported sample stands in for an issue that went through the desk up to 已签发.
Issue.objects.filter(year=2023, number=1).update(state="signed")
signer = get_user_model().objects.create_user("qianfa", password="{PASSWORD}", first_name="钱发")
grant_role(signer, "signer")
result = Issue.objects.get(year=2023, number=1).pk
"""

STATE = """
from jianbao.bulletins.models import Issue, IssueEvent
from jianbao.core.history import history_of
issue = Issue.objects.get(year=2023, number=1)
result = {
    "state": issue.state,
    "publish_events": IssueEvent.objects.filter(issue=issue, action="publish").count(),
    "publish_history": history_of(issue).filter(action__endswith=".publish").count(),
    "deliveries": issue.deliveries.count(),
    "by_state": sorted(set(issue.deliveries.values_list("state", flat=True))),
}
"""


@pytest.fixture
def site(tmp_path):
    yield from make_site(tmp_path)


class Desk:
    """A signer's browser: a session cookie and the CSRF token, over plain HTTP."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body)
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, page = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 200 and any(c.name == "sessionid" for c in self.jar), page[:2000]


class Processes:
    """gunicorn and `jianbao worker`, each in its own process group, to kill whole."""

    def __init__(self, site, sink: SmtpSink, port: int):
        self.site, self.sink, self.port = site, sink, port
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.started: list[subprocess.Popen] = []
        self.log = open(site.tmp / "processes.log", "ab")  # noqa: SIM115

    def _start(self, argv: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            argv,
            env={**self.site.env, **self.sink.email_env()},
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def start(self) -> None:
        assert not _listening(self.port), "start() twice without a kill"
        self.web = self._start(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "jianbao.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
            ]
        )
        self.worker = self._start([*JIANBAO, "worker", "--interval", "0.1"])
        wait_for_port(self.port, timeout=60)

    def kill(self) -> None:
        """SIGKILL to everything: no chance to tidy up, as in a power cut of the processes."""
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        # gunicorn's workers are in the master's group; make sure the port is free again.
        assert wait_until(lambda: not _listening(self.port), timeout=20)

    def log_text(self) -> str:
        return (self.site.tmp / "processes.log").read_text(errors="replace")[-4000:]


def issue_state(site, issue_id: int) -> str:
    """Read straight from the database, fast enough to catch the commit as it lands."""
    if site.vendor == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(site.sqlite_path, timeout=10)) as db:
            row = db.execute("SELECT state FROM bulletins_issue WHERE id = ?", [issue_id])
            return row.fetchone()[0]
    import psycopg

    with psycopg.connect(site.url) as db:
        row = db.execute("SELECT state FROM bulletins_issue WHERE id = %s", [issue_id])
        return row.fetchone()[0]


def press_publish_and_kill(desk, transition: str, processes, *, when) -> None:
    """POST 发布 and, while it is in flight, SIGKILL the web server and the worker."""

    def press():
        # OSError: the server died under the request, no answer.
        with contextlib.suppress(OSError):
            desk.post(transition, {"action": "publish", "comment": ""})

    pressing = threading.Thread(target=press)
    pressing.start()
    when()
    processes.kill()
    pressing.join(60)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_killing_web_server_and_worker_during_publish_and_send_loses_nothing_sends_nothing_twice(
    site,
):
    issue_id = site.query(SETUP)
    site.add_recipients(RECIPIENTS // 2, "报", prefix="bao")
    site.add_recipients(RECIPIENTS - RECIPIENTS // 2, "送", prefix="song")
    addresses = {f"bao{i}@example.org" for i in range(RECIPIENTS // 2)} | {
        f"song{i}@example.org" for i in range(RECIPIENTS - RECIPIENTS // 2)
    }
    transition = f"/desk/issues/{issue_id}/transition/"
    port = free_port()

    with SmtpSink() as sink:
        processes = Processes(site, sink, port)
        try:
            processes.start()
            desk = Desk(port)
            desk.login("qianfa", PASSWORD)

            # 1. Kill both while the publish request is in flight, early in it.
            press_publish_and_kill(desk, transition, processes, when=lambda: time.sleep(0.05))
            after_kill = site.query(STATE)
            # Whichever side of the commit the kill fell, the publish is all or nothing.
            assert (after_kill["state"], after_kill["publish_events"] > 0) in (
                ("signed", False),
                ("published", True),
            ), after_kill
            assert after_kill["deliveries"] in (0, RECIPIENTS), after_kill
            assert (after_kill["state"] == "published") == (after_kill["deliveries"] > 0)

            # 2. Started again; the signer, having seen no answer, presses 发布 again, and
            # both are killed the moment the publish has committed: before the answer, and
            # most likely before the send task was enqueued after the commit.
            processes.start()
            if after_kill["state"] == "signed":
                press_publish_and_kill(
                    desk,
                    transition,
                    processes,
                    when=lambda: wait_until(lambda: issue_state(site, issue_id) == "published"),
                )
                processes.start()
            after_commit = site.query(STATE)
            assert after_commit["state"] == "published"
            assert after_commit["publish_events"] + after_commit["publish_history"] >= 1
            assert after_commit["deliveries"] == RECIPIENTS

            # Once more, as the signer still saw no answer: refused, nothing doubles.
            status, page = desk.post(transition, {"action": "publish", "comment": ""})
            assert status == 200 and "不能“发布”" in page
            assert site.query(STATE)["deliveries"] == RECIPIENTS

            # 3. Kill both again part way through the send.
            assert wait_until(lambda: len(sink.messages) >= 40, timeout=120), processes.log_text()
            processes.kill()
            killed_at = len(sink.messages)
            assert killed_at < RECIPIENTS, "the kill came too late to test anything"

            # 4. Started again: the rest goes out, and the desk answers.
            processes.start()
            assert wait_until(lambda: len(sink.messages) >= RECIPIENTS, timeout=180), (
                processes.log_text()
            )
            time.sleep(1)  # a second copy would arrive now
            status, page = desk.get(f"/desk/deliveries/{issue_id}/")
            assert status == 200 and f"已发送 {RECIPIENTS} / {RECIPIENTS}" in page
        finally:
            processes.kill()
        counts = sink.handler.per_recipient()

    assert {address: counts[address] for address in addresses} == dict.fromkeys(addresses, 1)
    assert set(counts) == addresses  # nobody else was mailed
    final = site.query(STATE)
    assert final["state"] == "published"
    # Exactly one history row for the publish, in whichever history the desk writes it.
    assert (final["publish_events"], final["publish_history"]) in ((1, 0), (0, 1), (1, 1))
    assert final["deliveries"] == RECIPIENTS
    assert final["by_state"] == ["sent"]
    # Every mail carries the Message-ID recorded for its delivery, once.
    assert len({m.message["Message-ID"] for m in sink.messages}) == RECIPIENTS
