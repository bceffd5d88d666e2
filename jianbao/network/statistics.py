"""Contribution and procedure statistics: plain tables, charts drawn from them, XLSX.

Every chart is drawn from a ``Table`` that the page also prints beside it, so
what a reader sees in the chart is exactly what a screen reader reads.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pygal
from django.db.models import Count, Max
from openpyxl import Workbook
from pygal.style import Style

from jianbao.bulletins.models import Article, ArticleContributor
from jianbao.network.exchange import write_sheet
from jianbao.network.models import ApplicationEvent, MembershipApplication, Organisation


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple]


def articles_per_alliance_per_year() -> Table:
    counts = (
        ArticleContributor.objects.filter(organisation__kind=Organisation.Kind.ALLIANCE)
        .values_list("organisation__name", "article__section__issue__year")
        .annotate(n=Count("article", distinct=True))
        .order_by()
    )
    by_alliance: dict[str, dict[int, int]] = defaultdict(dict)
    years: set[int] = set()
    for name, year, n in counts:
        by_alliance[name][year] = n
        years.add(year)
    years_sorted = sorted(years)
    rows = sorted(
        (
            (name, *(per_year.get(y, 0) for y in years_sorted), sum(per_year.values()))
            for name, per_year in by_alliance.items()
        ),
        key=lambda r: (-r[-1], r[0]),
    )
    return Table("各联盟供稿数（按年）", ("联盟", *(f"{y}年" for y in years_sorted), "合计"), rows)


def articles_per_section_per_issue() -> Table:
    counts = (
        Article.objects.values_list(
            "section__issue__year", "section__issue__number", "section__title"
        )
        .annotate(n=Count("id"))
        .order_by("section__issue__year", "section__issue__number", "section__position")
    )
    return Table(
        "各期各栏目文章数",
        ("期", "栏目", "文章数"),
        [(f"{year}年第{number}期", section, n) for year, number, section, n in counts],
    )


def silent_alliances(today: date, months: int = 12) -> Table:
    """Active alliances with no contributed article in the last ``months`` months."""
    since = today - timedelta(days=round(months * 365 / 12))
    alliances = (
        Organisation.objects.filter(
            kind=Organisation.Kind.ALLIANCE, status=Organisation.Status.ACTIVE
        )
        .annotate(
            last_date=Max("contributed_articles__section__issue__date"),
            last_year=Max("contributed_articles__section__issue__year"),
        )
        .order_by("name")
    )
    rows = []
    for alliance in alliances:
        # Imported issues without a date still tell the year.
        last = alliance.last_date or (
            date(alliance.last_year, 12, 31) if alliance.last_year else None
        )
        if last is None or last < since:
            rows.append((alliance.name, last.isoformat() if last else "从未供稿"))
    return Table(f"{months}个月未供稿的联盟", ("联盟", "最近供稿"), rows)


def applications_by_state() -> Table:
    counts = dict(
        MembershipApplication.objects.values_list("state").annotate(n=Count("id")).order_by()
    )
    return Table(
        "网员注册申请（按状态）",
        ("状态", "申请数"),
        [(label, counts.get(value, 0)) for value, label in MembershipApplication.State.choices],
    )


def days_per_step() -> Table:
    """Average days an application spent in each state before it moved on."""
    entered: dict[int, tuple[str, object]] = {}
    spent: dict[str, list[float]] = defaultdict(list)
    events = ApplicationEvent.objects.order_by("application_id", "created_at", "id").values_list(
        "application_id", "from_state", "to_state", "created_at"
    )
    for application_id, from_state, to_state, at in events:
        if application_id not in entered:
            entered[application_id] = (to_state, at)
            continue
        if from_state == to_state:
            continue  # an opinion or an objection: no step was taken
        state, since = entered[application_id]
        spent[state].append((at - since).total_seconds() / 86400)
        entered[application_id] = (to_state, at)
    rows = [
        (label, len(spent[value]), round(sum(spent[value]) / len(spent[value]), 1))
        for value, label in MembershipApplication.State.choices
        if spent.get(value)
    ]
    return Table("各环节平均用时", ("环节", "已办结次数", "平均天数"), rows)


def all_tables(today: date) -> list[Table]:
    return [
        articles_per_alliance_per_year(),
        articles_per_section_per_issue(),
        silent_alliances(today),
        applications_by_state(),
        days_per_step(),
    ]


# --- Charts ------------------------------------------------------------------

# Grey steps that stay apart on a black-and-white printer.
PRINT_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#111",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#b00000", "#333333", "#8a8a8a", "#c9c9c9", "#5a5a5a", "#e08080"),
    font_family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
    title_font_size=15,
)


def _chart(kind, table: Table, height: int):
    return kind(
        style=PRINT_STYLE,
        title=table.title,
        width=800,
        height=height,
        js=[],  # no script from a CDN: the SVG must stand alone, also on paper
        disable_xml_declaration=True,
        print_values=True,
        show_y_guides=True,
        truncate_label=-1,
        legend_at_bottom=True,
        explicit_size=False,
    )


def bar_chart(table: Table, *, label_column: int = 0, value_columns=None, stacked=False) -> str:
    """A horizontal bar chart of a table: one bar per row, one series per value column."""
    value_columns = value_columns or range(1, len(table.header))
    kind = pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar
    chart = _chart(kind, table, height=max(240, 60 + 28 * len(table.rows)))
    chart.x_labels = [str(row[label_column]) for row in table.rows]
    for column in value_columns:
        chart.add(table.header[column], [row[column] for row in table.rows])
    if not table.rows:
        chart.no_data_text = "暂无数据"
    # pygal always embeds a config <script>; the chart works without it, on paper too.
    return re.sub(r"<script\b.*?</script>", "", chart.render(is_unicode=True), flags=re.S)


def charts(tables: list[Table]) -> dict[str, str]:
    per_alliance, per_section, _, by_state, per_step = tables
    section_totals = Table(
        "各期文章数（按栏目）",
        ("栏目", "文章数"),
        [
            (f"{row[0]} {row[1]}", row[2])
            for row in per_section.rows[-30:]  # the latest issues; the table has them all
        ],
    )
    return {
        per_alliance.title: bar_chart(
            per_alliance, value_columns=range(1, len(per_alliance.header) - 1), stacked=True
        ),
        per_section.title: bar_chart(section_totals),
        by_state.title: bar_chart(by_state),
        per_step.title: bar_chart(per_step, value_columns=[2]),
    }


def statistics_workbook(tables: list[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        # Sheet titles: at most 31 characters, no brackets.
        write_sheet(workbook.create_sheet(table.title[:31]), table.header, table.rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
