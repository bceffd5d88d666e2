"""A delivery that fails records why and never stays "sending"; imports refuse what would break it.

Sending goes through a real aiosmtpd sink on loopback; the U+E000 test uses
the real typesetter.  Runs on SQLite and on PostgreSQL.
"""

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jianbao.bulletins.models import Block, Issue
from jianbao.core.models import HistoryEvent
from jianbao.distribution import message as issue_message
from jianbao.distribution import services
from jianbao.distribution.models import Delivery, DistributionList, Recipient
from tests.factories import person
from tests.mailservers import SmtpSink

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4\n% a stand-in for the typst rendering\n%%EOF\n"


@pytest.fixture
def sink(settings):
    with SmtpSink() as running:
        for name, value in running.email_settings().items():
            setattr(settings, name, value)
        yield running


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(issue_message, "issue_pdf_bytes", lambda issue: FAKE_PDF)


def recipients(*people: tuple[str, str]) -> None:
    """Rows as an old import (or the database itself) may hold them, checks bypassed."""
    target = DistributionList.objects.get_or_create(kind="送")[0]
    for name, address in people:
        Recipient.objects.create(
            distribution_list=target, organisation="某单位", person=name, address=address
        )


def states() -> dict[str, tuple[str, str]]:
    return {d.address: (d.state, d.error) for d in Delivery.objects.all()}


# --- Sending: every failure is recorded on its delivery ----------------------------------


def test_a_name_with_a_line_break_fails_that_delivery_with_the_reason_and_the_rest_go(
    sink, imported_issue, fake_pdf
):
    recipients(
        ("张三", "a@example.org"),
        ("李四\r\nBcc: victim@example.org", "b@example.org"),
        ("王五", "c@example.org"),
    )
    services.queue_deliveries(imported_issue)
    report = services.send_queued(imported_issue.pk)

    assert (report.sent, report.failed) == (2, 1)
    result = states()
    assert result["a@example.org"] == ("sent", "")
    assert result["c@example.org"] == ("sent", "")
    state, error = result["b@example.org"]
    assert state == "failed"
    assert "发送时出错" in error and "newline" in error
    assert sorted(sink.handler.per_recipient()) == ["a@example.org", "c@example.org"]
    assert "victim@example.org" not in b"".join(m.data for m in sink.messages).decode()
    assert not Delivery.objects.filter(state="sending").exists()


def test_any_unexpected_error_while_sending_one_is_caught_recorded_and_the_batch_goes_on(
    sink, imported_issue, fake_pdf, monkeypatch
):
    from jianbao.distribution.message import IssueMail

    recipients(("甲", "a@example.org"), ("乙", "b@example.org"), ("丙", "c@example.org"))
    services.queue_deliveries(imported_issue)
    real = IssueMail.chunks_for

    def chunks_for(self, address, name, message_id):
        if address == "b@example.org":
            raise RuntimeError("程序错误（测试）")
        return real(self, address, name, message_id)

    monkeypatch.setattr(IssueMail, "chunks_for", chunks_for)
    services.send_queued(imported_issue.pk)
    assert states() == {
        "a@example.org": ("sent", ""),
        "b@example.org": ("failed", "发送时出错：RuntimeError: 程序错误（测试）"),
        "c@example.org": ("sent", ""),
    }


@pytest.fixture
def unprintable_issue(imported_issue):
    """A published issue holding U+E000, a private-use character that no font has.

    The desk now refuses to sign such an issue; this one got through before
    that check (its state is set directly).
    """
    block = Block.objects.filter(article__section__issue=imported_issue).order_by("pk").first()
    block.text += "\ue000"
    block.save()
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.PUBLISHED)
    return Issue.objects.get(pk=imported_issue.pk), block.article


def test_an_issue_whose_pdf_cannot_render_fails_its_deliveries_with_the_reason_shown(
    sink, unprintable_issue, client
):
    issue, article = unprintable_issue
    recipients(("甲", "a@example.org"), ("乙", "b@example.org"))
    services.queue_deliveries(issue)
    report = services.send_queued(issue.pk)

    assert report.failed == 2 and sink.messages == []
    for state, error in states().values():
        assert state == "failed"
        assert "无法生成本期邮件" in error and "U+E000" in error
        assert article.title in error  # which article to fix

    client.force_login(person("bianji", "editor"))
    page = client.get(reverse("distribution:issue", args=[issue.pk])).content.decode()
    assert "发送失败（2）" in page
    assert "U+E000" in page and article.title in page


