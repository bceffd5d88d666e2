"""The article markup: inline marks and whole bodies, read and written, exact inverses."""

from __future__ import annotations

import random

import pytest

from jianbao.publishing.markup import (
    blocks_from_markup,
    blocks_to_markup,
    format_inline,
    normalise_marks,
    parse_inline,
)
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    ITALIC,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
)

# Characters that mean something somewhere in the markup, with Chinese and Latin text.
ALPHABET = [*"ab 中文。，一、（）()*[]\\|{}=#>!-_:：表1\"'%`~+■➤【】报", "供稿"]
HREFS = ["https://example.org/a", "mailto:x@y.cn", "https://x.org/a_(b)", "a b", "u[1]\\", ""]


def random_text(rng: random.Random, *, min_len=0, max_len=12, alphabet=ALPHABET) -> str:
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(min_len, max_len)))
    return text.strip()


def random_marks(rng: random.Random, text: str) -> tuple[Mark, ...]:
    marks = []
    for _ in range(rng.randint(0, 4)):
        if not text:
            break
        start = rng.randrange(len(text))
        end = rng.randint(start + 1, len(text))
        kind = rng.choice((BOLD, ITALIC, LINK))
        marks.append(Mark(kind, start, end, rng.choice(HREFS) if kind == LINK else ""))
    return normalise_marks(text, marks)


# --- inline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup, text, marks",
    [
        ("会议**审议通过**了章程", "会议审议通过了章程", (Mark(BOLD, 2, 6),)),
        ("*斜体*", "斜体", (Mark(ITALIC, 0, 2),)),
        (
            "详见[联盟网站](https://example.org)。",
            "详见联盟网站。",
            (Mark(LINK, 2, 6, "https://example.org"),),
        ),
        ("a***b*c**d", "abcd", (Mark(ITALIC, 1, 2), Mark(BOLD, 1, 3))),
        ("[a**b](u)c**", "abc", (Mark(LINK, 0, 2, "u"), Mark(BOLD, 1, 3))),
        (r"1\*2 \[注\] C:\\x", r"1*2 [注] C:\x", ()),
        # A writer that nests marks closes italic and bold and reopens italic: four stars.
        ("**a*b****c*", "abc", (Mark(BOLD, 0, 2), Mark(ITALIC, 1, 3))),
        ("[x](https://a.org/f_(1))", "x", (Mark(LINK, 0, 1, "https://a.org/f_(1)"),)),
    ],
)
def test_inline_markup_reads_as_text_and_marks(markup, text, marks):
    assert parse_inline(markup) == (text, marks)


@pytest.mark.parametrize(
    "markup",
    ["注*为必填项", "**没有闭合", "5*3=15", "[未完", "见]", "a](b)", "C:\\Users", "****", "[a](b"],
)
def test_stray_marks_stay_text(markup):
    text, marks = parse_inline(markup)
    assert marks == ()
    assert text == markup


def test_output_escapes_literal_stars_brackets_and_backslashes():
    assert format_inline("a*b[c]\\d") == "a\\*b\\[c\\]\\\\d"


def test_touching_marks_of_one_kind_merge_and_marks_come_sorted():
    marks = (Mark(ITALIC, 4, 6), Mark(BOLD, 2, 4), Mark(BOLD, 0, 2), Mark(BOLD, 1, 3))
    assert normalise_marks("abcdefgh", marks) == (Mark(BOLD, 0, 4), Mark(ITALIC, 4, 6))
    assert format_inline("abcdefgh", marks) == "**abcd***ef*gh"


def test_overlapping_links_are_kept_apart():
    marks = (Mark(LINK, 0, 4, "x"), Mark(LINK, 2, 6, "y"), Mark(LINK, 6, 8, "y"))
    assert normalise_marks("abcdefgh", marks) == (Mark(LINK, 0, 4, "x"), Mark(LINK, 4, 8, "y"))


def test_inline_round_trip_holds_for_random_text_and_marks():
    rng = random.Random(11)
    for _ in range(3000):
        text = random_text(rng, max_len=16)
        marks = random_marks(rng, text)
        written = format_inline(text, marks)
        assert parse_inline(written) == (text, marks), written


