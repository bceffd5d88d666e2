"""Proofing on the desk's pages: the findings marked in their context and grouped by
severity, the apply and dismiss buttons for the editor only, the issue page's summary
and 提交审核 confirmation, the series setting, and the dictionary pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from jianbao.bulletins.models import Article, Issue, Series
from jianbao.core.history import history_of
from jianbao.core.models import HistoryEvent
from jianbao.proofing import services
from jianbao.proofing.models import DictionaryEntry, Dismissal
from tests.factories import person
from tests.matrix_fixtures import form_data

pytestmark = pytest.mark.django_db

GUIDE = "《国家技术标准创新基地申报指南（2023-2025年）》印发"


@pytest.fixture
def issue(imported_issue):
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.EDITING)
    return Issue.objects.get(pk=imported_issue.pk)


def user(username: str):
    # Not person(): it sets the password again, which logs that person's client out.
    return get_user_model().objects.get(username=username)


def client_for(username: str, role: str, name: str) -> Client:
    client = Client()
    client.force_login(person(username, role, name=name))
    return client


@pytest.fixture
def editor():
    return client_for("editor", "editor", "杨丹泽")


@pytest.fixture
def reviewer():
    return client_for("reviewer", "reviewer", "尚辉良")


def page_of(issue, article=None) -> str:
    url = reverse("proofing:issue", args=[issue.pk])
    return f"{url}?article={article.pk}" if article else url


def the_guide(issue) -> Article:
    return Article.objects.get(section__issue=issue, title=GUIDE)


def title_finding(issue):
    (item,) = [
        i
        for i in services.issue_proof(Issue.objects.get(pk=issue.pk)).items
        if i.finding.rule == "dash.range" and i.finding.where.part == "title"
    ]
    return item


def messages_of(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session too)."""
    return [m.message for m in response.wsgi_request._messages._queued_messages]


def test_the_page_marks_each_flagged_text_in_its_context_grouped_by_severity(issue, editor):
    page = editor.get(page_of(issue)).content.decode()

    # 错误 before 建议; each heading counts its findings.
    headings = re.findall(r'<h2 id="sev-(\w+)">(错误|建议|提示)（(\d+) 处）</h2>', page)
    assert [h[1] for h in headings][:2] == ["错误", "建议"]
    errors = int(headings[0][2])
    assert errors == services.issue_proof(Issue.objects.get(pk=issue.pk)).open_errors
    # The title's hyphen, marked between the text around it, under its article.
    assert "第6篇《" + GUIDE + "》</h3>" in page
    assert (
        '《国家技术标准创新基地申报指南（<mark><span class="sr-only">【标出：</span>2023-2025'
        '<span class="sr-only">】</span></mark>年）》印发' in page
    )
    assert "建议：改为“<ins>2023—2025</ins>”" in page
    assert "第6篇 标题" in page and "dash.range" in page
    # The editor's buttons: apply, and dismiss behind a reason and a confirmation.
    assert page.count('name="reason"') >= errors
    assert "采用建议" in page
    assert 'data-confirm="忽略这条审校提示？' in page


def test_one_article_shows_only_its_own_findings(issue, editor):
    guide = the_guide(issue)
    page = editor.get(page_of(issue, guide)).content.decode()

    assert "<h1>审校：《" + GUIDE + "》" in page
    assert page.count("<mark>") == 2  # the title's range and the body's
    assert "快堆" not in page
    assert f'name="article" value="{guide.pk}"' in page


def test_an_article_not_in_the_issue_is_not_found(issue, editor):
    response = editor.get(reverse("proofing:issue", args=[issue.pk]) + "?article=999999")
    assert response.status_code == 404


def test_applying_from_the_page_changes_the_title_and_says_so(issue, editor):
    item = title_finding(issue)
    response = editor.post(
        reverse("proofing:apply", args=[issue.pk]),
        {"key": item.key, "article": the_guide(issue).pk},
    )

    guide = Article.objects.get(pk=item.finding.where.article_id)
    assert response.status_code == 302
    assert response["Location"] == page_of(issue, guide)
    assert guide.title == "《国家技术标准创新基地申报指南（2023—2025年）》印发"
    assert messages_of(response) == [
        "已采用建议：第6篇 标题的“2023-2025”改为“2023—2025”，已记入修改记录"
    ]


