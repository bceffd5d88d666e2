"""The text markup of article bodies: one syntax for the Markdown export, text
import, the desk's plain-text editor and submission bodies.

Pure functions, no Django. ``parse_inline``/``format_inline`` turn a line into
plain text plus marks and back; ``blocks_from_markup``/``blocks_to_markup`` do
the same for a whole article body. Both pairs are exact inverses on the shapes
they produce (marks normalised: sorted, touching marks of one kind merged;
texts stripped and on one line; a picture's pixel size is the stored picture's,
not the markup's).

Inline: ``**bold**``, ``*italic*``, ``[text](href)``; a backslash before any
ASCII punctuation makes it literal, and output escapes ``\\ * [ ]``. Emphasis
is a toggle (``**`` switches bold, ``*`` italic, ``***`` both), so marks may
overlap freely; four stars (italic and bold closed, italic reopened, as writers
that nest marks put it) switch bold. Input that never closes an emphasis or a
bracket keeps them as text.

Blocks are separated by blank lines: ``#### heading`` (or a short line starting
一、/（一）, as the desk types it), ``![caption](path "alt"){width=60%}``, pipe
tables (``表：caption`` or ``表1 …`` directly above, ``| --- |`` after the header
rows, ``\\|`` in cells, ``text{colspan=2 rowspan=3}`` for merged cells whose
covered cells are left out), ``> note`` lines, and paragraphs (lines joined by
a space). A line that starts with a backslash is a paragraph of its own whatever
follows: ``\\一、…`` is not a heading, ``\\ **…**`` not a bold title.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence

from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    MARK_TYPES,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    ParseWarning,
)

# The desk's heading rule: a short line numbered as the bulletin numbers headings.
SUBHEADING = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、．.]|[（(][一二三四五六七八九十百]+[)）]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[)）])"
)
HEADING_MAX = 40
PUNCTUATION = frozenset(string.punctuation)
_TEXT_ESCAPES = frozenset("\\*[]")
_HREF_ESCAPES = frozenset("\\()[]")
_PATH_ESCAPES = frozenset('\\()" \t')
_CAPTION_ESCAPES = frozenset("\\[]")
_ALT_ESCAPES = frozenset('\\"')
# Text that a reader of the bulletin would take for something else when it starts
# a paragraph line: Markdown block marks, bullets, section markers, a credit or
# the closing block. Such a paragraph is written with a leading backslash.
_MISREAD_FIRST = frozenset("#>|!{-+_=~`•·▪◇□【➤▶►■◆●◎★☆➢➣→")
_MISREAD_WORDS = ("报", "送", "发", "抄报", "抄送", "本期增发", "本期编辑", "责任编辑")


# What a run of stars switches. Ours writes runs of 1–3; a run of 4 is how a
# writer that nests marks closes italic and bold and reopens italic.
_STAR_RUNS = {1: (ITALIC,), 2: (BOLD,), 3: (BOLD, ITALIC), 4: (BOLD,)}


def is_desk_heading(text: str) -> bool:
    return bool(SUBHEADING.match(text)) and len(text) <= HEADING_MAX and text[-1] not in "。！？"


# -- inline --------------------------------------------------------------------


def normalise_marks(text: str, marks: Iterable[Mark]) -> tuple[Mark, ...]:
    """Marks clipped to the text, empty ones dropped, bold and italic merged where
    they touch or overlap, links kept apart (a later link starts where an earlier
    one ends; touching links of one address merge); sorted."""
    n = len(text)
    by_type: dict[str, list[Mark]] = {t: [] for t in MARK_TYPES}
    for m in marks:
        start, end = max(0, min(m.start, n)), max(0, min(m.end, n))
        if start < end and m.type in by_type:
            by_type[m.type].append(Mark(m.type, start, end, m.href if m.type == LINK else ""))
    out: list[Mark] = []
    for kind in (BOLD, ITALIC):
        merged: list[Mark] = []
        for m in sorted(by_type[kind], key=lambda m: (m.start, m.end)):
            if merged and m.start <= merged[-1].end:
                last = merged[-1]
                merged[-1] = Mark(kind, last.start, max(last.end, m.end))
            else:
                merged.append(m)
        out += merged
    links: list[Mark] = []
    for m in sorted(by_type[LINK], key=lambda m: (m.start, m.end, m.href)):
        start = max(m.start, links[-1].end) if links else m.start
        if start >= m.end:
            continue
        if links and links[-1].end == start and links[-1].href == m.href:
            links[-1] = Mark(LINK, links[-1].start, m.end, m.href)
        else:
            links.append(Mark(LINK, start, m.end, m.href))
    out += links
    return tuple(sorted(out, key=lambda m: (m.start, m.end, MARK_TYPES.index(m.type), m.href)))


def _escape(text: str, chars: frozenset[str]) -> str:
    return "".join("\\" + c if c in chars else c for c in text)


def format_inline(text: str, marks: Sequence[Mark] = ()) -> str:
    """``text`` with its marks written as markup (the inverse of parse_inline)."""
    marks = normalise_marks(text, marks)
    toggles: dict[int, list[str]] = {}
    opens: dict[int, str] = {}
    closes: dict[int, str] = {}
    for m in marks:
        if m.type == LINK:
            opens[m.start] = "["
            closes[m.end] = "](" + _escape(m.href, _HREF_ESCAPES) + ")"
        else:
            toggles.setdefault(m.start, []).append(m.type)
            toggles.setdefault(m.end, []).append(m.type)
    out: list[str] = []
    for pos in range(len(text) + 1):
        out.append(closes.get(pos, ""))
        kinds = toggles.get(pos, ())
        out.append(("**" if BOLD in kinds else "") + ("*" if ITALIC in kinds else ""))
        out.append(opens.get(pos, ""))
        if pos < len(text):
            out.append(_escape(text[pos], _TEXT_ESCAPES))
    return "".join(out)


def _scan_until(s: str, i: int, stop: Callable[[str], bool], escapable) -> tuple[str, int]:
    """Read from ``i`` to the first unescaped character ``stop`` accepts; its index, or len."""
    out = []
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in escapable:
            out.append(s[i + 1])
            i += 2
            continue
        if stop(c):
            break
        out.append(c)
        i += 1
    return "".join(out), i


def _scan_href(s: str, i: int) -> tuple[str, int | None]:
    """A link address up to its closing ``)``, and that index (None: not a link).

    Unescaped parentheses inside must pair up; an unescaped bracket ends the
    attempt, so each attempt stops before the next one starts (linear time).
    """
    out, depth, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in PUNCTUATION:
            out.append(s[i + 1])
            i += 2
            continue
        if c in "[]":
            return "", None
        if c == ")":
            if depth == 0:
                return "".join(out), i
            depth -= 1
        elif c == "(":
            depth += 1
        out.append(c)
        i += 1
    return "", None


def parse_inline(s: str) -> tuple[str, tuple[Mark, ...]]:
    """Plain text and marks of one line of markup (lenient: stray marks stay text)."""
    # Tokens: ("t", text) literal, ("s", run, kinds) stars, ("o",) "[", ("c", href, raw) "](…)".
    tokens: list[list] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in PUNCTUATION:
            tokens.append(["t", s[i + 1]])
            i += 2
        elif c == "*":
            j = i
            while j < n and s[j] == "*":
                j += 1
            run = j - i
            kinds = _STAR_RUNS.get(run)
            tokens.append(["s", run, set(kinds)] if kinds else ["t", s[i:j]])
            i = j
        elif c == "[":
            tokens.append(["o"])
            i += 1
        elif c == "]" and s[i + 1 : i + 2] == "(":
            href, j = _scan_href(s, i + 2)
            if j is not None:
                tokens.append(["c", href, s[i : j + 1]])
                i = j + 1
            else:
                tokens.append(["t", "]"])
                i += 1
        else:
            tokens.append(["t", c])
            i += 1

    # Pair each "](…)" with the nearest open "["; the rest are text.
    stack: list[int] = []
    paired: set[int] = set()
    for k, tok in enumerate(tokens):
        if tok[0] == "o":
            stack.append(k)
        elif tok[0] == "c":
            if stack:
                paired.update((stack.pop(), k))
            else:
                tokens[k] = ["t", tok[2]]
    for k in stack:
        tokens[k] = ["t", "["]

    # An emphasis opened and never closed: its stars are text.
    literal_stars: dict[int, str] = {}
    for kind in (BOLD, ITALIC):
        toggling = [k for k, tok in enumerate(tokens) if tok[0] == "s" and kind in tok[2]]
        if len(toggling) % 2:
            tok = tokens[toggling[-1]]
            tok[2].discard(kind)
            stars = "*" * tok[1] if tok[1] == 4 else "**" if kind == BOLD else "*"
            literal_stars[toggling[-1]] = literal_stars.get(toggling[-1], "") + stars

    text: list[str] = []
    marks: list[Mark] = []
    pos = 0
    open_at: dict[str, int] = {}
    link_at: list[int] = []
    for k, tok in enumerate(tokens):
        if tok[0] == "t":
            text.append(tok[1])
            pos += len(tok[1])
        elif tok[0] == "s":
            literal = literal_stars.get(k, "")
            text.append(literal)
            pos += len(literal)
            for kind in sorted(tok[2]):
                if kind in open_at:
                    marks.append(Mark(kind, open_at.pop(kind), pos))
                else:
                    open_at[kind] = pos
        elif tok[0] == "o":
            link_at.append(pos)
        elif tok[0] == "c":
            marks.append(Mark(LINK, link_at.pop(), pos, tok[1]))
    plain = "".join(text)
    return plain, normalise_marks(plain, marks)


# -- blocks --------------------------------------------------------------------


def _picture_markup(block: Block, picture_path) -> str:
    path = picture_path(block.file) if picture_path else block.file
    alt = f' "{_escape(block.alt, _ALT_ESCAPES)}"' if block.alt else ""
    line = f"![{_escape(block.caption, _CAPTION_ESCAPES)}]({_escape(path, _PATH_ESCAPES)}{alt})"
    if block.print_width:
        line += "{width=" + f"{round(block.print_width * 100, 6):g}" + "%}"
    return line


def _parse_picture(line: str) -> tuple[str, str, str, str] | None:
    """(caption, path, alt, attributes) of a picture line, or None."""
    if not line.startswith("!["):
        return None
    caption, i = _scan_until(line, 2, lambda c: c == "]", PUNCTUATION)
    if line[i : i + 2] != "](":
        return None
    path, i = _scan_until(line, i + 2, lambda c: c in " \t)", _PATH_ESCAPES | PUNCTUATION)
    while line[i : i + 1] in (" ", "\t"):
        i += 1
    alt = ""
    if line[i : i + 1] == '"':
        alt, i = _scan_until(line, i + 1, lambda c: c == '"', PUNCTUATION)
        if line[i : i + 1] != '"':
            return None
        i += 1
        while line[i : i + 1] in (" ", "\t"):
            i += 1
    if line[i : i + 1] != ")" or not path:
        return None
    rest = line[i + 1 :].strip()
    if rest and _attributes(rest) is None:
        return None
    return caption, path, alt, rest


def _attributes(text: str) -> dict[str, str] | None:
    """``{key=value key=value}`` as a dict, or None when the text is not that."""
    if not (text.startswith("{") and text.endswith("}")):
        return None
    found = {}
    for part in text[1:-1].split():
        key, eq, value = part.partition("=")
        if not eq or not key.isalpha() or not value:
            return None
        found[key] = value
    return found if found else None


def _print_width(value: str) -> float | None:
    try:
        number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        return None
    if number > 1:
        number /= 100  # width=60 means 60%
    return number if 0 < number <= 1 else None


def _split_row(line: str) -> list[str]:
    """The raw cells of a ``| a | b |`` line (escapes kept, ``\\|`` not a divider)."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        backslashes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
        if backslashes % 2 == 0:
            body = body[:-1]
    if not body:
        return []
    cells, current, i = [], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if c == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    cells.append("".join(current))
    return cells


