"""Receiving news from alliances, and the editor's decisions on it."""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta

import nh3
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jianbao.bulletins.editing import access_issue_for_edit, add_article
from jianbao.bulletins.models import ArticleContributor, Issue, Section, Series
from jianbao.core.errors import JianbaoError, UnreadableFile
from jianbao.core.history import record
from jianbao.core.limits import ParseBudget, parse_limits
from jianbao.core.models import Role
from jianbao.core.roles import has_role
from jianbao.core.text import decode_text, describe_binary, describe_markup, fold
from jianbao.network.selectors import alliances_of
from jianbao.publishing import pictures
from jianbao.publishing.ingest import check_text_limits
from jianbao.publishing.ingest.docx import DocxContent, docx_to_markup
from jianbao.publishing.ingest.legacy import legacy_to_markup
from jianbao.publishing.markup import block_to_markup, is_desk_heading, picture_path_of
from jianbao.publishing.parsed import HEADING, IMAGE, PARAGRAPH
from jianbao.publishing.parsed import Block as ContentBlock
from jianbao.submissions.models import Attachment, Submission, SubmissionEvent

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# An OLE compound file: Word 97–2003 .doc, WPS .wps, but also .xls, .ppt, .msg.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


# The submission's history as people read it, never the stored word ("received").
EVENT_LABELS = {
    "received": "收到投稿",
    "read": "读取附件",
    "read_warning": "读取提示",
    "refused": "未能读取",
    "revised": "修改后重新提交",
    "accepted": "采用",
    "returned": "退回修改",
    "rejected": "不采用",
    "acknowledged": "已发送收稿回执",
    "mail_note": "邮件处理说明",
}


def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, "其他处理")


class AttachmentRefused(JianbaoError):
    pass


@dataclass(frozen=True)
class ReadAttachment:
    name: str
    data: bytes
    kind: str
    content_type: str
    title: str = ""
    # The body's blocks, each in the text markup (publishing.markup): a Word
    # file's pictures are stored already and named by their stored names.
    paragraphs: tuple[str, ...] = ()
    # What the file held that the body does not (a text box, a refused picture).
    warnings: tuple[str, ...] = ()
    # An attached picture: its stored name (publishing.pictures).
    picture: str = ""


def default_credit(alliance) -> str:
    return f"{alliance.name}秘书处供稿" if alliance else ""


def html_to_paragraphs(markup: str) -> list[str]:
    """Paragraphs of pasted or mailed HTML, after nh3 has removed everything unsafe."""
    block_tags = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
    clean = nh3.clean(markup, tags=block_tags | {"span", "b", "strong", "i", "em"}, attributes={})
    marked = re.sub(r"</?(?:p|div|br|li|h[1-6]|tr)\s*/?>", "\n", clean, flags=re.I)
    text = html.unescape(re.sub(r"<[^<>]+>", "", marked))
    return [p.strip() for p in text.split("\n") if p.strip()]


def text_to_paragraphs(text: str) -> list[str]:
    """A pasted body: Word's paste puts each paragraph on its own line.

    The lines of one table (``| … |``) or one note (``> …``) of the text
    markup stay one block, with a 表… caption line right above a table, so a
    body written in the markup (or read from a Word file) keeps its tables.
    """
    if re.search(r"<(p|div|br|span|b|strong)\b", text, re.I):
        return html_to_paragraphs(text)
    out: list[str] = []
    previous = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip().strip("\u3000")
        kind = "table" if line.startswith("|") else "note" if line.startswith(">") else "text"
        if not line:
            previous = ""
            continue
        joins = kind != "text" and (
            previous == kind or (kind == "table" and previous == "text" and _caption_only(out))
        )
        if joins:
            out[-1] += "\n" + line
        else:
            out.append(line)
        previous = kind
    return out


def _caption_only(out: list[str]) -> bool:
    return bool(out) and "\n" not in out[-1] and bool(re.match(r"^表(?:[：:]|\d)", out[-1]))


def limited_paragraphs(text: str, name: str) -> list[str]:
    """Pasted or mailed text as paragraphs, refused past the limits before any regex runs."""
    try:
        check_text_limits(text, ParseBudget(name))
    except UnreadableFile as exc:
        raise AttachmentRefused(str(exc)) from None
    return text_to_paragraphs(text)


PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic")
# Enough of a file's start to tell its kind, an XML declaration before <svg> included.
HEAD_BYTES = 512


def check_upload(name: str, size: int, head: bytes) -> None:
    """What can be told from a file's size and first bytes, before it is stored or read."""
    if size > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(f"{name}：文件过大（上限 20 MB）")
    if not size:
        raise AttachmentRefused(f"{name}：文件是空的")
    accepted = (b"PK\x03\x04", b"%PDF", OLE_SIGNATURE, *IMAGE_SIGNATURES)
    what = describe_binary(head)
    if what and not head.startswith(accepted):
        raise AttachmentRefused(f"{name}：不接受此类文件（内容是{what}）")
    # Markup named as a picture is a disguise (a browser would run its script);
    # an honestly named .html or .svg stays a file for the editor, downloaded safely.
    if (what := describe_markup(head)) and name.lower().endswith(PICTURE_SUFFIXES):
        raise AttachmentRefused(f"{name}：不接受此类文件（名为图片，内容却是{what}）")


def read_attachment(name: str, data: bytes) -> ReadAttachment:
    """Classify a file by its content, never its name, and read what we can, within limits.

    Slow for a large Word file: call it from the worker, never inside a
    request or a write transaction.
    """
    check_upload(name, len(data), data[:HEAD_BYTES])
    budget = ParseBudget(name)
    if data.startswith(b"PK\x03\x04"):
        try:
            content = docx_to_markup(data, name, budget=budget)
        except UnreadableFile as exc:
            raise AttachmentRefused(str(exc)) from None
        title, blocks, warnings = _docx_body(content, name)
        return ReadAttachment(
            name,
            data,
            Attachment.Kind.DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            title=title,
            paragraphs=tuple(block_to_markup(b) for b in blocks),
            warnings=warnings,
        )
    for signature, content_type in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            # A picture the store refuses stays an attachment for the editor,
            # out of the body, and is named in a warning.
            try:
                stored = pictures.accept(data, filename=name)
            except pictures.PictureRejected as exc:
                return ReadAttachment(
                    name,
                    data,
                    Attachment.Kind.IMAGE,
                    content_type,
                    warnings=(f"{exc}，未放入正文",),
                )
            return ReadAttachment(
                name, data, Attachment.Kind.IMAGE, content_type, picture=stored.name
            )
    if data.startswith(OLE_SIGNATURE):
        return _read_legacy(name, data, budget)
    if data.startswith(b"%PDF"):
        return ReadAttachment(name, data, Attachment.Kind.MANUAL, "application/pdf")
    what = describe_binary(data)
    if what:
        raise AttachmentRefused(f"{name}：不接受此类文件（内容是{what}）")
    try:
        text, _ = decode_text(data, name)
    except UnreadableFile as exc:
        raise AttachmentRefused(
            f"{name}：只接受 Word（.docx、.doc）、WPS、文本和图片文件（{exc.reason}）"
        ) from None
    paragraphs = limited_paragraphs(text, name)
    return ReadAttachment(
        name,
        data,
        Attachment.Kind.TEXT,
        "text/plain",
        title=paragraphs[0] if paragraphs else "",
        paragraphs=tuple(paragraphs[1:]),
    )


def _read_legacy(name: str, data: bytes, budget: ParseBudget) -> ReadAttachment:
    """A Word 97–2003 or WPS file, read as its ``.docx`` conversion (LibreOffice, a
    second or so). One that cannot be converted (broken, an .xls, a password) stays
    attached for the editor, flagged, with the reason on the submission's page."""
    try:
        content = legacy_to_markup(data, name, budget=budget)
    except UnreadableFile as exc:
        return ReadAttachment(
            name,
            data,
            Attachment.Kind.MANUAL,
            "application/msword",
            warnings=(f"{exc}；原文件已保留，需人工处理",),
        )
    title, blocks, warnings = _docx_body(content, name)
    return ReadAttachment(
        name,
        data,
        Attachment.Kind.DOC,
        "application/msword",
        title=title,
        paragraphs=tuple(block_to_markup(b) for b in blocks),
        warnings=warnings,
    )


