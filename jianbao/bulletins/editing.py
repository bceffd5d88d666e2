"""Assembling and editing an issue on the desk."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jianbao.bulletins.models import (
    Article,
    Block,
    Issue,
    IssueEvent,
    IssueRevision,
    Section,
    Series,
)
from jianbao.bulletins.sections import require_visible
from jianbao.bulletins.services import (
    NumberingConflict,
    block_row,
    issue_to_bulletin,
    stored_block,
)
from jianbao.bulletins.signals import issue_content_changed
from jianbao.bulletins.workflow import FROZEN_STATES
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role, require_role
from jianbao.publishing.markup import blocks_from_markup, blocks_to_markup
from jianbao.publishing.parsed import (
    IMAGE,
    block_to_dict,
    bulletin_to_dict,
)
from jianbao.publishing.parsed import Block as ContentBlock


class IssueFrozen(JianbaoError):
    pass


def _month_day(moment) -> str:
    """12月2日 15:04: the way the desk writes a time (not 12月02日)."""
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


class EditConflict(JianbaoError):
    """Someone saved the article after this form was opened; nothing was overwritten."""

    def __init__(self, article: Article, event):
        self.article = article
        self.event = event
        who = (
            f"{event.actor_name}于{_month_day(timezone.localtime(event.created_at))}"
            if event
            else "他人"
        )
        super().__init__(
            f"《{article.title}》在您打开后已被{who}修改；您的修改未保存，"
            "请对照上方“对方的修改”重新修改后再保存"
        )


def article_blocks(article: Article) -> tuple[ContentBlock, ...]:
    """The article's body in the content shape."""
    return tuple(stored_block(row) for row in article.blocks.all())


def article_state(article: Article) -> dict:
    blocks = article_blocks(article)
    return {
        "title": article.title,
        "toc_title": article.toc_title,
        "credit": article.credit,
        # Plain text for people reading the history; the blocks for putting it back.
        "body": "\n\n".join(b.plain_text for b in blocks),
        "blocks": [block_to_dict(b) for b in blocks],
    }


def _place_of(article: Article) -> dict:
    """Where the article is and what it is linked to: what a restore puts back."""
    return {
        "section": article.section_id,
        "position": article.position,
        "contributors": [
            {"organisation": c.organisation_id, "name_as_printed": c.name_as_printed}
            for c in article.articlecontributor_set.order_by("position")
        ],
        "alliances": list(article.alliances.values_list("pk", flat=True)),
        "submissions": list(article.submissions.values_list("pk", flat=True)),
    }


def _record_edit(
    verb: str,
    issue: Issue,
    article: Article,
    *,
    by,
    before=None,
    after=None,
    place=None,
    comment: str = "",
):
    data = {"article": article.pk, "title": article.title, "version": article.version}
    data.update(place or {})
    if before is not None:
        data["before"] = before
    if after is not None:
        data["after"] = after
        # The history names fields as the editor knows them: blocks are the 正文.
        data["changed"] = sorted(
            {"body" if k == "blocks" else k for k in after if (before or {}).get(k) != after[k]}
        )
    record(f"bulletins.article.{verb}", by=by, subject=issue, data=data, comment=comment)


def last_edit(article: Article):
    """The history row of the article's latest save, for a conflict message."""
    from jianbao.core.models import HistoryEvent

    return (
        HistoryEvent.objects.filter(
            action__startswith="bulletins.article.", data__article=article.pk
        )
        .order_by("-created_at", "-id")
        .first()
    )


def next_numbers(series: Series, year: int) -> tuple[int, int]:
    """The yearly number (back to 1 in a new year) and the running number that come next."""
    issues = series.issues.all()
    last_in_year = issues.filter(year=year).aggregate(n=Max("number"))["n"] or 0
    last_running = issues.aggregate(n=Max("running_number"))["n"] or 0
    return last_in_year + 1, last_running + 1


def proposed_numbers(series: Series, *, today: datetime.date):
    """(year, number, running number, printed date) the new-issue form proposes.

    The series' last issue decides, not the clock: after 2023年第1期 comes
    2023年第2期, whatever year the machine says; the editor changes the year for
    the first issue of a new year. The date is proposed only within the year of
    today, so a back-filled issue is never dated today.
    """
    last = series.issues.order_by("-running_number").first()
    year = last.year if last else today.year
    number, running = next_numbers(series, year)
    return year, number, running, today if year == today.year else None