def test_the_resend_task_records_a_render_failure_too(sink, unprintable_issue):
    issue, _article = unprintable_issue
    recipients(("甲", "a@example.org"))
    services.queue_deliveries(issue)
    delivery = Delivery.objects.get()
    assert services.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "U+E000" in delivery.error


# --- Importing: refused before the database sees it --------------------------------------


def write(tmp_path, text: str) -> str:
    path = tmp_path / "名单.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("row", "line", "problem"),
    [
        ('某单位,"李四\r\nBcc: x@example.org",li@example.org', 2, "第2行 姓名含有回车符（U+000D）"),
        ('某单位,"李四\nBcc: x@example.org",li@example.org', 2, "第2行 姓名含有换行符（U+000A）"),
        ("某\x00单位,李四,li@example.org", 2, "第2行 单位含有空字符（U+0000）"),
        ("某单位,李\x0b四,li@example.org", 2, "第2行 姓名含有控制字符（U+000B）"),
        ("某单位,李四,li@exa\u2028mple.org", 2, "第2行 邮箱含有控制字符（U+2028）"),
        ("某单位," + "长" * 101 + ",li@example.org", 2, "第2行 姓名长 101 字，超过上限 100 字"),
        ("单" * 201 + ",李四,li@example.org", 2, "第2行 单位长 201 字，超过上限 200 字"),
    ],
)
def test_control_characters_and_over_long_fields_refuse_the_whole_import(
    cli, tmp_path, row, line, problem
):
    good = "甲单位,张三,zhang@example.org\n"
    path = write(tmp_path, f"单位,姓名,邮箱\n{row}\n{good}")
    result = cli("recipients", "import", path, "--list", "送")
    assert result.status == 2, result.stdout
    assert f"{path}：有 1 处错误，未导入任何收件人" in result.stderr
    assert problem in result.stderr
    assert "数据库错误" not in result.stderr
    assert Recipient.objects.count() == 0  # not even the good row
    assert not HistoryEvent.objects.filter(action="distribution.recipients.import").exists()


def test_an_over_long_address_is_refused_by_line_not_by_the_database(cli, tmp_path):
    address = "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "org"  # valid form, 308 characters
    path = write(tmp_path, f"单位,姓名,邮箱\n甲单位,张三,z@example.org\n乙单位,李四,{address}\n")
    result = cli("recipients", "import", path, "--list", "报")
    assert result.status == 2
    assert "第3行 邮箱长 308 字，超过上限 254 字" in result.stderr
    assert Recipient.objects.count() == 0


def test_a_row_spanning_lines_is_named_by_the_line_it_starts_on(cli, tmp_path):
    text = '单位,姓名,邮箱\n甲单位,张三,z@example.org\n"乙\n单位",李四,l@example.org\n'
    result = cli("recipients", "import", write(tmp_path, text), "--list", "送")
    assert result.status == 2
    assert "第3行 单位含有换行符（U+000A）" in result.stderr


def test_forms_refuse_control_characters_in_a_recipient_too():
    target = DistributionList.objects.create(kind="报")
    recipient = Recipient(
        distribution_list=target, organisation="甲", person="张\n三", address="z@example.org"
    )
    with pytest.raises(ValidationError) as refused:
        recipient.full_clean()
    assert "person" in refused.value.message_dict


# --- Who did it: imports and resends leave a history row ----------------------------------


def test_a_command_line_import_is_recorded_as_the_system_or_by_name(cli, tmp_path):
    path = write(tmp_path, "单位,姓名,邮箱\n甲单位,张三,z@example.org\n乙单位,李四,l@example.org\n")
    assert cli("recipients", "import", path, "--list", "送").status == 0
    assert cli("recipients", "import", path, "--list", "送", "--by", "王秘书").status == 0
    events = list(HistoryEvent.objects.filter(action="distribution.recipients.import"))
    assert [(e.actor, e.actor_name) for e in events] == [(None, "系统"), (None, "王秘书")]
    assert events[0].data == {
        "file": path,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert events[1].data["unchanged"] == 2
    assert events[0].subject_label == "“送”名单"


def test_the_import_service_needs_an_actor():
    with pytest.raises(TypeError):
        services.import_recipients("单位,姓名,邮箱\n".encode(), kind="送")


def test_a_resend_from_the_delivery_page_is_recorded_with_its_user(
    client, imported_issue, django_capture_on_commit_callbacks
):
    failed = Delivery.objects.create(
        issue=imported_issue,
        address="c@example.org",
        person="某人",
        list_kind="送",
        state="bounced",
        attempts=1,
        error="550 5.1.1 User unknown",
        message_id="<c@example.org>",
    )
    user = person("qianfa", "signer", name="钱发")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("distribution:resend", args=[imported_issue.pk]))
    failed.refresh_from_db()
    assert failed.state == "queued"
    (event,) = HistoryEvent.objects.filter(action="distribution.delivery.resend")
    assert (event.actor, event.actor_name) == (user, "钱发")
    assert (event.from_state, event.to_state) == ("bounced", "queued")
    assert event.subject_id == str(failed.pk)
    assert event.data["error"] == "550 5.1.1 User unknown"
    with pytest.raises(TypeError):
        services.resend(failed)


