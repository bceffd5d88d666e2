"""Writes and reads of stored issues, shared by the CLI, the admin and the site."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, Q

from jianbao.bulletins.models import (
    Article,
    ArticleContributor,
    Block,
    Issue,
    IssueEvent,
    Section,
    Series,
    SeriesSection,
)
from jianbao.bulletins.signals import issue_content_changed
from jianbao.core.errors import IssueAlreadyExists, IssueNotFound, JianbaoError
from jianbao.network import services as network
from jianbao.network.models import Organisation
from jianbao.network.names import alliance_stem, short_name_at_start
from jianbao.publishing.parsed import (
    Block as ParsedBlock,
)
from jianbao.publishing.parsed import (
    ContactItem,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    bulletin_to_dict,
)


class NumberingConflict(JianbaoError):
    def __init__(self, message: str, existing: Issue):
        self.existing = existing
        super().__init__(message)


@dataclass(frozen=True)
class StoreResult:
    issue: Issue
    created: bool
    unchanged: bool = False


def series_for(bulletin: ParsedBulletin) -> Series:
    series = Series.objects.filter(title=bulletin.series_title).first()
    if series is None:
        series = Series.objects.create(
            slug=f"series-{Series.objects.count() + 1}",
            title=bulletin.series_title,
            name=bulletin.series_name or "简报",
            office=bulletin.office,
            default_distribution={k: list(v) for k, v in bulletin.distribution.items()},
            contacts=[_contact_dict(c) for c in bulletin.contacts],
        )
    return series


def known_section_titles() -> list[str]:
    return list(SeriesSection.objects.values_list("title", flat=True).distinct())


def _contact_dict(c: ContactItem) -> dict:
    return {"label": c.label, "value": c.value, "kind": c.kind, "line": c.line}


def _conflicting_issue(series: Series, bulletin: ParsedBulletin) -> Issue | None:
    return (
        Issue.objects.filter(series=series)
        .filter(
            Q(year=bulletin.year, number=bulletin.number)
            | Q(running_number=bulletin.running_number)
        )
        .first()
    )


@transaction.atomic
def store_bulletin(
    bulletin: ParsedBulletin, *, source_name: str = "", replace: bool = False, actor_name: str = ""
) -> StoreResult:
    """Store a parsed bulletin as an archived (published) issue, all or nothing."""
    series = series_for(bulletin)
    existing = _conflicting_issue(series, bulletin)
    if existing is not None:
        same_numbers = (existing.year, existing.number, existing.running_number) == (
            bulletin.year,
            bulletin.number,
            bulletin.running_number,
        )
        if not same_numbers:
            raise NumberingConflict(
                f"{bulletin.label} 与已有的 {existing.label} 期号冲突，未导入", existing
            )
        if not replace:
            if bulletin_to_dict(issue_to_bulletin(existing)) == bulletin_to_dict(bulletin):
                return StoreResult(existing, created=False, unchanged=True)
            raise IssueAlreadyExists(existing)
        existing.sections.all().delete()
        issue = existing
    else:
        issue = Issue(series=series)
    issue.year, issue.number = bulletin.year, bulletin.number
    issue.running_number, issue.date = bulletin.running_number, bulletin.date
    issue.state = Issue.State.PUBLISHED
    issue.editor_name, issue.reviewer_name = bulletin.editor, bulletin.reviewer
    issue.signer_name = bulletin.signer
    issue.distribution = {k: list(v) for k, v in bulletin.distribution.items()}
    issue.contacts = [_contact_dict(c) for c in bulletin.contacts]
    issue.source_name = source_name
    issue.save()
    _store_sections(issue, bulletin.sections)
    _remember_series_sections(series, bulletin.sections)
    issue_content_changed.send(sender=Issue, issue=issue)
    IssueEvent.objects.create(
        issue=issue,
        action="replaced" if existing else "imported",
        to_state=issue.state,
        actor_name=actor_name,
        comment=f"从 {source_name} 导入" if source_name else "导入",
    )
    return StoreResult(issue, created=existing is None)


def _store_sections(issue: Issue, sections: tuple[ParsedSection, ...]) -> None:
    # Credits and title short names first: they tell where names in running
    # text start (会议同期第三代半导体…联盟 → 第三代半导体…联盟).
    for parsed_section in sections:
        for parsed in parsed_section.articles:
            for name in parsed.contributors:
                network.ensure_organisation(name)
    short_stems = {
        alliance_stem(short)
        for s in sections
        for a in s.articles
        if (short := short_name_at_start(a.title))
    }
    blocks: list[Block] = []
    for s_pos, parsed_section in enumerate(sections):
        section = Section.objects.create(
            issue=issue,
            position=s_pos,
            title=parsed_section.title,
            toc_title=parsed_section.toc_title,
        )
        for a_pos, parsed in enumerate(parsed_section.articles):
            article = Article.objects.create(
                section=section,
                position=a_pos,
                title=parsed.title,
                toc_title=parsed.toc_title,
                credit=parsed.credit,
            )
            blocks += [
                Block(article=article, position=i, kind=b.kind, text=b.text)
                for i, b in enumerate(parsed.blocks)
            ]
            _link_organisations(article, parsed, short_stems)
    Block.objects.bulk_create(blocks)


def _link_organisations(article: Article, parsed: ParsedArticle, short_stems: set[str]) -> None:
    contributors = []
    for position, name in enumerate(parsed.contributors):
        org = network.ensure_organisation(name)
        contributors.append(org)
        ArticleContributor.objects.create(
            article=article, organisation=org, position=position, name_as_printed=name
        )
    body = "\n".join(b.text for b in parsed.blocks)
    named = network.register_text_alliances(parsed.title + "\n" + body, known_stems=short_stems)
    named += network.link_title_names(parsed.title, contributors)
    alliances = {o.pk: o for o in [*contributors, *named] if o.kind == Organisation.Kind.ALLIANCE}
    article.alliances.set(alliances.values())


def _remember_series_sections(series: Series, sections: tuple[ParsedSection, ...]) -> None:
    known = set(series.sections.values_list("title", flat=True))
    position = series.sections.count()
    for section in sections:
        if section.title and section.title not in known:
            SeriesSection.objects.create(series=series, title=section.title, position=position)
            known.add(section.title)
            position += 1


def issues_with_content():
    return Issue.objects.select_related("series").prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("position")),
        Prefetch("sections__articles", queryset=Article.objects.order_by("position")),
        Prefetch("sections__articles__blocks", queryset=Block.objects.order_by("position")),
        Prefetch(
            "sections__articles__articlecontributor_set",
            queryset=ArticleContributor.objects.order_by("position"),
        ),
    )


def issue_to_bulletin(issue: Issue) -> ParsedBulletin:
    """The stored issue as plain data, for export and rendering."""
    issue = issues_with_content().get(pk=issue.pk)
    sections = tuple(
        ParsedSection(
            title=s.title,
            toc_title=s.toc_title,
            articles=tuple(
                ParsedArticle(
                    title=a.title,
                    toc_title=a.toc_title,
                    credit=a.credit,
                    contributors=tuple(c.name_as_printed for c in a.articlecontributor_set.all()),
                    blocks=tuple(ParsedBlock(b.kind, b.text) for b in a.blocks.all()),
                )
                for a in s.articles.all()
            ),
        )
        for s in issue.sections.all()
    )
    return ParsedBulletin(
        series_title=issue.series.title,
        series_name=issue.series.name,
        office=issue.series.office,
        year=issue.year,
        number=issue.number,
        running_number=issue.running_number,
        date=issue.date,
        sections=sections,
        distribution={k: tuple(v) for k, v in issue.distribution.items()},
        editor=issue.editor_name,
        reviewer=issue.reviewer_name,
        signer=issue.signer_name,
        contacts=tuple(ContactItem(**c) for c in issue.contacts),
    )


ISSUE_KEY = re.compile(r"^(?:(\d{4})-(\d+)|(\d+))$")


def find_issue(key: str, *, series: Series | None = None) -> Issue:
    """An issue by ``2023-1`` (year and yearly number) or ``66`` (running number)."""
    m = ISSUE_KEY.match(key.strip())
    if not m:
        raise IssueNotFound(f"期号“{key}”的写法不对：应写作 2023-1（年份-期号）或 66（总期号）")
    qs = Issue.objects.all() if series is None else series.issues.all()
    if m.group(3):
        qs = qs.filter(running_number=int(m.group(3)))
    else:
        qs = qs.filter(year=int(m.group(1)), number=int(m.group(2)))
    issue = qs.first()
    if issue is None:
        raise IssueNotFound(f"归档中没有 {key} 这一期")
    return issue


def export_json(issue: Issue) -> str:
    data = bulletin_to_dict(issue_to_bulletin(issue), state=issue.state)
    return json.dumps(data, ensure_ascii=False, indent=2)
