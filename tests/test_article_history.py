"""One article's history on the desk: who created, edited, moved, deleted, restored,
accepted or commented on it, and when, in Chinese; a deleted article's too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from jianbao.bulletins import drafts, editing, workflow
from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.selectors import article_history
from jianbao.bulletins.workflow import Action
from jianbao.core.models import HistoryEvent
from jianbao.review import services as review
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = pytest.mark.django_db

POLICY, NETWORK, ALLIANCES = (
    "重要政策动态",
    "联盟联络组及协发网动态",
    "试点联盟动态及协发网网员单位动态",
)


@pytest.fixture
def team():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance, name="王秘书"),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
        "signer": person("sg", "signer", name="邓南圣"),
    }


@pytest.fixture
def issue(team):
    return editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )


def section(issue, title):
    return issue.sections.get(title=title)


@pytest.fixture
def accepted(team, issue):
    """An item sent by the alliance, accepted into 重要政策动态, then edited and moved."""
    item = intake.submit(
        by=team["submitter"],
        alliance=team["alliance"],
        title="联盟召开年会",
        body="联盟召开年会。",
        credit="",
    )
    article = intake.accept_into(
        item, issue=issue, section=section(issue, POLICY), by=team["editor"]
    )
    article = editing.update_article(
        article,
        by=team["editor"],
        title="粉末冶金联盟召开2026年年会",
        body="联盟在长沙召开2026年年会。",
        credit=article.credit,
        version=article.version,
    )
    editing.move_article(article, by=team["editor"], section=section(issue, ALLIANCES), position=0)
    return article


def page_rows(client, issue, article_id) -> list[str]:
    """The rows of the history page as read, without their time."""
    response = client.get(reverse("desk:article_history", args=[issue.pk, article_id]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<ol class="history">')
    listing = html[start : html.index("</ol>", start)]
    rows = re.findall(r"<li>(.*?)</li>", listing, flags=re.S)
    texts = [re.sub(r"<[^>]+>", "", row) for row in rows]
    return [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d ", "", t).strip() for t in texts]


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_history_reads_the_submission_the_accept_the_edit_and_the_move_in_chinese(
    team, issue, accepted
):
    rows = page_rows(client_of(team["editor"]), issue, accepted.pk)
    assert rows == [
        "王秘书：来稿 收到投稿（《联盟召开年会》）",
        "杨丹泽：添加文章（《联盟召开年会》）",
        "杨丹泽：来稿 采用（《联盟召开年会》）：2026年第1期（总第1期）",
        "杨丹泽：修改文章（改动：标题、正文；标题由《联盟召开年会》改为《粉末冶金联盟召开2026年年会》）",
        f"杨丹泽：移动文章（从“{POLICY}”移到“{ALLIANCES}”第1位）",
    ]


def test_review_comments_on_the_article_and_their_answers_are_in_its_history(team, issue, accepted):
    other = editing.add_article(
        issue, section(issue, NETWORK), by=team["editor"], title="另一篇", body="另一篇正文。"
    )
    workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    accepted = Article.objects.get(pk=accepted.pk)
    comment = review.add_comment(
        accepted, by=team["reviewer"], text="“长沙”请写全称", passage="在长沙召开"
    )
    review.add_comment(other, by=team["reviewer"], text="这条意见属于另一篇")
    workflow.transition(issue, Action.RETURN, by=team["reviewer"], comment="请按意见修改")
    review.answer_comment(comment, by=team["editor"], text="已改为湖南省长沙市")
    review.resolve_comment(comment, by=team["editor"])

    rows = page_rows(client_of(team["signer"]), issue, accepted.pk)
    assert rows[-3:] == [
        "尚辉良：审核意见 添加审核意见（针对：“在长沙召开”）：“长沙”请写全称",
        "杨丹泽：审核意见 答复审核意见（针对：“在长沙召开”）：已改为湖南省长沙市",
        "杨丹泽：审核意见 解决审核意见（针对：“在长沙召开”）",
    ]
    assert not any("另一篇" in row for row in rows)
    # The issue's own steps stay on the issue page, not in each article's history.
    assert not any("提交审核" in row or "退回" in row for row in rows)


def test_a_deleted_article_keeps_a_readable_history_that_leads_to_its_restored_self(
    team, issue, accepted
):
    editor = client_of(team["editor"])
    editing.delete_article(Article.objects.get(pk=accepted.pk), by=team["editor"])
    assert not Article.objects.filter(pk=accepted.pk).exists()

    page = editor.get(reverse("desk:article_history", args=[issue.pk, accepted.pk]))
    text = page.content.decode()
    assert "《粉末冶金联盟召开2026年年会》的修改记录" in text
    assert "这篇文章已从2026年第1期（总第1期）删除，可在" in text
    rows = page_rows(editor, issue, accepted.pk)
    assert rows[0] == "王秘书：来稿 收到投稿（《联盟召开年会》）"
    assert rows[-1] == (f"杨丹泽：删除文章（《粉末冶金联盟召开2026年年会》，原在“{ALLIANCES}”）")

    deletion = HistoryEvent.objects.filter(action=drafts.DELETE).latest("id")
    restored = drafts.restore_article(issue, deletion.pk, by=team["editor"])
    assert restored.pk != accepted.pk
    old_page = editor.get(reverse("desk:article_history", args=[issue.pk, accepted.pk]))
    assert "这篇文章删除后已恢复" in old_page.content.decode()
    assert (
        reverse("desk:article_history", args=[issue.pk, restored.pk]) in old_page.content.decode()
    )
    # The restored article's history begins with the deleted one's: one article to the office.
    rows = page_rows(editor, issue, restored.pk)
    assert rows[0] == "王秘书：来稿 收到投稿（《联盟召开年会》）"
    assert rows[-2:] == [
        f"杨丹泽：删除文章（《粉末冶金联盟召开2026年年会》，原在“{ALLIANCES}”）",
        f"杨丹泽：恢复文章（《粉末冶金联盟召开2026年年会》，放回“{ALLIANCES}”）",
    ]


def test_an_undone_move_and_a_drag_in_its_section_read_as_such(team, issue, accepted):
    first = section(issue, ALLIANCES)
    other = editing.add_article(issue, first, by=team["editor"], title="乙", body="乙。")
    move = HistoryEvent.objects.filter(action=drafts.MOVE).latest("id")
    assert move.data["article"] == accepted.pk
    editing.reorder_section(first, by=team["editor"], article_ids=[other.pk, accepted.pk])
    editing.move_article(
        Article.objects.get(pk=accepted.pk), by=team["editor"], section=first, position=0
    )
    latest = HistoryEvent.objects.filter(action=drafts.MOVE).latest("id")
    drafts.undo_move(issue, latest.pk, by=team["editor"])
    rows = page_rows(client_of(team["editor"]), issue, accepted.pk)
    assert rows[-3:] == [
        f"杨丹泽：调整栏目内文章顺序（栏目“{ALLIANCES}”）",
        f"杨丹泽：移动文章（在“{ALLIANCES}”内移到第1位）",
        f"杨丹泽：撤销移动（在“{ALLIANCES}”内移到第2位）",
    ]
    # 乙 was only added and dragged: its history knows nothing of the other's moves.
    assert page_rows(client_of(team["editor"]), issue, other.pk) == [
        "杨丹泽：添加文章（《乙》）",
        f"杨丹泽：调整栏目内文章顺序（栏目“{ALLIANCES}”）",
    ]


def test_a_correction_after_sign_off_is_in_the_articles_history_with_its_note(
    team, issue, accepted
):
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.PUBLISHED)
    article = Article.objects.get(pk=accepted.pk)
    editing.correct_article(
        article,
        by=team["signer"],
        title=article.title,
        body="联盟在湖南省长沙市召开2026年年会。",
        credit=article.credit,
        note="更正年会地点",
    )
    rows = page_rows(client_of(team["reviewer"]), issue, accepted.pk)
    assert rows[-1] == "邓南圣：勘误文章（改动：正文）：更正年会地点"


def test_an_article_of_an_imported_issue_says_it_came_with_the_import(imported_issue, team):
    article = Article.objects.filter(section__issue=imported_issue).order_by("pk").first()
    history = article_history(imported_issue, article.pk)
    assert [(row.what, row.source) for row in history.rows] == [("随本期导入归档", "本期")]
    assert history.title == article.title


def test_every_article_row_of_the_issue_page_and_its_edit_page_link_to_its_history(
    team, issue, accepted
):
    editor = client_of(team["editor"])
    url = reverse("desk:article_history", args=[issue.pk, accepted.pk])
    issue_page = editor.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert (
        f'<a class="button small" href="{url}" '
        f'aria-label="《粉末冶金联盟召开2026年年会》的修改记录">修改记录</a>'
    ) in issue_page
    edit_page = editor.get(reverse("desk:article_edit", args=[accepted.pk])).content.decode()
    assert f'<a class="button" href="{url}">本文修改记录</a>' in edit_page


def test_an_article_of_another_issue_or_none_at_all_is_not_found(team, issue, accepted):
    later = editing.create_issue(
        issue.series, year=2026, number=2, running_number=2, by=team["editor"]
    )
    editor = client_of(team["editor"])
    for issue_id, article_id in ((later.pk, accepted.pk), (issue.pk, accepted.pk + 1000)):
        url = reverse("desk:article_history", args=[issue_id, article_id])
        assert editor.get(url).status_code == 404


def test_a_submitter_may_not_read_the_desks_history_of_their_own_article(team, issue, accepted):
    url = reverse("desk:article_history", args=[issue.pk, accepted.pk])
    assert client_of(team["submitter"]).get(url).status_code == 403
