"""A Word 97–2003 .doc or a WPS .wps, sent through the web form or to the
submission mailbox, reads like a .docx: the worker converts it (LibreOffice)
and its text, picture and table become the submission. One that cannot be
converted stays attached, flagged for the editor with the reason."""

import pytest
from django.urls import reverse

from jianbao.mailbox import services as mailbox
from jianbao.publishing import pictures
from jianbao.publishing.markup import blocks_from_markup
from jianbao.publishing.parsed import IMAGE, PARAGRAPH, TABLE
from jianbao.submissions.models import Attachment, Submission
from tests.factories import AllianceFactory, person
from tests.libreoffice import (
    NEWS_CAPTION,
    NEWS_PARAGRAPHS,
    NEWS_TABLE,
    NEWS_TITLE,
    needs_soffice,
    news_doc,
    ole_junk,
)
from tests.mailservers import DOVECOT, Dovecot
from tests.test_intake_limits_web import post_submission, upload
from tests.test_mail_intake import mail

pytestmark = pytest.mark.django_db

MSWORD = ("application", "msword")
BROKEN_REASON = "旧稿.doc：不是 Word 或 WPS 文档（无法识别的 OLE 复合文件，或文件已损坏）"


@pytest.fixture
def in_process_worker(monkeypatch):
    """`jianbao worker --batch` inside the test transaction (see test_mail_intake.py)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def dovecot(settings):
    if not DOVECOT.exists():
        pytest.skip("dovecot-imapd 未安装（make test 会安装）：跳过 IMAP 测试")
    server = Dovecot().start()
    settings.IMAP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def team(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
    }


def submitted_on_the_web(client, team, cli, capture, name: str, data: bytes) -> Submission:
    with capture(execute=True):
        post_submission(client, team, upload(name, data))
    submission = Submission.objects.get()
    # The request only stored the file; the worker converts and reads it.
    assert submission.state == Submission.State.PROCESSING
    assert submission.attachments.get().kind == Attachment.Kind.PENDING
    assert cli("worker", "--batch").status == 0
    submission.refresh_from_db()
    return submission


def assert_the_news_item(submission: Submission) -> None:
    assert submission.title == NEWS_TITLE
    blocks, warnings = blocks_from_markup(submission.body)
    assert warnings == ()
    assert [b.kind for b in blocks] == [PARAGRAPH, IMAGE, TABLE, PARAGRAPH]
    assert (blocks[0].text, blocks[3].text) == NEWS_PARAGRAPHS
    assert blocks[1].caption == NEWS_CAPTION
    stored = pictures.existing(blocks[1].file)
    assert (stored.width, stored.height) == (800, 600)
    assert tuple(tuple(c.text for c in row) for row in blocks[2].rows) == NEWS_TABLE
    assert not submission.needs_manual_handling
    attachment = submission.attachments.get()
    assert (attachment.kind, attachment.content_type) == (Attachment.Kind.DOC, "application/msword")


@needs_soffice
@pytest.mark.parametrize("name", ["会议.doc", "会议.wps"])
def test_a_doc_sent_on_the_web_becomes_the_submissions_text_and_picture(
    client, team, cli, in_process_worker, django_capture_on_commit_callbacks, name
):
    submission = submitted_on_the_web(
        client, team, cli, django_capture_on_commit_callbacks, name, news_doc()
    )
    assert submission.state == Submission.State.RECEIVED, submission.refusal
    assert_the_news_item(submission)
    client.force_login(team["editor"])
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert f"<figcaption>{NEWS_CAPTION}</figcaption>" in page
    assert f"{name}</a>（Word 97–2003/WPS 文档，" in page
    assert "需人工处理" not in page


def test_a_broken_doc_sent_on_the_web_stays_for_the_editor_with_the_reason(
    client, team, cli, in_process_worker, django_capture_on_commit_callbacks
):
    submission = submitted_on_the_web(
        client, team, cli, django_capture_on_commit_callbacks, "旧稿.doc", ole_junk()
    )
    # No title typed and none read: refused, saying why the file gave no text.
    assert submission.state == Submission.State.REFUSED
    assert submission.refusal.splitlines() == [
        "请填写标题，或上传含标题的 Word 文档",
        f"{BROKEN_REASON}；原文件已保留，需人工处理",
    ]
    assert submission.attachments.get().kind == Attachment.Kind.MANUAL
    client.force_login(team["submitter"])
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert BROKEN_REASON in page


def test_a_broken_doc_beside_typed_text_keeps_the_flag_and_the_reason(
    client, team, cli, in_process_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_submission(
            client, team, upload("旧稿.doc", ole_junk()), title="一则新闻", body="正文一段。"
        )
    assert cli("worker", "--batch").status == 0
    submission = Submission.objects.get()
    assert submission.state == Submission.State.RECEIVED
    assert (submission.title, submission.paragraphs) == ("一则新闻", ["正文一段。"])
    assert submission.needs_manual_handling
    assert submission.attachments.get().kind == Attachment.Kind.MANUAL
    (warning,) = submission.events.filter(action="read_warning")
    assert warning.comment == f"{BROKEN_REASON}；原文件已保留，需人工处理"
    client.force_login(team["editor"])
    queue = client.get(reverse("submissions:queue")).content.decode()
    assert '<span class="state">需人工处理</span>' in queue
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert f"{BROKEN_REASON}；原文件已保留，需人工处理" in page
    assert "旧稿.doc</a>（需人工处理（PDF、无法转换的 .doc 等），" in page


@needs_soffice
def test_a_doc_attached_to_a_mail_becomes_the_submission(dovecot, team, cli):
    dovecot.append(
        mail(
            subject="投稿：粉末冶金联盟动态",
            message_id="<doc-1@alliance.example>",
            sender=team["submitter"].email,
            body="请审阅附件。",
            attachments=[("会议.doc", news_doc(), MSWORD)],
        )
    )
    result = cli("fetch-mail")
    assert result.status == 0, result.stderr
    submission = Submission.objects.get()
    assert submission.alliance == team["alliance"]
    assert submission.source == Submission.Source.MAIL
    assert_the_news_item(submission)
    assert submission.events.filter(comment__contains="请审阅附件").exists()


def test_a_broken_doc_attached_to_a_mail_keeps_the_flag_and_the_reason(dovecot, team):
    dovecot.append(
        mail(
            subject="旧稿一篇",
            message_id="<doc-2@alliance.example>",
            sender=team["submitter"].email,
            body="正文一段。",
            attachments=[("旧稿.doc", ole_junk(), MSWORD)],
        )
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert (submission.title, submission.paragraphs) == ("旧稿一篇", ["正文一段。"])
    assert submission.needs_manual_handling
    assert submission.attachments.get().kind == Attachment.Kind.MANUAL
    (warning,) = submission.events.filter(action="read_warning")
    assert warning.comment == f"{BROKEN_REASON}；原文件已保留，需人工处理"
