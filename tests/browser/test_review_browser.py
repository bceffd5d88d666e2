"""The reviewer's week, in a real browser: the inline coloured comparison, a comment
on one passage, a return; the editor sees both at the top, answers and resolves."""

import re

import pytest
from playwright.sync_api import expect

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.workflow import Action
from jianbao.core.history import history_of
from jianbao.review.models import Comment
from jianbao.submissions import services as intake
from tests.browser.test_public_axe_browser import accessibility_problems
from tests.factories import AllianceFactory, SeriesFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "粉末冶金联盟发布7项团体标准"
SENT = "联盟发布《钼铌合金棒材》等7项团体标准，专家组评审认为标准支撑了领域发展。"
EDITED = "联盟在北京发布《钼铌合金棒材》等7项团体标准，专家组评审认为这批标准支撑了领域发展。"

# Selects ``text`` inside the article's 正文 and lets go of the mouse there.
SELECT = """(element, text) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(text)
    if (at >= 0) {
      const range = document.createRange()
      range.setStart(walker.currentNode, at)
      range.setEnd(walker.currentNode, at + text.length)
      getSelection().removeAllRanges()
      getSelection().addRange(range)
      element.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}))
      return true
    }
  }
  return false
}"""


def an_issue_in_review():
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    submitter = person("secretariat", "submitter", alliance=alliance, name="秘书处王")
    editor = person("editor", "editor", name="杨丹泽")
    person("reviewer", "reviewer", name="尚辉良")
    issue = editing.create_issue(SeriesFactory(), year=2023, number=1, running_number=1, by=editor)
    submission = intake.submit(
        by=submitter, alliance=alliance, title=TITLE, body=SENT, credit="粉末冶金联盟秘书处"
    )
    article = intake.accept_into(submission, issue=issue, section=issue.sections.first(), by=editor)
    editing.update_article(article, by=editor, title=TITLE, body=EDITED, credit=article.credit)
    workflow.transition(issue, Action.SUBMIT, by=editor)
    return issue


def article_editor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="editor")


