import hashlib
import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from jianbao.publishing.ingest.text import parse_bulletin_text
from tests.skips import pytest_runtest_makereport  # noqa: F401  (a hook: CI=true fails on skips)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "samples" / "2023-01.md"


@pytest.fixture(scope="session")
def fixture_text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def parsed(fixture_text):
    return parse_bulletin_text(fixture_text, source=FIXTURE.name)


@pytest.fixture
def imported_issue(db, parsed):
    from jianbao.bulletins.services import store_bulletin

    return store_bulletin(parsed, source_name=FIXTURE.name).issue


@dataclass
class CliResult:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch):
    """Run ``jianbao ARGS…`` in this process, against the test database."""
    from django.db import connections

    from jianbao.cli import main

    # run_from_argv closes every connection when a command ends; the test
    # transaction lives on the connection, so keep it open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        status = 0
        old_out, old_err = sys.stdout, sys.stderr
        try:
            with redirect_stdout(out), redirect_stderr(err):
                main(list(args))
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout, sys.stderr = old_out, old_err
        return CliResult(status, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def database_fingerprint(db):
    """A digest of every row of every jianbao table, to prove nothing changed."""

    def fingerprint() -> str:
        digest = hashlib.sha256()
        for model in apps.get_models():
            if not model.__module__.startswith(("jianbao.", "django.contrib.auth")):
                continue
            rows = model.objects.order_by("pk").values_list()
            digest.update(f"{model._meta.db_table}:{list(rows)!r}".encode())
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master ORDER BY name")
            else:
                cursor.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' ORDER BY table_name"
                )
            digest.update(repr(cursor.fetchall()).encode())
        return digest.hexdigest()

    return fingerprint


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; production keeps it (see test_accounts.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """A SQLite test database in a file, not in shared-cache memory.

    The live server of the browser tests answers in other threads; shared-cache
    memory databases lock whole tables ("database table is locked") where a
    file in WAL mode lets readers and a writer wait for each other.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture
def fresh_page_cache():
    """Each test starts with a database of its own: nothing cached may outlive it."""
    from django.core.cache import cache

    from jianbao.archive.caching import forget_version

    cache.clear()
    forget_version()
    yield
    forget_version()


@pytest.fixture(autouse=True)
def _forget_the_search_index_after_a_flush(request, django_db_blocker):
    """A transactional test ends with Django's flush, which empties every table it
    knows but not SQLite's contentless FTS table: its rows would match the next
    test's documents by their reused ids. Set up first, this runs after the flush."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional:
        return
    from django.db import connection

    from jianbao.archive.search.backends import index_for

    with django_db_blocker.unblock():
        index_for(connection).clear()


# Modules that touch no database at all (pytest-django would refuse them if they
# tried): the PostgreSQL pass of `make test` leaves them out (-m "not nodb"),
# since running them again there proves nothing new.
NO_DATABASE = {
    "test_suite_groups",
    "test_skip_guard",
    "test_command_guard",
    "test_layers",
    "test_deploy_units",
    "test_cli_imports",
    "test_checks",
    "test_regex_linear",
    "test_parser",
    "test_search_text",
    "test_search_positional",
    "test_encodings",
    "test_render_wechat",
    "test_render_docx",
    "test_render_pdf",
    "test_render_fonts",
    "test_render_titles",
    "test_render_punctuation",
    "test_render_golden",
    "test_render_docx_layout",
    "test_render_pdfa",
    "test_markup",
    "test_docx_rich",
    "test_pdf_rich",
    "test_import_plain_text",
    "test_import_pdf_layouts",
    "test_editor_html",
    "test_history_labels",
    "test_rules_usage",
    "test_rules_names",
    "test_rules_structure",
    "test_dictionary",
    "test_rules_spaces",
    "test_rules_punctuation",
    "test_rules_marks",
    "test_rules_numbers",
    "test_rules_repeats",
    "test_accepted_forms",
    "test_import_scans",
    "test_ocr_reading",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] in NO_DATABASE:
            item.add_marker(pytest.mark.nodb)
    _xdist_groups(config, items)


def _xdist_groups(config, items):
    """pytest 9 keeps a node's id in ``_id``; xdist 3.8's ``--dist loadgroup``
    still writes the group into ``_nodeid``, so the scheduler never saw a group
    and spread its tests over the workers (in CI the OCR of the whole scan was
    read twice, 53 s each). Give each grouped test the ``@group`` suffix xdist's
    scheduler reads, until xdist writes it where pytest 9 looks."""
    if not config.getoption("loadgroup", False):
        return  # not an xdist worker in loadgroup mode
    from _pytest.nodeid import coerce_node_id

    for item in items:
        names = sorted({str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)
