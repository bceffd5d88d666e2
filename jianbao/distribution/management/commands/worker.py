"""`jianbao worker`: run background tasks (sending, mail intake) until stopped.

With the default database backend this is django-tasks-db's worker, plus a
thread that enqueues the periodic work (mailbox fetch every
JIANBAO_FETCH_INTERVAL seconds when IMAP_URL is set; recovery of deliveries a
dead worker left behind, every minute).  `--batch` runs every ready task and
exits.  SIGTERM or Ctrl-C stops a send between two mails.

For larger deployments set JIANBAO_TASKS=rq and REDIS_URL=redis://host:6379/0
(Debian: `apt-get install redis-server`); the same command then runs an RQ
worker (`rqworker --with-scheduler`, or `--burst` for `--batch`) with
django-tasks-rq's job class.  Start as many as you like, on as many machines:
deliveries are claimed row by row in the database, so no two send one mail.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db.backend import DatabaseBackend

from jianbao.catalogue.services import recover_queued
from jianbao.core.commands import JianbaoCommand
from jianbao.distribution import services
from jianbao.distribution.resilience import (
    DATABASE_UNAVAILABLE,
    Patience,
    first_line,
    reset_connections,
    retrying,
)
from jianbao.submissions.services import recover_processing

logger = logging.getLogger("jianbao.worker")


def periodic(
    stop: threading.Event, *, tick: float = 5.0, recover_every: float | None = None
) -> None:
    """Enqueue the periodic work: mailbox fetch, recovery of abandoned deliveries and of
    uploads a dead worker left 正在处理."""
    from jianbao.mailbox import services as mailbox

    fetch_every = getattr(settings, "JIANBAO_FETCH_INTERVAL", 300)
    if recover_every is None:
        recover_every = settings.JIANBAO_RECOVER_INTERVAL
        tick = min(tick, recover_every)
    last_fetch = last_recover = time.monotonic()
    while not stop.wait(tick):
        try:
            now = time.monotonic()
            if settings.IMAP_URL and fetch_every and now - last_fetch >= fetch_every:
                mailbox.enqueue_fetch()
                last_fetch = now
            if now - last_recover >= recover_every:
                services.recover_deliveries()
                recover_processing()
                recover_queued()
                last_recover = now
        except DATABASE_UNAVAILABLE as exc:
            # Tried again at the next tick; the main loop logs the outage.
            logger.debug("periodic enqueue: %s", first_line(exc))
            reset_connections()
        except Exception:
            logger.exception("periodic enqueue failed")
        finally:
            close_old_connections()


class Command(JianbaoCommand):
    help = "运行后台任务进程（发送简报、收取投稿邮箱）；--batch 执行完已就绪的任务后退出"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="执行完所有已就绪的任务后退出")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时轮询间隔（秒）")

    def handle(self, *, batch: bool, interval: float, verbosity: int, **options):
        retrying(services.recover_deliveries, what="后台进程启动")
        retrying(recover_processing, what="后台进程启动")
        retrying(recover_queued, what="后台进程启动")
        if settings.IMAP_URL and not batch:
            from jianbao.mailbox.services import enqueue_fetch

            retrying(enqueue_fetch, what="后台进程启动")
        stop = threading.Event()
        if not batch:
            threading.Thread(target=periodic, args=(stop,), daemon=True).start()
        try:
            if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
                # django-tasks-rq's Job class runs Task objects; RQ's own cannot.
                call_command(
                    "rqworker",
                    DEFAULT_TASK_QUEUE_NAME,
                    burst=batch,
                    with_scheduler=True,
                    job_class="django_tasks_rq.backend.Job",
                )
            else:
                self._run_database_worker(batch=batch, interval=interval, verbosity=verbosity)
        finally:
            stop.set()

    def _run_database_worker(self, *, batch: bool, interval: float, verbosity: int) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        class GracefulWorker(Worker):
            def shutdown(self, signum, frame):
                # Let a long send stop between two mails instead of mid-batch.
                services.stop_sending.set()
                super().shutdown(signum, frame)

        if verbosity > 1:
            logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker = GracefulWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        # A locked or lost database ends Worker.run with an OperationalError
        # (it only skips "locked" while picking a task, and only on some
        # paths): wait it out and go on polling.  SIGTERM still ends the
        # wait, through the worker's signal handler.
        patience = Patience("后台进程")
        while True:
            try:
                worker.run()
                return
            except DATABASE_UNAVAILABLE as exc:
                if not worker.running:
                    return
                if time.monotonic() - patience.last > 2 * patience.cap:
                    patience.recovered()  # it ran fine since the last failure: a new outage
                patience.wait(exc)
