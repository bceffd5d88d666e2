"""Mail from anybody gets the same limits, and is read before the transaction that stores it."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from jianbao.mailbox import services as mailbox
from jianbao.mailbox.parsing import parse_mail
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, person
from tests.test_intake_limits import docx_with, paragraphs_xml
from tests.test_mail_intake import DOCX, mail


@pytest.fixture
def alliance(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    org = AllianceFactory(name="钢铁可循环流程技术创新战略联盟")
    user = person("gangtie", "submitter", alliance=org)
    user.email = "secretariat@alliance.example"
    user.save()
    return org


def test_a_mailed_69000_paragraph_docx_is_refused_quickly_and_the_mail_kept(alliance):
    raw = mail(
        subject="投稿",
        sender="anybody@example.net",  # no account, no alliance: the same limits
        message_id="<many@x>",
        body="请审阅附件。",
        attachments=[("万段.docx", docx_with(paragraphs_xml(69_000)), DOCX)],
    )
    started = time.process_time()
    submission, created = mailbox.store_mail(parse_mail(raw))
    assert time.process_time() - started < 5.0
    assert created and submission.title == "投稿"
    assert submission.paragraphs == ["请审阅附件。"]
    assert submission.attachments.count() == 0
    assert submission.needs_manual_handling
    notes = list(submission.events.filter(action="mail_note").values_list("comment", flat=True))
    assert "附件未保存：万段.docx：段落超过 5000 个，超出上限" in notes


def test_a_mail_body_past_the_limit_is_not_read_but_the_mail_is_kept(alliance):
    body = "\n".join(f"第{i}行" for i in range(69_000))
    submission, _ = mailbox.store_mail(
        parse_mail(mail(subject="长信", message_id="<l@x>", body=body))
    )
    assert (submission.title, submission.body) == ("长信", "")
    assert submission.needs_manual_handling
    assert submission.events.filter(comment="未保存：邮件正文：段落超过 5000 个，超出上限").exists()


def login_from_another_thread(username: str = "bianji") -> int | str:
    """The status code a login gets while this thread is busy, or the error it met."""
    # A login writes (session, last_login): it needs SQLite's write lock.
    outcome = []

    def attempt():
        try:
            response = Client().post(
                "/accounts/login/",
                {"username": username, "password": "correct horse battery"},
            )
            outcome.append(response.status_code)
        except Exception as exc:  # what the visitor would get as a 500
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            from django.db import connections

            connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_attachments_are_read_before_the_write_transaction_so_a_login_meanwhile_works(
    settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    person("bianji", "editor")
    seen = []
    real_read = mailbox.read_attachment

    def read_while_someone_logs_in(name, data):
        seen.append((connection.in_atomic_block, login_from_another_thread()))
        return real_read(name, data)

    monkeypatch.setattr(mailbox, "read_attachment", read_while_someone_logs_in)
    raw = mail(
        subject="投稿",
        message_id="<lock@x>",
        body="见附件。",
        attachments=[("稿件.docx", docx_with(paragraphs_xml(20)), DOCX)],
    )
    submission, created = mailbox.store_mail(parse_mail(raw))
    assert created and submission.title == "第0段"
    assert seen == [(False, 302)]
    assert Submission.objects.get().paragraphs[-1] == "第19段"


def test_a_mail_reads_at_most_20_attachments(alliance):
    texts = [(f"稿{i}.txt", f"标题{i}\n正文。".encode(), ("text", "plain")) for i in range(22)]
    raw = mail(subject="很多附件", message_id="<many-files@x>", body="见附件。", attachments=texts)
    submission, _ = mailbox.store_mail(parse_mail(raw))
    assert submission.attachments.count() == 20
    notes = set(submission.events.values_list("comment", flat=True))
    assert "附件未保存：稿20.txt：附件超过 20 个，超出上限" in notes
    assert "附件未保存：稿21.txt：附件超过 20 个，超出上限" in notes
