"""Proofing in the desk: run the check on a stored issue, apply a suggestion,
dismiss a finding (and take that back), keep the office's dictionary.

Every write takes its actor as ``by`` and records its history row in the same
transaction. A suggestion is applied through the desk's own edit services
(bulletins.editing, bulletins.sections), so it is recorded, versioned and
conflict-checked like any edit. ``issue_proof`` is the one read the proofing
page, the issue page's summary and the 提交审核 precondition share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from jianbao.bulletins import editing
from jianbao.bulletins.models import Article, Issue, Section
from jianbao.bulletins.workflow import Action, Condition
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role
from jianbao.core.roles import display_name, has_role
from jianbao.publishing.parsed import IMAGE, TABLE, TEXT_KINDS, Mark

from .context import EXCEPTION, KINDS, NAME, USAGE
from .findings import (
    ADVICE,
    BLOCK,
    CAPTION,
    CELL,
    CONTEXT,
    CREDIT,
    EDITOR_NOTE,
    ERROR,
    HINT,
    SECTION,
    SEVERITIES,
    TITLE,
    TOC_TITLE,
    Finding,
)
from .models import DictionaryEntry, Dismissal

DESK_ROLES = (Role.EDITOR, Role.REVIEWER, Role.SIGNER)
ARTICLE_PARTS = (TITLE, TOC_TITLE, CREDIT, BLOCK, CAPTION, CELL)
# The parts a suggestion can be applied to from the proofing page; the others
# (报头 and 版记 come from the series' settings, the 导读 is built) are shown
# with their suggestion for the editor to act on where they are kept.
APPLICABLE = (*ARTICLE_PARTS, SECTION, EDITOR_NOTE)
SEVERITY_SLUGS = {ERROR: "error", ADVICE: "advice", HINT: "hint"}
MAX_REASON = Dismissal._meta.get_field("reason").max_length


class ProofingRefused(JianbaoError):
    """A proofing write the state or the input does not allow; ``field`` names the
    form field the message belongs beside."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


class TextChanged(ProofingRefused):
    """The flagged text is no longer what the finding quoted: nothing was written."""

    def __init__(self):
        super().__init__("这处文字在审校之后已被修改，未作改动；请看重新审校的结果")


# --- Reading ------------------------------------------------------------------------------


def run_check(issue: Issue) -> list[Finding]:
    """The checker on the stored issue, with what the store knows (selectors.context_for):
    the one place the desk runs it."""
    from .selectors import proof_issue

    return proof_issue(issue)


@dataclass(frozen=True)
class Item:
    """A finding as the desk shows it."""

    finding: Finding
    article_title: str = ""
    dismissal: Dismissal | None = None

    @property
    def key(self) -> str:
        return self.finding.key

    @property
    def severity_slug(self) -> str:
        return SEVERITY_SLUGS.get(self.finding.severity, "hint")

    @property
    def clipped(self) -> tuple[bool, bool]:
        """Whether text goes on before and after the context shown (an ellipsis there)."""
        f = self.finding
        return f.start > len(f.before), len(f.after) == CONTEXT

    @property
    def can_apply(self) -> bool:
        return self.finding.suggestion is not None and self.finding.where.part in APPLICABLE

    @property
    def group(self) -> str:
        """The heading it is listed under: its article, or the issue as a whole."""
        w = self.finding.where
        if w.article is not None:
            return (
                f"第{w.article}篇《{self.article_title}》"
                if self.article_title
                else f"第{w.article}篇"
            )
        return "全期（报头、导读、栏目、编者按、版记）"


@dataclass
class IssueProof:
    issue: Issue
    items: list[Item]
    article_id: int | None = None  # showing one article only
    titles: dict[int, str] = field(default_factory=dict)

    @property
    def shown(self) -> list[Item]:
        if self.article_id is None:
            return self.items
        return [i for i in self.items if i.finding.where.article_id == self.article_id]

    @property
    def open(self) -> list[Item]:
        return [i for i in self.shown if i.dismissal is None]

    @property
    def dismissed(self) -> list[Item]:
        return [i for i in self.shown if i.dismissal is not None]

    def count(self, severity: str) -> int:
        return sum(1 for i in self.open if i.finding.severity == severity)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(s, self.count(s)) for s in SEVERITIES]

    @property
    def open_errors(self) -> int:
        """Over the whole issue, whatever is shown: what 提交审核 counts."""
        return sum(1 for i in self.items if i.dismissal is None and i.finding.severity == ERROR)

    @property
    def groups(self) -> list[dict]:
        """The open findings by severity, then by article in print order."""
        out = []
        for severity in SEVERITIES:
            items = [i for i in self.open if i.finding.severity == severity]
            if not items:
                continue
            by_group: dict[str, list[Item]] = {}
            for item in items:
                by_group.setdefault(item.group, []).append(item)
            out.append(
                {
                    "severity": severity,
                    "slug": SEVERITY_SLUGS[severity],
                    "count": len(items),
                    "articles": [{"title": t, "items": its} for t, its in by_group.items()],
                }
            )
        return out


