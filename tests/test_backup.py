"""`jianbao backup`, `backup --check` and `restore`, in real processes on real databases.

Each site is a database that is not the pytest test database (a SQLite file, or a
fresh database on the PostgreSQL server that scripts/pg-test-server started) and a
var dir of its own.  The sample issue is imported, deliveries queued, and a user
with roles, a submission with two attachments and history rows are added; the
snapshot is then restored into a fresh database and folder and compared.

SQLite runs always; PostgreSQL too when DATABASE_URL points at a server.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JIANBAO = [sys.executable, "-m", "jianbao"]
PG_URL = os.environ.get("DATABASE_URL", "")
PG_URL = PG_URL if PG_URL.startswith("postgres") else ""
# The SQLite pass covers SQLite; the PostgreSQL pass covers PostgreSQL (and the cross-type refusal).
VENDORS = ["postgresql"] if PG_URL else ["sqlite"]
SEARCHES = [["联盟"], ["协同发展网"], ["BIM"], ['"技术创新"', "联盟"], ["没有这个词"]]
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
SCAN = b"%PDF-1.4\n" + os.urandom(70_000)

pytestmark = pytest.mark.slow

SETUP = """
import sys
import django
django.setup()
from pathlib import Path
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from jianbao.core.history import record
from jianbao.core.models import Role, RoleGrant
from jianbao.network.models import Organisation
from jianbao.submissions.models import Attachment, Submission

# The same commands a person would run: recipients, then deliveries queued for them.
call_command("recipients", "import", sys.argv[3], "--list", "送")
call_command("send", "2023-1")
with transaction.atomic():
    users = get_user_model().objects
    editor = users.create_user("editor1", password="x-83Kq!", first_name="杨编辑")
    RoleGrant.objects.create(user=editor, role=Role.EDITOR)
    RoleGrant.objects.create(user=editor, role=Role.REVIEWER)
    alliance = Organisation.objects.order_by("pk").first()
    secretary = users.create_user("secretary", password="x-83Kq!")
    RoleGrant.objects.create(user=secretary, role=Role.SUBMITTER, alliance=alliance)
    record("core.role.grant", by=None, subject=editor, data={"role": "editor"})
    submission = Submission.objects.create(
        title="带附件的来稿", body="第一段\\n\\n第二段", alliance=alliance, submitted_by=secretary
    )
    for path, kind, content_type in [(sys.argv[1], "image", "image/png"),
                                     (sys.argv[2], "manual", "application/pdf")]:
        data = Path(path).read_bytes()
        name = Path(path).name
        attachment = Attachment(submission=submission, original_name=name,
                                content_type=content_type, size=len(data), kind=kind)
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
    record("submissions.submission.receive", by=secretary, subject=submission)
"""

# Everything a restore must give back, as one JSON document.
PROBE = """
import hashlib, io, json, sys
import django
django.setup()
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from jianbao.core.models import HistoryEvent, RoleGrant
from jianbao.submissions.models import Attachment

def command(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())

probe = {"issues": command("issues", "--format", "json"), "export": {}, "deliveries": {}}
for issue in probe["issues"]:
    key = f"{issue['year']}-{issue['number']}"
    probe["export"][key] = command("export", key, "--format", "json")
    probe["deliveries"][key] = command("deliveries", key, "--format", "json")
probe["search"] = {" ".join(terms): command("search", *terms, "--limit", "0", "--format", "json")
                   for terms in json.loads(sys.argv[1])}
probe["history"] = [repr(row) for row in HistoryEvent.objects.order_by("pk").values_list()]
probe["roles"] = sorted([grant.user.username, grant.role, str(grant.alliance or "")]
                        for grant in RoleGrant.objects.select_related("user", "alliance"))
probe["attachments"] = {
    a.original_name: hashlib.sha256(default_storage.open(a.file.name).read()).hexdigest()
    for a in Attachment.objects.all()
}
probe["rows"] = {}
for model in apps.get_models(include_auto_created=True):
    if model.__module__.startswith(("jianbao.", "django.contrib.auth", "django_tasks_db.")):
        rows = model._base_manager.order_by("pk").values_list()
        probe["rows"][model._meta.db_table] = [repr(row) for row in rows]
print(json.dumps(probe, ensure_ascii=False))
if sys.argv[2:] == ["then-write"]:
    # After the probe, so that it does not see this row.
    from jianbao.submissions.models import Submission
    print(Submission.objects.create(title="恢复后的新稿件", body="正文").pk)
