"""Distribution: the 报/送 lists, queueing one delivery per address, and sending.

The delivery rows are an outbox (HackSoft's pattern): publishing writes them
in the same transaction as the state change, and a task sends them after
commit.  Sending claims each row (queued → sending) with a token in its own
transaction, and marks it sent — compare-and-set on that token — just before
the SMTP final dot (see ``smtp.py``).  A row still "sending" therefore never
reached the server's end of data, and recovery may queue it again.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from jianbao.bulletins.models import Issue
from jianbao.core.errors import JianbaoError, UnreadableFile
from jianbao.core.history import record
from jianbao.core.text import decode_text
from jianbao.distribution import selectors
from jianbao.distribution.message import IssueMail, build_issue_mail
from jianbao.distribution.models import (
    FORBIDDEN_CHARACTERS,
    Delivery,
    DistributionList,
    IssueDistribution,
    Recipient,
)
from jianbao.distribution.resilience import DATABASE_UNAVAILABLE, Patience, first_line, retrying
from jianbao.distribution.smtp import ConnectionLost, MailSession, Preempted, ReplyError

logger = logging.getLogger("jianbao.distribution")

State = Delivery.State
CSV_COLUMNS = ("单位", "姓名", "邮箱")

# Set by the worker on SIGTERM/SIGINT: finish the mail in hand, then stop.
stop_sending = threading.Event()


def max_attempts() -> int:
    return getattr(settings, "JIANBAO_SEND_MAX_ATTEMPTS", 8)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for temporary (4xx) failures: 1, 2, 4 … minutes, at most an hour."""
    base = getattr(settings, "JIANBAO_SEND_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def claim_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "JIANBAO_SEND_CLAIM_TIMEOUT", 900))


def normalise_address(address: str) -> str:
    return address.strip().lower()


# --- Lists ---------------------------------------------------------------------


class RecipientsRefused(JianbaoError):
    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        summary = f"{path}：有 {len(problems)} 处错误，未导入任何收件人"
        super().__init__("\n".join([summary, *problems]))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def distribution_list(kind: str) -> DistributionList:
    if kind not in DistributionList.Kind.values:
        raise JianbaoError(f"名单只能是“报”或“送”，不是“{kind}”")
    return DistributionList.objects.get_or_create(kind=kind)[0]


FIELD_NAMES = {"单位": "organisation", "姓名": "person", "邮箱": "address"}


def _field_problem(column: str, value: str) -> str | None:
    if found := FORBIDDEN_CHARACTERS.search(value):
        char = found.group()
        kind = {"\r": "回车符", "\n": "换行符", "\x00": "空字符"}.get(char, "控制字符")
        return f"{column}含有{kind}（U+{ord(char):04X}），不允许"
    limit = Recipient._meta.get_field(FIELD_NAMES[column]).max_length
    if len(value) > limit:
        return f"{column}长 {len(value)} 字，超过上限 {limit} 字"
    return None


def parse_recipients_csv(data: bytes, path: str) -> list[tuple[int, str, str, str]]:
    """(line, 单位, 姓名, 邮箱) rows, or RecipientsRefused listing every bad line.

    Every value is checked here, before the database sees it: SQLite would
    store an over-long name as it is, PostgreSQL would refuse the whole
    import with a DataError naming no line.
    """
    try:
        text, _ = decode_text(data, path)  # Excel writes GBK as often as UTF-8
    except UnreadableFile as exc:
        text = _text_with_control_characters(data)
        if text is None:
            raise RecipientsRefused(path, [exc.reason]) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise RecipientsRefused(path, [f"第1行：{exc}"]) from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        problem = f"第1行：缺少列 {'、'.join(missing)}（应为 单位,姓名,邮箱）"
        raise RecipientsRefused(path, [problem])
    index = {c: header.index(c) for c in CSV_COLUMNS}
    rows, problems, seen = [], [], {}
    while True:
        # A quoted value may span lines: name the line the row starts on.
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"第{line}行：无法读取（{exc}）")
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(f"第{line}行：只有 {len(row)} 列，应有 {len(header)} 列")
            continue
        _check_row(line, [row[index[c]].strip() for c in CSV_COLUMNS], rows, problems, seen)
    if not problems and _CONTROL_NOT_LINE_END.search(text):
        problems.append("含有换行符以外的控制字符，不允许")  # outside any value
    if problems:
        raise RecipientsRefused(path, problems)
    return rows


