"""The submission mailbox: each unread message becomes one submission.

Order matters for "no loss, no duplicate": the message is read with
BODY.PEEK (it stays unread), its submission commits, and only then is it
flagged \\Seen.  A crash before the commit leaves it unread for the next
fetch; a crash after it meets the unique Message-ID and is only flagged.
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError

from jianbao.core.errors import JianbaoError
from jianbao.core.limits import parse_limits
from jianbao.core.models import Role
from jianbao.mailbox.parsing import Bounce, ParsedMail, parse_mail
from jianbao.mailbox.signals import bounce_received
from jianbao.network.models import Organisation
from jianbao.submissions.models import Submission, SubmissionEvent
from jianbao.submissions.services import (
    AttachmentRefused,
    ReadAttachment,
    read_attachment,
    receive,
)

logger = logging.getLogger(__name__)
IMAP_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError)
NO_SUBJECT = "（无主题）"


@dataclass(frozen=True)
class MailboxConfig:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str


def mailbox_config(url: str) -> MailboxConfig:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise JianbaoError(
            "IMAP_URL 应写作 imaps://用户:密码@主机:端口/INBOX（或本机测试用 imap://）"
        )
    secure = parts.scheme == "imaps"
    return MailboxConfig(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def open_mailbox(config: MailboxConfig):
    box_class = MailBox if config.secure else MailBoxUnencrypted
    box = box_class(config.host, config.port, timeout=60)
    return box.login(config.user, config.password, initial_folder=config.folder)


def find_alliance_for_sender(address: str) -> Organisation | None:
    """The registry's secretariat addresses first, then a submitter account's own e-mail."""
    from jianbao.network import services as network

    finder = getattr(network, "find_alliance_by_sender", None)
    if finder is not None and (alliance := finder(address)) is not None:
        return alliance
    users = get_user_model().objects.filter(email__iexact=address, is_active=True)
    alliances = list(
        Organisation.objects.filter(
            role_grants__role=Role.SUBMITTER, role_grants__user__in=users
        ).distinct()[:2]
    )
    # Two alliances behind one address: leave the choice to an editor.
    return alliances[0] if len(alliances) == 1 else None


def read_mail_attachments(parsed: ParsedMail) -> tuple[list[ReadAttachment], list[str]]:
    """Every attachment read within the limits, or the reason it was refused.

    Slow for a large Word file, and a second or so for each .doc/.wps
    (LibreOffice converts it), so it runs in the worker's fetch, before the
    transaction that stores the mail: a login meanwhile must not wait for the
    write lock.
    """
    read, refused = [], []
    most = parse_limits().attachments
    for position, part in enumerate(parsed.attachments):
        if position >= most:
            refused.append(f"{part.name}：附件超过 {most} 个，超出上限")
            continue
        try:
            read.append(read_attachment(part.name, part.data))
        except AttachmentRefused as exc:
            refused.append(str(exc))
        except Exception:  # one file no reader expected must not lose the message
            logger.exception("mail %s: attachment %s unreadable", parsed.message_id, part.name)
            refused.append(f"{part.name}：无法读取此文件")
    return read, refused


def store_mail(parsed: ParsedMail, *, by=None) -> tuple[Submission, bool]:
    """The submission for one parsed message; (existing, False) when already stored."""
    existing = Submission.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing, False
    read, refused = read_mail_attachments(parsed)
    # The text of a .docx, .doc, .wps or .txt attachment is the news; the mail body is
    # usually a covering note ("请审阅附件"), kept in the history instead.
    document = next((a for a in read if a.paragraphs), None)
    if document is not None:
        title, paragraphs = document.title or parsed.subject, list(document.paragraphs)
    else:
        title, paragraphs = parsed.subject, list(parsed.paragraphs)
    alliance = find_alliance_for_sender(parsed.sender) if parsed.sender else None
    notes = []
    if document is not None and parsed.paragraphs:
        notes.append("邮件正文：" + "\n".join(parsed.paragraphs))
    if parsed.body_refusal:
        notes.append(f"未保存：{parsed.body_refusal}")
    if alliance is None:
        notes.append(f"发件地址 {parsed.sender or '（无）'} 未匹配到联盟")
    notes.extend(f"附件未保存：{reason}" for reason in refused)
    try:
        with transaction.atomic():
            submission = receive(
                title=(title or NO_SUBJECT)[:500],
                paragraphs=paragraphs,
                alliance=alliance,
                by=by,
                source=Submission.Source.MAIL,
                attachments=read,
                sender_email=parsed.sender[:254],
                message_id=parsed.message_id,
            )
            for note in notes:
                SubmissionEvent.objects.create(
                    submission=submission,
                    submission_label=str(submission)[:300],
                    action="mail_note",
                    comment=note,
                )
            if refused or parsed.body_refusal:
                Submission.objects.filter(pk=submission.pk).update(needs_manual_handling=True)
                submission.needs_manual_handling = True
            if settings.JIANBAO_ACKNOWLEDGE_SUBMISSIONS and parsed.sender:
                transaction.on_commit(lambda: enqueue_acknowledgement(submission.pk))
    except IntegrityError:
        # Another fetch stored the same message a moment ago.
        return Submission.objects.get(message_id=parsed.message_id), False
    return submission, True


def record_bounce(bounce: Bounce) -> bool:
    """A bounce of an issue mail marks its delivery; no other bounce becomes a submission."""
    if bounce.action != "failed":
        return False  # "delayed" and the like: the sending side retries on its own
    answers = bounce_received.send(
        sender=Bounce,
        message_id=bounce.original_message_id,
        recipient=bounce.recipient,
        diagnostic=bounce.diagnostic,
    )
    found = any(known for _, known in answers)
    if not found:
        logger.info("bounce for unknown message %s", bounce.original_message_id)
    return found


@dataclass
class FetchReport:
    stored: int = 0
    duplicates: int = 0
    bounces: int = 0
    errors: list[str] = field(default_factory=list)


def fetch_raw(box, uid: str) -> bytes | None:
    # BODY.PEEK leaves \Seen alone until the submission has committed.
    typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def fetch_submissions(*, url: str | None = None, limit: int | None = None) -> FetchReport:
    """Turn every unread message in the mailbox into a submission, then mark it read."""
    url = url or settings.IMAP_URL
    if not url:
        raise JianbaoError("未设置 IMAP_URL，无法收取投稿邮箱")
    report = FetchReport()
    try:
        with open_mailbox(mailbox_config(url)) as box:
            for uid in box.uids(AND(seen=False))[:limit]:
                raw = fetch_raw(box, uid)
                if raw is None:
                    continue
                try:
                    parsed = parse_mail(raw)
                    if parsed.bounce is not None:
                        report.bounces += record_bounce(parsed.bounce)
                    else:
                        _submission, created = store_mail(parsed)
                except Exception as exc:  # one bad message must not block the rest
                    logger.exception("mail uid %s not stored", uid)
                    report.errors.append(f"UID {uid}：{exc}")
                    continue
                box.flag(uid, MailMessageFlags.SEEN, True)
                if parsed.bounce is not None:
                    continue
                if created:
                    report.stored += 1
                else:
                    report.duplicates += 1
    except IMAP_ERRORS as exc:
        raise JianbaoError(f"投稿邮箱连接失败：{exc}") from exc
    return report


def enqueue_fetch() -> None:
    from jianbao.mailbox.tasks import fetch_mail

    fetch_mail.enqueue()


def enqueue_acknowledgement(submission_id: int) -> None:
    from jianbao.mailbox.tasks import acknowledge

    acknowledge.enqueue(submission_id)


def acknowledge(submission_id: int, *, by=None) -> bool:
    """Tell the sender their mail arrived; at most once per submission."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.events.filter(action="acknowledged").exists():
            return False
        SubmissionEvent.objects.create(
            submission=submission,
            submission_label=str(submission)[:300],
            action="acknowledged",
            actor=by,
        )
    EmailMessage(
        subject=f"已收到：{submission.title}",
        body=(
            f"您好！\n\n您投送的《{submission.title}》已收到，编辑部将尽快处理。\n\n"
            "此邮件由系统自动发送，请勿直接回复。"
        ),
        to=[submission.sender_email],
        # Threads the reply under the sender's own mail.
        headers={"In-Reply-To": submission.message_id, "References": submission.message_id},
    ).send()
    return True