"""


@dataclass
class Place:
    """One database and one var dir: where a site lives or a restore goes."""

    vendor: str
    url: str
    var: Path

    @property
    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "JIANBAO_VAR_DIR": str(self.var),
            "DJANGO_SETTINGS_MODULE": "jianbao.settings",
        }

    @property
    def media(self) -> Path:
        return self.var / "media"

    @property
    def sqlite_file(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def run(self, *args, check=True, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*JIANBAO, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, **kwargs
        )
        if check and result.returncode != 0:
            raise AssertionError(f"jianbao {' '.join(map(str, args))}: {result.stderr}")
        return result

    def python(self, code: str, *args) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code, *map(str, args)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def probe(self, *then: str) -> dict:
        out = self.python(PROBE, json.dumps(SEARCHES, ensure_ascii=False), *then)
        probe, _, written = out.partition("\n")
        return {**json.loads(probe), "written": written.strip()}

    def tables(self) -> list[str]:
        """The tables of the database; [] when there is none at all."""
        if self.vendor == "sqlite":
            if not self.sqlite_file.exists():
                return []
            with sqlite3.connect(self.sqlite_file) as db:
                return sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master"))
        with _pg(self.url) as db:
            rows = db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
            return sorted(r[0] for r in rows)


def _pg(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _pg_url(name: str) -> str:
    return f"{PG_URL.split('?', 1)[0].rsplit('/', 1)[0]}/{name}"


class Places:
    """Makes fresh places and removes their databases afterwards."""

    def __init__(self, base: Path):
        self.base = base
        self.databases: list[str] = []

    def new(self, vendor: str, *, template: Place | None = None) -> Place:
        name = f"jb_backup_{uuid.uuid4().hex[:12]}"
        var = self.base / name / "var"
        var.parent.mkdir(parents=True)
        if vendor == "sqlite":
            place = Place(vendor, f"sqlite:///{var.parent / 'jianbao.sqlite3'}", var)
            if template is not None:
                src, dst = sqlite3.connect(template.sqlite_file), sqlite3.connect(place.sqlite_file)
                src.backup(dst)
                src.close()
                dst.close()
        else:
            with _pg(PG_URL) as db:
                suffix = f" TEMPLATE {template.url.rsplit('/', 1)[1]}" if template else ""
                db.execute(f"CREATE DATABASE {name}{suffix}")
            self.databases.append(name)
            place = Place(vendor, _pg_url(name), var)
        if template is not None and template.media.exists():
            shutil.copytree(template.media, place.media)
        return place

    def drop(self) -> None:
        if self.databases:
            with _pg(PG_URL) as db:
                for name in self.databases:
                    db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    made = Places(tmp_path_factory.mktemp("backup"))
    yield made
    made.drop()


@pytest.fixture(scope="module")
def build_site(places, tmp_path_factory):
    """vendor → a site with the sample issue and everything else a restore must keep."""
    built: dict[str, Place] = {}

    def build(vendor: str) -> Place:
        if vendor in built:
            return built[vendor]
        site = places.new(vendor)
        site.run("migrate", "--noinput")
        site.run("import", str(ROOT / "samples" / "2023-01.md"))
        recipients = site.var.parent / "list.csv"
        recipients.write_text(
            "单位,姓名,邮箱\n单位甲,张三,zhang@example.org\n单位乙,李四,li@example.org\n",
            encoding="utf-8",
        )
        files = site.var.parent / "files"
        files.mkdir()
        (files / "现场照片.png").write_bytes(PICTURE)
        (files / "扫描件.pdf").write_bytes(SCAN)
        site.python(SETUP, files / "现场照片.png", files / "扫描件.pdf", recipients)
        built[vendor] = site
        return site

    return build


@pytest.fixture(params=VENDORS)
def site(request, build_site) -> Place:
    return build_site(request.param)


@pytest.fixture(scope="module")
def probes():
    """The probe of each built site, taken once."""
    return {}


def source_probe(site: Place, probes: dict) -> dict:
    if site.url not in probes:
        probes[site.url] = site.probe()
    return probes[site.url]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    """vendor → one snapshot of that vendor's site, for tests that only read it."""
    made: dict[str, Path] = {}

    def snapshot(site: Place) -> Path:
        if site.vendor not in made:
            path = tmp_path_factory.mktemp("snapshots") / f"snapshot-{site.vendor}"
            site.run("backup", str(path))
            made[site.vendor] = path
        return made[site.vendor]

    return snapshot


