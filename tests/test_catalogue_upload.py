"""Past issues uploaded on the desk and imported by the background worker (issue #15):
no command line needed. The files are kept, each imports on its own, and the page
says how each went."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianbao.catalogue import services
from jianbao.catalogue.models import ImportJob, ImportReport
from tests.conftest import FIXTURE
from tests.factories import person
from tests.test_mail_intake import in_process_worker  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SAMPLE = FIXTURE.read_bytes()


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, *files, replace=False):
    data = {"files": [SimpleUploadedFile(name, body) for name, body in files]}
    if replace:
        data["replace"] = "on"
    return client.post("/desk/imports/upload/", data)


def test_an_editor_uploads_a_folder_and_the_worker_imports_each_file(
    client,
    cli,
    in_process_worker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(person("editor", "editor", name="杨丹泽"))
    notice = "关于召开会议的通知\n\n各单位：\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, ("第66期.md", SAMPLE), ("通知.txt", notice))
    assert response.status_code == 302
    assert set(ImportJob.objects.values_list("state", flat=True)) == {"queued"}
    assert cli("worker", "--batch").status == 0
    done = ImportJob.objects.get(original_name="第66期.md")
    refused = ImportJob.objects.get(original_name="通知.txt")
    assert done.state == "done" and done.issue.label == "2023年第1期（总第66期）"
    assert done.message.startswith("2023年第1期（总第66期）：3 个栏目、25 篇文章")
    assert refused.state == "refused" and "没有找到报头" in refused.message
    report = ImportReport.objects.get(issue=done.issue)
    assert report.checked is False and report.source_name == "第66期.md"
    page = client.get("/desk/imports/upload/").content.decode()
    assert "已导入" in page and "未导入" in page and "没有找到报头" in page
    # The uploaded file is kept as the issue's source.
    with done.file.open("rb") as kept:
        assert kept.read() == SAMPLE
    # The same file again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, ("第66期.md", SAMPLE))
    assert cli("worker", "--batch").status == 0
    again = ImportJob.objects.order_by("-pk").first()
    assert again.state == "skipped" and "内容相同" in again.message


def test_what_cannot_be_imported_is_refused_before_anything_is_kept(client, database_fingerprint):
    client.force_login(person("editor", "editor"))
    before = database_fingerprint()
    response = upload(client, ("第66期.md", SAMPLE), ("程序.exe", b"MZ\x90\x00"))
    assert response.status_code == 200
    assert "程序.exe：不是可导入的简报文件" in response.content.decode()
    assert database_fingerprint() == before


def test_only_editors_upload(client, database_fingerprint):
    client.force_login(person("reviewer", "reviewer"))
    before = database_fingerprint()
    assert upload(client, ("第66期.md", SAMPLE)).status_code == 403
    assert database_fingerprint() == before


def test_a_job_a_dead_worker_left_queued_is_queued_again(django_capture_on_commit_callbacks):
    editor = person("editor", "editor")
    with django_capture_on_commit_callbacks(execute=False):
        (job,) = services.queue_imports(
            [("第66期.md", SimpleUploadedFile("第66期.md", SAMPLE), len(SAMPLE))], by=editor
        )
    assert services.recover_queued() == 0  # just queued: still in hand
    ImportJob.objects.filter(pk=job.pk).update(updated_at="2020-01-01T00:00:00Z")
    assert services.recover_queued() == 1
    assert services.run_import_job(job.pk) == "done"
    assert services.run_import_job(job.pk) == "skipped"  # a second run finds it finished
