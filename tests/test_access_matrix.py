"""Every role against every page and action of the site, and a guard that no URL escapes.

The table below is the policy, written out by hand (README “角色”, issue #12):
it is not read from the code under test.  A cell passes only on proof:

- allowed: a GET answers 200 with a marker of the real content; a POST has
  its effect in the database (the state moved, the row exists);
- refused: 403 (anonymous visitors: a redirect to the login page; the Django
  admin sends people without admin access to its own login page) and, for a
  POST, the database unchanged to the byte (``database_fingerprint``);
- declined: the right person asking for something the object's state or the
  input does not allow: no 500, no success, and the database unchanged;
- hidden: 404 for everybody (unpublished content on the public site);
- a redirect to where that person belongs (the desk's home page).

A redirect alone never counts as allowed: views redirect when they refuse, too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jianbao.archive.caching import forget_version
from jianbao.bulletins import editing, workflow
from jianbao.bulletins.editing import next_numbers
from jianbao.bulletins.models import Article, Issue, IssueRevision, Section, Series
from jianbao.core.models import HistoryEvent, Role, RoleGrant
from jianbao.distribution.models import Delivery, IssueDistribution, Recipient
from jianbao.network.models import (
    CommitteeOpinion,
    MembershipApplication,
    MergeDecision,
    Objection,
    ProfileChange,
)
from jianbao.submissions.models import Submission
from tests.matrix_fixtures import (
    ADMIN,
    ANON,
    COMMITTEE,
    DOCUMENT,
    EDITOR,
    OTHER_SUBMITTER,
    PARTICULARS,
    REVIEWER,
    ROLES,
    SIGNER,
    SUBMITTER,
    SUPERUSER,
    World,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

ALLOWED, REFUSED, DECLINED, HIDDEN = "allowed", "refused", "declined", "hidden"

EVERYBODY = frozenset(ROLES)
LOGGED_IN = EVERYBODY - {ANON}
DESK = frozenset({EDITOR, REVIEWER, SIGNER})
SUBMITTERS = frozenset({SUBMITTER, OTHER_SUBMITTER})
# The network's office (协发网秘书处): administrators and the bulletin's editors.
OFFICE = frozenset({EDITOR, ADMIN, SUPERUSER})
ADMINISTRATORS = frozenset({ADMIN, SUPERUSER})
# Who sees an application: the office, the committee, the applying alliance.
APPLICATION_READERS = OFFICE | {COMMITTEE, SUBMITTER}
DELIVERY_STAFF = frozenset({EDITOR, SIGNER, ADMIN, SUPERUSER})
NOBODY = frozenset()
ADMIN_LOGIN = "/admin/login/"


@dataclass(frozen=True)
class Row:
    """One URL and method (and, for POSTs, one distinct action) against every role."""

    name: str  # the URL pattern's name, "namespace:name"
    method: str
    url: Callable[[World], str]
    allow: frozenset
    label: str = ""
    # GET: text (or bytes) that proves the real page; may depend on the role.
    marker: Callable | str | bytes | None = None
    absent: Callable | str | None = None
    # POST: the request body, and the assertion that proves the effect.
    data: Callable | None = None
    effect: Callable | None = None
    declined: frozenset = NOBODY
    hidden: bool = False  # 404 for everybody
    redirect: dict = field(default_factory=dict)  # role -> where they are sent instead
    # For the few rows where ignoring a read-only field is as good a refusal as a
    # 403: what must stay the same (the whole database may not, e.g. last changed).
    keeps: Callable | None = None
    # Where a refused anonymous visitor is sent; None for pages nobody is refused.
    login: str | None = "/accounts/login/"

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}" + (f"[{self.label}]" if self.label else "")

    def expected(self, role: str) -> str:
        if self.hidden:
            return HIDDEN
        if role in self.redirect:
            return "redirect"
        if role in self.allow:
            return ALLOWED
        if role in self.declined:
            return DECLINED
        return REFUSED


def get(name, url, allow, **kw) -> Row:
    return Row(name=name, method="GET", url=url, allow=frozenset(allow), **kw)


def post(name, label, url, allow, data, effect, **kw) -> Row:
    return Row(
        name=name,
        method="POST",
        label=label,
        url=url,
        allow=frozenset(allow),
        data=data,
        effect=effect,
        **kw,
    )


def rev(name, *args, query=""):
    return reverse(name, args=args) + (f"?{query}" if query else "")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def gone(obj) -> bool:
    return not type(obj).objects.filter(pk=obj.pk).exists()


def state_is(obj_of, state):
    def effect(w, role, response):
        assert fresh(obj_of(w)).state == state

    return effect


# --- The desk: issues and their sign-off --------------------------------------------


def _dated(iso):
    def effect(w, role, response):
        assert str(fresh(w.editing_issue).date) == iso

    return effect


def transition(label, issue_of, action, allow, to_state, comment=""):
    return post(
        "desk:transition",
        label,
        lambda w: rev("desk:transition", issue_of(w).pk),
        allow,
        lambda w, r: {"action": action, "comment": comment},
        state_is(issue_of, to_state),
    )


def _png_upload(w, r):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return {"file": SimpleUploadedFile("会场.png", buffer.getvalue(), "image/png")}


def _picture_stored(w, r, response):
    from jianbao.publishing.models import Picture

    data = response.json()
    assert (data["width"], data["height"]) == (64, 48)
    assert Picture.objects.filter(name=data["name"]).exists()


def first_article(w):
    return w.article_of(w.editing_issue)


def section_of(w):
    return first_article(w).section


def scraped(url_of, role=EDITOR, having=None, **changes):
    """The form as ``role`` is offered it, with ``changes``: whoever then posts it."""

    def data(w, r):
        values = w.form(role, url_of(w), having=having)
        values.update({k: v(w) if callable(v) else v for k, v in changes.items()})
        return values

    return data


def _new_issue_numbers(w, r):
    number, running = next_numbers(w.series, 2027)
    return {"year": 2027, "number": number, "running_number": running}


DESK_ROWS = [
    get(
        "desk:home",
        lambda w: (w.editing_issue, w.review_issue, w.signing_issue, rev("desk:home"))[-1],
        DESK | ADMINISTRATORS,
        marker=lambda w, r: {
            EDITOR: w.editing_issue.label,
            REVIEWER: w.review_issue.label,
            SIGNER: w.signing_issue.label,
        }.get(r, "<title>工作台 · 简报工作台</title>"),
        redirect={
            SUBMITTER: "submissions:mine",
            OTHER_SUBMITTER: "submissions:mine",
            COMMITTEE: "network:applications",
        },
    ),
    get(
        "desk:issues",
        lambda w: (w.editing_issue, rev("desk:issues"))[-1],
        DESK,
        marker=lambda w, r: w.editing_issue.label,
    ),
    get("desk:issue_new", lambda w: rev("desk:issue_new"), {EDITOR}, marker="总期号"),
    post(
        "desk:issue_new",
        "create",
        lambda w: rev("desk:issue_new"),
        {EDITOR},
        _new_issue_numbers,
        lambda w, r, resp: Issue.objects.get(year=2027, number=1),
    ),
    get(
        "desk:issue",
        lambda w: rev("desk:issue", w.editing_issue.pk),
        DESK,
        marker=lambda w, r: first_article(w).title,
    ),
    transition("submit", lambda w: w.editing_issue, "submit", {EDITOR}, Issue.State.REVIEW),
    transition("approve", lambda w: w.review_issue, "approve", {REVIEWER}, Issue.State.SIGNING),
    transition(
        "return from review",
        lambda w: w.review_issue,
        "return",
        {REVIEWER},
        Issue.State.EDITING,
        comment="请修改第二段",
    ),
    transition("sign", lambda w: w.signing_issue, "sign", {SIGNER}, Issue.State.SIGNED),
    transition(
        "return from signing",
        lambda w: w.signing_issue,
        "return",
        {SIGNER},
        Issue.State.EDITING,
        comment="请补充",
    ),
    transition("publish", lambda w: w.signed_issue, "publish", {SIGNER}, Issue.State.PUBLISHED),
    transition(
        "withdraw",
        lambda w: w.published_issue,
        "withdraw",
        {SIGNER},
        Issue.State.WITHDRAWN,
        comment="发现事实错误，撤回",
    ),
    post(
        "desk:transition",
        "withdraw without a reason",
        lambda w: rev("desk:transition", w.published_issue.pk),
        NOBODY,
        lambda w, r: {"action": "withdraw", "comment": ""},
        None,
        declined={SIGNER},
    ),
    post(
        "desk:issue_date",
        "choose the 印发日期",
        lambda w: rev("desk:issue_date", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {"date": "2027-03-15"},
        _dated("2027-03-15"),
    ),
    post(
        "desk:issue_date",
        "change the date of a signed issue",
        lambda w: rev("desk:issue_date", w.signed_issue.pk),
        NOBODY,
        lambda w, r: {"date": "2027-03-15"},
        None,
        declined={EDITOR},
    ),
    transition(
        "republish",
        lambda w: w.withdrawn_issue,
        "republish",
        {SIGNER},
        Issue.State.PUBLISHED,
        comment="已核实，重新发布",
    ),
    post(
        "desk:transition",
        "bogus action",
        lambda w: rev("desk:transition", w.editing_issue.pk),
        NOBODY,
        lambda w, r: {"action": "bogus", "comment": ""},
        None,
        declined=DESK,
    ),
    get(
        "desk:preview",
        lambda w: rev("desk:preview", w.editing_issue.pk),
        DESK,
        marker=lambda w, r: first_article(w).title,
    ),
    get(
        "desk:markdown",
        lambda w: rev("desk:markdown", w.editing_issue.pk),
        DESK,
        marker=lambda w, r: first_article(w).title,
    ),
    get("desk:pdf", lambda w: rev("desk:pdf", w.editing_issue.pk), DESK, marker=b"%PDF"),
    get(
        "desk:article_new",
        lambda w: rev("desk:article_new", section_of(w).pk),
        {EDITOR},
        marker="<title>添加文章",
    ),
    post(
        "desk:article_new",
        "add",
        lambda w: rev("desk:article_new", section_of(w).pk),
        {EDITOR},
        lambda w, r: {"title": "新增的一篇", "body": "新增正文。", "credit": "", "toc_title": ""},
        lambda w, r, resp: Article.objects.get(section=section_of(w), title="新增的一篇"),
    ),
    post(
        "desk:section_reorder",
        "reorder",
        lambda w: rev("desk:section_reorder", section_of(w).pk),
        {EDITOR},
        lambda w, r: {
            "article": [
                str(pk)
                for pk in section_of(w).articles.order_by("-position").values_list("pk", flat=True)
            ]
        },
        lambda w, r, resp: _assert_order(w, ["editing稿乙", "editing稿甲"]),
    ),
    get(
        "desk:article_edit",
        lambda w: rev("desk:article_edit", first_article(w).pk),
        {EDITOR},
        marker=lambda w, r: first_article(w).title,
    ),
    post(
        "desk:article_edit",
        "save",
        lambda w: rev("desk:article_edit", first_article(w).pk),
        {EDITOR},
        scraped(
            lambda w: rev("desk:article_edit", first_article(w).pk),
            having="title",
            title="改过的标题",
        ),
        lambda w, r, resp: _assert_title(first_article(w), "改过的标题"),
    ),
    post(
        "desk:picture_upload",
        "upload",
        lambda w: rev("desk:picture_upload"),
        {EDITOR},
        _png_upload,
        _picture_stored,
    ),
    post(
        "desk:article_edit",
        "save in a signed issue",
        lambda w: rev("desk:article_edit", w.article_of(w.signed_issue).pk),
        NOBODY,
        lambda w, r: {"title": "签发后偷改", "body": "偷改。", "credit": "", "toc_title": ""},
        None,
        declined={EDITOR},
    ),
    post(
        "desk:article_move",
        "down",
        lambda w: rev("desk:article_move", first_article(w).pk),
        {EDITOR},
        lambda w, r: {"direction": "down"},
        lambda w, r, resp: _assert_order(w, ["editing稿乙", "editing稿甲"]),
    ),
    post(
        "desk:article_delete",
        "delete",
        lambda w: rev("desk:article_delete", first_article(w).pk),
        {EDITOR},
        lambda w, r: {},
        lambda w, r, resp: _assert_order(w, ["editing稿乙"]),
    ),
    post(
        "desk:article_delete",
        "delete from a signed issue",
        lambda w: rev("desk:article_delete", w.article_of(w.signed_issue).pk),
        NOBODY,
        lambda w, r: {},
        None,
        declined={EDITOR},
    ),
    post(
        "desk:article_restore",
        "restore",
        lambda w: rev("desk:article_restore", w.editing_issue.pk, _deleted_first(w)),
        {EDITOR},
        lambda w, r: {},
        lambda w, r, resp: _assert_order(w, ["editing稿甲", "editing稿乙"]),
    ),
    post(
        "desk:article_restore",
        "restore once the issue is in review",
        lambda w: rev("desk:article_restore", w.editing_issue.pk, _deleted_then_submitted(w)),
        NOBODY,
        lambda w, r: {},
        None,
        declined={EDITOR},
    ),
    post(
        "desk:move_undo",
        "undo a move",
        lambda w: rev("desk:move_undo", w.editing_issue.pk, _moved_down(w)),
        {EDITOR},
        lambda w, r: {},
        lambda w, r, resp: _assert_order(w, ["editing稿甲", "editing稿乙"]),
    ),
    get(
        "desk:article_history",
        lambda w: rev("desk:article_history", w.editing_issue.pk, first_article(w).pk),
        DESK,
        marker=lambda w, r: f"《{first_article(w).title}》的修改记录",
    ),
    get(
        "desk:article_history",
        lambda w: rev("desk:article_history", w.editing_issue.pk, _deleted_article_id(w)),
        DESK,
        label="a deleted article",
        marker=["《editing稿甲》的修改记录", "删除文章"],
    ),
    get(
        "desk:article_correct",
        lambda w: rev("desk:article_correct", w.article_of(w.signed_issue).pk),
        {EDITOR, SIGNER},
        marker="勘误说明",
    ),
    post(
        "desk:article_correct",
        "correct",
        lambda w: rev("desk:article_correct", w.article_of(w.signed_issue).pk),
        {EDITOR, SIGNER},
        scraped(
            lambda w: rev("desk:article_correct", w.article_of(w.signed_issue).pk),
            having="note",
            title="更正后的标题",
            note="更正标题中的错字",
        ),
        lambda w, r, resp: (
            _assert_title(w.article_of(w.signed_issue), "更正后的标题"),
            IssueRevision.objects.get(issue=w.signed_issue, note="更正标题中的错字"),
        ),
    ),
    get(
        "desk:revision",
        lambda w: (w.published_issue, rev("desk:revision", w.revision.pk))[-1],
        DESK,
        marker="（已更正）",
    ),
    # --- An issue's own sections, its 导读 and its 编者按 (bulletins.sections) ---
    get(
        "desk:section_add",
        lambda w: rev("desk:section_add", w.editing_issue.pk),
        {EDITOR},
        marker="<title>添加栏目",
    ),
    post(
        "desk:section_add",
        "add",
        lambda w: rev("desk:section_add", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {"title": "矩阵新栏目", "toc_title": ""},
        lambda w, r, resp: w.editing_issue.sections.get(title="矩阵新栏目"),
    ),
    post(
        "desk:section_add",
        "add to a signed issue",
        lambda w: rev("desk:section_add", w.signed_issue.pk),
        NOBODY,
        lambda w, r: {"title": "签发后的栏目", "toc_title": ""},
        None,
        declined={EDITOR},
    ),
    get(
        "desk:section_rename",
        lambda w: rev("desk:section_rename", empty_section(w).pk),
        {EDITOR},
        marker="<title>栏目改名",
    ),
    post(
        "desk:section_rename",
        "rename",
        lambda w: rev("desk:section_rename", empty_section(w).pk),
        {EDITOR},
        lambda w, r: {"title": "矩阵改名", "toc_title": ""},
        lambda w, r, resp: _assert_section(w, title="矩阵改名"),
    ),
    post(
        "desk:section_hide",
        "hide",
        lambda w: rev("desk:section_hide", empty_section(w).pk),
        {EDITOR},
        lambda w, r: {"on": "1"},
        lambda w, r, resp: _assert_section(w, is_hidden=True),
    ),
    post(
        "desk:section_hide",
        "hide a section with articles",
        lambda w: rev("desk:section_hide", section_of(w).pk),
        NOBODY,
        lambda w, r: {"on": "1"},
        None,
        declined={EDITOR},
    ),
    post(
        "desk:section_keep",
        "keep when empty",
        lambda w: rev("desk:section_keep", empty_section(w).pk),
        {EDITOR},
        lambda w, r: {"on": "1"},
        lambda w, r, resp: _assert_section(w, keep_when_empty=True),
    ),
    post(
        "desk:section_move",
        "up",
        lambda w: rev("desk:section_move", empty_section(w).pk),
        {EDITOR},
        lambda w, r: {"direction": "up"},
        lambda w, r, resp: _assert_section(w, position=0),
    ),
    post(
        "desk:section_delete",
        "delete an empty section",
        lambda w: rev("desk:section_delete", empty_section(w).pk),
        {EDITOR},
        lambda w, r: {},
        lambda w, r, resp: _assert_gone(empty_section(w)),
    ),
    post(
        "desk:section_delete",
        "delete a section with articles",
        lambda w: rev("desk:section_delete", section_of(w).pk),
        NOBODY,
        lambda w, r: {},
        None,
        declined={EDITOR},
    ),
    get(
        "desk:toc",
        lambda w: rev("desk:toc", w.editing_issue.pk),
        DESK,
        marker=lambda w, r: (
            "《" + first_article(w).title + "》的导读标题" if r == EDITOR else "本期导读"
        ),
    ),
    post(
        "desk:toc",
        "save a 导读 line",
        lambda w: rev("desk:toc", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {
            f"line-{first_article(w).pk}": "矩阵导读",
            f"version-{first_article(w).pk}": str(first_article(w).version),
        },
        lambda w, r, resp: _assert_toc(first_article(w), "矩阵导读"),
    ),
    post(
        "desk:toc",
        "save a 导读 line of a signed issue",
        lambda w: rev("desk:toc", w.signed_issue.pk),
        NOBODY,
        lambda w, r: {f"line-{w.article_of(w.signed_issue).pk}": "签发后偷改"},
        None,
        declined={EDITOR},
    ),
    post(
        "desk:editor_note",
        "write the 编者按",
        lambda w: rev("desk:editor_note", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {"editor_note": "矩阵编者按。"},
        lambda w, r, resp: _assert_note(w.editing_issue, "矩阵编者按。"),
    ),
    post(
        "desk:editor_note",
        "write the 编者按 of a signed issue",
        lambda w: rev("desk:editor_note", w.signed_issue.pk),
        NOBODY,
        lambda w, r: {"editor_note": "签发后偷加。"},
        None,
        declined={EDITOR},
    ),
]


def empty_section(w):
    """The editing issue's second section: no articles."""
    if "_empty_section" not in w.__dict__:
        w._empty_section = w.editing_issue.sections.get(position=1)
    return w._empty_section


