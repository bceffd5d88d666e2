"""The command-line contract that other systems and later checks rely on."""

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing

import pytest

from tests.conftest import FIXTURE, ROOT

pytestmark = pytest.mark.django_db


def test_import_then_export_json_has_the_documented_shape(cli):
    assert cli("import", "-q", str(FIXTURE)).status == 0
    result = cli("export", "2023-1", "--format", "json")
    assert result.status == 0
    data = json.loads(result.stdout)
    for key in (
        "series",
        "office",
        "year",
        "number",
        "running_number",
        "date",
        "sections",
        "distribution",
        "editor",
        "reviewer",
        "signer",
        "contacts",
    ):
        assert key in data
    assert (data["year"], data["number"], data["running_number"]) == (2023, 1, 66)
    assert data["date"] == "2023-03-20"
    assert set(data["distribution"]) == {"报", "送"}
    section = data["sections"][1]
    assert set(section) >= {"title", "toc_title", "articles"}
    article = section["articles"][0]
    assert set(article) >= {"title", "toc_title", "credit", "contributors", "blocks"}
    assert article["credit"] == "联盟协发网秘书处和联盟试点工作组供稿"
    assert article["blocks"][0]["type"] == "paragraph"
    assert {b["type"] for a in data["sections"][0]["articles"] for b in a["blocks"]} == {
        "paragraph",
        "heading",
    }


def test_export_by_running_number_and_as_markdown(cli, tmp_path):
    cli("import", "-q", str(FIXTURE))
    out = tmp_path / "66.md"
    assert cli("export", "66", "--format", "md", "-o", str(out)).status == 0
    assert out.read_text(encoding="utf-8").startswith("# 产业技术创新战略联盟试点工作\n")


def test_issues_json_lists_year_number_running_number_date_state(cli):
    cli("import", "-q", str(FIXTURE))
    [issue] = json.loads(cli("issues", "--format", "json").stdout)
    assert {k: issue[k] for k in ("year", "number", "running_number", "date", "state")} == {
        "year": 2023,
        "number": 1,
        "running_number": 66,
        "date": "2023-03-20",
        "state": "published",
    }


def test_alliances_json_lists_short_names(cli):
    cli("import", "-q", str(FIXTURE))
    rows = {r["name"]: r for r in json.loads(cli("alliances", "--format", "json").stdout)}
    assert rows["粉末冶金产业技术创新战略联盟"]["short_names"] == ["粉末冶金联盟"]
    assert rows["粉末冶金产业技术创新战略联盟"]["articles"] == 1


def test_import_reports_repairs_with_line_numbers(cli):
    result = cli("import", str(FIXTURE))
    assert result.status == 0
    assert f"{FIXTURE}:184: 警告：删除了内嵌标签" in result.stderr


def test_second_import_says_so_and_changes_nothing(cli, database_fingerprint):
    cli("import", "-q", str(FIXTURE))
    before = database_fingerprint()
    result = cli("import", "-q", str(FIXTURE))
    assert result.status == 0 and "已在归档中" in result.stdout
    assert database_fingerprint() == before


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("empty.txt", lambda p: write(p, "empty.txt", b""), "文件是空的"),
        ("binary.txt", lambda p: write(p, "binary.txt", bytes(range(256)) * 8), "不是文本"),
        ("picture.txt", lambda p: write(p, "picture.txt", PNG), "PNG"),
        (
            "notice.txt",
            lambda p: write(p, "notice.txt", "关于召开会议的通知\n\n各单位：\n".encode()),
            "没有找到报头",
        ),
        ("huge.txt", None, "文件过大"),
        ("missing.txt", lambda p: p / "missing.txt", "无法打开"),
    ],
)
def test_bad_input_gives_one_line_and_leaves_the_database_alone(
    cli, tmp_path, database_fingerprint, name, make, reason
):
    cli("import", "-q", str(FIXTURE))
    if make is None:
        path = tmp_path / name
        with open(path, "wb") as fh:
            fh.truncate(100 * 1024 * 1024)
    else:
        path = make(tmp_path)
    before = database_fingerprint()
    result = cli("import", str(path))
    assert result.status != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and reason in lines[0]
    assert "Traceback" not in result.stderr
    assert database_fingerprint() == before


def test_unknown_issue_is_one_line_and_exit_2(cli):
    result = cli("export", "1999-9")
    assert result.status == 2
    assert result.stderr.strip() == "jianbao export：归档中没有 1999-9 这一期"


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="file-level check of the embedded SQLite database",
)
def test_console_script_leaves_the_sqlite_file_byte_for_byte(tmp_path):
    """The real console script, in its own process, on a real SQLite file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    jianbao = shutil.which("jianbao", path=str(ROOT / ".venv" / "bin")) or "jianbao"

    def run(*args):
        return subprocess.run(
            [jianbao, *args], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=120
        )

    assert run("migrate", "-v0").returncode == 0
    assert run("import", "-q", str(FIXTURE)).returncode == 0
    db = tmp_path / "db.sqlite3"
    # Fold the WAL into the main file, so the file alone holds every byte.
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    (tmp_path / "bad.txt").write_bytes(PNG)
    result = run("import", str(tmp_path / "bad.txt"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "PNG" in result.stderr
    assert db.read_bytes() == before
    assert json.loads(run("issues", "--format", "json").stdout)[0]["running_number"] == 66


def test_bootstrap_imports_the_sample_once_and_creates_accounts_once(cli):
    first = cli("bootstrap", "--demo-team")
    assert first.status == 0
    assert "已导入样刊 2023年第1期（总第66期）" in first.stdout
    assert first.stdout.count("密码：") == 5
    second = cli("bootstrap", "--demo-team")
    assert second.status == 0 and second.stdout == ""
    from django.contrib.auth import get_user_model

    from jianbao.core.roles import has_role
    from jianbao.network.selectors import alliances_of

    alliance_user = get_user_model().objects.get(username="alliance")
    assert has_role(alliance_user, "submitter") and alliances_of(alliance_user).exists()