def _is_delimiter(cells: list[str]) -> bool:
    return bool(cells) and all(
        (c := raw.strip()) and set(c) <= {"-", ":"} and "-" in c for raw in cells
    )


def _cell_markup(cell: Cell) -> str:
    raw = format_inline(cell.text, cell.marks).replace("|", "\\|").replace("{", "\\{")
    if raw and set(raw) <= {"-", ":"}:
        raw = "\\" + raw  # not a delimiter row
    spans = []
    if cell.colspan != 1:
        spans.append(f"colspan={cell.colspan}")
    if cell.rowspan != 1:
        spans.append(f"rowspan={cell.rowspan}")
    return raw + ("{" + " ".join(spans) + "}" if spans else "")


def _parse_cell(raw: str) -> Cell:
    raw = raw.strip()
    spans: dict[str, int] = {}
    # ``{colspan=2 rowspan=3}``, or one group per span as other writers put them.
    while raw.endswith("}"):
        at = raw.rfind("{")
        backslashes = len(raw[:at]) - len(raw[:at].rstrip("\\")) if at >= 0 else 1
        attrs = _attributes(raw[at:]) if backslashes % 2 == 0 else None
        if not attrs or not set(attrs) <= {"colspan", "rowspan"}:
            break
        if not all(v.isdigit() and 1 <= int(v) <= 1000 for v in attrs.values()):
            break
        spans = {**{k: int(v) for k, v in attrs.items()}, **spans}
        raw = raw[:at].rstrip()
    text, marks = parse_inline(raw)
    return Cell(text, marks, spans.get("colspan", 1), spans.get("rowspan", 1))