def issue_proof(issue: Issue, *, article_id: int | None = None) -> IssueProof:
    """The issue's findings with their dismissals; kept on the issue object, so a page
    that asks twice (the 提交审核 confirmation and the summary) runs the check once."""
    cached = issue.__dict__.get("_proof")
    if cached is None:
        findings = run_check(issue)
        dismissals = {d.key: d for d in Dismissal.objects.filter(issue=issue)}
        titles = dict(Article.objects.filter(section__issue=issue).values_list("pk", "title"))
        items = [
            Item(f, titles.get(f.where.article_id, ""), dismissals.get(f.key)) for f in findings
        ]
        cached = issue.__dict__["_proof"] = IssueProof(issue, items, titles=titles)
    if article_id is None:
        return cached
    return replace(cached, article_id=article_id)


def can_read(user) -> bool:
    return any(has_role(user, r) for r in DESK_ROLES)


def can_act(user, issue: Issue) -> bool:
    """Apply and dismiss: the editor, while the issue is 编辑中. Reviewers and signers read."""
    return issue.state == Issue.State.EDITING and has_role(user, Role.EDITOR)


def require_reader(user) -> None:
    if not can_read(user):
        raise PermissionDenied("审校结果只对编辑、审核人和签发人开放")


def submission_condition(issue: Issue, action: str) -> Condition | None:
    """The precondition proofing puts on 提交审核 (registered in apps.ProofingConfig)."""
    if action != Action.SUBMIT or issue.state != Issue.State.EDITING:
        return None
    count = issue_proof(issue).open_errors
    if not count:
        return None
    if issue.series.proof_errors_block_submission:
        return Condition(
            f"本期还有 {count} 处审校错误未处理：本系列规定须先采用建议或写明理由忽略，"
            "才能提交审核",
            blocks=True,
        )
    return Condition(f"本期还有 {count} 处审校错误未处理（见“审校”页）")


def _current(issue: Issue, key: str) -> Finding:
    """The finding with this key in a fresh run of the check, or TextChanged."""
    for finding in run_check(issue):
        if finding.key == key:
            return finding
    raise TextChanged()


def _editable(by, issue: Issue) -> Issue:
    """The one gate of every proofing write on an issue: an editor, the issue 编辑中."""
    issue = editing.access_issue_for_edit(by, issue.pk)
    # One writer at a time: the text checked is the text changed.
    return Issue.objects.select_for_update().select_related("series").get(pk=issue.pk)


# --- Applying a suggestion ----------------------------------------------------------------


def shifted_marks(marks, start: int, end: int, length: int) -> tuple[Mark, ...]:
    """Marks over a text whose ``[start, end)`` became ``length`` characters: they stay
    on the same characters; a mark over the replaced text covers its replacement, and
    one left empty (its text deleted) is dropped."""
    delta = length - (end - start)

    def moved(at: int, *, closing: bool) -> int:
        if at <= start:
            return at
        if at >= end:
            return at + delta
        return start + length if closing else start

    out = []
    for m in marks:
        a, b = moved(m.start, closing=False), moved(m.end, closing=True)
        if a < b:
            out.append(replace(m, start=a, end=b))
    return tuple(out)


def _replaced(text: str, finding: Finding) -> str:
    """``text`` with the finding's quote replaced by its suggestion, if it is still there."""
    start, end = finding.start, finding.start + len(finding.quote)
    if (
        text[start:end] != finding.quote
        or text[max(0, start - CONTEXT) : start] != finding.before
        or text[end : end + CONTEXT] != finding.after
    ):
        raise TextChanged()
    return text[:start] + finding.suggestion + text[end:]


