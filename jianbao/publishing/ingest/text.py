"""Parse a bulletin from lines of text.

The input is the Markdown-ish text that PDF extraction tools produce, plain
lines from a PDF text layer, or the lines a .docx yields.  Markdown marks
help but are never required: the masthead, the 导读, sections, titles and
credits are recognised from the words themselves, and every repair made on
the way is reported as a warning with its line number.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property

from jianbao.core.errors import NotABulletin
from jianbao.core.text import (
    ends_sentence,
    fold,
    remove_cjk_ascii_spaces,
    remove_cjk_spaces,
)
from jianbao.publishing.markup import (
    PUNCTUATION,
    SUBHEADING,
    blocks_from_markup,
    line_kind,
    normalise_marks,
    parse_inline,
    table_caption,
)
from jianbao.publishing.parsed import (
    HEADING,
    IMAGE,
    NOTE,
    PARAGRAPH,
    REPAIR,
    TABLE,
    TOC_UNMATCHED,
    Block,
    ContactItem,
    Mark,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    ParseWarning,
)

ISSUE_NUMBER = re.compile(r"(\d{4})\s*年\s*第\s*(\d+)\s*期\s*[（(]\s*总\s*第\s*(\d+)\s*期\s*[)）]")
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
PAGE_NUMBER = re.compile(r"^\s*[—–\-－]{1,2}\s*\d{1,4}\s*[—–\-－]{1,2}\s*$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
HEADING_MARK = re.compile(r"^(#{1,6})\s+(.*)$")
# ■◆● and the like mark sections (see SECTION_MARKERS), not list items.
BULLET_MARK = re.compile(r"^(?:[-*+]\s+|[•·▪◇□]\s*)(.*)$")
# Neither part may hold a bracket: a run of "[" or "[a](" then scans to the next one, not the end.
LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\[\]\s]*)\)")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
EMPHASIS = re.compile(r"\*\*|__")
SECTION_MARKERS = "➤▶►■◆●◎★☆➢➣→"
TOC_HEADINGS = {"本期导读", "导读", "本期要目", "本期目录", "目录"}
# The head a 导读 carries again on the page it runs on to.
TOC_CONTINUED = {f"{h}{c}" for h in TOC_HEADINGS for c in ("(续)", "(续上页)", "续")}
# A page number alone on a line (3, 第3页, 第3页 共8页), known as one only at a page's edge.
BARE_PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|第\s*\d{1,3}\s*页(?:[\s，,/]*共\s*\d{1,3}\s*页)?)$")
_DIGITS = re.compile(r"\d+")
# The 编者按 for the whole issue opens with this, between the masthead and the 导读.
EDITOR_NOTE_LEADS = ("编者按：", "编者按:")
CREDIT = re.compile(r"^[（(](?P<inner>.+)[)）]$")
CREDIT_WORDS = re.compile(r"(供稿|提供|供图)$|^(来源|供稿|稿源)[：:]")
DISTRIBUTION = re.compile(r"^(报|送|发|抄报|抄送|本期增发)[：:]\s*(.*)$")
SIGNOFF = re.compile(r"(本期编辑|责任编辑|编辑|审核|审稿|签发)[：:]\s*([^\s：:]+)")
# The lookahead finds an ideograph in one pass; the old [^…]*[一-鿿][^…]* tried every split
# of a long run of Chinese without a colon (1.5 s for 10,000 characters).
CONTACT_LABEL = re.compile(r"(?:^|(?<=\s))(?=[^\s：:]*[\u3400-\u9fff])([^\s：:]*+)[：:]")
ORG_SUFFIX = "处组盟会心院所部室司局站网社厂司团校队"
LIST_SEPARATORS = re.compile(r"[、，,；;]")
_SECTION_BRACKET = re.compile(r"【([^】]{2,30})】")
_SIGNOFF_LABEL = re.compile(r"^(本期编辑|责任编辑)[：:]")
_NAME_NOISE = re.compile(r"[（）()\s]")
_TITLE_SHORT_NAME = re.compile(r"([^\s，、：“”《》]{2,16}?)(?:产业)?联盟")
_CREDIT_LEAD = re.compile(r"^(来源|供稿|稿源)[：:]\s*")
# No leading \s*: tried at every space of a long run it was quadratic; the caller strips.
_CREDIT_TAIL = re.compile(r"(?:供稿|提供|供图)$")
_CREDIT_JOIN = re.compile(rf"(?<=[{ORG_SUFFIX}])(?:和|与|及|、|，)")
_CREDIT_OFFICE = re.compile(r"(秘书处|办公室)$")


@dataclass
class Line:
    no: int
    text: str = ""
    level: int = 0
    bullet: bool = False
    bold: bool = False
    rule: bool = False
    indent: bool = False
    spaced: str = ""  # the text before typesetting spaces were removed
    # Whether white space stood at the break: a fixed-width wrap keeps the
    # space between two Latin words there, and drops none inside a word.
    space_before: bool = False
    space_after: bool = False
    # Inline marks of ``text`` (the markup's **bold**, *italic*, [links]).
    marks: tuple[Mark, ...] = ()
    # A line of a picture, table or note block, kept as written for the markup reader.
    block: str = ""
    # Written with a leading backslash: running text, whatever it looks like.
    escaped: bool = False
    raw: str = ""  # the line as written, without its indent

    @property
    def blank(self) -> bool:
        return not self.text and not self.rule

    @property
    def marked(self) -> bool:
        return self.level > 0 or self.bold


@dataclass
class _Article:
    title: str
    line: int
    toc: _TocEntry | None = None
    # Each block with its line, and whether it was written apart on purpose
    # (a backslash-escaped paragraph: never joined to the one before it).
    blocks: list[tuple[Block, int, bool]] = field(default_factory=list)
    credit: str = ""
    credit_line: int = 0


@dataclass
class _Section:
    title: str
    line: int
    toc: _TocGroup | None = None
    articles: list[_Article] = field(default_factory=list)


@dataclass
class _TocEntry:
    text: str
    line: int
    group: _TocGroup
    used: bool = False

    @cached_property
    def key(self) -> str:
        return fold(self.text)


@dataclass
class _TocGroup:
    text: str
    line: int
    entries: list[_TocEntry] = field(default_factory=list)
    used: bool = False


def similarity(a: str, b: str, threshold: float = 0.0) -> float:
    """How alike two headings are, 0..1, ignoring width and white space.

    Below ``threshold`` the exact figure does not matter, so the cheap upper
    bounds of difflib answer first: this keeps a 200-article issue fast.
    """
    return _similar_keys(fold(a), fold(b), threshold)


def _similar_keys(a: str, b: str, threshold: float = 0.0) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if min(len(a), len(b)) >= 6 and (a in b or b in a):
        return 0.9
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return 0.0
    return matcher.ratio()


class BulletinParser:
    def __init__(self, text: str, *, source: str = "", known_sections: Sequence[str] = ()):
        self.source = source
        self.known_sections = list(known_sections)
        self.warnings: list[ParseWarning] = []
        self.lines = list(self._tokenise(text))
        self._lines_under: dict[str, list[str]] | None = None

    # -- helpers -------------------------------------------------------------
    def warn(self, line: int, message: str, *, code: str = "") -> None:
        self.warnings.append(ParseWarning(line, message, code))

    def fail(self, line: int | None, reason: str) -> NotABulletin:
        return NotABulletin(self.source or "输入", reason, line=line)

    def _tokenise(self, text: str) -> Iterable[Line]:
        raws = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        furniture = _page_furniture(raws)
        for no, raw in enumerate(raws, 1):
            # A form feed is where a page of pdftotext output ends: a break, not text.
            raw = raw.replace("\ufeff", "").replace("\f", "")
            space_after = raw != raw.rstrip()
            raw = raw.rstrip()
            if PAGE_NUMBER.match(raw) or no in furniture:
                self.warn(no, f"删除了页码“{raw.strip()}”", code=REPAIR)
                yield Line(no)
                continue
            # A speck that OCR read as a dash (本 -期导读（续）) does not hide the head.
            if fold(raw.lstrip("#")).replace("-", "") in TOC_CONTINUED:
                self.warn(
                    no, f"删除了导读续页的标题“{raw.strip().lstrip('#').strip()}”", code=REPAIR
                )
                yield Line(no)
                continue
            if RULE.match(raw):
                yield Line(no, rule=True)
                continue
            line = Line(
                no,
                indent=raw.startswith(("\u3000", "  ", "\t")),
                space_before=raw.startswith(" "),
                space_after=space_after,
            )
            text = line.raw = raw.strip().strip("\u3000")
            kind = line_kind(text)
            if kind in (IMAGE, TABLE, NOTE):
                line.block, line.text = kind, text
                yield line
                continue
            if text.startswith("\\"):
                line.escaped = True
                if text[1:2] and text[1] not in PUNCTUATION:
                    text = text[1:].lstrip()
            elif m := HEADING_MARK.match(text):
                line.level, text = len(m.group(1)), m.group(2).strip()
            elif m := BULLET_MARK.match(text):
                line.bullet, text = True, m.group(1).strip()
            if HTML_TAG.search(text):
                self.warn(no, "删除了内嵌标签（如 <sub>）", code=REPAIR)
                text = HTML_TAG.sub("", text)
            stripped = text.strip("*_ ")
            if (
                not line.escaped
                and stripped
                and text.startswith(("**", "__"))
                and text.endswith(("**", "__"))
                and not EMPHASIS.search(stripped)
            ):
                line.bold = True
                self.warn(no, "删除了强调标记（**）", code=REPAIR)
            if line.bold and text.startswith("__") and text.endswith("__"):
                text = text[2:-2]  # __title__, as older exports wrote a bold title
            text, marks = parse_inline(text)
            text, marks = _strip_with_marks(text, marks)
            line.spaced = text
            tightened = remove_cjk_ascii_spaces(text)
            if tightened != text:
                self.warn(no, "删除了汉字与数字、字母之间的排版空格", code=REPAIR)
                marks = _remap_marks(text, tightened, marks)
                text = tightened
            line.text = text
            # A line bold from end to end is a title: its bold is the title's look.
            line.marks = () if line.bold else marks
            yield line

    # -- the whole document ----------------------------------------------------
    def parse(self) -> ParsedBulletin:
        if not any(line.text for line in self.lines):
            raise self.fail(None, "没有任何文字内容")
        number_at = self._find_issue_number()
        masthead = self._parse_masthead(number_at)
        editor_note, after_note = self._parse_editor_note(masthead["end"])
        toc_at, body_at = self._find_toc_and_body(after_note)
        closing_at = self._find_closing(body_at)
        groups = self._parse_toc(toc_at, body_at) if toc_at is not None else []
        sections = self._parse_body(body_at, closing_at, groups)
        closing = self._parse_closing(closing_at)
        self._report_unmatched(groups)
        return ParsedBulletin(
            series_title=masthead["series_title"],
            series_name=masthead["series_name"],
            office=masthead["office"],
            year=masthead["year"],
            number=masthead["number"],
            running_number=masthead["running_number"],
            date=masthead["date"],
            sections=tuple(self._freeze(s) for s in sections),
            distribution=closing["distribution"],
            editor=closing["editor"],
            reviewer=closing["reviewer"],
            signer=closing["signer"],
            contacts=closing["contacts"],
            editor_note=editor_note,
            warnings=tuple(self.warnings),
        )

    # -- masthead --------------------------------------------------------------
    def _find_issue_number(self) -> int:
        seen = 0
        for i, line in enumerate(self.lines):
            if not line.text:
                continue
            if ISSUE_NUMBER.search(line.text):
                return i
            seen += 1
            if seen > 40:
                break
        raise self.fail(None, "没有找到报头（开头应有形如“2023年第1期（总第66期）”的期号行）")

    def _parse_masthead(self, number_at: int) -> dict:
        line = self.lines[number_at]
        m = ISSUE_NUMBER.search(line.text)
        year, number, running = (int(g) for g in m.groups())
        before = [ln for ln in self.lines[:number_at] if ln.text]
        series_title, series_name = "", ""
        if len(before) >= 2:
            series_name = fold(before[-1].text)
            series_title = "".join(ln.text for ln in before[:-1])
        elif before:
            only = fold(before[0].text)
            if only.endswith("简报") and len(only) > 2:
                series_title, series_name = only[:-2], "简报"
            else:
                series_title = before[0].text
        if not series_title:
            self.warn(line.no, "报头缺少简报名称")
        office, date, i = "", None, number_at + 1
        if DATE.search(line.text[m.end() :]):
            date = self._date(DATE.search(line.text[m.end() :]), line.no)
        while i < len(self.lines):
            ln = self.lines[i]
            if not ln.text:
                i += 1
                continue
            if fold(ln.text) in TOC_HEADINGS or self._section_marker(ln) is not None:
                break
            if ln.block == NOTE or ln.text.startswith(EDITOR_NOTE_LEADS):
                break  # the 编者按
            dm = DATE.search(ln.text)
            rest = DATE.sub("", ln.text).strip() if dm else ln.text
            if (office and rest) or (date and not dm and office):
                break
            if len(fold(rest)) > 30:
                break
            if dm and date is None:
                date = self._date(dm, ln.no)
            if rest and not office:
                office = rest
            i += 1
            if office and date:
                break
        if date is None:
            self.warn(line.no, "报头没有日期")
        if not office:
            self.warn(line.no, "报头没有编发单位")
        return {
            "series_title": series_title,
            "series_name": series_name,
            "office": office,
            "year": year,
            "number": number,
            "running_number": running,
            "date": date,
            "end": i,
        }

    def _date(self, m: re.Match, line_no: int) -> dt.date | None:
        try:
            return dt.date(*(int(g) for g in m.groups()))
        except ValueError:
            self.warn(line_no, f"日期“{m.group(0)}”不存在，已忽略")
            return None

    # -- 编者按 ----------------------------------------------------------------
    def _parse_editor_note(self, start: int) -> tuple[str, int]:
        """The issue's 编者按 after the masthead, a paragraph per line, and the index
        after it. Markdown writes it as ``> **编者按：**…`` lines, a paragraph each;
        the text of a PDF or Word file as lines opening with 编者按：, running on
        until the 导读 (a line that ends a sentence, or an indented one, starts a
        new paragraph)."""
        i = start
        while i < len(self.lines) and self.lines[i].blank:
            i += 1
        if i >= len(self.lines):
            return "", start
        paragraphs: list[str] = []
        if self.lines[i].block == NOTE:
            while i < len(self.lines) and self.lines[i].block == NOTE:
                text, _marks = parse_inline(self.lines[i].text[1:].strip())
                if text:
                    paragraphs.append(text)
                i += 1
        elif self.lines[i].text.startswith(EDITOR_NOTE_LEADS):
            run: list[Line] = []
            while i < len(self.lines):
                line = self.lines[i]
                if line.block:
                    break  # a table (Word's 导读 box) or a picture: not the note
                if line.text:
                    if fold(line.text) in TOC_HEADINGS or self._section_marker(line) is not None:
                        break
                    run.append(line)
                i += 1
            for prev, line in itertools.pairwise([None, *run]):
                if prev is None or ends_sentence(prev.text) or line.indent:
                    paragraphs.append(line.text)
                else:
                    paragraphs[-1] = _join(paragraphs[-1], line.text)
        else:
            return "", start
        if paragraphs and paragraphs[0].startswith(EDITOR_NOTE_LEADS):
            paragraphs[0] = paragraphs[0][len(EDITOR_NOTE_LEADS[0]) :].strip()
        return "\n".join(p.strip() for p in paragraphs if p.strip()), i

    # -- regions ---------------------------------------------------------------
    def _section_marker(self, line: Line) -> str | None:
        """The section title if the line carries a section marker (➤ 重要政策动态)."""
        text = line.text
        if text[:1] in SECTION_MARKERS:
            return text[1:].strip()
        if m := _SECTION_BRACKET.fullmatch(text):
            return m.group(1).strip()
        return None

    def _find_toc_and_body(self, start: int) -> tuple[int | None, int]:
        toc_at = None
        for i in range(start, len(self.lines)):
            if fold(self.lines[i].text) in TOC_HEADINGS:
                toc_at = i
                break
            if self.lines[i].text:
                break
        if toc_at is None:
            self.warn(self.lines[min(start, len(self.lines) - 1)].no, "没有找到“本期导读”")
            return None, start
        first_group = None
        groups_seen: list[str] = []
        # Marks (◆) that open 导读 entries here: a typeset 导读 sets its entries with
        # a mark that the body may use for its sections (➤).
        entry_marks: set[str] = set()
        bullet_next = False
        for i in range(toc_at + 1, len(self.lines)):
            line = self.lines[i]
            if not line.text:
                continue
            if bullet_next:  # the entry after a mark that stood on a line of its own
                line.bullet, bullet_next = True, False
                continue
            marker = self._section_marker(line)
            if marker is not None:
                mark = line.text[:1]
                if (
                    first_group is None
                    or (entry_marks and mark not in entry_marks)
                    or any(similarity(marker, g) >= 0.75 for g in groups_seen)
                    or mark not in SECTION_MARKERS
                ):
                    return toc_at, i
                entry_marks.add(mark)
                line.bullet, line.text, line.marks = True, marker, ()
                if not marker:
                    bullet_next = True
                continue
            if first_group is None:
                first_group = line.text
            elif not line.bullet and similarity(line.text, first_group) >= 0.75:
                return toc_at, i
            if not line.bullet:
                groups_seen.append(line.text)
        raise self.fail(self.lines[toc_at].no, "“本期导读”之后没有找到正文栏目")

    def _find_closing(self, body_at: int) -> int:
        for i in range(body_at, len(self.lines)):
            text = self.lines[i].text
            if self.lines[i].escaped:
                continue
            if DISTRIBUTION.match(text) or _SIGNOFF_LABEL.match(text):
                # A rule drawn just above the block belongs to it.
                while i > body_at and (self.lines[i - 1].rule or self.lines[i - 1].blank):
                    i -= 1
                return i
        return len(self.lines)

    # -- 本期导读 ---------------------------------------------------------------
    def _parse_toc(self, toc_at: int, body_at: int) -> list[_TocGroup]:
        body_sections = [
            s for ln in self.lines[body_at:] if (s := self._section_marker(ln)) is not None
        ]
        toc_lines = [ln for ln in self.lines[toc_at + 1 : body_at] if ln.text]
        bullets = any(ln.bullet for ln in toc_lines)
        groups: list[_TocGroup] = []
        body = None
        # Group heads set as headings (bold) among marked entries: then a plain
        # line is an entry whose mark was lost (OCR read ◆ as 多 or dropped it).
        heads_marked = bullets and any(ln.marked and not ln.bullet for ln in toc_lines)
        widest = max((_width(ln.text) for ln in toc_lines if ln.bullet), default=0)
        for ln in toc_lines:
            known = [*self.known_sections, *body_sections]
            last = groups[-1].entries[-1] if groups and groups[-1].entries else None
            if last is not None and not ln.bullet and not ln.marked:
                if body is None:
                    body = "".join(fold(b.text) for b in self.lines[body_at:] if b.text)
                # An entry wrapped onto the next line: the two read as one title in
                # the body, or the entry filled the line and the rest names no section.
                joined = fold(last.text + ln.text)
                if joined in body or (
                    bullets
                    and _width(last.text) >= widest * 0.85
                    # (a character or two is in any body: no sign of text)
                    and (len(fold(ln.text)) <= 2 or fold(ln.text) not in body)
                    and not any(similarity(ln.text, k) >= 0.8 for k in known)
                ):
                    self.warn(ln.no, f"导读条目“{last.text}”折行，已与下一行合并", code=REPAIR)
                    last.text = _join(last.text, ln.text)
                    last.__dict__.pop("key", None)
                    continue
            is_group = (
                not groups
                or self._section_marker(ln) is not None
                or (bullets and not ln.bullet and (ln.marked or not heads_marked))
                or (not bullets and ln.marked)
                or (not bullets and any(similarity(ln.text, k) >= 0.8 for k in known))
                or (not bullets and self._heads_a_toc_title(ln, toc_lines, body_at))
            )
            if is_group:
                groups.append(_TocGroup(self._section_marker(ln) or ln.text, ln.no))
            else:
                groups[-1].entries.append(_TocEntry(ln.text, ln.no, groups[-1]))
        return groups

    def _heads_a_toc_title(self, line: Line, toc_lines: list[Line], body_at: int) -> bool:
        """Whether a plain 导读 line names a section: the body has it on a line of
        its own with another 导读 line (an article's title) starting right under it."""
        if self._lines_under is None:
            self._lines_under = {}
            body = [fold(b.text) for b in self.lines[body_at:] if b.text]
            for here, below in itertools.pairwise(body):
                self._lines_under.setdefault(here, []).append(below)
        key = fold(line.text)
        others = [fold(ln.text) for ln in toc_lines if ln is not line]
        under = self._lines_under.get(key, [])
        if not under and 4 <= len(key) <= 30:
            # The body may word the section a little differently (试点联盟动态及…),
            # from the same first word on: that keeps a long issue fast.
            for here, lines in self._lines_under.items():
                if (
                    here[:2] == key[:2]
                    and 0.7 <= len(here) / len(key) <= 1.4
                    and _similar_keys(key, here, 0.85) >= 0.85
                ):
                    under = lines
                    break
        for below in under[:5]:
            if len(below) >= 4 and any(
                o.startswith(below) or (len(o) >= 4 and below.startswith(o)) for o in others
            ):
                return True
        return False

    # -- body --------------------------------------------------------------------
    def _parse_body(self, start: int, end: int, groups: list[_TocGroup]) -> list[_Section]:
        sections: list[_Section] = []
        text_run: list[Line] = []

        def current_article() -> _Article | None:
            return sections[-1].articles[-1] if sections and sections[-1].articles else None

        def flush() -> None:
            if text_run:
                self._add_paragraphs(text_run, current_article(), sections)
                text_run.clear()

        i = start
        while i < end:
            line = self.lines[i]
            if line.blank or line.rule:
                flush()
                i += 1
                continue
            if line.block:
                i = self._add_markup_blocks(i, end, text_run, current_article(), sections)
                continue
            kind, payload, consumed = self._classify(i, end, line, groups, sections)
            if kind == "text":
                if text_run and line.indent:
                    flush()
                text_run.append(line)
                i += 1
                continue
            flush()
            if kind == "section":
                title, group = payload
                sections.append(_Section(title, line.no, group))
                if group:
                    group.used = True
            elif kind == "article":
                title, entry = payload
                if not sections:
                    self.warn(line.no, "文章出现在第一个栏目之前，已放入未命名栏目")
                    sections.append(_Section("", line.no))
                if entry:
                    entry.used = True
                else:
                    self.warn(line.no, f"文章“{title}”在导读中没有对应条目")
                sections[-1].articles.append(_Article(title, line.no, entry))
            elif kind == "heading":
                article = current_article()
                if article is None:
                    self.warn(line.no, f"小标题“{payload}”不在任何文章中，已作为文章标题")
                    if not sections:
                        sections.append(_Section("", line.no))
                    sections[-1].articles.append(_Article(payload, line.no))
                else:
                    article.blocks.append((Block(HEADING, payload, line.marks), line.no, False))
            elif kind == "credit":
                self._set_credit(current_article(), payload, line)
            i += consumed
        flush()
        for section in sections:
            for article in section.articles:
                self._join_page_breaks(article)
        return sections

    def _classify(self, i, end, line, groups, sections):
        text = line.text
        if line.escaped:
            return "text", None, 1
        marker = self._section_marker(line)
        if marker is not None:
            return "section", (marker, self._match_group(marker, groups)), 1
        if m := CREDIT.match(text):
            inner = m.group("inner").strip()
            if CREDIT_WORDS.search(inner) and len(inner) <= 100:
                return "credit", inner, 1
        elif (
            not line.marked
            and not line.marks
            and CREDIT_WORDS.search(text)
            and len(text) <= 40
            and not any(ch in text for ch in "，。；,;")
            and sections
            and sections[-1].articles
        ):
            # Copied from a web page or set right without its brackets: 联盟秘书处供稿.
            self.warn(line.no, f"供稿行“{text}”没有括号，已作为供稿行读入", code=REPAIR)
            return "credit", text, 1
        group = self._match_group(text, groups, threshold=0.85 if not line.marked else 0.8)
        if group is not None and (line.marked or len(fold(text)) <= 30):
            return "section", (text, group), 1
        if any(similarity(text, k) >= 0.9 for k in self.known_sections) and len(fold(text)) <= 30:
            return "section", (text, None), 1
        in_article = bool(sections and sections[-1].articles)
        looks_like_subheading = (
            SUBHEADING.match(text) and len(text) <= 40 and not ends_sentence(text)
        )
        if line.marked:
            if looks_like_subheading and in_article:
                return "heading", text, 1
            entry = self._match_entry(text, groups, sections, threshold=0.55)
            if entry is None and line.level >= 4 and in_article:
                return "heading", text, 1
            return "article", (self._clean_title(text, entry, line.no), entry), 1
        if (len(text) <= 120 and not ends_sentence(text)) or text.endswith(("”", "）", ")")):
            title, entry, consumed = self._match_wrapped_title(i, end, groups, sections)
            if entry is not None:
                return "article", (self._clean_title(title, entry, line.no), entry), consumed
        if looks_like_subheading and in_article:
            return "heading", text, 1
        return "text", None, 1

    def _match_group(self, text: str, groups: list[_TocGroup], threshold: float = 0.6):
        best, best_score = None, threshold
        for group in groups:
            if group.used:
                continue
            score = similarity(text, group.text)
            if score >= best_score:
                best, best_score = group, score
        return best

    def _match_entry(self, text, groups, sections, threshold):
        group = sections[-1].toc if sections else None
        candidates = [e for e in group.entries if not e.used] if group else []
        candidates += [e for g in groups if g is not group for e in g.entries if not e.used]
        key = fold(text)
        best, best_score = None, threshold
        for entry in candidates:
            score = _similar_keys(key, entry.key, best_score)
            if score == 1.0:
                return entry
            if score > best_score:
                best, best_score = entry, score
        return best

    def _match_wrapped_title(self, i, end, groups, sections):
        """A plain line that is an article title, possibly wrapped over several lines."""
        best_entry, best_score, best_k, joined = None, 0.0, 1, ""
        for k in range(1, 4):
            if i + k > end or not self.lines[i + k - 1].text:
                break
            joined += self.lines[i + k - 1].text
            entry = self._match_entry(joined, groups, sections, threshold=0.75)
            if entry is None or fold(joined)[:2] not in entry.key[:8]:
                # A title starts on its first line: lines of running text that end
                # just above one are not part of it.
                continue
            if (score := similarity(joined, entry.text)) > best_score:
                best_entry, best_score, best_k = entry, score, k
        if best_entry is None:
            return self.lines[i].text, None, 1
        title = "".join(line.text for line in self.lines[i : i + best_k])
        if best_k > 1:
            self.warn(self.lines[i].no, "合并了折行的文章标题", code=REPAIR)
        return title, best_entry, best_k

    def _clean_title(self, title: str, entry: _TocEntry | None, line_no: int) -> str:
        """Remove spaces that a line break left inside a Chinese heading."""
        cleaned = remove_cjk_spaces(title)
        if cleaned == title:
            return title
        if (
            entry is not None
            and fold(entry.text) != fold(title)
            and remove_cjk_spaces(entry.text) != entry.text
        ):
            return title
        if entry is not None and remove_cjk_spaces(entry.text) != entry.text:
            # The 导读 prints the same space: it belongs to the wording (中共中央 国务院).
            return title
        if entry is None and len(title.split()[0]) < 12:
            return title
        self.warn(line_no, f"删除了标题中的多余空格：“{title}”", code=REPAIR)
        return cleaned

    def _add_markup_blocks(self, i, end, text_run, article, sections) -> int:
        """Pictures, tables and notes written in the markup, from ``self.lines[i]``.

        A ``表：…`` line directly above a table is its caption. Returns the index
        of the first line after the blocks.
        """
        j = i
        while j < end and self.lines[j].block:
            j += 1
        if j < end and self.lines[j - 1].block == IMAGE and self.lines[j].text.startswith("{"):
            j += 1  # {width=60%} on the line after the picture
        lines = [ln.text for ln in self.lines[i:j]]
        first = self.lines[i].no
        above = text_run[-1] if text_run else None
        if (
            self.lines[i].block == TABLE
            and above is not None
            and above.no == first - 1
            and table_caption(above.raw) is not None
        ):
            text_run.pop()
            lines.insert(0, above.raw)
            first -= 1
        if text_run:
            self._add_paragraphs(text_run, article, sections)
            text_run.clear()
        blocks, warnings = blocks_from_markup("\n".join(lines), first_line=first)
        self.warnings.extend(warnings)
        if article is None:
            where = "栏目标题后、第一篇文章前" if sections else "正文开始前"
            self.warn(first, f"{where}的图片、表格或按语被忽略")
        else:
            article.blocks.extend((block, first, False) for block in blocks)
        return j

    def _add_paragraphs(self, run: list[Line], article: _Article | None, sections) -> None:
        if article is None:
            if sections:
                self.warn(run[0].no, "栏目标题后、第一篇文章前的文字被忽略：" + run[0].text[:20])
            else:
                self.warn(run[0].no, "正文开始前的文字被忽略：" + run[0].text[:20])
            return
        widths = [_width(ln.text) for ln in run]
        full = max(widths)
        wrapped = len(run) > 1 and sum(w >= full * 0.9 for w in widths) >= 2
        paragraph = [run[0]]
        for prev, line in itertools.pairwise(run):
            continues = not ends_sentence(prev.text) or (
                wrapped and _width(prev.text) >= full * 0.9
            )
            if continues and not line.indent and not line.escaped:
                paragraph.append(line)
            else:
                self._emit_paragraph(article, paragraph)
                paragraph = [line]
        self._emit_paragraph(article, paragraph)

    def _emit_paragraph(self, article: _Article, lines: list[Line]) -> None:
        if len(lines) > 1:
            self.warn(
                lines[0].no, f"把第{lines[0].no}–{lines[-1].no}行的硬换行合并为一段", code=REPAIR
            )
        text, marks = lines[0].text, list(lines[0].marks)
        for prev, line in itertools.pairwise(lines):
            # White space at the break was in the text (数字引擎 智慧未来);
            # typesetting spaces beside digits still go.
            if prev.space_after or line.space_before:
                joined = f"{text} {line.text}"
                marks += _shifted(line.marks, len(text) + 1)
                text = remove_cjk_ascii_spaces(joined)
                marks = list(_remap_marks(joined, text, marks))
            else:
                marks += _shifted(line.marks, len(text))
                text += line.text
        block = Block(PARAGRAPH, text, normalise_marks(text, marks))
        article.blocks.append((block, lines[0].no, lines[0].escaped))

    def _join_page_breaks(self, article: _Article) -> None:
        merged: list[tuple[Block, int, bool]] = []
        for block, line_no, apart in article.blocks:
            if (
                merged
                and not apart
                and block.kind == PARAGRAPH
                and merged[-1][0].kind == PARAGRAPH
                and not ends_sentence(merged[-1][0].text)
            ):
                left, no, left_apart = merged[-1]
                self.warn(
                    line_no, f"段落在第{no}行与第{line_no}行之间被分页截断，已合并", code=REPAIR
                )
                text = _join(left.text, block.text)
                marks = (*left.marks, *_shifted(block.marks, len(text) - len(block.text)))
                merged[-1] = (Block(PARAGRAPH, text, normalise_marks(text, marks)), no, left_apart)
            else:
                merged.append((block, line_no, apart))
        article.blocks = merged

    def _set_credit(self, article: _Article | None, inner: str, line: Line) -> None:
        if article is None:
            self.warn(line.no, f"供稿行“{inner}”不属于任何文章，已忽略")
            return
        if article.credit:
            self.warn(line.no, f"文章“{article.title}”有多个供稿行，保留第一个")
            return
        if line.text.startswith("(") or line.text.endswith(")"):
            self.warn(line.no, "供稿行的半角括号已改为全角", code=REPAIR)
        article.credit, article.credit_line = inner, line.no

    # -- 报送、签发、联系方式 ------------------------------------------------------
    def _parse_closing(self, start: int) -> dict:
        distribution: dict[str, str] = {}
        names = {"editor": "", "reviewer": "", "signer": ""}
        contacts: list[ContactItem] = []
        key = None
        contact_line = 0
        for line in self.lines[start:]:
            if line.blank or line.rule:
                key = None
                continue
            text = line.text
            if m := DISTRIBUTION.match(text):
                key = m.group(1)
                distribution[key] = distribution.get(key, "") + m.group(2)
                continue
            if key is not None and not CONTACT_LABEL.search(text) and not SIGNOFF.search(text):
                # A wrapped line continues the list, possibly in the middle of a name.
                distribution[key] += text
                continue
            key = None
            found = SIGNOFF.findall(text)
            if found and SIGNOFF.sub("", text).strip() == "":
                for label, name in found:
                    role = {"审核": "reviewer", "审稿": "reviewer", "签发": "signer"}.get(
                        label, "editor"
                    )
                    names[role] = name
                continue
            # Contacts keep their spaces: they separate "…902 电话：…".
            items = _contact_items(line.spaced, contact_line)
            if not items:
                self.warn(line.no, f"版记中无法识别的一行：“{text}”")
                items = [ContactItem("", text, "other", contact_line)]
            contacts.extend(items)
            contact_line += 1
        if start >= len(self.lines):
            self.warn(self.lines[-1].no, "没有找到版记（报、送、本期编辑等）")
        return {
            "distribution": {k: tuple(_split_list(v)) for k, v in distribution.items()},
            **names,
            "contacts": tuple(contacts),
        }

    # -- wrap-up -------------------------------------------------------------------
    def _report_unmatched(self, groups: list[_TocGroup]) -> None:
        for group in groups:
            if not group.used:
                self.warn(group.line, f"导读栏目“{group.text}”在正文中没有对应栏目")
            for entry in group.entries:
                if not entry.used:
                    self.warn(
                        entry.line,
                        f"导读条目“{entry.text}”在正文中没有对应文章",
                        code=TOC_UNMATCHED,
                    )

    def _freeze(self, section: _Section) -> ParsedSection:
        toc_title = ""
        if section.toc is not None and fold(section.toc.text) != fold(section.title):
            toc_title = section.toc.text
        return ParsedSection(
            title=section.title,
            toc_title=toc_title,
            articles=tuple(self._freeze_article(a) for a in section.articles),
        )

    def _freeze_article(self, article: _Article) -> ParsedArticle:
        toc_title = ""
        if article.toc is not None and fold(article.toc.text) != fold(article.title):
            toc_title = article.toc.text
        contributors = tuple(split_contributors(article.credit)) if article.credit else ()
        if article.credit and not contributors:
            self.warn(article.credit_line, f"供稿行“{article.credit}”中没有识别出单位")
        self._check_credit_names(article, contributors)
        return ParsedArticle(
            title=article.title,
            toc_title=toc_title,
            blocks=tuple(block for block, _, _ in article.blocks),
            credit=article.credit,
            contributors=contributors,
        )

    def _check_credit_names(self, article: _Article, contributors: tuple[str, ...]) -> None:
        """Warn when the credit names an alliance differently from the title."""
        from jianbao.network.names import alliance_stem, trim_leading_words

        def plain(name: str) -> str:
            return _NAME_NOISE.sub("", name)

        title_stems = {
            plain(trim_leading_words(s)) for s in _TITLE_SHORT_NAME.findall(article.title)
        }
        for name in contributors:
            stem = plain(alliance_stem(name))
            if not stem or not title_stems:
                continue
            if any(stem.startswith(t) or t.startswith(stem) for t in title_stems):
                continue
            for t in title_stems:
                if similarity(stem, t) >= 0.5:
                    self.warn(
                        article.credit_line,
                        f"供稿单位“{name}”与标题中的“{t}联盟”名称不一致",
                    )
                    break


def _page_furniture(raws: list[str]) -> set[int]:
    """Numbers (from 1) of the lines that are page furniture in text cut into pages
    by form feeds (pdftotext): a bare page number, or a running head or foot that
    stands at the same edge of three pages or more."""
    if sum("\f" in raw for raw in raws) < 2:
        return set()
    pages: list[list[int]] = [[]]
    for no, raw in enumerate(raws, 1):
        head, sep, tail = raw.partition("\f")
        if sep:
            if head.strip():
                pages[-1].append(no)
            pages.append([])
            if tail.strip():
                pages[-1].append(no)
        elif raw.strip():
            pages[-1].append(no)
    edges: dict[str, list[int]] = {}
    found: set[int] = set()
    for page in pages:
        for no in {*page[:2], *page[-2:]}:
            text = raws[no - 1].replace("\f", "").strip()
            if BARE_PAGE_NUMBER.match(text) and no in (page[0], page[-1]):
                found.add(no)
            elif len(text) <= 40:
                edges.setdefault(_DIGITS.sub("#", fold(text)), []).append(no)
    for key, lines in edges.items():
        if len(lines) >= 3 and key not in TOC_HEADINGS:
            found.update(lines)
    return found


def _strip_with_marks(text: str, marks: tuple[Mark, ...]) -> tuple[str, tuple[Mark, ...]]:
    stripped = text.strip()
    if stripped == text:
        return text, marks
    lead = len(text) - len(text.lstrip())
    return stripped, normalise_marks(stripped, _shifted(marks, -lead))


def _shifted(marks, by: int) -> list[Mark]:
    return [Mark(m.type, m.start + by, m.end + by, m.href) for m in marks]


def _remap_marks(before: str, after: str, marks) -> tuple[Mark, ...]:
    """Marks of ``before`` moved onto ``after``, which is ``before`` less some characters."""
    if not marks:
        return ()
    position, j = [], 0
    for ch in before:
        position.append(j)
        if j < len(after) and after[j] == ch:
            j += 1
    position.append(len(after))
    moved = [Mark(m.type, position[m.start], position[m.end], m.href) for m in marks]
    return normalise_marks(after, moved)


def _width(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def _join(left: str, right: str) -> str:
    """Join two pieces of a paragraph that a page break cut apart.

    Chinese needs nothing between them; two Latin words were cut at a space.
    """
    latin = left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii()
    if latin and right[:1].isalpha():
        return f"{left} {right}"
    return left + right


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]


def split_contributors(credit: str) -> list[str]:
    """The organisations a credit line names, without 秘书处 and 供稿."""
    inner = _CREDIT_LEAD.sub("", credit)
    inner = _CREDIT_TAIL.sub("", inner).strip()
    parts = _CREDIT_JOIN.split(inner)
    names = []
    for part in parts:
        part = _CREDIT_OFFICE.sub("", part.strip()) or part.strip()
        if part:
            names.append(part)
    return names


CONTACT_KINDS = (
    ("邮箱", "email"),
    ("邮件", "email"),
    ("mail", "email"),
    ("传真", "fax"),
    ("电话", "phone"),
    ("手机", "phone"),
    ("地址", "address"),
    ("网站", "website"),
    ("网址", "website"),
    ("微信", "wechat"),
    ("公众号", "wechat"),
    ("邮编", "postcode"),
)


def _contact_items(text: str, line: int) -> list[ContactItem]:
    matches = list(CONTACT_LABEL.finditer(text))
    items = []
    for m, nxt in zip(matches, [*matches[1:], None], strict=False):
        value = text[m.end() : nxt.start() if nxt else len(text)].strip()
        label = m.group(1)
        kind = next((k for word, k in CONTACT_KINDS if word in label.lower()), "other")
        items.append(ContactItem(label, value, kind, line))
    return items


def parse_bulletin_text(
    text: str, *, source: str = "", known_sections: Sequence[str] = ()
) -> ParsedBulletin:
    return BulletinParser(text, source=source, known_sections=known_sections).parse()
