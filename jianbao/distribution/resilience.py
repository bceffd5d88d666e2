"""Waiting out a locked or unreachable database instead of dying of it.

SQLite answers "database is locked" once another process has held its
write lock for longer than the busy timeout; PostgreSQL drops connections
when it restarts or an administrator ends them.  Neither is a reason for the
worker to exit: it waits, with a backoff doubling up to a cap, logs one line
per outage (not one per attempt), and carries on where it was.  Only writes
that may safely run twice are retried this way (the tasks are idempotent).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("jianbao.worker")

# InterfaceError: psycopg's "connection already closed" after the server went away.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

T = TypeVar("T")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def reset_connections() -> None:
    """Drop connections that may be broken, so the next query opens a fresh one.

    A connection inside a transaction is left alone: closing it would end
    the transaction under its owner's feet (the owner sees the error anyway).
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        # Closing a connection whose server is gone may itself fail.
        with contextlib.suppress(Exception):
            connection.close()


class Patience:
    """The backoff across one outage: 0.5 s, 1 s, 2 s … at most ``cap`` seconds."""

    def __init__(
        self,
        what: str,
        *,
        first: float = 0.5,
        cap: float = 30.0,
        stop: threading.Event | None = None,
    ):
        self.what = what
        self.first, self.cap = first, cap
        self.stop = stop
        self.failures = 0
        self.since = self.last = 0.0

    def wait(self, exc: BaseException) -> None:
        """Sleep before the next attempt; re-raise ``exc`` if asked to stop meanwhile."""
        if self.failures == 0:
            self.since = time.monotonic()
            logger.warning("%s：数据库暂时不可用（%s），稍后自动重试", self.what, first_line(exc))
        self.failures += 1
        self.last = time.monotonic()
        delay = min(self.first * 2 ** (self.failures - 1), self.cap)
        reset_connections()
        if self.stop is not None:
            if self.stop.wait(delay):
                raise exc
        else:
            time.sleep(delay)

    def recovered(self) -> None:
        if self.failures:
            logger.warning(
                "%s：数据库已恢复（等了 %.0f 秒），继续", self.what, time.monotonic() - self.since
            )
        self.failures = 0


def retrying(
    fn: Callable[[], T], *, what: str, stop: threading.Event | None = None, cap: float = 30.0
) -> T:
    """``fn()``, tried again after every database outage until it succeeds (or ``stop``)."""
    patience = Patience(what, stop=stop, cap=cap)
    while True:
        try:
            result = fn()
        except DATABASE_UNAVAILABLE as exc:
            patience.wait(exc)
        else:
            patience.recovered()
            return result