def test_reviewer_comments_on_a_passage_returns_and_editor_answers_and_resolves(
    live_server, login, shoot
):
    issue = an_issue_in_review()
    url = f"{live_server.url}/desk/issues/{issue.pk}/"

    # 1. The reviewer sees the changes marked in the text, in colour and in words.
    reviewer = login("reviewer")
    reviewer.goto(url)
    comparison = reviewer.locator("details.diff", has_text="与来稿对比")
    expect(comparison).to_have_attribute("open", "")
    inserted = comparison.locator(".inline-diff ins.diff-ins")
    expect(inserted.first).to_be_visible()
    expect(inserted).to_have_count(2)
    expect(inserted.nth(0)).to_contain_text("在北京")
    expect(inserted.nth(1)).to_contain_text("这批")
    assert inserted.nth(0).evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(212, 244, 220)"
    )
    assert "underline" in inserted.nth(0).evaluate("e => getComputedStyle(e).textDecorationLine")
    # A screen reader hears what the colour says.
    expect(inserted.nth(0).locator(".sr-only")).to_have_count(2)
    assert inserted.nth(0).inner_text().startswith("插入：")
    # At phone width the comparison wraps instead of widening the page.
    reviewer.set_viewport_size({"width": 390, "height": 844})
    box = comparison.locator(".inline-diff")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert accessibility_problems(reviewer) == []
    reviewer.set_viewport_size({"width": 1280, "height": 900})
    assert accessibility_problems(reviewer) == []
    shoot(reviewer, "review-inline-diff")

    # 2. A passage chosen by selecting it fills the comment form.
    item = reviewer.locator("li[id^='article-']", has_text=TITLE)
    item.locator("summary", has_text="正文").click()
    source = item.locator("[data-review-source]")
    assert source.evaluate(SELECT, "《钼铌合金棒材》等7项团体标准")
    passage = item.get_by_label("所引原文")
    expect(passage).to_have_value("《钼铌合金棒材》等7项团体标准")
    item.get_by_label("意见", exact=True).fill("请写明7项标准的全部名称")
    item.get_by_role("button", name="提出意见").click()
    expect(reviewer.get_by_text(f"已对所引段落就《{TITLE}》提出意见")).to_be_visible()
    comment = Comment.objects.get()
    assert comment.passage == "《钼铌合金棒材》等7项团体标准"
    expect(reviewer.locator(".review-top")).to_contain_text("待解决的审核意见：1 条")

    # 3. …and returns the issue, after a confirmation.
    reviewer.fill("#comment-return", "请按意见补全标准名称")
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.locator("h1 .state")).to_have_text("编辑中")
    assert reviewer.confirmations == ["退回后本期回到编辑中，审核与签发须重新进行，确定退回？"]

    # 4. The editor sees the return and the open comment on the 工作台 and at the top.
    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/")
    returned = editor.locator(".review-top", has_text="请按意见补全标准名称")
    expect(returned).to_contain_text("1 条审核意见待解决")
    returned.get_by_role("link", name=re.compile("2023年第1期")).click()
    top = editor.locator(".review-top")
    expect(top.first).to_contain_text("本期已被退回修改")
    expect(top.first).to_contain_text("请按意见补全标准名称")
    expect(top.nth(1)).to_contain_text("请写明7项标准的全部名称")
    assert accessibility_problems(editor) == []
    shoot(editor, "review-returned-top")

    # 5. …follows the link to the comment, answers it and resolves it.
    top.nth(1).get_by_role("link", name=f"《{TITLE}》").click()
    card = editor.locator(f"#comment-{comment.pk}")
    expect(card.locator("blockquote")).to_contain_text("《钼铌合金棒材》等7项团体标准")
    card.get_by_label("答复这条意见").fill("已补全7项标准名称")
    card.get_by_role("button", name="答复").click()
    expect(editor.get_by_text(f"已答复尚辉良对《{TITLE}》的意见")).to_be_visible()
    card = editor.locator(f"#comment-{comment.pk}")
    expect(card).to_contain_text("杨丹泽答复：已补全7项标准名称")
    card.get_by_role("button", name=re.compile("标为已解决")).click()
    expect(editor.get_by_text(f"已把尚辉良对《{TITLE}》的意见标为已解决")).to_be_visible()
    expect(editor.locator(f"#comment-{comment.pk}")).to_contain_text("已解决")
    expect(editor.locator(".review-top", has_text="待解决的审核意见")).to_have_count(0)
    editor.set_viewport_size({"width": 390, "height": 844})
    editor.reload()
    assert accessibility_problems(editor) == []
    editor.goto(f"{live_server.url}/desk/")
    assert accessibility_problems(editor) == []
    editor.set_viewport_size({"width": 1280, "height": 900})
    editor.goto(url)
    assert editor.confirmations == ["把尚辉良的这条意见标为已解决？审核人和签发人都会看到。"]

    # 6. The editor completes the names and resubmits; the reviewer sees what changed
    # since the round they returned, and approves.
    article = Article.objects.get()
    editing.update_article(
        article,
        by=article_editor(),
        title=TITLE,
        body=EDITED.replace("等7项", "《铁基粉末冶金零件用渗铜粉》等7项"),
        credit=article.credit,
    )
    editor.reload()
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")
    reviewer.reload()
    since = reviewer.locator("details.diff", has_text="与上一轮审核对比")
    expect(since.locator("ins.diff-ins")).to_have_count(1)
    expect(since.locator("ins.diff-ins")).to_contain_text("《铁基粉末冶金零件用渗铜粉》")
    expect(reviewer.locator(f"#comment-{comment.pk}")).to_contain_text("已解决")
    shoot(reviewer, "review-second-round")
    reviewer.get_by_role("button", name="审核通过").click()
    expect(reviewer.locator("h1 .state")).to_have_text("待签发")

    issue = Issue.objects.get()
    assert list(
        history_of(issue).filter(action__startswith="review.").values_list("action", flat=True)
    ) == ["review.comment.add", "review.comment.answer", "review.comment.resolve"]
