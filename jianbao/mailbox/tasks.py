from django_tasks import task

from jianbao.mailbox import services


@task()
def fetch_mail() -> dict:
    report = services.fetch_submissions()
    return {"stored": report.stored, "duplicates": report.duplicates, "errors": report.errors}


@task()
def acknowledge(submission_id: int) -> bool:
    return services.acknowledge(submission_id)