def attachment_files(media: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in media.rglob("*") if p.is_file()}


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- the round trip


def test_restore_into_a_fresh_place_gives_back_everything(site, places, snapshots, probes):
    snapshot = snapshots(site)
    target = places.new(site.vendor)
    restored = target.run("restore", str(snapshot))
    assert "已从" in restored.stdout

    before, after = source_probe(site, probes), target.probe("then-write")
    assert before["issues"] and before["export"]["2023-1"]["sections"][0]["articles"]
    assert after["export"] == before["export"]
    assert before["search"]["联盟"]["total"] > 0
    assert after["search"] == before["search"]
    assert len(before["deliveries"]["2023-1"]) == 2
    assert after["deliveries"] == before["deliveries"]
    assert any("core.role.grant" in row for row in before["history"])
    assert after["history"] == before["history"]
    assert ["editor1", "reviewer", ""] in before["roles"]
    assert after["roles"] == before["roles"]
    assert after["attachments"] == before["attachments"]
    # Every row of every jianbao and auth table: users, passwords, history, deliveries…
    assert after["rows"] == before["rows"]
    # The attachment bytes themselves, against what the test wrote.
    assert attachment_files(target.media) == {"现场照片.png": PICTURE, "扫描件.pdf": SCAN}
    # The restored site takes new writes: its sequences went on from where they were.
    new_id = after["written"]
    assert int(new_id) > max(
        int(row.split(",")[0].strip("(")) for row in before["rows"]["submissions_submission"]
    )


def test_the_manifest_lists_the_database_the_files_and_the_counts(site, snapshots, probes):
    snapshot = snapshots(site)
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "jianbao-backup" and manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == site.vendor
    assert "0001_initial" in manifest["migrations"]["core"]
    rows = source_probe(site, probes)["rows"]
    assert manifest["counts"]["bulletins_issue"] == len(rows["bulletins_issue"]) == 1
    assert manifest["counts"]["core_historyevent"] == len(rows["core_historyevent"])
    files = {entry["path"]: entry for entry in manifest["files"]}
    picture = next(entry for name, entry in files.items() if name.endswith("现场照片.png"))
    assert picture["size"] == len(PICTURE)
    assert picture["sha256"] == hashlib.sha256(PICTURE).hexdigest()
    assert manifest["database"]["file"] in files
    # `sha256sum -c` checks the snapshot without jianbao.
    check = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=snapshot, capture_output=True
    )
    assert check.returncode == 0, check.stdout


def test_restore_into_a_migrated_but_empty_database(site, places, snapshots, probes):
    target = places.new(site.vendor)
    target.run("migrate", "--noinput")
    target.run("restore", str(snapshots(site)))
    before, after = source_probe(site, probes), target.probe()
    assert after["rows"] == before["rows"]
    assert after["search"] == before["search"]


# -- consistency while the site writes

WRITER = """
import sys, time
import django
django.setup()
from pathlib import Path
from django.core.files.base import ContentFile
from django.db import transaction
from jianbao.core.history import record
from jianbao.submissions.models import Attachment, Submission

stop = Path(sys.argv[1])
i = 0
while not stop.exists():
    with transaction.atomic():
        submission = Submission.objects.create(title=f"并发稿件{i}", body="正文")
        data = f"附件{i};".encode() * 500
        attachment = Attachment(submission=submission, original_name=f"c{i}.txt",
                                content_type="text/plain", size=len(data), kind="text")
        attachment.file.save(f"c{i}.txt", ContentFile(data), save=False)
        attachment.save()
        record("submissions.submission.receive", by=None, subject=submission, data={"n": i})
    print(i, time.time(), flush=True)
    i += 1
    time.sleep(0.01)  # a busy site, not a bulk load: keeps the snapshot small
"""

