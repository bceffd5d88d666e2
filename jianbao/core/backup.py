"""Snapshots of the whole site: the database and every uploaded file.

A snapshot is one directory::

    manifest.json      what is in it: format, time, database, migrations, counts, files
    SHA256SUMS         `sha256sum -c` readable checksums of every file, the manifest too
    database.sqlite3   SQLite: a copy made with SQLite's online backup API
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/…            MEDIA_ROOT, file for file

The database is copied first, in one read transaction (SQLite in WAL mode
lets writers go on meanwhile; pg_dump reads an exported snapshot), and the
files after it, so every file a snapshot row names was complete before that
row committed.  Everything is written to a hidden sibling directory that is
renamed into place at the end: a broken run leaves no half-written snapshot.

A restore verifies every checksum first, refuses a target that already holds
data, prepares the files and the database beside their final places and
moves them in last.  The search index travels with the database (an FTS5
table in the SQLite file, a tsvector column on PostgreSQL).  PDFs and pages
are rendered on demand and static files come from ``collectstatic``, so
nothing generated needs to be kept.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, models, transaction

from jianbao.core.errors import JianbaoError

FORMAT = "jianbao-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024

# Tables that `migrate` itself fills: their rows do not make a database "used".
MIGRATION_SEEDED = {"django_content_type", "auth_permission", "archive_siteversion"}
# Shown in the one-line summaries.
SUMMARY_TABLES = [
    ("bulletins_issue", "期简报"),
    ("bulletins_article", "篇文章"),
    ("auth_user", "个用户"),
    ("core_historyevent", "条操作记录"),
    ("distribution_delivery", "条投递"),
]


class BackupError(JianbaoError):
    pass


@contextmanager
def plain_errors():
    """A full disk or a damaged file ends as one line, like every expected failure."""
    try:
        yield
    except OSError as exc:
        where = f"{exc.filename}：" if exc.filename else ""
        raise BackupError(f"{where}{exc.strerror or exc}") from None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"SQLite：{exc}") from None


# -- shared helpers


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(source: Path, target: Path, *, sync: bool = True) -> tuple[int, str]:
    """Copy one file, returning the size and SHA-256 of the bytes actually written."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "xb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        if sync:
            os.fsync(dst.fileno())
    shutil.copystat(source, target)
    return size, digest.hexdigest()


def _sync_tree(path: Path) -> None:
    """Make every file under ``path`` durable: one syncfs(2) of its file system instead
    of an fsync per file, which costs seconds for a few thousand uploads."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    for directory, _subdirs, names in os.walk(path):
        for name in names:
            fd = os.open(Path(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _media_root() -> Path:
    """The one local folder that holds every FileField's files."""
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(f"备份只支持本地文件存储，当前存储为 {type(default_storage).__name__}")
    root = Path(default_storage.location).absolute()
    for model, field in _file_fields():
        storage = field.storage
        if not isinstance(storage, FileSystemStorage) or Path(storage.location).absolute() != root:
            raise BackupError(
                f"{model._meta.label}.{field.name} 的文件不在 MEDIA_ROOT（{root}）中，备份无法包含"
            )
    return root


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def _data_tables() -> list[str]:
    """Every table of the installed models, in a stable order."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(cursor, existing: set[str]) -> dict:
    """Migration state, row counts and referenced files, read through a DB-API cursor
    that sees exactly the snapshot."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for table in _data_tables():
        if table in existing:
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
            counts[table] = cursor.fetchone()[0]
    referenced = set()
    for model, field in _file_fields():
        table = model._meta.db_table
        if table in existing:
            column = _quote(field.column)
            cursor.execute(f"SELECT {column} FROM {_quote(table)} WHERE {column} <> ''")
            referenced.update(name for (name,) in cursor.fetchall() if name)
    return {"migrations": migrations, "counts": counts, "referenced": referenced}


def _summary(counts: dict) -> str:
    return "、".join(f"{counts.get(table, 0)} {label}" for table, label in SUMMARY_TABLES)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# -- PostgreSQL programs


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client-15）"
    )


_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def _pg_env(database: dict) -> dict:
    """libpq's environment for the configured database; the password never goes
    on a command line, where `ps` would show it."""
    env = dict(os.environ)
    for key, var in [("NAME", "PGDATABASE"), ("USER", "PGUSER"), ("HOST", "PGHOST")]:
        if database.get(key):
            env[var] = str(database[key])
    if database.get("PORT"):
        env["PGPORT"] = str(database["PORT"])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    for option, var in _PG_OPTIONS.items():
        if database.get("OPTIONS", {}).get(option) is not None:
            env[var] = str(database["OPTIONS"][option])
    return env