def _text_block(block, finding: Finding):
    """The block with the replacement made in the text the finding points at."""
    w = finding.where
    start, end = finding.start, finding.start + len(finding.quote)
    length = len(finding.suggestion)
    if w.part == BLOCK:
        if block.kind not in TEXT_KINDS:
            raise TextChanged()
        return replace(
            block,
            text=_replaced(block.text, finding),
            marks=shifted_marks(block.marks, start, end, length),
        )
    if w.part == CELL:
        if block.kind != TABLE or w.cell is None:
            raise TextChanged()
        r, c = w.cell
        try:
            cell = block.rows[r][c]
        except IndexError:
            raise TextChanged() from None
        cell = replace(
            cell,
            text=_replaced(cell.text, finding),
            marks=shifted_marks(cell.marks, start, end, length),
        )
        rows = [list(row) for row in block.rows]
        rows[r][c] = cell
        return replace(block, rows=tuple(tuple(row) for row in rows))
    # A caption: a picture has a caption and an alternative text, both shown as 图表说明.
    names = ("caption", "alt") if block.kind == IMAGE else ("caption",)
    if block.kind not in (IMAGE, TABLE):
        raise TextChanged()
    for name in names:
        try:
            return replace(block, **{name: _replaced(getattr(block, name), finding)})
        except TextChanged:
            continue
    raise TextChanged()


def _apply_to_article(issue: Issue, finding: Finding, *, by) -> Article:
    w = finding.where
    article = (
        Article.objects.select_for_update().filter(section__issue=issue, pk=w.article_id).first()
    )
    if article is None:
        raise TextChanged()
    fields = {"title": article.title, "toc_title": article.toc_title, "credit": article.credit}
    blocks = list(editing.article_blocks(article))
    if w.part in fields:
        new = _replaced(fields[w.part], finding)
        # The desk's edit trims these fields (and the credit's brackets, printed by the
        # layout): a suggestion the trim would change is made in the article's form.
        trimmed = new.strip().strip("（）()") if w.part == CREDIT else new.strip()
        if trimmed != new or (w.part == TITLE and not new):
            raise ProofingRefused("这条建议会改动首尾的文字或括号，请在文章编辑页中修改")
        fields[w.part] = new
    else:
        if w.block is None or not 0 <= w.block < len(blocks):
            raise TextChanged()
        blocks[w.block] = _text_block(blocks[w.block], finding)
    saved = editing.update_article(
        article, by=by, **fields, blocks=tuple(blocks), version=article.version
    )
    state = (saved.title, saved.toc_title, saved.credit, editing.article_blocks(saved))
    if state[:3] != (fields["title"], fields["toc_title"], fields["credit"]) or _texts(
        state[3]
    ) != _texts(blocks):
        # The save normalised something the suggestion did not ask for: undo it all.
        raise ProofingRefused("采用建议后的文字与建议不一致，未作改动；请在文章编辑页中修改")
    return saved


def _texts(blocks) -> list:
    return [(b.kind, b.text, b.caption, b.alt, b.marks, b.rows) for b in blocks]


def _apply_to_section(issue: Issue, finding: Finding, *, by) -> Section:
    from jianbao.bulletins import sections

    w = finding.where
    shown = list(issue.sections.filter(is_hidden=False).order_by("position"))
    if w.section is None or not 1 <= w.section <= len(shown):
        raise TextChanged()
    section = shown[w.section - 1]
    if w.field == "导读":
        new = _replaced(section.toc_title, finding)
        saved = sections.rename_section(section, by=by, title=section.title, toc_title=new)
        ok = saved.toc_title == new
    else:
        new = _replaced(section.title, finding)
        saved = sections.rename_section(section, by=by, title=new)
        ok = saved.title == new
    if not ok:
        raise ProofingRefused("采用建议后的栏目名与建议不一致，未作改动；请在本期页面修改栏目名")
    return saved


def _apply_to_note(issue: Issue, finding: Finding, *, by) -> None:
    from jianbao.bulletins import sections

    new = _replaced(issue.editor_note, finding)
    saved = sections.set_editor_note(issue, by=by, text=new)
    if saved.editor_note != new:
        raise ProofingRefused("采用建议后的编者按与建议不一致，未作改动；请在导读与编者按页修改")


