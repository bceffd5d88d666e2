"""Proofing (审校) in a real browser: the editor proofs the sample issue, applies two
suggestions, dismisses one finding with a reason and submits it, told how many 错误
are still open; the reviewer then sees the remaining findings, read-only. Every page
passes axe at 390 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue
from jianbao.core.models import HistoryEvent
from jianbao.proofing import services
from jianbao.proofing.models import Dismissal
from tests.browser.test_public_axe_browser import accessibility_problems
from tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE = "《国家技术标准创新基地申报指南（2023-2025年）》印发"
GUIDE_FIXED = "《国家技术标准创新基地申报指南（2023—2025年）》印发"
RECYCLING = "再生资源联盟召开理事会和专家委员会暨青年专家委员会会议"
SEMICONDUCTOR = "第三代半导体联盟主办第八届国际第三代半导体论坛"
REASON = "供稿行照录联盟秘书处来稿的署名，标题用联盟简称"


@pytest.fixture
def sample_in_editing(parsed):
    """The sample issue as stored, back in 编辑中, with its editor and reviewer."""
    from jianbao.bulletins.services import store_bulletin

    issue = store_bulletin(parsed, source_name="2023-01.md").issue
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.EDITING)
    person("editor", "editor", name="杨丹泽")
    person("reviewer", "reviewer", name="尚辉良")
    return Issue.objects.get(pk=issue.pk)


def proof_of(issue):
    return services.issue_proof(Issue.objects.select_related("series").get(pk=issue.pk))


def the_one(issue, rule: str, quote: str, title: str, part: str):
    (item,) = [
        i
        for i in proof_of(issue).items
        if (i.finding.rule, i.finding.quote, i.finding.where.part) == (rule, quote, part)
        and i.article_title == title
    ]
    return item


def both_widths_pass(page) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert accessibility_problems(page) == [], (page.url, width)


def test_editor_proofs_applies_two_dismisses_one_and_submits_and_the_reviewer_reads(
    sample_in_editing, live_server, login, shoot
):
    issue = sample_in_editing
    issue_url = f"{live_server.url}/desk/issues/{issue.pk}/"
    errors_at_first = proof_of(issue).open_errors
    title_range = the_one(issue, "dash.range", "2023-2025", GUIDE, "title")
    designator = the_one(issue, "space.designator", "TC300", RECYCLING, "block")
    credit = the_one(
        issue,
        "name.credit_mismatch",
        "第三代半导体照明产业技术创新战略联盟",
        SEMICONDUCTOR,
        "credit",
    )
    assert {i.finding.severity for i in (title_range, designator, credit)} == {"错误"}

    # 1. From the issue page, the editor opens the proofing page.
    editor = login("editor")
    editor.goto(issue_url)
    summary = editor.locator(".proof-summary")
    expect(summary).to_contain_text(f"错误 {errors_at_first} 处")
    summary.get_by_role("link", name="审校", exact=True).click()
    expect(editor.locator("h1")).to_contain_text("审校：2023年第1期")
    errors = editor.locator("section.proof-error")
    expect(errors.locator("h2")).to_have_text(f"错误（{errors_at_first} 处）")
    # Each flagged text is marked inside its context, under its article.
    row = editor.locator(f"#finding-{title_range.key}")
    expect(row.locator("mark")).to_have_text("【标出：2023-2025】")
    expect(row.locator(".proof-context")).to_have_text(
        "《国家技术标准创新基地申报指南（【标出：2023-2025】年）》印发"
    )
    expect(row).to_contain_text("第6篇 标题")
    expect(row).to_contain_text("建议：改为“2023—2025”")
    assert row.locator("mark").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(255, 216, 77)"
    )
    both_widths_pass(editor)
    shoot(editor, "proofing-issue")

    # 2. Two suggestions applied with one click each; the stored text changes exactly.
    guide = Article.objects.get(title=GUIDE)
    recycling = Article.objects.get(title=RECYCLING)
    body_before = editing.article_blocks(recycling)[1].text
    row.get_by_role("button", name=re.compile("^采用建议")).click()
    expect(editor.locator(".messages")).to_contain_text(
        "已采用建议：第6篇 标题的“2023-2025”改为“2023—2025”"
    )
    assert Article.objects.get(pk=guide.pk).title == GUIDE_FIXED
    assert Article.objects.get(pk=guide.pk).version == guide.version + 1
    editor.locator(f"#finding-{designator.key}").get_by_role(
        "button", name=re.compile("^采用建议")
    ).click()
    expect(editor.locator(".messages")).to_contain_text("“TC300”改为“TC 300”")
    body_after = editing.article_blocks(Article.objects.get(pk=recycling.pk))[1].text
    assert body_after == body_before.replace("（ISO/TC300）", "（ISO/TC 300）")
    assert body_after != body_before
    expect(editor.locator(f"#finding-{title_range.key}")).to_have_count(0)
    expect(editor.locator(f"#finding-{designator.key}")).to_have_count(0)

    # 3. One finding dismissed: a reason is required, asked for beside the field.
    row = editor.locator(f"#finding-{credit.key}")
    row.locator("summary", has_text="忽略").click()
    row.get_by_role("button", name="忽略这条提示").click()
    row = editor.locator(f"#finding-{credit.key}")
    expect(row.get_by_role("alert")).to_have_text("请写明忽略的理由")
    expect(row.get_by_label("忽略理由（必填）")).to_be_focused()
    both_widths_pass(editor)
    shoot(editor, "proofing-reason-required")
    row.get_by_label("忽略理由（必填）").fill(REASON)
    row.get_by_role("button", name="忽略这条提示").click()
    expect(editor.locator(".messages")).to_contain_text("已忽略这条审校提示")
    dismissed = editor.locator("#dismissed")
    expect(dismissed.locator(f"#finding-{credit.key}")).to_contain_text(f"理由：{REASON}")
    expect(dismissed).to_contain_text("杨丹泽于")
    assert Dismissal.objects.get().reason == REASON
    assert editor.confirmations == [
        "忽略这条审校提示？同一段文字以后不再提示；可在“已忽略”中恢复。",
        "忽略这条审校提示？同一段文字以后不再提示；可在“已忽略”中恢复。",
    ]
    open_errors = errors_at_first - 3
    expect(editor.locator("section.proof-error h2")).to_have_text(f"错误（{open_errors} 处）")
    both_widths_pass(editor)

    # 4. The issue page's history shows both edits, recorded like any edit.
    editor.goto(issue_url)
    history = editor.locator("ol.history").last
    expect(history).to_contain_text(f"修改文章《{GUIDE_FIXED}》（标题）")
    expect(history).to_contain_text(f"修改文章《{RECYCLING}》（正文）")
    expect(history).to_contain_text("采用审校建议")
    expect(history).to_contain_text(f"忽略审校提示《{SEMICONDUCTOR}》")
    assert HistoryEvent.objects.filter(action="bulletins.article.edit").count() == 2

    # 5. 提交审核: the confirmation names the open 错误 first.
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("h1 .state")).to_have_text("待审核")
    assert editor.confirmations[-1] == (
        f"本期还有 {open_errors} 处审校错误未处理（见“审校”页）。"
        "提交后本期进入审核，编辑不能再修改，确定提交审核？"
    )

    # 6. The reviewer sees the remaining findings, read-only, and the dismissed one apart.
    remaining = [i.key for i in proof_of(issue).open]
    reviewer = login("reviewer")
    reviewer.goto(issue_url)
    expect(reviewer.locator(".proof-summary")).to_contain_text(f"错误 {open_errors} 处")
    reviewer.locator(".proof-summary").get_by_role("link", name="审校", exact=True).click()
    listed = reviewer.locator("section.proof-group li[id^='finding-']")
    expect(listed).to_have_count(len(remaining))
    assert [e.get_attribute("id") for e in listed.all()] == [f"finding-{k}" for k in remaining]
    expect(reviewer.locator(f"section.proof-group #finding-{credit.key}")).to_have_count(0)
    expect(reviewer.locator(f"#dismissed #finding-{credit.key}")).to_contain_text(REASON)
    expect(reviewer.get_by_role("button", name=re.compile("采用建议|忽略|恢复"))).to_have_count(0)
    expect(reviewer.locator(".card").first).to_contain_text("审校结果只读")
    both_widths_pass(reviewer)
    shoot(reviewer, "proofing-reviewer")


def test_the_dictionary_pages_pass_axe_and_an_entry_is_added_with_its_error_beside_the_field(
    live_server, login, shoot
):
    person("editor", "editor", name="杨丹泽")
    editor = login("editor")
    editor.goto(f"{live_server.url}/desk/proofing/dictionary/")
    both_widths_pass(editor)
    editor.get_by_role("link", name="添加词条").first.click()
    editor.get_by_label("类别").select_option("usage")
    editor.get_by_label("查找").fill("扶植")
    editor.get_by_role("button", name="添加词条").click()
    expect(editor.locator(".field-error")).to_contain_text("用法和规范名称的词条须填写“应为”")
    both_widths_pass(editor)
    editor.get_by_label("应为").fill("扶持")
    editor.get_by_label("起用日期").fill("2020-01-01")
    editor.get_by_role("button", name="添加词条").click()
    expect(editor.locator(".messages")).to_contain_text("已添加词条“扶植 → 扶持”")
    row = editor.locator("#kind-usage tbody tr", has_text="扶植")
    expect(row).to_contain_text("2020-01-01 至 不限")
    expect(editor.locator("ol.history")).to_contain_text("杨丹泽：添加审校词条“扶植 → 扶持”")
    both_widths_pass(editor)
    shoot(editor, "proofing-dictionary")
    row.get_by_role("button", name=re.compile("^停用")).click()
    expect(editor.locator("#inactive")).to_contain_text("扶植 → 扶持")
    assert editor.confirmations == [
        "停用词条“扶植 → 扶持”？审校不再使用它；可在“已停用”中重新启用。"
    ]
