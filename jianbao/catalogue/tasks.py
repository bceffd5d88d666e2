from django_tasks import task

from jianbao.catalogue import services


@task()
def run_import(job_id: int) -> str:
    return services.run_import_job(job_id)
