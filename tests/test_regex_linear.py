"""Every regex that reads user text runs in linear time (issue #12).

A contact line of "a", 700 spaces and "<" used to keep the registry's CONTACT
pattern busy for about 70 s.  Here every compiled pattern of the code is fed
10,000 spaces and long runs of the characters it repeats, each followed by a
character that makes the match fail, and must answer within a bound that a
linear scan meets many times over and a quadratic one misses by far.

The patterns are listed by hand below; a guard test fails when a module
defines a compiled pattern the list does not name, and another when code
calls ``re`` with a pattern that is neither a literal (swept here too) nor
one of the listed ones.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import jianbao
from jianbao.archive.search import text as search_text
from jianbao.bulletins import services as bulletin_services
from jianbao.core import backup as core_backup
from jianbao.core import text as core_text
from jianbao.distribution import message as distribution_message
from jianbao.distribution import models as distribution_models
from jianbao.distribution import services as distribution_services
from jianbao.mailbox import parsing as mail_parsing
from jianbao.network import exchange, names, statistics
from jianbao.network.exchange import parse_contact
from jianbao.proofing.rules import marks as proof_marks
from jianbao.proofing.rules import numbers as proof_numbers
from jianbao.proofing.rules import punctuation as proof_punctuation
from jianbao.proofing.rules import repeats as proof_repeats
from jianbao.proofing.rules import spaces as proof_spaces
from jianbao.proofing.rules import structure as proof_structure
from jianbao.proofing.rules import usage as proof_usage
from jianbao.publishing import parsed, pictures
from jianbao.publishing.ingest import html as ingest_html
from jianbao.publishing.ingest import pdf as ingest_pdf
from jianbao.publishing.ingest import text as ingest_text
from jianbao.publishing.render import docx as render_docx
from jianbao.publishing.render import ofd
from jianbao.publishing.render import titles as render_titles

N = 10_000
SWEEP_BOUND = 0.050  # seconds, per pattern per input of N characters
LONG = 3 * N  # runs of one character: a quadratic pattern falls far behind a linear one
CONTACT_BOUND = 0.010  # the issue's bound for the 700-space contact line
SOURCE = Path(jianbao.__file__).parent

# Every compiled pattern in jianbao/, with inputs of its own beyond the generated ones.
PATTERNS: dict[str, tuple[re.Pattern, list[str]]] = {
    "core.text._CJK_ASCII_SPACE": (core_text._CJK_ASCII_SPACE, ["中" + " " * N + "!"]),
    "core.text._CJK_CJK_SPACE": (core_text._CJK_CJK_SPACE, ["中" + " " * N + "a"]),
    "core.text._CONTROL": (core_text._CONTROL, []),
    "core.text._WHITESPACE_RUN": (core_text._WHITESPACE_RUN, []),
    "core.text._IDEOGRAPH": (core_text._IDEOGRAPH, []),
    "core.text._SORT_RUN": (core_text._SORT_RUN, ["中a" * N, "中" * N + "!"]),
    "core.text._TONE3": (core_text._TONE3, ["a" * N, "a" * N + "6"]),
    "publishing.render.ofd.SUBSET": (ofd.SUBSET, []),
    "publishing.render.ofd.WEIGHT": (ofd.WEIGHT, ["-" * N + "Bold"]),
    "network.exchange.LIST_SEPARATORS": (exchange.LIST_SEPARATORS, []),
    "network.exchange.CONTACT_SEPARATORS": (exchange.CONTACT_SEPARATORS, []),
    "network.exchange.CONTROL_CHARACTERS": (exchange.CONTROL_CHARACTERS, []),
    "network.names.FULL_NAME": (names.FULL_NAME, ["粉末冶金" * (N // 4) + "产业技术创新"]),
    "network.names.SHORT_NAME": (names.SHORT_NAME, ["粉末冶金" * (N // 4) + "产业"]),
    "network.names._OFFICE_SUFFIX": (names._OFFICE_SUFFIX, ["秘书" * (N // 2)]),
    "network.names._BOOK_TITLE": (names._BOOK_TITLE, ["《" * N, "《a" * (N // 2)]),
    "network.names._SEGMENT": (names._SEGMENT, []),
    "network.names._LEAD_WORD": (names._LEAD_WORD, ["同" * N]),
    "network.statistics._SCRIPT": (statistics._SCRIPT, ["<script" * (N // 7)]),
    "publishing.ingest.text.ISSUE_NUMBER": (
        ingest_text.ISSUE_NUMBER,
        ["2023年第" + "1" * N, "2023年第1期（总第" + " " * N],
    ),
    "publishing.ingest.text.DATE": (ingest_text.DATE, ["2023年" + " " * N]),
    "publishing.ingest.text.PAGE_NUMBER": (ingest_text.PAGE_NUMBER, ["- " + " " * N + "1"]),
    "publishing.ingest.text.BARE_PAGE_NUMBER": (
        ingest_text.BARE_PAGE_NUMBER,
        ["第" + " " * N + "1", "第1页" + " " * N + "x"],
    ),
    "publishing.ingest.text._DIGITS": (ingest_text._DIGITS, []),
    "publishing.ingest.text.RULE": (ingest_text.RULE, ["- " * (N // 2) + "x", "-" * N + "x"]),
    "publishing.ingest.text.HEADING_MARK": (ingest_text.HEADING_MARK, ["#" + " " * N]),
    "publishing.ingest.text.BULLET_MARK": (ingest_text.BULLET_MARK, ["-" + " " * N]),
    "publishing.ingest.text.LINK": (
        ingest_text.LINK,
        ["[" * N, "[a](" * (N // 4), "[a]" * (N // 3), "](" * (N // 2)],
    ),
    "publishing.ingest.text.HTML_TAG": (
        ingest_text.HTML_TAG,
        ["<a" + " " * N, "<a " * (N // 3), "</" * (N // 2)],
    ),
    "publishing.ingest.text.EMPHASIS": (ingest_text.EMPHASIS, []),
    "publishing.ingest.text.SUBHEADING": (ingest_text.SUBHEADING, []),
    "publishing.ingest.text.CREDIT": (ingest_text.CREDIT, ["（" * N, "（" + "a" * N]),
    "publishing.ingest.text.CREDIT_WORDS": (ingest_text.CREDIT_WORDS, ["供稿" * (N // 2) + "x"]),
    "publishing.ingest.text.DISTRIBUTION": (ingest_text.DISTRIBUTION, ["报：" + " " * N]),
    "publishing.ingest.text.SIGNOFF": (ingest_text.SIGNOFF, ["编辑：" * (N // 3)]),
    "publishing.ingest.text.CONTACT_LABEL": (
        ingest_text.CONTACT_LABEL,
        ["联系人" * (N // 3), "a" * N + "中", "中a" * (N // 2), "中 " * (N // 2)],
    ),
    "publishing.ingest.text.LIST_SEPARATORS": (ingest_text.LIST_SEPARATORS, []),
    "publishing.ingest.text._SECTION_BRACKET": (ingest_text._SECTION_BRACKET, ["【" * N]),
    "publishing.ingest.text._SIGNOFF_LABEL": (ingest_text._SIGNOFF_LABEL, []),
    "publishing.ingest.text._NAME_NOISE": (ingest_text._NAME_NOISE, []),
    "publishing.ingest.text._TITLE_SHORT_NAME": (
        ingest_text._TITLE_SHORT_NAME,
        ["粉末冶金" * (N // 4) + "产业"],
    ),
    "publishing.ingest.text._CREDIT_LEAD": (ingest_text._CREDIT_LEAD, ["来源：" + " " * N]),
    "publishing.ingest.text._CREDIT_TAIL": (ingest_text._CREDIT_TAIL, [" " * N + "供"]),
    "publishing.ingest.text._CREDIT_JOIN": (ingest_text._CREDIT_JOIN, ["会和" * (N // 2)]),
    "publishing.ingest.text._CREDIT_OFFICE": (ingest_text._CREDIT_OFFICE, ["秘书" * (N // 2)]),
    "publishing.ingest.pdf.CLOSING_LABEL": (ingest_pdf.CLOSING_LABEL, ["报：" + " " * N]),
    "publishing.render.docx._INVALID_XML": (render_docx._INVALID_XML, []),
    "archive.search.text._WHITESPACE": (search_text._WHITESPACE, []),
    "archive.search.text._FULL_WIDTH": (search_text._FULL_WIDTH, []),
    "archive.search.text._QUERY_PART": (search_text._QUERY_PART, ['"' * N, '"a' * (N // 2)]),
    "bulletins.services.ISSUE_KEY": (bulletin_services.ISSUE_KEY, ["2023-" + "1" * N + "x"]),
    "mailbox.parsing.REPLY_PREFIX": (
        mail_parsing.REPLY_PREFIX,
        ["re:" * (N // 3) + "re", "re" + " " * N, "回复" + " " * N],
    ),
    "distribution.message._BARE_NEWLINE": (distribution_message._BARE_NEWLINE, ["\r" * N]),
    "distribution.message._LEADING_DOT": (distribution_message._LEADING_DOT, ["\n." * (N // 2)]),
    "distribution.models.FORBIDDEN_CHARACTERS": (distribution_models.FORBIDDEN_CHARACTERS, []),
    "distribution.services._CONTROL_NOT_LINE_END": (
        distribution_services._CONTROL_NOT_LINE_END,
        [],
    ),
    "core.backup._PARTIAL": (core_backup._PARTIAL, [".a" * (N // 2) + ".partial-1"]),
    "publishing.pictures.NAME": (pictures.NAME, ["0" * N + ".jpg"]),
    "publishing.pictures._MARKUP": (pictures._MARKUP, ["<" * N, "<scrip" * (N // 6)]),
    "publishing.ingest.html._PICTURE_IN_SRC": (
        ingest_html._PICTURE_IN_SRC,
        ["/pictures/" + "0" * N],
    ),
    "publishing.ingest.html._TABLE_CAPTION": (ingest_html._TABLE_CAPTION, ["表" + " " * N]),
    "publishing.ingest.html._XML_DECLARATION": (
        ingest_html._XML_DECLARATION,
        [" " * N + "<?xml" + "a" * N],
    ),
    "publishing.ingest.html._CJK_CHAR": (ingest_html._CJK_CHAR, []),
    **{
        f"publishing.parsed._HEADING_LEVELS[{i}]": (pattern, [])
        for i, (pattern, _) in enumerate(parsed._HEADING_LEVELS)
    },
    # Proofing, text rule families 1-5.
    "proofing.rules.spaces.HAN_CHAR": (proof_spaces.HAN_CHAR, []),
    "proofing.rules.spaces.SPACE_RUN": (proof_spaces.SPACE_RUN, ["中" + " " * N + "中"]),
    "proofing.rules.spaces.LATIN": (proof_spaces.LATIN, []),
    "proofing.rules.spaces.JOINT_ISSUERS": (proof_spaces.JOINT_ISSUERS, ["中共中央" * (N // 4)]),
    "proofing.rules.spaces.LETTER_SPACED": (proof_spaces.LETTER_SPACED, ["中 " * (N // 2)]),
    "proofing.rules.spaces.COMMITTEE_CHAIN": (
        proof_spaces.COMMITTEE_CHAIN,
        ["ISO" + "/TC 1" * (N // 5) + "x", "ISO/IEC" * (N // 7)],
    ),
    "proofing.rules.spaces.GLUED_COMMITTEE": (proof_spaces.GLUED_COMMITTEE, ["TC" * (N // 2)]),
    "proofing.rules.punctuation.HALF_PAREN": (proof_punctuation.HALF_PAREN, ["(" + "中" * N]),
    "proofing.rules.punctuation.LONE_PAREN": (proof_punctuation.LONE_PAREN, []),
    "proofing.rules.punctuation.HALF_MARK": (proof_punctuation.HALF_MARK, []),
    "proofing.rules.punctuation.STRAIGHT_QUOTED": (
        proof_punctuation.STRAIGHT_QUOTED,
        ['"' + "中" * N],
    ),
    "proofing.rules.punctuation.PAIRED": (proof_punctuation.PAIRED, []),
    "proofing.rules.punctuation.LIST_NUMBER": (proof_punctuation.LIST_NUMBER, ["（" * N]),
    "proofing.rules.punctuation.URL": (
        proof_punctuation.URL,
        ["a" * N + "@", "a." * (N // 2), "www." * (N // 4), "http://" + "a" * N],
    ),
    "proofing.rules.punctuation.REPEATED": (proof_punctuation.REPEATED, ["，。" * (N // 2)]),
    "publishing.render.titles._ALNUM": (render_titles._ALNUM, ["1" * N + "年"]),
    "proofing.rules.marks.YEAR_RANGE": (proof_marks.YEAR_RANGE, ["2023-" * (N // 5)]),
    "proofing.rules.marks.DATE_RANGE": (proof_marks.DATE_RANGE, ["3月-" * (N // 3)]),
    "proofing.rules.marks.DAY_SPAN": (proof_marks.DAY_SPAN, ["月1-" * (N // 3)]),
    "proofing.rules.marks.MONTH_SPAN": (proof_marks.MONTH_SPAN, ["1-" * (N // 2)]),
    "proofing.rules.marks.TIME_RANGE": (proof_marks.TIME_RANGE, ["9:00-" * (N // 5)]),
    "proofing.rules.marks.NUMBER_RANGE": (
        proof_marks.NUMBER_RANGE,
        ["1-" * (N // 2), "1." * (N // 2) + "1-2", "1" * N + "-2个"],
    ),
    "proofing.rules.marks.DESIGNATOR_TAIL": (
        proof_marks.DESIGNATOR_TAIL,
        ["GB/T 1" + ".1" * (N // 2) + "x", "A" * N + "1"],
    ),
    "proofing.rules.marks.ADJACENT_DUNHAO": (proof_marks.ADJACENT_DUNHAO, []),
    "proofing.rules.numbers.MIXED": (proof_numbers.MIXED, ["1" * N + "千米"]),
    "proofing.rules.numbers.MIXED_YEAR": (proof_numbers.MIXED_YEAR, []),
    "proofing.rules.numbers.RANGE_UNIT": (proof_numbers.RANGE_UNIT, ["1～" * (N // 2)]),
    "proofing.rules.numbers.CN_DATE": (proof_numbers.CN_DATE, ["二〇二三年" * (N // 5)]),
    "proofing.rules.numbers.CN_YEAR": (proof_numbers.CN_YEAR, ["二〇" * (N // 2)]),
    "proofing.rules.numbers.ARABIC_DATE": (proof_numbers.ARABIC_DATE, []),
    "proofing.rules.numbers.CN_MEASURE": (proof_numbers.CN_MEASURE, ["十" * N]),
    "proofing.rules.numbers.CN_DATE_HINT": (proof_numbers.CN_DATE_HINT, []),
    "proofing.rules.numbers.CN_MEASURE_HINT": (proof_numbers.CN_MEASURE_HINT, []),
    "proofing.rules.numbers.TITLE_SPAN": (proof_numbers.TITLE_SPAN, ["《" + "中" * N]),
    "proofing.rules.repeats.DOUBLED": (proof_repeats.DOUBLED, ["中国" * (N // 2) + "a"]),
    "proofing.rules.repeats.CN_DATE": (proof_repeats.CN_DATE, []),
    **{
        f"proofing.rules.repeats.OTHER_DATES[{i}]": (pattern, ["2023" * (N // 4)])
        for i, (_, pattern) in enumerate(proof_repeats.OTHER_DATES)
    },
    "proofing.rules.repeats.YEAR_PHRASE": (proof_repeats.YEAR_PHRASE, ["2023年" + "中" * N]),
    "proofing.rules.repeats.SUM_TOTAL": (proof_repeats.SUM_TOTAL, ["，共" * (N // 2)]),
    "proofing.rules.repeats.PART": (proof_repeats.PART, []),
    "proofing.rules.repeats.COUNT_BEFORE_LIST": (proof_repeats.COUNT_BEFORE_LIST, ["共3个" * N]),
    "proofing.rules.repeats.COUNT_AFTER_LIST": (proof_repeats.COUNT_AFTER_LIST, []),
    "proofing.rules.repeats.TITLE_GROUP": (proof_repeats.TITLE_GROUP, ["《" + "中" * N]),
    "proofing.rules.usage._TOKEN": (proof_usage._TOKEN, ["{" * N, "…" * N]),
    "proofing.rules.usage._LATIN": (proof_usage._LATIN, []),
    "proofing.rules.usage._STRIP": (proof_usage._STRIP, []),
    "proofing.rules.structure._CLAUSE_END": (proof_structure._CLAUSE_END, []),
    "proofing.rules.structure._ORG_SUFFIX": (proof_structure._ORG_SUFFIX, []),
    "proofing.rules.structure._CJK_RUN_END": (proof_structure._CJK_RUN_END, ["中" * N + "a"]),
    "proofing.rules.structure._NAME_START": (proof_structure._NAME_START, ["中" * N]),
    "proofing.rules.structure._DEFINITION": (
        proof_structure._DEFINITION,
        ["（简称" * (N // 3), "（以下简称“" + "中" * N],
    ),
}

# Patterns the code only ever anchors at the start (``match``): swept with ``match``.
MATCH_ONLY = {"core.backup._PARTIAL", "proofing.rules.structure._NAME_START"}

# Patterns built at run time from escaped literals (a query's terms), with a builder.
DYNAMIC = {
    "jianbao/archive/search/text.py": "_pattern",
    # The proofing dictionary's entries: escaped words, bounded gaps and lists.
    "jianbao/proofing/rules/usage.py": "_build",
}


# --- Generated inputs --------------------------------------------------------


def _representatives(items, found: set[str]) -> None:
    """One or two characters for each literal, class and category in a parsed pattern."""
    from re import _constants as c
    from re import _parser

    categories = {
        c.CATEGORY_DIGIT: "1",
        c.CATEGORY_NOT_DIGIT: "a",
        c.CATEGORY_SPACE: " ",
        c.CATEGORY_NOT_SPACE: "a",
        c.CATEGORY_WORD: "a",
        c.CATEGORY_NOT_WORD: " ",
    }
    for op, av in items:
        if op is c.LITERAL:
            found.add(chr(av))
        elif op is c.NOT_LITERAL:
            found.update({"a", " "})
        elif op is c.IN:
            for sub_op, sub_av in av:
                if sub_op is c.LITERAL:
                    found.add(chr(sub_av))
                elif sub_op is c.RANGE:
                    found.add(chr(sub_av[0]))
                elif sub_op is c.CATEGORY:
                    found.add(categories.get(sub_av, " "))
                elif sub_op is c.NEGATE:
                    found.update({"a", " ", "中"})
        elif op is c.ANY:
            found.update({"a", " "})
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            _representatives(av[2], found)
        elif op in (c.SUBPATTERN, c.ATOMIC_GROUP):
            _representatives(av[-1], found)
        elif op is c.BRANCH:
            for branch in av[1]:
                _representatives(branch, found)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            _representatives(av[1], found)
        elif isinstance(av, _parser.SubPattern):
            _representatives(av, found)


def generated_inputs(pattern: re.Pattern) -> list[str]:
    from re import _parser

    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    chars: set[str] = {" ", "a", "中", "1"}
    _representatives(_parser.parse(source, pattern.flags), chars)
    chars.discard("\x00")
    ordered = sorted(chars)
    inputs = [" " * N]
    for char in ordered:
        inputs += [char * LONG + "\x00", "a" + char * LONG + "<", "中" + char * LONG + "\n"]
    # Pairs of the pattern's characters alternating: "a a a", "中：中：".
    few = ordered[:8]
    for first in few:
        for second in few:
            if first != second:
                inputs.append((first + second) * (N // 2) + "\x00")
    inputs.append("".join(ordered) * (N // len(ordered)) + "\x00")
    return inputs


def _as_input(pattern: re.Pattern, text: str):
    return text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text


def best_time(run, bound: float, tries: int = 3) -> float:
    """The fastest of a few runs; stop at the first one under the bound (the machine is shared)."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
        if best < bound:
            break
    return best


