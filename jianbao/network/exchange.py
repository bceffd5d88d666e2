"""Registry exchange: import from CSV or XLSX, export to XLSX.

An import checks every row before it writes anything: a file with one bad row
imports nothing, and the error lists every bad row with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from jianbao.core.errors import JianbaoError, UnreadableFile
from jianbao.core.history import record
from jianbao.core.text import decode_text, pinyin_key
from jianbao.network.models import (
    BodyMember,
    MemberUnit,
    Organisation,
    OrganisationName,
    SecretariatContact,
)
from jianbao.network.services import ensure_unit, find_organisation

ALLIANCE_COLUMNS = (
    "全称",
    "简称",
    "其他名称",
    "类别",
    "入网日期",
    "领域或行业",
    "理事长单位",
    "秘书处联系人",
    "网站",
    "状态",
)
UNIT_COLUMNS = ("联盟", "单位", "角色")
KINDS = {"试点联盟": "is_pilot", "协发网网员": "is_network_member"}
STATUSES = {label: value for value, label in Organisation.Status.choices}
UNIT_ROLES = {label: value for value, label in MemberUnit.Role.choices}
LIST_SEPARATORS = re.compile(r"[、;；,，\n]+")
CONTACT_SEPARATORS = re.compile(r"[;；\n]+")
PHONE_CHARACTERS = frozenset("0123456789-+ ()")
# Longer than a 50-character name, a 254-character address and a 50-character phone.
MAX_CONTACT_LENGTH = 400
# Line breaks, NUL and the other controls have no place in a name or an address: one in a
# recipient's name later breaks a mail header.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def value_problem(label: str, value: str, max_length: int) -> str | None:
    """Why ``value`` cannot be stored in a column of ``max_length``, in the office's words."""
    if m := CONTROL_CHARACTERS.search(value):
        what = {"\r": "回车符", "\n": "换行符", "\x00": "空字符（NUL）"}.get(m.group(), "控制字符")
        return f"“{label}”含有{what}（U+{ord(m.group()):04X}），请删去后再导入"
    if len(value) > max_length:
        return f"“{label}”超过 {max_length} 个字符（现有 {len(value)} 个）"
    return None


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str


def parse_contact(text: str) -> Contact | None:
    """“姓名 <邮箱> 电话”, each part but the name optional; None when it is not that shape.

    A scan rather than a regex: the pattern this replaces backtracked for a
    minute on "a", 700 spaces and "<".  Each character is looked at at most twice.
    """
    text = text.strip()
    if not text or len(text) > MAX_CONTACT_LENGTH:
        return None
    name, bracket, rest = text.partition("<")
    email = ""
    if bracket:
        email, closed, rest = rest.partition(">")
        if not closed:
            return None
        phone = rest.strip()
    else:
        # No address: the phone is the run of phone characters at the end,
        # and the name is everything before it.
        start = len(text)
        while start > 0 and text[start - 1] in PHONE_CHARACTERS:
            start -= 1
        name, phone = text[:start], text[start:].strip()
    if not all(c in PHONE_CHARACTERS for c in phone):
        return None
    name = name.strip()
    if not name:
        return None
    return Contact(name=name, email=email.strip(), phone=phone)


class RegistryImportError(JianbaoError):
    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}：{message}" for line, message in problems]
        super().__init__(f"{len(problems)} 处错误，未导入任何内容\n" + "\n".join(lines))


@dataclass
class AllianceRow:
    line: int
    name: str
    short_names: list[str]
    other_names: list[str]
    flags: dict[str, bool]
    member_since: date | None
    field_name: str
    chair_unit: str
    contacts: list[dict]
    website: str
    status: str


@dataclass
class UnitRow:
    line: int
    alliance: str
    unit: str
    role: str


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    units: int = 0


