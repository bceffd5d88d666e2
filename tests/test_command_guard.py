"""Every jianbao management command is run by some test (as Zulip's suite checks).

A command counts as tested when a test module invokes it the ways this suite
does: ``call_command("name"``, the in-process ``cli("name"``, a subprocess
helper ``run("name"`` or ``jianbao(env, "name"``, or an argv that starts
``[*JIANBAO, "name"`` or ``"jianbao", "name"``.
"""

import re

from django.core.management import get_commands

from tests.conftest import ROOT

TESTS = ROOT / "tests"


def invocation(name: str) -> re.Pattern:
    quoted = f"[\"']{re.escape(name)}[\"']"
    return re.compile(
        rf"\b(?:call_command|cli|run|jianbao)\((?:[\w.]+, )?{quoted}"
        rf"|JIANBAO, {quoted}|[\"']jianbao[\"'], {quoted}"
    )


def jianbao_commands() -> list[str]:
    return sorted(name for name, app in get_commands().items() if app.startswith("jianbao."))


def modules_running(name: str, sources: dict[str, str]) -> list[str]:
    pattern = invocation(name)
    return sorted(path for path, text in sources.items() if pattern.search(text))


def test_every_management_command_has_a_test():
    sources = {
        p.name: p.read_text(encoding="utf-8")
        for p in TESTS.rglob("test_*.py")
        if p.name != "test_command_guard.py"
    }
    commands = jianbao_commands()
    assert {"issues", "reindex", "worker", "fetch-mail"} <= set(commands)
    untested = [name for name in commands if not modules_running(name, sources)]
    assert untested == [], f"management commands that no test runs: {untested}"


def test_the_guard_sees_an_invocation_and_nothing_else():
    sources = {
        "test_a.py": 'call_command("reindex", verbosity=0)\nrun(sqlite, "issues", "--format")',
        "test_b.py": '[*JIANBAO, "fetch-mail"]\ncli("search", "联盟")',
        "test_c.py": (
            'assert "reindex" in out\nlabel = "issues"\n'
            'search_articles("fetch-mail")\npublic("issues")'
        ),
    }
    assert modules_running("reindex", sources) == ["test_a.py"]
    assert modules_running("issues", sources) == ["test_a.py"]
    assert modules_running("fetch-mail", sources) == ["test_b.py"]
    assert modules_running("search", sources) == ["test_b.py"]
    assert modules_running("backup", sources) == []