def _docx_body(content: DocxContent, name: str) -> tuple[str, list[ContentBlock], tuple[str, ...]]:
    """(title, body blocks, warnings) of a Word file, its pictures stored.

    The first paragraph is the title. A picture the store refuses (an EMF
    drawing, a broken file) is left out of the body and named in a warning;
    the Word file itself stays attached for the editor.
    """
    warnings = [w.message for w in content.warnings]
    stored: dict[str, str] = {}
    number = 0
    blocks: list[ContentBlock] = []
    for block in content.blocks:
        if block.kind == IMAGE:
            number += 1
            if block.file not in stored:
                label = f"第{number}张图片" + (f"（{block.caption}）" if block.caption else "")
                try:
                    picture = pictures.accept(
                        content.pictures[block.file], filename=label, where=name
                    )
                except pictures.PictureRejected as exc:
                    warnings.append(f"{exc}，未放入正文")
                    stored[block.file] = ""
                else:
                    stored[block.file] = picture.name
            if stored[block.file]:
                blocks.append(replace(block, file=stored[block.file]))
        elif block.kind in (PARAGRAPH, HEADING) and is_desk_heading(block.text):
            # As the desk reads typed text: a short 一、… line is a heading.
            blocks.append(ContentBlock(HEADING, block.text))
        else:
            blocks.append(block)
    first = next((k for k, b in enumerate(blocks) if b.kind in (PARAGRAPH, HEADING)), None)
    title = blocks.pop(first).text if first is not None else ""
    return title, blocks, tuple(warnings)


def _with_pictures(paragraphs: list[str], read: list[ReadAttachment]) -> list[str]:
    """The body with each attached picture as a picture block at its end (alt: the
    file name), unless the body shows that picture already (a photo sent both in
    the Word file and beside it)."""
    body = "\n\n".join(paragraphs)
    out = list(paragraphs)
    for item in read:
        if item.picture and f"]({item.picture}" not in body:
            out.append(block_to_markup(ContentBlock(IMAGE, file=item.picture, alt=item.name)))
            body += f"]({item.picture}"
    return out


def _record(
    submission: Submission, action: str, *, by, from_state: str = "", comment: str = ""
) -> None:
    SubmissionEvent.objects.create(
        submission=submission,
        submission_label=str(submission)[:300],
        action=action,
        from_state=from_state,
        to_state=submission.state,
        actor=by,
        comment=comment,
    )


@transaction.atomic
def receive(
    *,
    title: str,
    paragraphs: list[str],
    alliance=None,
    credit: str = "",
    by=None,
    source: str = Submission.Source.WEB,
    attachments: list[ReadAttachment] = (),
    sender_email: str = "",
    message_id: str | None = None,
) -> Submission:
    """Store a new submission with its files; the text may come from an attachment."""
    for attachment in attachments:
        if attachment.paragraphs and not paragraphs:
            paragraphs = list(attachment.paragraphs)
            title = title or attachment.title
    paragraphs = _with_pictures(list(paragraphs), list(attachments))
    title = title.strip()
    if not title:
        raise JianbaoError("稿件没有标题")
    submission = Submission.objects.create(
        source=source,
        alliance=alliance,
        submitted_by=by,
        title=title,
        body="\n\n".join(paragraphs),
        credit=(credit or default_credit(alliance)).strip("（）()"),
        sender_email=sender_email,
        message_id=message_id,
        needs_manual_handling=any(a.kind == Attachment.Kind.MANUAL for a in attachments),
    )
    for attachment in attachments:
        stored = Attachment(
            submission=submission,
            original_name=attachment.name,
            content_type=attachment.content_type,
            size=len(attachment.data),
            kind=attachment.kind,
        )
        stored.file.save(_safe_filename(attachment.name), ContentFile(attachment.data), save=False)
        stored.save()
    _record(submission, "received", by=by)
    _record_warnings(submission, attachments)
    return submission


def _record_warnings(submission: Submission, read) -> None:
    """What the files held that the body does not, one history row each, for the editor."""
    for item in read:
        for warning in item.warnings:
            _record(submission, "read_warning", by=None, comment=warning)


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^\w.\-\u3400-\u9fff]", "_", name)[:150] or "file"


NO_TITLE = "请填写标题，或上传含标题的 Word 文档"