@transaction.atomic
def apply_suggestion(issue: Issue, key: str, *, by) -> Finding:
    """Replace exactly the flagged text by the finding's suggestion, through the desk's
    edit services; refused when the text has changed since the check."""
    issue = _editable(by, issue)
    finding = _current(issue, key)
    if finding.suggestion is None:
        raise ProofingRefused("这条审校提示没有可采用的建议，请在原文中修改")
    if Dismissal.objects.filter(issue=issue, key=key).exists():
        raise ProofingRefused("这条审校提示已被忽略；要采用建议，请先恢复它")
    part = finding.where.part
    if part in ARTICLE_PARTS:
        _apply_to_article(issue, finding, by=by)
    elif part == SECTION:
        _apply_to_section(issue, finding, by=by)
    elif part == EDITOR_NOTE:
        _apply_to_note(issue, finding, by=by)
    else:
        raise ProofingRefused(f"“{finding.where.label}”不能在审校页修改，请在简报设置或导读页修改")
    record(
        "proofing.suggestion.apply",
        by=by,
        subject=issue,
        data=_finding_data(issue, finding),
    )
    return finding


def _finding_data(issue: Issue, finding: Finding) -> dict:
    data = {
        "key": finding.key,
        "rule": finding.rule,
        "severity": finding.severity,
        "where": finding.where.label,
        "quote": finding.quote,
        "suggestion": finding.suggestion,
    }
    w = finding.where
    if w.article_id is not None:
        data["article"] = w.article_id
        title = Article.objects.filter(pk=w.article_id).values_list("title", flat=True).first()
        if title:
            # The issue page's 修改记录 names the article by its title.
            data["title"] = title
    return data


# --- Dismissing a finding -----------------------------------------------------------------


@transaction.atomic
def dismiss_finding(issue: Issue, key: str, *, by, reason: str) -> Dismissal:
    """The editor judges a finding not to be a problem, for this text, and says why."""
    issue = _editable(by, issue)
    reason = " ".join(reason.split())
    if not reason:
        raise ProofingRefused("请写明忽略的理由", field="reason")
    if len(reason) > MAX_REASON:
        raise ProofingRefused(f"理由最多 {MAX_REASON} 字，现有 {len(reason)} 字", field="reason")
    finding = _current(issue, key)
    if Dismissal.objects.filter(issue=issue, key=key).exists():
        raise ProofingRefused("这条审校提示已经忽略过了")
    dismissal = Dismissal.objects.create(
        issue=issue,
        key=key,
        rule=finding.rule[:60],
        quote=finding.quote[:500],
        reason=reason,
        by=by,
        by_name=display_name(by)[:100],
    )
    record(
        "proofing.finding.ignore",
        by=by,
        subject=issue,
        comment=reason,
        data={**_finding_data(issue, finding), "reason": reason},
    )
    return dismissal


@transaction.atomic
def reopen_finding(issue: Issue, key: str, *, by) -> Dismissal:
    """Take a dismissal back: the finding is open again (the history keeps both)."""
    issue = _editable(by, issue)
    dismissal = Dismissal.objects.select_for_update().filter(issue=issue, key=key).first()
    if dismissal is None:
        raise ProofingRefused("这条审校提示没有被忽略，无需恢复")
    data = {
        "key": key,
        "rule": dismissal.rule,
        "quote": dismissal.quote,
        "reason": dismissal.reason,
        "dismissed_by": dismissal.by_name,
    }
    dismissal.delete()
    record("proofing.finding.reopen", by=by, subject=issue, data=data)
    return dismissal


# --- The office's dictionary --------------------------------------------------------------

ENTRY_FIELDS = ("kind", "term", "replacement", "note", "valid_from", "valid_until")
ENTRY_LABELS = {
    "kind": "类别",
    "term": "查找",
    "replacement": "应为",
    "note": "说明",
    "valid_from": "起用日期",
    "valid_until": "停用日期",
    "is_active": "启用",
}
_MAX = {
    name: DictionaryEntry._meta.get_field(name).max_length
    for name in ("term", "replacement", "note")
}


def can_edit_dictionary(user) -> bool:
    return has_role(user, Role.EDITOR)


def require_dictionary_editor(user) -> None:
    if not can_edit_dictionary(user):
        raise PermissionDenied("只有编辑可以修改审校词典")