def _grid_widths(rows: Sequence[Sequence[Cell]]) -> list[int]:
    """The columns each row occupies, counting cells that rows above span into it."""
    carried: dict[int, int] = {}  # column -> rows it stays covered
    widths = []
    for row in rows:
        covered = {col for col, left in carried.items() if left > 0}
        col = 0
        for cell in row:
            while col in covered:
                col += 1
            for c in range(col, col + cell.colspan):
                if cell.rowspan > 1:
                    carried[c] = max(carried.get(c, 0), cell.rowspan)
            col += cell.colspan
        widths.append(max([col, *(c + 1 for c in covered)]) if covered or col else 0)
        carried = {c: left - 1 for c, left in carried.items() if left - 1 > 0}
    return widths


def _table_markup(block: Block) -> str:
    lines = []
    if block.caption:
        numbered = block.caption.startswith("表") and block.caption[1:2].isdigit()
        lines.append(block.caption if numbered else f"表：{block.caption}")
    columns = max([1, *_grid_widths(block.rows)])
    delimiter = "|" + " --- |" * columns
    for k, row in enumerate(block.rows):
        if k == block.header_rows:
            lines.append(delimiter)
        lines.append("|" + "".join(f" {_cell_markup(c)} |" for c in row) if row else "|")
    if block.header_rows >= len(block.rows):
        lines.append(delimiter)
    return "\n".join(lines)


