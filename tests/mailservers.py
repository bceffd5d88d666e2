"""Real mail servers on loopback for the mail tests: aiosmtpd sinks, dovecot, redis.

Each listens on a free port of 127.0.0.1 and lives in a temp dir that is
removed afterwards.  Dovecot and redis come from Debian (`make test`
installs them); the tests that need them are skipped, visibly, without.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP

DOVECOT = Path("/usr/sbin/dovecot")
REDIS_SERVER = Path(shutil.which("redis-server") or "/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


# --- SMTP ------------------------------------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data)


def with_pipelining(responses: list[str]) -> list[str]:
    # aiosmtpd reads commands one line at a time, so pipelined ones simply queue.
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


@dataclass
class SinkHandler:
    """Records every accepted message; can answer 4xx for a while, or refuse addresses."""

    pipelining: bool = False  # advertise PIPELINING, as Postfix and Exchange do
    temporary_failures: int = 0  # answer 451 to this many DATA commands first
    refuse: set[str] = field(default_factory=set)  # answer 550 to RCPT for these
    messages: list[Received] = field(default_factory=list)
    failures_sent: int = 0
    sessions_ended: int = 0  # connections closed, by QUIT or by the client's end

    def __post_init__(self):
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return with_pipelining(responses) if self.pipelining else responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.failures_sent < self.temporary_failures:
                self.failures_sent += 1
                return "451 4.3.0 Temporary local problem, try again later"
            self.messages.append(Received(list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Ok: queued"

    def per_recipient(self) -> Counter:
        with self.lock:
            return Counter(r.lower() for m in self.messages for r in m.recipients)


class CountingSMTP(SMTP):
    """aiosmtpd's SMTP, counting connections that ended: once a client's
    connection is gone, nothing more can arrive from it, so a test can wait
    for that instead of sleeping before it asserts that no mail came."""

    def connection_lost(self, exc) -> None:
        super().connection_lost(exc)
        with self.event_handler.lock:
            self.event_handler.sessions_ended += 1


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


class BulkDataSMTP(CountingSMTP):
    """aiosmtpd reading DATA in large chunks rather than line by line.

    Stock aiosmtpd spends ~14 ms of CPU per 575 KB message (one await per
    base64 line), which caps a benchmark at ~55 mails/s however fast the
    sender is.  Same protocol, same replies; a connection lost before the
    final dot still leaves nothing behind.
    """

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # The reader pauses the socket whenever it holds twice its limit (one
        # line, 1001 bytes): a pause and resume per received chunk.
        self._reader._limit = 1 << 20

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        buffer = bytearray(b"\r\n")  # so that an empty message's lone dot is found too
        while not buffer.endswith(b"\r\n.\r\n"):
            chunk = await self._reader.read(1 << 20)
            if not chunk:
                return
            buffer += chunk
        content = bytes(buffer[2:-3]).replace(b"\r\n..", b"\r\n.")
        if content.startswith(b".."):
            content = content[1:]
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)


class BulkController(Controller):
    def factory(self):
        return BulkDataSMTP(self.handler, **self.SMTP_kwargs)


class SmtpSink:
    def __init__(self, handler: SinkHandler | None = None, *, bulk: bool = False):
        self.handler = handler or SinkHandler()
        self.port = free_port()
        controller = BulkController if bulk else CountingController
        self.controller = controller(
            self.handler, hostname="127.0.0.1", port=self.port, data_size_limit=64 * 2**20
        )

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def wait_for_ended_sessions(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.handler.sessions_ended < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} SMTP sessions did not end in {timeout:g} s")
            time.sleep(0.01)

    def email_settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
        }

    def email_env(self) -> dict:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}


# --- IMAP (dovecot) --------------------------------------------------------------

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


class Dovecot:
    """A throwaway dovecot: one user, one maildir, plain IMAP on a free loopback port."""

    user = "jianbao"
    password = "mailbox-secret"

    def __init__(self):
        self.port = free_port()
        # Not under pytest's 0700 tmp dirs: dovecot's unprivileged processes must reach it.
        self.root = Path(tempfile.mkdtemp(prefix="jianbao-dovecot-"))
        self.root.chmod(0o755)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def _accounts(self) -> tuple[str, str, pwd.struct_passwd]:
        if os.geteuid() == 0:
            # As root, dovecot drops to these; the mail files belong to nobody.
            return "dovenull", "dovenull", pwd.getpwnam("nobody")
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me

    def start(self) -> Dovecot:
        internal, login, owner = self._accounts()
        group = subprocess.run(
            ["id", "-gn", internal], capture_output=True, text=True, check=True
        ).stdout.strip()
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir()
        for sub in ("mail", "home"):
            os.chown(self.root / sub, owner.pw_uid, owner.pw_gid)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                root=self.root,
                port=self.port,
                internal=internal,
                internal_group=group,
                login=login,
                uid=owner.pw_uid,
                gid=owner.pw_gid,
            )
        )
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise RuntimeError("dovecot did not start: " + self.log()) from None
        return self

    def log(self) -> str:
        text = ""
        for name in ("dovecot.log", "stderr.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")
        return text

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def append(self, *messages: bytes) -> None:
        from imap_tools import MailBoxUnencrypted

        with MailBoxUnencrypted("127.0.0.1", self.port).login(self.user, self.password) as box:
            for raw in messages:
                box.append(raw, "INBOX", flag_set=())

    def unseen_count(self) -> int:
        from imap_tools import AND, MailBoxUnencrypted

        with MailBoxUnencrypted("127.0.0.1", self.port).login(self.user, self.password) as box:
            return len(box.uids(AND(seen=False)))


# --- Redis -----------------------------------------------------------------------


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jianbao-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
