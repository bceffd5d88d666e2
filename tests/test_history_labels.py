"""Every action the code records reads in Chinese in the history lists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jianbao
from jianbao.core.history import action_label

SOURCE = Path(jianbao.__file__).parent


def recorded_actions() -> set[str]:
    """The literal first argument of every ``record(...)`` call in the code."""
    actions = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            value = getattr(node.args[0], "value", None)
            if name == "record" and isinstance(value, str) and value.count(".") == 2:
                actions.add(value)
    return actions


def test_the_code_records_actions():
    # The walk must see the calls, or the next test proves nothing.
    assert {"bulletins.article.edit", "core.role.grant"} <= recorded_actions()


def test_every_recorded_action_has_a_chinese_label():
    untranslated = {a: action_label(a) for a in recorded_actions()}
    untranslated = {a: label for a, label in untranslated.items() if re.search("[a-z]", label)}
    assert not untranslated, untranslated