def _run_pg(program: str, args: list[str], *, env: dict | None = None) -> str:
    result = subprocess.run(
        [_pg_program(program), *args],
        env=env if env is not None else dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{program} 失败：{lines[0] if lines else f'退出码 {result.returncode}'}")
    return result.stdout


# -- backup


_PARTIAL = re.compile(r"\.(?P<name>.+)\.partial-(?P<pid>\d+)-")


def _remove_stale_partials(parent: Path, name: str) -> None:
    """Drop the temporary directories of earlier runs that were killed outright."""
    for entry in parent.iterdir():
        match = _PARTIAL.match(entry.name)
        if not match or match["name"] != name or not entry.is_dir():
            continue
        try:
            os.kill(int(match["pid"]), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            pass  # someone else's live process


def create_backup(path: Path | str, *, warn: Callable[[str], None] | None = None) -> dict:
    """Write a snapshot to ``path`` (absent or an empty directory); return its manifest."""
    path = Path(path).absolute()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} 已存在且不是空目录：请指定一个新的快照目录")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(path.parent, path.name)
    media_root = _media_root()
    if path.is_relative_to(media_root):
        raise BackupError(f"快照目录 {path} 在上传文件目录 {media_root} 之内：请放到别处")
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {vendor} 数据库")

    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-{os.getpid()}-", dir=path.parent))
    try:
        database_file = work / DATABASE_FILES[vendor]
        if vendor == "sqlite":
            snapshot = _sqlite_snapshot(database_file)
        else:
            snapshot = _postgres_snapshot(database_file)
        files = [
            {
                "path": database_file.name,
                "size": database_file.stat().st_size,
                "sha256": _sha256(database_file),
            }
        ]
        media_files = _copy_media(media_root, work / MEDIA)
        files += media_files
        present = {entry["path"] for entry in media_files}
        missing = sorted(
            name for name in snapshot.pop("referenced") if f"{MEDIA}/{name}" not in present
        )
        for name in missing:
            if warn:
                warn(f"警告：数据库引用的文件不存在，快照中缺少：{MEDIA}/{name}")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "file": database_file.name, **snapshot.pop("info")},
            "migrations": snapshot["migrations"],
            "counts": snapshot["counts"],
            "media": {
                "root": str(media_root),
                "files": len(media_files),
                "bytes": sum(entry["size"] for entry in media_files),
            },
            "missing_files": [f"{MEDIA}/{name}" for name in missing],
            "files": files,
        }
        _write_manifest(work, manifest)
        _sync_tree(work)
        try:
            # rename(2) also replaces an empty directory, and fails on a non-empty one.
            os.rename(work, path)
        except OSError as exc:
            raise BackupError(f"无法把快照移到 {path}：{exc.strerror}") from exc
        _fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _sqlite_snapshot(target: Path) -> dict:
    name = settings.DATABASES["default"]["NAME"]
    if not Path(name).is_file():
        raise BackupError(f"数据库文件 {name} 不存在")
    try:
        return _sqlite_copy(name, target)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"读取数据库 {name} 失败：{exc}") from None


def _sqlite_copy(name: str, target: Path) -> dict:
    source = sqlite3.connect(name, timeout=30)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        copy = sqlite3.connect(target)
        try:
            # One step (pages=-1) is one read transaction: a consistent copy, and in
            # WAL mode writers carry on meanwhile.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problem = _sqlite_integrity(copy)
            if problem:
                raise BackupError(f"数据库快照未通过完整性检查（{name}）：{problem}")
            cursor = copy.cursor()
            existing = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
            if "django_migrations" not in existing:
                raise BackupError(f"{name} 不是 jianbao 数据库（没有 django_migrations 表）")
            described = _describe(cursor, existing)
        finally:
            copy.close()
    finally:
        source.close()
    described["info"] = {"sqlite_version": sqlite3.sqlite_version}
    return described


def _sqlite_integrity(db: sqlite3.Connection) -> str:
    try:
        rows = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # too damaged to even check
        return str(exc)
    if rows == ["ok"]:
        return ""
    # Rows may span lines ("*** in database main ***\n…"); the message stays one line.
    lines = [line.strip() for row in rows for line in row.splitlines()]
    return "; ".join([line for line in lines if line and not line.startswith("***")][:3])


