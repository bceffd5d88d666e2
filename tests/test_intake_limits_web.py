"""The upload form stores the file and leaves the reading to the worker; requests are capped."""

import io
import socket
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.utils import FileProxyMixin
from django.urls import reverse

from jianbao.core.errors import JianbaoError
from jianbao.submissions import services as intake
from jianbao.submissions.models import Attachment, Submission
from tests.factories import AllianceFactory, SeriesFactory, person
from tests.test_intake_limits import docx_with, paragraphs_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_worker(monkeypatch):
    """`jianbao worker --batch` inside the test transaction (see test_mail_intake.py)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def team(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
    }


def upload(name: str, data: bytes) -> io.BytesIO:
    # A plain file object: the test client reads it, the server never sees it.
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def post_submission(client, team, *files, title="", body=""):
    client.force_login(team["submitter"])
    return client.post(
        reverse("submissions:new"),
        {
            "alliance": team["alliance"].pk,
            "title": title,
            "body": body,
            "credit": "",
            "send": "1",
            "files": list(files),
        },
    )


def test_the_request_stores_the_file_and_the_worker_reads_it(
    client, team, cli, in_process_worker, django_capture_on_commit_callbacks
):
    data = docx_with(
        "<w:p><w:r><w:t>粉末冶金联盟发布7项团体标准</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>联盟发布了7项团体标准。</w:t></w:r></w:p>"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_submission(client, team, upload("稿件.docx", data))
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:detail", args=[submission.pk])
    # Nothing was parsed in the request: no title, no body, the file not yet classified.
    assert (submission.state, submission.title, submission.body) == ("processing", "", "")
    attachment = submission.attachments.get()
    assert attachment.kind == Attachment.Kind.PENDING
    assert default_storage.open(attachment.file.name).read() == data

    page = client.get(response["Location"]).content.decode()
    assert "正在处理" in page
    assert f'hx-get="{reverse("submissions:status", args=[submission.pk])}"' in page
    assert "htmx-2.0.11.min.js" in page
    status = client.get(reverse("submissions:status", args=[submission.pk]))
    assert "正在处理" in status.content.decode() and "HX-Refresh" not in status

    assert cli("worker", "--batch").status == 0
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED
    assert submission.title == "粉末冶金联盟发布7项团体标准"
    assert submission.paragraphs == ["联盟发布了7项团体标准。"]
    assert submission.attachments.get().kind == Attachment.Kind.DOCX
    assert [e.action for e in submission.events.all()] == ["received", "read"]
    status = client.get(reverse("submissions:status", args=[submission.pk]))
    assert status["HX-Refresh"] == "true"
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "联盟发布了7项团体标准。" in page and "正在处理" not in page


def test_the_69000_paragraph_docx_costs_the_request_nothing_and_is_refused_by_the_worker(
    client, team, cli, in_process_worker, django_capture_on_commit_callbacks
):
    data = docx_with(paragraphs_xml(69_000))
    started = time.process_time()
    with django_capture_on_commit_callbacks(execute=True):
        post_submission(client, team, upload("万段.docx", data), title="一则新闻")
    assert time.process_time() - started < 5.0
    submission = Submission.objects.get()
    assert (submission.state, submission.body) == ("processing", "")

    assert cli("worker", "--batch").status == 0
    submission.refresh_from_db()
    assert submission.state == Submission.State.REFUSED
    assert submission.refusal == "万段.docx：段落超过 5000 个，超出上限"
    assert submission.attachments.count() == 0  # a refused file is not kept
    refused = submission.events.get(action="refused")
    assert refused.comment == submission.refusal and refused.from_state == "processing"
    for url in (reverse("submissions:detail", args=[submission.pk]), reverse("submissions:mine")):
        assert "万段.docx：段落超过 5000 个，超出上限" in client.get(url).content.decode()


def test_the_desk_does_not_treat_a_processing_submission_as_ready(client, team):
    series = SeriesFactory()
    from jianbao.bulletins import editing

    issue = editing.create_issue(series, year=2026, number=1, running_number=1, by=team["editor"])
    submission = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title="处理中的稿件",
        body="",
        credit="",
        files=[("稿件.docx", docx_with(paragraphs_xml(3)))],
    )
    assert submission.state == Submission.State.PROCESSING
    client.force_login(team["editor"])
    assert "处理中的稿件" not in client.get(reverse("submissions:queue")).content.decode()
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "正在处理" in page and 'value="accept"' not in page
    with pytest.raises(JianbaoError, match="正在处理"):
        intake.accept_into(
            submission, issue=issue, section=issue.sections.first(), by=team["editor"]
        )
    with pytest.raises(JianbaoError, match="正在处理"):
        intake.reject(submission, by=team["editor"])
    response = client.post(
        reverse("submissions:decide", args=[submission.pk]), {"decision": "reject"}, follow=True
    )
    assert "正在处理" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.PROCESSING


def test_an_upload_over_20_mb_is_refused_by_its_size_without_being_read(client, team, monkeypatch):
    reads = []
    real_read = FileProxyMixin.read

    def counted(self):
        def read(*args):
            data = real_read.fget(self)(*args)
            reads.append(len(data))
            return data

        return read

    monkeypatch.setattr(FileProxyMixin, "read", property(counted))
    big = b"%PDF-1.4\n" + bytes(20 * 1024 * 1024)
    response = post_submission(client, team, upload("汇编.pdf", big), title="t", body="b")
    assert response.status_code == 200
    assert "汇编.pdf：文件过大（上限 20 MB）" in response.content.decode()
    assert reads == []  # the server never read a byte of the upload
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("setup.docx", b"MZ\x90\x00" + bytes(64), "可执行程序"),
        ("empty.docx", b"", "空"),
        # A picture by its name only: a browser would run the script of this "photo".
        (
            "会场.jpg",
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            "会场.jpg：不接受此类文件（名为图片，内容却是SVG 图形）",
        ),
        ("现场.png", b"<!DOCTYPE html><html><body>x</body></html>", "网页（HTML）"),
    ],
)
def test_what_the_first_bytes_tell_is_refused_in_the_request(client, team, name, data, reason):
    response = post_submission(client, team, upload(name, data), title="t", body="b")
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_request_body_over_the_limit_is_refused_with_413_unread(client, team, settings):
    settings.JIANBAO_MAX_REQUEST_BYTES = 26 * 1024 * 1024
    client.force_login(team["submitter"])
    response = client.generic(
        "POST",
        reverse("submissions:new"),
        b"--x--",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "请求过大（100.0 MB），上限 26 MB" in response.content.decode()
    assert Submission.objects.count() == 0
    bogus = client.generic("POST", reverse("submissions:new"), b"", CONTENT_LENGTH="abc")
    assert bogus.status_code == 400


def test_the_live_server_answers_413_without_waiting_for_the_body(live_server):
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\n"
            + f"Host: {host}\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 104857600\r\n\r\n"
            b"username=a"
        )
        # Without the limit the server would wait for 100 MB that never come,
        # and this read would time out.
        answer = b""
        while "请求过大".encode() not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert "请求过大" in answer.decode()


def test_a_submission_a_dead_worker_left_processing_is_queued_again(
    team, cli, in_process_worker, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    # Committed, but its task never ran (the worker died, the queue was lost).
    submission = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title="",
        body="",
        credit="",
        files=[("稿件.docx", docx_with(paragraphs_xml(2)))],
    )
    assert intake.recover_processing() == 0  # not stale yet
    Submission.objects.filter(pk=submission.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    assert intake.recover_processing() == 1
    assert cli("worker", "--batch").status == 0
    submission.refresh_from_db()
    assert (submission.state, submission.title) == ("received", "第0段")
    assert intake.read_files(submission.pk) == "skipped"  # a second run changes nothing
    assert [e.action for e in submission.events.all()] == ["received", "read"]


def test_a_refused_submission_can_be_revised_by_hand(team):
    submission = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title="",
        body="",
        credit="",
        files=[("坏.docx", b"PK\x03\x04" + bytes(100))],
    )
    assert intake.read_files(submission.pk) == "refused"
    submission.refresh_from_db()
    assert submission.refusal.startswith("坏.docx：不是有效的 .docx 文件")
    intake.revise(submission, by=team["submitter"], title="手工录入", body="正文一段。", credit="")
    submission.refresh_from_db()
    assert (submission.state, submission.paragraphs) == ("received", ["正文一段。"])
    assert [e.action for e in submission.events.all()] == ["received", "refused", "revised"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_reads_outside_any_transaction_so_a_login_meanwhile_works(
    settings, tmp_path, monkeypatch
):
    from django.core.management import call_command
    from django.db import connection

    from tests.test_intake_limits_mail import login_from_another_thread

    settings.MEDIA_ROOT = tmp_path / "media"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    submitter = person("sec", "submitter", alliance=alliance)
    person("bianji", "editor")
    seen = []
    real_read = intake.read_attachment

    def read_while_someone_logs_in(name, data):
        seen.append((connection.in_atomic_block, login_from_another_thread()))
        return real_read(name, data)

    monkeypatch.setattr(intake, "read_attachment", read_while_someone_logs_in)
    submission = intake.submit(
        by=submitter,
        alliance=alliance,
        title="",
        body="",
        credit="",
        files=[("稿件.docx", docx_with(paragraphs_xml(3)))],
    )
    assert seen == []  # the submission committed unread; its task is queued
    call_command("worker", "--batch")
    assert seen == [(False, 302)]
    submission.refresh_from_db()
    assert (submission.state, submission.title) == ("received", "第0段")


def test_a_submission_with_more_than_20_files_is_refused_in_the_request(client, team):
    files = [upload(f"图{i}.png", b"\x89PNG\r\n\x1a\n" + bytes(10)) for i in range(21)]
    response = post_submission(client, team, *files, title="t", body="b")
    assert response.status_code == 200
    assert "附件超过 20 个，超出上限" in response.content.decode()
    assert Submission.objects.count() == 0
