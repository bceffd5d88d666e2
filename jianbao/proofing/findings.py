"""What the proofing pass (审校) says about a bulletin: findings, and where they are.

A finding points at the exact stored text it flags (``quote`` at ``start`` in
the unit's text), so the desk can highlight it and apply its ``suggestion``
without guessing, and its ``key`` stays the same while that text and its
surroundings do, so a dismissal outlives unrelated edits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ERROR = "错误"
ADVICE = "建议"
HINT = "提示"
SEVERITIES = (ERROR, ADVICE, HINT)  # most serious first

CONTEXT = 20  # characters of ``before`` and ``after``

# What part of the bulletin a text unit is.
TITLE = "title"
TOC_TITLE = "toc_title"
CREDIT = "credit"
BLOCK = "block"  # a paragraph, heading or note's text
CAPTION = "caption"
CELL = "cell"
SECTION = "section"  # a section's title (or its 导读 title: see ``toc``)
EDITOR_NOTE = "editor_note"
MASTHEAD = "masthead"  # 报头: series title, name, office, numbers, date
COLOPHON = "colophon"  # 版记: 报/送, contacts, 编辑/审核/签发
TOC = "toc"  # the 导读 as a whole

PART_LABELS = {
    TITLE: "标题",
    TOC_TITLE: "导读标题",
    CREDIT: "供稿行",
    BLOCK: "正文",
    CAPTION: "图表说明",
    CELL: "表格",
    SECTION: "栏目名",
    EDITOR_NOTE: "编者按",
    MASTHEAD: "报头",
    COLOPHON: "版记",
    TOC: "导读",
}


@dataclass(frozen=True)
class Where:
    """A place in the bulletin. Articles are numbered 1… in print order
    (``article``); ``article_id`` is the stored article's key when the bulletin
    came from the store. ``block`` is the index into the article's blocks;
    ``cell`` is (row, column) inside a table block."""

    part: str
    section: int | None = None  # 1-based, in the bulletin's order
    article: int | None = None  # 1-based, in print order across sections
    article_id: int | None = None
    block: int | None = None
    cell: tuple[int, int] | None = None
    field: str = ""  # inside 报头/版记: "报", "送", "编辑", "date", …

    @property
    def label(self) -> str:
        """In Chinese, as the text output and the desk show it: 第3篇 正文第2段."""
        bits = []
        if self.article is not None:
            bits.append(f"第{self.article}篇")
        elif self.section is not None:
            bits.append(f"第{self.section}栏目")
        part = PART_LABELS.get(self.part, self.part)
        if self.part in (BLOCK, CAPTION) and self.block is not None:
            part += f"第{self.block + 1}段"
        if self.part == CELL and self.cell is not None:
            part += f"第{self.cell[0] + 1}行第{self.cell[1] + 1}列"
        if self.field:
            part += f"“{self.field}”"
        bits.append(part)
        return " ".join(bits)

    def to_dict(self) -> dict:
        data = {"part": self.part, "label": self.label}
        for name in ("section", "article", "article_id", "block", "cell", "field"):
            value = getattr(self, name)
            if value not in (None, ""):
                data[name] = list(value) if name == "cell" else value
        return data


@dataclass(frozen=True)
class Finding:
    rule: str  # a stable id: "space.cjk", "punct.halfwidth", "toc.title_mismatch"
    severity: str  # ERROR, ADVICE or HINT
    message: str  # in Chinese, one sentence
    where: Where
    quote: str  # the exact stored text flagged ("" when something is missing)
    start: int = 0  # offset of ``quote`` in the unit's text
    before: str = ""
    after: str = ""
    suggestion: str | None = None  # replaces ``quote``; None when there is none
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """Stable while the flagged text and its context are: what a dismissal keeps."""
        w = self.where
        raw = "\x1f".join(
            str(x)
            for x in (
                self.rule,
                w.part,
                w.article_id if w.article_id is not None else w.article,
                w.field,
                self.before,
                self.quote,
                self.after,
            )
        )
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "where": self.where.to_dict(),
            "quote": self.quote,
            "start": self.start,
            "before": self.before,
            "after": self.after,
            "suggestion": self.suggestion,
            "key": self.key,
        }

    def line(self) -> str:
        """The text output's line: 位置：规则：说明 → 建议."""
        text = f"{self.where.label}：{self.rule}：{self.message}"
        if self.quote:
            text += f"（“{self.quote}”）"
        if self.suggestion is not None:
            text += f" → {self.suggestion or '（删除）'}"
        return text


def found(
    unit,
    start: int,
    end: int,
    *,
    rule: str,
    severity: str,
    message: str,
    suggestion: str | None = None,
) -> Finding:
    """A finding on ``unit.text[start:end]``, with its context cut from the unit."""
    text = unit.text
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        where=unit.where,
        quote=text[start:end],
        start=start,
        before=text[max(0, start - CONTEXT) : start],
        after=text[end : end + CONTEXT],
        suggestion=suggestion,
    )


def ordered(findings) -> list[Finding]:
    """Most serious first, then in print order."""

    def place(f: Finding):
        w = f.where
        return (
            w.article if w.article is not None else -1,
            w.block if w.block is not None else -1,
            f.start,
        )

    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), place(f), f.rule))
