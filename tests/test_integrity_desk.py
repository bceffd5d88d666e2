"""Issue #12, the desk's side: names from the history, withdrawal, render checks,
concurrent edits, re-imports that keep what they replace, and no 500 on bad input."""

import dataclasses
import re

import pytest
from django.urls import reverse

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Article, Block, Issue, IssueEvent
from jianbao.bulletins.services import issue_to_bulletin, store_bulletin
from jianbao.core.models import HistoryEvent
from jianbao.publishing.parsed import ParsedArticle
from jianbao.publishing.render.pdf import RenderFailed
from jianbao.submissions.models import Submission
from tests.factories import SeriesFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return {
        "editor": person("ed", "editor", name="杨丹泽"),
        "editor2": person("ed2", "editor", name="王二"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
        "signer": person("sg", "signer", name="李新男"),
    }


@pytest.fixture
def issue(team):
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    editing.add_article(
        issue,
        issue.sections.first(),
        by=team["editor"],
        title="联盟召开理事会",
        body="会议在北京召开。\n\n第二段。",
    )
    return issue


def sign_off(issue, team, upto=workflow.Action.PUBLISH):
    steps = [
        (workflow.Action.SUBMIT, "editor"),
        (workflow.Action.APPROVE, "reviewer"),
        (workflow.Action.SIGN, "signer"),
        (workflow.Action.PUBLISH, "signer"),
    ]
    for action, who in steps:
        issue = workflow.transition(issue, action, by=team[who])
        if action == upto:
            break
    return issue


def test_printed_names_are_not_columns_anyone_can_edit():
    names = {f.name for f in Issue._meta.get_fields()}
    assert not names & {"editor_name", "reviewer_name", "signer_name"}


def test_printed_names_and_date_come_from_the_history(issue, team):
    issue = sign_off(issue, team, upto=workflow.Action.SIGN)
    bulletin = issue_to_bulletin(issue)
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "尚辉良", "李新男")
    sign = IssueEvent.objects.get(issue=issue, action="sign")
    from django.utils import timezone

    assert bulletin.date == timezone.localdate(sign.created_at)


def test_a_return_clears_the_names_of_the_round(issue, team):
    issue = workflow.transition(issue, workflow.Action.SUBMIT, by=team["editor"])
    issue = workflow.transition(issue, workflow.Action.APPROVE, by=team["reviewer"])
    issue = workflow.transition(issue, "return", by=team["signer"], comment="请核对第二段")
    bulletin = issue_to_bulletin(issue)
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "", "")


def test_imported_issue_prints_the_names_of_its_file(imported_issue):
    bulletin = issue_to_bulletin(imported_issue)
    assert (bulletin.editor, bulletin.reviewer, bulletin.signer) == ("杨丹泽", "尚辉良", "李新男")


def test_published_issue_is_withdrawn_with_a_reason_not_deleted(client, issue, team):
    issue = sign_off(issue, team)
    public = f"/issues/{issue.key}/"
    assert client.get(public).status_code == 200
    with pytest.raises(workflow.TransitionRefused, match="必须填写意见"):
        workflow.transition(issue, workflow.Action.WITHDRAW, by=team["signer"])
    with pytest.raises(Exception, match="签发"):
        workflow.transition(issue, workflow.Action.WITHDRAW, by=team["editor"], comment="x")
    issue = workflow.transition(
        issue, workflow.Action.WITHDRAW, by=team["signer"], comment="误发，撤回"
    )
    assert issue.state == Issue.State.WITHDRAWN
    event = issue.events.get(action="withdraw")
    assert (event.actor_name, event.comment) == ("李新男", "误发，撤回")
    gone = client.get(public)
    assert gone.status_code == 410
    assert "撤回，原因：误发，撤回。" in gone.content.decode()
    # Nobody can delete it, withdrawn or not: its history protects it.
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Issue.objects.filter(pk=issue.pk).delete()
    issue = workflow.transition(
        issue, workflow.Action.REPUBLISH, by=team["signer"], comment="已核实，重新发布"
    )
    assert client.get(public).status_code == 200


def test_an_issue_whose_pdf_cannot_render_cannot_be_submitted(issue, team):
    article = Article.objects.get(section__issue=issue)
    editing.update_article(
        article, by=team["editor"], title=article.title, credit="", body="私用区字符\ue000在此。"
    )
    with pytest.raises(RenderFailed) as caught:
        workflow.transition(issue, workflow.Action.SUBMIT, by=team["editor"])
    message = str(caught.value)
    assert "《联盟召开理事会》" in message and "U+E000" in message
    issue.refresh_from_db()
    assert issue.state == Issue.State.EDITING
    assert not issue.events.filter(action="submit").exists()