def _assert_section(w, **expected):
    section = Section.objects.get(pk=empty_section(w).pk)
    assert {k: getattr(section, k) for k in expected} == expected


def _assert_gone(obj):
    assert gone(obj)


def _assert_toc(article, toc_title):
    assert fresh(article).toc_title == toc_title


def _assert_note(issue, text):
    assert fresh(issue).editor_note == text


def _assert_title(article, title):
    assert fresh(article).title == title


def _deleted_first(w) -> int:
    editing.delete_article(first_article(w), by=w.lead_editor)
    return HistoryEvent.objects.filter(action="bulletins.article.delete").latest("id").pk


def _deleted_article_id(w) -> int:
    article = first_article(w)
    pk = article.pk  # delete() forgets it
    editing.delete_article(article, by=w.lead_editor)
    return pk


def _deleted_then_submitted(w) -> int:
    event_id = _deleted_first(w)
    workflow.transition(w.editing_issue, workflow.Action.SUBMIT, by=w.lead_editor)
    return event_id


def _moved_down(w) -> int:
    article = first_article(w)
    editing.move_article(article, by=w.lead_editor, section=article.section, position=1)
    return HistoryEvent.objects.filter(action="bulletins.article.move").latest("id").pk


def _assert_order(w, titles):
    section = fresh(section_of(w))
    assert list(section.articles.order_by("position").values_list("title", flat=True)) == titles


