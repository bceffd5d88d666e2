"""Reads for the back catalogue's desk pages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.db.models import QuerySet

from jianbao.bulletins.models import Article, Issue, Series
from jianbao.catalogue.models import ImportReport


def import_reports(*, checked: bool | None = None) -> QuerySet[ImportReport]:
    reports = ImportReport.objects.select_related("issue__series").order_by(
        "issue__series__title", "-issue__running_number"
    )
    if checked is not None:
        reports = reports.filter(checked_at__isnull=not checked)
    return reports


def report_of(issue_id: int) -> ImportReport | None:
    return ImportReport.objects.select_related("issue__series").filter(issue_id=issue_id).first()


@dataclass(frozen=True)
class Gap:
    """Running numbers with no issue between two that exist (``before`` None: at the start)."""

    series: Series
    first: int
    last: int
    before: Issue | None
    after: Issue

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"总第{self.first}期"
        return f"总第{self.first}–{self.last}期（{self.count}期）"

    @property
    def yearly(self) -> str:
        """The missing 第N期 of the year, when both neighbours are of one year and
        the numbers between them account for exactly the missing issues."""
        before = self.before
        if before is None or before.year != self.after.year:
            return ""
        numbers = range(before.number + 1, self.after.number)
        if len(numbers) != self.count:
            return ""
        if len(numbers) == 1:
            return f"{before.year}年第{numbers[0]}期"
        return f"{before.year}年第{numbers[0]}–{numbers[-1]}期"


def numbering_gaps() -> list[Gap]:
    """Every run of missing 总期号 in each series' archive, with the issues on either
    side; the issues before the first one the office has count as a gap too."""
    issues = Issue.objects.select_related("series").order_by("series_id", "running_number")
    gaps: list[Gap] = []
    for _series_id, rows in itertools.groupby(issues, key=lambda i: i.series_id):
        rows = list(rows)
        first = rows[0]
        if first.running_number > 1:
            gaps.append(Gap(first.series, 1, first.running_number - 1, None, first))
        for before, after in itertools.pairwise(rows):
            if after.running_number > before.running_number + 1:
                gaps.append(
                    Gap(
                        after.series,
                        before.running_number + 1,
                        after.running_number - 1,
                        before,
                        after,
                    )
                )
    return gaps


def _squeezed(text: str) -> str:
    # OCR spacing and line ends differ from the stored text; the characters do not.
    return "".join(text.split())


@dataclass(frozen=True)
class Place:
    """Where in the stored issue a report's line is now: the article to open."""

    article: Article | None
    text: str
    detail: str = ""


def _article_texts(issue: Issue) -> list[tuple[Article, str]]:
    articles = Article.objects.filter(section__issue=issue).select_related("section")
    articles = articles.prefetch_related("blocks").order_by("section__position", "position")
    out = []
    for article in articles:
        body = "".join(b.text for b in article.blocks.all())
        out.append((article, _squeezed(article.title + body)))
    return out


def places_of_low_lines(issue: Issue, report: ImportReport) -> list[Place]:
    """Each line OCR was unsure of, with the article that holds its text now (None
    when an editor has already changed it, or it was page furniture)."""
    texts = _article_texts(issue)
    places = []
    for line in report.data.get("ocr", {}).get("low_lines", []):
        needle = _squeezed(line["text"])
        found = next((a for a, text in texts if needle and needle in text), None)
        places.append(
            Place(found, line["text"], f"第{line['page']}页，可信度 {line['confidence']:g}")
        )
    return places


def articles_without_credit(issue: Issue) -> list[Article]:
    """As the issue is now, so a credit the editor has added clears the item."""
    return list(
        Article.objects.filter(section__issue=issue, credit="")
        .select_related("section")
        .order_by("section__position", "position")
    )


def issue_articles(issue: Issue) -> list[Article]:
    return list(
        Article.objects.filter(section__issue=issue)
        .select_related("section")
        .order_by("section__position", "position")
    )