def test_applying_twice_tells_the_editor_the_text_changed(issue, editor):
    item = title_finding(issue)
    url = reverse("proofing:apply", args=[issue.pk])
    editor.post(url, {"key": item.key})

    response = editor.post(url, {"key": item.key})

    assert messages_of(response) == ["这处文字在审校之后已被修改，未作改动；请看重新审校的结果"]
    assert HistoryEvent.objects.filter(action="proofing.suggestion.apply").count() == 1


def test_a_dismissal_without_a_reason_is_shown_beside_its_field(issue, editor):
    item = title_finding(issue)
    response = editor.post(
        reverse("proofing:dismiss", args=[issue.pk]), {"key": item.key, "reason": " "}
    )

    assert response.status_code == 400
    page = response.content.decode()
    block = page[page.index(f'id="finding-{item.key}"') :]
    block = block[: block.index('<li id="finding-')]
    assert "<details open>" in block
    assert 'aria-invalid="true"' in block
    assert f'<ul class="errorlist" id="reason-{item.key}-errors"><li>请写明忽略的理由</li>' in block
    assert not Dismissal.objects.exists()


def test_a_dismissed_finding_is_listed_apart_with_its_reason_and_can_be_reopened(issue, editor):
    item = title_finding(issue)
    response = editor.post(
        reverse("proofing:dismiss", args=[issue.pk]),
        {"key": item.key, "reason": "书名照录原文件"},
    )
    assert messages_of(response) == ["已忽略这条审校提示；它列在“已忽略”中，可以恢复"]

    page = editor.get(page_of(issue)).content.decode()
    dismissed = page[page.index('<h2 id="proof-dismissed-h">') :]
    assert dismissed.startswith('<h2 id="proof-dismissed-h">已忽略（1 处）</h2>')
    assert "杨丹泽于" in dismissed and "理由：书名照录原文件" in dismissed
    assert page.index(f'id="finding-{item.key}"') > page.index("proof-dismissed-h")
    assert "恢复提示" in dismissed

    response = editor.post(reverse("proofing:reopen", args=[issue.pk]), {"key": item.key})
    assert messages_of(response) == ["已恢复这条审校提示，它重新列为待处理"]
    assert "proof-dismissed-h" not in editor.get(page_of(issue)).content.decode()


def test_the_reviewer_sees_the_same_open_findings_without_buttons(issue, editor, reviewer):
    item = title_finding(issue)
    services.dismiss_finding(issue, item.key, by=user("editor"), reason="书名照录原文件")
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.REVIEW)

    page = reviewer.get(page_of(issue)).content.decode()
    editors = editor.get(page_of(issue)).content.decode()

    def listed(html):
        return re.findall(r'<li id="finding-(\w+)">', html)

    assert listed(page) == listed(editors)
    assert "采用建议" not in page and 'name="reason"' not in page and "恢复提示" not in page
    assert "本期正在“待审核”，审校结果只读；退回修改后编辑可继续处理。" in page
    assert "理由：书名照录原文件" in page


def test_the_issue_page_counts_open_findings_and_links_the_proofing_page(issue, editor):
    proof = services.issue_proof(Issue.objects.get(pk=issue.pk))
    counts = dict(proof.counts)
    page = editor.get(reverse("desk:issue", args=[issue.pk])).content.decode()

    summary = page[page.index('aria-labelledby="proof-summary-') :]
    summary = summary[: summary.index("</section>")]
    assert f"错误 {counts['错误']} 处" in summary and f"建议 {counts['建议']} 处" in summary
    assert f'<a class="button" href="{page_of(issue)}">审校</a>' in summary
    # 提交审核 asks with the count first.
    assert (
        f'data-confirm="本期还有 {proof.open_errors} 处审校错误未处理（见“审校”页）。'
        "提交后本期进入审核" in page
    )


def test_the_issue_page_warns_when_open_errors_block_submission(issue, editor):
    Series.objects.filter(pk=issue.series_id).update(proof_errors_block_submission=True)
    page = editor.get(reverse("desk:issue", args=[issue.pk])).content.decode()
    assert "本系列规定：有未处理的审校错误时不能提交审核。" in page

    response = editor.post(
        reverse("desk:transition", args=[issue.pk]), {"action": "submit", "comment": ""}
    )

    (message,) = messages_of(response)
    assert message.startswith("本期还有 ") and "才能提交审核" in message
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.EDITING


def test_the_article_edit_page_links_its_proofing(issue, editor):
    guide = the_guide(issue)
    page = editor.get(reverse("desk:article_edit", args=[guide.pk])).content.decode()
    assert f'href="{page_of(issue, guide)}">审校<span class="sr-only">《{GUIDE}》</span>' in page