# --- Submissions -------------------------------------------------------------------


def own_alliance(w, role):
    return w.other_alliance if role == OTHER_SUBMITTER else w.alliance


def both_submissions(w):
    return w.submission, w.other_submission


def decide(label, data, state):
    return post(
        "submissions:decide",
        label,
        lambda w: (w.editing_issue, rev("submissions:decide", w.submission.pk))[-1],
        {EDITOR},
        data,
        state_is(lambda w: w.submission, state),
    )


SUBMISSION_ROWS = [
    get(
        "submissions:mine",
        lambda w: (both_submissions(w), rev("submissions:mine"))[-1],
        SUBMITTERS,
        marker=lambda w, r: "乙联盟来稿" if r == OTHER_SUBMITTER else "甲联盟来稿",
        absent=lambda w, r: "甲联盟来稿" if r == OTHER_SUBMITTER else "乙联盟来稿",
    ),
    get(
        "submissions:new",
        lambda w: rev("submissions:new"),
        SUBMITTERS,
        marker=lambda w, r: own_alliance(w, r).name,
    ),
    post(
        "submissions:new",
        "own alliance",
        lambda w: rev("submissions:new"),
        SUBMITTERS,
        lambda w, r: {
            "alliance": own_alliance(w, r).pk,
            "title": "网上投稿",
            "body": "正文。",
            "credit": "",
        },
        lambda w, r, resp: Submission.objects.get(alliance=own_alliance(w, r), title="网上投稿"),
    ),
    post(
        "submissions:new",
        "in another alliance's name",
        lambda w: rev("submissions:new"),
        {SUBMITTER},
        lambda w, r: {
            "alliance": w.alliance.pk,
            "title": "冒名投稿",
            "body": "正文。",
            "credit": "",
        },
        lambda w, r, resp: Submission.objects.get(alliance=w.alliance, title="冒名投稿"),
        declined={OTHER_SUBMITTER},
    ),
    # Only the alliance itself revises its submission: the editors edit the article.
    get(
        "submissions:revise",
        lambda w: rev("submissions:revise", w.submission.pk),
        {SUBMITTER},
        marker="甲联盟来稿",
    ),
    post(
        "submissions:revise",
        "revise",
        lambda w: rev("submissions:revise", w.submission.pk),
        {SUBMITTER},
        lambda w, r: {"title": "甲联盟来稿（修改）", "body": "改后正文。", "credit": ""},
        lambda w, r, resp: _assert_title(w.submission, "甲联盟来稿（修改）"),
    ),
    get(
        "submissions:detail",
        lambda w: rev("submissions:detail", w.submission.pk),
        {SUBMITTER, EDITOR},
        marker="甲联盟来稿正文",
    ),
    get(
        "submissions:attachment",
        lambda w: rev("submissions:attachment", w.attachment.submission_id, w.attachment.pk),
        {SUBMITTER, EDITOR},
        marker=b"%PDF-1.4 matrix attachment",
    ),
    get(
        "submissions:status",
        lambda w: rev("submissions:status", w.submission.pk),
        {SUBMITTER, EDITOR},
        marker="处理完毕",
    ),
    get(
        "submissions:queue",
        lambda w: (w.submission, rev("submissions:queue"))[-1],
        {EDITOR},
        marker="甲联盟来稿",
    ),
    decide(
        "accept",
        lambda w, r: {
            "decision": "accept",
            "issue": w.editing_issue.pk,
            "section": section_of(w).title,
        },
        Submission.State.USED,
    ),
    decide(
        "return",
        lambda w, r: {"decision": "return", "comment": "请补充数据"},
        Submission.State.RETURNED,
    ),
    decide("reject", lambda w, r: {"decision": "reject", "comment": ""}, Submission.State.REJECTED),
    get(
        "submissions:batch_accept",
        lambda w: rev(
            "submissions:batch_accept",
            query=f"issue={w.editing_issue.pk}&item={w.submission.pk}",
        ),
        {EDITOR},
        marker="确认采用到",
    ),
    post(
        "submissions:batch_accept",
        "accept the ticked items",
        lambda w: (w.editing_issue, w.submission, rev("submissions:batch_accept"))[-1],
        {EDITOR},
        lambda w, r: {
            "issue": w.editing_issue.pk,
            "item": [w.submission.pk],
            f"section-{w.submission.pk}": section_of(w).title,
        },
        state_is(lambda w: w.submission, Submission.State.USED),
    ),
]


# --- Series settings (administrators) ------------------------------------------------


def _series_office_is(office):
    def effect(w, role, response):
        assert fresh(w.series).office == office

    return effect


SERIES_ROWS = [
    get("desk:series", lambda w: rev("desk:series"), ADMINISTRATORS, marker="<title>简报设置"),
    get(
        "desk:series_edit",
        lambda w: rev("desk:series_edit", w.series.pk),
        ADMINISTRATORS,
        marker="固定栏目",
    ),
    post(
        "desk:series_edit",
        "save",
        lambda w: rev("desk:series_edit", w.series.pk),
        ADMINISTRATORS,
        scraped(
            lambda w: rev("desk:series_edit", w.series.pk),
            role=ADMIN,
            having="title",
            office="新的编发单位",
        ),
        _series_office_is("新的编发单位"),
    ),
]


# --- Distribution and downloads ----------------------------------------------------------


def _assert_delivery(address, state):
    assert Delivery.objects.get(address=address).state == state


DISTRIBUTION_ROWS = [
    get(
        "distribution:issue",
        lambda w: rev("distribution:issue", w.published_issue.pk),
        DELIVERY_STAFF,
        marker="550 5.1.1 User unknown",
    ),
    post(
        "distribution:resend",
        "one failed delivery",
        lambda w: rev("distribution:resend", w.published_issue.pk),
        DELIVERY_STAFF,
        lambda w, r: {"delivery": Delivery.objects.get(address="failed@example.org").pk},
        lambda w, r, resp: _assert_delivery("failed@example.org", Delivery.State.QUEUED),
    ),
    post(
        "distribution:queue",
        "new recipients",
        lambda w: (
            w.published_issue,
            w.new_recipient,
            rev("distribution:queue", w.published_issue.pk),
        )[-1],
        DELIVERY_STAFF,
        lambda w, r: {},
        lambda w, r, resp: _assert_delivery("late@example.org", Delivery.State.QUEUED),
    ),
    get(
        "distribution:publishing",
        lambda w: rev("distribution:publishing", w.published_issue.pk),
        DESK,
        marker="复制微信版",
    ),
    get(
        "distribution:wechat",
        lambda w: rev("distribution:wechat", w.published_issue.pk),
        DESK,
        marker="微信版预览",
    ),
    get(
        "distribution:docx",
        lambda w: rev("distribution:docx", w.published_issue.pk),
        DESK,
        marker=b"PK",
    ),
    get(
        "distribution:ofd",
        lambda w: rev("distribution:ofd", w.published_issue.pk),
        DESK,
        marker=b"OFD.xml",
    ),
    get(
        "distribution:lists", lambda w: rev("distribution:lists"), DELIVERY_STAFF, marker="“送”名单"
    ),
    get(
        "distribution:list",
        lambda w: rev("distribution:list", w.new_recipient.distribution_list_id),
        DELIVERY_STAFF,
        marker="late@example.org",
    ),
    post(
        "distribution:recipient_add",
        "add a recipient",
        lambda w: rev("distribution:recipient_add", w.new_recipient.distribution_list_id),
        DELIVERY_STAFF,
        lambda w, r: {"organisation": "某部", "person": "", "address": "added@example.org"},
        lambda w, r, resp: _assert_true(
            Recipient.objects.filter(address="added@example.org").exists()
        ),
    ),
    post(
        "distribution:recipients_import",
        "import a CSV",
        lambda w: rev("distribution:recipients_import", w.new_recipient.distribution_list_id),
        DELIVERY_STAFF,
        lambda w, r: {
            "file": SimpleUploadedFile(
                "名单.csv", "单位,姓名,邮箱\n某部,,csv@example.org\n".encode()
            )
        },
        lambda w, r, resp: _assert_true(
            Recipient.objects.filter(address="csv@example.org").exists()
        ),
    ),
    get(
        "distribution:recipient_edit",
        lambda w: rev("distribution:recipient_edit", w.new_recipient.pk),
        DELIVERY_STAFF,
        marker="late@example.org",
    ),
    post(
        "distribution:recipient_edit",
        "rename a recipient",
        lambda w: rev("distribution:recipient_edit", w.new_recipient.pk),
        DELIVERY_STAFF,
        lambda w, r: {"organisation": "改名单位", "person": "新人", "address": "late@example.org"},
        lambda w, r, resp: _assert_field_value(w.new_recipient, "organisation", "改名单位"),
    ),
    post(
        "distribution:recipient_deactivate",
        "stop sending to a recipient",
        lambda w: rev("distribution:recipient_deactivate", w.new_recipient.pk),
        DELIVERY_STAFF,
        lambda w, r: {},
        lambda w, r, resp: _assert_field_value(w.new_recipient, "is_active", False),
    ),
    get(
        "distribution:audience",
        lambda w: (w.new_recipient, rev("distribution:audience", w.published_issue.pk))[-1],
        DELIVERY_STAFF,
        marker="本期将发送给 1 人",
    ),
    post(
        "distribution:audience",
        "choose the lists of an issue",
        lambda w: (w.new_recipient, rev("distribution:audience", w.published_issue.pk))[-1],
        DELIVERY_STAFF,
        lambda w, r: {"lists": [w.new_recipient.distribution_list_id]},
        lambda w, r, resp: _assert_true(
            IssueDistribution.objects.filter(
                issue=w.published_issue, lists=w.new_recipient.distribution_list
            ).exists()
        ),
    ),
    post(
        "distribution:recipient_reactivate",
        "send to a stopped recipient again",
        lambda w: (
            Recipient.objects.filter(pk=w.new_recipient.pk).update(is_active=False),
            rev("distribution:recipient_reactivate", w.new_recipient.pk),
        )[-1],
        DELIVERY_STAFF,
        lambda w, r: {},
        lambda w, r, resp: _assert_field_value(w.new_recipient, "is_active", True),
    ),
]