CONCURRENT = """
import json
import django
django.setup()
from django.core.files.storage import default_storage
from jianbao.core.models import HistoryEvent
from jianbao.submissions.models import Submission

rows = {}
for s in Submission.objects.filter(title__startswith="并发稿件").prefetch_related("attachments"):
    n = int(s.title.removeprefix("并发稿件"))
    files = [default_storage.open(a.file.name).read().decode() for a in s.attachments.all()]
    rows[n] = files
history = sorted(e.data["n"] for e in HistoryEvent.objects.filter(data__has_key="n"))
print(json.dumps({"rows": rows, "history": history}, ensure_ascii=False))
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(site, places, tmp_path):
    live = places.new(site.vendor, template=site)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env=live.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        written = [writer.stdout.readline() for _ in range(10)]
        assert all(line.strip() for line in written), writer.stderr.read()
        started = time.time()
        live.run("backup", str(tmp_path / "snapshot"))
        ended = time.time()
        # The writer went on while the backup ran and after it.
        more = [writer.stdout.readline() for _ in range(5)]
        assert all(line.strip() for line in more), writer.stderr.read()
    finally:
        stop.touch()
        # Read through the same buffered pipe: communicate() would skip what readline() holds.
        out, err = writer.stdout.read(), writer.stderr.read()
        writer.wait(60)
    assert writer.returncode == 0, err  # never "database is locked"
    lines = written + more + out.splitlines()
    commits = [float(line.split()[1]) for line in lines]
    total = len(commits)
    assert any(started < at < ended for at in commits), "no write while the backup ran"

    # The copy opens and is whole (restore below verifies every checksum as well).
    if site.vendor == "sqlite":
        db = sqlite3.connect(tmp_path / "snapshot" / "database.sqlite3")
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.close()
    else:
        listing = subprocess.run(
            ["pg_restore", "--list", tmp_path / "snapshot" / "database.pgdump"],
            capture_output=True,
            text=True,
        )
        assert listing.returncode == 0 and "TABLE DATA public core_historyevent" in listing.stdout
    target = places.new(site.vendor)
    target.run("restore", str(tmp_path / "snapshot"))
    seen = json.loads(target.python(CONCURRENT))
    numbers = sorted(int(n) for n in seen["rows"])
    # One moment: the first k writes, each with its attachment and its history row.
    assert 10 <= len(numbers) < total
    assert numbers == list(range(len(numbers)))
    assert seen["history"] == numbers
    for n, files in seen["rows"].items():
        assert files == [f"附件{n};" * 500]


# -- --check: in this process (`cli`), since it reads only the snapshot's files


@pytest.fixture
def damaged(site, snapshots, tmp_path):
    """A copy of the site's snapshot to damage."""
    copy = tmp_path / "damaged"
    shutil.copytree(snapshots(site), copy)
    return copy


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_check_passes_an_intact_snapshot(cli, site, snapshots):
    result = cli("backup", "--check", str(snapshots(site)))
    assert re.match(r"快照完好：.*2 个文件", one_line(result.stdout))


def test_check_names_a_file_with_a_flipped_byte(cli, site, damaged):
    picture = next(damaged.rglob("现场照片.png"))
    flip_byte(picture, 1000)
    result = cli("backup", "--check", str(damaged))
    assert result.status == 2
    line = one_line(result.stderr)
    assert "现场照片.png" in line and "校验和不符" in line


def test_check_names_a_missing_file(cli, site, damaged):
    next(damaged.rglob("扫描件.pdf")).unlink()
    result = cli("backup", "--check", str(damaged))
    assert result.status == 2
    line = one_line(result.stderr)
    assert "扫描件.pdf" in line and "缺少" in line


