"""Writes and reads of stored issues, shared by the CLI, the admin and the site."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Prefetch, Q, QuerySet

from jianbao.bulletins.models import (
    Article,
    ArticleContributor,
    Block,
    Issue,
    IssueEvent,
    IssueRevision,
    Section,
    Series,
    SeriesSection,
)
from jianbao.bulletins.sections import output_sections
from jianbao.bulletins.selectors import signoff
from jianbao.bulletins.signals import issue_content_changed
from jianbao.core.errors import (
    AmbiguousIssueRef,
    IssueAlreadyExists,
    IssueNotFound,
    JianbaoError,
)
from jianbao.core.history import SYSTEM_NAME
from jianbao.core.roles import display_name
from jianbao.network import services as network
from jianbao.network.models import Organisation
from jianbao.network.names import alliance_stem, short_name_at_start
from jianbao.publishing.parsed import (
    IMAGE,
    ContactItem,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    block_from_dict,
    block_to_dict,
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
    bulletin: ParsedBulletin,
    *,
    by=None,
    source_name: str = "",
    replace: bool = False,
    actor_name: str = "",
    unchecked: bool = False,
) -> StoreResult:
    """Store a parsed bulletin as an archived (published) issue, all or nothing.

    ``by`` is the user who imports (None: the command line, named by ``actor_name``).
    ``unchecked``: an import whose report an editor has still to check (catalogue);
    its series decides whether that keeps it off the public site.
    Replacing keeps the earlier content as a revision and re-links the
    submissions that fed the replaced articles.
    """
    check_fits(bulletin, source_name=source_name)
    # Pictures are checked and kept before anything is written: a hostile or
    # broken picture refuses the whole import, naming the picture.
    bulletin = keep_pictures(bulletin, source_name=source_name)
    series = series_for(bulletin)
    existing = _conflicting_issue(series, bulletin)
    links: list[tuple[int, int, int, str]] = []
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
        before = issue_to_bulletin(existing)
        if bulletin_to_dict(before) == bulletin_to_dict(bulletin):
            return StoreResult(existing, created=False, unchanged=True)
        if not replace:
            raise IssueAlreadyExists(existing)
        existing = Issue.objects.select_for_update().get(pk=existing.pk)
        _keep_revision(existing, before, note=f"覆盖导入 {source_name}".strip(), by=by)
        links = _submission_links(existing)
        existing.sections.all().delete()
        issue = existing
    else:
        issue = Issue(series=series)
    issue.year, issue.number = bulletin.year, bulletin.number
    issue.running_number, issue.date = bulletin.running_number, bulletin.date
    issue.state = Issue.State.PUBLISHED
    issue.distribution = {k: list(v) for k, v in bulletin.distribution.items()}
    issue.contacts = [_contact_dict(c) for c in bulletin.contacts]
    issue.editor_note = bulletin.editor_note
    issue.source_name = source_name[:300]
    issue.import_unchecked = unchecked
    issue.save()
    _store_sections(issue, bulletin.sections)
    _relink_submissions(issue, links)
    _remember_series_sections(series, bulletin.sections)
    IssueEvent.objects.create(
        issue=issue,
        action="replaced" if existing else "imported",
        to_state=issue.state,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=actor_name or (display_name(by) if getattr(by, "pk", None) else SYSTEM_NAME),
        comment=f"从 {source_name} 导入" if source_name else "导入",
        # The names and date the file prints: the signoff replays them.
        data={
            "editor": bulletin.editor,
            "reviewer": bulletin.reviewer,
            "signer": bulletin.signer,
            "date": bulletin.date.isoformat() if bulletin.date else None,
        },
    )
    issue.__dict__.pop("_signoff", None)
    issue_content_changed.send(sender=Issue, issue=issue)
    return StoreResult(issue, created=existing is None)


class FieldTooLong(JianbaoError):
    pass


def _limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def check_fits(bulletin: ParsedBulletin, *, source_name: str = "") -> None:
    """Refuse text longer than its column before the database sees it (PostgreSQL
    would refuse the whole import with a message that names no article)."""
    where = f"{source_name}：" if source_name else ""
    checks = [
        (Series, "title", bulletin.series_title, "简报名称"),
        (Series, "office", bulletin.office, "编发单位"),
    ]
    for section in bulletin.sections:
        checks.append((Section, "title", section.title, f"栏目“{section.title[:20]}…”"))
        for article in section.articles:
            name = f"《{article.title[:30]}》"
            checks += [
                (Article, "title", article.title, f"{name}的标题"),
                (Article, "toc_title", article.toc_title, f"{name}的导读标题"),
                (Article, "credit", article.credit, f"{name}的供稿行"),
            ]
            checks += [
                (ArticleContributor, "name_as_printed", c, f"{name}的供稿单位")
                for c in article.contributors
            ]
    for model, field, value, label in checks:
        limit = _limit(model, field)
        if value and len(value) > limit:
            raise FieldTooLong(f"{where}{label}有 {len(value)} 个字，超过上限 {limit} 个字，未导入")


def _keep_revision(issue: Issue, before: ParsedBulletin, *, note: str, by) -> IssueRevision:
    number = (issue.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return IssueRevision.objects.create(
        issue=issue,
        number=number,
        snapshot=bulletin_to_dict(before),
        note=note,
        created_by=by if getattr(by, "pk", None) else None,
    )


def _submission_links(issue: Issue) -> list[tuple[int, int, int, str]]:
    """(submission, section position, article position, title) of every linked article."""
    from jianbao.submissions.models import Submission

    return [
        (pk, s_pos, a_pos, title)
        for pk, s_pos, a_pos, title in Submission.objects.filter(
            article__section__issue=issue
        ).values_list("pk", "article__section__position", "article__position", "article__title")
    ]


def _relink_submissions(issue: Issue, links: list[tuple[int, int, int, str]]) -> None:
    """Point each submission at the new article of the same title, else the same place."""
    from jianbao.submissions.models import Submission

    if not links:
        return
    articles = list(Article.objects.filter(section__issue=issue).select_related("section"))
    by_title = {a.title: a for a in articles}
    by_place = {(a.section.position, a.position): a for a in articles}
    for pk, s_pos, a_pos, title in links:
        article = by_title.get(title) or by_place.get((s_pos, a_pos))
        Submission.objects.filter(pk=pk).update(article=article, issue=issue)


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
                block_row(b, article=article, position=i) for i, b in enumerate(parsed.blocks)
            ]
            _link_organisations(article, parsed, short_stems)
    Block.objects.bulk_create(blocks)


def block_row(b, *, article: Article, position: int) -> Block:
    """A content-shape block as a row: plain text in ``text``, the rest in ``data``."""
    data = block_to_dict(b)
    for key in ("kind", "type", "text", "level"):
        data.pop(key, None)
    if not data.get("marks"):
        data.pop("marks", None)
    return Block(article=article, position=position, kind=b.kind, text=b.plain_text, data=data)


def stored_block(row: Block):
    """The row as a content-shape block (the inverse of block_row)."""
    return block_from_dict({**row.data, "kind": row.kind, "text": row.text})


def keep_pictures(bulletin: ParsedBulletin, *, source_name: str = "") -> ParsedBulletin:
    """Check and store the pictures an importer read; the blocks then name stored pictures.

    A block naming a picture the store already has (a re-import of an export)
    is left as it is; one naming neither is refused.
    """
    if not any(b.kind == IMAGE for a in bulletin.articles for b in a.blocks):
        return bulletin
    from dataclasses import replace

    from jianbao.publishing import pictures

    stored: dict[str, pictures.StoredPicture] = {}

    def keep(block):
        if block.kind != IMAGE:
            return block
        if block.file not in stored:
            data = bulletin.pictures.get(block.file)
            if data is not None:
                stored[block.file] = pictures.accept(data, filename=block.file, where=source_name)
            else:
                stored[block.file] = pictures.existing(block.file, where=source_name)
        kept = stored[block.file]
        return replace(block, file=kept.name, width=kept.width, height=kept.height)

    sections = tuple(
        replace(
            s,
            articles=tuple(replace(a, blocks=tuple(keep(b) for b in a.blocks)) for a in s.articles),
        )
        for s in bulletin.sections
    )
    return replace(bulletin, sections=sections, pictures={})


def _link_organisations(article: Article, parsed: ParsedArticle, short_stems: set[str]) -> None:
    contributors = []
    for position, name in enumerate(parsed.contributors):
        org = network.ensure_organisation(name)
        contributors.append(org)
        ArticleContributor.objects.create(
            article=article, organisation=org, position=position, name_as_printed=name
        )
    body = "\n".join(b.plain_text for b in parsed.blocks)
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
    names = signoff(issue)
    sections = tuple(
        ParsedSection(
            title=s.title,
            toc_title=s.toc_title,
            keep_when_empty=s.keep_when_empty,
            articles=tuple(
                ParsedArticle(
                    title=a.title,
                    toc_title=a.toc_title,
                    credit=a.credit,
                    contributors=tuple(c.name_as_printed for c in a.articlecontributor_set.all()),
                    blocks=tuple(stored_block(b) for b in a.blocks.all()),
                    id=a.pk,
                )
                for a in s.articles.all()
            ),
        )
        for s in output_sections(issue)
    )
    return ParsedBulletin(
        series_title=issue.series.title,
        series_name=issue.series.name,
        office=issue.series.office,
        year=issue.year,
        number=issue.number,
        running_number=issue.running_number,
        date=issue.date or names.signed_on,
        sections=sections,
        distribution={k: tuple(v) for k, v in issue.distribution.items()},
        editor=names.editor,
        reviewer=names.reviewer,
        signer=names.signer,
        contacts=tuple(ContactItem(**c) for c in issue.contacts),
        editor_note=issue.editor_note,
    )


# ``series-1:2023-1`` or ``2023-1``; ``series-1:66`` or ``66``. ASCII digits only: ``\d``
# would take ٢٠٢٣ too, and a slug is what SlugField allows.
ISSUE_KEY = re.compile(r"^(?:([-\w]+):)?(?:(\d{4})-(\d+)|(\d+))$", re.ASCII)
# A message names at most this many candidates (and one more, to show there are more).
_MAX_CANDIDATES = 10


def find_issue(
    key: str, *, series: Series | str | None = None, within: QuerySet[Issue] | None = None
) -> Issue:
    """An issue by ``2023-1`` (year and yearly number) or ``66`` (running number).

    Every ref is resolved here, on the command line and on the site. When more than
    one series has that number the ref must name the series, as ``series-1:2023-1``
    or with ``series`` (a Series or its slug); otherwise AmbiguousIssueRef lists the
    candidates. ``within`` narrows the issues looked at (the public site: published).
    """
    m = ISSUE_KEY.match(key.strip())
    if not m:
        raise IssueNotFound(
            f"期号“{key}”的写法不对：应写作 2023-1（年份-期号）或 66（总期号），"
            "有多个简报系列时在前面加系列代号，如 series-1:2023-1"
        )
    slug, year, number, running = m.groups()
    bare = f"{year}-{number}" if year else running
    if any(len(n) > 9 for n in (number, running) if n):
        # No such issue; and a number past the column's range must not reach the database.
        raise IssueNotFound(f"归档中没有 {key.strip()} 这一期")
    qs = Issue.objects.all() if within is None else within
    if isinstance(series, Series):
        qs = qs.filter(series=series)
    elif series:
        slug = slug or series
        if slug != series:
            raise IssueNotFound(f"期号“{key}”与所给的简报系列“{series}”不符")
    if slug:
        if not Series.objects.filter(slug=slug).exists():
            codes = "、".join(Series.objects.order_by("slug").values_list("slug", flat=True))
            raise IssueNotFound(f"没有代号为“{slug}”的简报系列（现有：{codes or '无'}）")
        qs = qs.filter(series__slug=slug)
    if year:
        qs = qs.filter(year=int(year), number=int(number))
    else:
        qs = qs.filter(running_number=int(running))
    found = list(qs.select_related("series").order_by("series__slug")[: _MAX_CANDIDATES + 1])
    if not found:
        raise IssueNotFound(f"归档中没有 {key.strip()} 这一期")
    if len(found) > 1:
        refs = [f"{issue.series.slug}:{bare}" for issue in found]
        raise AmbiguousIssueRef(bare, found, refs)
    return found[0]


def picture_address(name: str) -> str:
    """A stored picture by the address of its clean copy on this site: what an
    export that carries no picture files shows, and what an import reads back."""
    from django.conf import settings

    return f"{settings.JIANBAO_SITE_URL.rstrip('/')}/pictures/{name}"


def export_json(issue: Issue) -> str:
    data = bulletin_to_dict(
        issue_to_bulletin(issue), state=issue.state, picture_path=picture_address
    )
    return json.dumps(data, ensure_ascii=False, indent=2)