DOWNLOAD_ROWS = [
    get(
        "archive:issue_pdf",
        lambda w: (w.published_issue, "/issues/2025-1.pdf")[-1],
        EVERYBODY,
        marker=b"%PDF",
    ),
    get(
        "archive:issue_docx",
        lambda w: (w.published_issue, "/issues/2025-1.docx")[-1],
        EVERYBODY,
        marker=b"PK",
    ),
    get(
        "archive:issue_ofd",
        lambda w: (w.published_issue, "/issues/2025-1.ofd")[-1],
        EVERYBODY,
        marker=b"OFD.xml",
    ),
    get(
        "archive:series_issue_pdf",
        lambda w: (w.published_issue, "/issues/series-1/2025-1.pdf")[-1],
        EVERYBODY,
        marker=b"%PDF",
    ),
    get(
        "archive:series_issue_docx",
        lambda w: (w.published_issue, "/issues/series-1/2025-1.docx")[-1],
        EVERYBODY,
        marker=b"PK",
    ),
    get(
        "archive:series_issue_ofd",
        lambda w: (w.published_issue, "/issues/series-1/2025-1.ofd")[-1],
        EVERYBODY,
        marker=b"OFD.xml",
    ),
    get(
        "archive:issue_pdf",
        lambda w: rev("archive:issue_pdf", w.signed_issue.year, w.signed_issue.number),
        NOBODY,
        label="not yet published",
        hidden=True,
    ),
]


# --- The public archive -----------------------------------------------------------------------


def public(w):
    return w.published_issue


ARCHIVE_ROWS = [
    get(
        "archive:issue_list",
        lambda w: (public(w), rev("archive:issue_list"))[-1],
        EVERYBODY,
        marker=lambda w, r: public(w).label,
    ),
    get(
        "archive:year_index",
        lambda w: (public(w), rev("archive:year_index"))[-1],
        EVERYBODY,
        marker='href="/issues/2025/"',
    ),
    get(
        "archive:year_issues",
        lambda w: (public(w), rev("archive:year_issues", 2025))[-1],
        EVERYBODY,
        marker=lambda w, r: public(w).label,
    ),
    get(
        "archive:issue_detail",
        lambda w: (public(w), rev("archive:issue_detail", 2025, 1))[-1],
        EVERYBODY,
        marker="公开来稿",
    ),
    get(
        "archive:series_issue_detail",
        lambda w: (public(w), "/issues/series-1/2025-1/")[-1],
        EVERYBODY,
        marker="公开来稿",
    ),
    get(
        "archive:article_detail",
        lambda w: rev("archive:article_detail", w.article_of(public(w)).pk),
        EVERYBODY,
        marker="公开来稿正文（已更正）",
    ),
    get(
        "archive:article_detail",
        lambda w: rev("archive:article_detail", w.unpublished_article.pk),
        NOBODY,
        label="not yet published",
        hidden=True,
    ),
    get(
        "archive:alliance_list",
        lambda w: (public(w), rev("archive:alliance_list"))[-1],
        EVERYBODY,
        marker="粉末冶金产业技术创新战略联盟",
    ),
    get(
        "archive:alliance_detail",
        lambda w: (public(w), rev("archive:alliance_detail", w.alliance.pk))[-1],
        EVERYBODY,
        marker="公开来稿",
    ),
    get(
        "archive:alliance_feed",
        lambda w: (public(w), rev("archive:alliance_feed", w.alliance.pk))[-1],
        EVERYBODY,
        marker="公开来稿",
    ),
    get(
        "archive:section_list",
        lambda w: (public(w), rev("archive:section_list"))[-1],
        EVERYBODY,
        marker=lambda w, r: w.article_of(public(w)).section.title,
    ),
    get(
        "archive:section_detail",
        lambda w: rev("archive:section_detail", w.article_of(public(w)).section.title),
        EVERYBODY,
        marker="公开来稿",
    ),
    get(
        "archive:search",
        lambda w: (public(w), rev("archive:search", query="q=公开来稿"))[-1],
        EVERYBODY,
        # A link to the article: the query itself is echoed on the page.
        marker=lambda w, r: rev("archive:article_detail", w.article_of(public(w)).pk),
    ),
    # A fullwidth or superscript digit is bad input, not a server error.
    get(
        "archive:search",
        lambda w: rev("archive:search", query="q=来稿&year_from=²０２５&page=²"),
        NOBODY,
        label="odd digits",
        declined=EVERYBODY,
    ),
    get(
        "archive:issues_feed",
        lambda w: (public(w), rev("archive:issues_feed"))[-1],
        EVERYBODY,
        marker=lambda w, r: public(w).label,
    ),
    get(
        "archive:sitemap",
        lambda w: (public(w), rev("archive:sitemap"))[-1],
        EVERYBODY,
        marker="/issues/2025-1/",
    ),
    get(
        "archive:robots_txt",
        lambda w: rev("archive:robots_txt"),
        EVERYBODY,
        marker="Disallow: /admin/",
    ),
]


# --- Pictures: a published issue's to everybody, a draft's to the desk (404 to others) -----

PICTURE_READERS = DESK | ADMINISTRATORS

PICTURE_ROWS = [
    get(
        "pictures:original",
        lambda w: rev("pictures:original", w.public_picture.name),
        EVERYBODY,
        marker=b"\x89PNG",
    ),
    get(
        "pictures:variant",
        lambda w: rev("pictures:variant", w.public_picture.name, 480, "webp"),
        EVERYBODY,
        marker=b"WEBP",
    ),
    get(
        "pictures:original",
        lambda w: rev("pictures:original", w.unpublished_picture.name),
        PICTURE_READERS,
        label="not yet published",
        marker=b"\x89PNG",
        declined=EVERYBODY - PICTURE_READERS,
    ),
    get(
        "pictures:variant",
        lambda w: rev("pictures:variant", w.unpublished_picture.name, 480, "jpg"),
        PICTURE_READERS,
        label="not yet published",
        marker=b"\xff\xd8\xff",
        declined=EVERYBODY - PICTURE_READERS,
    ),
]


# --- The network: registry, membership procedure, committee, council, notices, objections ----


def application_action(label, app_of, allow, data, to_state):
    return post(
        "network:application_action",
        label,
        lambda w: rev("network:application_action", app_of(w).pk),
        allow,
        data,
        state_is(app_of, to_state),
    )


AppState = MembershipApplication.State


def ended_application(w):
    w.ended_notice  # noqa: B018 (builds it)
    return w.ended_application


def notice_application(w):
    w.open_notice  # noqa: B018
    return w.notice_application


def objection(w):
    w.open_notice  # noqa: B018
    return w.objection


def _application_data(w, role):
    return {
        "alliance": own_alliance(w, role).pk,
        **PARTICULARS,
        "documents": SimpleUploadedFile(DOCUMENT[0], DOCUMENT[1], "application/pdf"),
    }


def _assert_applied(w, role):
    application = MembershipApplication.objects.get(alliance=own_alliance(w, role))
    assert application.state == AppState.SUBMITTED
    assert application.documents.count() == 1


def _assert_merged(w):
    fold = w.merge_pair[1]
    assert gone(fold)
    assert MergeDecision.objects.get(other_name=fold.name).decision == MergeDecision.Decision.MERGED


def _document(w):
    return w.own_submitted_application.documents.get()


