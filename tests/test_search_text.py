"""Normalisation, query parsing, tokens and snippets: pure functions, no database."""

import unicodedata

from jianbao.archive.search.text import (
    TOKEN_SEPARATOR,
    bigram_tokens,
    character_tokens,
    contains_all,
    highlight,
    normalise,
    parse_query,
    snippet,
    term_tokens,
)


def test_full_width_and_half_width_forms_normalise_alike():
    assert normalise("ＷＡＰＩ（２０２２）") == normalise("WAPI(2022)") == "wapi(2022)"
    assert normalise("ＩＳＯ／ＩＥＣ　４３９６") == "iso/iec 4396"


def test_whitespace_runs_fold_to_one_space():
    assert normalise("  第一段\n\n第二段\t 完  ") == "第一段 第二段 完"


def test_query_splits_on_spaces_and_keeps_quoted_phrases_whole():
    assert parse_query('联盟  标准 "ISO/IEC 4396" ＷＡＰＩ') == (
        "联盟",
        "标准",
        "iso/iec 4396",
        "wapi",
    )
    assert parse_query("＂X 大奖＂") == ("x 大奖",)  # full-width quotes too


def test_query_with_an_unclosed_quote_takes_the_rest_as_a_phrase():
    assert parse_query('会议 "碳中和 专家') == ("会议", "碳中和 专家")


def test_repeated_and_empty_terms_are_dropped():
    assert parse_query('标准 标准 "" ＂＂ ') == ("标准",)
    assert parse_query("   ") == ()


def tokens(joined: str) -> list[str]:
    return joined.split(TOKEN_SEPARATOR)


def test_normalising_equals_nfkc_whatever_the_characters():
    samples = [
        "联盟（WAPI）：２０２２年，ＩＳＯ／ＩＥＣ　４３９６。",  # full-width forms only
        "Ａ\u0301",  # a full-width letter, then a combining accent: Á
        "ｶﾞｲﾄﾞ①㈱ﬁ\u2460",  # half-width kana that compose, circled digits, ligatures
        "e\u0301 한글 \u1100\u1161",  # combining accent, Hangul jamo that compose
        "《标准》𠀀😀、",
    ]
    for text in samples:
        expected = unicodedata.normalize("NFKC", text).lower()
        assert normalise(text) == " ".join(expected.split()), text


def test_control_characters_are_white_space():
    assert normalise("标准\x01\x02化\x7f工作") == "标准 化 工作"


def test_one_bigram_token_per_character_position():
    assert tokens(bigram_tokens("粉末冶金")) == ["粉末", "末冶", "冶金"]
    assert term_tokens("冶金") == (bigram_tokens("冶金"),)
    assert term_tokens("粉末冶金") == tuple(tokens(bigram_tokens("粉末冶金")))


def test_tokens_keep_spaces_and_punctuation_of_any_character():
    text = normalise("《标准》(ISO/IEC) 𠀀😀\u3000、")
    assert tokens(bigram_tokens(text)) == [
        "《标", "标准", "准》", "》(", "(i", "is", "so", "o/", "/i", "ie", "ec", "c)", ") ",
        " 𠀀", "𠀀😀", "😀 ", " 、",
    ]  # fmt: skip
    assert tokens(character_tokens("a b")) == ["a", " ", "b"]


def test_character_tokens_list_each_character_once_in_first_use_order():
    assert tokens(character_tokens("联盟联盟会")) == ["联", "盟", "会"]


def test_match_definition_is_per_term_title_or_body():
    assert contains_all(("联盟", "标准"), "联盟会议", "发布团体标准")
    assert not contains_all(("盟会",), "联盟", "会议")  # no match across title and body


def test_highlight_escapes_markup_and_marks_matches():
    html = highlight("<b>WAPI</b> & ＷＡＰＩ", parse_query("wapi"))
    assert html == "&lt;b&gt;<mark>WAPI</mark>&lt;/b&gt; &amp; <mark>ＷＡＰＩ</mark>"


def test_highlight_marks_a_query_that_looks_like_markup_as_text():
    html = highlight("试验<script>alert(1)</script>", parse_query("<script>"))
    assert html == "试验<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;"


def test_highlight_maps_offsets_through_characters_that_expand():
    # ﬁ is one character that normalises to two; the marks must still line up.
    assert highlight("ﬁne ﬁnance", parse_query("fine")) == "<mark>ﬁne</mark> ﬁnance"


def test_phrase_with_a_space_matches_across_a_line_break():
    assert "<mark>ISO/IEC\n4396</mark>" in highlight("ISO/IEC\n4396", parse_query('"ISO/IEC 4396"'))


def test_snippet_is_a_window_around_the_first_match():
    text = "前" * 200 + "粉末冶金" + "后" * 200
    s = snippet(text, parse_query("粉末冶金"), width=60)
    assert s.text.startswith("…") and s.text.endswith("…")
    assert "粉末冶金" in s.text and len(s.text) == 62
    assert "<mark>粉末冶金</mark>" in s.html


def test_snippet_without_a_body_match_starts_at_the_beginning():
    s = snippet("短文", parse_query("标题里的词"))
    assert s.text == "短文" and s.html == "短文"