def table_caption(line: str) -> str | None:
    if line.startswith(("表：", "表:")):
        return line[2:].strip()
    if line.startswith("表") and line[1:2].isdigit():
        return line
    return None


def _paragraph_markup(block: Block) -> str:
    line = format_inline(block.text, block.marks)
    whole_bold = line.startswith(("**", "__")) and line.endswith(("**", "__"))
    return escaped_paragraph(line) if needs_escape(block.text) or whole_bold else line


def escaped_paragraph(line: str) -> str:
    """A paragraph's markup with the leading backslash that keeps it a paragraph of its own."""
    if line.startswith("\\"):
        return line
    if line[:1] in ("*", "["):
        return "\\ " + line  # the space keeps the mark a mark; it is read as nothing
    return "\\" + line


def needs_escape(text: str) -> bool:
    """Whether a paragraph starting with this text would be read as something else."""
    if not text:
        return False
    return (
        text[0] in _MISREAD_FIRST
        or is_desk_heading(text)
        or table_caption(text) is not None
        or (text[0] in "（(" and text[-1] in "）)")
        or any(
            text.startswith(w) and text[len(w) : len(w) + 1] in ("：", ":") for w in _MISREAD_WORDS
        )
    )


def block_to_markup(block: Block, *, picture_path=None) -> str:
    if block.kind == HEADING:
        return "#### " + format_inline(block.text, block.marks)
    if block.kind == NOTE:
        return ("> " + format_inline(block.text, block.marks)).rstrip()
    if block.kind == IMAGE:
        return _picture_markup(block, picture_path)
    if block.kind == TABLE:
        return _table_markup(block)
    return _paragraph_markup(block)


