"""Killing the worker mid-send: every recipient still gets exactly one mail.

The whole scenario runs in real processes against a temp SQLite file: the
`jianbao` commands set it up, `jianbao worker` sends through an aiosmtpd sink
in this process, and the test kills the worker (SIGKILL, then SIGTERM) part
way through a 500-recipient send and starts it again.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mailservers import SmtpSink

ROOT = Path(__file__).resolve().parent.parent
JIANBAO = [sys.executable, "-m", "jianbao"]
RECIPIENTS = 500

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path):
    """Environment for subprocesses sharing one SQLite file, migrated, with the sample issue."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jianbao.sqlite3'}",
        "JIANBAO_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "jianbao.settings",
    }

    def run(*args, check=True, **kwargs):
        result = subprocess.run(
            [*JIANBAO, *args], env=env, cwd=ROOT, capture_output=True, text=True, **kwargs
        )
        if check and result.returncode != 0:
            raise AssertionError(f"jianbao {' '.join(args)}: {result.stderr}")
        return result

    run("migrate", "--noinput")
    run("import", str(ROOT / "samples" / "2023-01.md"))
    rows = "".join(f"单位{i},联系人{i},person{i}@example.org\n" for i in range(RECIPIENTS))
    (tmp_path / "list.csv").write_text("单位,姓名,邮箱\n" + rows, encoding="utf-8")
    run("recipients", "import", str(tmp_path / "list.csv"), "--list", "送")
    return env, run, tmp_path


def start_worker(env, sink, log):
    return subprocess.Popen(
        [*JIANBAO, "worker", "--interval", "0.1"],
        env={**env, **sink.email_env()},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def wait_until(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_killed_worker_restarts_and_every_recipient_gets_exactly_one_mail(site):
    env, run, tmp_path = site
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    with SmtpSink() as sink:
        run("send", "2023-1")
        worker = start_worker(env, sink, log)
        try:
            assert wait_until(lambda: len(sink.messages) >= 120), "the worker sent nothing"
            worker.send_signal(signal.SIGKILL)  # no chance to tidy up
            worker.wait(10)
            killed_at = len(sink.messages)
            assert killed_at < RECIPIENTS, "the kill came too late to test anything"

            worker = start_worker(env, sink, log)
            assert wait_until(lambda: len(sink.messages) >= killed_at + 120)
            worker.send_signal(signal.SIGTERM)  # graceful: stops between two mails
            worker.wait(20)

            worker = start_worker(env, sink, log)
            assert wait_until(lambda: len(sink.messages) >= RECIPIENTS), (
                tmp_path / "worker.log"
            ).read_text(errors="replace")[-3000:]
            time.sleep(0.5)  # anything extra would arrive now
        finally:
            worker.kill()
            worker.wait(10)
        counts = sink.handler.per_recipient()

    assert len(counts) == RECIPIENTS
    duplicates = {address: n for address, n in counts.items() if n != 1}
    assert duplicates == {}
    rows = json.loads(run("deliveries", "2023-1", "--format", "json").stdout)
    assert len(rows) == RECIPIENTS
    assert {row["state"] for row in rows} == {"sent"}
    # Every mail's Message-ID is the one recorded for its delivery.
    assert len({m.message["Message-ID"] for m in sink.messages}) == RECIPIENTS
