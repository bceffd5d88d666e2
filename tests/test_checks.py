"""Django's system checks pass: jianbao's own commands skip them for speed
(core/commands.py), so they are run here, where a broken URLconf, model or
setting must fail the suite."""

import io

from django.core.management import call_command


def test_the_system_checks_pass_with_no_error_or_warning():
    out = io.StringIO()
    call_command("check", "--fail-level", "WARNING", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()
