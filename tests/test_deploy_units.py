"""The systemd units and the environment file in deploy/systemd/ name programs
that jianbao installs and settings that jianbao reads (tests/test_scale.py runs
the same processes for real)."""

import configparser
import re
import shlex

import pytest

from tests.conftest import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"
SETTINGS = (ROOT / "jianbao" / "settings.py").read_text(encoding="utf-8")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    text = (SYSTEMD / name).read_text(encoding="utf-8").replace("\\\n", " ")
    parser.read_string(text)
    return parser


@pytest.mark.parametrize(
    ("name", "program", "argument"),
    [
        ("jianbao-web@.service", "gunicorn", "127.0.0.1:%i"),
        ("jianbao-worker@.service", "jianbao", "worker"),
    ],
)
def test_each_unit_runs_an_installed_program_with_the_shared_environment(name, program, argument):
    service = unit(name)["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0] == f"/srv/jianbao/.venv/bin/{program}"
    assert (ROOT / ".venv" / "bin" / program).exists()
    assert argument in command
    assert service["EnvironmentFile"] == "/etc/jianbao/jianbao.env"
    assert service["Restart"] == "always" and service["User"] == "jianbao"


def test_every_setting_in_the_environment_example_is_one_jianbao_reads():
    text = (SYSTEMD / "jianbao.env.example").read_text(encoding="utf-8")
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)
    assert len(names) > 15
    unread = [n for n in names if f'"{n}"' not in SETTINGS]
    assert unread == []