def test_formatting_parsed_markup_is_stable():
    rng = random.Random(12)
    for _ in range(3000):
        markup = "".join(rng.choice([*ALPHABET, "**", "](", "[", "*"]) for _ in range(14))
        once = format_inline(*parse_inline(markup))
        assert format_inline(*parse_inline(once)) == once, markup


# --- blocks -----------------------------------------------------------------------

BODY = """\
#### 一、工作进展

会议**审议**通过了[章程](https://example.org/a)。

（一）重点工作

![图为会议现场](pictures/abc.jpg "会场全景"){width=60%}

表：2023年发布的标准
| 序号 | 名称 | 状态 |
|---|---|---|
| 1 | **增材制造**{colspan=2} |
| 2{rowspan=2} | 金属粉末 | 已发布 |
| 铸造 | 在编 |

> 编者按：本期聚焦标准化工作。
"""


def test_a_body_in_the_markup_gives_every_kind_of_block():
    blocks, warnings = blocks_from_markup(BODY)
    assert warnings == ()
    assert blocks == (
        Block(HEADING, "一、工作进展"),
        Block(
            PARAGRAPH,
            "会议审议通过了章程。",
            (Mark(BOLD, 2, 4), Mark(LINK, 7, 9, "https://example.org/a")),
        ),
        Block(HEADING, "（一）重点工作"),
        Block(
            IMAGE, file="pictures/abc.jpg", caption="图为会议现场", alt="会场全景", print_width=0.6
        ),
        Block(
            TABLE,
            caption="2023年发布的标准",
            header_rows=1,
            rows=(
                (Cell("序号"), Cell("名称"), Cell("状态")),
                (Cell("1"), Cell("增材制造", (Mark(BOLD, 0, 4),), colspan=2)),
                (Cell("2", rowspan=2), Cell("金属粉末"), Cell("已发布")),
                (Cell("铸造"), Cell("在编")),
            ),
        ),
        Block(NOTE, "编者按：本期聚焦标准化工作。"),
    )


def test_desk_text_without_marks_reads_as_before():
    text = (
        "一、总体情况\n\n第一段第一行\n第一段第二行。\n\n（二）下一步工作\n\n"
        "一、这是一个很长的句子，它以句号结尾，所以是段落。"
    )
    blocks, _ = blocks_from_markup(text)
    assert [(b.kind, b.text) for b in blocks] == [
        (HEADING, "一、总体情况"),
        (PARAGRAPH, "第一段第一行 第一段第二行。"),
        (HEADING, "（二）下一步工作"),
        (PARAGRAPH, "一、这是一个很长的句子，它以句号结尾，所以是段落。"),
    ]


def test_a_numbered_short_paragraph_is_written_escaped_and_stays_a_paragraph():
    block = Block(PARAGRAPH, "一、短句")
    assert blocks_to_markup([block]) == "\\一、短句"
    assert blocks_from_markup("\\一、短句")[0] == (block,)


def test_header_rows_count_the_rows_above_the_delimiter():
    none = blocks_from_markup("| --- |\n| a |\n| b |")[0][0]
    two = blocks_from_markup("| a |\n| b |\n| --- |\n| c |")[0][0]
    assert (none.header_rows, two.header_rows) == (0, 2)
    assert [c.text for row in two.rows for c in row] == ["a", "b", "c"]


def test_a_pipe_in_a_cell_is_escaped():
    table = Block(TABLE, rows=((Cell("a|b"), Cell("c")),), header_rows=1)
    assert blocks_to_markup([table]) == "| a\\|b | c |\n| --- | --- |"
    assert blocks_from_markup(blocks_to_markup([table]))[0] == (table,)


def test_a_malformed_table_row_is_named_by_its_line():
    text = "前文。\n\n| 序号 | 名称 |\n| --- | --- |\n| 1 | 甲 | 多余 |\n| 2 | 乙 |"
    blocks, warnings = blocks_from_markup(text, first_line=10)
    assert [w.line for w in warnings] == [14]
    assert "3 列" in warnings[0].message and "2 列" in warnings[0].message
    assert blocks[1].rows[1] == (Cell("1"), Cell("甲"), Cell("多余"))


