"""The base of every jianbao management command."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from jianbao.core.errors import JianbaoError


class JianbaoCommand(BaseCommand):
    """Expected failures end as one line on stderr and exit status 2, never a traceback."""

    # The system checks load every URLconf and so every view, form and renderer
    # (twice the time of `jianbao issues` itself). They run where they belong:
    # `jianbao check`, migrate, runserver, and the test suite (tests/test_checks.py).
    requires_system_checks = []

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except JianbaoError as exc:
            self.fail(str(exc))
        except DatabaseError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            self.fail(f"数据库错误：{first}")

    def fail(self, message: str, status: int = 2):
        sys.stderr.write(f"jianbao {self._name()}：{message}\n")
        sys.stderr.flush()
        raise SystemExit(status)

    def _name(self) -> str:
        return self.__module__.rsplit(".", 1)[-1].replace("_", "-")

    def write_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