def test_check_names_a_damaged_database_file(cli, site, damaged):
    database = damaged / ("database.sqlite3" if site.vendor == "sqlite" else "database.pgdump")
    flip_byte(database, database.stat().st_size // 2)
    result = cli("backup", "--check", str(damaged))
    assert result.status == 2
    assert database.name in one_line(result.stderr)


def test_check_reads_the_database_itself(cli, site, damaged):
    """A database that matches its (rewritten) checksum but cannot be read is still caught."""
    database = damaged / ("database.sqlite3" if site.vendor == "sqlite" else "database.pgdump")
    data = bytearray(database.read_bytes())
    if site.vendor == "sqlite":
        data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    else:
        data[:5] = b"XXXXX"  # the PGDMP signature
    database.write_bytes(bytes(data))
    rewrite_checksums(damaged, {database.name: bytes(data)})
    result = cli("backup", "--check", str(damaged))
    assert result.status == 2
    line = one_line(result.stderr)
    assert database.name in line
    assert ("完整性" if site.vendor == "sqlite" else "pg_restore") in line


def rewrite_checksums(snapshot: Path, changed: dict[str, bytes]) -> None:
    manifest_path = snapshot / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] in changed:
            entry["sha256"] = hashlib.sha256(changed[entry["path"]]).hexdigest()
            entry["size"] = len(changed[entry["path"]])
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    lines = [f"{hashlib.sha256(manifest_path.read_bytes()).hexdigest()}  manifest.json\n"]
    lines += [f"{e['sha256']}  {e['path']}\n" for e in manifest["files"]]
    (snapshot / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


# -- refusals


def test_restore_refuses_a_database_that_holds_data(site, snapshots, probes):
    before = source_probe(site, probes)
    result = site.run("restore", str(snapshots(site)), check=False)
    assert result.returncode == 2
    assert "已有 jianbao 数据" in one_line(result.stderr)
    assert site.probe()["rows"] == before["rows"]


def test_restore_refuses_a_media_folder_that_is_not_empty(site, places, snapshots):
    target = places.new(site.vendor)
    target.media.mkdir(parents=True)
    (target.media / "old.txt").write_text("留着")
    result = target.run("restore", str(snapshots(site)), check=False)
    assert result.returncode == 2
    assert str(target.media) in one_line(result.stderr)
    assert target.tables() == []
    assert attachment_files(target.media) == {"old.txt": "留着".encode()}


def test_restore_of_a_damaged_snapshot_touches_nothing(site, places, damaged):
    flip_byte(next(damaged.rglob("扫描件.pdf")), 10)
    target = places.new(site.vendor)
    result = target.run("restore", str(damaged), check=False)
    assert result.returncode == 2
    assert "扫描件.pdf" in one_line(result.stderr)
    assert target.tables() == []
    assert not target.media.exists()
    assert sorted(p.name for p in target.var.parent.iterdir()) == ["var"]


def test_backup_refuses_a_path_that_is_not_empty(cli, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "keep.txt").write_text("旧的")
    result = cli("backup", str(tmp_path / "old"))
    assert result.status == 2
    assert "不是空目录" in one_line(result.stderr)
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["keep.txt"]


if PG_URL:
    # Only a run against PostgreSQL has both kinds of database at hand.

    @pytest.mark.parametrize(
        ("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")]
    )
    def test_restore_refuses_a_snapshot_of_the_other_database(
        source, target, build_site, places, snapshots
    ):
        place = places.new(target)
        result = place.run("restore", str(snapshots(build_site(source))), check=False)
        assert result.returncode == 2
        assert "不支持在两种数据库之间恢复" in one_line(result.stderr)
        assert place.tables() == []


# -- a broken backup leaves no half-written snapshot


def start_backup(site: Place, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*JIANBAO, "backup", str(path)],
        env=site.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def partials(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if ".partial-" in p.name]


def wait_for_media_copy(parent: Path, backup: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and backup.poll() is None:
        if any((p / "media").exists() for p in partials(parent)):
            return
        time.sleep(0.002)
    raise AssertionError("the backup never reached its file copy")


@pytest.fixture
def big_site(site, places):
    """The site with 48 MB more files, so that a backup takes a moment to copy them."""
    big = places.new(site.vendor, template=site)
    folder = big.media / "submissions" / "big"
    folder.mkdir(parents=True)
    block = os.urandom(1024 * 1024)
    for i in range(3):
        (folder / f"scan{i}.pdf").write_bytes(block * 16)
    return big


def test_a_killed_backup_leaves_no_snapshot(big_site, tmp_path):
    path = tmp_path / "snapshot"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        backup = start_backup(big_site, path)
        wait_for_media_copy(tmp_path, backup)
        backup.send_signal(sig)
        backup.wait(30)
        assert backup.returncode != 0
        assert not path.exists()
        if sig == signal.SIGTERM:
            assert partials(tmp_path) == []  # it tidied up after itself
            assert "已中断" in one_line(backup.stderr.read())
    assert len(partials(tmp_path)) == 1  # SIGKILL gave it no chance
    # The next run goes through, and takes away what the killed run left.
    big_site.run("backup", str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]


def test_a_backup_that_fails_leaves_nothing(build_site, places, tmp_path):
    """A SQLite file with a damaged page: the copy fails its integrity check."""
    site = places.new("sqlite", template=build_site("sqlite"))
    db = sqlite3.connect(site.sqlite_file)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'bulletins_block' ORDER BY name LIMIT 1"
    ).fetchone()
    db.close()
    with open(site.sqlite_file, "r+b") as fh:
        fh.seek((root - 1) * page_size + 8)
        fh.write(b"\xff" * 200)
    result = site.run("backup", str(tmp_path / "snapshot"), check=False)
    assert result.returncode == 2
    assert "完整性检查" in one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []
