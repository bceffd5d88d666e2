"""What the reviewer compares, marked in the text itself as Word's track changes do.

An article is compared field by field (标题, 导读标题, 供稿) and block by block:
the blocks are aligned first, and only a changed block is compared character by
character (``difflib.SequenceMatcher`` with ``autojunk=False``: Chinese has no
spaces to split words on, and autojunk would treat 的 and ， as noise). A block
too long to compare by characters in one go is aligned by sentences first, so a
20,000-character article takes milliseconds, not seconds.

Every text is escaped here; the result is safe HTML with ``<ins>``/``<del>``,
each carrying a visually hidden “插入：”/“删除：” for screen readers, and an
underline or a strike for readers who do not see the colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jianbao.publishing.markup import blocks_from_markup
from jianbao.publishing.parsed import (
    HEADING,
    IMAGE,
    NOTE,
    TABLE,
    TEXT_KINDS,
    Block,
    ParsedArticle,
    ParsedBulletin,
    block_from_dict,
)

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# Above this product of lengths a block is aligned by sentences before characters.
CHAR_BUDGET = 400_000
# An unchanged run this short between two changes is read as part of the change:
# “北京召开” → “上海举办” reads as one replacement, not as 北京→上海 around a kept 召.
SMALL_EQUAL = 1
# Two texts sharing less than this are shown as one deletion and one insertion.
MIN_SIMILARITY = 0.2
SENTENCE_ENDS = frozenset("。！？；!?;\n")
OPENERS = frozenset("《（(“‘【〔「『")
CLOSERS = frozenset("》）)”’】〕」』，、：:,")
KIND_LABELS = {HEADING: "小标题", NOTE: "按语", IMAGE: "图片", TABLE: "表格"}


Ops = list[tuple[str, str]]


# --- Characters ----------------------------------------------------------------


def char_ops(a: str, b: str) -> Ops:
    """``a`` → ``b`` as runs of (equal|insert|delete, text), characters compared."""
    if a == b:
        return [(EQUAL, a)] if a else []
    if not a:
        return [(INSERT, b)]
    if not b:
        return [(DELETE, a)]
    if len(a) * len(b) > CHAR_BUDGET:
        return _by_sentences(a, b)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < MIN_SIMILARITY:
        return [(DELETE, a), (INSERT, b)]
    ops: Ops = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            ops.append((EQUAL, a[i1:i2]))
            continue
        if i2 > i1:
            ops.append((DELETE, a[i1:i2]))
        if j2 > j1:
            ops.append((INSERT, b[j1:j2]))
    return _shifted(_merged(ops))


def sentences(text: str) -> list[str]:
    """The text cut after each 。！？； (and newline); joined back, it is the text."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            out.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def _by_sentences(a: str, b: str) -> Ops:
    left, right = sentences(a), sentences(b)
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    ops: Ops = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            ops.append((EQUAL, "".join(left[i1:i2])))
            continue
        old, new = "".join(left[i1:i2]), "".join(right[j1:j2])
        if len(old) * len(new) <= CHAR_BUDGET:
            ops += char_ops(old, new)
            continue
        for x, y in zip_longest(left[i1:i2], right[j1:j2], fillvalue=""):
            ops += char_ops(x, y) if len(x) * len(y) <= CHAR_BUDGET else [(DELETE, x), (INSERT, y)]
    return _merged(ops)


def _merged(ops: Ops) -> Ops:
    """Neighbouring runs joined: within one change, the deletion first, then the insertion."""
    out: Ops = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush():
        if deleted:
            out.append((DELETE, "".join(deleted)))
        if inserted:
            out.append((INSERT, "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for k, (tag, text) in enumerate(ops):
        if not text:
            continue
        if tag == EQUAL:
            inside = (deleted or inserted) and k + 1 < len(ops) and ops[k + 1][0] != EQUAL
            if inside and len(text) <= SMALL_EQUAL:
                deleted.append(text)
                inserted.append(text)
                continue
            flush()
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            else:
                out.append((EQUAL, text))
        elif tag == DELETE:
            deleted.append(text)
        else:
            inserted.append(text)
    flush()
    return out


def _boundary(left: str, right: str) -> int:
    """How natural a place between two characters is for a change to start or end."""
    if left in SENTENCE_ENDS:
        return 3
    if left in CLOSERS or right in OPENERS:
        return 2
    return 0


def _shifted(ops: Ops) -> Ops:
    """An insertion or deletion between two kept runs slid to where a reader sees it:
    “《甲》《乙》等” from “《甲》等” marks 《乙》, not the 》《乙 the matcher found first."""
    ops = list(ops)
    for k in range(1, len(ops) - 1):
        (before_tag, left), (tag, edit), (after_tag, right) = ops[k - 1], ops[k], ops[k + 1]
        if tag == EQUAL or before_tag != EQUAL or after_tag != EQUAL or not left or not right:
            continue
        # Slide fully left, then try each place to the right, keeping the best.
        while left and left[-1] == edit[-1]:
            left, edit, right = left[:-1], left[-1] + edit[:-1], edit[-1] + right
        best, best_score = (left, edit, right), -1
        while True:
            score = (_boundary(left[-1], edit[0]) if left else 4) + (
                _boundary(edit[-1], right[0]) if right else 4
            )
            if score > best_score:
                best, best_score = (left, edit, right), score
            if not right or right[0] != edit[0]:
                break
            left, edit, right = left + edit[0], edit[1:] + right[0], right[1:]
        left, edit, right = best
        ops[k - 1], ops[k], ops[k + 1] = (EQUAL, left), (tag, edit), (EQUAL, right)
    return [op for op in ops if op[1]]


def ops_html(ops: Ops) -> SafeString:
    parts = []
    for tag, text in ops:
        if tag == EQUAL:
            parts.append(escape(text))
        elif tag == INSERT:
            parts.append(_marked("ins", "插入", escape(text)))
        else:
            parts.append(_marked("del", "删除", escape(text)))
    return mark_safe("".join(parts))


def _marked(tag: str, word: str, inner: str, extra: str = "") -> str:
    cls = f"diff-{tag}{' ' + extra if extra else ''}"
    return (
        f'<{tag} class="{cls}"><span class="sr-only">{word}：</span>{inner}'
        f'<span class="sr-only">（{word}完）</span></{tag}>'
    )


def text_diff(a: str, b: str) -> SafeString:
    """``a`` → ``b`` marked inline, escaped."""
    return ops_html(char_ops(a, b))


# --- Blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the comparison: what it is (标题, 段落, 图片…) and its marked text."""

    label: str
    html: SafeString
    changed: bool


def _family(block: Block) -> str:
    return "text" if block.kind in TEXT_KINDS else block.kind


def _label(block: Block) -> str:
    return KIND_LABELS.get(block.kind, "段落")


def _signature(block: Block) -> tuple:
    if block.kind == IMAGE:
        return (IMAGE, block.file, block.caption, block.alt)
    if block.kind == TABLE:
        return (TABLE, block.caption, tuple(tuple(c.text for c in r) for r in block.rows))
    return (block.kind, block.text)


def _picture_text(block: Block) -> str:
    return f"图片：{block.caption or block.alt or '（无图题）'}"


def _whole(block: Block, tag: str) -> Row:
    """A block only one side has: inserted or deleted as a whole."""
    word = "插入" if tag == "ins" else "删除"
    if block.kind == IMAGE:
        html = _marked(tag, word, escape(_picture_text(block)), "diff-picture")
    elif block.kind == TABLE:
        op = INSERT if tag == "ins" else DELETE
        html = _table_html(block.caption, [[(op, c.text) for c in r] for r in block.rows], op)
    else:
        html = _marked(tag, word, escape(block.text))
    label = _label(block) + ("（新增）" if tag == "ins" else "（删去）")
    return Row(label, mark_safe(html), True)


def _pair(old: Block, new: Block) -> Row:
    if _signature(old) == _signature(new):
        text = _picture_text(new) if new.kind == IMAGE else new.plain_text
        return Row(_label(new), mark_safe(escape(text)), False)
    if new.kind == IMAGE:
        html = text_diff(_picture_text(old), _picture_text(new))
        if old.file != new.file:
            html = mark_safe(
                _marked("del", "删除", "原图片", "diff-picture")
                + _marked("ins", "插入", "新图片", "diff-picture")
                + " "
                + html
            )
            return Row("图片（已更换）", html, True)
        return Row("图片", html, True)
    if new.kind == TABLE:
        return Row("表格", mark_safe(_table_pair(old, new)), True)
    label = _label(new) if old.kind == new.kind else f"{_label(old)}→{_label(new)}"
    return Row(label, text_diff(old.text, new.text), True)


def _row_ops(old_row, new_row) -> list[Ops]:
    return [
        char_ops(x.text if x else "", y.text if y else "") for x, y in zip_longest(old_row, new_row)
    ]


def _table_pair(old: Block, new: Block) -> str:
    def key(row):
        return tuple(c.text for c in row)

    matcher = SequenceMatcher(None, [key(r) for r in old.rows], [key(r) for r in new.rows], False)
    rows: list = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            rows += [[[(EQUAL, c.text)] for c in r] for r in new.rows[j1:j2]]
            continue
        for x, y in zip_longest(old.rows[i1:i2], new.rows[j1:j2]):
            if x is None:
                rows.append([[(INSERT, c.text)] for c in y])
            elif y is None:
                rows.append([[(DELETE, c.text)] for c in x])
            else:
                rows.append(_row_ops(x, y))
    caption = text_diff(old.caption, new.caption) if (old.caption or new.caption) else ""
    return _table_html(caption, rows, None)


def _table_html(caption, rows, whole_op) -> str:
    """A table whose every cell is marked; ``whole_op`` for a table inserted or deleted whole."""
    if whole_op is not None:
        word = "插入" if whole_op == INSERT else "删除"
        tag = "ins" if whole_op == INSERT else "del"
        caption = _marked(tag, word, escape(caption)) if caption else ""
        body = "".join(
            "<tr>" + "".join(f"<td>{_marked(tag, word, escape(t))}</td>" for _, t in r) + "</tr>"
            for r in rows
        )
    else:
        body = "".join(
            "<tr>" + "".join(f"<td>{ops_html(cell)}</td>" for cell in r) + "</tr>" for r in rows
        )
    head = f'<p class="diff-caption">表题：{caption}</p>' if caption else ""
    return f'{head}<div class="table-wrap"><table class="diff-table">{body}</table></div>'


def block_rows(before: list[Block], after: list[Block]) -> list[Row]:
    """The blocks aligned, then each changed pair compared by characters."""
    a, b = list(before), list(after)
    matcher = SequenceMatcher(
        None, [_signature(x) for x in a], [_signature(x) for x in b], autojunk=False
    )
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            rows += [_pair(x, x) for x in b[j1:j2]]
        else:
            rows += _pair_up(a[i1:i2], b[j1:j2])
    return rows


def _pair_up(old: list[Block], new: list[Block]) -> list[Row]:
    """Within a changed stretch: pair blocks of one family in order; the rest are whole."""
    rows: list[Row] = []
    i = j = 0
    while i < len(old) and j < len(new):
        x, y = old[i], new[j]
        if _family(x) == _family(y):
            extra_new, extra_old = len(new) - j > len(old) - i, len(old) - i > len(new) - j
            similar = _similar(x, y)
            if similar or not (extra_new or extra_old):
                rows.append(_pair(x, y))
                i, j = i + 1, j + 1
            elif extra_new:
                rows.append(_whole(y, "ins"))
                j += 1
            else:
                rows.append(_whole(x, "del"))
                i += 1
        elif any(_family(z) == _family(x) for z in new[j + 1 :]):
            rows.append(_whole(y, "ins"))
            j += 1
        else:
            rows.append(_whole(x, "del"))
            i += 1
    rows += [_whole(x, "del") for x in old[i:]]
    rows += [_whole(y, "ins") for y in new[j:]]
    return rows


def _similar(x: Block, y: Block) -> bool:
    if x.kind == IMAGE:
        return x.file == y.file or x.caption == y.caption
    left, right = x.plain_text, y.plain_text
    if len(left) * len(right) > CHAR_BUDGET:
        return True
    return SequenceMatcher(None, left, right, autojunk=False).quick_ratio() >= 0.5


# --- Articles and issues ---------------------------------------------------------


def article_rows(before: ParsedArticle | None, after: ParsedArticle | None) -> list[Row]:
    """标题, 导读标题, 供稿 and the blocks of ``before`` → ``after`` (None: not there)."""
    empty = ParsedArticle(title="")
    old, new = before or empty, after or empty
    rows = []
    for label, x, y in (
        ("标题", old.title, new.title),
        ("导读标题", old.toc_title, new.toc_title),
    ):
        if x or y:
            rows.append(Row(label, text_diff(x, y), x != y))
    rows += block_rows(list(old.blocks), list(new.blocks))
    if old.credit or new.credit:
        rows.append(Row("供稿", text_diff(old.credit, new.credit), old.credit != new.credit))
    return rows


def rows_html(rows: list[Row], *, context: int = 1) -> SafeString:
    """The rows as HTML, unchanged stretches folded to ``context`` rows either side;
    empty when nothing changed."""
    changed = [k for k, r in enumerate(rows) if r.changed]
    if not changed:
        return mark_safe("")
    keep = {k + d for k in changed for d in range(-context, context + 1)}
    parts, folded = [], 0
    for k, row in enumerate(rows):
        if k not in keep:
            folded += 1
            continue
        if folded:
            parts.append(f'<p class="diff-fold">（此处 {folded} 段未改动）</p>')
            folded = 0
        cls = "diff-row changed" if row.changed else "diff-row"
        parts.append(
            f'<div class="{cls}"><span class="diff-label">{escape(row.label)}</span>'
            f'<div class="diff-text">{row.html}</div></div>'
        )
    if folded:
        parts.append(f'<p class="diff-fold">（此处 {folded} 段未改动）</p>')
    return mark_safe(f'<div class="inline-diff">{"".join(parts)}</div>')


def article_diff(before: ParsedArticle | None, after: ParsedArticle | None) -> SafeString:
    """``before`` → ``after`` marked inline, as safe HTML; empty when they read the same."""
    return rows_html(article_rows(before, after))


def bulletin_diff(before: ParsedBulletin, after: ParsedBulletin) -> SafeString:
    """Two versions of an issue, article by article (a correction's 勘误前 → 勘误后).

    Articles are aligned by section and title; a renamed article pairs with the
    one in its place. Empty when the two read the same.
    """

    def listed(bulletin):
        return [(s.title, a) for s in bulletin.sections for a in s.articles]

    old, new = listed(before), listed(after)
    matcher = SequenceMatcher(
        None, [(s, a.title) for s, a in old], [(s, a.title) for s, a in new], autojunk=False
    )
    parts = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for x, y in zip_longest(old[i1:i2], new[j1:j2]):
            html = article_diff(x and x[1], y and y[1])
            if html:
                section, article = y or x
                where = f"【{escape(section)}】《{escape(article.title)}》"
                parts.append(f'<h3 class="diff-article">{where}</h3>{html}')
    return mark_safe("".join(parts))


# --- The review page ---------------------------------------------------------------


def stored_article(article) -> ParsedArticle:
    """A stored article (blocks prefetched) as plain data."""
    from jianbao.bulletins.services import stored_block

    return ParsedArticle(
        title=article.title,
        toc_title=article.toc_title,
        credit=article.credit,
        blocks=tuple(stored_block(b) for b in article.blocks.all()),
    )


def submitted_article(submission) -> ParsedArticle:
    """What the alliance sent, read as readers read it (captions and tables, not markup)."""
    blocks, _ = blocks_from_markup(submission.body)
    return ParsedArticle(title=submission.title, credit=submission.credit, blocks=tuple(blocks))


def _from_state(state: dict) -> ParsedArticle:
    return ParsedArticle(
        title=state.get("title") or "",
        toc_title=state.get("toc_title") or "",
        credit=state.get("credit") or "",
        blocks=tuple(block_from_dict(b) for b in state.get("blocks") or ()),
    )


def previous_round_states(issue) -> dict[int, ParsedArticle | None] | None:
    """Each article as the reviewer saw it in the previous round: its content at
    the submit before the latest one (None: the article was not in the issue then).

    Read from the article's edit history (before/after of every save); None when
    the issue has been submitted only once. An article no row names since is
    unchanged, and is left out.
    """
    from django.db.models import Subquery

    from jianbao.bulletins.models import IssueEvent
    from jianbao.core.history import history_of

    # One query, however many rounds: the rows, each carrying the time of that submit.
    previous_submit = (
        IssueEvent.objects.filter(issue=issue, action="submit")
        .order_by("-created_at", "-id")
        .values("created_at")[1:2]
    )
    rows = list(
        history_of(issue)
        .filter(action__startswith="bulletins.article.")
        .annotate(previous_submit=Subquery(previous_submit))
    )
    then = rows[0].previous_submit if rows else None
    if then is None:
        return None
    by_article: dict[int, list] = {}
    for row in rows:
        pk = row.data.get("article") if isinstance(row.data, dict) else None
        if isinstance(pk, int) and ("before" in row.data or "after" in row.data):
            by_article.setdefault(pk, []).append(row)
    states: dict[int, ParsedArticle | None] = {}
    for pk, events in by_article.items():
        earlier = [e for e in events if e.created_at <= then]
        later = [e for e in events if e.created_at > then]
        if earlier:
            after = earlier[-1].data.get("after")
            states[pk] = _from_state(after) if after else None
        elif later:
            before = later[0].data.get("before")
            states[pk] = _from_state(before) if before else None
    return states


def attach_submission_diffs(issue) -> None:
    """For the reviewer: each article against what the alliance sent
    (``submission_diff``) and against the previous review round (``round_diff``).

    Sets both on the prefetched articles the page lists; empty when nothing changed.
    """
    previous = previous_round_states(issue)
    for section in issue.sections.all():
        for article in section.articles.all():
            now = stored_article(article)
            submission = next(iter(article.submissions.all()), None)
            article.submission_diff = (
                article_diff(submitted_article(submission), now) if submission else ""
            )
            if previous is None or article.pk not in previous:
                article.round_diff = ""
            else:
                article.round_diff = article_diff(previous[article.pk], now)


def revision_diff(revision) -> SafeString:
    """A 勘误's change, marked inline: the issue before it → after it (the next
    correction's starting point, or the issue as it is now). For the revision page."""
    from jianbao.bulletins.services import issue_to_bulletin
    from jianbao.publishing.parsed import bulletin_from_dict

    issue = revision.issue
    later = issue.revisions.filter(number__gt=revision.number).order_by("number").first()
    after = bulletin_from_dict(later.snapshot) if later else issue_to_bulletin(issue)
    return bulletin_diff(bulletin_from_dict(revision.snapshot), after)
