"""Undo on the desk: a deleted article comes back where it was, a move goes back."""

import pytest
from django.urls import reverse

from jianbao.bulletins import drafts, editing, workflow
from jianbao.bulletins.editing import IssueFrozen, article_blocks
from jianbao.bulletins.models import Article
from jianbao.bulletins.workflow import Action
from jianbao.core.models import HistoryEvent
from jianbao.publishing import pictures
from jianbao.publishing.parsed import IMAGE, TABLE, Block, Cell, Mark, heading, paragraph
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person
from tests.rich_fixtures import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    return {
        "alliance": alliance,
        "submitter": person("sec", "submitter", alliance=alliance),
        "editor": person("ed", "editor", name="杨丹泽"),
        "reviewer": person("rv", "reviewer", name="尚辉良"),
    }


@pytest.fixture
def issue(team):
    issue = editing.create_issue(
        SeriesFactory(), year=2026, number=1, running_number=1, by=team["editor"]
    )
    first, second = issue.sections.order_by("position")[:2]
    for title in ("甲", "乙", "丙"):
        editing.add_article(issue, first, by=team["editor"], title=title, body=f"{title}的正文。")
    editing.add_article(issue, second, by=team["editor"], title="丁", body="丁的正文。")
    return issue


def titles(issue, position=0):
    section = issue.sections.order_by("position")[position]
    return list(section.articles.order_by("position").values_list("title", flat=True))


def article(issue, title):
    return Article.objects.get(section__issue=issue, title=title)


def delete(issue, title, by):
    editing.delete_article(article(issue, title), by=by)
    return HistoryEvent.objects.filter(action=drafts.DELETE).latest("id")


