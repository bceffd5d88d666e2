"""The Redis switch: JIANBAO_TASKS=rq and REDIS_URL move the queue to RQ workers.

Runs `jianbao send` and `jianbao worker --batch` as real processes against
Debian's redis-server on a free loopback port and a temp SQLite file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mailservers import REDIS_SERVER, RedisServer, SmtpSink

ROOT = Path(__file__).resolve().parent.parent
JIANBAO = [sys.executable, "-m", "jianbao"]


@pytest.fixture
def redis():
    if not REDIS_SERVER.exists():
        pytest.skip("redis-server 未安装（make test 会安装）：跳过 RQ 后端测试")
    server = RedisServer().start()
    yield server
    server.stop()


def test_rq_workers_send_an_issue_to_every_recipient_once(redis, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jianbao.sqlite3'}",
        "JIANBAO_VAR_DIR": str(tmp_path / "var"),
        "JIANBAO_TASKS": "rq",
        "REDIS_URL": redis.url,
    }

    def run(*args):
        result = subprocess.run(
            [*JIANBAO, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"jianbao {' '.join(args)}: {result.stderr[-2000:]}"
        return result

    with SmtpSink() as sink:
        env.update(sink.email_env())
        run("migrate", "--noinput")
        run("import", str(ROOT / "samples" / "2023-01.md"))
        rows = "".join(f"单位{i},联系人{i},rq{i}@example.org\n" for i in range(20))
        (tmp_path / "list.csv").write_text("单位,姓名,邮箱\n" + rows, encoding="utf-8")
        run("recipients", "import", str(tmp_path / "list.csv"), "--list", "报")
        run("send", "2023-1")
        assert len(sink.messages) == 0  # queued in Redis, not sent by `send`
        run("worker", "--batch")
        run("send", "2023-1")  # nothing new to queue
        run("worker", "--batch")
        counts = sink.handler.per_recipient()
    assert len(counts) == 20 and set(counts.values()) == {1}
    rows = json.loads(run("deliveries", "2023-1", "--format", "json").stdout)
    assert {row["state"] for row in rows} == {"sent"}