def _entry_values(
    *,
    kind: str,
    term: str,
    replacement: str,
    note: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    exclude: int | None = None,
) -> dict:
    if kind not in KINDS:
        raise ProofingRefused("请选择词条类别", field="kind")
    # Inner spaces are kept: an exception such as “中共中央 国务院” is about them.
    term, replacement, note = term.strip(), replacement.strip(), note.strip()
    if not term:
        raise ProofingRefused("请填写要查找的文字", field="term")
    for name, value in (("term", term), ("replacement", replacement), ("note", note)):
        if len(value) > _MAX[name]:
            raise ProofingRefused(
                f"{ENTRY_LABELS[name]}最多 {_MAX[name]} 字，现有 {len(value)} 字", field=name
            )
    if kind in (USAGE, NAME) and not replacement:
        raise ProofingRefused("用法和规范名称的词条须填写“应为”", field="replacement")
    if kind == EXCEPTION and replacement:
        raise ProofingRefused(
            "例外词条不填“应为”：它只让各条规则不标出这段文字", field="replacement"
        )
    if replacement and replacement == term:
        raise ProofingRefused("“应为”与“查找”相同，这一条不会起作用", field="replacement")
    if valid_from and valid_until and valid_until < valid_from:
        raise ProofingRefused("停用日期不能早于起用日期", field="valid_until")
    same = DictionaryEntry.objects.filter(kind=kind, term=term, replacement=replacement).exclude(
        pk=exclude
    )
    other = same.first()
    if other is not None:
        state = "" if other.is_active else "（已停用，可在词典中重新启用）"
        raise ProofingRefused(f"词典里已有这一条{state}", field="term")
    return {
        "kind": kind,
        "term": term,
        "replacement": replacement,
        "note": note,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _entry_data(entry: DictionaryEntry) -> dict:
    return {
        "kind": entry.kind,
        "term": entry.term,
        "replacement": entry.replacement,
        "note": entry.note,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "is_active": entry.is_active,
    }


def _save(entry: DictionaryEntry) -> None:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Someone saved the same entry between the check and this write.
        raise ProofingRefused("词典里已有这一条", field="term") from None


@transaction.atomic
def add_entry(
    *,
    by,
    kind: str,
    term: str,
    replacement: str = "",
    note: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> DictionaryEntry:
    require_dictionary_editor(by)
    values = _entry_values(
        kind=kind,
        term=term,
        replacement=replacement,
        note=note,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    entry = DictionaryEntry(**values)
    _save(entry)
    record("proofing.entry.add", by=by, subject=entry, data=_entry_data(entry))
    return entry


@transaction.atomic
def edit_entry(
    entry: DictionaryEntry,
    *,
    by,
    kind: str,
    term: str,
    replacement: str = "",
    note: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> list[str]:
    """Save the entry's fields; return the labels of what changed (empty: nothing did)."""
    require_dictionary_editor(by)
    entry = DictionaryEntry.objects.select_for_update().get(pk=entry.pk)
    values = _entry_values(
        kind=kind,
        term=term,
        replacement=replacement,
        note=note,
        valid_from=valid_from,
        valid_until=valid_until,
        exclude=entry.pk,
    )
    before = _entry_data(entry)
    for name, value in values.items():
        setattr(entry, name, value)
    after = _entry_data(entry)
    changed = [name for name in ENTRY_FIELDS if before[name] != after[name]]
    if not changed:
        return []
    _save(entry)
    record(
        "proofing.entry.edit",
        by=by,
        subject=entry,
        data={
            "changed": changed,
            "labels": [ENTRY_LABELS[n] for n in changed],
            "before": {n: before[n] for n in changed},
            "after": {n: after[n] for n in changed},
        },
    )
    return [ENTRY_LABELS[n] for n in changed]


@transaction.atomic
def set_entry_active(entry: DictionaryEntry, *, by, active: bool) -> DictionaryEntry:
    """Stop using an entry (entries are never deleted: the history names them), or use it again."""
    require_dictionary_editor(by)
    entry = DictionaryEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.is_active == active:
        raise ProofingRefused("这一条已经启用" if active else "这一条已经停用")
    entry.is_active = active
    entry.save(update_fields=["is_active", "updated_at"])
    record(
        "proofing.entry.enable" if active else "proofing.entry.deactivate",
        by=by,
        subject=entry,
        data=_entry_data(entry),
    )
    return entry
