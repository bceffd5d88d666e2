"""The editor's safety net in a real browser: an edit survives a reload as a draft
and is restored into the rich editor, the save clears it; a deleted article comes
back from the issue page; a move is undone."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article
from tests.browser.test_public_axe_browser import accessibility_problems
from tests.factories import SeriesFactory, person

# The production policy (settings.JIANBAO_CSP): the scripts must work under it.
PRODUCTION_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
DRAFTS = "() => Object.keys(localStorage).filter((k) => k.startsWith('jianbao.draft/'))"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def production_csp(settings):
    """The scripts under the production policy (axe, injected by tests, cannot run there)."""
    settings.JIANBAO_CSP = PRODUCTION_CSP


@pytest.fixture
def issue():
    editor = person("editor", "editor", name="杨丹泽")
    issue = editing.create_issue(SeriesFactory(), year=2023, number=1, running_number=1, by=editor)
    section = issue.sections.order_by("position").first()
    for title in ("联盟召开年度工作会议", "联盟发布团体标准", "联盟开展技术培训"):
        editing.add_article(issue, section, by=editor, title=title, body=f"{title}。")
    return issue


def titles(issue):
    section = issue.sections.order_by("position").first()
    return list(section.articles.order_by("position").values_list("title", flat=True))


def watch(page) -> tuple[list[str], list[str]]:
    """Script errors (which must stay empty) and the kinds of dialog the page opened."""
    problems, dialogs = [], []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: msg.type == "error" and "favicon" not in msg.text and problems.append(msg.text),
    )
    page.on("dialog", lambda dialog: dialogs.append(dialog.type))
    return problems, dialogs


def test_an_edit_survives_a_reload_as_a_draft_and_the_save_clears_it(
    live_server, login, issue, production_csp
):
    article = Article.objects.get(title="联盟发布团体标准")
    page = login("editor")
    problems, dialogs = watch(page)
    url = live_server.url + reverse("desk:article_edit", args=[article.pk])
    page.goto(url)
    body = page.get_by_role("textbox", name="正文")
    expect(body).to_be_visible()
    page.get_by_label("标题", exact=True).fill("联盟发布7项团体标准")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type("标准涵盖钼铌合金棒材。")
    expect(page.locator(".autosave-status")).to_contain_text("草稿已自动保存在本浏览器")

    # Leaving asks first (the form differs from what was loaded); the draft stays.
    page.reload()
    assert "beforeunload" in dialogs
    restore = page.get_by_role("button", name=re.compile(r"^恢复未保存的草稿（保存于 \d\d:\d\d）$"))
    expect(restore).to_be_visible()
    expect(page.locator("[data-draft-stale]")).to_have_count(0)
    body = page.get_by_role("textbox", name="正文")
    expect(body).not_to_contain_text("标准涵盖钼铌合金棒材。")
    restore.click()
    expect(body).to_contain_text("联盟发布团体标准。标准涵盖钼铌合金棒材。")
    expect(page.get_by_label("标题", exact=True)).to_have_value("联盟发布7项团体标准")
    expect(page.locator(".autosave-status")).to_contain_text("已恢复")

    # Saving does not warn, and the draft is gone.
    asked = len(dialogs)
    page.get_by_role("button", name="保存").click()
    # (The message names the title the form was opened with: views.article_edit.)
    expect(page.get_by_text(re.compile("^已保存《"))).to_be_visible()
    assert len(dialogs) == asked
    # The page that follows a save clears the draft in its (deferred) script.
    page.wait_for_load_state("load")
    assert page.evaluate(DRAFTS) == []
    saved = Article.objects.get(pk=article.pk)
    assert editing.body_text(saved) == "联盟发布团体标准。标准涵盖钼铌合金棒材。"

    # Opened again: nothing to restore, and leaving unchanged does not ask.
    page.goto(url)
    expect(page.get_by_role("textbox", name="正文")).to_be_visible()
    expect(page.locator(".draft-offer")).to_have_count(0)
    page.get_by_role("link", name="取消").click()
    expect(page.get_by_role("heading", name=re.compile("2023年第1期"))).to_be_visible()
    assert len(dialogs) == asked
    assert problems == []


def test_a_draft_older_than_the_saved_version_is_flagged(live_server, login, issue):
    article = Article.objects.get(title="联盟开展技术培训")
    page = login("editor")
    problems, _dialogs = watch(page)
    url = live_server.url + reverse("desk:article_edit", args=[article.pk])
    page.goto(url)
    body = page.get_by_role("textbox", name="正文")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type("我的补充。")
    expect(page.locator(".autosave-status")).to_contain_text("草稿已自动保存在本浏览器")
    # Meanwhile a colleague saves the article.
    editing.update_article(
        article,
        by=person("editor2", "editor", name="王二"),
        title=article.title,
        credit="",
        body="同事改过的正文。",
        version=article.version,
    )
    page.goto(url)
    expect(page.locator("[data-draft-stale]")).to_contain_text("这份草稿写于第1版")
    expect(page.locator("[data-draft-stale]")).to_contain_text("已保存为第2版")
    # The offer passes axe, on a desktop and on a 390 px phone.
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name=re.compile("^恢复未保存的草稿")).click()
    expect(page.get_by_role("textbox", name="正文")).to_contain_text("我的补充。")

    # Saved as an edit of version 1: the desk shows the colleague's change first.
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert", name="对方的修改")).to_contain_text("王二")
    assert editing.body_text(Article.objects.get(pk=article.pk)) == "同事改过的正文。"
    expect(page.get_by_role("textbox", name="正文")).to_contain_text("我的补充。")
    expect(page.locator(".draft-offer")).to_have_count(0)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存《联盟开展技术培训》")).to_be_visible()
    assert editing.body_text(Article.objects.get(pk=article.pk)) == "联盟开展技术培训。我的补充。"
    # The page that follows a save clears the draft in its (deferred) script.
    page.wait_for_load_state("load")
    assert page.evaluate(DRAFTS) == []
    assert problems == []


def test_a_deleted_article_is_restored_and_a_move_undone_from_the_issue_page(
    live_server, login, issue
):
    page = login("editor")
    problems, _dialogs = watch(page)
    page.goto(live_server.url + reverse("desk:issue", args=[issue.pk]))

    page.get_by_role("button", name="删除《联盟发布团体标准》").click()
    expect(page.get_by_text("已删除《联盟发布团体标准》")).to_be_visible()
    assert page.confirmations[-1].startswith("确定删除《联盟发布团体标准》")
    assert titles(issue) == ["联盟召开年度工作会议", "联盟开展技术培训"]
    expect(page.get_by_text("已删除的文章：《联盟发布团体标准》")).to_be_visible()
    page.get_by_role("button", name="恢复《联盟发布团体标准》").click()
    assert page.confirmations[-1].startswith("恢复《联盟发布团体标准》？")
    expect(page.get_by_text("已恢复《联盟发布团体标准》（在“重要政策动态”）")).to_be_visible()
    assert titles(issue) == ["联盟召开年度工作会议", "联盟发布团体标准", "联盟开展技术培训"]
    expect(page.get_by_text("已删除的文章：")).to_have_count(0)

    page.get_by_role("button", name="下移《联盟召开年度工作会议》").click()
    undo = page.get_by_role("button", name="撤销移动《联盟召开年度工作会议》")
    expect(undo).to_be_visible()
    assert titles(issue) == ["联盟发布团体标准", "联盟召开年度工作会议", "联盟开展技术培训"]
    undo.click()
    expect(
        page.get_by_text("已撤销移动：《联盟召开年度工作会议》回到“重要政策动态”原来的位置")
    ).to_be_visible()
    assert titles(issue) == ["联盟召开年度工作会议", "联盟发布团体标准", "联盟开展技术培训"]

    # A deletion after a move: only the deletion can be undone then.
    page.get_by_role("button", name="下移《联盟召开年度工作会议》").click()
    expect(undo).to_be_visible()
    page.get_by_role("button", name="删除《联盟开展技术培训》").click()
    expect(page.get_by_text("已删除的文章：《联盟开展技术培训》")).to_be_visible()
    expect(undo).to_have_count(0)
    # A move after the deletion: both offers at once, on a desktop and a 390 px phone.
    page.get_by_role("button", name="上移《联盟召开年度工作会议》").click()
    expect(undo).to_be_visible()
    page.reload()  # the message list of core/base.html is not this test's to check
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert accessibility_problems(page) == []
    undo.click()
    expect(page.get_by_text("已撤销移动：《联盟召开年度工作会议》")).to_be_visible()
    page.get_by_role("button", name="恢复《联盟开展技术培训》").click()
    expect(page.get_by_text("已恢复《联盟开展技术培训》")).to_be_visible()
    assert titles(issue) == ["联盟发布团体标准", "联盟召开年度工作会议", "联盟开展技术培训"]
    assert problems == []


def test_the_inline_form_on_the_issue_page_autosaves_and_saves_without_a_warning(
    live_server, login, issue, production_csp
):
    page = login("editor")
    problems, dialogs = watch(page)
    page.goto(live_server.url + reverse("desk:issue", args=[issue.pk]))
    page.get_by_role("link", name="编辑《联盟开展技术培训》").click()
    form = page.get_by_role("form", name="编辑《联盟开展技术培训》")
    # The rich editor, once the swapped-in form is set up (the plain textarea is also "正文").
    body = form.locator("[contenteditable=true][aria-label=正文]")
    expect(body).to_be_visible()
    body.click()
    page.keyboard.press("End")
    page.keyboard.type("培训为期三天。")
    expect(form.locator(".autosave-status")).to_contain_text("草稿已自动保存在本浏览器")
    assert len(page.evaluate(DRAFTS)) == 1

    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存《联盟开展技术培训》")).to_be_visible()
    # The page that follows a save clears the draft in its (deferred) script.
    page.wait_for_load_state("load")
    assert "beforeunload" not in dialogs
    assert page.evaluate(DRAFTS) == []
    assert editing.body_text(Article.objects.get(title="联盟开展技术培训")) == (
        "联盟开展技术培训。培训为期三天。"
    )
    assert problems == []


def test_the_plain_textarea_autosaves_too_and_a_rich_draft_points_back(
    live_server, login, issue, production_csp
):
    article = Article.objects.get(title="联盟召开年度工作会议")
    page = login("editor")
    problems, _dialogs = watch(page)
    rich_url = live_server.url + reverse("desk:article_edit", args=[article.pk])
    page.goto(rich_url + "?plain=1")
    page.get_by_label("正文").fill("联盟召开年度工作会议。\n\n会议审议通过了**工作报告**。")
    expect(page.locator(".autosave-status")).to_contain_text("草稿已自动保存在本浏览器")
    page.reload()
    page.get_by_role("button", name=re.compile("^恢复未保存的草稿")).click()
    expect(page.get_by_label("正文")).to_have_value(
        "联盟召开年度工作会议。\n\n会议审议通过了**工作报告**。"
    )
    # The rich editor cannot take a markup body: it says where the draft can be restored.
    page.goto(rich_url)
    expect(page.get_by_role("link", name="改用纯文本编辑后恢复草稿")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^恢复未保存的草稿"))).to_have_count(0)
    page.get_by_role("link", name="改用纯文本编辑后恢复草稿").click()
    page.get_by_role("button", name=re.compile("^恢复未保存的草稿")).click()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存《联盟召开年度工作会议》")).to_be_visible()
    # The page that follows a save clears the draft in its (deferred) script.
    page.wait_for_load_state("load")
    assert page.evaluate(DRAFTS) == []
    assert editing.body_text(Article.objects.get(pk=article.pk)) == (
        "联盟召开年度工作会议。\n\n会议审议通过了**工作报告**。"
    )
    assert problems == []