NETWORK_ROWS = [
    get(
        "network:registry",
        lambda w: rev("network:registry"),
        OFFICE,
        marker="化纤产业技术创新战略联盟",
    ),
    get(
        "network:alliance",
        lambda w: rev("network:alliance", w.alliance.pk),
        OFFICE | {SUBMITTER},
        marker="粉末冶金产业技术创新战略联盟",
    ),
    post(
        "network:alliance",
        "propose a change",
        lambda w: rev("network:alliance", w.alliance.pk),
        {SUBMITTER},
        lambda w, r: {
            "field": "粉末冶金与新材料",
            "website": "",
            "chair_unit_name": "",
            "contacts": "",
        },
        lambda w, r, resp: ProfileChange.objects.get(
            alliance=w.alliance, state=ProfileChange.State.PENDING
        ),
    ),
    get(
        "network:profile_changes",
        lambda w: (w.profile_change, rev("network:profile_changes"))[-1],
        OFFICE,
        marker="粉末冶金产业技术创新战略联盟",
    ),
    post(
        "network:decide_change",
        "approve",
        lambda w: rev("network:decide_change", w.profile_change.pk),
        OFFICE,
        lambda w, r: {"decision": "approve", "comment": ""},
        lambda w, r, resp: (
            state_is(lambda w: w.profile_change, ProfileChange.State.APPROVED)(w, r, resp),
            _assert_field(w.alliance, "粉末冶金新材料"),
        ),
    ),
    post(
        "network:decide_change",
        "reject",
        lambda w: rev("network:decide_change", w.profile_change.pk),
        OFFICE,
        lambda w, r: {"decision": "reject", "comment": "请附依据"},
        state_is(lambda w: w.profile_change, ProfileChange.State.REJECTED),
    ),
    get(
        "network:merges", lambda w: rev("network:merges"), ADMINISTRATORS, marker="<title>名称合并"
    ),
    get(
        "network:merge_confirm",
        lambda w: rev(
            "network:merge_confirm", query=f"a={w.merge_pair[0].pk}&b={w.merge_pair[1].pk}"
        ),
        ADMINISTRATORS,
        marker="测试甲产业技术创新联盟",
    ),
    post(
        "network:merge_confirm",
        "merge",
        lambda w: rev("network:merge_confirm"),
        ADMINISTRATORS,
        lambda w, r: {"a": w.merge_pair[0].pk, "b": w.merge_pair[1].pk, "keep": w.merge_pair[0].pk},
        lambda w, r, resp: _assert_merged(w),
    ),
    post(
        "network:merge_confirm",
        "distinct",
        lambda w: rev("network:merge_confirm"),
        ADMINISTRATORS,
        lambda w, r: {"a": w.merge_pair[0].pk, "b": w.merge_pair[1].pk, "decision": "distinct"},
        lambda w, r, resp: MergeDecision.objects.get(
            decision=MergeDecision.Decision.DISTINCT, other_name=w.merge_pair[1].name
        ),
    ),
    # "²".isdigit() is true, int("²") is not: bad input, never a 500.
    get(
        "network:merge_confirm",
        lambda w: rev("network:merge_confirm", query="a=²&b=³"),
        NOBODY,
        label="odd digits",
        declined=ADMINISTRATORS,
    ),
    get(
        "network:applications",
        lambda w: (
            w.own_submitted_application,
            w.submitted_application,
            rev("network:applications"),
        )[-1],
        OFFICE | SUBMITTERS | {COMMITTEE},
        marker=lambda w, r: {
            SUBMITTER: rev("network:application", w.own_submitted_application.pk),
            OTHER_SUBMITTER: "<title>网员注册",
        }.get(r, rev("network:application", w.submitted_application.pk)),
        absent=lambda w, r: {
            SUBMITTER: [rev("network:application", w.submitted_application.pk)],
            OTHER_SUBMITTER: [
                rev("network:application", w.submitted_application.pk),
                rev("network:application", w.own_submitted_application.pk),
            ],
        }.get(r),
    ),
    get(
        "network:apply",
        lambda w: rev("network:apply"),
        SUBMITTERS,
        marker=lambda w, r: own_alliance(w, r).name,
    ),
    post(
        "network:apply",
        "apply",
        lambda w: rev("network:apply"),
        SUBMITTERS,
        _application_data,
        lambda w, r, resp: _assert_applied(w, r),
    ),
    get(
        "network:application",
        lambda w: rev("network:application", w.own_submitted_application.pk),
        APPLICATION_READERS,
        marker="粉末冶金产业技术创新战略联盟 网员注册申请",
    ),
    application_action(
        "submit",
        lambda w: w.draft_application,
        {SUBMITTER},
        lambda w, r: {"action": "submit", "comment": ""},
        AppState.SUBMITTED,
    ),
    application_action(
        "withdraw",
        lambda w: w.own_submitted_application,
        {SUBMITTER},
        lambda w, r: {"action": "withdraw", "comment": "暂不申请"},
        AppState.WITHDRAWN,
    ),
    application_action(
        "start review",
        lambda w: w.submitted_application,
        OFFICE,
        lambda w, r: {"action": "start_review", "comment": ""},
        AppState.COMMITTEE_REVIEW,
    ),
    application_action(
        "committee result",
        lambda w: w.review_application,
        OFFICE,
        lambda w, r: {"action": "committee_pass", "comment": ""},
        AppState.COMMITTEE_APPROVED,
    ),
    application_action(
        "council confirms",
        lambda w: w.approved_application,
        OFFICE,
        lambda w, r: {
            "action": "confirm",
            "meeting_name": "第二届第四次会议",
            "meeting_date": "2026-11-02",
        },
        AppState.COUNCIL_CONFIRMED,
    ),
    application_action(
        "reject",
        lambda w: w.submitted_application,
        OFFICE,
        lambda w, r: {"action": "reject", "comment": "材料不全"},
        AppState.REJECTED,
    ),
    application_action(
        "admit",
        ended_application,
        OFFICE,
        lambda w, r: {"action": "admit", "comment": ""},
        AppState.ADMITTED,
    ),
    post(
        "network:application_action",
        "bogus action",
        lambda w: rev("network:application_action", w.submitted_application.pk),
        NOBODY,
        lambda w, r: {"action": "bogus", "comment": ""},
        None,
        declined=OFFICE | {COMMITTEE},
    ),
    post(
        "network:opinion",
        "committee member's opinion",
        lambda w: rev("network:opinion", w.review_application.pk),
        {COMMITTEE},
        lambda w, r: {"opinion": "approve", "comment": "同意"},
        lambda w, r, resp: CommitteeOpinion.objects.get(
            application=w.review_application, member__user=w.users[COMMITTEE]
        ),
    ),
    get(
        "network:document",
        lambda w: rev("network:document", w.own_submitted_application.pk, _document(w).pk),
        APPLICATION_READERS,
        marker=DOCUMENT[1],
    ),
    get(
        "network:notice_new",
        lambda w: (w.confirmed_application, rev("network:notice_new"))[-1],
        OFFICE,
        marker="申请四产业技术创新战略联盟",
    ),
    post(
        "network:notice_new",
        "publish a notice",
        lambda w: rev("network:notice_new"),
        OFFICE,
        lambda w, r: {
            "applications": [w.confirmed_application.pk],
            "starts_on": "2026-11-02",
            "working_days": 5,
        },
        state_is(lambda w: w.confirmed_application, AppState.PUBLIC_NOTICE),
    ),
    get(
        "network:notice_desk",
        lambda w: rev("network:notice_desk", w.open_notice.pk),
        OFFICE,
        marker="材料不实",
    ),
    post(
        "network:admit",
        "admit after the notice",
        lambda w: rev("network:admit", w.ended_notice.pk),
        OFFICE,
        lambda w, r: {},
        state_is(ended_application, AppState.ADMITTED),
    ),
    post(
        "network:resolve_objection",
        "resolve",
        lambda w: rev("network:resolve_objection", objection(w).pk),
        OFFICE,
        lambda w, r: {"resolution": "经核实，材料属实"},
        lambda w, r, resp: _assert_resolved(objection(w)),
    ),
    post(
        "network:dismiss_objections",
        "dismiss all pending",
        lambda w: rev("network:dismiss_objections", w.open_notice.pk),
        OFFICE,
        lambda w, r: {"all_pending": "1", "reason": "重复提交"},
        lambda w, r, resp: _assert_resolved(objection(w)),
    ),
    get(
        "network:statistics",
        lambda w: rev("network:statistics"),
        OFFICE,
        marker="<title>联盟网络统计",
    ),
    get("network:statistics_xlsx", lambda w: rev("network:statistics_xlsx"), OFFICE, marker=b"PK"),
    get(
        "network:notices",
        lambda w: (w.open_notice, rev("network:notices"))[-1],
        EVERYBODY,
        marker="申请五产业技术创新战略联盟",
    ),
    get(
        "network:notice",
        lambda w: rev("network:notice", w.open_notice.pk),
        EVERYBODY,
        marker="申请五产业技术创新战略联盟",
    ),
    post(
        "network:notice",
        "lodge an objection",
        lambda w: rev("network:notice", w.open_notice.pk),
        EVERYBODY,
        lambda w, r: {
            "application": notice_application(w).pk,
            "name": "李四",
            "contact": "li@example.org",
            "text": f"异议（{r}）",
            "homepage": "",
        },
        lambda w, r, resp: Objection.objects.get(text=f"异议（{r}）"),
    ),
]


def _assert_field(alliance, value):
    assert fresh(alliance).field == value


def _assert_resolved(item):
    assert fresh(item).resolved_at is not None


# --- Accounts ----------------------------------------------------------------------------


def _assert_logged_in_as(client, user):
    assert str(client.session.get("_auth_user_id")) == str(user.pk)


ACCOUNT_ROWS = [
    get("login", lambda w: rev("login"), EVERYBODY, marker="<title>登录", login=None),
    post(
        "login",
        "log in",
        lambda w: (w.plain_user, rev("login"))[-1],
        EVERYBODY,
        lambda w, r: {"username": "m-plain", "password": "correct horse battery"},
        lambda w, r, resp: _assert_logged_in_as(resp.client, w.plain_user),
        login=None,
    ),
    post(
        "logout",
        "log out",
        lambda w: rev("logout"),
        EVERYBODY,
        lambda w, r: {},
        lambda w, r, resp: _assert_logged_out(resp.client),
        login=None,
    ),
]


def _assert_logged_out(client):
    assert "_auth_user_id" not in client.session


# --- The Django admin --------------------------------------------------------------------
# Administrators manage users, roles, series settings and the registry.  Nobody,
# not even a superuser, changes an issue's content, state or printed names there.
# Only a superuser makes superusers or staff; a 管理员 gives itself no desk role.


