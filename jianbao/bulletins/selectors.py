"""Reads of issues that more than one view or renderer needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class SignOff:
    editor: str = ""
    reviewer: str = ""
    signer: str = ""
    signed_on: datetime.date | None = None


def signoff(issue) -> SignOff:
    """本期编辑/审核/签发 and the 签发 date, replayed from the issue's history.

    An import states the names it found in the file; each later step of the
    sign-off names the person who took it, and a return starts the round again.
    """
    events = issue.events.all()
    if "events" not in getattr(issue, "_prefetched_objects_cache", {}):
        events = events.order_by("created_at", "id")
    editor = reviewer = signer = ""
    signed_on = None
    for event in events:
        if event.action in ("imported", "replaced"):
            data = event.data or {}
            editor, reviewer = data.get("editor", ""), data.get("reviewer", "")
            signer = data.get("signer", "")
            signed_on = datetime.date.fromisoformat(data["date"]) if data.get("date") else None
        elif event.action == "submit":
            editor, reviewer, signer, signed_on = event.actor_name, "", "", None
        elif event.action == "approve":
            reviewer = event.actor_name
        elif event.action == "sign":
            signer = event.actor_name
            signed_on = timezone.localdate(event.created_at)
        elif event.action == "return":
            reviewer = signer = ""
            signed_on = None
    return SignOff(editor, reviewer, signer, signed_on)


# --- One article's history ------------------------------------------------------------

# The article's fields as the editor knows them (the issue page's 修改记录 names them so).
FIELD_LABELS = {
    "title": "标题",
    "toc_title": "导读标题",
    "body": "正文",
    "credit": "供稿行",
}
# Where the row comes from, when not from the article's own edits.
FROM_REVIEW, FROM_SUBMISSION, FROM_ISSUE = "审核意见", "来稿", "本期"


@dataclass(frozen=True)
class HistoryRow:
    at: datetime.datetime
    who: str
    what: str
    detail: str = ""
    note: str = ""
    source: str = ""
    # Another article of the chain this row leads to (a restore makes a new article).
    link_article: int | None = None


@dataclass(frozen=True)
class ArticleHistory:
    issue: object
    article_id: int
    title: str
    # The article as it is now, or None once deleted.
    article: object | None
    # The article a restore made of this deleted one, still in the issue.
    restored_as: object | None
    rows: list[HistoryRow]


def _field_names(changed) -> str:
    """In the order the form shows them, not the stored alphabetical one."""
    order = list(FIELD_LABELS)
    ranked = sorted(changed, key=lambda f: order.index(f) if f in order else len(order))
    return "、".join(FIELD_LABELS.get(f, f) for f in ranked)


def _restore_links(issue_rows) -> list[tuple[int, int]]:
    """(deleted article, the article its restore made), from the issue's restore rows."""
    pairs = []
    for event in issue_rows.filter(action="bulletins.article.restore"):
        data = event.data or {}
        old, new = data.get("deleted_article"), data.get("article")
        if isinstance(old, int) and isinstance(new, int):
            pairs.append((old, new))
    return pairs


def _chain(article_id: int, pairs: list[tuple[int, int]]) -> set[int]:
    """The article and every earlier or later article a delete and restore connect it to:
    one article to the people working on it, though each restore gives it a new key."""
    ids, grown = {article_id}, True
    while grown:
        grown = False
        for old, new in pairs:
            if (old in ids) != (new in ids):
                ids |= {old, new}
                grown = True
    return ids


def _article_event_row(event, sections: dict[int, str], current_id: int) -> HistoryRow:
    from jianbao.core.history import action_label

    data = event.data or {}
    action, detail, note, source, link = event.action, "", event.comment, "", None
    what = action_label(action)
    if action in ("bulletins.article.edit", "bulletins.article.correct"):
        changed = data.get("changed") or []
        if changed:
            detail = f"改动：{_field_names(changed)}"
        before, after = data.get("before") or {}, data.get("after") or {}
        if "title" in changed and before.get("title") != after.get("title"):
            detail += f"；标题由《{before.get('title', '')}》改为《{after.get('title', '')}》"
    elif action == "bulletins.article.add":
        detail = f"《{data.get('title', '')}》"
    elif action == "bulletins.article.move":
        source_, target = data.get("from", ""), data.get("to", "")
        place = f"第{data['position'] + 1}位" if isinstance(data.get("position"), int) else ""
        if source_ == target:
            detail = f"在“{target}”内移到{place}"
        else:
            detail = f"从“{source_}”移到“{target}”" + (f"{place}" if place else "")
        if data.get("undoes"):
            what = "撤销移动"
    elif action == "bulletins.article.delete":
        section = sections.get((data.get("section") or 0), "")
        detail = f"《{data.get('title', '')}》" + (f"，原在“{section}”" if section else "")
    elif action == "bulletins.article.restore":
        section = sections.get(data.get("section") or 0, "")
        detail = f"《{data.get('title', '')}》" + (f"，放回“{section}”" if section else "")
        if data.get("article") != current_id:
            link = data.get("article")
    elif action.startswith("review.comment."):
        source = FROM_REVIEW
        if data.get("passage"):
            detail = f"针对：“{data['passage']}”"
        if action == "review.comment.resolve":
            note = ""
    elif action == "bulletins.section.reorder":
        what = "调整栏目内文章顺序"
        detail = f"栏目“{data.get('section', '')}”"
    return HistoryRow(
        at=event.created_at,
        who=event.actor_name or "系统",
        what=what,
        detail=detail,
        note=note,
        source=source,
        link_article=link,
    )