# Text a spreadsheet program would read as a formula (or a DDE command) when the
# list is opened again: refused, so that nothing stored can run in somebody's Excel.
FORMULA_STARTS = ("=", "+", "-", "@")


def value_problem(column: str, value: str) -> str | None:
    """What is wrong with one value of a recipient (单位, 姓名 or 邮箱), or None."""
    if problem := _field_problem(column, value):
        return problem
    if value.startswith(FORMULA_STARTS):
        return f"{column}以“{value[0]}”开头，会被电子表格当作公式，请去掉开头的符号"
    return None


def _check_row(line: int, cells: list[str], rows: list, problems: list[str], seen: dict) -> None:
    """One row (单位, 姓名, 邮箱) into ``rows``, or its problems, each naming the row and column."""
    organisation, person, address = cells
    bad = [
        f"第{line}行 {problem}"
        for column, value in zip(CSV_COLUMNS, cells, strict=True)
        if (problem := value_problem(column, value))
    ]
    if bad:
        problems.extend(bad)
        return
    address = normalise_address(address)
    if not organisation:
        problems.append(f"第{line}行：单位为空")
    try:
        validate_email(address)
    except ValidationError:
        problems.append(f"第{line}行：邮箱“{address}”格式不对")
        return
    if address in seen:
        problems.append(f"第{line}行：邮箱 {address} 与第{seen[address]}行重复")
        return
    seen[address] = line
    rows.append((line, organisation, person, address))


XLSX_MAX_ROWS = 10000


def parse_recipients_xlsx(data: bytes, path: str) -> list[tuple[int, str, str, str]]:
    """The first sheet of an Excel file, read as the CSV is: same columns, same checks.

    A cell holding a formula is refused (its cached value may be stale or
    absent, and the formula itself is not an address); so is a sheet longer
    than XLSX_MAX_ROWS rows.
    """
    from openpyxl import load_workbook

    _check_xlsx_archive(data, path)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        numbered = list(_xlsx_rows(sheet, path))
    except RecipientsRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RecipientsRefused(path, [f"不是可读的 Excel（.xlsx）文件（{exc}）"]) from None
    if not numbered:
        raise RecipientsRefused(path, ["第1行：缺少列 单位、姓名、邮箱（应为 单位,姓名,邮箱）"])
    (_, header), body = numbered[0], numbered[1:]
    header = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        problem = f"第1行：缺少列 {'、'.join(missing)}（应为 单位,姓名,邮箱）"
        raise RecipientsRefused(path, [problem])
    index = {c: header.index(c) for c in CSV_COLUMNS}
    rows, problems, seen = [], [], {}
    for line, cells in body:
        if not any(cells):
            continue
        cells += [""] * (len(header) - len(cells))
        formulas = [
            f"第{line}行 {column}是公式（{cells[index[column]][:40]}），请改为文字"
            for column in CSV_COLUMNS
            if isinstance(cells[index[column]], _Formula)
        ]
        if formulas:
            problems.extend(formulas)
            continue
        _check_row(line, [cells[index[c]] for c in CSV_COLUMNS], rows, problems, seen)
    if problems:
        raise RecipientsRefused(path, problems)
    return rows


XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
XLSX_MAX_MEMBERS = 500


def _check_xlsx_archive(data: bytes, path: str) -> None:
    """Refuse a zip bomb or an XML entity trick before openpyxl unpacks anything."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise RecipientsRefused(path, ["不是可读的 Excel（.xlsx）文件（压缩包已损坏）"]) from None
    total = sum(m.file_size for m in members)
    if len(members) > XLSX_MAX_MEMBERS or total > XLSX_MAX_UNCOMPRESSED:
        raise RecipientsRefused(path, ["文件解压后过大，疑似压缩炸弹，未导入"])
    try:
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as stream:
                    head = stream.read(4096).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    problem = f"{member.filename} 含有 DOCTYPE/实体声明，未导入"
                    raise RecipientsRefused(path, [problem])
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise RecipientsRefused(
            path, [f"不是可读的 Excel（.xlsx）文件（{exc.__class__.__name__}）"]
        ) from None


class _Formula(str):
    """A cell's formula text, told apart from a text cell that reads the same."""


