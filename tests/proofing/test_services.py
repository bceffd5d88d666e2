"""Proofing's writes in the desk: a suggestion applied through the desk's edit service
(marks kept on their characters, stale text and the wrong state refused), a finding
dismissed and reopened, 提交审核 held back by open 错误 where the series says so, and
the office's dictionary, each write with its history row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.editing import IssueFrozen
from jianbao.bulletins.models import Article, Issue
from jianbao.bulletins.workflow import Action, TransitionRefused
from jianbao.core.history import history_of
from jianbao.core.models import HistoryEvent
from jianbao.proofing import services
from jianbao.proofing.models import DictionaryEntry, Dismissal
from jianbao.publishing.parsed import BOLD, LINK, Mark
from tests.factories import SeriesFactory, person

pytestmark = pytest.mark.django_db

GUIDE = "《国家技术标准创新基地申报指南（2023-2025年）》印发"
GUIDE_FIXED = "《国家技术标准创新基地申报指南（2023—2025年）》印发"


@pytest.fixture
def issue(imported_issue):
    """The sample issue, back in 编辑中 as the editor has it before 提交审核."""
    Issue.objects.filter(pk=imported_issue.pk).update(state=Issue.State.EDITING)
    return Issue.objects.get(pk=imported_issue.pk)


@pytest.fixture
def editor():
    return person("editor", "editor", name="杨丹泽")


def fresh(issue) -> Issue:
    return Issue.objects.select_related("series").get(pk=issue.pk)


def article(issue, title_start: str) -> Article:
    return Article.objects.get(section__issue=issue, title__startswith=title_start)


def item(issue, rule: str, quote: str, *, part: str | None = None, title: str = ""):
    """The one open-or-dismissed finding of ``rule`` on ``quote`` (in the article titled so)."""
    found = [
        i
        for i in services.issue_proof(fresh(issue)).items
        if i.finding.rule == rule
        and i.finding.quote == quote
        and (part is None or i.finding.where.part == part)
        and i.article_title.startswith(title)
    ]
    assert len(found) == 1, [i.finding.line() for i in found]
    return found[0]


# --- Marks -------------------------------------------------------------------------------


def test_marks_after_a_longer_replacement_move_by_the_difference():
    marks = (Mark(BOLD, 0, 3), Mark(BOLD, 10, 14), Mark(LINK, 6, 12, "https://example.org"))
    # [5, 8) becomes 4 characters: one more. The link began inside the replaced
    # characters, which are gone: it begins with their replacement.
    assert services.shifted_marks(marks, 5, 8, 4) == (
        Mark(BOLD, 0, 3),
        Mark(BOLD, 11, 15),
        Mark(LINK, 5, 13, "https://example.org"),
    )


def test_a_mark_over_exactly_the_replaced_text_covers_its_replacement():
    assert services.shifted_marks((Mark(BOLD, 5, 8),), 5, 8, 1) == (Mark(BOLD, 5, 6),)


def test_a_mark_over_deleted_text_only_is_dropped_and_one_ending_before_stays():
    marks = (Mark(BOLD, 5, 6), Mark(BOLD, 2, 5), Mark(BOLD, 6, 9))
    assert services.shifted_marks(marks, 5, 6, 0) == (Mark(BOLD, 2, 5), Mark(BOLD, 5, 8))


# --- Applying a suggestion ---------------------------------------------------------------


def test_applying_a_suggestion_in_a_title_changes_exactly_that_text_and_is_recorded(issue, editor):
    target = article(issue, "《国家技术标准创新基地申报指南")
    assert target.title == GUIDE
    found = item(issue, "dash.range", "2023-2025", part="title")
    body_before = editing.body_text(target)

    services.apply_suggestion(issue, found.key, by=editor)

    saved = Article.objects.get(pk=target.pk)
    assert saved.title == GUIDE_FIXED
    assert editing.body_text(saved) == body_before
    assert saved.version == target.version + 1
    edit = HistoryEvent.objects.filter(action="bulletins.article.edit").get()
    assert (edit.data["before"]["title"], edit.data["after"]["title"]) == (GUIDE, GUIDE_FIXED)
    assert edit.data["changed"] == ["title"]
    applied = HistoryEvent.objects.filter(action="proofing.suggestion.apply").get()
    assert applied.data["quote"] == "2023-2025" and applied.data["suggestion"] == "2023—2025"
    assert applied.actor_name == "杨丹泽"
    # The finding is gone from a new run; the body's own still stands.
    keys = {i.key for i in services.issue_proof(fresh(issue)).items}
    assert found.key not in keys
    assert item(issue, "dash.range", "2023-2025", part="block").finding.where.article_id == (
        target.pk
    )


def test_applying_a_longer_suggestion_in_a_paragraph_keeps_bold_and_links_on_their_characters(
    issue, editor
):
    target = article(issue, "再生资源联盟召开理事会")
    blocks = list(editing.article_blocks(target))
    text = blocks[1].text
    at = text.index("ISO/TC300")
    # 工作交流会 after the designator is bold; a link covers the whole designator.
    bold = Mark(BOLD, at + len("ISO/TC300）"), at + len("ISO/TC300）工作交流会"))
    link = Mark(LINK, at, at + len("ISO/TC300"), "https://www.iso.org/committee/4915185.html")
    before_bold = Mark(BOLD, 1, 5)
    from dataclasses import replace

    blocks[1] = replace(blocks[1], marks=(before_bold, bold, link))
    target = editing.update_article(
        target,
        by=editor,
        title=target.title,
        credit=target.credit,
        blocks=tuple(blocks),
        version=target.version,
    )
    found = item(issue, "space.designator", "TC300")

    services.apply_suggestion(issue, found.key, by=editor)

    block = editing.article_blocks(Article.objects.get(pk=target.pk))[1]
    assert block.text == text.replace("ISO/TC300", "ISO/TC 300")
    assert block.text[block.marks[1].start : block.marks[1].end] == "工作交流会"
    assert block.marks == (
        before_bold,
        Mark(BOLD, bold.start + 1, bold.end + 1),
        Mark(LINK, at, at + len("ISO/TC 300"), link.href),
    )
    assert block.text[block.marks[2].start : block.marks[2].end] == "ISO/TC 300"


def test_a_suggestion_on_text_changed_since_the_check_is_refused_and_nothing_is_written(
    issue, editor, database_fingerprint
):
    found = item(issue, "dash.range", "2023-2025", part="block")
    target = article(issue, "《国家技术标准创新基地申报指南")
    blocks = list(editing.article_blocks(target))
    from dataclasses import replace

    # Someone rewrites the sentence around the range after the page was drawn.
    blocks[0] = replace(blocks[0], text=blocks[0].text.replace("国家标准委近日", "国家标准委日前"))
    editing.update_article(
        target,
        by=editor,
        title=target.title,
        credit=target.credit,
        blocks=tuple(blocks),
        version=target.version,
    )
    before = database_fingerprint()

    with pytest.raises(services.TextChanged, match="已被修改"):
        services.apply_suggestion(issue, found.key, by=editor)

    assert database_fingerprint() == before
    assert "2023-2025" in editing.article_blocks(Article.objects.get(pk=target.pk))[0].text


def test_a_suggestion_is_refused_once_the_issue_has_left_editing(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.REVIEW)

    with pytest.raises(IssueFrozen, match="退回后才能修改"):
        services.apply_suggestion(issue, found.key, by=editor)

    assert article(issue, "《国家技术标准创新基地申报指南").title == GUIDE
    assert not HistoryEvent.objects.filter(action__startswith="proofing.").exists()


def test_a_reviewer_cannot_apply_a_suggestion(issue):
    reviewer = person("reviewer", "reviewer", name="尚辉良")
    found = item(issue, "dash.range", "2023-2025", part="title")

    with pytest.raises(PermissionDenied):
        services.apply_suggestion(issue, found.key, by=reviewer)

    assert article(issue, "《国家技术标准创新基地申报指南").title == GUIDE


def test_an_unknown_key_is_refused_as_changed_text(issue, editor):
    with pytest.raises(services.TextChanged):
        services.apply_suggestion(issue, "0123456789abcdef", by=editor)


def test_a_finding_without_a_place_in_an_article_is_not_applied_from_the_proofing_page(
    issue, editor
):
    # The half-width brackets of the 版记's address come from the series' settings.
    found = item(issue, "punct.halfwidth", "(南院)")
    assert found.finding.suggestion == "（南院）" and not found.can_apply

    with pytest.raises(services.ProofingRefused, match="不能在审校页修改"):
        services.apply_suggestion(issue, found.key, by=editor)

    assert "(南院)" in str(fresh(issue).contacts)


# --- Dismissing ---------------------------------------------------------------------------


def test_a_dismissal_needs_a_reason(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")

    with pytest.raises(services.ProofingRefused, match="请写明忽略的理由") as refused:
        services.dismiss_finding(issue, found.key, by=editor, reason="  ")

    assert refused.value.field == "reason"
    assert not Dismissal.objects.exists()


def test_a_dismissed_finding_leaves_the_open_list_with_its_reason_and_who(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")
    open_errors = services.issue_proof(fresh(issue)).open_errors

    services.dismiss_finding(issue, found.key, by=editor, reason="书名照录原文件")

    proof = services.issue_proof(fresh(issue))
    assert found.key not in {i.key for i in proof.open}
    (dismissed,) = proof.dismissed
    assert dismissed.key == found.key
    assert (dismissed.dismissal.reason, dismissed.dismissal.by_name) == ("书名照录原文件", "杨丹泽")
    assert proof.open_errors == open_errors - 1
    event = HistoryEvent.objects.get(action="proofing.finding.ignore")
    assert event.comment == "书名照录原文件"
    assert event.data["rule"] == "dash.range" and event.data["title"] == GUIDE
    assert event in history_of(issue)


def test_a_dismissal_outlives_edits_elsewhere_but_not_an_edit_of_its_text(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")
    services.dismiss_finding(issue, found.key, by=editor, reason="书名照录原文件")
    elsewhere = article(issue, "再生资源联盟召开理事会")
    editing.update_article(
        elsewhere,
        by=editor,
        title=elsewhere.title + "（续）",
        credit=elsewhere.credit,
        body=editing.body_text(elsewhere),
        version=elsewhere.version,
    )
    assert item(issue, "dash.range", "2023-2025", part="title").dismissal is not None

    target = article(issue, "《国家技术标准创新基地申报指南")
    editing.update_article(
        target,
        by=editor,
        title=target.title.replace("印发", "正式印发"),
        credit=target.credit,
        body=editing.body_text(target),
        version=target.version,
    )
    again = item(issue, "dash.range", "2023-2025", part="title")
    assert again.dismissal is None and again.key != found.key


def test_a_reopened_finding_is_open_again_and_both_steps_are_recorded(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")
    services.dismiss_finding(issue, found.key, by=editor, reason="书名照录原文件")

    services.reopen_finding(issue, found.key, by=editor)

    assert item(issue, "dash.range", "2023-2025", part="title").dismissal is None
    assert not Dismissal.objects.exists()
    reopened = HistoryEvent.objects.get(action="proofing.finding.reopen")
    assert reopened.data["reason"] == "书名照录原文件"
    assert reopened.data["dismissed_by"] == "杨丹泽"
    with pytest.raises(services.ProofingRefused, match="没有被忽略"):
        services.reopen_finding(issue, found.key, by=editor)


def test_dismissing_is_refused_outside_editing_and_to_a_signer(issue, editor):
    found = item(issue, "dash.range", "2023-2025", part="title")
    signer = person("signer", "signer", name="签发人")
    with pytest.raises(PermissionDenied):
        services.dismiss_finding(issue, found.key, by=signer, reason="没有问题")
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.SIGNING)
    with pytest.raises(IssueFrozen):
        services.dismiss_finding(issue, found.key, by=editor, reason="没有问题")
    assert not Dismissal.objects.exists()


# --- 提交审核 and open 错误 -----------------------------------------------------------------


def errors_of(issue) -> list:
    return [i for i in services.issue_proof(fresh(issue)).open if i.finding.severity == "错误"]


def test_the_submit_confirmation_counts_the_open_errors(issue):
    count = len(errors_of(issue))
    assert count >= 3

    text = workflow.confirmation(fresh(issue), Action.SUBMIT)

    assert text.startswith(f"本期还有 {count} 处审校错误未处理")
    assert text.endswith(workflow.CONFIRMATIONS[Action.SUBMIT])
    # The other steps are asked as before.
    assert (
        workflow.confirmation(fresh(issue), Action.APPROVE)
        == (workflow.CONFIRMATIONS[Action.APPROVE])
    )


def test_open_errors_do_not_hold_back_submission_when_the_series_allows_it(issue, editor):
    assert not issue.series.proof_errors_block_submission and errors_of(issue)

    submitted = workflow.transition(issue, Action.SUBMIT, by=editor)

    assert submitted.state == Issue.State.REVIEW


def test_open_errors_hold_back_submission_when_the_series_says_so(issue, editor):
    series = issue.series
    series.proof_errors_block_submission = True
    series.save()
    count = len(errors_of(issue))

    with pytest.raises(TransitionRefused) as refused:
        workflow.transition(issue, Action.SUBMIT, by=editor)

    assert str(refused.value).startswith(f"本期还有 {count} 处审校错误未处理")
    assert "\n" not in str(refused.value)
    assert fresh(issue).state == Issue.State.EDITING
    assert not issue.events.filter(action=Action.SUBMIT).exists()


def test_submission_goes_through_once_every_error_is_applied_or_dismissed(issue, editor):
    series = issue.series
    series.proof_errors_block_submission = True
    series.save()
    applied = dismissed = 0
    for _ in range(50):
        errors = errors_of(issue)
        if not errors:
            break
        first = errors[0]
        if first.can_apply and applied < 2:
            services.apply_suggestion(issue, first.key, by=editor)
            applied += 1
        else:
            services.dismiss_finding(issue, first.key, by=editor, reason="已核对，无误")
            dismissed += 1
    assert applied == 2 and dismissed >= 1 and not errors_of(issue)

    assert workflow.transition(issue, Action.SUBMIT, by=editor).state == Issue.State.REVIEW


# --- The dictionary -----------------------------------------------------------------------


def test_an_editor_adds_a_dated_usage_entry_and_the_history_names_it(editor):
    entry = services.add_entry(
        by=editor,
        kind="usage",
        term=" 扶植 ",
        replacement="扶持",
        note="政策语境用“扶持”",
        valid_from=dt.date(2020, 1, 1),
    )

    assert (entry.term, entry.replacement, entry.is_active) == ("扶植", "扶持", True)
    (event,) = history_of(entry)
    assert event.action == "proofing.entry.add" and event.actor_name == "杨丹泽"
    assert event.data["term"] == "扶植" and event.data["valid_from"] == "2020-01-01"


def test_editing_an_entry_records_what_changed_from_what(editor):
    entry = services.add_entry(by=editor, kind="usage", term="做出", replacement="作出")

    changed = services.edit_entry(
        entry,
        by=editor,
        kind="usage",
        term="做出",
        replacement="作出",
        note="“作出决定”“作出部署”",
        valid_until=dt.date(2030, 12, 31),
    )

    assert changed == ["说明", "停用日期"]
    event = history_of(entry).get(action="proofing.entry.edit")
    assert event.data["before"] == {"note": "", "valid_until": None}
    assert event.data["after"] == {"note": "“作出决定”“作出部署”", "valid_until": "2030-12-31"}
    assert (
        services.edit_entry(
            DictionaryEntry.objects.get(pk=entry.pk),
            by=editor,
            kind="usage",
            term="做出",
            replacement="作出",
            note="“作出决定”“作出部署”",
            valid_until=dt.date(2030, 12, 31),
        )
        == []
    )
    assert history_of(entry).count() == 2


def test_an_entry_is_deactivated_and_enabled_again_never_deleted(editor):
    entry = services.add_entry(by=editor, kind="exception", term="中共中央 国务院")

    services.set_entry_active(entry, by=editor, active=False)
    assert DictionaryEntry.objects.get(pk=entry.pk).is_active is False
    with pytest.raises(services.ProofingRefused, match="已经停用"):
        services.set_entry_active(entry, by=editor, active=False)
    services.set_entry_active(entry, by=editor, active=True)

    assert DictionaryEntry.objects.get(pk=entry.pk).is_active is True
    assert [e.action for e in history_of(entry)] == [
        "proofing.entry.add",
        "proofing.entry.deactivate",
        "proofing.entry.enable",
    ]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "usage", "term": "做出"}, "replacement", "须填写“应为”"),
        (
            {"kind": "exception", "term": "十四五", "replacement": "十四五规划"},
            "replacement",
            "不填",
        ),
        ({"kind": "usage", "term": "扶植", "replacement": "扶植"}, "replacement", "相同"),
        ({"kind": "usage", "term": "  ", "replacement": "作出"}, "term", "请填写"),
        ({"kind": "slogan", "term": "十四五"}, "kind", "类别"),
        (
            {
                "kind": "name",
                "term": "国家发展和改革委员会",
                "replacement": "国家发展改革委",
                "valid_from": dt.date(2024, 1, 1),
                "valid_until": dt.date(2023, 1, 1),
            },
            "valid_until",
            "不能早于",
        ),
    ],
)
def test_an_entry_that_cannot_work_is_refused_beside_its_field(editor, values, field, message):
    with pytest.raises(services.ProofingRefused, match=message) as refused:
        services.add_entry(by=editor, **values)
    assert refused.value.field == field
    assert not DictionaryEntry.objects.exists()
    assert not HistoryEvent.objects.filter(action__startswith="proofing.").exists()


def test_the_same_entry_twice_is_refused_and_a_stopped_one_is_pointed_at(editor):
    entry = services.add_entry(by=editor, kind="usage", term="截止", replacement="截至")
    services.set_entry_active(entry, by=editor, active=False)

    with pytest.raises(services.ProofingRefused, match="已停用") as refused:
        services.add_entry(by=editor, kind="usage", term="截止", replacement="截至")

    assert refused.value.field == "term"
    assert DictionaryEntry.objects.count() == 1


def test_only_editors_write_the_dictionary(editor):
    entry = services.add_entry(by=editor, kind="usage", term="做出", replacement="作出")
    for role in ("reviewer", "signer", "admin"):
        other = person(f"x-{role}", role)
        with pytest.raises(PermissionDenied):
            services.add_entry(by=other, kind="usage", term="扶植", replacement="扶持")
        with pytest.raises(PermissionDenied):
            services.set_entry_active(entry, by=other, active=False)
    assert DictionaryEntry.objects.count() == 1


def test_the_offices_entries_reach_the_issues_findings_as_of_its_date(issue, editor):
    """The sample is dated 2023-03-20: an entry ended before then says nothing."""

    def usage(quote):
        return [
            i.finding
            for i in services.issue_proof(fresh(issue)).items
            if i.finding.rule.startswith("usage.") and i.finding.quote == quote
        ]

    assert usage("视频形式") == [] and usage("圆满结束") == []
    formulation = [
        i for i in services.issue_proof(fresh(issue)).items if i.finding.quote == "党中央国务院"
    ]
    assert formulation
    video = services.add_entry(
        by=editor, kind="usage", term="视频形式", replacement="线上形式", note="本刊统一写法"
    )
    services.add_entry(
        by=editor,
        kind="usage",
        term="圆满结束",
        replacement="顺利结束",
        valid_until=dt.date(2022, 12, 31),
    )
    services.add_entry(by=editor, kind="exception", term="党中央国务院")

    (found,) = usage("视频形式")
    assert (found.suggestion, found.where.label) == ("线上形式", "第7篇 正文第1段")
    assert "本刊统一写法" in found.message
    assert usage("圆满结束") == []
    assert not [
        i for i in services.issue_proof(fresh(issue)).items if i.finding.quote == "党中央国务院"
    ]

    services.set_entry_active(video, by=editor, active=False)
    assert usage("视频形式") == []


def test_a_suggestion_in_a_table_cell_and_in_its_caption_changes_only_that_text(editor):
    from jianbao.publishing.parsed import TABLE, Block, Cell, paragraph

    series = SeriesFactory()
    issue = editing.create_issue(series, year=2023, number=1, running_number=1, by=editor)
    table = Block(
        TABLE,
        caption="表1 规划期（2023-2025年）重点任务",
        rows=(
            (Cell("时间"), Cell("任务")),
            (Cell("2023-2025年", (Mark(BOLD, 0, 10),)), Cell("制定标准")),
        ),
        header_rows=1,
    )
    editing.add_article(
        issue,
        issue.sections.first(),
        by=editor,
        title="联盟发布工作计划",
        blocks=(paragraph("联盟发布工作计划。"), table),
    )
    cell = item(issue, "dash.range", "2023-2025", part="cell")
    caption = item(issue, "dash.range", "2023-2025", part="caption")
    assert cell.finding.where.cell == (1, 0)

    services.apply_suggestion(issue, cell.key, by=editor)
    services.apply_suggestion(issue, caption.key, by=editor)

    (_, saved) = editing.article_blocks(Article.objects.get(section__issue=issue))
    assert saved.caption == "表1 规划期（2023—2025年）重点任务"
    assert saved.rows[1][0] == Cell("2023—2025年", (Mark(BOLD, 0, 10),))
    assert [[c.text for c in row] for row in saved.rows] == [
        ["时间", "任务"],
        ["2023—2025年", "制定标准"],
    ]
    assert HistoryEvent.objects.filter(action="bulletins.article.edit").count() == 2


def test_a_suggestion_on_the_toc_name_of_a_section_renames_it_there_only(issue, editor):
    (section_item,) = [
        i
        for i in services.issue_proof(fresh(issue)).items
        if i.finding.where.part == "section" and i.finding.where.field == "导读"
    ]
    section = issue.sections.get(title="试点联盟动态及协发网网员单位动态")
    assert section.toc_title == section_item.finding.quote == "试点联盟及协发网网员单位动态"

    services.apply_suggestion(issue, section_item.key, by=editor)

    section.refresh_from_db()
    assert (section.title, section.toc_title) == (
        "试点联盟动态及协发网网员单位动态",
        section_item.finding.suggestion,
    )
    assert HistoryEvent.objects.filter(action="bulletins.section.rename").count() == 1


def test_a_suggestion_in_the_editor_note_is_saved_as_the_note(issue, editor):
    from jianbao.bulletins import sections

    sections.set_editor_note(issue, by=editor, text="本期介绍《申报指南（2023-2025年）》。")
    note = item(issue, "dash.range", "2023-2025", part="editor_note")

    services.apply_suggestion(issue, note.key, by=editor)

    assert fresh(issue).editor_note == "本期介绍《申报指南（2023—2025年）》。"
    changed = HistoryEvent.objects.filter(action="bulletins.issue.update").latest("id")
    assert changed.data["after"] == {"editor_note": "本期介绍《申报指南（2023—2025年）》。"}
