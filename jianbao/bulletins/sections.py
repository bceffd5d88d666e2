"""An issue's own sections, its 导读 and its 编者按: services (writes) and selectors (reads).

Every write goes through ``editing.access_issue_for_edit`` (editors only, and
only while the issue is 编辑中) and leaves a history row in its transaction.
The series' default sections (SeriesSection) are never touched: a change here
is for this issue only.

Hiding is refused for a section that holds articles: search, statistics and
the public pictures read articles straight from the database, so an article in
a hidden section would be public without ever having been printed, reviewed or
signed. An empty section is hidden instead of deleted when it may come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from jianbao.bulletins.models import Article, Issue, Section
from jianbao.bulletins.signals import issue_content_changed
from jianbao.core.errors import JianbaoError
from jianbao.core.history import record

TITLE_MAX = Section._meta.get_field("title").max_length


class SectionRefused(JianbaoError):
    """The change would leave the issue wrong; nothing was changed."""

    def __init__(self, message: str, *, field: str = ""):
        self.field = field
        super().__init__(message)


class TocConflict(JianbaoError):
    """An article changed after the 导读 form was opened; nothing was saved."""

    def __init__(self, articles: list[Article]):
        self.articles = articles
        names = "、".join(f"《{a.title}》" for a in articles)
        super().__init__(
            f"{names}在您打开导读后已被他人修改；导读未保存。下方保留了您的写法，核对后再次保存即可"
        )


# --- Selectors ---------------------------------------------------------------------


def output_sections(issue: Issue) -> list[Section]:
    """The sections that may reach any output (PDF, Word, web, WeChat, text), in order.

    bulletins.services.issue_to_bulletin builds its ParsedSections from these
    (with ``keep_when_empty`` from the row); publishing.parsed.printed_sections
    then leaves out the empty ones the editor did not keep. Reads the
    prefetched ``issue.sections`` when there is one.
    """
    return [s for s in issue.sections.all() if not s.is_hidden]


def section_printed(section: Section, article_count: int) -> bool:
    return not section.is_hidden and (article_count > 0 or section.keep_when_empty)


@dataclass
class TocSection:
    section: Section
    articles: list[Article] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return self.section.toc_title or self.section.title


@dataclass
class Toc:
    """The 导读 as the reader sees it, and the sections it leaves out and why."""

    printed: list[TocSection]
    left_out: list[tuple[Section, str]]

    @property
    def articles(self) -> list[Article]:
        return [a for s in self.printed for a in s.articles]


def issue_toc(issue: Issue) -> Toc:
    """Each printed section with its articles in print order (the order of the PDF's 导读)."""
    sections = issue.sections.order_by("position").prefetch_related("articles")
    printed, left_out = [], []
    for section in sections:
        articles = sorted(section.articles.all(), key=lambda a: a.position)
        if section.is_hidden:
            left_out.append((section, "本期隐藏"))
        elif not articles and not section.keep_when_empty:
            left_out.append((section, "暂无文章，不印出"))
        else:
            printed.append(TocSection(section, articles))
    return Toc(printed=printed, left_out=left_out)


def toc_line(article: Article) -> str:
    """The article's line in the 导读: its own wording, or its title."""
    return article.toc_title or article.title


# --- Services ----------------------------------------------------------------------


def _gate(by, issue_id: int) -> Issue:
    # Imported here, not at the top: editing imports services, and services
    # imports this module (issue_to_bulletin reads output_sections).
    from jianbao.bulletins.editing import access_issue_for_edit

    issue = access_issue_for_edit(by, issue_id)
    # One writer at a time per issue: positions and titles are checked under this lock.
    return Issue.objects.select_for_update().get(pk=issue.pk)


def _section_for_edit(section: Section, by) -> tuple[Issue, Section]:
    issue = _gate(by, section.issue_id)
    return issue, Section.objects.get(pk=section.pk)


def _clean_title(issue: Issue, title: str, *, exclude: int | None = None) -> str:
    title = " ".join(title.split())
    if not title:
        raise SectionRefused("请填写栏目名称", field="title")
    if len(title) > TITLE_MAX:
        raise SectionRefused(f"栏目名称最多{TITLE_MAX}字", field="title")
    same = issue.sections.filter(title=title).exclude(pk=exclude).first()
    if same is not None:
        raise SectionRefused(f"本期已有栏目“{title}”", field="title")
    return title


def _data(section: Section, **extra) -> dict:
    return {"section": section.pk, "title": section.title, **extra}


def _changed(issue: Issue) -> None:
    issue_content_changed.send(sender=Issue, issue=issue)


@transaction.atomic
def add_section(issue: Issue, *, by, title: str, toc_title: str = "") -> Section:
    """A new section at the end of this issue (the series' sections stay as they are)."""
    issue = _gate(by, issue.pk)
    title = _clean_title(issue, title)
    last = issue.sections.aggregate(n=Max("position"))["n"]
    section = Section.objects.create(
        issue=issue,
        position=0 if last is None else last + 1,
        title=title,
        toc_title=" ".join(toc_title.split()),
    )
    record(
        "bulletins.section.add",
        by=by,
        subject=issue,
        data=_data(section, toc_title=section.toc_title, position=section.position),
    )
    _changed(issue)
    return section


@transaction.atomic
def rename_section(section: Section, *, by, title: str, toc_title: str | None = None) -> Section:
    """A new name (and, when given, a new 导读 wording) for this issue's section."""
    issue, section = _section_for_edit(section, by)
    title = _clean_title(issue, title, exclude=section.pk)
    toc = section.toc_title if toc_title is None else " ".join(toc_title.split())
    before = {"title": section.title, "toc_title": section.toc_title}
    after = {"title": title, "toc_title": toc}
    if before == after:
        return section
    section.title, section.toc_title = title, toc
    section.save(update_fields=["title", "toc_title"])
    record(
        "bulletins.section.rename",
        by=by,
        subject=issue,
        data=_data(section, before=before, after=after),
    )
    _changed(issue)
    return section


@transaction.atomic
def set_section_hidden(section: Section, *, by, hidden: bool) -> Section:
    """Hide an empty section for this issue (it prints nowhere), or show it again."""
    issue, section = _section_for_edit(section, by)
    if section.is_hidden == hidden:
        return section
    if hidden:
        count = section.articles.count()
        if count:
            raise SectionRefused(
                f"栏目“{section.title}”还有{count}篇文章，不能隐藏："
                "请先把文章移到其他栏目或删除；隐藏的栏目不印出，其中的文章也就无人审核"
            )
    section.is_hidden = hidden
    section.save(update_fields=["is_hidden"])
    record(
        "bulletins.section.hide" if hidden else "bulletins.section.show",
        by=by,
        subject=issue,
        data=_data(section),
    )
    _changed(issue)
    return section


def require_visible(section: Section) -> None:
    """Refuse to put an article into a hidden section (for add_article and move_article)."""
    if section.is_hidden:
        raise SectionRefused(f"栏目“{section.title}”本期已隐藏，请先取消隐藏再放入文章")


@transaction.atomic
def set_keep_when_empty(section: Section, *, by, keep: bool) -> Section:
    """Print the section (its name, in the 导读 and the body) even when it has no article."""
    issue, section = _section_for_edit(section, by)
    if section.keep_when_empty == keep:
        return section
    section.keep_when_empty = keep
    section.save(update_fields=["keep_when_empty"])
    record(
        "bulletins.section.update",
        by=by,
        subject=issue,
        data=_data(
            section,
            before={"keep_when_empty": not keep},
            after={"keep_when_empty": keep},
        ),
    )
    _changed(issue)
    return section


def _place(issue: Issue, ordered: list[int]) -> None:
    """Positions 0.. for ``ordered`` section ids, through a free range, because
    ``section_position_unique`` holds at every statement, not only at commit."""
    base = (issue.sections.aggregate(n=Max("position"))["n"] or 0) + 1
    for i, pk in enumerate(ordered):
        Section.objects.filter(pk=pk).update(position=base + i)
    for i, pk in enumerate(ordered):
        Section.objects.filter(pk=pk).update(position=i)


@transaction.atomic
def move_section(section: Section, *, by, direction: str) -> Section:
    """One place up or down in this issue's order; at either end nothing moves."""
    if direction not in ("up", "down"):
        raise SectionRefused("只能上移或下移")
    issue, section = _section_for_edit(section, by)
    ids = list(issue.sections.order_by("position").values_list("pk", flat=True))
    at = ids.index(section.pk)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(ids):
        raise SectionRefused(f"栏目“{section.title}”已在{'最前' if direction == 'up' else '最后'}")
    ids[at], ids[to] = ids[to], ids[at]
    _place(issue, ids)
    record(
        "bulletins.section.move",
        by=by,
        subject=issue,
        data=_data(section, direction=direction, **{"from": at, "to": to}),
    )
    _changed(issue)
    section.refresh_from_db()
    return section


@transaction.atomic
def delete_section(section: Section, *, by) -> None:
    """Remove an empty section from this issue; one with articles is refused."""
    issue, section = _section_for_edit(section, by)
    count = section.articles.count()
    if count:
        raise SectionRefused(
            f"栏目“{section.title}”还有{count}篇文章，不能删除：请先把文章移到其他栏目或删除"
        )
    data = _data(section, toc_title=section.toc_title, position=section.position)
    section.delete()
    _place(issue, list(issue.sections.order_by("position").values_list("pk", flat=True)))
    record("bulletins.section.delete", by=by, subject=issue, data=data)
    _changed(issue)


@transaction.atomic
def save_toc(
    issue: Issue,
    *,
    by,
    lines: dict[int, str],
    versions: dict[int, int] | None = None,
    headings: dict[int, str] | None = None,
) -> list[Article]:
    """The 导读 as edited on the page: one line per article (``lines`` by article id)
    and, optionally, each section's name in the 导读 (``headings`` by section id).

    A line equal to the title (or empty) stores an empty toc_title: "same as the
    title", so a later change of title shows in the 导读 too. ``versions`` are
    the article versions the page was opened on: if any article was saved since,
    nothing is saved (TocConflict). Returns the articles whose line changed.
    """
    issue = _gate(by, issue.pk)
    articles = {
        a.pk: a
        for a in Article.objects.select_for_update().filter(section__issue=issue, pk__in=lines)
    }
    if len(articles) != len(lines):
        raise PermissionDenied("文章不属于本期")
    stale = [
        a for pk, a in articles.items() if versions and pk in versions and versions[pk] != a.version
    ]
    if stale:
        raise TocConflict(stale)
    changed = []
    for pk, line in lines.items():
        article = articles[pk]
        line = " ".join(line.split())
        toc = "" if line in ("", article.title) else line
        if len(toc) > Article._meta.get_field("toc_title").max_length:
            raise SectionRefused(f"《{article.title}》的导读标题过长", field=f"line-{pk}")
        if toc == article.toc_title:
            continue
        before = article.toc_title
        article.toc_title = toc
        article.version += 1
        article.save(update_fields=["toc_title", "version"])
        # Shaped like editing's article history, so the issue page and the
        # conflict message (editing.last_edit) read it the same way.
        record(
            "bulletins.article.edit",
            by=by,
            subject=issue,
            data={
                "article": article.pk,
                "title": article.title,
                "version": article.version,
                "before": {"toc_title": before},
                "after": {"toc_title": toc},
                "changed": ["toc_title"],
            },
        )
        changed.append(article)
    for pk, heading in (headings or {}).items():
        section = issue.sections.filter(pk=pk).first()
        if section is None:
            raise PermissionDenied("栏目不属于本期")
        heading = " ".join(heading.split())
        toc = "" if heading == section.title else heading
        if toc != section.toc_title:
            rename_section(section, by=by, title=section.title, toc_title=toc)
    if changed:
        _changed(issue)
    return changed


@transaction.atomic
def set_editor_note(issue: Issue, *, by, text: str) -> Issue:
    """The issue's 编者按 (empty for none), printed before the 导读."""
    from jianbao.bulletins.editing import save_issue_field  # not at the top: see _gate

    issue = _gate(by, issue.pk)
    # One paragraph a line, as typed; blank lines and the spaces around lines dropped.
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return save_issue_field(issue, "editor_note", text, by=by)