# --- Reading -----------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_tables(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    """Each table in the file: its name and its (line number, cells) rows, header first."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise UnreadableFile(str(path), f"不是可读的 XLSX 文件（{exc}）") from None
        tables = {}
        for sheet in workbook.worksheets:
            rows = [
                (number, [_cell(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            tables[sheet.title] = [(n, r) for n, r in rows if any(r)]
        return tables
    text, _ = decode_text(data, str(path))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows, end = [], 0
    for row in reader:
        # A quoted cell may span lines: name the line the row starts on.
        start, end = end + 1, reader.line_num
        if any(row):
            rows.append((start, [c.strip() for c in row]))
    return {path.stem: rows}


def _split(value: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]


def _parse_contacts(value: str, problems: list[str]) -> list[dict]:
    contacts = []
    for entry in CONTACT_SEPARATORS.split(value):
        entry = entry.strip()
        if not entry:
            continue
        if len(entry) > MAX_CONTACT_LENGTH:
            problems.append(f"秘书处联系人：一位联系人超过 {MAX_CONTACT_LENGTH} 个字符")
            continue
        contact = parse_contact(entry)
        if contact is None:
            problems.append(f"联系人“{entry}”应写作“姓名 <邮箱> 电话”")
            continue
        problems += contact_problems(contact)
        if contact.email:
            try:
                validate_email(contact.email)
            except ValidationError:
                problems.append(f"邮箱“{contact.email}”格式不正确")
        contacts.append({"name": contact.name, "email": contact.email, "phone": contact.phone})
    return contacts


def contact_problems(contact: Contact) -> list[str]:
    checks = (
        ("联系人姓名", contact.name, _max_length(SecretariatContact, "name")),
        ("联系人邮箱", contact.email, _max_length(SecretariatContact, "email")),
        ("联系人电话", contact.phone, _max_length(SecretariatContact, "phone")),
    )
    return [p for label, value, limit in checks if (p := value_problem(label, value, limit))]


def _alliance_value_problems(row: AllianceRow) -> list[str]:
    name_length = _max_length(Organisation, "name")
    checks = [
        ("全称", row.name, name_length),
        ("领域或行业", row.field_name, _max_length(Organisation, "field")),
        ("理事长单位", row.chair_unit, name_length),
        ("网站", row.website, _max_length(Organisation, "website")),
    ]
    alias_length = _max_length(OrganisationName, "name")
    checks += [("简称", n, alias_length) for n in row.short_names]
    checks += [("其他名称", n, alias_length) for n in row.other_names]
    return [p for label, value, limit in checks if (p := value_problem(label, value, limit))]


def _parse_alliance(line: int, values: dict[str, str], problems: list[str]) -> AllianceRow:
    name = values.get("全称", "")
    if not name:
        problems.append("缺少全称")
    flags = {flag: False for flag in KINDS.values()}
    for kind in _split(values.get("类别", "")):
        if kind not in KINDS:
            problems.append(f"类别“{kind}”无效（应为试点联盟、协发网网员，或两者）")
        else:
            flags[KINDS[kind]] = True
    member_since = None
    if raw := values.get("入网日期", ""):
        try:
            member_since = date.fromisoformat(raw[:10])
        except ValueError:
            problems.append(f"入网日期“{raw}”应写作 2023-03-20")
        if not flags["is_network_member"]:
            problems.append("填写了入网日期，类别却不含协发网网员")
    website = values.get("网站", "")
    if website:
        try:
            URLValidator()(website)
        except ValidationError:
            problems.append(f"网站“{website}”不是有效网址")
    status_label = values.get("状态", "") or Organisation.Status.ACTIVE.label
    if status_label not in STATUSES:
        problems.append(f"状态“{status_label}”无效（应为存续或已解散）")
    row = AllianceRow(
        line=line,
        name=name,
        short_names=_split(values.get("简称", "")),
        other_names=_split(values.get("其他名称", "")),
        flags=flags,
        member_since=member_since,
        field_name=values.get("领域或行业", ""),
        chair_unit=values.get("理事长单位", ""),
        contacts=_parse_contacts(values.get("秘书处联系人", ""), problems),
        website=website,
        status=STATUSES.get(status_label, Organisation.Status.ACTIVE),
    )
    problems += _alliance_value_problems(row)
    return row


def _rows_as_dicts(rows, known: tuple[str, ...], required: str, problems):
    if not rows:
        return []
    header_line, header = rows[0]
    unknown = [h for h in header if h and h not in known]
    if unknown:
        problems.append((header_line, f"不认识的列：{'、'.join(unknown)}"))
    if required not in header:
        problems.append((header_line, f"缺少“{required}”列"))
        return []
    return [
        (line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
        for line, cells in rows[1:]
    ]


def check_registry_file(path: Path) -> tuple[list[AllianceRow], list[UnitRow]]:
    """Every row of the file, checked; raises with every problem if any row is bad."""
    tables = read_tables(path)
    problems: list[tuple[int, str]] = []
    alliance_rows, unit_rows = [], []
    for title, rows in tables.items():
        header = rows[0][1] if rows else []
        if title == "协发网机构":
            continue  # written for reading; the bodies are edited in the admin
        if "全称" in header or (title == "联盟"):
            for line, values in _rows_as_dicts(rows, ALLIANCE_COLUMNS, "全称", problems):
                row_problems: list[str] = []
                alliance_rows.append(_parse_alliance(line, values, row_problems))
                problems += [(line, p) for p in row_problems]
        elif "单位" in header or title == "成员单位":
            for line, values in _rows_as_dicts(rows, UNIT_COLUMNS, "单位", problems):
                unit_row = UnitRow(line, values.get("联盟", ""), values.get("单位", ""), "")
                role = values.get("角色", "") or MemberUnit.Role.MEMBER.label
                if role not in UNIT_ROLES:
                    problems.append((line, f"角色“{role}”无效"))
                unit_row.role = UNIT_ROLES.get(role, "")
                if not unit_row.alliance or not unit_row.unit:
                    problems.append((line, "联盟和单位都必须填写"))
                for label, value in (("联盟", unit_row.alliance), ("单位", unit_row.unit)):
                    if problem := value_problem(label, value, _max_length(Organisation, "name")):
                        problems.append((line, problem))
                unit_rows.append(unit_row)
        elif len(tables) == 1:
            problems.append((rows[0][0] if rows else 1, "缺少“全称”列"))
    problems += _cross_row_problems(alliance_rows, unit_rows)
    if not alliance_rows and not unit_rows and not problems:
        problems.append((1, "文件中没有任何数据"))
    if problems:
        raise RegistryImportError(str(path), sorted(problems))
    return alliance_rows, unit_rows


def _cross_row_problems(alliance_rows: list[AllianceRow], unit_rows: list[UnitRow]):
    problems = []
    owner_in_file: dict[str, str] = {}
    for row in alliance_rows:
        if not row.name:
            continue
        existing = find_organisation(row.name)
        if existing is not None and existing.name != row.name:
            problems.append((row.line, f"“{row.name}”已登记为“{existing.name}”的其他名称"))
        for name in [row.name, *row.short_names, *row.other_names]:
            earlier = owner_in_file.setdefault(name.lower(), row.name)
            if earlier != row.name:
                problems.append((row.line, f"名称“{name}”在文件中属于两个联盟"))
        for alias in [*row.short_names, *row.other_names]:
            holder = find_organisation(alias)
            if holder is not None and holder.name != row.name:
                problems.append((row.line, f"名称“{alias}”已属于“{holder.name}”"))
    in_file = {row.name for row in alliance_rows}
    for row in unit_rows:
        if row.alliance and row.alliance not in in_file and find_organisation(row.alliance) is None:
            problems.append((row.line, f"联盟“{row.alliance}”未登记"))
    return problems


# --- Writing -----------------------------------------------------------------


@transaction.atomic
def import_registry(path: Path, *, by, actor_name: str = "") -> ImportResult:
    """Write a checked file; ``by`` is the user, or None with ``actor_name`` from the CLI."""
    alliance_rows, unit_rows = check_registry_file(path)
    result = ImportResult()
    for row in alliance_rows:
        alliance = find_organisation(row.name)
        if alliance is None:
            alliance = Organisation(name=row.name)
            result.created.append(row.name)
        else:
            result.updated.append(row.name)
        alliance.kind = Organisation.Kind.ALLIANCE
        alliance.is_pilot = row.flags["is_pilot"]
        alliance.is_network_member = row.flags["is_network_member"]
        alliance.network_member_since = row.member_since or alliance.network_member_since
        alliance.field = row.field_name
        alliance.website = row.website
        alliance.status = row.status
        alliance.chair_unit = ensure_unit(row.chair_unit) if row.chair_unit else None
        alliance.save()
        if alliance.chair_unit:
            MemberUnit.objects.get_or_create(
                alliance=alliance, unit=alliance.chair_unit, role=MemberUnit.Role.CHAIR
            )
        for names, kind in (
            (row.short_names, OrganisationName.Kind.SHORT),
            (row.other_names, OrganisationName.Kind.OTHER),
        ):
            for name in names:
                if find_organisation(name) is None:
                    OrganisationName.objects.create(organisation=alliance, name=name, kind=kind)
        if row.contacts:
            alliance.contacts.all().delete()
            SecretariatContact.objects.bulk_create(
                SecretariatContact(alliance=alliance, **contact) for contact in row.contacts
            )
    for row in unit_rows:
        _, created = MemberUnit.objects.get_or_create(
            alliance=find_organisation(row.alliance), unit=ensure_unit(row.unit), role=row.role
        )
        result.units += created
    record(
        "network.registry.import",
        by=by,
        actor_name=actor_name,
        comment=f"{Path(path).name}：新增 {len(result.created)} 家，更新 {len(result.updated)} 家，"
        f"新增成员单位 {result.units} 条",
        data={
            "file": Path(path).name,
            "created": result.created,
            "updated": result.updated,
            "units": result.units,
        },
    )
    return result


def _contact_text(contact: SecretariatContact) -> str:
    text = contact.name
    if contact.email:
        text += f" <{contact.email}>"
    if contact.phone:
        text += f" {contact.phone}"
    return text


def alliance_rows_for_export() -> list[list]:
    alliances = (
        Organisation.objects.filter(kind=Organisation.Kind.ALLIANCE)
        .select_related("chair_unit")
        .prefetch_related("names", "contacts")
    )
    rows = []
    for a in sorted(alliances, key=lambda a: pinyin_key(a.name)):
        names = list(a.names.all())
        rows.append(
            [
                a.name,
                "、".join(n.name for n in names if n.kind == OrganisationName.Kind.SHORT),
                "、".join(n.name for n in names if n.kind == OrganisationName.Kind.OTHER),
                "、".join(a.kinds),
                a.network_member_since,
                a.field,
                a.chair_unit.name if a.chair_unit_id else "",
                "；".join(_contact_text(c) for c in a.contacts.all()),
                a.website,
                a.get_status_display(),
            ]
        )
    return rows


# Text a spreadsheet program would read as a formula (or DDE command) when typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_sheet(sheet, header, rows) -> None:
    """Header in bold, then the rows; text is always written as text, never as a formula."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                # openpyxl stores "=…" as a formula; a string cell keeps the text as
                # written, and the quote prefix keeps it text when someone edits it.
                cell.value = value
                cell.data_type = "s"
                cell.quotePrefix = True
    for column, title in zip(sheet.columns, header, strict=False):
        width = max([len(str(title)) * 2, *(len(str(c.value or "")) * 2 for c in column)])
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 8), 60)
    sheet.freeze_panes = "A2"


def export_registry(path: Path) -> int:
    """Write the registry as XLSX: alliances, member units and the network's bodies."""
    workbook = Workbook()
    alliances = workbook.active
    alliances.title = "联盟"
    rows = alliance_rows_for_export()
    write_sheet(alliances, ALLIANCE_COLUMNS, rows)
    units = sorted(
        MemberUnit.objects.select_related("alliance", "unit"),
        key=lambda m: (pinyin_key(m.alliance.name), m.role, pinyin_key(m.unit.name)),
    )
    write_sheet(
        workbook.create_sheet("成员单位"),
        UNIT_COLUMNS,
        [[m.alliance.name, m.unit.name, m.get_role_display()] for m in units],
    )
    seats = BodyMember.objects.select_related("body", "unit").order_by("body__name", "id")
    write_sheet(
        workbook.create_sheet("协发网机构"),
        ("机构", "职务", "姓名", "单位"),
        [
            [s.body.name, s.get_position_display(), s.person_name, s.unit.name if s.unit else ""]
            for s in seats
        ],
    )
    workbook.save(path)
    return len(rows)
