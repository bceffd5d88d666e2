"""Mail intake against a real dovecot on loopback: each message becomes one submission."""

import base64
import io
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from jianbao.mailbox import services as mailbox
from jianbao.mailbox.parsing import decode_header_value, parse_mail
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, person
from tests.mailservers import DOVECOT, Dovecot

needs_dovecot = pytest.mark.skipif(
    not DOVECOT.exists(), reason="dovecot-imapd 未安装（make test 会安装）：跳过 IMAP 测试"
)


@pytest.fixture
def dovecot(settings):
    if not DOVECOT.exists():
        pytest.skip("dovecot-imapd 未安装（make test 会安装）：跳过 IMAP 测试")
    server = Dovecot().start()
    settings.IMAP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def in_process_worker(monkeypatch):
    """`jianbao worker --batch` inside the test transaction.

    db_worker closes "old" connections between tasks; on PostgreSQL the test
    transaction makes the connection look unusable, and closing it would end
    the test's transaction.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def encoded(text: str, label: str) -> str:
    codec = {"gb2312": "gb18030", "gbk": "gbk"}.get(label, label)
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def mail(
    *,
    subject: str = "",
    sender: str = "secretariat@alliance.example",
    message_id: str | None = None,
    body: str | None = None,
    charset: str = "utf-8",
    attachments=(),
) -> bytes:
    msg = MIMEMultipart() if attachments else None
    if msg is None:
        msg = MIMEText(body, "plain", charset) if body is not None else MIMEBase("text", "plain")
    elif body is not None:
        msg.attach(MIMEText(body, "plain", charset))
    msg["From"] = sender
    msg["To"] = "tougao@jianbao.example"
    if subject:
        msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, data, (maintype, subtype) in attachments:
        part = (
            MIMEApplication(data, subtype)
            if maintype == "application"
            else MIMEBase(maintype, subtype)
        )
        if maintype != "application":
            part.set_payload(data)
            from email import encoders

            encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        msg.attach(part)
    return msg.as_bytes()


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(title)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@pytest.fixture
def alliance(db):
    org = AllianceFactory(name="钢铁可循环流程技术创新战略联盟")
    user = person("gangtie", "submitter", alliance=org)
    user.email = "secretariat@alliance.example"
    user.save()
    return org


# --- Parsing, no server needed ---------------------------------------------------


@pytest.mark.parametrize(
    "label, text",
    [
        ("gb18030", "联盟动态：䶮字与𠀀字"),  # outside GBK: four-byte GB18030
        ("gbk", "朱镕基同志题词"),  # 镕 is GBK, not GB2312
        ("gb2312", "朱镕基同志题词"),  # mislabelled: GBK bytes under gb2312
        ("utf-8", "联盟动态：新材料"),
    ],
)
def test_subjects_decode_in_every_chinese_charset(label, text):
    assert decode_header_value(encoded(text, label)) == text


def test_a_folded_subject_of_several_encoded_words_decodes_whole():
    header = encoded("关于召开", "gbk") + "\r\n " + encoded("理事会的通知", "gb2312")
    assert decode_header_value(header) == "关于召开理事会的通知"


def test_body_in_gb2312_with_gbk_characters_decodes():
    raw = mail(subject="x", body="朱镕基同志视察联盟\n\n第二段", charset="gbk").replace(
        b'charset="gbk"', b'charset="gb2312"'
    )
    assert parse_mail(raw).paragraphs == ("朱镕基同志视察联盟", "第二段")


def test_a_message_without_message_id_gets_a_stable_one():
    raw = mail(subject="无编号", body="正文")
    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id.endswith("@jianbao.invalid>")


# --- Against dovecot ---------------------------------------------------------------


@needs_dovecot
@pytest.mark.django_db
def test_a_mailed_docx_reaches_the_queue_with_alliance_title_and_paragraphs(dovecot, alliance, cli):
    document = docx_bytes(
        "钢铁联盟召开2024年理事会", ["会议审议了工作报告。", "会议选举了新一届理事会。"]
    )
    dovecot.append(
        mail(
            subject=encoded("投稿：钢铁联盟动态", "gbk"),
            message_id="<docx-1@alliance.example>",
            body="请审阅附件。",
            attachments=[("理事会新闻.docx", document, DOCX)],
        )
    )
    result = cli("fetch-mail")
    assert result.status == 0, result.stderr
    assert "新投稿 1 份" in result.stdout
    submission = Submission.objects.get()
    assert submission.alliance == alliance
    assert submission.source == Submission.Source.MAIL
    assert submission.title == "钢铁联盟召开2024年理事会"
    assert submission.paragraphs == ["会议审议了工作报告。", "会议选举了新一届理事会。"]
    assert submission.sender_email == "secretariat@alliance.example"
    assert [a.kind for a in submission.attachments.all()] == ["docx"]
    assert submission.events.filter(comment__contains="请审阅附件").exists()
    assert dovecot.unseen_count() == 0


@needs_dovecot
@pytest.mark.django_db
def test_an_unknown_sender_lands_in_the_unmatched_queue(dovecot, client):
    dovecot.append(
        mail(subject=encoded("新闻一则", "gb18030"), sender="stranger@example.net", body="正文")
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert submission.alliance is None
    assert submission.title == "新闻一则"
    assert submission.events.filter(comment__contains="未匹配到联盟").exists()
    client.force_login(person("bianji", "editor"))
    page = client.get("/desk/intake/?state=").content.decode()
    assert "新闻一则" in page and "（未匹配）" in page


@needs_dovecot
@pytest.mark.django_db
def test_gb18030_and_gbk_subjects_from_the_server(dovecot, alliance):
    dovecot.append(
        mail(subject=encoded("䶮字联盟动态", "gb18030"), message_id="<a@x>", body="甲"),
        mail(subject=encoded("朱镕基题词", "gbk"), message_id="<b@x>", body="乙"),
        mail(subject=encoded("朱镕基题词二", "gb2312"), message_id="<c@x>", body="丙"),
    )
    mailbox.fetch_submissions()
    assert set(Submission.objects.values_list("title", flat=True)) == {
        "䶮字联盟动态",
        "朱镕基题词",
        "朱镕基题词二",
    }


@needs_dovecot
@pytest.mark.django_db
def test_a_message_with_no_body_is_stored_under_its_subject(dovecot, alliance):
    dovecot.append(mail(subject=encoded("只有标题", "utf-8"), message_id="<nobody@x>"))
    report = mailbox.fetch_submissions()
    assert report.stored == 1
    submission = Submission.objects.get()
    assert (submission.title, submission.body) == ("只有标题", "")


@needs_dovecot
@pytest.mark.django_db
def test_a_renamed_executable_is_refused_but_the_message_is_kept(dovecot, alliance):
    executable = b"MZ\x90\x00" + b"\x00" * 2000
    dovecot.append(
        mail(
            subject="新闻稿",
            message_id="<exe@x>",
            body="联盟召开年会。",
            attachments=[("新闻稿.docx", executable, DOCX)],
        )
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert submission.paragraphs == ["联盟召开年会。"]
    assert submission.attachments.count() == 0
    assert submission.needs_manual_handling
    note = submission.events.get(comment__startswith="附件未保存").comment
    assert "新闻稿.docx" in note and "可执行程序" in note
    assert dovecot.unseen_count() == 0


@needs_dovecot
@pytest.mark.django_db
def test_a_25_mb_attachment_does_not_lose_the_message(dovecot, alliance):
    big = b"%PDF-1.4\n" + bytes(25 * 1024 * 1024)
    dovecot.append(
        mail(
            subject="大附件",
            message_id="<big@x>",
            body="见附件。",
            attachments=[("汇编.pdf", big, ("application", "pdf"))],
        )
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert submission.title == "大附件"
    assert submission.needs_manual_handling
    assert submission.events.filter(comment__contains="文件过大").exists()
    assert dovecot.unseen_count() == 0


@needs_dovecot
@pytest.mark.django_db
def test_pdf_and_doc_are_kept_and_flagged_and_images_kept(dovecot, alliance):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    dovecot.append(
        mail(
            subject="附件若干",
            message_id="<many@x>",
            body="正文一段。",
            attachments=[
                ("旧稿.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 500, ("application", "msword")),
                ("扫描件.pdf", b"%PDF-1.4\n" + b"\x00" * 500, ("application", "pdf")),
                ("现场.png", png, ("image", "png")),
            ],
        )
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    kinds = {a.original_name: a.kind for a in submission.attachments.all()}
    assert kinds == {"旧稿.doc": "manual", "扫描件.pdf": "manual", "现场.png": "image"}
    assert submission.needs_manual_handling


@needs_dovecot
@pytest.mark.django_db
def test_a_txt_attachment_in_gb18030_gives_title_and_paragraphs(dovecot, alliance):
    text = "联盟发布团体标准\r\n标准共十二章。\r\n自发布之日起实施。\r\n".encode("gb18030")
    dovecot.append(
        mail(
            subject="标准",
            message_id="<txt@x>",
            attachments=[("稿件.txt", text, ("text", "plain"))],
        )
    )
    mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert submission.title == "联盟发布团体标准"
    assert submission.paragraphs == ["标准共十二章。", "自发布之日起实施。"]


@needs_dovecot
@pytest.mark.django_db
def test_a_duplicate_message_id_and_a_second_fetch_make_no_duplicates(dovecot, alliance):
    first = mail(subject="同一封", message_id="<same@x>", body="正文")
    dovecot.append(first, first)
    report = mailbox.fetch_submissions()
    assert (report.stored, report.duplicates) == (1, 1)
    dovecot.append(first)
    assert mailbox.fetch_submissions().stored == 0
    assert mailbox.fetch_submissions().duplicates == 0  # all read now
    assert Submission.objects.count() == 1
    assert dovecot.unseen_count() == 0


@needs_dovecot
@pytest.mark.django_db
def test_fetch_interrupted_mid_batch_loses_nothing_and_duplicates_nothing(
    dovecot, alliance, monkeypatch
):
    dovecot.append(
        *(mail(subject=f"第{i}封", message_id=f"<batch-{i}@x>", body="正文") for i in range(6))
    )
    real_store, real_open, calls, boxes = mailbox.store_mail, mailbox.open_mailbox, [], []

    def open_and_remember(config):
        boxes.append(real_open(config))
        return boxes[-1]

    def store_then_lose_the_connection(parsed):
        calls.append(parsed.message_id)
        result = real_store(parsed)
        if len(calls) == 3:
            # The submission is stored; the server goes away before \\Seen is set.
            boxes[-1].client.shutdown()
        return result

    monkeypatch.setattr(mailbox, "open_mailbox", open_and_remember)
    monkeypatch.setattr(mailbox, "store_mail", store_then_lose_the_connection)
    from jianbao.core.errors import JianbaoError

    with pytest.raises(JianbaoError, match="投稿邮箱连接失败"):
        mailbox.fetch_submissions()
    assert Submission.objects.count() == 3
    assert dovecot.unseen_count() == 4  # the third was stored but not yet marked read

    monkeypatch.setattr(mailbox, "store_mail", real_store)
    report = mailbox.fetch_submissions()
    assert (report.stored, report.duplicates) == (3, 1)
    titles = sorted(Submission.objects.values_list("title", flat=True))
    assert titles == [f"第{i}封" for i in range(6)]
    assert dovecot.unseen_count() == 0


@needs_dovecot
@pytest.mark.django_db
def test_the_periodic_fetch_task_runs_in_the_worker(dovecot, alliance, cli, in_process_worker):
    from jianbao.mailbox.tasks import fetch_mail

    dovecot.append(mail(subject="定时收取", message_id="<tick@x>", body="正文"))
    fetch_mail.enqueue()
    assert cli("worker", "--batch").status == 0
    assert Submission.objects.get().title == "定时收取"


@needs_dovecot
@pytest.mark.django_db
def test_acknowledgement_is_sent_once_when_turned_on(
    dovecot, alliance, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.JIANBAO_ACKNOWLEDGE_SUBMISSIONS = True
    dovecot.append(mail(subject="请回执", message_id="<ack@x>", body="正文"))
    with django_capture_on_commit_callbacks(execute=True):
        mailbox.fetch_submissions()
    submission = Submission.objects.get()
    assert mailbox.acknowledge(submission.pk) is True
    assert mailbox.acknowledge(submission.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["secretariat@alliance.example"]
    assert "请回执" in mailoutbox[0].subject
    assert mailoutbox[0].extra_headers["In-Reply-To"] == "<ack@x>"


def test_imap_url_is_read_with_tls_for_imaps():
    config = mailbox.mailbox_config("imaps://tou%40gao:p%2Fw@mail.example:993/INBOX")
    assert (config.secure, config.host, config.port) == (True, "mail.example", 993)
    assert (config.user, config.password, config.folder) == ("tou@gao", "p/w", "INBOX")
    assert mailbox.mailbox_config("imap://u:p@127.0.0.1:1143/").secure is False


def dsn(original_message_id: str, recipient: str, *, action: str = "failed") -> bytes:
    """A bounce as Postfix writes it (RFC 3464), quoting the original's headers."""
    boundary = "DSN-boundary"
    return (
        "From: MAILER-DAEMON@mail.example (Mail Delivery System)\r\n"
        "To: jianbao@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{action}-{recipient}>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <{0}>: Recipient address rejected:\r\n"
        "    User unknown in virtual mailbox table\r\n".format(recipient)
        + f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: jianbao@localhost\r\n"
        f"To: {recipient}\r\n"
        f"Message-ID: {original_message_id}\r\n"
        "Subject: =?utf-8?b?566A5oql?=\r\n"
        f"--{boundary}--\r\n"
    ).encode()


