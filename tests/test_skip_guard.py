"""The CI skip guard of tests/skips.py, in a pytest of its own on a small suite."""

import os
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

SUITE = """
import pytest

import tests.skips

tests.skips.SKIPS_ALLOWED_IN_CI = {"test_suite.py::test_allowed"}


def test_passes():
    pass


def test_missing_package():
    pytest.skip("redis-server is not installed")


def test_allowed():
    pytest.skip("meant for the other pass")


@pytest.mark.xfail(reason="a known fault", strict=True)
def test_known_fault():
    assert False
"""

CONFTEST = "from tests.skips import pytest_runtest_makereport  # noqa: F401\n"


def _run(tmp_path, **env):
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE), encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:django"],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_under_ci_a_skip_off_the_allow_list_fails_the_run(tmp_path):
    run = _run(tmp_path, CI="true")
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed" in run.stdout
    assert "FAILED test_suite.py::test_missing_package" in run.stdout
    assert "redis-server is not installed" in run.stdout
    assert "SKIPS_ALLOWED_IN_CI" in run.stdout


def test_outside_ci_a_skip_stays_a_skip(tmp_path):
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in run.stdout