def test_a_table_without_a_delimiter_row_is_read_without_a_header_and_warned():
    blocks, warnings = blocks_from_markup("| a | b |\n| c | d |")
    assert blocks[0].header_rows == 0 and len(blocks[0].rows) == 2
    assert warnings[0].line == 1 and "分隔行" in warnings[0].message


def test_a_picture_not_among_the_given_files_is_warned_about():
    text = "段落。\n\n![图为现场](pictures/missing.jpg)"
    blocks, warnings = blocks_from_markup(text, pictures={"pictures/a.jpg": b"x"})
    assert blocks[1].file == "pictures/missing.jpg"
    assert [str(w) for w in warnings] == ["第3行：图片“pictures/missing.jpg”没有对应的文件"]


def test_picture_path_maps_stored_names_in_the_output():
    block = Block(IMAGE, file="abc.png", caption="图1 会场", print_width=0.5)
    written = blocks_to_markup([block], picture_path=lambda name: f"pictures/{name}")
    assert written == "![图1 会场](pictures/abc.png){width=50%}"


def test_spans_written_as_separate_groups_are_read():
    table = blocks_from_markup("| --- | --- |\n| 甲{colspan=2}{rowspan=2} |")[0][0]
    assert table.rows == ((Cell("甲", colspan=2, rowspan=2),),)


def test_a_picture_width_on_its_own_line_is_read():
    blocks, _ = blocks_from_markup('![图为会场](a.jpg "alt")\n{width=0.8}')
    assert blocks == (Block(IMAGE, file="a.jpg", caption="图为会场", alt="alt", print_width=0.8),)


# --- every block shape, both ways ------------------------------------------------------


def random_cells(rng: random.Random, alphabet=ALPHABET) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for _ in range(rng.randint(0, 4)):
        row = []
        for _ in range(rng.randint(0, 4)):
            text = random_text(rng, max_len=6, alphabet=alphabet)
            row.append(
                Cell(
                    text,
                    random_marks(rng, text),
                    rng.choice((1, 1, 1, 2, 3)),
                    rng.choice((1, 1, 1, 2)),
                )
            )
        rows.append(tuple(row))
    return tuple(rows)


def random_block(rng: random.Random, alphabet=ALPHABET) -> Block:
    kind = rng.choice((PARAGRAPH, HEADING, NOTE, IMAGE, TABLE))
    if kind in (PARAGRAPH, HEADING):
        text = random_text(rng, min_len=1, max_len=30, alphabet=alphabet) or "x"
        return Block(kind, text, random_marks(rng, text))
    if kind == NOTE:
        text = random_text(rng, max_len=30, alphabet=alphabet)
        return Block(NOTE, text, random_marks(rng, text))
    if kind == IMAGE:
        return Block(
            IMAGE,
            file=rng.choice(
                ("a.jpg", "pictures/图 1.png", "x(1).gif", 'q"\\.webp', "0" * 32 + ".jpg")
            ),
            caption=random_text(rng, alphabet=alphabet),
            alt=random_text(rng, alphabet=alphabet),
            print_width=rng.choice((0.0, 0.6, 0.35, 1.0, 0.07)),
        )
    rows = random_cells(rng, alphabet)
    return Block(
        TABLE,
        rows=rows,
        header_rows=rng.randint(0, len(rows)),
        caption=rng.choice(
            ("", "表1 统计", "表：表：x", "主要指标", random_text(rng, alphabet=alphabet))
        ),
    )


def test_every_block_shape_survives_markup_and_back():
    rng = random.Random(13)
    for _ in range(1500):
        blocks = tuple(random_block(rng) for _ in range(rng.randint(1, 5)))
        written = blocks_to_markup(blocks)
        read, _warnings = blocks_from_markup(written)
        assert read == blocks, written


def test_an_escaped_line_starts_a_paragraph_of_its_own():
    blocks, _ = blocks_from_markup("第一段没有句号\n\\一、第二段")
    assert blocks == (Block(PARAGRAPH, "第一段没有句号"), Block(PARAGRAPH, "一、第二段"))
