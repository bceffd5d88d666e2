"""The back catalogue: a folder imported in one command, each issue with its review
report, the editor's check, the series that keeps unchecked imports off the site,
and the gaps in the numbering (issue #15)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.core.exceptions import PermissionDenied

from jianbao.archive import selectors as archive
from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue, Series
from jianbao.catalogue import selectors, services
from jianbao.catalogue.models import ImportReport
from jianbao.catalogue.reports import build_report
from jianbao.core.models import HistoryEvent
from jianbao.publishing.ingest.text import parse_bulletin_text
from jianbao.publishing.parsed import OcrLine, OcrPage
from tests.conftest import FIXTURE
from tests.factories import person

pytestmark = pytest.mark.django_db

SAMPLE = FIXTURE.read_text(encoding="utf-8")
SAMPLE_NUMBERS = "2023年第1期（总第66期）"


def issue_text(year: int, number: int, running: int) -> str:
    """The sample with other numbers: a stand-in for another issue of the series."""
    assert SAMPLE_NUMBERS in SAMPLE
    return SAMPLE.replace(SAMPLE_NUMBERS, f"{year}年第{number}期（总第{running}期）")


SMALL = """# 产业技术创新战略联盟试点工作

## 简 报

2019年第3期（总第30期）

联盟试点工作联络组办公室

2019年6月1日

### 本期导读

#### 工作动态

- 有供稿行的文章
- 没有供稿行的文章
- 导读里有、正文里没有的文章

## ➤ 工作动态

### 有供稿行的文章

第一篇的正文。

(甲联盟秘书处供稿)

### 没有供稿行的文章

