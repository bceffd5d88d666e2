"""The editor batch-accepts three items into 2023年第2期, each in its suggested section."""

import pytest
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue
from jianbao.submissions import services as intake
from jianbao.submissions.models import Submission
from tests.browser.test_public_axe_browser import accessibility_problems
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["工作动态", "经验交流", "联盟风采"]


def test_editor_batch_accepts_three_items_with_the_suggested_sections(live_server, login, shoot):
    powder = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    fibre = AllianceFactory(name="化纤产业技术创新战略联盟")
    sec = person("sec", "submitter", alliance=powder, name="秘书处王")
    sec2 = person("sec2", "submitter", alliance=fibre, name="秘书处李")
    editor_user = person("editor", "editor", name="杨丹泽")
    series = SeriesFactory(sections=SECTIONS)
    # 第1期 printed the powder alliance's news under 经验交流: that is its suggestion now.
    first = editing.create_issue(series, year=2023, number=1, running_number=1, by=editor_user)
    earlier = intake.submit(by=sec, alliance=powder, title="往期来稿", body="往期正文。", credit="")
    intake.accept_into(
        earlier, issue=first, section=first.sections.get(title="经验交流"), by=editor_user
    )
    Issue.objects.filter(pk=first.pk).update(state=Issue.State.PUBLISHED)
    issue = editing.create_issue(series, year=2023, number=2, running_number=2, by=editor_user)
    items = {
        "粉末冶金联盟发布7项团体标准": (sec, powder),
        "粉末冶金联盟召开年会": (sec, powder),
        "化纤联盟举办技术培训": (sec2, fibre),
    }
    for title, (who, alliance) in items.items():
        intake.submit(by=who, alliance=alliance, title=title, body=f"{title}。", credit="")
    expected = {
        "粉末冶金联盟发布7项团体标准": "经验交流",
        "粉末冶金联盟召开年会": "经验交流",
        "化纤联盟举办技术培训": "联盟风采",
    }

    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/intake/")
    for title in items:
        editor.get_by_label(f"选择《{title}》").check()
    editor.get_by_label("把勾选的稿件采用到").select_option(label="2023年第2期（总第2期）")
    assert accessibility_problems(editor) == []
    shoot(editor, "intake-batch-queue")
    editor.get_by_role("button", name="采用所选稿件…").click()

    # The confirmation: each item with its suggested section already chosen.
    expect(editor.get_by_role("heading", level=1)).to_have_text("确认采用到 2023年第2期（总第2期）")
    for title, section in expected.items():
        pk = Submission.objects.get(title=title).pk
        expect(editor.locator(f"#section-{pk}")).to_have_value(section)
    assert not Article.objects.filter(section__issue=issue).exists()
    assert accessibility_problems(editor) == []
    editor.set_viewport_size({"width": 390, "height": 844})
    assert accessibility_problems(editor) == []
    shoot(editor, "intake-batch-confirm-390")
    editor.set_viewport_size({"width": 1280, "height": 900})

    editor.get_by_role("button", name="确认采用 3 篇").click()
    expect(editor.get_by_text("已采用 3 篇稿件到 2023年第2期（总第2期）")).to_be_visible()
    assert editor.confirmations == [
        "将 3 篇稿件采用到 2023年第2期（总第2期），并通知投稿人，确定采用？"
    ]
    placed = {
        a.title: a.section.title
        for a in Article.objects.filter(section__issue=issue).select_related("section")
    }
    assert placed == expected
    assert set(Submission.objects.filter(title__in=items).values_list("state", flat=True)) == {
        Submission.State.USED
    }
    # The issue page shows them where they went.
    expect(editor.get_by_role("heading", level=1)).to_contain_text("2023年第2期")
    for title in items:
        expect(editor.get_by_text(title, exact=True).first).to_be_visible()

    # The submitter sees the item used, with the year.
    secretariat = login("sec2")
    secretariat.goto(f"{live_server.url}/submit/")
    expect(secretariat.get_by_text("已采用（2023年第2期）")).to_be_visible()


def test_the_series_settings_page_passes_axe_on_a_phone(live_server, login, shoot):
    person("office", "admin", name="管理员甲")
    series = SeriesFactory(sections=SECTIONS)
    page = login("office")
    page.goto(f"{live_server.url}/desk/series/")
    page.get_by_role("link", name=str(series)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("简报设置")
    page.get_by_role("textbox", name="编发单位（选填）").fill("联盟试点工作联络组")
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_text("修改了编发单位")).to_be_visible()
    assert page.confirmations and page.confirmations[0].startswith("保存后")
    page.reload()
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert accessibility_problems(page) == []
    shoot(page, "desk-series-390")
