"""Undo on the desk: put a deleted article back, move an article back.

Both read what the history already holds (``bulletins.article.delete`` keeps
the whole article, ``bulletins.article.move`` where it came from) and write
their own history row, so an undo is itself recorded and cannot be done twice.
Autosaved drafts of the article form live in the browser (static
bulletins/autosave.js), not here: see that file for why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from jianbao.bulletins.editing import access_issue_for_edit
from jianbao.bulletins.models import Article, ArticleContributor, Block, Issue, Section
from jianbao.bulletins.sections import require_visible
from jianbao.bulletins.services import block_row
from jianbao.bulletins.signals import issue_content_changed
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import HistoryEvent
from jianbao.network.models import Organisation
from jianbao.publishing.parsed import block_from_dict

DELETE = "bulletins.article.delete"
RESTORE = "bulletins.article.restore"
MOVE = "bulletins.article.move"


class CannotUndo(JianbaoError):
    pass


# --- Selectors ---------------------------------------------------------------------


def _issue_rows(issue: Issue, action: str):
    from django.contrib.contenttypes.models import ContentType

    return HistoryEvent.objects.filter(
        action=action,
        subject_type=ContentType.objects.get_for_model(Issue),
        subject_id=str(issue.pk),
    )


def _undone_ids(issue: Issue, action: str) -> set[int]:
    return {
        e for e in _issue_rows(issue, action).values_list("data__event", flat=True) if e is not None
    }


@dataclass(frozen=True)
class DeletedArticle:
    event: HistoryEvent
    title: str
    section_title: str

    @property
    def event_id(self) -> int:
        return self.event.pk


def restorable_articles(issue: Issue) -> list[DeletedArticle]:
    """The articles deleted from ``issue`` and not put back yet, latest first.

    Empty once the issue has left 编辑中: a restore is an edit.
    """
    if issue.state != Issue.State.EDITING:
        return []
    restored = _undone_ids(issue, RESTORE)
    deleted = _issue_rows(issue, DELETE).exclude(pk__in=restored).order_by("-created_at", "-id")
    titles = {s.pk: s.title for s in issue.sections.all()}
    result = []
    for event in deleted:
        data = event.data or {}
        if "before" not in data:
            continue
        section = _field(data, "section")
        result.append(
            DeletedArticle(
                event=event,
                title=data["before"].get("title") or data.get("title", ""),
                section_title=titles.get(section, "") if section else "",
            )
        )
    return result


@dataclass(frozen=True)
class UndoableMove:
    event: HistoryEvent
    title: str
    from_title: str
    to_title: str

    @property
    def event_id(self) -> int:
        return self.event.pk


def last_undoable_move(issue: Issue) -> UndoableMove | None:
    """The issue's latest edit, when it is a move that can still be undone.

    Only the latest: after another edit, moving back might undo more than the move.
    """
    if issue.state != Issue.State.EDITING:
        return None
    latest = _issue_edit_rows(issue).order_by("-created_at", "-id").first()
    if latest is None or latest.action != MOVE or not _move_is_undoable(latest):
        return None
    data = latest.data
    return UndoableMove(latest, data.get("title", ""), data.get("from", ""), data.get("to", ""))


def _issue_edit_rows(issue: Issue):
    from django.contrib.contenttypes.models import ContentType

    return HistoryEvent.objects.filter(
        Q(action__startswith="bulletins.article.") | Q(action__startswith="bulletins.section."),
        subject_type=ContentType.objects.get_for_model(Issue),
        subject_id=str(issue.pk),
    )


def _move_is_undoable(event: HistoryEvent) -> bool:
    data = event.data or {}
    return "from_section" in data and "from_position" in data


# --- Services ------------------------------------------------------------------------


def _field(data: dict, key: str, default=None):
    """A field of a delete row: at the top of its data, or beside the text in ``before``."""
    if key in data:
        return data[key]
    return (data.get("before") or {}).get(key, default)


def _place(section: Section, article: Article, position: int) -> int:
    """Put ``article`` at ``position`` in ``section``, shifting the others down.

    Positions are unique within a section at every moment (a constraint, not a
    convention), so everything goes through a free range first.
    """
    others = list(section.articles.exclude(pk=article.pk).order_by("position"))
    position = max(0, min(position, len(others)))
    others.insert(position, article)
    base = (section.articles.aggregate(n=Max("position"))["n"] or 0) + len(others) + 1
    for i, a in enumerate(others):
        Article.objects.filter(pk=a.pk).update(section=section, position=base + i)
    for i, a in enumerate(others):
        Article.objects.filter(pk=a.pk).update(position=i)
    return position


def _deletion(issue: Issue, event_id: int) -> HistoryEvent:
    event = _issue_rows(issue, DELETE).filter(pk=event_id).first()
    if event is None or "before" not in (event.data or {}):
        raise CannotUndo("没有找到这篇被删除的文章的记录")
    return event


@transaction.atomic
def restore_article(issue: Issue, event_id: int, *, by) -> Article:
    """Recreate the article a ``bulletins.article.delete`` row recorded, where it was.

    Its blocks, credit, 导读标题, contributors and linked submissions come back;
    pictures are named as stored (deleting an article never removes a picture).
    Refused once the issue has left 编辑中, and for a deletion already undone.
    """
    issue = access_issue_for_edit(by, issue.pk)
    # One restore at a time per issue: the check below and the write agree.
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    event = _deletion(issue, event_id)
    if _issue_rows(issue, RESTORE).filter(data__event=event.pk).exists():
        raise CannotUndo(f"《{event.data.get('title', '')}》已经恢复过了")
    data = event.data
    before = data["before"]
    sections = issue.sections.order_by("position")
    # Its section, or when that was removed since, the first one shown.
    section = (
        sections.filter(pk=_field(data, "section")).first()
        or sections.filter(is_hidden=False).first()
    )
    if section is None:
        raise CannotUndo("本期没有可放入文章的栏目，无法恢复文章")
    require_visible(section)
    last = section.articles.aggregate(n=Max("position"))["n"]
    article = Article.objects.create(
        section=section,
        position=0 if last is None else last + 1,
        title=before.get("title") or data.get("title", ""),
        toc_title=before.get("toc_title", ""),
        credit=before.get("credit", ""),
    )
    Block.objects.bulk_create(
        block_row(block_from_dict(d), article=article, position=i)
        for i, d in enumerate(before.get("blocks", []))
    )
    _restore_links(article, data)
    # Its old place, in its own section; at the end of another.
    wanted = _field(data, "position") if section.pk == _field(data, "section") else None
    position = _place(section, article, section.articles.count() if wanted is None else wanted)
    record(
        RESTORE,
        by=by,
        subject=issue,
        data={
            "event": event.pk,
            "article": article.pk,
            "deleted_article": data.get("article"),
            "title": article.title,
            "section": section.pk,
            "position": position,
        },
    )
    issue_content_changed.send(sender=Issue, issue=issue)
    return article


def _restore_links(article: Article, data: dict) -> None:
    """Contributors, alliances and submissions, as far as the deletion recorded them."""
    contributors = _field(data, "contributors") or []
    known = set(
        Organisation.objects.filter(pk__in=[c["organisation"] for c in contributors]).values_list(
            "pk", flat=True
        )
    )
    ArticleContributor.objects.bulk_create(
        ArticleContributor(
            article=article,
            organisation_id=c["organisation"],
            position=i,
            name_as_printed=c.get("name_as_printed", ""),
        )
        for i, c in enumerate(c for c in contributors if c["organisation"] in known)
    )
    alliances = _field(data, "alliances") or []
    if alliances:
        article.alliances.set(Organisation.objects.filter(pk__in=alliances))
    submissions = _field(data, "submissions") or []
    if submissions:
        from jianbao.submissions.models import Submission

        # Only a submission still unattached: it may have been used again meanwhile.
        Submission.objects.filter(pk__in=submissions, article__isnull=True).update(article=article)


@transaction.atomic
def undo_move(issue: Issue, event_id: int, *, by) -> Article:
    """Move an article back to where a ``bulletins.article.move`` row says it came from.

    Only the issue's latest edit can be undone. The undo is a move too, recorded
    with ``undoes`` and with where it came from, so it reads as one in the history.
    """
    issue = access_issue_for_edit(by, issue.pk)
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    event = _issue_rows(issue, MOVE).filter(pk=event_id).first()
    if event is None:
        raise CannotUndo("没有找到这次移动的记录")
    data = event.data
    if _issue_rows(issue, MOVE).filter(data__undoes=event.pk).exists():
        raise CannotUndo(f"对《{data.get('title', '')}》的移动已经撤销过了")
    latest = last_undoable_move(issue)
    if latest is None or latest.event_id != event.pk:
        raise CannotUndo(f"移动《{data.get('title', '')}》之后本期又有修改，不能再撤销这次移动")
    article = Article.objects.filter(pk=data.get("article"), section__issue=issue).first()
    if article is None:
        raise CannotUndo(f"《{data.get('title', '')}》已不在本期，无法撤销移动")
    section = issue.sections.filter(pk=data["from_section"]).first()
    if section is None:
        raise CannotUndo(f"栏目“{data.get('from', '')}”已不在本期，无法撤销移动")
    if section.pk != article.section_id:
        require_visible(section)
    current, current_position = article.section, article.position
    position = _place(section, article, data["from_position"])
    if current.pk != section.pk:
        _place_all(current)
    record(
        MOVE,
        by=by,
        subject=issue,
        data={
            "undoes": event.pk,
            "article": article.pk,
            "title": article.title,
            "from": current.title,
            "to": section.title,
            "position": position,
            "from_section": current.pk,
            "from_position": current_position,
            "to_section": section.pk,
        },
    )
    issue_content_changed.send(sender=Issue, issue=issue)
    return article


def _place_all(section: Section) -> None:
    """Close the gap an article left: positions 0.. in their order."""
    ordered = list(section.articles.order_by("position").values_list("pk", flat=True))
    base = (section.articles.aggregate(n=Max("position"))["n"] or 0) + len(ordered) + 1
    for i, pk in enumerate(ordered):
        Article.objects.filter(pk=pk).update(position=base + i)
    for i, pk in enumerate(ordered):
        Article.objects.filter(pk=pk).update(position=i)