def test_queueing_new_recipients_from_the_delivery_page_is_recorded(
    client, imported_issue, django_capture_on_commit_callbacks
):
    recipients(("甲", "a@example.org"), ("乙", "b@example.org"))
    user = person("qianfa", "signer", name="钱发")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("distribution:queue", args=[imported_issue.pk]))
        client.post(reverse("distribution:queue", args=[imported_issue.pk]))  # nothing new
    assert Delivery.objects.count() == 2
    (event,) = HistoryEvent.objects.filter(action="distribution.deliveries.queue")
    assert (event.actor, event.data) == (user, {"queued": 2})
    assert event.subject_id == str(imported_issue.pk)


# --- The database lost at the worst moment: the sent mark before the final dot ------------


@pytest.mark.parametrize("committed", [False, True], ids=["before-commit", "commit-unknown"])
def test_a_database_lost_at_the_sent_mark_sends_that_mail_once_when_it_answers_again(
    sink, imported_issue, fake_pdf, monkeypatch, committed
):
    """The server went away during the sent mark; it may or may not have committed.

    The final dot is never written after a failed mark, so the row goes back
    to the queue either way and its mail goes out once the database answers.
    """
    from django.db import OperationalError

    recipients(("甲", "a@example.org"), ("乙", "b@example.org"), ("丙", "c@example.org"))
    services.queue_deliveries(imported_issue)
    real_move = services._move
    failures = []

    def move(delivery, token, from_state, **changes):
        if changes.get("state") == "sent" and delivery.address == "b@example.org" and not failures:
            failures.append(delivery.pk)
            if committed:
                real_move(delivery, token, from_state, **changes)
            raise OperationalError("server closed the connection unexpectedly")
        return real_move(delivery, token, from_state, **changes)

    monkeypatch.setattr(services, "_move", move)
    report = services.send_queued(imported_issue.pk)
    time.sleep(0.3)  # a message whose dot came late would be here now

    assert failures and report.sent == 3
    assert sink.handler.per_recipient() == {
        "a@example.org": 1,
        "b@example.org": 1,
        "c@example.org": 1,
    }
    assert {address: state for address, (state, _error) in states().items()} == {
        "a@example.org": "sent",
        "b@example.org": "sent",
        "c@example.org": "sent",
    }
    assert Delivery.objects.get(address="b@example.org").attempts == 1


def test_a_withdrawn_issue_keeps_its_queued_mail_until_it_is_republished(
    sink, imported_issue, fake_pdf
):
    from jianbao.bulletins import workflow

    signer = person("sg", "signer", name="李新男")
    recipients(("张三", "a@example.org"), ("李四", "b@example.org"))
    assert services.queue_deliveries(imported_issue) == 2
    workflow.transition(imported_issue, "withdraw", by=signer, comment="误发")
    services.send_queued(imported_issue.pk)
    assert {s for s, _ in states().values()} == {Delivery.State.QUEUED}
    assert sink.messages == []
    workflow.transition(imported_issue, "republish", by=signer, comment="已核实")
    services.send_queued(imported_issue.pk)
    assert {s for s, _ in states().values()} == {Delivery.State.SENT}
    assert len(sink.messages) == 2


@pytest.mark.parametrize("wanted", ["abc", "١", "9" * 30])
def test_a_resend_of_a_malformed_delivery_id_is_not_found(client, imported_issue, wanted):
    client.force_login(person("sg", "signer"))
    url = reverse("distribution:resend", args=[imported_issue.pk])
    assert client.post(url, {"delivery": wanted}).status_code == 404


def test_the_mail_lists_no_empty_section_and_links_the_series_page(imported_issue, fake_pdf):
    from jianbao.bulletins.models import Article, Section

    empty = Section.objects.filter(issue=imported_issue).order_by("position")[1]
    title = empty.title
    Article.objects.filter(section=empty).delete()
    text = issue_message._context(imported_issue)
    assert title not in [s["title"] for s in text["sections"]]
    assert len(text["sections"]) == imported_issue.sections.count() - 1
    assert text["url"].endswith("/issues/2023-1/")
