"""The canonical text form of an issue.

It is the same shape as the text that PDF extraction gives of a real issue,
so the importer reads it back unchanged: import(render_markdown(x)) == x,
for an issue whose every section has articles (an empty one is not printed).
Article bodies are in the text markup (publishing.markup): marks, pictures as
``![caption](path "alt")``, pipe tables and ``> `` notes.
"""

from __future__ import annotations

from collections.abc import Callable

from jianbao.core.text import ends_sentence, fold
from jianbao.publishing.ingest.text import similarity
from jianbao.publishing.markup import block_to_markup, escaped_paragraph, format_inline
from jianbao.publishing.parsed import (
    PARAGRAPH,
    Block,
    ParsedArticle,
    ParsedBulletin,
    editor_note_paragraphs,
    printed_sections,
)

# The 编者按 starts with this bold lead; the text reader looks for it.
EDITOR_NOTE_LEAD = "编者按："


def format_date(bulletin: ParsedBulletin) -> str:
    d = bulletin.date
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def letter_spaced(name: str) -> str:
    return " ".join(name) if len(name) <= 3 else name


def render_markdown(
    bulletin: ParsedBulletin, *, picture_path: Callable[[str], str] | None = None
) -> str:
    """``picture_path`` maps a stored picture's name to the path the text names
    (``pictures/<name>`` in an exported folder); by default the name itself."""
    out: list[str] = []

    def para(text: str = "") -> None:
        out.append(text)
        out.append("")

    para(f"# {bulletin.series_title}")
    if bulletin.series_name:
        para(f"## {letter_spaced(bulletin.series_name)}")
    para(bulletin.label)
    if bulletin.office:
        para(bulletin.office)
    if bulletin.date:
        para(format_date(bulletin))

    sections = printed_sections(bulletin)
    titles = [
        fold(t)
        for s in sections
        for t in (s.title, s.toc_title, *(x for a in s.articles for x in (a.title, a.toc_title)))
        if t
    ]
    # The 编者按: a quote block directly before the 导读, a paragraph per line.
    note = editor_note_paragraphs(bulletin)
    if note:
        first, *rest = (format_inline(p) for p in note)
        para("\n".join([f"> **{EDITOR_NOTE_LEAD}**{first}", *(f"> {p}" for p in rest)]))
    para("### 本期导读")
    for section in sections:
        para(f"#### {format_inline(section.toc_title or section.title)}")
        for article in section.articles:
            out.append(f"- {format_inline(article.toc_title or article.title)}")
        out.append("")

    for section in sections:
        para(f"## ➤ {format_inline(section.title)}")
        for article in section.articles:
            para(f"### {format_inline(article.title)}")
            for line in _body(article, titles, picture_path):
                para(line)
            if article.credit:
                para(f"（{article.credit}）")

    for label, names in bulletin.distribution.items():
        para(f"{label}：{'、'.join(names)}")
    if bulletin.editor or bulletin.reviewer or bulletin.signer:
        para("---")
        for label, name in (
            ("本期编辑", bulletin.editor),
            ("审核", bulletin.reviewer),
            ("签发", bulletin.signer),
        ):
            if name:
                para(f"{label}：{name}")
        para("---")
    lines: dict[int, list[str]] = {}
    for item in bulletin.contacts:
        text = f"{item.label}：{item.value}" if item.label else item.value
        lines.setdefault(item.line, []).append(text)
    for line in sorted(lines):
        para(" ".join(lines[line]))
    return "\n".join(out).rstrip() + "\n"


def _body(article: ParsedArticle, titles: list[str], picture_path) -> list[str]:
    """The article's blocks in the markup; a paragraph the reader would take for
    a title, a section or the rest of the paragraph before it is escaped."""
    lines, before = [], None
    for block in article.blocks:
        line = block_to_markup(block, picture_path=picture_path)
        if block.kind == PARAGRAPH and _read_otherwise(block, before, titles):
            line = escaped_paragraph(line)
        lines.append(line)
        before = block
    return lines


def _read_otherwise(block: Block, before: Block | None, titles: list[str]) -> bool:
    if before is not None and before.kind == PARAGRAPH and not ends_sentence(before.text):
        return True  # the reader would join it to the paragraph before (a page break)
    text = block.text
    title_like = (
        (len(text) <= 120 and not ends_sentence(text))
        or text.endswith(("”", "）", ")"))
        or len(fold(text)) <= 30
    )
    key = fold(text)
    return title_like and any(similarity(key, t, 0.5) >= 0.5 for t in titles)
