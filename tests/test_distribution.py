"""Distribution: 报/送 lists, one delivery per address, sending through a real SMTP sink."""

import json
import time

import pytest

from jianbao.bulletins.models import Issue
from jianbao.distribution import message as issue_message
from jianbao.distribution import services
from jianbao.distribution.models import Delivery, Recipient
from tests.mailservers import SinkHandler, SmtpSink

FAKE_PDF = b"%PDF-1.4\n% a stand-in for the typst rendering\n%%EOF\n"

CSV_GOOD = (
    "单位,姓名,邮箱\n"
    "科技部创新发展司,张三,zhang@most.example\n"
    "工业和信息化部,李四,Li@miit.example\n"
)


@pytest.fixture
def fake_pdf(monkeypatch):
    # Rendering the PDF takes seconds; one test below uses the real renderer.
    monkeypatch.setattr(issue_message, "issue_pdf_bytes", lambda issue: FAKE_PDF)


@pytest.fixture
def sink(settings):
    with SmtpSink() as running:
        for name, value in running.email_settings().items():
            setattr(settings, name, value)
        yield running


@pytest.fixture
def in_process_worker(monkeypatch):
    """`jianbao worker --batch` inside the test transaction.

    db_worker closes "old" connections between tasks; on PostgreSQL the test
    transaction makes the connection look unusable, and closing it would end
    the test's transaction.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def add_recipients(n: int, kind: str = "送", prefix: str = "r") -> None:
    rows = "".join(f"单位{i},联系人{i},{prefix}{i}@example.org\n" for i in range(n))
    services.import_recipients(f"单位,姓名,邮箱\n{rows}".encode(), kind=kind, by=None)


def write_csv(tmp_path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


# --- Lists -----------------------------------------------------------------------


@pytest.mark.django_db
def test_recipients_import_reads_a_gbk_csv_from_excel(cli, tmp_path):
    result = cli("recipients", "import", write_csv(tmp_path, CSV_GOOD, "gbk"), "--list", "报")
    assert result.status == 0, result.stderr
    assert "新增 2 人" in result.stdout
    people = {r.address: (r.organisation, r.person) for r in Recipient.objects.all()}
    assert people == {
        "zhang@most.example": ("科技部创新发展司", "张三"),
        "li@miit.example": ("工业和信息化部", "李四"),
    }


@pytest.mark.django_db
def test_importing_the_same_csv_twice_changes_nothing(cli, tmp_path):
    path = write_csv(tmp_path, CSV_GOOD)
    cli("recipients", "import", path, "--list", "送")
    result = cli("recipients", "import", path, "--list", "送")
    assert "新增 0 人" in result.stdout and "未变 2 人" in result.stdout
    assert Recipient.objects.count() == 2


@pytest.mark.django_db
def test_bad_rows_are_reported_by_line_and_nothing_is_imported(cli, tmp_path):
    text = CSV_GOOD + "某联盟,王五,not-an-address\n,赵六,zhao@example.org\nx,y,zhang@most.example\n"
    result = cli("recipients", "import", write_csv(tmp_path, text), "--list", "送")
    assert result.status == 2
    assert "第4行：邮箱“not-an-address”格式不对" in result.stderr
    assert "第5行：单位为空" in result.stderr
    assert "第6行：邮箱 zhang@most.example 与第2行重复" in result.stderr
    assert Recipient.objects.count() == 0


@pytest.mark.django_db
def test_csv_without_the_expected_columns_is_refused(cli, tmp_path):
    result = cli(
        "recipients", "import", write_csv(tmp_path, "name,email\na,b@c.d\n"), "--list", "报"
    )
    assert result.status == 2
    assert "缺少列 单位、姓名、邮箱" in result.stderr


# --- Queueing --------------------------------------------------------------------


@pytest.mark.django_db
def test_send_queues_one_delivery_per_recipient_and_later_only_the_new_one(cli, imported_issue):
    add_recipients(3, "报")
    add_recipients(2, "送", prefix="s")
    assert cli("send", imported_issue.key).status == 0
    assert Delivery.objects.filter(issue=imported_issue).count() == 5
    assert cli("send", imported_issue.key).status == 0
    assert Delivery.objects.filter(issue=imported_issue).count() == 5
    services.import_recipients(
        "单位,姓名,邮箱\n新单位,新人,new@example.org\n".encode(), kind="送", by=None
    )
    result = cli("send", imported_issue.key)
    assert "新排队 1 封" in result.stdout
    assert Delivery.objects.filter(issue=imported_issue).count() == 6


@pytest.mark.django_db
def test_an_address_on_both_lists_gets_one_delivery(imported_issue):
    add_recipients(2, "报")
    add_recipients(2, "送")  # the same r0@, r1@ addresses
    assert services.queue_deliveries(imported_issue) == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_delivery_for_one_address(imported_issue):
    from django.db import IntegrityError, transaction

    Delivery.objects.create(issue=imported_issue, address="a@example.org", message_id="<1@x>")
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(issue=imported_issue, address="a@example.org", message_id="<2@x>")


@pytest.mark.django_db
def test_unpublished_issue_is_not_sent(cli, imported_issue):
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.SIGNED)
    add_recipients(1)
    result = cli("send", imported_issue.key)
    assert result.status == 2 and "尚未发布" in result.stderr


@pytest.mark.django_db
def test_publishing_an_issue_queues_its_deliveries(
    imported_issue, django_capture_on_commit_callbacks
):
    from jianbao.bulletins.workflow import Action, transition
    from tests.factories import person

    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.SIGNED)
    imported_issue.refresh_from_db()
    add_recipients(4)
    with django_capture_on_commit_callbacks() as callbacks:
        transition(imported_issue, Action.PUBLISH, by=person("qianfa", "signer"))
    assert Delivery.objects.filter(issue=imported_issue, state="queued").count() == 4
    assert callbacks, "sending is enqueued after commit"


# --- Sending ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mail_has_html_with_links_plain_text_and_the_real_pdf(sink, imported_issue, settings):
    settings.JIANBAO_SITE_URL = "https://jianbao.example"
    services.import_recipients(
        "单位,姓名,邮箱\n科技部,张三,zhang@most.example\n".encode(), kind="报", by=None
    )
    services.queue_deliveries(imported_issue)
    report = services.send_queued(imported_issue.pk)
    assert report.sent == 1
    (received,) = sink.messages
    message = received.message
    assert received.recipients == ["zhang@most.example"]
    delivery = Delivery.objects.get()
    assert message["Message-ID"] == delivery.message_id
    from jianbao.mailbox.parsing import decode_header_value

    assert "张三" in decode_header_value(message["To"])
    assert "2023年第1期" in decode_header_value(message["Subject"])
    parts = {p.get_content_type(): p for p in message.walk() if not p.is_multipart()}
    html = parts["text/html"].get_payload(decode=True).decode("utf-8")
    text = parts["text/plain"].get_payload(decode=True).decode("utf-8")
    assert 'style="' in html and "<style" not in html  # inline styles only
    assert "本期导读" in html and "本期导读" in text
    assert 'href="https://jianbao.example/issues/2023-1/#article-' in html
    assert "https://jianbao.example/issues/2023-1/" in text
    assert "联盟试点工作联络组办公室" in html  # masthead and closing block
    pdf = parts["application/pdf"].get_payload(decode=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


@pytest.mark.django_db
def test_every_recipient_gets_one_mail_over_one_connection(sink, imported_issue, fake_pdf):
    add_recipients(40)
    services.queue_deliveries(imported_issue)
    report = services.send_queued(imported_issue.pk)
    assert report.sent == 40
    assert set(sink.handler.per_recipient().values()) == {1}
    assert len(sink.handler.per_recipient()) == 40
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    # Sending again finds nothing left to send.
    assert services.send_queued(imported_issue.pk).sent == 0
    assert len(sink.messages) == 40


@pytest.mark.django_db
def test_temporary_failures_are_retried_with_backoff_until_sent(settings, imported_issue, fake_pdf):
    settings.JIANBAO_SEND_RETRY_SECONDS = 0.2
    with SmtpSink(SinkHandler(temporary_failures=5)) as sink:
        for name, value in sink.email_settings().items():
            setattr(settings, name, value)
        add_recipients(3)
        services.queue_deliveries(imported_issue)
        first = services.send_queued(imported_issue.pk)
        assert first.retrying >= 1
        retried = Delivery.objects.filter(state="queued").first()
        assert retried.next_attempt_at is not None and retried.error.startswith("451")
        for _ in range(50):
            if not Delivery.objects.exclude(state="sent").exists():
                break
            time.sleep(0.1)
            services.send_queued(imported_issue.pk)
        assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
        assert sorted(sink.handler.per_recipient().values()) == [1, 1, 1]
        assert sink.handler.failures_sent == 5
        assert max(Delivery.objects.values_list("attempts", flat=True)) > 1


def test_backoff_doubles_and_is_capped(settings):
    settings.JIANBAO_SEND_RETRY_SECONDS = 60
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [60, 120, 240, 3600]


@pytest.mark.django_db
def test_temporary_failures_give_up_after_the_attempt_limit(settings, imported_issue, fake_pdf):
    settings.JIANBAO_SEND_RETRY_SECONDS = 0
    settings.JIANBAO_SEND_MAX_ATTEMPTS = 2
    with SmtpSink(SinkHandler(temporary_failures=100)) as sink:
        for name, value in sink.email_settings().items():
            setattr(settings, name, value)
        add_recipients(1)
        services.queue_deliveries(imported_issue)
        services.send_queued(imported_issue.pk)
        services.send_queued(imported_issue.pk)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    assert delivery.error.startswith("451 4.3.0")


@pytest.mark.django_db
def test_a_refused_address_is_bounced_with_the_smtp_reply_and_can_be_resent(
    settings, imported_issue, fake_pdf, django_capture_on_commit_callbacks
):
    with SmtpSink(SinkHandler(refuse={"r1@example.org"})) as sink:
        for name, value in sink.email_settings().items():
            setattr(settings, name, value)
        add_recipients(3)
        services.queue_deliveries(imported_issue)
        report = services.send_queued(imported_issue.pk)
        assert (report.sent, report.bounced) == (2, 1)
        bounced = Delivery.objects.get(address="r1@example.org")
        assert bounced.state == "bounced"
        assert bounced.error.startswith("550 5.1.1")
        sink.handler.refuse.clear()
        with django_capture_on_commit_callbacks(execute=False):
            services.resend(bounced, by=None)
        services.send_queued(imported_issue.pk)
    assert Delivery.objects.get(address="r1@example.org").state == "sent"
    assert sorted(sink.handler.per_recipient().values()) == [1, 1, 1]


@pytest.mark.django_db
def test_a_sent_delivery_cannot_be_resent(imported_issue):
    delivery = Delivery.objects.create(
        issue=imported_issue, address="a@example.org", message_id="<1@x>", state="sent"
    )
    from jianbao.core.errors import JianbaoError

    with pytest.raises(JianbaoError, match="不能重发"):
        services.resend(delivery, by=None)


@pytest.mark.django_db
def test_server_down_leaves_deliveries_queued_for_later(settings, imported_issue, fake_pdf):
    from tests.mailservers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    add_recipients(2)
    services.queue_deliveries(imported_issue)
    report = services.send_queued(imported_issue.pk)
    assert report.sent == 0 and report.server_unavailable
    assert set(Delivery.objects.values_list("state", flat=True)) == {"queued"}
    # One attempt finds the server down; the rest are not each tried in vain.
    tried, untried = Delivery.objects.order_by("id")
    assert tried.error.startswith("连接中断") and tried.next_attempt_at is not None
    assert (untried.attempts, untried.error) == (0, "")


@pytest.mark.django_db
def test_a_stale_claim_is_requeued_and_the_slow_claimant_then_aborts(imported_issue, fake_pdf):
    from datetime import timedelta

    from django.utils import timezone

    add_recipients(1)
    services.queue_deliveries(imported_issue)
    delivery = Delivery.objects.get()
    assert services._claim(delivery.pk, "otherhost:1:abc")
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(hours=1))
    assert services.recover_deliveries() == 1
    # The old claimant's mark-as-sent before the final dot now fails: it must abort.
    assert not services._move(delivery, "otherhost:1:abc", "sending", state="sent")
    assert Delivery.objects.get().state == "queued"


@pytest.mark.django_db
def test_a_claim_of_a_dead_local_process_is_requeued_at_once(imported_issue):
    import socket

    add_recipients(1)
    services.queue_deliveries(imported_issue)
    delivery = Delivery.objects.get()
    services._claim(delivery.pk, f"{socket.gethostname()}:999999999:abc")
    assert services.recover_deliveries() == 1
    assert Delivery.objects.get().state == "queued"


@pytest.mark.django_db
def test_a_claim_of_a_live_process_is_left_alone(imported_issue):
    add_recipients(1)
    services.queue_deliveries(imported_issue)
    services._claim(Delivery.objects.get().pk, services.worker_token())
    assert services.recover_deliveries() == 0
    assert Delivery.objects.get().state == "sending"


@pytest.mark.django_db
def test_rate_limit_paces_the_sending(sink, settings, imported_issue, fake_pdf):
    import time

    settings.JIANBAO_SEND_RATE = 20
    add_recipients(6)
    services.queue_deliveries(imported_issue)
    started = time.monotonic()
    services.send_queued(imported_issue.pk)
    assert time.monotonic() - started >= 5 / 20 * 0.9


@pytest.mark.django_db
def test_worker_batch_runs_the_ready_tasks_and_exits(
    cli, sink, imported_issue, fake_pdf, in_process_worker
):
    add_recipients(5)
    services.queue_deliveries(imported_issue)
    services.enqueue_sending(imported_issue.pk)
    result = cli("worker", "--batch")
    assert result.status == 0, result.stderr
    assert Delivery.objects.filter(state="sent").count() == 5
    assert len(sink.messages) == 5


@pytest.mark.django_db
def test_deliveries_json_has_one_object_per_recipient(cli, sink, imported_issue, fake_pdf):
    sink.handler.refuse.add("r0@example.org")
    add_recipients(3)
    services.queue_deliveries(imported_issue)
    services.send_queued(imported_issue.pk)
    result = cli("deliveries", imported_issue.key, "--format", "json")
    assert result.status == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert {k for row in rows for k in row} >= {"address", "state", "attempts", "error"}
    by_address = {row["address"]: row for row in rows}
    assert by_address["r0@example.org"]["state"] == "bounced"
    assert by_address["r0@example.org"]["error"].startswith("550")
    assert by_address["r1@example.org"] | {"sent_at": None} == {
        "address": "r1@example.org",
        "organisation": "单位1",
        "person": "联系人1",
        "list": "送",
        "state": "sent",
        "attempts": 1,
        "error": "",
        "sent_at": None,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("bulk", [False, True])
def test_a_server_offering_pipelining_gets_the_same_mail_and_bounces(
    settings, imported_issue, fake_pdf, bulk
):
    handler = SinkHandler(pipelining=True, refuse={"r2@example.org"})
    with SmtpSink(handler, bulk=bulk) as sink:
        for name, value in sink.email_settings().items():
            setattr(settings, name, value)
        add_recipients(4)
        services.queue_deliveries(imported_issue)
        report = services.send_queued(imported_issue.pk)
    assert (report.sent, report.bounced) == (3, 1)
    assert sorted(sink.handler.per_recipient()) == [
        "r0@example.org",
        "r1@example.org",
        "r3@example.org",
    ]
    bodies = {m.message.get_payload()[0].get_payload()[0].get_payload() for m in sink.messages}
    assert len(bodies) == 1  # the shared part, byte for byte


def test_message_data_has_crlf_line_ends_and_stuffed_dots():
    assert issue_message.smtp_data(b"a\n.b\r\n..c\rd") == b"a\r\n..b\r\n...c\r\nd\r\n"


@pytest.mark.django_db
def test_a_stop_request_releases_the_claimed_rows_untried(sink, imported_issue, fake_pdf):
    add_recipients(10)
    services.queue_deliveries(imported_issue)
    report = services.send_queued(imported_issue.pk, limit=3)
    assert report.stopped and report.sent == 3
    states = sorted(Delivery.objects.values_list("state", "attempts"))
    assert states == [("queued", 0)] * 7 + [("sent", 1)] * 3


def die_at_the_final_dot(monkeypatch, *, after_the_sent_mark: bool):
    """Make the sender 'die' (socket gone, no QUIT) just before or after marking sent."""
    from jianbao.distribution.smtp import MailSession

    real_send = MailSession.send

    def send(self, from_address, to, chunks, commit):
        def dying_commit():
            if after_the_sent_mark:
                commit()
            self.backend.connection.sock.shutdown(2)  # as the kernel does for a killed process
            raise KeyboardInterrupt

        return real_send(self, from_address, to, chunks, dying_commit)

    monkeypatch.setattr(MailSession, "send", send)


@pytest.mark.django_db
def test_a_sender_dying_before_the_sent_mark_left_nothing_and_the_mail_goes_again(
    sink, imported_issue, fake_pdf, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    add_recipients(1)
    services.queue_deliveries(imported_issue)
    die_at_the_final_dot(monkeypatch, after_the_sent_mark=False)
    with pytest.raises(KeyboardInterrupt):
        services.send_queued(imported_issue.pk)
    sink.wait_for_ended_sessions(1)
    assert sink.messages == []  # the connection ended before the final dot
    assert Delivery.objects.get().state == "sending"
    monkeypatch.undo()
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(hours=1))
    assert services.recover_deliveries() == 1
    services.send_queued(imported_issue.pk)
    assert len(sink.messages) == 1
    assert Delivery.objects.get().state == "sent"


@pytest.mark.django_db
def test_a_sender_dying_after_the_sent_mark_never_causes_a_second_mail(
    sink, imported_issue, fake_pdf, monkeypatch
):
    # The one window the guarantee leaves open: microseconds between the sent
    # mark and writing the dot.  It errs towards no mail rather than two.
    add_recipients(1)
    services.queue_deliveries(imported_issue)
    die_at_the_final_dot(monkeypatch, after_the_sent_mark=True)
    with pytest.raises(KeyboardInterrupt):
        services.send_queued(imported_issue.pk)
    sink.wait_for_ended_sessions(1)
    monkeypatch.undo()
    assert services.recover_deliveries() == 0
    # A mail sent here would be in the sink when send_queued returns: the server
    # stores it before it answers the final dot.
    services.send_queued(imported_issue.pk)
    assert sink.messages == []
    assert Delivery.objects.get().state == "sent"


def test_the_worker_enqueues_the_mailbox_fetch_and_recovery_periodically(settings, monkeypatch):
    import threading

    from jianbao.distribution.management.commands import worker
    from jianbao.mailbox import services as mailbox

    settings.IMAP_URL = "imap://u:p@127.0.0.1:1/INBOX"
    settings.JIANBAO_FETCH_INTERVAL = 0.1
    calls = {"fetch": 0, "recover": 0}
    monkeypatch.setattr(
        mailbox, "enqueue_fetch", lambda: calls.__setitem__("fetch", 1 + calls["fetch"])
    )
    monkeypatch.setattr(
        services, "recover_deliveries", lambda: calls.__setitem__("recover", 1 + calls["recover"])
    )
    # The other recoveries read the database, which this test has not got.
    monkeypatch.setattr(worker, "recover_processing", lambda: None)
    monkeypatch.setattr(worker, "recover_queued", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.periodic, args=(stop,), kwargs={"tick": 0.02, "recover_every": 0.1}
    )
    thread.start()
    # Until both came twice (a busy machine is slow, not wrong), or 20 s.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and min(calls.values()) < 2:
        time.sleep(0.02)
    stop.set()
    thread.join(2)
    assert calls["fetch"] >= 2 and calls["recover"] >= 2