def _upload(file) -> tuple[str, File, int]:
    """(name, file, size) of an upload or of a (name, bytes) pair, checked by size first."""
    if isinstance(file, tuple):
        name, data = file
        file = ContentFile(data, name=name)
    name, size = file.name or "file", file.size
    head = b""
    if 0 < size <= MAX_ATTACHMENT_BYTES:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        file.seek(0)
    check_upload(name, size, head)
    return name, file, size


def submit(*, by, alliance, title: str, body: str, credit: str, files=()) -> Submission:
    """A secretariat's item from the web form.

    Files (uploads, or (name, bytes) pairs) are checked by size and first
    bytes only, and stored raw; the submission waits as “正在处理” until the
    worker has read them (see ``read_files``).  Without files it is ready at once.
    """
    require_alliance(by, alliance)
    most = parse_limits().attachments
    if len(files) > most:
        raise AttachmentRefused(f"附件超过 {most} 个，超出上限")
    uploads = [_upload(f) for f in files]
    paragraphs = limited_paragraphs(body, "正文")
    title = title.strip()
    if not uploads:
        if not title:
            raise JianbaoError(NO_TITLE)
        if not paragraphs:
            raise JianbaoError("请填写正文或上传 Word 文档")
        return receive(title=title, paragraphs=paragraphs, alliance=alliance, credit=credit, by=by)
    with transaction.atomic():
        submission = Submission.objects.create(
            source=Submission.Source.WEB,
            alliance=alliance,
            submitted_by=by,
            title=title[:500],
            body="\n\n".join(paragraphs),
            credit=(credit or default_credit(alliance)).strip("（）()"),
            state=Submission.State.PROCESSING,
        )
        saved = []
        try:
            for name, file, size in uploads:
                stored = Attachment(
                    submission=submission,
                    original_name=name[:300],
                    content_type="application/octet-stream",
                    size=size,
                    kind=Attachment.Kind.PENDING,
                )
                stored.file.save(_safe_filename(name), file, save=False)
                saved.append(stored.file)
                stored.save()
        except BaseException:
            for field in saved:  # the rows roll back; their files must go too
                field.storage.delete(field.name)
            raise
        _record(submission, "received", by=by, comment="附件待读取")
        submission_id = submission.pk
        transaction.on_commit(lambda: enqueue_reading(submission_id))
    return submission


def submit_from_web(user, **kwargs) -> Submission:
    """The older name of ``submit``, with the actor first."""
    return submit(by=user, **kwargs)


def enqueue_reading(submission_id: int) -> None:
    from jianbao.submissions.tasks import read_files

    read_files.enqueue(submission_id)


def read_files(submission_id: int) -> str:
    """The worker's half of ``submit``: read the stored files, then store what they say.

    The reading happens outside any transaction, so a slow file holds no
    lock; the result is written in one short transaction afterwards.
    """
    submission = Submission.objects.filter(
        pk=submission_id, state=Submission.State.PROCESSING
    ).first()
    if submission is None:
        return "skipped"
    results: list[tuple[int, ReadAttachment | None, str]] = []
    for attachment in submission.attachments.filter(kind=Attachment.Kind.PENDING).order_by("pk"):
        name = attachment.original_name
        try:
            with attachment.file.open("rb") as stored:
                data = stored.read(MAX_ATTACHMENT_BYTES + 1)
            results.append((attachment.pk, read_attachment(name, data), ""))
        except AttachmentRefused as exc:
            results.append((attachment.pk, None, str(exc)))
        except Exception:  # a file no reader expected must not leave it “processing”
            logger.exception("submission %s: reading %s failed", submission_id, name)
            results.append((attachment.pk, None, f"{name}：无法读取此文件"))
    return _store_reading(submission_id, results)


