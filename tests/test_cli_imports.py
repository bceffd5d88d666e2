"""The quick commands load no heavy module: Django's set-up and the command's
own module leave typst, python-docx, pdfplumber, openpyxl, pygal, jieba and the
parser unloaded (bench/cli.py times the result), and the system checks, which
import every view, are not run by jianbao's commands."""

import json
import subprocess
import sys

import pytest

HEAVY = ("typst", "docx", "pdfplumber", "openpyxl", "pygal", "jieba", "jianbao.publishing.ingest")

PROBE = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "jianbao.settings"
import django
django.setup()
from django.core.management import load_command_class
command = load_command_class(sys.argv[1], sys.argv[2])
print(json.dumps({"checks": command.requires_system_checks, "modules": sorted(sys.modules)}))
"""


def loaded(app: str, name: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, app, name], capture_output=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("app", "name"), [("jianbao.archive", "issues"), ("jianbao.archive", "search")]
)
def test_listing_and_searching_load_no_heavy_module(app, name):
    probe = loaded(app, name)
    heavy = [m for m in probe["modules"] if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert heavy == []
    assert probe["checks"] == []


def test_the_probe_sees_the_parser_where_a_command_needs_it():
    # jianbao import reads files: the parser is loaded with it, and is seen.
    probe = loaded("jianbao.catalogue", "import")
    assert "jianbao.publishing.ingest" in probe["modules"]
