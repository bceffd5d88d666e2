"""The office's whole week, in a real browser: from an alliance's .docx to the archive."""

import re

import pytest
from django.core.management import call_command
from docx import Document
from playwright.sync_api import expect

from jianbao.bulletins.models import Article, Issue
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def word_file(tmp_path):
    document = Document()
    document.add_paragraph("粉末冶金联盟发布7项团体标准")
    document.add_paragraph("粉末冶金产业技术创新战略联盟发布《钼铌合金棒材》等7项团体标准。")
    document.add_paragraph("联盟专家组评审认为，这批标准进一步支撑了领域的标准制定。")
    path = tmp_path / "来稿.docx"
    document.save(path)
    return path


# Puts the caret right after ``text`` in an element, as a click there would.
AFTER_TITLE = """(element, text) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(text)
    if (at >= 0) {
      const range = document.createRange()
      range.setStart(walker.currentNode, at + text.length)
      getSelection().removeAllRanges()
      getSelection().addRange(range)
      return
    }
  }
}"""


def titles_in(section_title: str) -> list[str]:
    return list(
        Article.objects.filter(section__title=section_title)
        .order_by("position")
        .values_list("title", flat=True)
    )


def test_submission_to_published_issue(live_server, login, shoot, tmp_path):
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    person("secretariat", "submitter", alliance=alliance, name="秘书处王")
    person("editor", "editor", name="杨丹泽")
    person("reviewer", "reviewer", name="尚辉良")
    person("signer", "signer", name="李新男")
    SeriesFactory()
    section = "试点联盟动态及协发网网员单位动态"

    # 1. An alliance's secretariat sends a Word file.
    page = login("secretariat")
    page.goto(f"{live_server.url}/submit/new/")
    page.set_input_files("#id_files", str(word_file(tmp_path)))
    shoot(page, "submission-form")
    page.get_by_role("button", name="提交").click()
    # The file is read by the worker, not in the request; the page waits for it.
    expect(page.get_by_text("已收到投稿，正在读取附件")).to_be_visible()
    expect(page.get_by_text("正在处理", exact=True)).to_be_visible()
    call_command("worker", "--batch")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("粉末冶金联盟发布7项团体标准")  # htmx reloaded the page
    expect(page.get_by_text("已收到", exact=True)).to_be_visible()

    # 2. The editor opens a new issue, accepts the item and adds a second article.
    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/issues/new/")
    editor.get_by_role("button", name="新建").click()
    expect(editor.get_by_role("heading", level=1)).to_contain_text("第1期（总第1期）")
    editor.goto(f"{live_server.url}/desk/intake/")
    shoot(editor, "intake-queue")
    editor.get_by_role("link", name="粉末冶金联盟发布7项团体标准").click()
    expect(editor.locator("#id_section")).to_have_value(section)
    editor.get_by_role("button", name="采用", exact=True).click()
    expect(editor.get_by_text("已采用到")).to_be_visible()
    editor.locator("text=＋ 在本栏目添加文章").nth(2).click()
    editor.fill("#id_title", "化纤联盟协办中国纺织科技成果对接峰会")
    editor.get_by_role("textbox", name="正文").fill("峰会在晋江市举办。")
    editor.fill("#id_credit", "化纤产业技术创新战略联盟秘书处供稿")
    editor.get_by_role("button", name="保存", exact=True).click()
    expect(editor.get_by_text("已添加《化纤联盟协办中国纺织科技成果对接峰会》")).to_be_visible()
    assert titles_in(section) == [
        "粉末冶金联盟发布7项团体标准",
        "化纤联盟协办中国纺织科技成果对接峰会",
    ]

    # Reorder by drag and drop, then back again with the keyboard alternative.
    items = editor.locator("section.section-box", has_text=section).locator("ol li")
    with editor.expect_response(re.compile(r"/order/$")):
        items.nth(1).locator(".handle").drag_to(items.nth(0).locator(".handle"))
    assert titles_in(section) == [
        "化纤联盟协办中国纺织科技成果对接峰会",
        "粉末冶金联盟发布7项团体标准",
    ]
    editor.reload()
    editor.get_by_role("button", name="上移《粉末冶金联盟发布7项团体标准》").focus()
    with editor.expect_navigation():
        editor.keyboard.press("Enter")
    assert titles_in(section) == [
        "粉末冶金联盟发布7项团体标准",
        "化纤联盟协办中国纺织科技成果对接峰会",
    ]
    shoot(editor, "issue-desk")
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")

    # 3. The reviewer returns it with a comment.
    reviewer = login("reviewer")
    reviewer.goto(f"{live_server.url}/desk/")
    reviewer.get_by_role("link", name=re.compile("第1期")).click()
    reviewer.fill("#comment-return", "粉末冶金一文请写明标准名称")
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.locator("h1 .state")).to_have_text("编辑中")

    # 4. The editor fixes it and submits again; the reviewer approves.
    editor.reload()
    expect(editor.locator(".review-top").get_by_text("粉末冶金一文请写明标准名称")).to_be_visible()
    issue_page = editor.url
    editor.locator("a.button", has_text="编辑").nth(0).click()
    # Edited in place, on the issue page, in the rich editor: the caret after the title.
    body = editor.locator("li.inline-edit").get_by_role("textbox", name="正文")
    paragraph = body.locator("p", has_text="《钼铌合金棒材》")
    paragraph.click()
    paragraph.evaluate(AFTER_TITLE, "《钼铌合金棒材》")
    editor.keyboard.type("《铁基粉末冶金零件用渗铜粉》")
    assert editor.url == issue_page
    editor.get_by_role("button", name="保存", exact=True).click()
    expect(editor.locator("li.inline-edit")).to_have_count(0)
    # The page reloads after an in-place save; its live preview shows the edit.
    preview = editor.frame_locator("iframe.preview")
    expect(preview.get_by_text("《钼铌合金棒材》《铁基粉末冶金零件用渗铜粉》")).to_be_visible()
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")
    reviewer.reload()
    expect(reviewer.get_by_text("与来稿对比")).to_be_visible()
    shoot(reviewer, "review")
    reviewer.get_by_role("button", name="审核通过").click()
    expect(reviewer.locator("h1 .state")).to_have_text("待签发")

    # 5. The signer signs and publishes.
    signer = login("signer")
    signer.goto(f"{live_server.url}/desk/")
    signer.get_by_role("link", name=re.compile("第1期")).click()
    # The confirmation is a deferred script: a click before it ran would not ask.
    signer.wait_for_load_state("load")
    signer.get_by_role("button", name="签发").click()
    expect(signer.locator("h1 .state")).to_have_text("已签发")
    signer.wait_for_load_state("load")
    signer.get_by_role("button", name="发布").click()
    expect(signer.locator("h1 .state")).to_have_text("已发布")
    # Each step asked first, naming what it would do.
    assert signer.confirmations == [
        "签发后内容将冻结，只能通过勘误修改，确定签发？",
        "发布后本期将在网站公开，并按“报/送”名单发送邮件，确定发布？",
    ]

    # 6. The public archive shows the issue with the three names.
    issue = Issue.objects.get()
    public = login("signer")
    public.goto(f"{live_server.url}/issues/{issue.year}-1/")
    for text in (
        "本期编辑：杨丹泽",
        "审核：尚辉良",
        "签发：李新男",
        "（粉末冶金产业技术创新战略联盟秘书处供稿）",
    ):
        expect(public.get_by_text(text, exact=False).first).to_be_visible()
    shoot(public, "published-issue")

    # 7. After signing, edits are refused.
    article = Article.objects.get(title__startswith="粉末冶金")
    editor.goto(f"{live_server.url}/desk/articles/{article.pk}/edit/")
    expect(editor.get_by_text("已签发，内容已冻结")).to_be_visible()
    assert Article.objects.get(pk=article.pk).title == "粉末冶金联盟发布7项团体标准"