@transaction.atomic
def _store_reading(submission_id: int, results) -> str:
    submission = (
        Submission.objects.select_for_update()
        .filter(pk=submission_id, state=Submission.State.PROCESSING)
        .first()
    )
    if submission is None:
        return "skipped"
    refused = [reason for _pk, _read, reason in results if reason]
    read = [(pk, item) for pk, item, _reason in results if item is not None]
    title, paragraphs = submission.title, submission.paragraphs
    for _pk, item in read:
        if item.paragraphs and not paragraphs:
            paragraphs, title = list(item.paragraphs), title or item.title
        elif item.paragraphs:
            # The typed text wins, but the file's pictures still reach the editor.
            paragraphs += [p for p in item.paragraphs if picture_path_of(p) is not None]
    if not refused and not title.strip():
        # Why a file gave no text (a .doc that would not convert) explains the refusal.
        unread = [
            w for _pk, item in read if item.kind == Attachment.Kind.MANUAL for w in item.warnings
        ]
        refused = [NO_TITLE, *unread]
    from_state = submission.state
    for pk, item in read:
        Attachment.objects.filter(pk=pk).update(kind=item.kind, content_type=item.content_type)
    if refused:
        # Refused files are not kept; their names stay in the history.
        Attachment.objects.filter(pk__in=[pk for pk, _item, reason in results if reason]).delete()
        submission.state = Submission.State.REFUSED
        submission.refusal = "\n".join(refused)
        submission.save()
        _record(submission, "refused", by=None, from_state=from_state, comment=submission.refusal)
        return "refused"
    paragraphs = _with_pictures(list(paragraphs), [item for _pk, item in read])
    submission.title = title.strip()[:500]
    submission.body = "\n\n".join(paragraphs)
    submission.needs_manual_handling = any(i.kind == Attachment.Kind.MANUAL for _pk, i in read)
    submission.state = Submission.State.RECEIVED
    submission.save()
    _record(submission, "read", by=None, from_state=from_state, comment="附件已读取")
    _record_warnings(submission, [item for _pk, item in read])
    return "received"