def _xlsx_rows(sheet, path: str):
    for line, row in enumerate(sheet.iter_rows(max_col=26), start=1):
        if line > XLSX_MAX_ROWS + 1:
            raise RecipientsRefused(path, [f"超过 {XLSX_MAX_ROWS} 行，请分成几个文件导入"])
        cells = []
        for cell in row:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", "") == "f":
                cells.append(_Formula(str(value)))
            elif value is None:
                cells.append("")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(str(value).strip())
        yield line, cells


def parse_recipients(data: bytes, path: str) -> list[tuple[int, str, str, str]]:
    """An Excel (.xlsx) or CSV file of 单位,姓名,邮箱 rows, told apart by their first bytes."""
    if data.startswith(b"PK\x03\x04"):
        return parse_recipients_xlsx(data, path)
    return parse_recipients_csv(data, path)


def _text_with_control_characters(data: bytes) -> str | None:
    """A text that decode_text refused only for a NUL or control character in it.

    Decoded here so that the row checks can name the line and the column.
    """
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text if _CONTROL_NOT_LINE_END.search(text) else None
    return None


# The forbidden characters less the line ends that separate a CSV's rows.
_CONTROL_NOT_LINE_END = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")


@transaction.atomic
def import_recipients(
    data: bytes, *, kind: str, by, path: str = "CSV", actor_name: str = ""
) -> ImportResult:
    """Add or update the list's recipients from a 单位,姓名,邮箱 CSV or .xlsx; all rows or none.

    ``by`` is the user, or None for the command line (``actor_name``: its --by).
    """
    rows = parse_recipients(data, path)
    target = distribution_list(kind)
    existing = {r.address: r for r in target.recipients.all()}
    result = ImportResult()
    for _line, organisation, person, address in rows:
        recipient = existing.get(address)
        if recipient is None:
            Recipient.objects.create(
                distribution_list=target, organisation=organisation, person=person, address=address
            )
            result.created += 1
        elif (recipient.organisation, recipient.person, recipient.is_active) != (
            organisation,
            person,
            True,
        ):
            recipient.organisation, recipient.person, recipient.is_active = (
                organisation,
                person,
                True,
            )
            recipient.save()
            result.updated += 1
        else:
            result.unchanged += 1
    record(
        "distribution.recipients.import",
        by=by,
        actor_name=actor_name,
        subject=target,
        comment=f"从 {path} 导入“{kind}”名单",
        data={
            "file": path,
            "rows": len(rows),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


class RecipientRefused(JianbaoError):
    """A recipient the desk cannot store; ``problems`` maps a form field to its message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("；".join(problems.values()))


def recipient_problems(
    distribution_list: DistributionList,
    *,
    organisation: str,
    person: str,
    address: str,
    instance: Recipient | None = None,
) -> dict[str, str]:
    """The import's checks for one recipient typed in the desk, by form field."""
    problems = {}
    for column, value in zip(CSV_COLUMNS, (organisation, person, address), strict=True):
        if problem := value_problem(column, value):
            problems[FIELD_NAMES[column]] = problem
    if not organisation and "organisation" not in problems:
        problems["organisation"] = "单位为空"
    if "address" not in problems:
        try:
            validate_email(address)
        except ValidationError:
            problems["address"] = f"邮箱“{address}”格式不对"
        else:
            same = distribution_list.recipients.filter(address__iexact=address)
            if instance is not None:
                same = same.exclude(pk=instance.pk)
            if clash := same.first():
                stopped = "" if clash.is_active else "（已停用，可在名单中恢复接收）"
                problems["address"] = f"{address} 已在“{distribution_list.kind}”名单中{stopped}"
    return problems


def _recipient_data(recipient: Recipient) -> dict:
    return {
        "list": recipient.distribution_list.kind,
        "organisation": recipient.organisation,
        "person": recipient.person,
        "address": recipient.address,
        "is_active": recipient.is_active,
    }


@transaction.atomic
def add_recipient(
    distribution_list: DistributionList, *, organisation: str, person: str, address: str, by
) -> Recipient:
    organisation, person, address = organisation.strip(), person.strip(), normalise_address(address)
    problems = recipient_problems(
        distribution_list, organisation=organisation, person=person, address=address
    )
    if problems:
        raise RecipientRefused(problems)
    recipient = Recipient.objects.create(
        distribution_list=distribution_list,
        organisation=organisation,
        person=person,
        address=address,
    )
    record(
        "distribution.recipient.add",
        by=by,
        subject=recipient,
        comment=f"在“{distribution_list.kind}”名单中添加 {recipient}",
        data=_recipient_data(recipient),
    )
    return recipient


@transaction.atomic
def edit_recipient(
    recipient: Recipient, *, organisation: str, person: str, address: str, by
) -> list[str]:
    """Change a recipient's 单位, 姓名 or 邮箱; the names of the changed fields.

    Deliveries already made keep the address they were sent to (a copy).
    """
    recipient = (
        Recipient.objects.select_for_update()
        .select_related("distribution_list")
        .get(pk=recipient.pk)
    )
    organisation, person, address = organisation.strip(), person.strip(), normalise_address(address)
    problems = recipient_problems(
        recipient.distribution_list,
        organisation=organisation,
        person=person,
        address=address,
        instance=recipient,
    )
    if problems:
        raise RecipientRefused(problems)
    before = _recipient_data(recipient)
    recipient.organisation, recipient.person, recipient.address = organisation, person, address
    after = _recipient_data(recipient)
    changed = [k for k in ("organisation", "person", "address") if before[k] != after[k]]
    if changed:
        recipient.save(update_fields=changed)
        record(
            "distribution.recipient.edit",
            by=by,
            subject=recipient,
            comment=f"修改收件人 {recipient}",
            data={"before": before, "after": after, "changed": changed},
        )
    return changed


@transaction.atomic
def set_recipient_active(recipient: Recipient, *, active: bool, by) -> bool:
    """Stop (or resume) sending to a recipient; never a deletion, deliveries refer to it.

    Returns whether anything changed.
    """
    changed = Recipient.objects.filter(pk=recipient.pk, is_active=not active).update(
        is_active=active
    )
    recipient.refresh_from_db()
    if changed:
        record(
            "distribution.recipient." + ("reactivate" if active else "deactivate"),
            by=by,
            subject=recipient,
            comment=("恢复接收：" if active else "停用：") + str(recipient),
            data=_recipient_data(recipient),
        )
    return bool(changed)


@transaction.atomic
def choose_audience(issue: Issue, *, lists, extra_recipients, by) -> selectors.Audience:
    """Choose which lists and which extra recipients receive the issue; who that is now.

    A published issue's deliveries already made stay as they are: 补发 then
    queues whoever the new choice adds.
    """
    choice, _ = IssueDistribution.objects.select_for_update().get_or_create(issue=issue)
    before = {
        "lists": sorted(choice.lists.values_list("kind", flat=True)),
        "extra": sorted(choice.extra_recipients.values_list("address", flat=True)),
    }
    choice.lists.set(lists)
    choice.extra_recipients.set(extra_recipients)
    choice.save(update_fields=["updated_at"])
    audience = selectors.audience(issue)
    after = {
        "lists": sorted(choice.lists.values_list("kind", flat=True)),
        "extra": sorted(choice.extra_recipients.values_list("address", flat=True)),
    }
    record(
        "distribution.audience.choose",
        by=by,
        subject=issue,
        comment=f"本期发送给{'、'.join(f'“{k}”' for k in after['lists']) or '（无名单）'}"
        + (f"及另外 {len(after['extra'])} 人" if after["extra"] else "")
        + f"，共 {audience.count} 人",
        data={"before": before, "after": after, "count": audience.count},
    )
    return audience


# --- Queueing ------------------------------------------------------------------


def new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "jianbao.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


@transaction.atomic
def queue_deliveries(issue: Issue) -> int:
    """One delivery per address of the issue's audience not yet queued for this issue."""
    if issue.state != Issue.State.PUBLISHED:
        raise JianbaoError(f"{issue.label} 尚未发布，不能分发")
    have = set(issue.deliveries.values_list("address", flat=True))
    new: dict[str, Delivery] = {}
    # The lists and extra recipients chosen for the issue; every list without a choice.
    for recipient in selectors.audience(issue).recipients:
        address = normalise_address(recipient.address)
        if address in have or address in new:
            continue
        new[address] = Delivery(
            issue=issue,
            recipient=recipient,
            address=address,
            organisation=recipient.organisation,
            person=recipient.person,
            list_kind=recipient.distribution_list.kind,
            message_id=new_message_id(),
        )
    # ignore_conflicts: a concurrent `send` may have queued some of these;
    # the unique (issue, address) constraint decides.
    Delivery.objects.bulk_create(new.values(), batch_size=500, ignore_conflicts=True)
    if new:
        transaction.on_commit(lambda: enqueue_sending(issue.pk))
    return len(new)


@transaction.atomic
def queue_missing(issue: Issue, *, by, actor_name: str = "") -> int:
    """Queue the issue for recipients added since it was published, on a person's say-so."""
    count = queue_deliveries(issue)
    if count:
        record(
            "distribution.deliveries.queue",
            by=by,
            actor_name=actor_name,
            subject=issue,
            comment=f"为 {count} 位新收件人排队",
            data={"queued": count},
        )
    return count


def enqueue_sending(issue_id: int, *, run_after=None) -> None:
    from jianbao.distribution.tasks import send_issue

    task = send_issue.using(run_after=run_after) if run_after else send_issue
    task.enqueue(issue_id)


# --- Sending -------------------------------------------------------------------


def worker_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    bounced: int = 0
    stopped: bool = False
    server_unavailable: bool = False
    tried: int = 0
    started: float = field(default_factory=time.monotonic)
    errors: list[str] = field(default_factory=list)


SENDING_FIELDS = ("id", "issue_id", "address", "person", "message_id")
# Claimed together, marked sent one by one: half the writes of claiming singly,
# and a crash leaves at most this many rows for recovery to queue again.
CLAIM_CHUNK = 25


def _ready(issue_id: int):
    now = timezone.now()
    # A withdrawn issue's queued mail waits; republishing sends it.
    return Delivery.objects.filter(
        issue_id=issue_id, state=State.QUEUED, issue__state=Issue.State.PUBLISHED
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _claim_many(delivery_ids: list[int], token: str) -> set[int]:
    """Take queued rows for this sender (queued → sending) in one transaction."""
    Delivery.objects.filter(pk__in=delivery_ids, state=State.QUEUED).update(
        state=State.SENDING,
        claim_token=token,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    return set(
        Delivery.objects.filter(claim_token=token, state=State.SENDING).values_list("pk", flat=True)
    )


def _claim(delivery_id: int, token: str) -> bool:
    return delivery_id in _claim_many([delivery_id], token)


def _release(delivery_ids: list[int], token: str) -> None:
    """Give back claimed rows that were not tried; their final dot was never written."""
    Delivery.objects.filter(pk__in=delivery_ids, state=State.SENDING, claim_token=token).update(
        state=State.QUEUED, attempts=F("attempts") - 1
    )


def _move(delivery: Delivery, token: str, from_state: str, **changes) -> bool:
    """Compare-and-set on (state, claim token): only the claimant may move its row."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, state=from_state, claim_token=token).update(
            updated_at=timezone.now(), **changes
        )
    )


def _pace(rate: float, started: float, count: int) -> None:
    if rate > 0:
        wait = started + count / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)


class _Holding:
    """The claims of one sender, to give back after the database was lost mid-send.

    ``unsent`` holds rows whose sent mark may have committed although the
    final dot never followed (the database failed on that very write): they
    go back to the queue with the rest.
    """

    def __init__(self):
        self.tokens: list[str] = []
        self.unsent: set[int] = set()

    def new_token(self) -> str:
        token = worker_token()
        self.tokens.append(token)
        return token

    def give_back(self) -> None:
        if self.unsent:
            Delivery.objects.filter(
                pk__in=self.unsent, claim_token__in=self.tokens, state=State.SENT
            ).update(state=State.QUEUED, sent_at=None, attempts=F("attempts") - 1)
        if self.tokens:
            Delivery.objects.filter(claim_token__in=self.tokens, state=State.SENDING).update(
                state=State.QUEUED, attempts=F("attempts") - 1
            )
        self.forget()

    def forget(self) -> None:
        self.tokens, self.unsent = [], set()


@dataclass
class _Prepared:
    """The issue's mail, built once per send; or why it cannot be built."""

    mail: IssueMail | None = None
    problem: str = ""


def _prepare(issue_id: int, prepared: _Prepared) -> None:
    if prepared.mail is not None or prepared.problem:
        return
    issue = Issue.objects.get(pk=issue_id)
    try:
        prepared.mail = build_issue_mail(issue)
    except DATABASE_UNAVAILABLE:
        raise
    except Exception as exc:
        # A PDF that cannot be typeset (a character no font has) fails the
        # same way for every recipient: say so on each delivery, once.
        prepared.problem = f"无法生成本期邮件：{_render_problem(issue, exc)}"
        logger.warning("issue %s: %s", issue_id, prepared.problem)


def _render_problem(issue: Issue, exc: Exception) -> str:
    """The reason in one line, naming the article at fault when the PDF is to blame."""
    from jianbao.bulletins.services import issue_to_bulletin
    from jianbao.publishing.render.pdf import preflight

    try:
        preflight(issue_to_bulletin(issue))
    except DATABASE_UNAVAILABLE:
        raise
    except Exception as named:
        return first_line(named)
    return f"{exc.__class__.__name__}: {first_line(exc)}"


def send_queued(issue_id: int, *, mail: IssueMail | None = None, limit: int | None = None):
    """Send every ready delivery of the issue over one reused connection.

    A locked or lost database pauses the send (with backoff) rather than
    ending it: the claims are given back and the send goes on once the
    database answers again.
    """
    report = SendReport()
    session = MailSession()
    prepared = _Prepared(mail=mail)
    holding = _Holding()
    patience = Patience(f"发送第 {issue_id} 号简报", stop=stop_sending)
    try:
        while True:
            try:
                holding.give_back()
                _send_batches(issue_id, prepared, limit, session, report, holding)
            except DATABASE_UNAVAILABLE as exc:
                session.abort()  # a half-sent message without its final dot is discarded
                patience.wait(exc)  # re-raises on SIGTERM
            else:
                patience.recovered()
                break
    finally:
        holding.forget()
        session.close()
    retrying(lambda: _schedule_retry(issue_id), what="安排重试", stop=stop_sending)
    return report


def _send_batches(issue_id, prepared: _Prepared, limit, session, report: SendReport, holding):
    rate = getattr(settings, "JIANBAO_SEND_RATE", 0)
    while not (report.stopped or report.server_unavailable):
        batch = list(_ready(issue_id).order_by("id").only(*SENDING_FIELDS)[:CLAIM_CHUNK])
        if not batch:
            break
        # A fresh token per chunk tells this chunk's claims from any other's.
        token = holding.new_token()
        claimed = _claim_many([d.pk for d in batch], token)
        pending = [d for d in batch if d.pk in claimed]
        try:
            _send_chunk(issue_id, pending, token, prepared, limit, session, report, holding, rate)
        except DATABASE_UNAVAILABLE:
            raise  # given back by send_queued once the database answers
        except BaseException:
            if pending:
                _release([d.pk for d in pending], token)
            raise
        if pending:
            # Untried: their final dot was never written.
            _release([d.pk for d in pending], token)


def _send_chunk(issue_id, pending, token, prepared, limit, session, report, holding, rate):
    while pending:
        if stop_sending.is_set() or (limit is not None and report.tried >= limit):
            report.stopped = True
            return
        _prepare(issue_id, prepared)
        delivery = pending.pop(0)
        if prepared.problem:
            _fail(delivery, token, prepared.problem, report)
            continue
        _pace(rate, report.started, report.tried)
        report.tried += 1
        _send_one(delivery, token, prepared.mail, session, report, holding)
        if report.server_unavailable:
            # The rest wait for the retry rather than each time out in turn.
            return


def _send_one(
    delivery: Delivery, token: str, mail: IssueMail, session, report, holding=None
) -> None:
    def commit_sent() -> bool:
        try:
            return _move(
                delivery, token, State.SENDING, state=State.SENT, sent_at=timezone.now(), error=""
            )
        except DATABASE_UNAVAILABLE:
            # The mark may have committed; the dot will not follow (see send_queued).
            if holding is not None:
                holding.unsent.add(delivery.pk)
            raise

    try:
        chunks = mail.chunks_for(delivery.address, delivery.person, delivery.message_id)
        session.send(mail.from_address, delivery.address, chunks, commit_sent)
    except Preempted:
        return
    except ReplyError as exc:
        _record_refusal(delivery, token, exc, report)
        return
    except ConnectionLost as exc:
        if exc.after_dot:
            # The server may have the message: never risk a second copy.
            _move(delivery, token, State.SENT, error=f"服务器未确认收到（{exc}），按已发送处理")
            report.sent += 1
        else:
            _retry_later(delivery, token, State.SENDING, f"连接中断：{exc}", report)
            report.server_unavailable = True
        return
    except DATABASE_UNAVAILABLE:
        session.abort()
        raise
    except Exception as exc:
        # Anything else (a name with a line break, a bug): this delivery fails
        # with the reason, the connection starts afresh, the batch goes on.
        session.abort()
        logger.warning("delivery %s failed: %s", delivery.pk, first_line(exc))
        _fail(delivery, token, f"发送时出错：{exc.__class__.__name__}: {first_line(exc)}", report)
        return
    report.sent += 1


def _fail(delivery: Delivery, token: str, reason: str, report) -> None:
    if _move(delivery, token, State.SENDING, state=State.FAILED, error=reason[:2000]):
        report.failed += 1
        report.errors.append(f"{delivery.address}：{reason}")


def _record_refusal(delivery: Delivery, token: str, exc: ReplyError, report) -> None:
    from_state = State.SENT if exc.after_dot else State.SENDING
    reply = f"{exc.code} {exc.reply}".strip()
    if exc.is_temporary:
        _retry_later(delivery, token, from_state, reply, report)
    elif exc.recipient:
        _move(delivery, token, from_state, state=State.BOUNCED, error=reply, sent_at=None)
        report.bounced += 1
        report.errors.append(f"{delivery.address}：{reply}")
    else:
        _move(delivery, token, from_state, state=State.FAILED, error=reply, sent_at=None)
        report.failed += 1
        report.errors.append(f"{delivery.address}：{reply}")


def _retry_later(delivery: Delivery, token: str, from_state: str, reason: str, report) -> None:
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    if attempts >= max_attempts():
        _move(delivery, token, from_state, state=State.FAILED, error=reason, sent_at=None)
        report.failed += 1
        report.errors.append(f"{delivery.address}：{reason}")
        return
    _move(
        delivery,
        token,
        from_state,
        state=State.QUEUED,
        error=reason,
        sent_at=None,
        next_attempt_at=timezone.now() + retry_delay(attempts),
    )
    report.retrying += 1


def _schedule_retry(issue_id: int) -> None:
    later = Delivery.objects.filter(issue_id=issue_id, state=State.QUEUED).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if later is not None and later > timezone.now():
        enqueue_sending(issue_id, run_after=later)


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is still queued."""
    issue_id = Delivery.objects.values_list("issue_id", flat=True).get(pk=delivery_id)
    holding = _Holding()
    token = holding.new_token()
    try:
        if not _claim(delivery_id, token):
            return Delivery.objects.values_list("state", flat=True).get(pk=delivery_id)
        delivery = Delivery.objects.only(*SENDING_FIELDS).get(pk=delivery_id)
        prepared = _Prepared()
        _prepare(issue_id, prepared)
        report = SendReport()
        if prepared.problem:
            _fail(delivery, token, prepared.problem, report)
        else:
            session = MailSession()
            try:
                _send_one(delivery, token, prepared.mail, session, report, holding)
            finally:
                session.close()
    except DATABASE_UNAVAILABLE:
        # The task is run again whole (tasks.py); give back what it held first.
        retrying(holding.give_back, what="归还投递", stop=stop_sending)
        raise
    _schedule_retry(issue_id)
    return Delivery.objects.values_list("state", flat=True).get(pk=delivery_id)


@transaction.atomic
def resend(delivery: Delivery, *, by) -> None:
    """Queue a failed or bounced delivery again, on a person's say-so."""
    delivery = Delivery.objects.select_for_update().select_related("issue").get(pk=delivery.pk)
    if delivery.state not in (State.FAILED, State.BOUNCED):
        raise JianbaoError(f"{delivery.address} 的状态是“{delivery.get_state_display()}”，不能重发")
    Delivery.objects.filter(pk=delivery.pk, state=delivery.state).update(
        state=State.QUEUED, attempts=0, next_attempt_at=None, claim_token="", error=""
    )
    record(
        "distribution.delivery.resend",
        by=by,
        subject=delivery,
        from_state=delivery.state,
        to_state=State.QUEUED,
        comment=f"重发给 {delivery.address}",
        data={"issue": delivery.issue_id, "address": delivery.address, "error": delivery.error},
    )
    transaction.on_commit(lambda: enqueue_sending(delivery.issue_id))


def record_bounce(message_id: str, *, recipient: str, diagnostic: str) -> bool:
    """A bounce that arrived later by mail: the delivery with that Message-ID was refused."""
    return bool(
        Delivery.objects.filter(
            message_id=message_id, address=normalise_address(recipient), state=State.SENT
        ).update(
            state=State.BOUNCED,
            error=f"退信：{diagnostic}"[:2000],
            updated_at=timezone.now(),
        )
    )


# --- Recovery ------------------------------------------------------------------


def _claimant_is_dead(token: str) -> bool:
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_deliveries() -> int:
    """Queue again what a dead worker left half-done, and make sure a task will send it.

    A row in "sending" never had its final dot written (the sent mark comes
    first), so queueing it again cannot make a second copy.  A claimant that
    is merely slow loses its claim and aborts before the dot.
    """
    stale_before = timezone.now() - claim_timeout()
    requeued = 0
    sending = Delivery.objects.filter(state=State.SENDING).only("pk", "claim_token", "claimed_at")
    for delivery in sending:
        stale = delivery.claimed_at is not None and delivery.claimed_at < stale_before
        if stale or _claimant_is_dead(delivery.claim_token):
            requeued += _move(
                delivery,
                delivery.claim_token,
                State.SENDING,
                state=State.QUEUED,
                error="发送进程中断，未交付服务器，重新排队",
            )
    # Rows waiting out a backoff have a deferred task already; these have none
    # that is sure to run (its worker may have died holding it).
    ready = Delivery.objects.filter(state=State.QUEUED, issue__state=Issue.State.PUBLISHED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )
    for issue_id in ready.values_list("issue_id", flat=True).distinct():
        enqueue_sending(issue_id)
    return requeued


# --- Reading -------------------------------------------------------------------


def delivery_rows(issue: Issue) -> list[dict]:
    return [
        {
            "address": d.address,
            "organisation": d.organisation,
            "person": d.person,
            "list": d.list_kind,
            "state": d.state,
            "attempts": d.attempts,
            "error": d.error,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        }
        for d in issue.deliveries.order_by("list_kind", "id")
    ]


def delivery_progress(issue: Issue) -> dict:
    counts = dict.fromkeys(State.values, 0)
    for state in issue.deliveries.values_list("state", flat=True):
        counts[state] += 1
    return {"total": sum(counts.values()), **counts}
