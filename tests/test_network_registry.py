"""The registry: import and export, mail senders, profile changes proposed by alliances."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from jianbao.core.errors import JianbaoError
from jianbao.network import services
from jianbao.network.exchange import RegistryImportError, export_registry, import_registry
from jianbao.network.models import (
    MemberUnit,
    Organisation,
    OrganisationName,
    ProfileChange,
    SecretariatContact,
)
from tests.factories import AllianceFactory, person

pytestmark = pytest.mark.django_db

HEADER = "全称,简称,其他名称,类别,入网日期,领域或行业,理事长单位,秘书处联系人,网站,状态"
GOOD_ROWS = [
    "健康建筑产业技术创新战略联盟,健康建筑联盟,,试点联盟、协发网网员,2023-03-20,建筑,"
    "中国建筑科学研究院有限公司,王芳 <wang@example.org> 010-6469;李雷 <li@example.org>,"
    "https://example.org,存续",
    "粉末冶金产业技术创新战略联盟,粉末冶金联盟,,试点联盟,,材料,,,,",
]


def write_csv(tmp_path, rows, name="registry.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def write_xlsx(tmp_path, rows, units=(), name="registry.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "联盟"
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    if units:
        unit_sheet = workbook.create_sheet("成员单位")
        unit_sheet.append(["联盟", "单位", "角色"])
        for unit in units:
            unit_sheet.append(list(unit))
    path = tmp_path / name
    workbook.save(path)
    return path


def test_a_good_csv_creates_alliances_with_names_kinds_chair_and_contacts(tmp_path):
    result = import_registry(write_csv(tmp_path, GOOD_ROWS), by=None)
    assert len(result.created) == 2
    health = Organisation.objects.get(name="健康建筑产业技术创新战略联盟")
    assert health.kinds == ["试点联盟", "协发网网员"]
    assert health.network_member_since == date(2023, 3, 20)
    assert health.chair_unit.name == "中国建筑科学研究院有限公司"
    assert MemberUnit.objects.get(alliance=health).role == MemberUnit.Role.CHAIR
    assert [c.email for c in health.contacts.all()] == ["wang@example.org", "li@example.org"]
    assert services.find_organisation("健康建筑联盟") == health


def test_a_gbk_csv_from_excel_reads_the_same(tmp_path):
    import_registry(write_csv(tmp_path, GOOD_ROWS, encoding="gb18030"), by=None)
    assert Organisation.objects.filter(name="粉末冶金产业技术创新战略联盟").exists()


def test_a_bad_csv_reports_every_bad_row_and_imports_nothing(tmp_path, database_fingerprint):
    before = database_fingerprint()
    rows = [
        GOOD_ROWS[0],
        ",无名联盟,,,,,,,,",  # line 3: no full name
        "甲产业技术创新战略联盟,,,重点联盟,,,,,,",  # line 4: unknown kind
        "乙产业技术创新战略联盟,,,试点联盟,2023-13-01,,,,not-a-url,存续",  # line 5
        "丙产业技术创新战略联盟,健康建筑联盟,,,,,,张三 <not-an-email>,,",  # line 6
    ]
    with pytest.raises(RegistryImportError) as raised:
        import_registry(write_csv(tmp_path, rows), by=None)
    lines = [line for line, _ in raised.value.problems]
    assert lines == [3, 4, 5, 5, 5, 6, 6]
    messages = "\n".join(m for _, m in raised.value.problems)
    assert "缺少全称" in messages and "类别“重点联盟”无效" in messages
    assert "入网日期“2023-13-01”" in messages and "不是有效网址" in messages
    assert "名称“健康建筑联盟”在文件中属于两个联盟" in messages
    assert "邮箱“not-an-email”格式不正确" in messages
    assert database_fingerprint() == before


def test_a_bad_xlsx_reports_its_row_numbers_and_imports_nothing(tmp_path, database_fingerprint):
    before = database_fingerprint()
    path = write_xlsx(
        tmp_path,
        [["丁产业技术创新战略联盟", "", "", "试点联盟", "", "", "", "", "", "存续"]],
        units=[("丁产业技术创新战略联盟", "某公司", "会长单位"), ("未登记联盟", "某公司", "")],
    )
    with pytest.raises(RegistryImportError) as raised:
        import_registry(path, by=None)
    assert raised.value.problems == [
        (2, "角色“会长单位”无效"),
        (3, "联盟“未登记联盟”未登记"),
    ]
    assert database_fingerprint() == before


def test_an_unknown_column_refuses_the_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("全称,传真\n甲产业技术创新战略联盟,010\n", encoding="utf-8")
    with pytest.raises(RegistryImportError, match=r"x\.csv:1：不认识的列：传真"):
        import_registry(path, by=None)


def test_a_good_xlsx_imports_alliances_and_member_units(tmp_path):
    path = write_xlsx(
        tmp_path,
        [["海洋材料产业技术创新战略联盟", "海洋材料联盟", "", "协发网网员", date(2022, 5, 1)]],
        units=[
            ("海洋材料产业技术创新战略联盟", "某研究院", "发起单位"),
            ("海洋材料产业技术创新战略联盟", "某研究院", "理事长单位"),
        ],
    )
    result = import_registry(path, by=None)
    assert result.units == 2
    alliance = Organisation.objects.get(name="海洋材料产业技术创新战略联盟")
    assert alliance.network_member_since == date(2022, 5, 1)
    assert sorted(alliance.member_units.values_list("role", flat=True)) == ["chair", "founder"]


def test_import_updates_an_existing_alliance_found_by_name(tmp_path):
    existing = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    result = import_registry(write_csv(tmp_path, GOOD_ROWS[1:]), by=None)
    assert result.updated == ["粉末冶金产业技术创新战略联盟"] and not result.created
    existing.refresh_from_db()
    assert existing.is_pilot and existing.field == "材料"


def test_export_then_import_round_trips(tmp_path):
    import_registry(write_csv(tmp_path, GOOD_ROWS), by=None)
    out = tmp_path / "out.xlsx"
    assert export_registry(out) == 2
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["联盟", "成员单位", "协发网机构"]
    rows = list(workbook["联盟"].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER.split(","))
    # In pinyin order: 粉末 (fen) before 健康 (jian).
    assert [r[0] for r in rows[1:]] == [
        "粉末冶金产业技术创新战略联盟",
        "健康建筑产业技术创新战略联盟",
    ]
    assert rows[2][7] == "王芳 <wang@example.org> 010-6469；李雷 <li@example.org>"
    result = import_registry(out, by=None)
    assert sorted(result.updated) == sorted(
        ["健康建筑产业技术创新战略联盟", "粉末冶金产业技术创新战略联盟"]
    )
    assert SecretariatContact.objects.count() == 2


def test_registry_command_reports_each_bad_row_and_exits_2(cli, tmp_path):
    bad = write_csv(tmp_path, [",某联盟,,,,,,,,", "甲产业技术创新战略联盟,,,重点联盟,,,,,,"])
    result = cli("registry", "import", str(bad))
    assert result.status == 2
    assert f"{bad}:2：缺少全称" in result.stderr
    assert f"{bad}:3：类别“重点联盟”无效" in result.stderr
    assert "2 处错误，未导入任何内容" in result.stderr.splitlines()[-1]


def test_registry_command_imports_and_exports(cli, tmp_path):
    result = cli("registry", "import", str(write_csv(tmp_path, GOOD_ROWS)))
    assert result.status == 0 and "新增 2 家联盟" in result.stdout
    out = tmp_path / "registry-out.xlsx"
    assert cli("registry", "export", str(out)).status == 0
    assert out.exists()
    rows = {r["name"]: r for r in json.loads(cli("alliances", "--format", "json").stdout)}
    assert rows["健康建筑产业技术创新战略联盟"]["kinds"] == ["试点联盟", "协发网网员"]
    assert rows["健康建筑产业技术创新战略联盟"]["short_names"] == ["健康建筑联盟"]


# --- Mail intake ---------------------------------------------------------------


def test_mail_senders_are_matched_by_secretariat_address_ignoring_case():
    alliance = AllianceFactory()
    SecretariatContact.objects.create(alliance=alliance, name="王芳", email="Wang@Example.org")
    assert services.find_alliance_by_sender("wang@example.ORG") == alliance
    assert services.find_alliance_by_sender("nobody@example.org") is None
    assert services.find_alliance_by_sender("") is None


def test_a_sender_serving_two_alliances_is_left_to_an_editor():
    for alliance in (AllianceFactory(), AllianceFactory()):
        SecretariatContact.objects.create(alliance=alliance, name="王芳", email="w@example.org")
    assert services.find_alliance_by_sender("w@example.org") is None


# --- Profile changes -------------------------------------------------------------


def test_an_alliance_proposes_and_the_office_approves_a_profile_change():
    alliance = AllianceFactory()
    secretariat = person("sec", "submitter", alliance=alliance)
    editor = person("ed", "editor")
    change = services.propose_profile_change(
        alliance,
        {"field": "新材料", "contacts": [{"name": "王芳", "email": "w@example.org"}]},
        by=secretariat,
    )
    alliance.refresh_from_db()
    assert alliance.field == ""  # waits for approval
    with pytest.raises(PermissionDenied):
        services.decide_profile_change(change, approve=True, by=secretariat)
    services.decide_profile_change(change, approve=True, by=editor)
    alliance.refresh_from_db()
    assert alliance.field == "新材料"
    assert services.find_alliance_by_sender("w@example.org") == alliance
    change.refresh_from_db()
    assert change.state == ProfileChange.State.APPROVED and change.decided_by == editor


def test_a_rejected_change_changes_nothing_and_cannot_be_decided_twice():
    alliance = AllianceFactory(field="材料")
    change = services.propose_profile_change(
        alliance, {"field": "别的"}, by=person("sec", "submitter", alliance=alliance)
    )
    services.decide_profile_change(change, approve=False, by=person("ed", "editor"))
    alliance.refresh_from_db()
    assert alliance.field == "材料"
    with pytest.raises(JianbaoError, match="已处理"):
        services.decide_profile_change(change, approve=True, by=person("ed", "editor"))


def test_an_alliance_cannot_propose_changes_to_another():
    other = AllianceFactory()
    secretariat = person("sec", "submitter", alliance=AllianceFactory())
    with pytest.raises(PermissionDenied):
        services.propose_profile_change(other, {"field": "x"}, by=secretariat)


def test_names_recorded_in_the_registry_link_articles(tmp_path):
    import_registry(write_csv(tmp_path, GOOD_ROWS), by=None)
    assert OrganisationName.objects.get(name="健康建筑联盟").kind == OrganisationName.Kind.SHORT


def test_a_broken_xlsx_is_one_clear_line(cli, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("registry", "import", str(broken))
    assert result.status == 2
    assert "不是可读的 XLSX 文件" in result.stderr and "Traceback" not in result.stderr
