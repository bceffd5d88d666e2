"""One SMTP transaction per delivery, with a commit point just before the final dot.

A server keeps a message only once it has read the line with the single dot
that ends DATA (RFC 5321 §4.1.1.4); a connection that drops before it leaves
nothing behind.  So ``send`` writes the whole message but the dot, asks
``commit()`` to record the delivery as sent, and only then writes the dot.
A process killed before that commit has sent nothing; one killed after it has
at worst one copy in flight.  Never both a copy and a row that still says
"not sent".
"""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import EmailMessage


class Preempted(Exception):
    """The delivery was taken back (claim expired) before its final dot."""


class ReplyError(Exception):
    def __init__(self, code: int, reply: str, *, after_dot: bool, recipient: bool = False):
        self.code, self.reply = code, reply
        self.after_dot, self.recipient = after_dot, recipient
        super().__init__(f"{code} {reply}")

    @property
    def is_temporary(self) -> bool:
        return 400 <= self.code < 500


class ConnectionLost(Exception):
    def __init__(self, reason: str, *, after_dot: bool):
        self.after_dot = after_dot
        super().__init__(reason)


class _RawMessage(EmailMessage):
    """Pre-built bytes for the non-SMTP backends (console, locmem) used in development."""

    def __init__(self, data: bytes, from_address: str, to: str):
        super().__init__(from_email=from_address, to=[to])
        self._data = data

    def message(self, *, policy=None):
        from email import message_from_bytes

        return message_from_bytes(self._data.replace(b"\r\n..", b"\r\n."))


class MailSession:
    """One connection reused for a batch; reopened after a failure."""

    def __init__(self):
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 60
        self.backend = get_connection(timeout=timeout)
        self.is_smtp = isinstance(self.backend, SmtpBackend)
        self._open = False

    def _smtp(self) -> smtplib.SMTP:
        if not self._open or self.backend.connection is None:
            self.backend.open()
            self._open = True
        return self.backend.connection

    def close(self) -> None:
        if self._open:
            # Closing a connection that already broke may fail too.
            with contextlib.suppress(Exception):
                self.backend.close()
            self.backend.connection = None
            self._open = False

    def abort(self) -> None:
        """Drop the connection without QUIT: mid-DATA the server would read QUIT as text
        (and wait for the final dot), so the socket is simply closed, and the
        message without its dot is discarded."""
        connection = self.backend.connection
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
        self.backend.connection = None
        self._open = False

    def _drop(self) -> None:
        # After an aborted DATA the session state is unknown; start afresh.
        self.abort()

    def send(
        self, from_address: str, to: str, chunks: Sequence[bytes], commit: Callable[[], bool]
    ) -> None:
        """``chunks`` together are the message, SMTP-ready: CRLF, dot-stuffed, no final dot."""
        if not self.is_smtp:
            if not commit():
                raise Preempted
            self.backend.send_messages([_RawMessage(b"".join(chunks), from_address, to)])
            return
        try:
            smtp = self._smtp()
            smtp.ehlo_or_helo_if_needed()
            (mail_code, mail_reply), (rcpt_code, rcpt_reply), (data_code, data_reply) = _envelope(
                smtp, from_address, to
            )
            if mail_code != 250:
                smtp.rset()
                raise ReplyError(mail_code, _text(mail_reply), after_dot=False)
            if rcpt_code not in (250, 251):
                smtp.rset()
                raise ReplyError(rcpt_code, _text(rcpt_reply), after_dot=False, recipient=True)
            if data_code != 354:
                smtp.rset()
                raise ReplyError(data_code, _text(data_reply), after_dot=False)
            for chunk in chunks:
                smtp.send(chunk)
        except smtplib.SMTPResponseException as exc:  # e.g. refused login when opening
            self._drop()
            raise ReplyError(exc.smtp_code, _text(exc.smtp_error), after_dot=False) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise ConnectionLost(str(exc) or exc.__class__.__name__, after_dot=False) from None
        if not commit():
            self._drop()
            raise Preempted
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise ConnectionLost(str(exc) or exc.__class__.__name__, after_dot=True) from None
        if code != 250:
            raise ReplyError(code, _text(reply), after_dot=True)


def _envelope(smtp: smtplib.SMTP, from_address: str, to: str) -> list[tuple[int, bytes]]:
    """MAIL, RCPT and DATA, in one round trip when the server offers PIPELINING (RFC 2920)."""
    if not smtp.has_extn("pipelining"):
        replies = [smtp.mail(from_address), smtp.rcpt(to)]
        # After a refused MAIL or RCPT, DATA would only earn a 503.
        ok = replies[0][0] == 250 and replies[1][0] in (250, 251)
        return [*replies, smtp.docmd("data") if ok else (503, b"not sent")]
    smtp.send(
        f"MAIL FROM:{smtplib.quoteaddr(from_address)}\r\n"
        f"RCPT TO:{smtplib.quoteaddr(to)}\r\nDATA\r\n"
    )
    return [smtp.getreply() for _ in range(3)]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