@pytest.fixture
def rich_article(issue, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    stored = pictures.accept(photo(64, 48), filename="现场.jpg")
    blocks = (
        heading("一、会议情况"),
        paragraph("联盟将继续加强标准体系建设。", Mark("bold", 0, 6)),
        Block(IMAGE, file=stored.name, caption="图为会议现场", width=64, height=48),
        Block(TABLE, rows=((Cell("序号"), Cell("名称")), (Cell("1"), Cell("钼铌合金棒材")))),
    )
    section = issue.sections.order_by("position")[0]
    rich = editing.add_article(
        issue,
        section,
        by=team["editor"],
        title="联盟发布团体标准",
        toc_title="粉末冶金联盟发布标准",
        credit="粉末冶金联盟供稿",
        blocks=blocks,
    )
    editing.move_article(rich, by=team["editor"], section=section, position=1)
    return rich


def test_a_deleted_article_comes_back_whole_at_its_old_place(issue, team, rich_article):
    before = article_blocks(rich_article)
    assert titles(issue) == ["甲", "联盟发布团体标准", "乙", "丙"]
    event = delete(issue, "联盟发布团体标准", team["editor"])
    assert titles(issue) == ["甲", "乙", "丙"]

    restored = drafts.restore_article(issue, event.pk, by=team["editor"])

    assert titles(issue) == ["甲", "联盟发布团体标准", "乙", "丙"]
    assert restored.toc_title == "粉末冶金联盟发布标准"
    assert restored.credit == "粉末冶金联盟供稿"
    assert article_blocks(restored) == before
    picture = next(b for b in article_blocks(restored) if b.kind == IMAGE)
    assert pictures.existing(picture.file).name == picture.file


def test_a_restore_is_recorded_and_named_in_chinese(issue, team, client):
    event = delete(issue, "乙", team["editor"])
    restored = drafts.restore_article(issue, event.pk, by=team["editor"])
    row = HistoryEvent.objects.get(action=drafts.RESTORE)
    assert row.actor_name == "杨丹泽"
    assert row.data["event"] == event.pk
    assert row.data["article"] == restored.pk
    assert row.data["title"] == "乙"
    client.force_login(team["reviewer"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "杨丹泽：恢复文章《乙》" in page


def test_a_deletion_is_restored_once_only(issue, team):
    event = delete(issue, "甲", team["editor"])
    drafts.restore_article(issue, event.pk, by=team["editor"])
    with pytest.raises(drafts.CannotUndo, match="《甲》已经恢复过了"):
        drafts.restore_article(issue, event.pk, by=team["editor"])
    assert titles(issue) == ["甲", "乙", "丙"]
    assert HistoryEvent.objects.filter(action=drafts.RESTORE).count() == 1


def test_restore_is_refused_once_the_issue_left_editing(issue, team):
    event = delete(issue, "丙", team["editor"])
    issue = workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    with pytest.raises(IssueFrozen):
        drafts.restore_article(issue, event.pk, by=team["editor"])
    assert titles(issue) == ["甲", "乙"]
    assert drafts.restorable_articles(issue) == []


def test_restore_needs_an_editor(issue, team):
    from django.core.exceptions import PermissionDenied

    event = delete(issue, "丙", team["editor"])
    with pytest.raises(PermissionDenied):
        drafts.restore_article(issue, event.pk, by=team["reviewer"])
    assert titles(issue) == ["甲", "乙"]


def test_a_deletion_from_another_issue_is_not_found_here(issue, team):
    other = editing.create_issue(
        issue.series, year=2026, number=2, running_number=2, by=team["editor"]
    )
    event = delete(issue, "甲", team["editor"])
    with pytest.raises(drafts.CannotUndo, match="没有找到"):
        drafts.restore_article(other, event.pk, by=team["editor"])


def test_the_deleted_list_leaves_out_what_was_restored(issue, team):
    first = delete(issue, "甲", team["editor"])
    second = delete(issue, "丁", team["editor"])
    assert [d.title for d in drafts.restorable_articles(issue)] == ["丁", "甲"]
    drafts.restore_article(issue, second.pk, by=team["editor"])
    assert [d.event_id for d in drafts.restorable_articles(issue)] == [first.pk]


def test_a_restored_article_gets_its_submission_and_contributors_back(issue, team):
    submission = intake.submit_from_web(
        team["submitter"],
        alliance=team["alliance"],
        title="来稿",
        body="来稿正文。",
        credit="",
        files=[],
    )
    section = issue.sections.order_by("position")[0]
    accepted = intake.accept_into(submission, issue=issue, section=section, by=team["editor"])
    contributors = list(accepted.articlecontributor_set.values_list("organisation", flat=True))
    event = delete(issue, accepted.title, team["editor"])
    submission.refresh_from_db()
    assert submission.article is None

    restored = drafts.restore_article(issue, event.pk, by=team["editor"])

    submission.refresh_from_db()
    assert submission.article == restored
    assert (
        list(restored.articlecontributor_set.values_list("organisation", flat=True)) == contributors
    )


def test_a_move_is_undone_to_the_old_section_and_position(issue, team):
    editing.move_article(
        article(issue, "甲"),
        by=team["editor"],
        section=issue.sections.order_by("position")[1],
        position=0,
    )
    assert titles(issue) == ["乙", "丙"]
    assert titles(issue, 1) == ["甲", "丁"]
    move = drafts.last_undoable_move(issue)
    assert (move.title, move.from_title, move.to_title) == (
        "甲",
        "重要政策动态",
        "联盟联络组及协发网动态",
    )

    drafts.undo_move(issue, move.event_id, by=team["editor"])

    assert titles(issue) == ["甲", "乙", "丙"]
    assert titles(issue, 1) == ["丁"]
    undo = HistoryEvent.objects.filter(action=drafts.MOVE).latest("id")
    assert undo.data["undoes"] == move.event_id
    assert undo.actor_name == "杨丹泽"


def test_a_move_within_a_section_is_undone(issue, team):
    section = issue.sections.order_by("position")[0]
    editing.move_article(article(issue, "丙"), by=team["editor"], section=section, position=0)
    assert titles(issue) == ["丙", "甲", "乙"]
    drafts.undo_move(issue, drafts.last_undoable_move(issue).event_id, by=team["editor"])
    assert titles(issue) == ["甲", "乙", "丙"]


def test_a_move_is_undone_once_only(issue, team):
    section = issue.sections.order_by("position")[0]
    editing.move_article(article(issue, "甲"), by=team["editor"], section=section, position=2)
    event_id = drafts.last_undoable_move(issue).event_id
    drafts.undo_move(issue, event_id, by=team["editor"])
    with pytest.raises(drafts.CannotUndo, match="已经撤销过了"):
        drafts.undo_move(issue, event_id, by=team["editor"])
    assert titles(issue) == ["甲", "乙", "丙"]


def test_a_move_followed_by_another_edit_is_not_undone(issue, team):
    section = issue.sections.order_by("position")[0]
    editing.move_article(article(issue, "甲"), by=team["editor"], section=section, position=2)
    event_id = drafts.last_undoable_move(issue).event_id
    editing.delete_article(article(issue, "乙"), by=team["editor"])
    assert drafts.last_undoable_move(issue) is None
    with pytest.raises(drafts.CannotUndo, match="之后本期又有修改"):
        drafts.undo_move(issue, event_id, by=team["editor"])
    assert titles(issue) == ["丙", "甲"]


def test_undo_move_is_refused_once_the_issue_left_editing(issue, team):
    section = issue.sections.order_by("position")[0]
    editing.move_article(article(issue, "甲"), by=team["editor"], section=section, position=2)
    event_id = drafts.last_undoable_move(issue).event_id
    issue = workflow.transition(issue, Action.SUBMIT, by=team["editor"])
    with pytest.raises(IssueFrozen):
        drafts.undo_move(issue, event_id, by=team["editor"])
    assert titles(issue) == ["乙", "丙", "甲"]


def test_the_issue_page_offers_restore_with_a_confirmation_and_the_undo(issue, team, client):
    section = issue.sections.order_by("position")[0]
    delete(issue, "乙", team["editor"])
    editing.move_article(article(issue, "甲"), by=team["editor"], section=section, position=1)
    client.force_login(team["editor"])
    page = client.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "已删除的文章：《乙》" in page
    assert 'data-confirm="恢复《乙》？' in page
    assert "刚才把《甲》从“重要政策动态”移到了“重要政策动态”。" in page
    assert "bulletins/autosave.js" in page


def test_the_restore_view_says_what_came_back(issue, team, client):
    event = delete(issue, "乙", team["editor"])
    client.force_login(team["editor"])
    response = client.post(reverse("desk:article_restore", args=[issue.pk, event.pk]), follow=True)
    assert "已恢复《乙》（在“重要政策动态”）" in response.content.decode()
    assert titles(issue) == ["甲", "乙", "丙"]
    again = client.post(reverse("desk:article_restore", args=[issue.pk, event.pk]), follow=True)
    assert "《乙》已经恢复过了" in again.content.decode()


def test_the_undo_view_says_where_the_article_went_back(issue, team, client):
    section = issue.sections.order_by("position")[0]
    editing.move_article(article(issue, "甲"), by=team["editor"], section=section, position=2)
    event_id = drafts.last_undoable_move(issue).event_id
    client.force_login(team["editor"])
    response = client.post(reverse("desk:move_undo", args=[issue.pk, event_id]), follow=True)
    assert "已撤销移动：《甲》回到“重要政策动态”原来的位置" in response.content.decode()
    assert titles(issue) == ["甲", "乙", "丙"]


def test_an_article_is_not_restored_into_a_section_hidden_since(issue, team):
    from jianbao.bulletins import sections
    from jianbao.bulletins.sections import SectionRefused

    event = delete(issue, "丁", team["editor"])
    second = issue.sections.order_by("position")[1]
    sections.set_section_hidden(second, by=team["editor"], hidden=True)
    with pytest.raises(SectionRefused, match="本期已隐藏"):
        drafts.restore_article(issue, event.pk, by=team["editor"])
    assert not Article.objects.filter(title="丁").exists()
    assert [d.event_id for d in drafts.restorable_articles(issue)] == [event.pk]


def test_an_article_whose_section_was_removed_comes_back_in_the_first_section(issue, team):
    from jianbao.bulletins import sections

    event = delete(issue, "丁", team["editor"])
    sections.delete_section(issue.sections.order_by("position")[1], by=team["editor"])
    restored = drafts.restore_article(issue, event.pk, by=team["editor"])
    assert restored.section == issue.sections.order_by("position")[0]
    assert titles(issue) == ["甲", "乙", "丙", "丁"]