def assert_linear(label: str, pattern: re.Pattern, inputs: list[str], how="findall") -> None:
    """``findall`` tries the pattern at every position, as search, sub and split do."""
    slow = []
    for text in inputs:
        data = _as_input(pattern, text)
        bound = SWEEP_BOUND * max(1.0, len(text) / N)  # linear: proportional to the length
        took = best_time(lambda data=data: getattr(pattern, how)(data), bound)
        if took >= bound:
            slow.append(f"{text[:12]!r}…({len(text)}): {took * 1000:.0f} ms")
    assert not slow, f"{label} is super-linear on: " + "; ".join(slow)


# --- The finding ---------------------------------------------------------------

CONTACT_LINE = "a" + " " * 700 + "<"


def test_the_700_space_contact_line_is_answered_in_under_10_ms():
    took = best_time(lambda: parse_contact(CONTACT_LINE), CONTACT_BOUND, tries=5)
    assert took < CONTACT_BOUND, f"{took * 1000:.1f} ms"
    assert parse_contact(CONTACT_LINE) is None  # not “姓名 <邮箱> 电话”: refused, not hung


@pytest.mark.parametrize(
    "text",
    [
        " " * N,
        "a" + " " * N + "<",
        "a" + " " * N + "1<",
        "王芳" + " " * N + "<a@example.org>",
        "王芳 <" + " " * N,
        "王芳 <a@example.org>" + " " * N + "x",
        "1" * N + "x",
        "(" * N + "x",
        "a" * N,
    ],
    ids=lambda t: f"{t[:8]!r}x{len(t)}",
)
def test_contact_parsing_stays_fast_on_long_lines(text):
    took = best_time(lambda: parse_contact(text), SWEEP_BOUND)
    assert took < SWEEP_BOUND, f"{took * 1000:.1f} ms"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("王芳 <wang@example.org> 010-6469", ("王芳", "wang@example.org", "010-6469")),
        ("李雷 <li@example.org>", ("李雷", "li@example.org", "")),
        ("张三 010-1234 5678", ("张三", "", "010-1234 5678")),
        ("张三", ("张三", "", "")),
        ("  赵六  <  z@example.org > (010) 1234 ", ("赵六", "z@example.org", "(010) 1234")),
        ("Wang Fang +86 10 6469", ("Wang Fang", "", "+86 10 6469")),
    ],
)
def test_contact_lines_still_read_as_before(line, expected):
    contact = parse_contact(line)
    assert (contact.name, contact.email, contact.phone) == expected