def _postgres_snapshot(target: Path) -> dict:
    database = settings.DATABASES["default"]
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump reads the snapshot this transaction exports, so the dump and the
        # manifest's counts and file list describe the same moment.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server_version = cursor.fetchone()
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot_id}", "--no-password", f"--file={target}"],
            env=_pg_env(database),
        )
        existing = set(connection.introspection.table_names(cursor))
        if "django_migrations" not in existing:
            raise BackupError(
                f"数据库 {database['NAME']} 不是 jianbao 数据库（没有 django_migrations 表）"
            )
        described = _describe(cursor, existing)
    version = _run_pg("pg_dump", ["--version"]).strip()
    described["info"] = {"server_version": server_version, "pg_dump": version}
    return described


def _copy_media(root: Path, target: Path) -> list[dict]:
    entries = []
    if not root.is_dir():
        return entries
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            source = Path(directory, name)
            relative = source.relative_to(root).as_posix()
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                raise BackupError(f"文件名不是 UTF-8 编码，无法写入清单：{source}") from None
            try:
                if not source.is_file():
                    continue  # sockets, FIFOs, dangling links
                size, digest = _copy_hashing(source, target / relative, sync=False)
            except FileNotFoundError:
                continue  # deleted after the database snapshot: not part of it
            entries.append({"path": f"{MEDIA}/{relative}", "size": size, "sha256": digest})
    return entries


def _sums_line(digest: str, name: str) -> str:
    # GNU coreutils' escaping, so `sha256sum -c SHA256SUMS` reads odd names too.
    if "\\" in name or "\n" in name:
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n")
        return f"\\{digest}  {escaped}\n"
    return f"{digest}  {name}\n"


def _write_manifest(work: Path, manifest: dict) -> None:
    manifest_path = work / MANIFEST
    with open(manifest_path, "x", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    lines = [_sums_line(_sha256(manifest_path), MANIFEST)]
    lines += [_sums_line(entry["sha256"], entry["path"]) for entry in manifest["files"]]
    with open(work / SUMS, "x", encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()
        os.fsync(fh.fileno())


# -- check


def _read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = re.fullmatch(r"(\\?)([0-9a-f]{64})  (.+)", line)
        if not match:
            raise BackupError(f"{path}:{number}：不是校验和行")
        name = match[3]
        if match[1]:
            name = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], name)
        sums[name] = match[2]
    return sums


def check_backup(path: Path | str) -> dict:
    """Verify a snapshot; return its manifest, or raise BackupError naming the first problem."""
    path = Path(path).absolute()
    if not path.is_dir():
        raise BackupError(f"{path} 不存在或不是目录")
    sums_path, manifest_path = path / SUMS, path / MANIFEST
    for required in (manifest_path, sums_path):
        if not required.is_file():
            raise BackupError(f"{required}：缺少此文件，不是完整的快照")
    try:
        sums = _read_sums(sums_path)
    except UnicodeDecodeError:
        raise BackupError(f"{sums_path}：不是 UTF-8 文本") from None
    if sums.get(MANIFEST) != _sha256(manifest_path):
        raise BackupError(f"{manifest_path}：校验和与 {SUMS} 不符，清单已被改动或损坏")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{manifest_path}：无法读取（{exc}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path}：不是 jianbao 快照清单")
    try:
        _check_contents(path, manifest, sums)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{manifest_path}：清单内容不完整（{exc!r}）") from None
    return manifest