@transaction.atomic
def create_issue(
    series: Series,
    *,
    year: int,
    number: int,
    running_number: int,
    by,
    date: datetime.date | None = None,
) -> Issue:
    require_role(by, Role.EDITOR)
    expected_number, expected_running = next_numbers(series, year)
    clash = (
        series.issues.filter(year=year, number=number).first()
        or series.issues.filter(running_number=running_number).first()
    )
    if clash is not None:
        raise NumberingConflict(f"期号重复：已有 {clash.label}", clash)
    if number != expected_number:
        previous = series.issues.filter(year=year, number=expected_number - 1).first()
        where = f"上一期是 {previous.label}" if previous else f"{year}年还没有任何一期"
        raise NumberingConflict(
            f"期号不连续：{year}年第{number}期前应为第{expected_number}期（{where}）", previous
        )
    if running_number != expected_running:
        previous = series.issues.filter(running_number=expected_running - 1).first()
        raise NumberingConflict(
            f"总期号不连续：应为总第{expected_running}期"
            + (f"（上一期是 {previous.label}）" if previous else ""),
            previous,
        )
    issue = Issue.objects.create(
        series=series,
        year=year,
        number=number,
        running_number=running_number,
        date=date,
        state=Issue.State.EDITING,
        distribution=series.default_distribution,
        contacts=series.contacts,
    )
    for position, template in enumerate(series.sections.order_by("position")):
        Section.objects.create(issue=issue, position=position, title=template.title)
    IssueEvent.objects.create(
        issue=issue, action="created", to_state=issue.state, actor=by, actor_name=display_name(by)
    )
    record(
        "bulletins.issue.create",
        by=by,
        subject=issue,
        data={"date": date.isoformat() if date else None},
    )
    return issue


@transaction.atomic
def set_issue_date(issue: Issue, *, by, date: datetime.date | None) -> Issue:
    """The 印发日期 the editor chooses; the 签发 date stays what the history says."""
    issue = access_issue_for_edit(by, issue.pk)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    return save_issue_field(
        issue, "date", date, by=by, as_data=lambda d: d.isoformat() if d else None
    )


def save_issue_field(issue: Issue, field: str, value, *, by, as_data=lambda v: v) -> Issue:
    """One field of an issue the caller holds locked, with its history row in the
    same transaction; nothing is written when the value is unchanged."""
    before = getattr(issue, field)
    if before == value:
        return issue
    setattr(issue, field, value)
    issue.save(update_fields=[field, "updated_at"])
    record(
        "bulletins.issue.update",
        by=by,
        subject=issue,
        data={
            "changed": [field],
            "before": {field: as_data(before)},
            "after": {field: as_data(value)},
        },
    )
    issue_content_changed.send(sender=Issue, issue=issue)
    return issue


def access_issue_for_edit(user, issue_id: int) -> Issue:
    """Fetch an issue for editing, or refuse: the one gate every editing view passes."""
    issue = Issue.objects.select_related("series").get(pk=issue_id)
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied("只有编辑可以修改简报内容")
    if issue.state != Issue.State.EDITING:
        if issue.state in FROZEN_STATES:
            raise IssueFrozen(f"{issue.label} 已签发，内容已冻结；如需更正请使用“勘误”")
        raise IssueFrozen(f"{issue.label} 正在“{issue.get_state_display()}”，退回后才能修改")
    return issue


def body_text(article: Article) -> str:
    """The body as the plain-text editor shows it: THE TEXT MARKUP, so that saving
    it unchanged gives the same blocks (pictures, tables and bold included)."""
    return blocks_to_markup(article_blocks(article))


def blocks_from_body(text: str) -> tuple[ContentBlock, ...]:
    """Body text in THE TEXT MARKUP (a plain text is read the same way) as blocks."""
    return blocks_from_markup(text)[0]


