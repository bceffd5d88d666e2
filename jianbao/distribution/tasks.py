"""Background tasks. Each may run twice or concurrently without a second mail.

So each is simply run again, whole, when the database was locked or lost
under it (resilience.py): the task a worker was doing is done once the
database answers again, and the worker never dies of it.
"""

from django_tasks import task

from jianbao.distribution import services
from jianbao.distribution.resilience import retrying


@task()
def send_issue(issue_id: int) -> dict:
    # send_queued waits out an outage itself, keeping its place in the batch.
    report = services.send_queued(issue_id)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@task()
def deliver(delivery_id: int) -> str:
    return retrying(
        lambda: services.deliver(delivery_id), what="发送一封", stop=services.stop_sending
    )


@task()
def recover_deliveries() -> int:
    return retrying(services.recover_deliveries, what="恢复投递", stop=services.stop_sending)