def admin_url(model, action, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def user_change(of_user):
    return lambda w: admin_url(User, "change", of_user(w).pk)


def acting(w, role):
    return w.users.get(role) or w.plain_user


def _grants(user, role):
    return RoleGrant.objects.filter(user=user, role=role).exists()


def _grant_form(of_user, role):
    """The role-grant add form, filled for ``of_user`` (the acting person when None)."""

    def data(w, r):
        values = w.form(SUPERUSER, admin_url(RoleGrant, "add"), form_id="rolegrant_form")
        values.update({"user": [str((of_user(w) if of_user else acting(w, r)).pk)], "role": [role]})
        return values

    return data


def _user_form(of_user, *, tick=(), grant=None, **changes):
    """The user change form as the superuser sees it, with fields ticked or changed."""

    def data(w, r):
        user = of_user(w, r)
        values = w.form(SUPERUSER, admin_url(User, "change", user.pk), form_id="user_form")
        for name in tick:
            values[name] = ["on"]
        values.update({k: [v] for k, v in changes.items()})
        if grant:
            prefix = "role_grants"
            n = int(values[f"{prefix}-INITIAL_FORMS"][0])
            values[f"{prefix}-TOTAL_FORMS"] = [str(n + 1)]
            values[f"{prefix}-{n}-role"] = [grant]
            values[f"{prefix}-{n}-user"] = [str(user.pk)]
        return values

    return data


def _issue_form(w):
    """The issue change form, faked as a browser would post it: 已发布 with invented names."""
    issue = w.review_issue
    values = w.form(
        SUPERUSER, admin_url(Issue, "change", issue.pk), form_id="issue_form", required=False
    )
    values.update(
        {
            "series": [str(issue.series_id)],
            "year": [str(issue.year)],
            "number": [str(issue.number)],
            "running_number": [str(issue.running_number)],
            "date": ["2026-11-02"],
            "state": ["published"],
            "editor_name": ["张编"],
            "reviewer_name": ["李审（虚构）"],
            "signer_name": ["王签（虚构）"],
            "distribution": ["{}"],
            "contacts": ["[]"],
        }
    )
    return values


def _article_form(w):
    article = w.article_of(w.published_issue)
    values = w.form(
        SUPERUSER,
        admin_url(Article, "change", article.pk),
        form_id="article_form",
        required=False,
    )
    values.update(
        {
            "section": [str(article.section_id)],
            "position": [str(article.position)],
            "title": ["管理后台偷改的标题"],
            "toc_title": [""],
            "credit": [article.credit],
        }
    )
    return values


def _section_form(w):
    section = w.article_of(w.published_issue).section
    values = w.form(
        SUPERUSER,
        admin_url(section, "change", section.pk),
        form_id="section_form",
        required=False,
    )
    values.update(
        {
            "issue": [str(section.issue_id)],
            "position": [str(section.position)],
            "title": ["偷改的栏目"],
            "toc_title": [""],
        }
    )
    return values


def _readonly_view(marker_of):
    """A 200 page showing the object, with no way to save it."""

    def check(w, role, response):
        page = response.content.decode()
        assert marker_of(w) in page, f"the page does not show {marker_of(w)!r}"
        assert 'name="_save"' not in page and 'name="_continue"' not in page, (
            "the admin offers a form that saves it: expected read-only"
        )

    return check


def _new_user_form(w, r):
    values = w.form(SUPERUSER, admin_url(User, "add"), form_id="user_form")
    values.update(
        {
            "username": [f"new-{r}"],
            "password1": ["Zhong-wen-mi-ma-2026"],
            "password2": ["Zhong-wen-mi-ma-2026"],
            "usable_password": ["true"],
        }
    )
    return values


def _assert_new_user(r):
    user = User.objects.get(username=f"new-{r}")
    assert not user.is_superuser and not user.is_staff


ADMIN_ROWS = [
    get(
        "admin:index",
        lambda w: reverse("admin:index"),
        ADMINISTRATORS,
        marker="管理首页",
        login=ADMIN_LOGIN,
    ),
    get(
        "admin:auth_user_change",
        user_change(lambda w: w.plain_user),
        ADMINISTRATORS,
        marker="m-plain",
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_change",
        "rename another user",
        user_change(lambda w: w.plain_user),
        ADMINISTRATORS,
        _user_form(lambda w, r: w.plain_user, first_name="改名用户"),
        lambda w, r, resp: _assert_field_value(w.plain_user, "first_name", "改名用户"),
        login=ADMIN_LOGIN,
    ),
    # A 管理员 may not take over an account with more powers than its own.
    post(
        "admin:auth_user_change",
        "rename the superuser",
        lambda w: admin_url(User, "change", w.users[SUPERUSER].pk),
        {SUPERUSER},
        _user_form(lambda w, r: w.users[SUPERUSER], first_name="改名的超级用户"),
        lambda w, r, resp: _assert_field_value(w.users[SUPERUSER], "first_name", "改名的超级用户"),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_change",
        "make another user staff",
        user_change(lambda w: w.plain_user),
        {SUPERUSER},
        _user_form(lambda w, r: w.plain_user, tick=["is_staff"]),
        lambda w, r, resp: _assert_field_value(w.plain_user, "is_staff", True),
        keeps=lambda w: fresh(w.plain_user).is_staff,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_change",
        "make another user superuser",
        user_change(lambda w: w.plain_user),
        {SUPERUSER},
        _user_form(lambda w, r: w.plain_user, tick=["is_superuser"]),
        lambda w, r, resp: _assert_field_value(w.plain_user, "is_superuser", True),
        keeps=lambda w: fresh(w.plain_user).is_superuser,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_change",
        "tick is_superuser on oneself",
        lambda w: admin_url(User, "change", w.users[ADMIN].pk),
        {SUPERUSER},
        _user_form(lambda w, r: w.users[ADMIN], tick=["is_superuser"]),
        lambda w, r, resp: _assert_field_value(w.users[ADMIN], "is_superuser", True),
        keeps=lambda w: fresh(w.users[ADMIN]).is_superuser,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_change",
        "grant oneself 签发 inline",
        lambda w: admin_url(User, "change", w.users[ADMIN].pk),
        {SUPERUSER},
        _user_form(lambda w, r: w.users[ADMIN], grant=Role.SIGNER),
        lambda w, r, resp: _assert_true(_grants(w.users[ADMIN], Role.SIGNER)),
        keeps=lambda w: _grants(w.users[ADMIN], Role.SIGNER),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:auth_user_add",
        "create a user",
        lambda w: admin_url(User, "add"),
        ADMINISTRATORS,
        _new_user_form,
        lambda w, r, resp: _assert_new_user(r),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:core_rolegrant_add",
        "grant another person 编辑",
        lambda w: admin_url(RoleGrant, "add"),
        ADMINISTRATORS,
        _grant_form(lambda w: w.plain_user, Role.EDITOR),
        lambda w, r, resp: _assert_true(_grants(w.plain_user, Role.EDITOR)),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:core_rolegrant_add",
        "grant oneself 编辑",
        lambda w: admin_url(RoleGrant, "add"),
        {SUPERUSER},
        _grant_form(None, Role.EDITOR),
        lambda w, r, resp: _assert_true(_grants(w.users[r], Role.EDITOR)),
        keeps=lambda w: sorted(
            RoleGrant.objects.filter(role=Role.EDITOR).values_list("user_id", flat=True)
        ),
        login=ADMIN_LOGIN,
    ),
    get(
        "admin:bulletins_series_change",
        lambda w: admin_url(Series, "change", w.series.pk),
        ADMINISTRATORS,
        marker="联盟试点工作联络组办公室",
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:bulletins_series_change",
        "rename the office",
        lambda w: admin_url(Series, "change", w.series.pk),
        ADMINISTRATORS,
        lambda w, r: {
            **w.form(SUPERUSER, admin_url(Series, "change", w.series.pk), form_id="series_form"),
            "office": ["联络组办公室（新）"],
        },
        lambda w, r, resp: _assert_field_value(w.series, "office", "联络组办公室（新）"),
        login=ADMIN_LOGIN,
    ),
    get(
        "admin:bulletins_issue_change",
        lambda w: admin_url(Issue, "change", w.published_issue.pk),
        {SUPERUSER},
        effect=_readonly_view(lambda w: str(w.published_issue)),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:bulletins_issue_change",
        "publish with invented names",
        lambda w: admin_url(Issue, "change", w.review_issue.pk),
        NOBODY,
        lambda w, r: _issue_form(w),
        None,
        login=ADMIN_LOGIN,
    ),
    get("admin:bulletins_issue_add", lambda w: admin_url(Issue, "add"), NOBODY, login=ADMIN_LOGIN),
    post(
        "admin:bulletins_issue_delete",
        "delete a published issue",
        lambda w: admin_url(Issue, "delete", w.published_issue.pk),
        NOBODY,
        lambda w, r: {"post": "yes"},
        None,
        login=ADMIN_LOGIN,
    ),
    get(
        "admin:bulletins_article_change",
        lambda w: admin_url(Article, "change", w.article_of(w.published_issue).pk),
        {SUPERUSER},
        effect=_readonly_view(lambda w: str(w.article_of(w.published_issue))),
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:bulletins_article_change",
        "retitle a published article",
        lambda w: admin_url(Article, "change", w.article_of(w.published_issue).pk),
        NOBODY,
        lambda w, r: _article_form(w),
        None,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:submissions_submission_delete",
        "delete a submission",
        lambda w: admin_url(Submission, "delete", w.submission.pk),
        NOBODY,
        lambda w, r: {"post": "yes"},
        None,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:core_historyevent_delete",
        "delete a history row",
        lambda w: (
            w.published_issue,
            admin_url(HistoryEvent, "delete", HistoryEvent.objects.order_by("pk").first().pk),
        )[-1],
        NOBODY,
        lambda w, r: {"post": "yes"},
        None,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:bulletins_issuerevision_delete",
        "delete a revision",
        lambda w: (w.published_issue, admin_url(IssueRevision, "delete", w.revision.pk))[-1],
        NOBODY,
        lambda w, r: {"post": "yes"},
        None,
        login=ADMIN_LOGIN,
    ),
    post(
        "admin:bulletins_section_change",
        "retitle a published section",
        lambda w: admin_url(
            w.article_of(w.published_issue).section,
            "change",
            w.article_of(w.published_issue).section.pk,
        ),
        NOBODY,
        lambda w, r: _section_form(w),
        None,
        login=ADMIN_LOGIN,
    ),
]


def _assert_field_value(obj, name, value):
    assert getattr(fresh(obj), name) == value


def _assert_true(value):
    assert value


# Who may open each admin list.  The 管理员 role's share of the admin: users and
# roles, series settings, the registry.  Issue content, submissions and delivery
# records are for a superuser to read, not for the role.  A model registered
# later fails test_every_admin_model_has_a_row until it is added here.
ADMIN_LISTS = {
    "auth.group": {SUPERUSER},  # a group is another way to hand out powers
    "auth.user": ADMINISTRATORS,
    "core.rolegrant": ADMINISTRATORS,
    "bulletins.series": ADMINISTRATORS,
    "bulletins.issue": {SUPERUSER},
    "bulletins.section": {SUPERUSER},
    "bulletins.article": {SUPERUSER},
    "bulletins.block": {SUPERUSER},
    "bulletins.articlecontributor": {SUPERUSER},
    "bulletins.issueevent": {SUPERUSER},
    "bulletins.issuerevision": {SUPERUSER},
    "core.historyevent": ADMINISTRATORS,
    "axes.accessattempt": {SUPERUSER},  # the login throttle's records
    "axes.accessfailurelog": {SUPERUSER},
    "axes.accesslog": {SUPERUSER},
    "django_tasks_database.dbtaskresult": {SUPERUSER},  # the background queue
    "submissions.submission": {SUPERUSER},
    "distribution.distributionlist": {SUPERUSER},
    "distribution.recipient": {SUPERUSER},
    "distribution.delivery": {SUPERUSER},
    "network.organisation": ADMINISTRATORS,
    "network.networkbody": ADMINISTRATORS,
    "network.membershipapplication": ADMINISTRATORS,
    "network.publicnotice": ADMINISTRATORS,
    "network.objection": ADMINISTRATORS,
    "network.profilechange": ADMINISTRATORS,
    "network.mergedecision": ADMINISTRATORS,
}


def _changelist_row(label: str, allowed) -> Row:
    app_label, model_name = label.split(".")
    name = f"admin:{app_label}_{model_name}_changelist"
    model = apps.get_model(label)
    return get(
        name,
        lambda w: reverse(name),
        allowed,
        marker=str(model._meta.verbose_name_plural),
        login=ADMIN_LOGIN,
    )


ADMIN_LIST_ROWS = [_changelist_row(label, allowed) for label, allowed in ADMIN_LISTS.items()]

# --- The review: comments on an article or a passage ----------------------------------


def _comment(w):
    """One open comment of the reviewer's on the issue in review, made once per world."""
    from jianbao.review.models import Comment
    from jianbao.review.services import add_comment

    article = w.article_of(w.review_issue)
    return Comment.objects.filter(article=article).first() or add_comment(
        article, by=w.lead_reviewer, text="请核对数据", passage="第一段"
    )


def _commented(text):
    def effect(w, r, response):
        from jianbao.review.models import Comment

        assert Comment.objects.filter(text=text, author__isnull=False).exists()

    return effect


REVIEW_ROWS = [
    get(
        "desk:review_comment_add",
        lambda w: rev("desk:review_comment_add", w.article_of(w.review_issue).pk),
        {REVIEWER, SIGNER},
        marker="对《review稿甲》提出意见",
    ),
    post(
        "desk:review_comment_add",
        "comment on a passage",
        lambda w: rev("desk:review_comment_add", w.article_of(w.review_issue).pk),
        {REVIEWER, SIGNER},
        lambda w, r: {"passage": "第一段", "text": "请补充时间"},
        _commented("请补充时间"),
    ),
    post(
        "desk:review_comment_add",
        "comment while editing",
        lambda w: rev("desk:review_comment_add", first_article(w).pk),
        NOBODY,
        lambda w, r: {"passage": "", "text": "太早了"},
        None,
        declined={REVIEWER, SIGNER},
    ),
    get(
        "desk:review_comment_answer",
        lambda w: rev("desk:review_comment_answer", _comment(w).pk),
        {EDITOR},
        marker="请核对数据",
    ),
    post(
        "desk:review_comment_answer",
        "answer",
        lambda w: rev("desk:review_comment_answer", _comment(w).pk),
        {EDITOR},
        lambda w, r: {"answer": "已核对"},
        lambda w, r, resp: _assert_answered(w),
    ),
    post(
        "desk:review_comment_resolve",
        "resolve",
        lambda w: rev("desk:review_comment_resolve", _comment(w).pk),
        {EDITOR},
        lambda w, r: {},
        lambda w, r, resp: _assert_comment_resolved(w),
    ),
]


def _assert_answered(w):
    assert fresh(_comment(w)).answer == "已核对"


def _assert_comment_resolved(w):
    assert fresh(_comment(w)).resolved_at is not None


# --- Proofing (审校): an issue's findings, and the office's dictionary ---------------------

PROOF_TEXT = "国家标准委印发《申报指南（2023-2025年）》。"


def _proofed(w, issue=None):
    """An article of the editing issue (or ``issue``) with a year range written with a
    hyphen: a finding with a suggestion."""
    issue = issue or w.editing_issue
    key = f"_proofed_{issue.pk}"
    if key not in w.__dict__:
        from jianbao.proofing import services as proofing

        if issue.state == Issue.State.EDITING:
            section = issue.sections.order_by("position").first()
            editing.add_article(issue, section, by=w.lead_editor, title="审校稿", body=PROOF_TEXT)
        (item,) = [
            i for i in proofing.issue_proof(fresh(issue)).items if i.finding.rule == "dash.range"
        ]
        w.__dict__[key] = item
    return w.__dict__[key]


def _proofed_review_issue(w):
    """The review issue, its article holding the hyphen since before it was submitted."""
    if "_proof_review" not in w.__dict__:
        number, running = editing.next_numbers(w.series, 2024)
        issue = editing.create_issue(
            w.series, year=2024, number=number, running_number=running, by=w.lead_editor
        )
        section = issue.sections.order_by("position").first()
        editing.add_article(issue, section, by=w.lead_editor, title="审校稿", body=PROOF_TEXT)
        w._proof_review = workflow.transition(issue, workflow.Action.SUBMIT, by=w.lead_editor)
    return w._proof_review


def _dismissed(w):
    from jianbao.proofing import services as proofing

    item = _proofed(w)
    proofing.dismiss_finding(w.editing_issue, item.key, by=w.lead_editor, reason="引文照录")
    return item


def _proof_body_is(w, text):
    article = Article.objects.get(section__issue=w.editing_issue, title="审校稿")
    assert article.blocks.get().text == text


def _dismissal_count(w, n):
    from jianbao.proofing.models import Dismissal

    assert Dismissal.objects.filter(issue=w.editing_issue).count() == n


def _entry(w):
    if "_entry" not in w.__dict__:
        from jianbao.proofing import services as proofing

        w._entry = proofing.add_entry(
            by=w.lead_editor, kind="usage", term="做出", replacement="作出"
        )
    return w._entry


def _stopped_entry(w):
    from jianbao.proofing import services as proofing

    return proofing.set_entry_active(_entry(w), by=w.lead_editor, active=False)


def _entry_is(entry_of, **expected):
    def effect(w, role, response):
        from jianbao.proofing.models import DictionaryEntry

        entry = DictionaryEntry.objects.get(pk=entry_of(w).pk)
        assert {k: getattr(entry, k) for k in expected} == expected

    return effect


def _entry_added(w, role, response):
    from jianbao.proofing.models import DictionaryEntry

    assert DictionaryEntry.objects.filter(term="扶植", replacement="扶持", is_active=True).exists()


PROOFING_ROWS = [
    # Desk roles read an issue's findings; only the editor of an issue 编辑中 acts on them.
    get(
        "proofing:issue",
        lambda w: (_proofed(w), rev("proofing:issue", w.editing_issue.pk))[-1],
        DESK,
        marker=lambda w, r: ["2023-2025", "采用建议"] if r == EDITOR else ["2023-2025", "只读"],
        absent=lambda w, r: None if r == EDITOR else "采用建议",
    ),
    get(
        "proofing:issue",
        lambda w: rev(
            "proofing:issue",
            w.editing_issue.pk,
            query=f"article={_proofed(w).finding.where.article_id}",
        ),
        DESK,
        label="one article",
        marker="《审校稿》",
    ),
    get(
        "proofing:issue",
        lambda w: (
            _proofed(w, _proofed_review_issue(w)),
            rev("proofing:issue", w._proof_review.pk),
        )[-1],
        DESK,
        label="in review",
        marker="审校结果只读",
        absent="采用建议",
    ),
    post(
        "proofing:apply",
        "apply a suggestion",
        lambda w: rev("proofing:apply", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {"key": _proofed(w).key},
        lambda w, r, resp: _proof_body_is(w, "国家标准委印发《申报指南（2023—2025年）》。"),
    ),
    post(
        "proofing:apply",
        "apply in review",
        lambda w: rev("proofing:apply", _proofed_review_issue(w).pk),
        NOBODY,
        lambda w, r: {"key": _proofed(w, w._proof_review).key},
        None,
        declined={EDITOR},
    ),
    post(
        "proofing:dismiss",
        "dismiss with a reason",
        lambda w: rev("proofing:dismiss", w.editing_issue.pk),
        {EDITOR},
        lambda w, r: {"key": _proofed(w).key, "reason": "书名照录原文件"},
        lambda w, r, resp: _dismissal_count(w, 1),
    ),
    post(
        "proofing:dismiss",
        "dismiss without a reason",
        lambda w: rev("proofing:dismiss", w.editing_issue.pk),
        NOBODY,
        lambda w, r: {"key": _proofed(w).key, "reason": ""},
        None,
        declined={EDITOR},
    ),
    post(
        "proofing:reopen",
        "reopen a dismissed finding",
        lambda w: (_dismissed(w), rev("proofing:reopen", w.editing_issue.pk))[-1],
        {EDITOR},
        lambda w, r: {"key": _proofed(w).key},
        lambda w, r, resp: _dismissal_count(w, 0),
    ),
    # The dictionary: the desk reads it, editors keep it.
    get(
        "proofing:dictionary",
        lambda w: (_entry(w), rev("proofing:dictionary"))[-1],
        DESK,
        marker=lambda w, r: (
            ["做出", "添加词条"] if r == EDITOR else ["做出", "只有编辑可以修改词典"]
        ),
    ),
    get("proofing:entry_new", lambda w: rev("proofing:entry_new"), {EDITOR}, marker="添加词条"),
    post(
        "proofing:entry_new",
        "add an entry",
        lambda w: rev("proofing:entry_new"),
        {EDITOR},
        lambda w, r: {"kind": "usage", "term": "扶植", "replacement": "扶持"},
        _entry_added,
    ),
    post(
        "proofing:entry_new",
        "add a usage entry without its replacement",
        lambda w: rev("proofing:entry_new"),
        NOBODY,
        lambda w, r: {"kind": "usage", "term": "扶植", "replacement": ""},
        None,
        declined={EDITOR},
    ),
    get(
        "proofing:entry_edit",
        lambda w: rev("proofing:entry_edit", _entry(w).pk),
        {EDITOR},
        marker="修改词条：做出",
    ),
    post(
        "proofing:entry_edit",
        "edit an entry",
        lambda w: rev("proofing:entry_edit", _entry(w).pk),
        {EDITOR},
        lambda w, r: {"kind": "usage", "term": "做出", "replacement": "作出", "note": "作出决定"},
        _entry_is(_entry, note="作出决定"),
    ),
    post(
        "proofing:entry_deactivate",
        "deactivate an entry",
        lambda w: rev("proofing:entry_deactivate", _entry(w).pk),
        {EDITOR},
        lambda w, r: {},
        _entry_is(_entry, is_active=False),
    ),
    post(
        "proofing:entry_enable",
        "enable a stopped entry",
        lambda w: rev("proofing:entry_enable", _stopped_entry(w).pk),
        {EDITOR},
        lambda w, r: {},
        _entry_is(_entry, is_active=True),
    ),
]


# --- The back catalogue's import review ---------------------------------------------

IMPORTED_TEXT = """产业技术创新战略联盟试点工作
简报
2019年第3期（总第30期）
科技部联盟协发网秘书处　　2019年6月1日

本期导读
【工作动态】
◆导入的往期文章

【工作动态】
## 导入的往期文章
导入的往期正文。
（甲联盟秘书处供稿）
"""


def _imported(w, checked=False):
    """An issue imported from a file, with its report; checked by the lead editor if asked."""
    key = f"_imported_{checked}"
    if key not in w.__dict__:
        from jianbao.catalogue import services as catalogue
        from jianbao.publishing.ingest.text import parse_bulletin_text

        year = 2019 if not checked else 2018
        text = IMPORTED_TEXT.replace(
            "2019年第3期（总第30期）", f"{year}年第3期（总第{year - 1989}期）"
        )
        parsed = parse_bulletin_text(text, source="old.txt")
        issue = catalogue.import_bulletin(parsed, source_name="old.txt").issue
        if checked:
            catalogue.mark_checked(issue, by=w.lead_editor)
        w.__dict__[key] = fresh(issue)
    return w.__dict__[key]


def _report_checked(value):
    def effect(w, role, response):
        from jianbao.catalogue.models import ImportReport

        report = ImportReport.objects.get(issue=_imported(w, checked=not value))
        assert report.checked is value
        assert fresh(report.issue).import_unchecked is not value

    return effect


def _upload_queued(w, role, response):
    from jianbao.catalogue.models import ImportJob

    assert ImportJob.objects.filter(original_name="往期.txt", state="queued").exists()


CATALOGUE_ROWS = [
    get("catalogue:upload", lambda w: rev("catalogue:upload"), {EDITOR}, marker="上传往期简报"),
    post(
        "catalogue:upload",
        "upload a past issue",
        lambda w: rev("catalogue:upload"),
        {EDITOR},
        lambda w, r: {"files": SimpleUploadedFile("往期.txt", IMPORTED_TEXT.encode())},
        _upload_queued,
    ),
    get(
        "catalogue:reports",
        lambda w: (_imported(w), rev("catalogue:reports"))[-1],
        DESK,
        marker=["往期导入", "2019年第3期"],
    ),
    get(
        "catalogue:report",
        lambda w: rev("catalogue:report", _imported(w).pk),
        DESK,
        marker=lambda w, r: (
            ["导入报告", "导入的往期文章"] + (["标记为已核对"] if r == EDITOR else [])
        ),
        absent=lambda w, r: None if r == EDITOR else "标记为已核对",
    ),
    get(
        "catalogue:report_json",
        lambda w: rev("catalogue:report_json", _imported(w).pk),
        DESK,
        marker='"articles": 1',
    ),
    post(
        "catalogue:check",
        "mark an import checked",
        lambda w: rev("catalogue:check", _imported(w).pk),
        {EDITOR},
        lambda w, r: {},
        _report_checked(True),
    ),
    post(
        "catalogue:uncheck",
        "undo a check",
        lambda w: rev("catalogue:uncheck", _imported(w, checked=True).pk),
        {EDITOR},
        lambda w, r: {"reason": "还有一处错字"},
        _report_checked(False),
    ),
]


MATRIX = (
    DESK_ROWS
    + REVIEW_ROWS
    + PROOFING_ROWS
    + CATALOGUE_ROWS
    + SUBMISSION_ROWS
    + SERIES_ROWS
    + DISTRIBUTION_ROWS
    + DOWNLOAD_ROWS
    + ARCHIVE_ROWS
    + PICTURE_ROWS
    + NETWORK_ROWS
    + ACCOUNT_ROWS
    + ADMIN_ROWS
    + ADMIN_LIST_ROWS
)


# --- Running a cell -----------------------------------------------------------------------


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Public pages are cached whole; a page from another test's database must not answer.
    cache.clear()
    forget_version()
    # Logging in stamps last_login; without it every role starts from the same
    # database, so one fingerprint taken before the row serves all its cells.
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    yield World()
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def _value(spec, w, role):
    return spec(w, role) if callable(spec) else spec


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _is_login_redirect(response, login: str | None) -> bool:
    return bool(login) and response.status_code == 302 and response["Location"].startswith(login)


def _texts(spec, w, role) -> list:
    value = _value(spec, w, role)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_role_matrix(world, database_fingerprint, row):
    """One row: every role in turn, each in a savepoint rolled back after it.

    The objects are built once, before the first role; what one role's request
    changes is undone before the next one asks.
    """
    url = row.url(world)
    data = {role: row.data(world, role) if row.data else None for role in ROLES}
    before = database_fingerprint() if row.method == "POST" else None
    failures = []
    for role in ROLES:
        cache.clear()
        forget_version()
        try:
            with transaction.atomic():
                try:
                    _check_cell(world, database_fingerprint, before, row, role, url, data[role])
                finally:
                    transaction.set_rollback(True)
        except AssertionError as exc:
            failures.append(f"[{row.id}-{role}] {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)


def _check_cell(world, database_fingerprint, before, row, role, url, data):
    client = world.client_for(role)
    kept = row.keeps(world) if row.keeps else None

    response = client.get(url) if row.method == "GET" else client.post(url, data or {})
    expected = row.expected(role)
    body = _body(response)
    status = response.status_code
    where = f"{row.id} as {role}: expected {expected}, got {status}"

    assert status < 500, f"{where} {body[:200]!r}"
    if expected == ALLOWED:
        assert status == 200 if row.method == "GET" else status in (200, 204, 302), where
        assert not _is_login_redirect(response, row.login), where
        for marker in _texts(row.marker, world, role):
            if isinstance(marker, bytes):
                assert marker in body, f"{where}: no {marker!r}"
            else:
                assert marker in body.decode(), f"{where}: no {marker!r}"
        for absent in _texts(row.absent, world, role):
            assert absent not in body.decode(), f"{where}: shows {absent!r}"
        if row.effect is not None:
            row.effect(world, role, response)
        return
    if expected == "redirect":
        assert status == 302 and response["Location"] == reverse(row.redirect[role]), where
    elif expected == HIDDEN:
        assert status == 404, where
    elif expected == DECLINED:
        if row.method == "GET":
            assert status in (200, 400, 404), where
        else:
            assert status in (200, 302, 400, 404, 409), where
            assert not _is_login_redirect(response, row.login), where
    elif _is_login_redirect(response, row.login) and (role == ANON or row.login == ADMIN_LOGIN):
        pass  # sent to log in (the admin sends there whoever lacks admin access)
    else:
        assert role != ANON, f"{where}: not sent to log in"
        if row.keeps is not None:
            # A field the form ignores refuses as well as a 403 does.
            assert row.keeps(world) == kept, f"{where}: changed"
            return
        assert status == 403, where
    if row.method == "POST":
        assert database_fingerprint() == before, f"{where}: the database changed"


# --- The guard: no URL without a row ----------------------------------------------------------

# Patterns that need no row, each for a reason.
NOT_IN_THE_MATRIX = {
    # The admin's own plumbing: its login form and the pages around a password.
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",  # the translation catalogue for the admin's scripts
    "admin:autocomplete",  # answers only for fields the user may already edit
    "admin:view_on_site",  # redirects to the public page of an object
    "admin:app_list",  # the index, one app at a time
}
# The admin builds five URLs per model; the matrix opens every model's list
# (ADMIN_LISTS) and the forms that matter, so the others need no row of their own.
ADMIN_MODEL_URLS = ("_add", "_change", "_delete", "_history")


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            inner = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from _patterns(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern)


def _needs_a_row(name: str | None, route: str) -> bool:
    if name is None:
        # The admin's catch-all answers 404 (or sends to its login) for unknown admin paths.
        return not route.startswith("admin/")
    if name in NOT_IN_THE_MATRIX:
        return False
    return not (name.startswith("admin:") and name.endswith(ADMIN_MODEL_URLS))


def test_every_url_pattern_has_a_row():
    covered = {row.name for row in MATRIX}
    missing = sorted(
        f"{name or '(unnamed)'} ({route})"
        for name, route in _patterns(get_resolver())
        if _needs_a_row(name, route) and name not in covered
    )
    assert not missing, "URL patterns without a row in the access matrix: " + ", ".join(missing)


def test_every_admin_model_has_a_row():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_LISTS), (
        f"not in ADMIN_LISTS: {sorted(registered - set(ADMIN_LISTS))}; "
        f"no longer registered: {sorted(set(ADMIN_LISTS) - registered)}"
    )


def test_the_guard_notices_a_missing_row():
    """The guard itself can fail: without the desk's rows it names the desk's URLs."""
    covered = {row.name for row in MATRIX if not row.name.startswith("desk:")}
    missing = {
        name
        for name, route in _patterns(get_resolver())
        if _needs_a_row(name, route) and name not in covered
    }
    assert {"desk:transition", "desk:article_edit"} <= missing


def test_every_row_names_a_real_pattern():
    names = {name for name, _ in _patterns(get_resolver()) if name}
    assert not sorted({row.name for row in MATRIX} - names)
