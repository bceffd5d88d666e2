"""The editor's week, in a real browser, without the admin or the command line
(issue #13): 2023年第2期 with a chosen date, three items batch-accepted, a
section added and hidden, an edit kept as a draft across a reload, an article
deleted and restored, an 编者按, the preview, and 提交审核 after a confirmation."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue, Section
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.publishing.parsed import printed_sections
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["工作动态", "经验交流", "联盟风采"]
ITEMS = ("粉末冶金联盟发布7项团体标准", "粉末冶金联盟召开年会", "化纤联盟举办技术培训")


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_editors_week(live_server, login, shoot):
    powder = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    fibre = AllianceFactory(name="化纤产业技术创新战略联盟")
    sec = person("sec", "submitter", alliance=powder)
    sec2 = person("sec2", "submitter", alliance=fibre)
    editor_user = person("editor", "editor", name="杨丹泽")
    series = SeriesFactory(sections=SECTIONS)
    first = editing.create_issue(series, year=2023, number=1, running_number=1, by=editor_user)
    Issue.objects.filter(pk=first.pk).update(state=Issue.State.PUBLISHED)
    for title in ITEMS:
        who, alliance = (sec2, fibre) if title.startswith("化纤") else (sec, powder)
        intake.submit(by=who, alliance=alliance, title=title, body=f"{title}。", credit="")

    # 1. 2023年第2期, numbers proposed from 第1期, the printed date chosen.
    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/issues/new/")
    expect(editor.get_by_label("年度期号（第N期）")).to_have_value("2")
    expect(editor.get_by_label("总期号（总第M期）")).to_have_value("2")
    editor.get_by_label("印发日期").fill("2023-04-20")
    editor.get_by_role("button", name="新建").click()
    expect(editor.get_by_role("heading", level=1)).to_contain_text("2023年第2期（总第2期）")
    issue = Issue.objects.get(number=2)
    assert str(issue.date) == "2023-04-20"

    # 2. Three items accepted at once, each in its suggested section.
    editor.goto(f"{live_server.url}/desk/intake/")
    for title in ITEMS:
        editor.get_by_label(f"选择《{title}》").check()
    editor.get_by_label("把勾选的稿件采用到").select_option(label="2023年第2期（总第2期）")
    editor.get_by_role("button", name="采用所选稿件…").click()
    editor.get_by_role("button", name="确认采用 3 篇").click()
    expect(editor.get_by_text("已采用 3 篇稿件到 2023年第2期（总第2期）")).to_be_visible()
    assert set(Article.objects.filter(section__issue=issue).values_list("title", flat=True)) == set(
        ITEMS
    )

    # 3. A section of this issue only, added, then hidden while it is empty.
    issue_page = live_server.url + reverse("desk:issue", args=[issue.pk])
    editor.goto(issue_page)
    editor.get_by_label("栏目名称", exact=True).fill("专题报道")
    editor.get_by_role("button", name="添加栏目").click()
    expect(editor.locator("h3", has_text="专题报道")).to_be_visible()
    editor.get_by_role("button", name="本期隐藏栏目“专题报道”").click()
    assert Section.objects.get(issue=issue, title="专题报道").is_hidden
    assert not series.sections.filter(title="专题报道").exists()  # this issue only

    # 4. An edit survives a reload as a draft and is saved.
    article = Article.objects.get(title=ITEMS[1])
    editor.goto(live_server.url + reverse("desk:article_edit", args=[article.pk]))
    body = editor.get_by_role("textbox", name="正文")
    body.click()
    editor.keyboard.press("End")
    editor.keyboard.type("年会审议通过了工作报告。")
    expect(editor.locator(".autosave-status")).to_contain_text("草稿已自动保存在本浏览器")
    editor.reload()
    editor.get_by_role("button", name=re.compile(r"^恢复未保存的草稿")).click()
    expect(editor.get_by_role("textbox", name="正文")).to_contain_text("年会审议通过了工作报告。")
    editor.get_by_role("button", name="保存", exact=True).click()
    expect(editor.get_by_text(f"已保存《{ITEMS[1]}》")).to_be_visible()
    assert "年会审议通过了工作报告。" in editing.body_text(Article.objects.get(pk=article.pk))

    # 5. An article deleted by mistake comes back where it was.
    editor.goto(issue_page)
    editor.get_by_role("button", name=f"删除《{ITEMS[2]}》").click()
    expect(editor.get_by_text(f"已删除《{ITEMS[2]}》")).to_be_visible()
    editor.get_by_role("button", name=f"恢复《{ITEMS[2]}》").click()
    expect(editor.get_by_text(re.compile(f"^已恢复《{ITEMS[2]}》"))).to_be_visible()
    assert Article.objects.filter(section__issue=issue, title=ITEMS[2]).exists()

    # 6. The 编者按, written on the 导读 page.
    editor.get_by_role("link", name="编辑导读与编者按").click()
    editor.get_by_role("textbox", name="编者按").fill("本期聚焦联盟标准化工作。")
    editor.get_by_role("button", name="保存编者按").click()
    assert Issue.objects.get(pk=issue.pk).editor_note == "本期聚焦联盟标准化工作。"

    # 7. The preview prints no empty or hidden section, and the chosen date.
    editor.goto(live_server.url + reverse("desk:preview", args=[issue.pk]))
    expect(editor.get_by_text("2023年4月20日")).to_be_visible()
    expect(editor.get_by_text("专题报道")).to_have_count(0)
    printed = [s.title for s in printed_sections(issue_to_bulletin(issue))]
    assert "专题报道" not in printed and printed
    shoot(editor, "editor-week-preview")

    # 8. 提交审核, after the confirmation naming what happens.
    editor.goto(issue_page)
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")
    assert "提交后本期进入审核，编辑不能再修改，确定提交审核？" in editor.confirmations