# --- The series setting ---------------------------------------------------------------------


def test_administrators_set_whether_open_errors_block_submission(issue):
    admin = client_for("office-admin", "admin", "管理员甲")
    url = reverse("desk:series_edit", args=[issue.series_id])
    page = admin.get(url).content.decode()
    assert "有未处理的审校错误时不能提交审核" in page
    data = form_data(page, having="title")
    data["proof_errors_block_submission"] = "on"

    admin.post(url, data)

    series = Series.objects.get(pk=issue.series_id)
    assert series.proof_errors_block_submission is True
    row = history_of(series).get(action="bulletins.series.update")
    assert "proof_errors_block_submission" in row.data["fields"]
    assert row.data["before"]["proof_errors_block_submission"] is False
    assert row.data["after"]["proof_errors_block_submission"] is True


# --- The dictionary pages ---------------------------------------------------------------------


def test_the_dictionary_lists_entries_by_kind_with_their_dates(editor):
    by = user("editor")
    services.add_entry(by=by, kind="usage", term="扶植", replacement="扶持", note="政策语境")
    services.add_entry(by=by, kind="exception", term="中共中央 国务院")
    stopped = services.add_entry(by=by, kind="usage", term="截止", replacement="截至")
    services.set_entry_active(stopped, by=by, active=False)

    page = editor.get(reverse("proofing:dictionary")).content.decode()

    usage = page[page.index('id="kind-usage-h"') : page.index('id="kind-formulation"')]
    assert "用法（1 条）" in usage and "<td>扶植</td><td>扶持</td><td>政策语境</td>" in usage
    assert "中共中央 国务院" in page[page.index('id="kind-exception-h"') :]
    inactive = page[page.index('id="inactive-h"') :]
    assert "截止 → 截至" in inactive and "重新启用" in inactive
    assert "截止" not in usage
    assert 'data-confirm="停用词条“扶植 → 扶持”？' in page
    assert "杨丹泽：添加审校词条“扶植 → 扶持”" in page


def test_a_refused_entry_is_shown_beside_its_field(editor):
    response = editor.post(
        reverse("proofing:entry_new"), {"kind": "usage", "term": "做出", "replacement": ""}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_replacement_errors"><li>用法和规范名称的词条须填写“应为”'
        in page
    )
    assert not DictionaryEntry.objects.exists()


def test_dates_in_the_wrong_order_are_refused_beside_the_end_date(editor):
    response = editor.post(
        reverse("proofing:entry_new"),
        {
            "kind": "name",
            "term": "国家发展和改革委员会",
            "replacement": "国家发展改革委",
            "valid_from": "2024-01-01",
            "valid_until": "2023-01-01",
        },
    )
    page = response.content.decode()
    assert '<ul class="errorlist" id="id_valid_until_errors"><li>停用日期不能早于起用日期' in page


def test_an_entry_is_added_edited_and_deactivated_from_the_pages_with_messages(editor):
    response = editor.post(
        reverse("proofing:entry_new"),
        {"kind": "usage", "term": "做出", "replacement": "作出", "valid_from": "2020-01-01"},
    )
    assert messages_of(response) == ["已添加词条“做出 → 作出”"]
    entry = DictionaryEntry.objects.get()
    assert str(entry.valid_from) == "2020-01-01"

    response = editor.post(
        reverse("proofing:entry_edit", args=[entry.pk]),
        {"kind": "usage", "term": "做出", "replacement": "作出", "note": "作出决定"},
    )
    assert messages_of(response) == ["已修改词条“做出”：说明、起用日期"]
    page = editor.get(reverse("proofing:entry_edit", args=[entry.pk])).content.decode()
    assert "修改审校词条（说明、起用日期）" in page

    response = editor.post(reverse("proofing:entry_deactivate", args=[entry.pk]))
    assert messages_of(response) == ["已停用词条“做出 → 作出”；它列在“已停用”中，可重新启用"]
    assert DictionaryEntry.objects.get().is_active is False


def test_the_reviewer_reads_the_dictionary_but_cannot_open_its_forms(reviewer):
    services.add_entry(by=person("editor", "editor"), kind="usage", term="扶植", replacement="扶持")

    page = reviewer.get(reverse("proofing:dictionary")).content.decode()

    assert "<td>扶植</td>" in page
    assert "/dictionary/new/" not in page and "/deactivate/" not in page and "修改词条" not in page
    assert reviewer.get(reverse("proofing:entry_new")).status_code == 403