def _check_contents(path: Path, manifest: dict, sums: dict[str, str]) -> None:
    manifest_path, sums_path = path / MANIFEST, path / SUMS
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{manifest_path}：快照格式版本 {manifest.get('format_version')}，"
            f"本程序只读版本 {FORMAT_VERSION}"
        )
    vendor = manifest["database"]["vendor"]
    if vendor not in DATABASE_FILES or manifest["database"]["file"] != DATABASE_FILES[vendor]:
        raise BackupError(f"{manifest_path}：未知的数据库类型 {vendor}")

    listed = set()
    for entry in manifest["files"]:
        name = entry["path"]
        listed.add(name)
        file = path / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise BackupError(f"{manifest_path}：文件路径越出快照目录：{name}")
        if sums.get(name) != entry["sha256"]:
            raise BackupError(f"{sums_path}：{name} 的校验和与清单不一致")
        if not file.is_file():
            raise BackupError(f"{file}：缺少此文件")
        size = file.stat().st_size
        if size != entry["size"]:
            raise BackupError(f"{file}：大小不符，清单记为 {entry['size']} 字节，实为 {size} 字节")
        if _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file}：校验和不符，文件已损坏或被改动")
    for directory, _subdirs, names in os.walk(path):
        for name in names:
            relative = Path(directory, name).relative_to(path).as_posix()
            if relative not in listed and relative not in (MANIFEST, SUMS):
                raise BackupError(f"{path / relative}：不在清单中的多余文件")

    database_file = path / manifest["database"]["file"]
    if vendor == "sqlite":
        problem = _check_sqlite_file(database_file)
        if problem:
            raise BackupError(f"{database_file}：数据库未通过完整性检查：{problem}")
    else:
        try:
            _run_pg("pg_restore", ["--list", str(database_file)])
        except BackupError as exc:
            raise BackupError(f"{database_file}：无法读取数据库转储（{exc}）") from None


def _check_sqlite_file(file: Path) -> str:
    # immutable: nothing may write a -journal or -shm into the snapshot.
    try:
        db = sqlite3.connect(f"{file.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            problem = _sqlite_integrity(db)
            if (
                not problem
                and not db.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'"
                ).fetchone()
            ):
                problem = "没有 django_migrations 表"
            return problem
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)


def describe_check(path: Path | str, manifest: dict) -> str:
    vendor = VENDOR_NAMES[manifest["database"]["vendor"]]
    media = manifest["media"]
    return (
        f"快照完好：{Path(path).absolute()}（{manifest['created_at']}，{vendor}，"
        f"{_summary(manifest['counts'])}，{media['files']} 个文件 {_megabytes(media['bytes'])}）"
    )


def describe_backup(path: Path | str, manifest: dict) -> str:
    vendor = VENDOR_NAMES[manifest["database"]["vendor"]]
    media = manifest["media"]
    return (
        f"已写入快照 {Path(path).absolute()}：{vendor} 数据库（{_summary(manifest['counts'])}），"
        f"{media['files']} 个文件 {_megabytes(media['bytes'])}"
    )


# -- restore


def restore_backup(path: Path | str) -> dict:
    """Restore a snapshot into an empty database and an empty media folder."""
    path = Path(path).absolute()
    manifest = check_backup(path)
    vendor = manifest["database"]["vendor"]
    database_file = manifest["database"]["file"]
    if vendor != connection.vendor:
        raise BackupError(
            f"快照来自 {VENDOR_NAMES[vendor]} 数据库，而 DATABASE_URL 指向 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}："
            "不支持在两种数据库之间恢复，请恢复到同一种数据库"
        )
    newer_code = _check_migrations(manifest["migrations"])
    media_root = _media_root()
    if vendor == "sqlite":
        target = _sqlite_target()
    else:
        _check_postgres_target(manifest["migrations"])
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(f"上传文件目录 {media_root} 不是空的：恢复只能在空目录中进行，未做改动")

    media_root.parent.mkdir(parents=True, exist_ok=True)
    staged_media = Path(
        tempfile.mkdtemp(prefix=f".{media_root.name}.restore-", dir=media_root.parent)
    )
    staged_db = None
    media_existed = media_root.exists()
    try:
        for entry in manifest["files"]:
            if entry["path"].startswith(f"{MEDIA}/"):
                _copy_checked(
                    path / entry["path"],
                    staged_media / entry["path"][len(MEDIA) + 1 :],
                    entry,
                    sync=False,
                )
        _sync_tree(staged_media)
        if vendor == "sqlite":
            staged_db = target.parent / f".{target.name}.restore-{os.getpid()}"
            staged_db.unlink(missing_ok=True)
            _copy_checked(path / database_file, staged_db, _entry(manifest, database_file))
            db = sqlite3.connect(staged_db)
            try:
                _compare_counts(db.cursor(), manifest["counts"], staged_db)
            finally:
                db.close()
        os.rename(staged_media, media_root)
        try:
            if vendor == "sqlite":
                _install_sqlite(staged_db, target)
            else:
                _restore_postgres(path / database_file)
        except BaseException:
            os.rename(media_root, staged_media)
            if media_existed:
                media_root.mkdir()
            raise
    except BaseException:
        shutil.rmtree(staged_media, ignore_errors=True)
        if staged_db is not None:
            staged_db.unlink(missing_ok=True)
        raise
    connection.close()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            _compare_counts(cursor, manifest["counts"], settings.DATABASES["default"]["NAME"])
    if newer_code:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return manifest


