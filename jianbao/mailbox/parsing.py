"""Reading one raw e-mail into plain data, without touching the database.

Chinese mail labels its charset loosely: "gb2312" headers routinely carry
GBK or GB18030 characters, which Python's strict gb2312 codec rejects.  Every
GB label is therefore read as GB18030, its superset.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value, parseaddr

from jianbao.core.errors import UnreadableFile
from jianbao.core.limits import ParseBudget
from jianbao.publishing.ingest import check_text_limits
from jianbao.submissions.services import html_to_paragraphs, text_to_paragraphs

GB_LABELS = {"gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "csgb2312", "gb_2312-80", "x-euc-cn"}
REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.I)


def codec_for(label: str | None) -> str:
    label = (label or "").strip().strip('"').lower()
    if not label or label in ("us-ascii", "ascii", "unknown-8bit"):
        return "utf-8"
    return "gb18030" if label in GB_LABELS or label.startswith("gb") else label


def decode_bytes(data: bytes, label: str | None) -> str:
    for codec in (codec_for(label), "utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def decode_header_value(value) -> str:
    """An RFC 2047 header (or raw 8-bit bytes from a careless client) as text."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # undeclared 8-bit bytes
        return decode_bytes(text.encode("ascii", "surrogateescape"), None).strip()
    parts = []
    for chunk, label in decode_header(text):
        parts.append(decode_bytes(chunk, label) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


@dataclass(frozen=True)
class MailPart:
    name: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification (RFC 3464) about a mail we sent."""

    original_message_id: str
    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str
    diagnostic: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    paragraphs: tuple[str, ...]
    attachments: tuple[MailPart, ...] = field(default=())
    bounce: Bounce | None = None
    # Why the body was not read (past a limit), or "".
    body_refusal: str = ""


def _filename(part: Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return ""
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _lang, value = raw
        data = value.encode("latin-1", "surrogateescape") if isinstance(value, str) else value
        return decode_bytes(data, charset)
    return decode_header_value(collapse_rfc2231_value(raw))


_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


def _delivery_status_fields(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):  # compat32 parses each field block as headers
        return payload
    return [email.message_from_string(block) for block in str(payload).split("\n\n")]


def parse_bounce(message: Message) -> Bounce | None:
    if message.get_content_type() != "multipart/report":
        return None
    status_fields: list[Message] = []
    original_id = ""
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_fields = _delivery_status_fields(part)
        elif ctype in ("message/rfc822", "message/global") and part.is_multipart():
            original_id = original_id or str(part.get_payload(0).get("Message-ID", ""))
        elif ctype in ("text/rfc822-headers", "text/rfc822-header"):
            headers = email.message_from_bytes(part.get_payload(decode=True) or b"")
            original_id = original_id or str(headers.get("Message-ID", ""))
    recipient_fields = next((f for f in status_fields if f.get("Final-Recipient")), None)
    if recipient_fields is None or not original_id.strip():
        return None

    def value(name: str) -> str:
        text = " ".join(str(recipient_fields.get(name, "")).split())
        return text.split(";", 1)[1].strip() if ";" in text and name != "Action" else text

    return Bounce(
        original_message_id=original_id.strip(),
        recipient=value("Final-Recipient").lower(),
        action=value("Action").lower(),
        status=value("Status"),
        diagnostic=value("Diagnostic-Code") or value("Status"),
    )


def parse_mail(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=compat32)
    if (bounce := parse_bounce(message)) is not None:
        return ParsedMail(
            message_id=decode_header_value(message.get("Message-ID")).strip()[:500],
            sender=parseaddr(decode_header_value(message.get("From")))[1].lower(),
            sender_name="",
            subject=decode_header_value(message.get("Subject")),
            paragraphs=(),
            bounce=bounce,
        )
    message_id = decode_header_value(message.get("Message-ID")).strip()
    if not message_id:
        # No id: the content itself identifies the message across fetches.
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@jianbao.invalid>"
    name, sender = parseaddr(decode_header_value(message.get("From")))
    plain: list[str] = []
    html: list[str] = []
    attachments: list[MailPart] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        filename = _filename(part)
        ctype = part.get_content_type()
        if filename or part.get_content_disposition() == "attachment":
            attachments.append(MailPart(filename or f"附件{len(attachments) + 1}", data))
        elif ctype == "text/plain":
            plain.append(decode_bytes(data, part.get_content_charset()))
        elif ctype == "text/html":
            html.append(decode_bytes(data, part.get_content_charset()))
        elif ctype.startswith("image/"):  # inline picture without a name
            ext = _EXTENSIONS.get(ctype, "")
            attachments.append(MailPart(f"图片{len(attachments) + 1}{ext}", data))
    body, to_paragraphs = (
        ("\n".join(plain), text_to_paragraphs)
        if plain
        else (
            "\n".join(html),
            html_to_paragraphs,
        )
    )
    paragraphs, body_refusal = [], ""
    try:
        # Counted before nh3 or any regex sees it.
        check_text_limits(body, ParseBudget("邮件正文"))
    except UnreadableFile as exc:
        body_refusal = str(exc)
    else:
        paragraphs = to_paragraphs(body) if body else []
    return ParsedMail(
        message_id=message_id[:500],
        sender=sender.strip().lower(),
        sender_name=name.strip(),
        subject=REPLY_PREFIX.sub("", decode_header_value(message.get("Subject"))),
        paragraphs=tuple(paragraphs),
        attachments=tuple(attachments),
        body_refusal=body_refusal,
    )
