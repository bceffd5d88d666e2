"""Background tasks. Each may run twice or concurrently without a second mail."""

from django_tasks import task

from jianbao.distribution import services


@task()
def send_issue(issue_id: int) -> dict:
    report = services.send_queued(issue_id)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@task()
def deliver(delivery_id: int) -> str:
    return services.deliver(delivery_id)


@task()
def recover_deliveries() -> int:
    return services.recover_deliveries()
