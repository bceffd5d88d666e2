"""Every list of alliances people read is in pinyin order (WAPI among the W names),
not in code-point order (WAPI, 临床, 健康…)."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jianbao.network.exchange import export_registry
from jianbao.network.models import MemberUnit, Organisation
from jianbao.network.statistics import silent_alliances

NAMES = ["临床检验产业技术创新战略联盟", "WAPI产业联盟", "健康产业技术创新战略联盟", "安全产业联盟"]
# an(安) < jian(健) < lin(临) < W
PINYIN_ORDER = [NAMES[3], NAMES[2], NAMES[0], NAMES[1]]


@pytest.fixture
def alliances(db):
    return [Organisation.objects.create(name=n, kind=Organisation.Kind.ALLIANCE) for n in NAMES]


def test_silent_alliances_are_listed_in_pinyin_order(alliances):
    table = silent_alliances(date(2026, 12, 1))
    assert [row[0] for row in table.rows] == PINYIN_ORDER


def test_the_alliances_command_lists_in_pinyin_order(alliances):
    out = StringIO()
    call_command("alliances", format="json", stdout=out)
    assert [row["name"] for row in json.loads(out.getvalue())] == PINYIN_ORDER


def test_the_registry_export_lists_alliances_and_units_in_pinyin_order(alliances, tmp_path):
    unit_b = Organisation.objects.create(name="北京大学", kind=Organisation.Kind.UNIT)
    unit_a = Organisation.objects.create(name="安徽大学", kind=Organisation.Kind.UNIT)
    for unit in (unit_b, unit_a):
        MemberUnit.objects.create(alliance=alliances[1], unit=unit, role=MemberUnit.Role.MEMBER)
    path = tmp_path / "registry.xlsx"
    export_registry(path)
    book = load_workbook(path)
    names = [row[0].value for row in book["联盟"].iter_rows(min_row=2)]
    assert names == PINYIN_ORDER
    units = [row[1].value for row in book["成员单位"].iter_rows(min_row=2)]
    assert units == ["安徽大学", "北京大学"]
