"""The editorial desk's rules, exercised through its services."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.services import NumberingConflict, issue_to_bulletin
from jianbao.bulletins.workflow import Action, TransitionRefused
from jianbao.submissions import services as intake
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
        "signer": person("sg", "signer", name="李新男"),
        "admin": person("ad", "admin"),
    }


@pytest.fixture
def series():
    return SeriesFactory()


@pytest.fixture
def issue(series, team):
    return editing.create_issue(series, year=2026, number=1, running_number=1, by=team["editor"])


def submit(team, title="粉末冶金联盟发布7项团体标准", body="联盟发布了7项团体标准。\n第二段。"):
    return intake.submit_from_web(
        team["submitter"], alliance=team["alliance"], title=title, body=body, credit="", files=[]
    )


def test_new_issue_numbers_follow_the_series(series, team):
    assert editing.next_numbers(series, 2026) == (1, 1)
    editing.create_issue(series, year=2026, number=1, running_number=1, by=team["editor"])
    editing.create_issue(series, year=2026, number=2, running_number=2, by=team["editor"])
    assert editing.next_numbers(series, 2026) == (3, 3)
    assert editing.next_numbers(series, 2027) == (1, 3)


def test_numbering_gap_or_duplicate_names_the_conflicting_issue(issue, series, team):
    with pytest.raises(NumberingConflict, match="已有 2026年第1期（总第1期）"):
        editing.create_issue(series, year=2026, number=1, running_number=2, by=team["editor"])
    with pytest.raises(NumberingConflict, match="上一期是 2026年第1期"):
        editing.create_issue(series, year=2026, number=3, running_number=2, by=team["editor"])
    with pytest.raises(NumberingConflict, match="总期号不连续：应为总第2期"):
        editing.create_issue(series, year=2026, number=2, running_number=5, by=team["editor"])


def test_new_issue_has_the_series_sections_in_order(issue):
    assert [s.title for s in issue.sections.all()] == [
        "重要政策动态",
        "联盟联络组及协发网动态",
        "试点联盟动态及协发网网员单位动态",
    ]


def test_submission_gets_a_proposed_credit_and_accepting_makes_an_article(issue, team):
    submission = submit(team)
    assert submission.credit == "粉末冶金产业技术创新战略联盟秘书处供稿"
    section = issue.sections.get(title="试点联盟动态及协发网网员单位动态")
    article = intake.accept_into(submission, issue=issue, section=section, by=team["editor"])
    submission.refresh_from_db()
    assert submission.state == Submission.State.USED
    assert submission.state_label == f"已采用（{issue.year}年第1期）"
    assert [b.text for b in article.blocks.all()] == ["联盟发布了7项团体标准。", "第二段。"]
    assert article.credit == "粉末冶金产业技术创新战略联盟秘书处供稿"


def test_submitter_is_told_when_the_item_is_used(issue, team, django_capture_on_commit_callbacks):
    submission = submit(team)
    with django_capture_on_commit_callbacks(execute=True):
        intake.accept_into(
            submission, issue=issue, section=issue.sections.first(), by=team["editor"]
        )
    assert [m.to for m in mail.outbox] == [["sec@example.org"]]
    assert "已采用" in mail.outbox[0].subject


def test_returned_item_carries_the_comment_and_can_be_revised(team):
    submission = submit(team)
    with pytest.raises(Exception, match="必须填写意见"):
        intake.return_with_comment(submission, by=team["editor"], comment=" ")
    intake.return_with_comment(submission, by=team["editor"], comment="请补充时间地点")
    assert submission.state_label == "退回修改"
    intake.revise(
        submission,
        by=team["submitter"],
        title=submission.title,
        body="2026年3月，在北京发布。",
        credit=submission.credit,
    )
    assert submission.state == Submission.State.RECEIVED


def test_near_identical_submission_is_flagged(team):
    first = submit(team)
    second = submit(team)
    other = submit(
        team, title="完全不同的消息", body="化纤联盟举办了技术交流会，来自各地的专家参加。"
    )
    assert [s for s, _ in intake.near_duplicates(second)] == [first]
    assert intake.near_duplicates(other) == []


def test_suggested_section_follows_where_the_alliance_appeared_before(imported_issue):
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    submission = Submission.objects.create(title="新消息", alliance=alliance)
    assert (
        intake.suggest_section(submission, imported_issue.series)
        == "试点联盟动态及协发网网员单位动态"
    )


SIGNED_AT = dt.datetime(2099, 3, 31, 17, 30, tzinfo=dt.UTC)


def run_to_signing(issue, team):
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    workflow.transition(issue, Action.APPROVE, by=team["reviewer"])


def test_full_sign_off_records_history_and_prints_names(issue, team):
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="第二篇标题有误")
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    workflow.transition(issue, Action.APPROVE, by=team["reviewer"])
    # Signed and published at 01:30 on 1 April in Beijing, still 31 March in UTC
    # (later than the steps before, which keep the history in order).
    with mock.patch("django.utils.timezone.now", return_value=SIGNED_AT):
        workflow.transition(issue, Action.SIGN, by=team["signer"])
        issue = workflow.transition(issue, Action.PUBLISH, by=team["signer"])
    assert issue.state == Issue.State.PUBLISHED
    assert [e.action for e in issue.events.all()] == [
        "created",
        "submit",
        "return",
        "submit",
        "approve",
        "sign",
        "publish",
    ]
    assert issue.events.get(action="return").comment == "第二篇标题有误"
    bulletin = issue_to_bulletin(issue)
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "尚辉良", "李新男")
    # No 印发日期 was chosen: the bulletin prints the 签发 date, in Beijing time.
    assert bulletin.date == issue.date == dt.date(2099, 4, 1)


def test_a_chosen_date_is_printed_instead_of_the_sign_off_date(issue, team):
    Issue.objects.filter(pk=issue.pk).update(date=dt.date(2026, 4, 8))
    run_to_signing(issue, team)
    with mock.patch("django.utils.timezone.now", return_value=SIGNED_AT):
        workflow.transition(issue, Action.SIGN, by=team["signer"])
        issue = workflow.transition(issue, Action.PUBLISH, by=team["signer"])
    assert issue_to_bulletin(issue).date == dt.date(2026, 4, 8)


def test_return_needs_a_comment(issue, team):
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    with pytest.raises(TransitionRefused, match="必须填写意见"):
        workflow.transition(issue, Action.RETURN, by=team["reviewer"])
    issue.refresh_from_db()
    assert issue.state == Issue.State.REVIEW


def test_the_reviewer_of_an_issue_may_not_also_sign_it(issue, team, series):
    both = person("both", "reviewer", "signer")
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    workflow.transition(issue, Action.APPROVE, by=both)
    with pytest.raises(PermissionDenied, match="不同人员"):
        workflow.transition(issue, Action.SIGN, by=both)
    series.separate_review_and_sign = False
    series.save()
    assert workflow.transition(issue, Action.SIGN, by=both).state == Issue.State.SIGNED


def test_next_role_is_notified_by_mail(issue, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    assert [m.to for m in mail.outbox] == [["rv@example.org"]]
    assert "待审核" in mail.outbox[0].subject


def test_signed_issue_refuses_edits(issue, team):
    article = editing.add_article(
        issue, issue.sections.first(), by=team["editor"], title="标题", body="正文。"
    )
    run_to_signing(issue, team)
    workflow.transition(issue, Action.SIGN, by=team["signer"])
    with pytest.raises(editing.IssueFrozen, match="已签发"):
        editing.update_article(article, by=team["editor"], title="改", body="改。", credit="")
    with pytest.raises(editing.IssueFrozen):
        editing.add_article(
            issue, issue.sections.first(), by=team["editor"], title="新", body="新。"
        )


def test_correction_keeps_the_earlier_text_and_is_recorded(issue, team):
    article = editing.add_article(
        issue, issue.sections.first(), by=team["editor"], title="标题", body="原来的正文。"
    )
    run_to_signing(issue, team)
    workflow.transition(issue, Action.SIGN, by=team["signer"])
    revision = editing.correct_article(
        article, by=team["editor"], title="标题", body="更正后的正文。", credit="", note="更正正文"
    )
    first_block = revision.snapshot["sections"][0]["articles"][0]["blocks"][0]["text"]
    assert first_block == "原来的正文。"
    assert Article.objects.get(pk=article.pk).blocks.get().text == "更正后的正文。"
    assert issue.events.filter(action="corrected", comment="更正正文").exists()


def test_articles_reorder_and_move_between_sections(issue, team):
    first, second = issue.sections.all()[:2]
    a = editing.add_article(issue, first, by=team["editor"], title="甲", body="甲。")
    b = editing.add_article(issue, first, by=team["editor"], title="乙", body="乙。")
    c = editing.add_article(issue, first, by=team["editor"], title="丙", body="丙。")
    editing.reorder_section(first, by=team["editor"], article_ids=[c.pk, a.pk, b.pk])
    assert list(first.articles.values_list("title", flat=True)) == ["丙", "甲", "乙"]
    editing.move_article(a, by=team["editor"], section=second, position=0)
    assert list(first.articles.values_list("title", flat=True)) == ["丙", "乙"]
    assert list(second.articles.values_list("title", flat=True)) == ["甲"]
    assert list(first.articles.values_list("position", flat=True)) == [0, 1]


def test_docx_attachment_becomes_title_and_paragraphs(team):
    import io

    from docx import Document

    document = Document()
    document.add_paragraph("化纤联盟协办对接峰会")
    document.add_paragraph("第一段。")
    document.add_paragraph("第二段。")
    out = io.BytesIO()
    document.save(out)
    submission = intake.submit_from_web(
        team["submitter"],
        alliance=team["alliance"],
        title="",
        body="",
        credit="",
        files=[("稿件.docx", out.getvalue())],
    )
    # The request only stores the file; the worker reads it.
    assert (submission.state, submission.body) == (Submission.State.PROCESSING, "")
    assert intake.read_files(submission.pk) == "received"
    submission.refresh_from_db()
    assert submission.title == "化纤联盟协办对接峰会"
    assert submission.paragraphs == ["第一段。", "第二段。"]
    assert submission.attachments.get().kind == "docx"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("setup.docx", b"MZ\x90\x00" + bytes(64), "可执行程序"),
        ("big.txt", b"a" * (20 * 1024 * 1024 + 1), "过大"),
        ("empty.docx", b"", "空"),
    ],
)
def test_bad_attachments_are_refused_by_content(team, name, data, reason):
    with pytest.raises(intake.AttachmentRefused, match=reason):
        intake.submit_from_web(
            team["submitter"],
            alliance=team["alliance"],
            title="t",
            body="b",
            credit="",
            files=[(name, data)],
        )
    assert Submission.objects.count() == 0


def test_pasted_html_is_sanitised_and_keeps_paragraphs():
    html = '<p>第一段<script>alert(1)</script></p><p onclick="x()">第二段&amp;</p>'
    assert intake.text_to_paragraphs(html) == ["第一段", "第二段&"]


def test_submitter_cannot_submit_for_another_alliance(team):
    other = AllianceFactory(name="化纤产业技术创新战略联盟")
    with pytest.raises(PermissionDenied):
        intake.submit_from_web(
            team["submitter"], alliance=other, title="t", body="b", credit="", files=[]
        )


def test_published_page_carries_the_correction_note(issue, team, client):
    article = editing.add_article(
        issue, issue.sections.first(), by=team["editor"], title="标题", body="原来的正文。"
    )
    run_to_signing(issue, team)
    workflow.transition(issue, Action.SIGN, by=team["signer"])
    workflow.transition(issue, Action.PUBLISH, by=team["signer"])
    editing.correct_article(
        article,
        by=team["editor"],
        title="标题",
        body="更正后的正文。",
        credit="",
        note="更正第一段中的单位名称",
    )
    html = client.get(f"/issues/{issue.year}-{issue.number}/").content.decode()
    assert "勘误说明" in html and "更正第一段中的单位名称" in html
    assert "更正后的正文。" in html and "原来的正文。" not in html


def test_every_history_model_is_append_only():
    from django.apps import apps

    from jianbao.core.models import AppendOnlyModel

    history = {m.__name__ for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
    assert history == {
        "HistoryEvent",
        "IssueEvent",
        "IssueRevision",
        "SubmissionEvent",
        "ApplicationEvent",
    }


def test_submission_history_refuses_changes(team):
    event = submit(team).events.get()
    event.comment = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_shared_history_refuses_update_and_delete(team):
    from django.db import transaction

    from jianbao.core.history import history_of, record
    from jianbao.core.models import AppendOnlyError, HistoryEvent

    with transaction.atomic():
        event = record("core.user.test", by=team["editor"], subject=team["editor"], comment="一")
    assert list(history_of(team["editor"]).filter(action="core.user.test")) == [event]
    assert event.actor_name and event.subject_label == str(team["editor"])
    event.comment = "二"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        HistoryEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        HistoryEvent.objects.update(comment="三")
    assert HistoryEvent.objects.get(action="core.user.test").comment == "一"


def test_history_actions_are_namespaced():
    from jianbao.core.history import record

    with pytest.raises(ValueError, match=r"app\.object\.verb"):
        record("sign", by=None)