def _submission_rows(submission_ids: set[int]) -> list[HistoryRow]:
    from jianbao.core.roles import display_name
    from jianbao.submissions.models import Submission, SubmissionEvent
    from jianbao.submissions.services import event_label

    senders = {
        s.pk: (s.alliance.name if s.alliance_id else s.sender_email)
        for s in Submission.objects.filter(pk__in=submission_ids).select_related("alliance")
    }
    rows = []
    events = SubmissionEvent.objects.filter(submission_id__in=submission_ids).select_related(
        "actor"
    )
    for event in events.order_by("created_at", "id"):
        if event.actor_id:
            who = display_name(event.actor)
        elif event.action == "received" and senders.get(event.submission_id):
            who = senders[event.submission_id]
        else:
            who = "系统"
        rows.append(
            HistoryRow(
                at=event.created_at,
                who=who,
                what=event_label(event.action),
                detail=f"《{event.submission_label}》",
                note=event.comment,
                source=FROM_SUBMISSION,
            )
        )
    return rows


def article_history(issue, article_id: int) -> ArticleHistory | None:
    """Who created, edited, moved, deleted, restored, accepted or commented on one
    article of ``issue``, and when, oldest first; None when the issue never held it.

    The rows are read from the shared history, where each keeps the article's
    title, so a deleted article's history stays readable. They are the article's
    own rows, those of other apps that name it (review comments; later, proofing),
    and the history of the submissions it was accepted from.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from jianbao.bulletins.models import Article, Issue
    from jianbao.core.models import HistoryEvent

    issue_rows = HistoryEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(Issue), subject_id=str(issue.pk)
    )
    ids = _chain(article_id, _restore_links(issue_rows))
    current = {
        a.pk: a
        for a in Article.objects.filter(pk__in=ids, section__issue=issue).select_related("section")
    }
    events = list(
        HistoryEvent.objects.filter(
            Q(pk__in=issue_rows.filter(data__article__in=sorted(ids)))
            | Q(
                subject_type=ContentType.objects.get_for_model(Article),
                subject_id__in=[str(i) for i in ids],
            )
        ).order_by("created_at", "id")
    )
    if article_id not in current and not any(
        (e.data or {}).get("article") == article_id
        or (e.data or {}).get("deleted_article") == article_id
        for e in events
    ):
        return None
    # Reordering a section names all its articles in a list, not one in "article".
    events += [
        e
        for e in issue_rows.filter(action="bulletins.section.reorder")
        if ids & set((e.data or {}).get("articles") or [])
    ]
    sections = dict(issue.sections.values_list("pk", "title"))
    rows = [_article_event_row(e, sections, article_id) for e in events]

    submissions = set()
    for article in current.values():
        submissions |= set(article.submissions.values_list("pk", flat=True))
    for event in events:
        if event.action == "bulletins.article.delete":
            submissions |= set((event.data or {}).get("submissions") or [])
    rows += _submission_rows(submissions)
    if not any(e.action in ("bulletins.article.add", "bulletins.article.restore") for e in events):
        # An article that came with an imported issue has no row of its own.
        imported = (
            issue.events.filter(action__in=("imported", "replaced"))
            .order_by("-created_at", "-id")
            .first()
        )
        if imported is not None:
            rows.append(
                HistoryRow(
                    at=imported.created_at,
                    who=imported.actor_name or "系统",
                    what=f"随本期{imported.get_action_label()}",
                    source=FROM_ISSUE,
                )
            )
    rows.sort(key=lambda row: row.at)

    article = current.get(article_id)
    # The newest surviving article of the chain: what a restore of this one became.
    restored_as = None
    if article is None:
        survivors = sorted(current.values(), key=lambda a: a.pk)
        restored_as = survivors[-1] if survivors else None
    title = (
        article.title
        if article
        else next(
            (
                (e.data or {}).get("title")
                for e in reversed(events)
                if (e.data or {}).get("article") == article_id and (e.data or {}).get("title")
            ),
            "",
        )
    )
    return ArticleHistory(
        issue=issue,
        article_id=article_id,
        title=title,
        article=article,
        restored_as=restored_as,
        rows=rows,
    )
