"""An issue's own sections, its 导读 and its 编者按 (issue #13), through the services and the desk.

Sections are changed for one issue only: the series' default sections and the
other issues keep theirs. Hidden and empty sections never reach an output.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jianbao.bulletins import editing, sections, workflow
from jianbao.bulletins.editing import IssueFrozen
from jianbao.bulletins.models import Article, Issue, Section
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.bulletins.workflow import Action
from jianbao.core.history import history_of
from jianbao.publishing.render import render
from tests.factories import SECTIONS, SeriesFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return person("ed", "editor", name="杨丹泽")


@pytest.fixture
def reviewer():
    return person("rv", "reviewer", name="尚辉良")


@pytest.fixture
def series():
    return SeriesFactory()


@pytest.fixture
def issue(series, editor):
    issue = editing.create_issue(series, year=2026, number=1, running_number=1, by=editor)
    first = issue.sections.get(position=0)
    editing.add_article(issue, first, by=editor, title="科技部召开座谈会", body="正文一。")
    editing.add_article(issue, first, by=editor, title="联盟发布团体标准", body="正文二。")
    return issue


def titles(issue) -> list[str]:
    return list(issue.sections.order_by("position").values_list("title", flat=True))


def actions(issue) -> list[str]:
    return [e.action for e in history_of(issue) if e.action.startswith("bulletins.section.")]


def last_row(issue):
    return history_of(issue).last()


def pdftotext(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", "", text)


# --- Sections: each operation --------------------------------------------------------


def test_a_new_section_goes_last_in_this_issue_only(issue, series, editor):
    other = editing.create_issue(series, year=2026, number=2, running_number=2, by=editor)
    section = sections.add_section(issue, by=editor, title=" 专题 报道 ", toc_title="专题")
    assert (section.title, section.toc_title, section.position) == ("专题 报道", "专题", 3)
    assert titles(issue) == [*SECTIONS, "专题 报道"]
    assert titles(other) == SECTIONS
    assert list(series.sections.order_by("position").values_list("title", flat=True)) == SECTIONS
    row = last_row(issue)
    assert row.action == "bulletins.section.add" and row.actor == editor
    assert row.data["title"] == "专题 报道" and row.data["section"] == section.pk


def test_a_section_needs_a_title_of_its_own(issue, editor):
    with pytest.raises(sections.SectionRefused, match="请填写栏目名称") as blank:
        sections.add_section(issue, by=editor, title="  ")
    assert blank.value.field == "title"
    with pytest.raises(sections.SectionRefused, match=f"本期已有栏目“{SECTIONS[1]}”"):
        sections.add_section(issue, by=editor, title=SECTIONS[1])
    assert titles(issue) == SECTIONS and actions(issue) == []


def test_renaming_changes_this_issue_and_records_both_names(issue, series, editor):
    other = editing.create_issue(series, year=2026, number=2, running_number=2, by=editor)
    section = issue.sections.get(position=1)
    sections.rename_section(section, by=editor, title="协发网动态", toc_title="协发网")
    section.refresh_from_db()
    assert (section.title, section.toc_title) == ("协发网动态", "协发网")
    assert titles(other) == SECTIONS
    assert series.sections.filter(title=SECTIONS[1]).exists()
    row = last_row(issue)
    assert row.action == "bulletins.section.rename"
    assert row.data["before"] == {"title": SECTIONS[1], "toc_title": ""}
    assert row.data["after"] == {"title": "协发网动态", "toc_title": "协发网"}
    with pytest.raises(sections.SectionRefused, match="本期已有栏目"):
        sections.rename_section(section, by=editor, title=SECTIONS[0])


def test_an_empty_section_is_hidden_and_shown_again(issue, editor):
    section = issue.sections.get(position=2)
    sections.set_section_hidden(section, by=editor, hidden=True)
    assert Section.objects.get(pk=section.pk).is_hidden
    sections.set_section_hidden(section, by=editor, hidden=False)
    assert not Section.objects.get(pk=section.pk).is_hidden
    assert actions(issue) == ["bulletins.section.hide", "bulletins.section.show"]


def test_a_section_with_articles_is_not_hidden(issue, editor):
    section = issue.sections.get(position=0)
    with pytest.raises(sections.SectionRefused, match="还有2篇文章，不能隐藏"):
        sections.set_section_hidden(section, by=editor, hidden=True)
    assert not Section.objects.get(pk=section.pk).is_hidden
    assert actions(issue) == []


def test_no_article_goes_into_a_hidden_section(issue, editor):
    section = issue.sections.get(position=2)
    sections.require_visible(section)
    sections.set_section_hidden(section, by=editor, hidden=True)
    with pytest.raises(sections.SectionRefused, match="本期已隐藏"):
        sections.require_visible(Section.objects.get(pk=section.pk))


def test_keeping_an_empty_section_is_recorded(issue, editor):
    section = issue.sections.get(position=1)
    sections.set_keep_when_empty(section, by=editor, keep=True)
    assert Section.objects.get(pk=section.pk).keep_when_empty
    row = last_row(issue)
    assert row.action == "bulletins.section.update"
    assert row.data["after"] == {"keep_when_empty": True}


def test_sections_move_up_and_down_with_unique_positions(issue, editor):
    last = issue.sections.get(position=2)
    sections.move_section(last, by=editor, direction="up")
    assert titles(issue) == [SECTIONS[0], SECTIONS[2], SECTIONS[1]]
    sections.move_section(last, by=editor, direction="up")
    assert titles(issue) == [SECTIONS[2], SECTIONS[0], SECTIONS[1]]
    assert list(issue.sections.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
        2,
    ]
    with pytest.raises(sections.SectionRefused, match="已在最前"):
        sections.move_section(last, by=editor, direction="up")
    sections.move_section(last, by=editor, direction="down")
    assert titles(issue) == [SECTIONS[0], SECTIONS[2], SECTIONS[1]]
    assert actions(issue) == ["bulletins.section.move"] * 3
    assert last_row(issue).data == {
        "section": last.pk,
        "title": SECTIONS[2],
        "direction": "down",
        "from": 0,
        "to": 1,
    }
    # The articles moved with their section.
    assert issue.sections.get(position=0).articles.count() == 2


def test_only_an_empty_section_is_deleted(issue, editor):
    with pytest.raises(sections.SectionRefused, match="还有2篇文章，不能删除"):
        sections.delete_section(issue.sections.get(position=0), by=editor)
    sections.delete_section(issue.sections.get(position=1), by=editor)
    assert titles(issue) == [SECTIONS[0], SECTIONS[2]]
    assert list(issue.sections.values_list("position", flat=True)) == [0, 1]
    assert actions(issue) == ["bulletins.section.delete"]
    assert last_row(issue).data["title"] == SECTIONS[1]


# --- Refusals: not 编辑中, not an editor ------------------------------------------------


def _operations(issue):
    empty = issue.sections.get(position=1)
    article = issue.sections.get(position=0).articles.first()
    return {
        "add": lambda by: sections.add_section(issue, by=by, title="新栏目"),
        "rename": lambda by: sections.rename_section(empty, by=by, title="改名"),
        "hide": lambda by: sections.set_section_hidden(empty, by=by, hidden=True),
        "keep": lambda by: sections.set_keep_when_empty(empty, by=by, keep=True),
        "move": lambda by: sections.move_section(empty, by=by, direction="up"),
        "delete": lambda by: sections.delete_section(empty, by=by),
        "toc": lambda by: sections.save_toc(issue, by=by, lines={article.pk: "新导读"}),
        "note": lambda by: sections.set_editor_note(issue, by=by, text="编者按"),
    }


OPERATIONS = ["add", "rename", "hide", "keep", "move", "delete", "toc", "note"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_nobody_but_an_editor_changes_sections(issue, reviewer, operation):
    before = list(history_of(issue))
    with pytest.raises(PermissionDenied):
        _operations(issue)[operation](reviewer)
    assert titles(issue) == SECTIONS and list(history_of(issue)) == before


@pytest.mark.parametrize("operation", OPERATIONS)
def test_sections_are_frozen_outside_editing(issue, editor, operation):
    workflow.transition(issue, Action.SUBMIT, by=editor)
    before = list(history_of(issue))
    with pytest.raises(IssueFrozen, match="待审核"):
        _operations(issue)[operation](editor)
    issue.refresh_from_db()
    assert titles(issue) == SECTIONS and list(history_of(issue)) == before
    assert issue.editor_note == ""


# --- The 导读 and the 编者按 ------------------------------------------------------------


def test_the_toc_follows_the_print_order_and_names_what_it_leaves_out(issue, editor):
    empty, spare = issue.sections.get(position=1), issue.sections.get(position=2)
    sections.set_section_hidden(spare, by=editor, hidden=True)
    extra = sections.add_section(issue, by=editor, title="专题")
    editing.add_article(issue, extra, by=editor, title="专题文章", toc_title="专题导读")
    sections.move_section(extra, by=editor, direction="up")
    sections.move_section(extra, by=editor, direction="up")
    toc = sections.issue_toc(Issue.objects.get(pk=issue.pk))
    assert [p.section.title for p in toc.printed] == [SECTIONS[0], "专题"]
    assert [sections.toc_line(a) for a in toc.articles] == [
        "科技部召开座谈会",
        "联盟发布团体标准",
        "专题导读",
    ]
    assert [(s.pk, why) for s, why in toc.left_out] == [
        (empty.pk, "暂无文章，不印出"),
        (spare.pk, "本期隐藏"),
    ]


def test_a_toc_line_is_saved_with_history_and_the_title_means_no_wording(issue, editor):
    first, second = issue.sections.get(position=0).articles.order_by("position")
    changed = sections.save_toc(
        issue,
        by=editor,
        lines={first.pk: " 座谈会 召开 ", second.pk: "联盟发布团体标准"},
        versions={first.pk: first.version, second.pk: second.version},
    )
    assert [a.pk for a in changed] == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.toc_title, second.toc_title) == ("座谈会 召开", "")
    assert first.version == 2 and second.version == 1
    row = last_row(issue)
    assert row.action == "bulletins.article.edit" and row.actor == editor
    assert row.data["changed"] == ["toc_title"]
    assert row.data["before"] == {"toc_title": ""}
    assert row.data["after"] == {"toc_title": "座谈会 召开"}
    # Typing the title again goes back to "same as the title".
    sections.save_toc(issue, by=editor, lines={first.pk: "科技部召开座谈会"})
    assert Article.objects.get(pk=first.pk).toc_title == ""


def test_a_toc_opened_before_someone_saved_the_article_saves_nothing(issue, editor):
    first = issue.sections.get(position=0).articles.order_by("position").first()
    opened = first.version
    editing.update_article(first, by=editor, title="科技部召开座谈会（改）", credit="")
    with pytest.raises(sections.TocConflict, match="科技部召开座谈会（改）"):
        sections.save_toc(
            issue, by=editor, lines={first.pk: "我的导读"}, versions={first.pk: opened}
        )
    assert Article.objects.get(pk=first.pk).toc_title == ""


def test_a_toc_heading_equal_to_the_section_title_stores_no_wording(issue, editor):
    section = issue.sections.get(position=0)
    sections.save_toc(issue, by=editor, lines={}, headings={section.pk: "政策"})
    assert Section.objects.get(pk=section.pk).toc_title == "政策"
    sections.save_toc(issue, by=editor, lines={}, headings={section.pk: section.title})
    assert Section.objects.get(pk=section.pk).toc_title == ""
    assert actions(issue) == ["bulletins.section.rename"] * 2


def test_an_article_of_another_issue_is_refused_in_the_toc(issue, series, editor):
    other = editing.create_issue(series, year=2026, number=2, running_number=2, by=editor)
    stranger = editing.add_article(
        other, other.sections.get(position=0), by=editor, title="别期文章"
    )
    with pytest.raises(PermissionDenied):
        sections.save_toc(issue, by=editor, lines={stranger.pk: "偷改"})
    assert Article.objects.get(pk=stranger.pk).toc_title == ""


def test_the_editor_note_is_stored_one_paragraph_a_line(issue, editor):
    sections.set_editor_note(issue, by=editor, text="  第一段。 \r\n\r\n第二段。\n")
    issue.refresh_from_db()
    assert issue.editor_note == "第一段。\n第二段。"
    row = last_row(issue)
    assert row.action == "bulletins.issue.update"
    assert row.data == {
        "changed": ["editor_note"],
        "before": {"editor_note": ""},
        "after": {"editor_note": "第一段。\n第二段。"},
    }


# --- What reaches the outputs -----------------------------------------------------------


def test_output_sections_leave_out_hidden_ones(issue, editor):
    spare = issue.sections.get(position=2)
    sections.set_section_hidden(spare, by=editor, hidden=True)
    assert [s.title for s in sections.output_sections(issue)] == SECTIONS[:2]


def test_empty_and_hidden_sections_are_not_in_the_pdf_and_a_kept_one_is(issue, editor):
    empty = issue.sections.get(position=1)
    sections.rename_section(empty, by=editor, title="本期空着的栏目")
    spare = issue.sections.get(position=2)
    sections.rename_section(spare, by=editor, title="本期隐藏的栏目")
    # Kept when empty, and then hidden: hidden wins.
    sections.set_keep_when_empty(spare, by=editor, keep=True)
    sections.set_section_hidden(spare, by=editor, hidden=True)
    text = pdftotext(render(issue_to_bulletin(issue), "pdf"))
    assert "科技部召开座谈会" in text
    assert "本期空着的栏目" not in text and "本期隐藏的栏目" not in text

    sections.set_keep_when_empty(empty, by=editor, keep=True)
    text = pdftotext(render(issue_to_bulletin(issue), "pdf"))
    # In the 导读 and as the body's heading.
    assert text.count("本期空着的栏目") == 2
    assert "本期隐藏的栏目" not in text


# --- The desk's pages ------------------------------------------------------------------------


@pytest.fixture
def desk(client, editor):
    client.force_login(editor)
    return client


def page_of(issue):
    return reverse("desk:issue", args=[issue.pk])


def test_the_issue_page_offers_each_section_its_controls(desk, issue):
    html = desk.get(page_of(issue)).content.decode()
    for title in SECTIONS:
        assert f'aria-label="上移栏目“{title}”"' in html
        assert f'aria-label="改名：栏目“{title}”"' in html
    # Only empty sections may be hidden or deleted.
    assert f'aria-label="本期隐藏栏目“{SECTIONS[0]}”"' not in html
    assert f'aria-label="删除栏目“{SECTIONS[1]}”"' in html
    assert 'data-confirm="从本期删除空栏目' in html
    assert reverse("desk:section_add", args=[issue.pk]) in html
    assert reverse("desk:toc", args=[issue.pk]) in html


def test_a_reviewer_sees_no_section_controls(client, issue, reviewer):
    client.force_login(reviewer)
    html = client.get(page_of(issue)).content.decode()
    assert "上移栏目" not in html and "添加栏目" not in html
    assert "查看导读与编者按" in html


def test_adding_a_section_says_what_changed(desk, issue):
    response = desk.post(
        reverse("desk:section_add", args=[issue.pk]),
        {"title": "专题", "toc_title": ""},
        follow=True,
    )
    section = issue.sections.get(title="专题")
    assert response.redirect_chain[-1][0] == f"{page_of(issue)}#sec-{section.pk}"
    assert "已添加栏目“专题”" in response.content.decode()


def test_a_duplicate_title_is_named_beside_the_field(desk, issue):
    response = desk.post(
        reverse("desk:section_add", args=[issue.pk]), {"title": SECTIONS[0], "toc_title": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'role="alert" id="id_title_errors"><ul class="errorlist"><li>本期已有栏目', html
    )
    assert titles(issue) == SECTIONS


def test_rename_hide_keep_move_and_delete_from_the_desk(desk, issue):
    empty = issue.sections.get(position=1)
    response = desk.post(
        reverse("desk:section_rename", args=[empty.pk]),
        {"title": "协发网动态", "toc_title": ""},
        follow=True,
    )
    assert f"栏目“{SECTIONS[1]}”已改名为“协发网动态”" in response.content.decode()
    response = desk.post(
        reverse("desk:section_move", args=[empty.pk]), {"direction": "up"}, follow=True
    )
    assert "栏目“协发网动态”已上移一位" in response.content.decode()
    assert titles(issue)[0] == "协发网动态"
    response = desk.post(reverse("desk:section_keep", args=[empty.pk]), {"on": "1"}, follow=True)
    assert "没有文章时也会印出" in response.content.decode()
    response = desk.post(reverse("desk:section_hide", args=[empty.pk]), {"on": "1"}, follow=True)
    html = response.content.decode()
    assert "栏目“协发网动态”本期已隐藏" in html
    assert 'aria-label="取消隐藏栏目“协发网动态”"' in html
    response = desk.post(reverse("desk:section_delete", args=[empty.pk]), follow=True)
    assert "已从本期删除空栏目“协发网动态”" in response.content.decode()
    assert titles(issue) == [SECTIONS[0], SECTIONS[2]]


def test_hiding_a_section_with_articles_is_refused_with_the_reason(desk, issue):
    full = issue.sections.get(position=0)
    response = desk.post(reverse("desk:section_hide", args=[full.pk]), {"on": "1"}, follow=True)
    assert "还有2篇文章，不能隐藏" in response.content.decode()
    assert not Section.objects.get(pk=full.pk).is_hidden


def test_a_frozen_issue_refuses_a_new_section_with_a_message(desk, issue, editor):
    workflow.transition(issue, Action.SUBMIT, by=editor)
    response = desk.post(
        reverse("desk:section_add", args=[issue.pk]), {"title": "迟到的栏目"}, follow=True
    )
    assert "退回后才能修改" in response.content.decode()
    assert titles(issue) == SECTIONS


def test_the_toc_page_edits_lines_in_print_order(desk, issue):
    url = reverse("desk:toc", args=[issue.pk])
    html = desk.get(url).content.decode()
    first, second = issue.sections.get(position=0).articles.order_by("position")
    assert html.index("《科技部召开座谈会》的导读标题") < html.index(
        "《联盟发布团体标准》的导读标题"
    )
    assert f'value="{first.title}"' in html
    # Empty sections are named as left out.
    assert "不印出的栏目" in html and "暂无文章，不印出" in html
    data = {
        f"heading-{first.section_id}": SECTIONS[0],
        f"line-{first.pk}": "科技部座谈",
        f"version-{first.pk}": first.version,
        f"line-{second.pk}": second.title,
        f"version-{second.pk}": second.version,
    }
    response = desk.post(url, data, follow=True)
    assert "《科技部召开座谈会》的导读标题已修改" in response.content.decode()
    assert Article.objects.get(pk=first.pk).toc_title == "科技部座谈"
    preview = desk.get(reverse("desk:preview", args=[issue.pk])).content.decode()
    assert "科技部座谈" in preview


def test_a_stale_toc_keeps_what_was_typed_and_names_the_article(desk, issue, editor):
    url = reverse("desk:toc", args=[issue.pk])
    first = issue.sections.get(position=0).articles.order_by("position").first()
    opened = first.version
    editing.update_article(first, by=editor, title=first.title, credit="新供稿")
    response = desk.post(
        url,
        {
            f"heading-{first.section_id}": SECTIONS[0],
            f"line-{first.pk}": "我写的导读",
            f"version-{first.pk}": opened,
        },
    )
    html = response.content.decode()
    assert "在您打开导读后已被他人修改" in html and 'value="我写的导读"' in html
    assert f'name="version-{first.pk}" value="{opened + 1}"' in html
    assert Article.objects.get(pk=first.pk).toc_title == ""


def test_the_editor_note_is_saved_from_the_toc_page(desk, issue):
    response = desk.post(
        reverse("desk:editor_note", args=[issue.pk]),
        {"editor_note": "本期聚焦标准化。"},
        follow=True,
    )
    assert "已保存编者按" in response.content.decode()
    assert Issue.objects.get(pk=issue.pk).editor_note == "本期聚焦标准化。"
    assert "本期聚焦标准化。" in desk.get(reverse("desk:toc", args=[issue.pk])).content.decode()


def test_a_reviewer_reads_the_toc_and_may_not_post_it(client, issue, reviewer):
    client.force_login(reviewer)
    url = reverse("desk:toc", args=[issue.pk])
    html = client.get(url).content.decode()
    assert "科技部召开座谈会" in html and "保存导读" not in html
    article = issue.sections.get(position=0).articles.first()
    assert client.post(url, {f"line-{article.pk}": "偷改"}).status_code == 403
    assert Article.objects.get(pk=article.pk).toc_title == ""


def test_an_article_added_after_the_toc_was_opened_keeps_its_wording(desk, issue, editor):
    url = reverse("desk:toc", args=[issue.pk])
    first = issue.sections.get(position=0).articles.order_by("position").first()
    later = editing.add_article(
        issue, first.section, by=editor, title="后来的文章", toc_title="后来的导读"
    )
    desk.post(url, {f"line-{first.pk}": "新导读", f"version-{first.pk}": first.version})
    assert Article.objects.get(pk=first.pk).toc_title == "新导读"
    assert Article.objects.get(pk=later.pk).toc_title == "后来的导读"
