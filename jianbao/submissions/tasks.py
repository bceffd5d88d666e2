from django_tasks import task

from jianbao.submissions import services


@task()
def read_files(submission_id: int) -> str:
    return services.read_files(submission_id)