def blocks_to_markup(blocks: Iterable[Block], *, picture_path=None) -> str:
    """An article body as markup: blocks separated by blank lines."""
    return "\n\n".join(block_to_markup(b, picture_path=picture_path) for b in blocks)


def heading_line(line: str) -> str | None:
    """The text of a ``#### heading`` line, or None."""
    hashes = len(line) - len(line.lstrip("#"))
    if 1 <= hashes <= 6 and line[hashes : hashes + 1] in (" ", "\t"):
        return line[hashes:].strip()
    return None


def picture_path_of(line: str) -> str | None:
    """The path a picture line (stripped) names, or None for any other line."""
    if line_kind(line) != IMAGE:
        return None
    return _parse_picture(line)[1]


def is_note_line(line: str) -> bool:
    return line == ">" or line.startswith(("> ", ">\t"))


def line_kind(line: str) -> str:
    """What a stripped line of markup starts: heading, picture, table, note or text."""
    if line.startswith("\\"):
        return PARAGRAPH
    if heading_line(line) is not None:
        return HEADING
    if _parse_picture(line) is not None:
        return IMAGE
    if line.startswith("|"):
        return TABLE
    if is_note_line(line):
        return NOTE
    return PARAGRAPH


class _Reader:
    def __init__(self, pictures: Mapping[str, bytes] | None, first_line: int):
        self.pictures = pictures
        self.first_line = first_line
        self.warnings: list[ParseWarning] = []

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(ParseWarning(self.first_line + index, message))

    def chunk(self, lines: list[tuple[int, str]]) -> list[Block]:
        """The blocks of lines with no blank line between them."""
        blocks: list[Block] = []
        k = 0
        while k < len(lines):
            no, line = lines[k]
            kind = line_kind(line)
            if kind == HEADING:
                text, marks = parse_inline(heading_line(line))
                blocks.append(Block(HEADING, text, marks))
                k += 1
            elif kind == IMAGE:
                caption, path, alt, attrs = _parse_picture(line)
                k += 1
                if not attrs and k < len(lines) and _attributes(lines[k][1]) is not None:
                    attrs = lines[k][1]
                    k += 1
                blocks.append(self.picture(no, caption, path, alt, attrs))
            elif kind == TABLE:
                k = self.table(lines, k, "", blocks)
            elif kind == NOTE:
                end = k
                while end < len(lines) and is_note_line(lines[end][1]):
                    end += 1
                text = " ".join(ln[1:].strip() for _, ln in lines[k:end] if ln[1:].strip())
                text, marks = parse_inline(text)
                blocks.append(Block(NOTE, text, marks))
                k = end
            else:
                end = k + 1
                # An escaped line starts a paragraph of its own, as in the bulletin reader.
                while (
                    end < len(lines)
                    and line_kind(lines[end][1]) == PARAGRAPH
                    and not lines[end][1].startswith("\\")
                ):
                    end += 1
                run = [ln for _, ln in lines[k:end]]
                # A caption line directly above a table belongs to the table.
                caption = None
                if end < len(lines) and line_kind(lines[end][1]) == TABLE:
                    caption = table_caption(run[-1])
                if caption is not None:
                    run.pop()
                if run and (block := self.paragraph(run)) is not None:
                    blocks.append(block)
                k = end if caption is None else self.table(lines, end, caption, blocks)
        return blocks

    def paragraph(self, run: list[str]) -> Block | None:
        joined = " ".join(run)
        if joined.startswith("\\"):
            # Escaped: a paragraph whatever it looks like (\一、… is not a heading).
            if joined[1:2] and joined[1] not in PUNCTUATION:
                joined = joined[1:].lstrip()
            text, marks = parse_inline(joined)
            return Block(PARAGRAPH, text, marks) if text else None
        text, marks = parse_inline(joined)
        if not text:
            return None
        return Block(HEADING if is_desk_heading(text) else PARAGRAPH, text, marks)

    def picture(self, no: int, caption: str, path: str, alt: str, attrs: str) -> Block:
        print_width = 0.0
        for key, value in (_attributes(attrs) or {}).items():
            width = _print_width(value) if key == "width" else None
            if width is None:
                self.warn(no, f"图片“{path}”的设置“{key}={value}”无法识别，已忽略")
            else:
                print_width = width
        if self.pictures is not None and path not in self.pictures:
            self.warn(no, f"图片“{path}”没有对应的文件")
        return Block(IMAGE, file=path, caption=caption, alt=alt, print_width=print_width)

    def table(self, lines: list[tuple[int, str]], k: int, caption: str, blocks: list) -> int:
        """Read the table starting at ``lines[k]`` into ``blocks``; the index after it."""
        end = k
        while end < len(lines) and line_kind(lines[end][1]) == TABLE:
            end += 1
        rows: list[tuple[Cell, ...]] = []
        row_lines: list[int] = []
        header_rows = None
        columns = 0
        for no, line in lines[k:end]:
            cells = _split_row(line)
            if _is_delimiter(cells):
                if header_rows is None:
                    header_rows, columns = len(rows), len(cells)
                else:
                    self.warn(no, "表格中多余的表头分隔行（| --- |）已忽略")
                continue
            rows.append(tuple(_parse_cell(c) for c in cells))
            row_lines.append(no)
        widths = _grid_widths(rows)
        if header_rows is None:
            self.warn(lines[k][0], "表格没有表头分隔行（| --- |），按没有表头读取")
            header_rows, columns = 0, max([0, *widths])
        for no, width in zip(row_lines, widths, strict=True):
            if width != columns:
                self.warn(no, f"表格这一行占 {width} 列，与表头分隔行的 {columns} 列不符")
        blocks.append(Block(TABLE, rows=tuple(rows), header_rows=header_rows, caption=caption))
        return end


def blocks_from_markup(
    text: str, *, pictures: Mapping[str, bytes] | None = None, first_line: int = 1
) -> tuple[tuple[Block, ...], tuple[ParseWarning, ...]]:
    """An article body in the markup as blocks, with warnings naming their line.

    ``pictures``, when given, holds the picture files the body may name: a
    picture naming another path is kept but warned about. ``first_line`` is the
    line number of the text's first line in its file.
    """
    reader = _Reader(pictures, first_line)
    blocks: list[Block] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    chunk: list[tuple[int, str]] = []
    for index, raw in enumerate([*lines, ""]):
        line = raw.strip()
        if line:
            chunk.append((index, line))
        elif chunk:
            blocks += reader.chunk(chunk)
            chunk = []
    return tuple(blocks), tuple(reader.warnings)