第二篇的正文，写到了联盟协发网。
"""


def small(year=2019, number=3, running=30) -> str:
    return SMALL.replace("2019年第3期（总第30期）", f"{year}年第{number}期（总第{running}期）")


def imported(text: str = SMALL, name: str = "old.txt", **kw):
    return services.import_bulletin(parse_bulletin_text(text, source=name), source_name=name, **kw)


# --- The report -----------------------------------------------------------------------


def test_the_report_lists_what_the_editor_should_look_at():
    report = build_report(parse_bulletin_text(small(), source="old.txt"), source_name="old.txt")
    assert report["issue"]["label"] == "2019年第3期（总第30期）"
    assert report["form"] == "纯文本"
    assert report["counts"]["articles"] == 2
    assert report["no_credit"] == [
        {"section": "工作动态", "title": "没有供稿行的文章", "position": 2}
    ]
    (entry,) = report["toc_unmatched"]
    assert "导读里有、正文里没有的文章" in entry["message"] and entry["line"] == 17
    # The half-width brackets of the credit were put right: a repair, not a warning.
    assert any("半角括号" in r["message"] and r["line"] == 25 for r in report["repairs"])
    assert not any("半角括号" in w["message"] for w in report["warnings"])
    assert report["ocr"] == {"pages": [], "low_lines": []}


def test_ocr_lines_below_the_threshold_are_in_the_report_and_found_in_their_article():
    parsed = parse_bulletin_text(small(), source="scan.pdf")
    unsure = OcrLine(page=2, text="写到了联盟协发网", confidence=41.5)
    parsed = dataclasses.replace(
        parsed,
        ocr_pages=(
            OcrPage(1, 93.2),
            OcrPage(2, 71.0, (unsure,), angle=-0.8),
            OcrPage(3, 0.0, blank=True),
        ),
    )
    outcome = services.import_bulletin(parsed, source_name="scan.pdf")
    data = outcome.report.data
    assert data["form"] == "扫描件（OCR）"
    assert data["ocr"]["pages"] == [
        {"page": 1, "confidence": 93.2, "angle": 0.0, "blank": False},
        {"page": 2, "confidence": 71.0, "angle": -0.8, "blank": False},
        {"page": 3, "confidence": 0.0, "angle": 0.0, "blank": True},
    ]
    assert data["ocr"]["low_lines"] == [{"page": 2, "text": "写到了联盟协发网", "confidence": 41.5}]
    # Three more to look at: the article without a credit, the 导读 entry without an
    # article, and the missing 版记.
    assert outcome.report.attention == 4
    (place,) = selectors.places_of_low_lines(outcome.issue, outcome.report)
    assert place.article.title == "没有供稿行的文章"
    assert place.detail == "第2页，可信度 41.5"


# --- The check, and who sees an unchecked import ----------------------------------------


def test_an_import_waits_for_its_check_and_the_check_is_recorded():
    editor = person("editor", "editor", name="杨丹泽")
    outcome = imported()
    issue = Issue.objects.get(pk=outcome.issue.pk)
    assert issue.import_unchecked is True
    assert outcome.report.checked is False
    services.mark_checked(issue, by=editor)
    report = ImportReport.objects.get(issue=issue)
    assert report.checked and report.checked_by_name == "杨丹泽"
    assert Issue.objects.get(pk=issue.pk).import_unchecked is False
    event = HistoryEvent.objects.get(action="catalogue.report.check")
    assert event.actor == editor and "2019年第3期" in event.subject_label


def test_checking_twice_or_without_the_editor_role_changes_nothing(database_fingerprint):
    editor = person("editor", "editor")
    reviewer = person("reviewer", "reviewer")
    issue = imported().issue
    services.mark_checked(issue, by=editor)
    before = database_fingerprint()
    with pytest.raises(services.CheckRefused, match="核对过"):
        services.mark_checked(issue, by=editor)
    with pytest.raises(PermissionDenied):
        services.mark_unchecked(issue, by=reviewer)
    assert database_fingerprint() == before


def test_the_same_file_again_keeps_the_check_and_a_new_text_needs_one(cli):
    editor = person("editor", "editor")
    issue = imported().issue
    services.mark_checked(issue, by=editor)
    assert imported().report is None  # the same content: nothing changed
    assert ImportReport.objects.get(issue=issue).checked
    changed = small().replace("第一篇的正文。", "第一篇改过的正文。")
    again = imported(changed, replace=True)
    assert again.issue.pk == issue.pk and again.report.checked is False
    assert Issue.objects.get(pk=issue.pk).import_unchecked is True


def found(client, query: str, issue) -> bool:
    """Whether a search shows an article of the issue."""
    html = client.get("/search/", {"q": query}).content.decode()
    return any(f"/articles/{a.pk}/" in html for s in issue.sections.all() for a in s.articles.all())


def test_a_series_that_asks_for_it_keeps_unchecked_imports_off_the_site(client):
    editor = person("editor", "editor")
    issue = imported().issue
    page = "/issues/2019-3/"
    # By default an import is public at once, as before.
    assert client.get(page).status_code == 200
    series = Series.objects.get(pk=issue.series_id)
    series.imports_public_after_check = True
    series.save()
    issue = Issue.objects.get(pk=issue.pk)
    from jianbao.archive.search.index import index_issue

    index_issue(issue)
    assert client.get(page).status_code == 404
    assert not found(client, "正文", issue)
    assert "2019年第3期" not in client.get("/feed.atom").content.decode()
    services.mark_checked(issue, by=editor)
    assert client.get(page).status_code == 200
    assert found(client, "正文", issue)
    assert "2019年第3期" in client.get("/feed.atom").content.decode()
    services.mark_unchecked(issue, by=editor, reason="还有错字")
    assert client.get(page).status_code == 404


def test_turning_the_setting_on_in_the_desk_takes_unchecked_imports_off_the_site(client):
    from jianbao.bulletins.series_settings import current_settings, update_series

    admin = person("admin", "admin")
    issue = imported().issue
    assert found(client, "正文", issue)
    now = current_settings(issue.series)
    update_series(
        issue.series,
        by=admin,
        title=now["title"],
        name=now["name"],
        office=now["office"],
        separate_review_and_sign=now["separate_review_and_sign"],
        sections=now["sections"],
        default_distribution=now["default_distribution"],
        contacts=[],
        imports_public_after_check=True,
    )
    assert client.get("/issues/2019-3/").status_code == 404
    assert not found(client, "正文", issue)


def test_a_fix_made_while_checking_is_kept_but_is_no_erratum():
    editor = person("editor", "editor")
    issue = imported().issue
    article = issue.sections.get().articles.get(title="没有供稿行的文章")
    editing.correct_article(
        article,
        by=editor,
        title=article.title,
        body="第二篇的正文，写到了联盟协发网。",
        credit="乙联盟秘书处",
        note="导入核对：补上供稿行",
    )
    (revision,) = issue.revisions.all()
    assert revision.import_fix is True
    whole = archive.issues_with_content().get(pk=issue.pk)
    assert archive.corrections(whole) == []
    # After the check a change is a 勘误 again, and listed.
    services.mark_checked(Issue.objects.get(pk=issue.pk), by=editor)
    editing.correct_article(
        article,
        by=editor,
        title=article.title,
        body="第二篇的正文，写到了联盟协发网（更正）。",
        credit="乙联盟秘书处",
        note="更正正文",
    )
    whole = archive.issues_with_content().get(pk=issue.pk)
    assert [c.note for c in archive.corrections(whole)] == ["更正正文"]


# --- Gaps --------------------------------------------------------------------------------


def test_numbering_gaps_name_the_missing_issues_and_their_neighbours():
    for year, number, running in [(2019, 3, 30), (2019, 4, 31), (2019, 7, 34), (2020, 1, 36)]:
        imported(small(year, number, running))
    gaps = selectors.numbering_gaps()
    assert [(g.first, g.last) for g in gaps] == [(1, 29), (32, 33), (35, 35)]
    start, middle, end = gaps
    assert start.before is None and start.after.running_number == 30
    assert start.label == "总第1–29期（29期）"
    assert middle.before.running_number == 31 and middle.after.running_number == 34
    assert middle.yearly == "2019年第5–6期"
    # Across a year's end the yearly numbers cannot be told.
    assert end.label == "总第35期" and end.yearly == ""


# --- The command line ---------------------------------------------------------------------


def test_a_folder_imports_in_one_command_with_a_summary_and_reports(cli, tmp_path):
    folder = tmp_path / "往期"
    folder.mkdir()
    (folder / "第64期.md").write_text(issue_text(2022, 11, 64), encoding="utf-8")
    (folder / "第65期.md").write_text(issue_text(2022, 12, 65), encoding="utf-8")
    sub = folder / "2023"
    sub.mkdir()
    (sub / "第66期.md").write_text(SAMPLE, encoding="utf-8")
    (sub / "第66期副本.md").write_text(SAMPLE, encoding="utf-8")
    (sub / "通知.txt").write_text("关于召开会议的通知\n\n各单位：\n", encoding="utf-8")
    reports = tmp_path / "reports"
    result = cli("import", "-q", "--jobs", "2", "--report", str(reports), str(folder))
    assert result.status == 2  # one file was refused
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "共 5 个文件：导入 3 期，跳过 1 期（已在归档中），拒绝 1 个"
    assert sum("已导入" in line for line in lines) == 3
    assert any("第66期副本.md" in line and "已在归档中" in line for line in lines)
    (refused,) = result.stderr.strip().splitlines()
    assert "通知.txt" in refused and "没有找到报头" in refused
    assert sorted(Issue.objects.values_list("running_number", flat=True)) == [64, 65, 66]
    assert ImportReport.objects.filter(checked_at=None).count() == 3
    data = json.loads(
        (reports / f"{Issue.objects.get(running_number=66).series.slug}-2023-1.json").read_text()
    )
    assert data["issue"]["label"] == "2023年第1期（总第66期）"
    assert data["counts"]["articles"] == 25
    html = next(reports.glob("*-2023-1.html")).read_text(encoding="utf-8")
    assert "导入报告：2023年第1期（总第66期）" in html


def test_parallel_and_serial_imports_store_the_same(cli, tmp_path):
    def folder_of(name, runnings):
        folder = tmp_path / name
        folder.mkdir()
        for running in runnings:
            (folder / f"{running}.md").write_text(issue_text(2022, running - 53, running), "utf-8")
        return folder

    def stored(runnings):
        return [
            (i.running_number, i.sections.count(), Article.objects.filter(section__issue=i).count())
            for i in Issue.objects.filter(running_number__in=runnings).order_by("running_number")
        ]

    assert cli("import", "-q", str(folder_of("serial", (56, 57, 58)))).status == 0
    assert cli("import", "-q", "-j", "2", str(folder_of("parallel", (62, 63, 64)))).status == 0
    assert stored((56, 57, 58)) == [(56, 3, 25), (57, 3, 25), (58, 3, 25)]
    assert stored((62, 63, 64)) == [(62, 3, 25), (63, 3, 25), (64, 3, 25)]


def test_one_file_says_what_it_imported_and_how_much_to_check(cli, tmp_path):
    path = tmp_path / "old.txt"
    path.write_text(small(), encoding="utf-8")
    result = cli("import", "-q", str(path))
    assert result.status == 0
    assert result.stdout.strip() == (
        f"{path}：已导入 2019年第3期（总第30期），1 个栏目、2 篇文章（3 条提示，3 项待核对）"
    )
