"""The submitter is told: in the desk and by mail, when the item is used and when it is public."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from jianbao.bulletins import editing, notifications, workflow
from jianbao.bulletins.models import Issue
from jianbao.bulletins.workflow import Action
from jianbao.submissions import services as intake
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, SeriesFactory, person
from tests.mailservers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "sec": person("sec", "submitter", alliance=alliance, name="秘书处甲"),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
        "signer": person("sg", "signer", name="李新男"),
    }


@pytest.fixture
def issue(team):
    series = SeriesFactory()
    first = editing.create_issue(series, year=2023, number=1, running_number=1, by=team["editor"])
    Issue.objects.filter(pk=first.pk).update(state=Issue.State.PUBLISHED)
    return editing.create_issue(series, year=2023, number=2, running_number=2, by=team["editor"])


@pytest.fixture
def used(team, issue, django_capture_on_commit_callbacks):
    submission = intake.submit(
        by=team["sec"],
        alliance=team["alliance"],
        title="联盟发布团体标准",
        body="正文。",
        credit="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake.accept_into(
            submission, issue=issue, section=issue.sections.first(), by=team["editor"]
        )
    return Submission.objects.get(pk=submission.pk)


@pytest.fixture
def sec_client(team):
    client = Client()
    client.force_login(team["sec"])
    return client


def _publish(issue, team, callbacks):
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    workflow.transition(issue, Action.APPROVE, by=team["reviewer"])
    workflow.transition(issue, Action.SIGN, by=team["signer"])
    mail.outbox.clear()
    with callbacks(execute=True):
        workflow.transition(issue, Action.PUBLISH, by=team["signer"])


def _to_submitter():
    return [m for m in mail.outbox if m.to == ["sec@example.org"]]


def test_the_used_mail_names_the_year_and_links_the_submission(used):
    [message] = _to_submitter()
    assert "已采用" in message.subject
    assert "2023年第2期（总第2期）" in message.body
    assert reverse("submissions:detail", args=[used.pk]) in message.body


def test_the_list_and_page_say_used_with_the_year(used, sec_client):
    mine = sec_client.get(reverse("submissions:mine")).content.decode()
    assert "已采用（2023年第2期）" in mine
    page = sec_client.get(reverse("submissions:detail", args=[used.pk])).content.decode()
    assert "已采用（2023年第2期）" in page
    assert "发布后可在网站查看" in page
    assert "/issues/2023-2/" not in page  # not public yet: no link


def test_publishing_mails_the_submitter_a_link_to_the_public_article(
    used, issue, team, django_capture_on_commit_callbacks
):
    _publish(issue, team, django_capture_on_commit_callbacks)
    [message] = _to_submitter()
    assert message.subject == "【简报】2023年第2期已发布，刊登了您的《联盟发布团体标准》"
    link = reverse("archive:article_detail", args=[used.article_id])
    assert link in message.body
    path = link
    response = Client().get(path)
    assert response.status_code == 200 and "联盟发布团体标准" in response.content.decode()


def test_once_published_the_desk_links_the_public_issue(
    used, issue, team, sec_client, django_capture_on_commit_callbacks
):
    _publish(issue, team, django_capture_on_commit_callbacks)
    mine = sec_client.get(reverse("submissions:mine")).content.decode()
    assert 'href="/issues/2023-2/"' in mine
    page = sec_client.get(reverse("submissions:detail", args=[used.pk])).content.decode()
    assert 'href="/issues/2023-2/"' in page
    assert f'href="{reverse("archive:article_detail", args=[used.article_id])}"' in page


def test_republishing_after_a_withdrawal_does_not_mail_again(
    used, issue, team, django_capture_on_commit_callbacks
):
    _publish(issue, team, django_capture_on_commit_callbacks)
    workflow.transition(issue, Action.WITHDRAW, by=team["signer"], comment="核实数据")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(issue, Action.REPUBLISH, by=team["signer"], comment="已核实")
    assert _to_submitter() == []


def test_an_unpublished_issue_mails_nobody(used, issue):
    mail.outbox.clear()
    assert notifications.issue_published(issue.pk) == 0
    assert mail.outbox == []


def test_a_returned_item_is_not_announced_on_publish(
    team, issue, used, django_capture_on_commit_callbacks
):
    other = intake.submit(
        by=team["sec"], alliance=team["alliance"], title="另一篇", body="正文。", credit=""
    )
    intake.return_with_comment(other, by=team["editor"], comment="请补充")
    _publish(issue, team, django_capture_on_commit_callbacks)
    assert [m.subject for m in _to_submitter()] == [
        "【简报】2023年第2期已发布，刊登了您的《联盟发布团体标准》"
    ]


def test_the_history_speaks_chinese(used, sec_client):
    page = sec_client.get(reverse("submissions:detail", args=[used.pk])).content.decode()
    history = page[page.index("处理记录") :]
    assert "收到投稿" in history and "采用" in history
    assert "received" not in history and "accepted" not in history


def test_every_stored_action_has_a_chinese_label():
    from jianbao.submissions.views import EVENT_LABELS

    for action in ("received", "read", "read_warning", "refused", "revised", "accepted"):
        assert EVENT_LABELS[action]
    for state in Submission.State.values:
        if state in ("returned", "rejected"):
            assert EVENT_LABELS[state]


def test_an_item_whose_article_was_deleted_is_not_announced(
    used, issue, team, django_capture_on_commit_callbacks
):
    editing.delete_article(used.article, by=team["editor"])
    editing.add_article(issue, issue.sections.first(), by=team["editor"], title="编辑部稿件")
    _publish(issue, team, django_capture_on_commit_callbacks)
    assert _to_submitter() == []


def test_a_failing_mail_server_does_not_undo_or_break_the_accept(
    team, issue, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    submission = intake.submit(
        by=team["sec"], alliance=team["alliance"], title="照常采用", body="正文。", credit=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake.accept_into(
            submission, issue=issue, section=issue.sections.first(), by=team["editor"]
        )
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.USED