def _entry(manifest: dict, name: str) -> dict:
    return next(entry for entry in manifest["files"] if entry["path"] == name)


def describe_restore(path: Path | str, manifest: dict) -> str:
    vendor = VENDOR_NAMES[manifest["database"]["vendor"]]
    media = manifest["media"]
    return (
        f"已从 {Path(path).absolute()} 恢复：{vendor} 数据库（{_summary(manifest['counts'])}），"
        f"{media['files']} 个文件 {_megabytes(media['bytes'])}"
    )


def _copy_checked(source: Path, target: Path, entry: dict, *, sync: bool = True) -> None:
    size, digest = _copy_hashing(source, target, sync=sync)
    if (size, digest) != (entry["size"], entry["sha256"]):
        raise BackupError(f"{source}：复制时校验和不符，文件在检查后被改动")


def _check_migrations(snapshot: dict[str, list[str]]) -> bool:
    """Refuse a snapshot from newer code; True when this code has migrations to add."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in snapshot.items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"快照的数据库结构比本程序新（不认识迁移 {app}.{name}）："
            "请用相同或更新版本的 jianbao 恢复"
        )
    return bool(known - applied)


def _first_data(cursor, existing: set[str]) -> tuple[str, int] | None:
    # The tables a person recognises first, so the message says "auth_user has 3 rows".
    tables = [table for table, _label in SUMMARY_TABLES]
    for table in tables + [t for t in _data_tables() if t not in tables]:
        if table in existing and table not in MIGRATION_SEEDED:
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
            count = cursor.fetchone()[0]
            if count:
                return table, count
    return None


def _refuse_used(where: str, found: tuple[str, int]) -> None:
    table, count = found
    raise BackupError(
        f"目标数据库 {where} 已有 jianbao 数据（{table} 表有 {count} 行）："
        "恢复只能在空数据库中进行，未做改动"
    )


def _sqlite_target() -> Path:
    target = Path(settings.DATABASES["default"]["NAME"]).absolute()
    connection.close()
    if target.exists() and target.stat().st_size:
        try:
            db = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                cursor = db.cursor()
                existing = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
                found = _first_data(cursor, existing)
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                f"目标 {target} 不是可读的 SQLite 数据库（{exc}），未做改动"
            ) from None
        if found:
            _refuse_used(str(target), found)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _install_sqlite(staged: Path, target: Path) -> None:
    connection.close()
    if not target.exists() or target.stat().st_size == 0:
        # Nothing there: the staged file becomes the database.  A -wal or -shm
        # left without its database would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staged, target)
        _fsync_dir(target.parent)
        return
    # A migrated but empty database, perhaps open elsewhere in WAL mode: the
    # backup API replaces its content in one write transaction.
    source = sqlite3.connect(staged)
    try:
        db = sqlite3.connect(target, timeout=30)
        try:
            source.backup(db, pages=-1)
        finally:
            db.close()
    finally:
        source.close()
    staged.unlink()


def _check_postgres_target(snapshot_migrations: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        found = _first_data(cursor, existing)
        if found:
            _refuse_used(settings.DATABASES["default"]["NAME"], found)
        if "django_migrations" in existing:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
            in_snapshot = {
                (app, name) for app, names in snapshot_migrations.items() for name in names
            }
            if applied - in_snapshot:
                raise BackupError(
                    f"目标数据库 {settings.DATABASES['default']['NAME']} 的结构比快照新："
                    "请恢复到一个新建的空数据库（createdb），未做改动"
                )
    connection.close()


def _restore_postgres(dump: Path) -> None:
    from psycopg.conninfo import make_conninfo

    database = settings.DATABASES["default"]
    # One transaction: a failure part way leaves the database as it was.  --clean
    # drops the tables a bare `migrate` may have made; the check above made sure
    # they hold no data.
    _run_pg(
        "pg_restore",
        [
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={make_conninfo(dbname=database['NAME'])}",
            str(dump),
        ],
        env=_pg_env(database),
    )


def _compare_counts(cursor, expected: dict[str, int], where) -> None:
    for table, count in expected.items():
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
        found = cursor.fetchone()[0]
        if found != count:
            raise BackupError(
                f"恢复后的数据库 {where}：{table} 表有 {found} 行，快照记为 {count} 行"
            )