@pytest.mark.parametrize(
    "line", ["", "<a@example.org>", "010-6469", "王芳 <a@example.org", "王芳 <a@b> 电话"]
)
def test_lines_that_are_not_contacts_are_refused(line):
    assert parse_contact(line) is None


# --- The sweep -------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(PATTERNS))
def test_every_listed_pattern_is_linear(label):
    pattern, extra = PATTERNS[label]
    how = "match" if label in MATCH_ONLY else "findall"
    assert_linear(label, pattern, [*generated_inputs(pattern), *extra], how)


def _re_calls(tree: ast.AST):
    """(node, function name) of every call of a function of ``re``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr
            in {"compile", "match", "search", "sub", "subn", "split", "findall", "finditer"}
            | {"fullmatch"}
        ):
            yield node


def _flags(node: ast.Call) -> int:
    flags = 0
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == "re"
            and sub.attr in {"I", "IGNORECASE", "S", "DOTALL", "M", "MULTILINE", "X", "VERBOSE"}
        ):
            flags |= getattr(re, sub.attr)
    return flags


def _sources():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _calls_in_functions(tree: ast.AST) -> set[int]:
    return {
        id(call)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for call in ast.walk(fn)
    }


def _inline_patterns() -> dict[str, re.Pattern]:
    """Literal patterns passed to ``re`` where no module constant holds them."""
    found = {}
    for path, tree in _sources():
        in_functions = _calls_in_functions(tree)
        for node in _re_calls(tree):
            if node.func.attr == "compile" and id(node) not in in_functions:
                continue  # a module constant, listed in PATTERNS
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str | bytes):
                where = f"{path.relative_to(SOURCE.parent)}:{first.value!r}"
                found[where] = re.compile(first.value, _flags(node))
    return found


INLINE = _inline_patterns()


@pytest.mark.parametrize("where", sorted(INLINE))
def test_every_pattern_written_inline_is_linear(where):
    pattern = INLINE[where]
    assert_linear(where, pattern, generated_inputs(pattern))


def _dictionary_patterns() -> dict[str, re.Pattern]:
    from jianbao.proofing import dictionary
    from jianbao.proofing.context import FORMULATION, NAME, USAGE, ProofContext

    context = ProofContext(dictionary=dictionary.shipped())
    used, formulations, names_pattern, _ = proof_usage._compiled(
        context.entries(USAGE), context.entries(FORMULATION), context.entries(NAME)
    )
    found = {f"usage {r.entry.term}": r.pattern for r in used}
    found.update({f"formulation {r.entry.term}": r.pattern for r in formulations})
    found["names"] = names_pattern
    return found


DICTIONARY = _dictionary_patterns()


@pytest.mark.parametrize("label", sorted(DICTIONARY))
def test_every_pattern_the_shipped_proofing_dictionary_builds_is_linear(label):
    pattern = DICTIONARY[label]
    assert_linear(label, pattern, generated_inputs(pattern))


def test_a_query_of_many_terms_highlights_fast():
    # The highlighter builds one alternation from the query's escaped terms.
    terms = search_text.parse_query(" ".join(["a a"] * 50) + ' "' + "a " * 500 + '"')
    text = "a " * (N // 2) + "b"
    took = best_time(lambda: search_text._spans(text, terms), SWEEP_BOUND * 4)
    assert took < SWEEP_BOUND * 4, f"{took * 1000:.1f} ms"


# --- Guards: nothing escapes the sweep ------------------------------------------------


def _modules():
    skip = {"jianbao.wsgi", "jianbao.__main__"}
    for info in pkgutil.walk_packages(jianbao.__path__, "jianbao."):
        if ".migrations" in info.name or info.name in skip:
            continue
        yield importlib.import_module(info.name)


def _patterns_in(value, depth: int = 0):
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 2 and isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _patterns_in(item, depth + 1)
    elif depth < 2 and isinstance(value, dict):
        for item in [*value.keys(), *value.values()]:
            yield from _patterns_in(item, depth + 1)


def test_every_compiled_pattern_of_the_code_is_in_the_list():
    listed = {id(pattern) for pattern, _ in PATTERNS.values()}
    missing = []
    for module in _modules():
        for name, value in vars(module).items():
            for pattern in _patterns_in(value):
                if id(pattern) not in listed:
                    missing.append(f"{module.__name__}.{name}: {pattern.pattern!r:.60}")
    assert not missing, "add these to PATTERNS in this test:\n" + "\n".join(missing)


def test_every_call_of_re_uses_a_pattern_the_sweep_can_see():
    """A literal is swept above; anything else must be a listed constant or a known builder."""
    unseen = []
    for path, tree in _sources():
        relative = str(path.relative_to(SOURCE.parent))
        in_functions = _calls_in_functions(tree)
        builders = {
            id(call)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name == DYNAMIC.get(relative)
            for call in ast.walk(fn)
        }
        for node in _re_calls(tree):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant):
                continue  # swept by test_every_pattern_written_inline_is_linear
            if node.func.attr == "compile" and id(node) not in in_functions:
                continue  # a module constant: the attribute guard above covers it
            if id(node) in builders:
                continue
            unseen.append(f"{relative}:{node.lineno}")
    assert not unseen, "make these module constants and list them in PATTERNS: " + ", ".join(unseen)