def recover_processing(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the submissions a dead worker left “processing”; reading twice is harmless."""
    stale = Submission.objects.filter(
        state=Submission.State.PROCESSING, updated_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale:
        enqueue_reading(pk)
        count += 1
    return count


@transaction.atomic
def delete_submission(submission: Submission, *, by, comment: str = "") -> None:
    """Delete a submission; its history stays, and its files go once the deletion commits."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _record_deletion(submission, by=by, comment=comment)
    submission.delete()


def _record_deletion(submission: Submission, *, by, comment: str = "") -> None:
    record(
        "submissions.submission.delete",
        by=by,
        subject=submission,
        comment=comment,
        from_state=submission.state,
        data={
            "title": submission.title,
            "alliance": str(submission.alliance) if submission.alliance_id else "",
            "source": submission.source,
            "attachments": list(submission.attachments.values_list("original_name", flat=True)),
        },
    )
    submission._deletion_recorded = True


def deletion_without_service(instance: Submission) -> None:
    """A deletion that did not come through ``delete_submission`` (say, a bulk delete)."""
    if not getattr(instance, "_deletion_recorded", False):
        _record_deletion(instance, by=None, comment="未经工作台删除")


def require_alliance(user, alliance) -> None:
    if alliance is None or not alliances_of(user).filter(pk=alliance.pk).exists():
        raise PermissionDenied("只能以本联盟名义投稿")


def visible_submissions(user):
    if has_role(user, Role.EDITOR):
        return Submission.objects.all()
    if has_role(user, Role.SUBMITTER):
        return Submission.objects.filter(alliance__in=alliances_of(user))
    return Submission.objects.none()


def access_submission(user, submission_id: int) -> Submission:
    submission = (
        visible_submissions(user)
        .select_related("alliance", "issue")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise PermissionDenied("无权查看这份稿件")
    return submission


@transaction.atomic
def revise(submission: Submission, *, by, title: str, body: str, credit: str) -> Submission:
    require_alliance(by, submission.alliance)
    revisable = (Submission.State.RECEIVED, Submission.State.RETURNED, Submission.State.REFUSED)
    if submission.state not in revisable:
        raise JianbaoError(f"稿件状态为“{submission.get_state_display()}”，不能再修改")
    from_state = submission.state
    submission.title = title.strip()
    submission.body = "\n\n".join(limited_paragraphs(body, "正文"))
    submission.credit = credit.strip().strip("（）()")
    submission.state = Submission.State.RECEIVED
    submission.save()
    _record(submission, "revised", by=by, from_state=from_state)
    return submission


@transaction.atomic
def accept_into(submission: Submission, *, issue: Issue, section: Section, by):
    if not has_role(by, Role.EDITOR):
        raise PermissionDenied("只有编辑可以采用稿件")
    issue = access_issue_for_edit(by, issue.pk)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.state != Submission.State.RECEIVED:
        raise JianbaoError(f"稿件状态为“{submission.get_state_display()}”，不能采用")
    article = add_article(
        issue,
        section,
        by=by,
        title=submission.title,
        body=submission.body,
        credit=submission.credit,
    )
    if submission.alliance_id:
        ArticleContributor.objects.create(
            article=article,
            organisation=submission.alliance,
            position=0,
            name_as_printed=submission.alliance.name,
        )
        article.alliances.add(submission.alliance)
    from_state = submission.state
    submission.state, submission.issue, submission.article = (Submission.State.USED, issue, article)
    submission.save()
    _record(submission, "accepted", by=by, from_state=from_state, comment=issue.label)
    from jianbao.bulletins import notifications

    transaction.on_commit(lambda: notifications.submission_used(submission.pk))
    return article


class BatchRefused(JianbaoError):
    """One item of a batch accept was refused; none of the batch was accepted."""

    def __init__(self, message: str, *, submission: Submission):
        self.submission = submission
        super().__init__(message)


def accept_many(pairs, *, issue: Issue, by) -> list:
    """Accept each (submission, section) into ``issue``, all or none.

    The first refusal undoes the items accepted before it (their articles,
    states, history rows and the submitters' mail, which waits for the commit)
    and names itself.
    """
    pairs = list(pairs)
    articles = []
    with transaction.atomic():
        for submission, section in pairs:
            try:
                articles.append(accept_into(submission, issue=issue, section=section, by=by))
            except (JianbaoError, PermissionDenied) as exc:
                raise BatchRefused(
                    f"《{submission.title}》未能采用：{exc}。所选稿件均未采用，请处理后重试",
                    submission=submission,
                ) from exc
    return articles


@transaction.atomic
def return_with_comment(submission: Submission, *, by, comment: str) -> Submission:
    return _decide(
        submission, Submission.State.RETURNED, by=by, comment=comment, needs_comment=True
    )


@transaction.atomic
def reject(submission: Submission, *, by, comment: str = "") -> Submission:
    return _decide(submission, Submission.State.REJECTED, by=by, comment=comment)


def _decide(submission, state, *, by, comment, needs_comment=False):
    if not has_role(by, Role.EDITOR):
        raise PermissionDenied("只有编辑可以处理稿件")
    if submission.state != Submission.State.RECEIVED:
        raise JianbaoError(f"稿件状态为“{submission.get_state_display()}”，不能再处理")
    if needs_comment and not comment.strip():
        raise JianbaoError("退回修改必须填写意见")
    from_state = submission.state
    submission.state, submission.editor_comment = state, comment.strip()
    submission.save()
    _record(submission, state, by=by, from_state=from_state, comment=comment.strip())
    return submission


def _shingles(text: str) -> set[str]:
    text = fold(text)
    return {text[i : i + 3] for i in range(max(len(text) - 2, 1))}


def near_duplicates(submission: Submission, *, threshold: float = 0.8, days: int = 365):
    """Earlier items with nearly the same text, such as the same news sent twice."""
    mine = _shingles(submission.title + submission.body)
    since = timezone.now() - timedelta(days=days)
    candidates = (
        Submission.objects.exclude(pk=submission.pk)
        # Not yet read, or unreadable: no text to compare.
        .exclude(state__in=[Submission.State.PROCESSING, Submission.State.REFUSED])
        .filter(created_at__gte=since)
        .filter(Q(created_at__lte=submission.created_at))
        .only("id", "title", "body", "state", "created_at")[:500]
    )
    found = []
    for other in candidates:
        theirs = _shingles(other.title + other.body)
        score = len(mine & theirs) / max(len(mine | theirs), 1)
        if score >= threshold:
            found.append((other, score))
    return sorted(found, key=lambda pair: -pair[1])


def suggest_section(submission: Submission, series: Series) -> str | None:
    """The section where this alliance's news usually went; else the series' last section."""
    titles = list(series.sections.order_by("position").values_list("title", flat=True))
    if not titles:
        return None
    if submission.alliance_id:
        used = Counter(
            ArticleContributor.objects.filter(
                organisation_id=submission.alliance_id, article__section__issue__series=series
            ).values_list("article__section__title", flat=True)
        )
        for title, _count in used.most_common():
            if title in titles:
                return title
        return titles[-1]
    return titles[0]