def checked_pictures(
    blocks: Sequence[ContentBlock], *, where: str = ""
) -> tuple[ContentBlock, ...]:
    """The blocks with every picture checked against the store and given its true size.

    The editor's HTML names pictures; only a stored one may be kept
    (pictures.existing refuses the rest with a message naming the file).
    """
    if not any(b.kind == IMAGE for b in blocks):
        return tuple(blocks)
    from jianbao.publishing import pictures

    def checked(block: ContentBlock) -> ContentBlock:
        if block.kind != IMAGE:
            return block
        stored = pictures.existing(block.file, where=where)
        return replace(block, file=stored.name, width=stored.width, height=stored.height)

    return tuple(checked(b) for b in blocks)


def _body(article: Article | None, *, body: str, blocks) -> tuple[ContentBlock, ...]:
    parsed = blocks_from_body(body) if blocks is None else blocks
    return checked_pictures(parsed, where=article.title if article else "")


def _write_blocks(article: Article, blocks: Sequence[ContentBlock]) -> None:
    article.blocks.all().delete()
    Block.objects.bulk_create(
        block_row(b, article=article, position=i) for i, b in enumerate(blocks)
    )


@transaction.atomic
def add_article(
    issue: Issue,
    section: Section,
    *,
    by,
    title: str,
    body: str = "",
    credit: str = "",
    toc_title: str = "",
    blocks: Sequence[ContentBlock] | None = None,
) -> Article:
    """A new article; its body is ``blocks`` (the rich editor) or ``body`` in the text markup."""
    issue = access_issue_for_edit(by, issue.pk)
    if section.issue_id != issue.pk:
        raise PermissionDenied("栏目不属于本期")
    require_visible(section)
    last = section.articles.aggregate(n=Max("position"))["n"]
    position = 0 if last is None else last + 1
    article = Article.objects.create(
        section=section,
        position=position,
        title=title.strip(),
        toc_title=toc_title.strip(),
        credit=credit.strip(),
    )
    _write_blocks(article, _body(None, body=body, blocks=blocks))
    _record_edit("add", issue, article, by=by, after=article_state(article))
    issue_content_changed.send(sender=Issue, issue=issue)
    return article


@transaction.atomic
def update_article(
    article: Article,
    *,
    by,
    title: str,
    body: str = "",
    credit: str,
    toc_title: str = "",
    version: int | None = None,
    blocks: Sequence[ContentBlock] | None = None,
) -> Article:
    """Save the desk's form; ``version`` is the one the form was opened on.

    The body is ``blocks`` (from the rich editor, through ingest.html) or, when
    that is None, ``body`` in the text markup.
    """
    issue = access_issue_for_edit(by, article.section.issue_id)
    # Re-read under the write lock: the caller's copy may be stale.
    article = Article.objects.select_for_update().get(pk=article.pk)
    if version is not None and version != article.version:
        raise EditConflict(article, last_edit(article))
    before = article_state(article)
    new_blocks = _body(article, body=body, blocks=blocks)
    article.title, article.toc_title = title.strip(), toc_title.strip()
    article.credit = credit.strip().strip("（）()")
    article.version += 1
    article.save()
    _write_blocks(article, new_blocks)
    after = article_state(article)
    if after != before:
        _record_edit("edit", issue, article, by=by, before=before, after=after)
    issue_content_changed.send(sender=Issue, issue=issue)
    return article


def _renumber(section: Section, ordered: list[Article]) -> None:
    """Give ``ordered`` positions 0.. in ``section``; articles left out keep their order after.

    Two passes through a free range, because positions are unique within a
    section at every moment.
    """
    ids = [a.pk for a in ordered]
    final = ids + list(
        section.articles.exclude(pk__in=ids).order_by("position").values_list("pk", flat=True)
    )
    base = (section.articles.aggregate(n=Max("position"))["n"] or 0) + len(final) + 1
    for i, pk in enumerate(final):
        Article.objects.filter(pk=pk).update(section=section, position=base + i)
    for i, pk in enumerate(final):
        Article.objects.filter(pk=pk).update(position=i)


