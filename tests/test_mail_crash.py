"""Killing `jianbao fetch-mail` mid-batch: no message lost, none stored twice.

Real processes against a temp SQLite file and a throwaway dovecot: the fetch
is SIGKILLed once some submissions have committed, then run again.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mailservers import DOVECOT, Dovecot
from tests.test_mail_intake import mail

ROOT = Path(__file__).resolve().parent.parent
JIANBAO = [sys.executable, "-m", "jianbao"]
MESSAGES = 30

pytestmark = pytest.mark.slow


@pytest.fixture
def dovecot():
    if not DOVECOT.exists():
        pytest.skip("dovecot-imapd 未安装（make test 会安装）：跳过 IMAP 测试")
    server = Dovecot().start()
    yield server
    server.stop()


def submissions(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute("SELECT message_id, title FROM submissions_submission").fetchall()


def test_a_killed_fetch_loses_nothing_and_stores_nothing_twice(dovecot, tmp_path):
    database = tmp_path / "jianbao.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "JIANBAO_VAR_DIR": str(tmp_path / "var"),
        "IMAP_URL": dovecot.url,
    }
    subprocess.run(
        [*JIANBAO, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    scan = b"%PDF-1.4\n" + os.urandom(600_000)  # slows each message a little
    dovecot.append(
        *(
            mail(
                subject=f"第{i}封",
                message_id=f"<crash-{i}@alliance.example>",
                body="正文",
                attachments=[("扫描件.pdf", scan, ("application", "pdf"))],
            )
            for i in range(MESSAGES)
        )
    )

    fetch = subprocess.Popen(
        [*JIANBAO, "fetch-mail"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and fetch.poll() is None:
        if database.exists() and len(submissions(database)) >= 5:
            break
        time.sleep(0.01)
    fetch.send_signal(signal.SIGKILL)
    fetch.wait(10)
    stored_before = len(submissions(database))
    assert 5 <= stored_before < MESSAGES, "the kill did not land mid-batch"
    assert dovecot.unseen_count() >= MESSAGES - stored_before

    again = subprocess.run(
        [*JIANBAO, "fetch-mail"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    rows = submissions(database)
    assert sorted(title for _id, title in rows) == sorted(f"第{i}封" for i in range(MESSAGES))
    assert len({message_id for message_id, _title in rows}) == MESSAGES
    assert dovecot.unseen_count() == 0