def test_an_issue_whose_pdf_cannot_render_cannot_be_signed(issue, team):
    issue = sign_off(issue, team, upto=workflow.Action.APPROVE)
    # As if a font went missing after review: the sign step checks again.
    Block.objects.filter(article__section__issue=issue).update(text="字\ue000")
    with pytest.raises(Exception, match=r"《联盟召开理事会》.*U\+E000"):
        workflow.transition(issue, workflow.Action.SIGN, by=team["signer"])
    issue.refresh_from_db()
    assert issue.state == Issue.State.SIGNING


def edit_form(article, **changes):
    data = {
        "title": article.title,
        "toc_title": "",
        "credit": "",
        "body": editing.body_text(article),
        "version": article.version,
    }
    data.update(changes)
    return data


def test_a_second_save_from_an_older_form_is_refused_and_shows_the_first(client, issue, team):
    article = Article.objects.get(section__issue=issue)
    url = reverse("desk:article_edit", args=[article.pk])
    first = edit_form(article, body="杨丹泽改过的正文。")
    second = edit_form(article, body="王二改过的正文。")  # opened at the same version

    client.force_login(team["editor"])
    assert client.post(url, first).status_code == 302
    client.force_login(team["editor2"])
    response = client.post(url, second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已被杨丹泽于" in page and "您的修改未保存" in page
    assert "王二改过的正文。" in page  # what the second editor typed is still in the form
    assert "杨丹泽改过的正文。" in page  # and the other change is shown
    article.refresh_from_db()
    assert editing.body_text(article) == "杨丹泽改过的正文。"
    # Saving again from the refreshed form (it now carries the new version) works.
    again = edit_form(article, body="王二合并后的正文。")
    assert client.post(url, again).status_code == 302
    article.refresh_from_db()
    assert editing.body_text(article) == "王二合并后的正文。"


def test_the_conflict_marks_the_second_editors_changes_in_the_saved_text(client, issue, team):
    article = Article.objects.get(section__issue=issue)
    url = reverse("desk:article_edit", args=[article.pk])
    first = edit_form(article, body="会议在北京召开。\n\n第二段，杨丹泽补了一句。")
    second = edit_form(article, title="联盟召开第三次理事会", body="会议在天津召开。\n\n第二段。")

    client.force_login(team["editor"])
    assert client.post(url, first).status_code == 302
    client.force_login(team["editor2"])
    response_html = client.post(url, second).content.decode()
    conflict = response_html[response_html.index('class="inline-diff"') :]
    conflict = re.sub(
        r'<span class="sr-only">[^<]*</span>', "", conflict[: conflict.index("<details")]
    )
    # Inline, on the saved text: what this editor added and removed, nothing else.
    assert re.findall(r'<ins class="diff-ins"[^>]*>(.*?)</ins>', conflict) == ["第三次", "天津"]
    assert re.findall(r'<del class="diff-del"[^>]*>(.*?)</del>', conflict) == [
        "北京",
        "，杨丹泽补了一句",
    ]
    assert "<table" not in conflict  # no side-by-side difflib table
    assert not re.search(r"\d+月0\d日", response_html)  # 12月2日, not 12月02日


def test_every_desk_edit_leaves_a_history_row_with_before_and_after(client, issue, team):
    article = Article.objects.get(section__issue=issue)
    editing.update_article(
        article, by=team["editor2"], title="联盟召开理事会", credit="", body="新的正文。"
    )
    event = HistoryEvent.objects.filter(action="bulletins.article.edit").get()
    assert event.actor_name == "王二"
    assert event.data["before"]["body"] == "会议在北京召开。\n\n第二段。"
    assert event.data["after"]["body"] == "新的正文。"
    assert event.data["changed"] == ["body"]
    client.force_login(team["reviewer"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "王二：修改文章《联盟召开理事会》（正文）" in page
    editing.delete_article(article, by=team["editor"])
    deleted = HistoryEvent.objects.get(action="bulletins.article.delete")
    assert deleted.data["before"]["title"] == "联盟召开理事会"


def test_replacing_an_issue_keeps_a_revision_and_its_submission_links(imported_issue, parsed):
    article = Article.objects.filter(section__issue=imported_issue).order_by("pk")[3]
    submission = Submission.objects.create(
        title=article.title,
        body="来稿",
        article=article,
        issue=imported_issue,
        state=Submission.State.USED,
    )
    before = issue_to_bulletin(imported_issue)
    first = parsed.sections[0]
    changed = dataclasses.replace(
        parsed,
        sections=(
            dataclasses.replace(
                first, articles=(ParsedArticle(title="新增的一篇", blocks=()), *first.articles)
            ),
            *parsed.sections[1:],
        ),
    )
    store_bulletin(changed, source_name="again.md", replace=True, actor_name="档案员")
    revision = imported_issue.revisions.get()
    assert (
        revision.snapshot["sections"][0]["articles"][0]["title"]
        == before.sections[0].articles[0].title
    )
    assert "覆盖导入 again.md" in revision.note
    submission.refresh_from_db()
    assert submission.article is not None and submission.article.title == article.title
    assert submission.issue_id == imported_issue.pk
    event = imported_issue.events.get(action="replaced")
    assert event.actor_name == "档案员"


def test_bad_desk_requests_are_answered_not_500(client, issue, team):
    client.force_login(team["editor"])
    bogus = client.post(reverse("desk:transition", args=[issue.pk]), {"action": "bogus"})
    assert bogus.status_code == 302
    issue = sign_off(issue, team, upto=workflow.Action.SIGN)
    article = Article.objects.get(section__issue=issue)
    client.force_login(team["editor"])
    response = client.post(reverse("desk:article_delete", args=[article.pk]), follow=True)
    assert response.status_code == 200
    assert "已签发，内容已冻结" in response.content.decode()
    assert Article.objects.filter(pk=article.pk).exists()


def test_command_line_import_names_the_system_or_the_given_person(cli, tmp_path, fixture_text):
    path = tmp_path / "2023-01.md"
    path.write_text(fixture_text, encoding="utf-8")
    assert cli("import", str(path)).status == 0
    issue = Issue.objects.get()
    assert issue.events.get(action="imported").actor_name == "系统"
    path.write_text(
        fixture_text.replace("第二届第三次会议", "第二届第三次全体会议"), encoding="utf-8"
    )
    result = cli("import", str(path), "--replace", "--by", "档案室张三")
    assert result.status == 0, result.stderr
    assert issue.events.get(action="replaced").actor_name == "档案室张三"
    assert issue.revisions.count() == 1


def test_an_overlong_title_is_refused_naming_the_article_before_the_database_sees_it(
    parsed, database_fingerprint
):
    from jianbao.bulletins.services import FieldTooLong

    first = parsed.sections[0]
    long_title = "超长标题" * 200
    changed = dataclasses.replace(
        parsed,
        sections=(
            dataclasses.replace(first, articles=(ParsedArticle(title=long_title),)),
            *parsed.sections[1:],
        ),
    )
    before = database_fingerprint()
    with pytest.raises(FieldTooLong, match=r"x\.md：《超长标题.*》的标题有 800 个字，超过上限 500"):
        store_bulletin(changed, source_name="x.md")
    assert database_fingerprint() == before


def test_the_editor_chooses_the_printed_date_and_the_signing_date_is_kept_apart(
    client, issue, team
):
    import datetime

    from django.utils import timezone

    client.force_login(team["editor"])
    response = client.post(reverse("desk:issue_date", args=[issue.pk]), {"date": "2026-03-15"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.date == datetime.date(2026, 3, 15)
    change = HistoryEvent.objects.get(action="bulletins.issue.update")
    assert (change.actor_name, change.data["after"]["date"]) == ("杨丹泽", "2026-03-15")
    issue = sign_off(issue, team)
    bulletin = issue_to_bulletin(issue)
    assert bulletin.date == datetime.date(2026, 3, 15)  # printed: the chosen date
    assert issue.signoff.signed_on == timezone.localdate()  # the 签发 date, from the history
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "印发日期：2026年3月15日" in page
    # Frozen once signed: the date is part of what was signed.
    client.post(reverse("desk:issue_date", args=[issue.pk]), {"date": "2026-04-01"})
    issue.refresh_from_db()
    assert issue.date == datetime.date(2026, 3, 15)


def test_without_a_chosen_date_the_bulletin_prints_its_final_signing_date(issue, team):
    from django.utils import timezone

    assert issue.date is None
    issue = sign_off(issue, team)
    assert issue.date == timezone.localdate()
    assert issue_to_bulletin(issue).date == timezone.localdate()


def test_a_new_issue_can_be_created_with_its_printed_date(client, team):
    import datetime

    SeriesFactory()
    client.force_login(team["editor"])
    form = client.get(reverse("desk:issue_new")).content.decode()
    assert 'type="date"' in form and "印发日期" in form
    client.post(
        reverse("desk:issue_new"),
        {"year": 2023, "number": 1, "running_number": 1, "date": "2023-03-20"},
    )
    assert Issue.objects.get(year=2023, number=1).date == datetime.date(2023, 3, 20)


def test_every_step_on_the_issue_page_asks_first_naming_what_will_happen(client, issue, team):
    client.force_login(team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert 'data-confirm="提交后本期进入审核，编辑不能再修改，确定提交审核？"' in page
    assert 'data-confirm="确定删除《联盟召开理事会》？原文会保留在修改记录中。"' in page
    assert "core/confirm.js" in page  # the page that asks loads the script that asks
    issue = sign_off(issue, team, upto=workflow.Action.APPROVE)
    client.force_login(team["signer"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert 'data-confirm="签发后内容将冻结，只能通过勘误修改，确定签发？"' in page
    assert set(workflow.CONFIRMATIONS) == set(workflow.Action)  # no step without a question