@transaction.atomic
def move_article(article: Article, *, by, section: Section, position: int) -> None:
    """Put an article at ``position`` in ``section`` (which may be another section)."""
    issue = access_issue_for_edit(by, article.section.issue_id)
    if section.issue_id != issue.pk:
        raise PermissionDenied("栏目不属于本期")
    if section.pk != article.section_id:
        require_visible(section)
    source, source_position = article.section, article.position
    target = [a for a in section.articles.order_by("position") if a.pk != article.pk]
    position = max(0, min(position, len(target)))
    target.insert(position, article)
    if source.pk != section.pk:
        _renumber(source, [a for a in source.articles.order_by("position") if a.pk != article.pk])
    _renumber(section, target)
    record(
        "bulletins.article.move",
        by=by,
        subject=issue,
        data={
            "article": article.pk,
            "title": article.title,
            "from": source.title,
            "to": section.title,
            "position": position,
            # Where it came from, for the undo (bulletins.drafts.undo_move).
            "from_section": source.pk,
            "from_position": source_position,
            "to_section": section.pk,
        },
    )
    issue_content_changed.send(sender=Issue, issue=issue)


@transaction.atomic
def reorder_section(section: Section, *, by, article_ids: list[int]) -> None:
    issue = access_issue_for_edit(by, section.issue_id)
    by_id = {a.pk: a for a in Article.objects.filter(section__issue=issue, pk__in=article_ids)}
    if len(by_id) != len(set(article_ids)):
        raise PermissionDenied("文章不属于本期")
    moved_from = {a.section_id for a in by_id.values()} - {section.pk}
    _renumber(section, [by_id[i] for i in article_ids])
    for other in Section.objects.filter(pk__in=moved_from):
        _renumber(other, list(other.articles.order_by("position")))
    record(
        "bulletins.section.reorder",
        by=by,
        subject=issue,
        data={"section": section.title, "articles": article_ids},
    )
    issue_content_changed.send(sender=Issue, issue=issue)


@transaction.atomic
def delete_article(article: Article, *, by) -> None:
    issue = access_issue_for_edit(by, article.section.issue_id)
    section = article.section
    # The whole article goes into the history, so a deletion can be undone (bulletins.drafts).
    _record_edit(
        "delete", issue, article, by=by, before=article_state(article), place=_place_of(article)
    )
    article.delete()
    _renumber(section, list(section.articles.order_by("position")))
    issue_content_changed.send(sender=Issue, issue=issue)


@transaction.atomic
def correct_article(
    article: Article,
    *,
    by,
    title: str,
    body: str = "",
    credit: str,
    toc_title: str = "",
    note: str,
    blocks: Sequence[ContentBlock] | None = None,
) -> IssueRevision:
    """A 勘误 on a signed issue: keep the earlier text, apply the fix, record why."""
    issue = Issue.objects.select_for_update().get(pk=article.section.issue_id)
    if issue.state not in FROZEN_STATES:
        raise JianbaoError("只有已签发的简报才需要勘误；编辑中的简报可直接修改")
    if not (has_role(by, Role.EDITOR) or has_role(by, Role.SIGNER)):
        raise PermissionDenied("勘误需要“编辑”或“签发”角色")
    if not note.strip():
        raise JianbaoError("勘误必须写明更正说明")
    new_blocks = _body(article, body=body, blocks=blocks)
    before = article_state(article)
    number = (issue.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = IssueRevision.objects.create(
        issue=issue,
        number=number,
        snapshot=bulletin_to_dict(issue_to_bulletin(issue)),
        note=note.strip(),
        created_by=by,
        # Before an import is checked, a fix corrects the reading, not the bulletin.
        import_fix=issue.import_unchecked,
    )
    article.title, article.toc_title = title.strip(), toc_title.strip()
    article.credit = credit.strip().strip("（）()")
    article.version += 1
    article.save()
    _write_blocks(article, new_blocks)
    # The article's own row too, so its history shows the 勘误 beside its edits.
    _record_edit(
        "correct",
        issue,
        article,
        by=by,
        before=before,
        after=article_state(article),
        comment=note.strip(),
    )
    IssueEvent.objects.create(
        issue=issue,
        action="corrected",
        from_state=issue.state,
        to_state=issue.state,
        actor=by,
        actor_name=display_name(by),
        comment=note.strip(),
    )
    issue_content_changed.send(sender=Issue, issue=issue)
    return revision
