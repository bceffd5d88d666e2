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
from jianbao.core.text import pinyin_key
from jianbao.network.exchange import write_sheet
from jianbao.network.models import ApplicationEvent, MembershipApplication, Organisation
from jianbao.network.names import alliance_stem


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
        key=lambda r: (-r[-1], pinyin_key(r[0])),
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
    alliances = Organisation.objects.filter(
        kind=Organisation.Kind.ALLIANCE, status=Organisation.Status.ACTIVE
    ).annotate(
        last_date=Max("contributed_articles__section__issue__date"),
        last_year=Max("contributed_articles__section__issue__year"),
    )
    rows = []
    for alliance in sorted(alliances, key=lambda a: pinyin_key(a.name)):
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
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=13,
    legend_font_size=14,
    title_font_size=16,
)


def _chart(kind, title: str, labels: list[str], *, most: float):
    chart = kind(
        style=PRINT_STYLE,
        title=title,
        width=640,
        height=max(220, 110 + 30 * len(labels)),
        js=[],
        disable_xml_declaration=True,
        print_values=True,
        print_values_position="top",
        truncate_label=-1,
        truncate_legend=-1,
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        no_data_text="暂无数据",
        # pygal measures labels as Latin text; CJK characters are about twice as wide.
        margin_left=10 + 7 * max((len(label) for label in labels), default=0),
    )
    if 0 < most <= 20:
        # Counts are whole numbers: no 0.1 steps on the axis.
        chart.y_labels = list(range(0, int(most) + 2))
    return chart


# The body stops at the next <script, so unclosed tags cannot make each one scan to the end.
_SCRIPT = re.compile(r"<script\b(?:[^<]|<(?!/?script\b))*</script>")


def _render(chart) -> str:
    # pygal always embeds a config <script>; the chart works without it, on paper too.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def bar_chart(
    title: str, labels: list[str], series: dict[str, list[float]], *, stacked=False
) -> str:
    """Horizontal bars: one per label, one series per key of ``series``."""
    kind = pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar
    totals = [sum(values) for values in zip(*series.values(), strict=True)] if series else []
    chart = _chart(kind, title, labels, most=max(totals, default=0))
    # pygal stacks horizontal bars from the bottom; reverse so the chart reads like the table.
    chart.x_labels = labels[::-1]
    for name, values in series.items():
        chart.add(name, values[::-1])
    return _render(chart)


def _short(name: str) -> str:
    """粉末冶金产业技术创新战略联盟 → 粉末冶金联盟: the table beside the chart has the full name."""
    stem = alliance_stem(name)
    return f"{stem}联盟" if stem else name


def charts(tables: list[Table]) -> dict[str, str]:
    per_alliance, per_section, _, by_state, per_step = tables
    years = per_alliance.header[1:-1]
    issues = list(dict.fromkeys(row[0] for row in per_section.rows))[-12:]
    sections = list(dict.fromkeys(row[1] for row in per_section.rows if row[0] in issues))
    counts = {(row[0], row[1]): row[2] for row in per_section.rows}
    return {
        per_alliance.title: bar_chart(
            per_alliance.title,
            [_short(row[0]) for row in per_alliance.rows],
            {year: [row[1 + i] for row in per_alliance.rows] for i, year in enumerate(years)},
            stacked=True,
        ),
        per_section.title: bar_chart(
            f"{per_section.title}（最近 {len(issues)} 期）",
            issues,
            {s: [counts.get((issue, s), 0) for issue in issues] for s in sections},
            stacked=True,
        ),
        by_state.title: bar_chart(
            by_state.title,
            [row[0] for row in by_state.rows],
            {"申请数": [r[1] for r in by_state.rows]},
        ),
        per_step.title: bar_chart(
            per_step.title,
            [row[0] for row in per_step.rows],
            {"平均天数": [r[2] for r in per_step.rows]},
        ),
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