@needs_dovecot
@pytest.mark.django_db
def test_a_bounce_marks_its_delivery_and_makes_no_submission(dovecot, imported_issue, cli):
    from jianbao.distribution.models import Delivery

    sent = Delivery.objects.create(
        issue=imported_issue, address="gone@example.org", message_id="<d1@jianbao>", state="sent"
    )
    other = Delivery.objects.create(
        issue=imported_issue, address="fine@example.org", message_id="<d2@jianbao>", state="sent"
    )
    dovecot.append(
        dsn("<d1@jianbao>", "gone@example.org"),
        dsn("<d2@jianbao>", "fine@example.org", action="delayed"),
        dsn("<unknown@elsewhere>", "someone@example.org"),
    )
    result = cli("fetch-mail")
    assert result.status == 0, result.stderr
    assert "退信 1 封" in result.stdout
    sent.refresh_from_db()
    other.refresh_from_db()
    assert sent.state == "bounced"
    assert "550 5.1.1 <gone@example.org>: Recipient address rejected" in sent.error
    assert other.state == "sent"  # a delay is not a failure
    assert Submission.objects.count() == 0
    assert dovecot.unseen_count() == 0


def test_an_ordinary_multipart_mail_is_not_taken_for_a_bounce():
    raw = mail(subject="附件", body="正文", attachments=[("a.txt", b"x", ("text", "plain"))])
    assert parse_mail(raw).bounce is None
