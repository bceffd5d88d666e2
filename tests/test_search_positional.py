"""The positional tsvectors that PostgreSQL's RUM index is built from,
decoded here from tsvector's binary format (``tsvectorrecv``: int32 lexeme
count, then per lexeme its UTF-8 text, a NUL, a uint16 position count and
uint16 positions, weight in the top two bits; none is used)."""

import struct

from jianbao.archive.search.positional import vectors

WEIGHTS = {3: "A", 2: "B", 1: "C", 0: "D"}


def decode(blob: bytes) -> dict[str, list[tuple[int, str]]]:
    (count,) = struct.unpack_from(">i", blob)
    at, lexemes = 4, {}
    for _ in range(count):
        end = blob.index(b"\0", at)
        lexeme = blob[at:end].decode()
        (n,) = struct.unpack_from(">H", blob, end + 1)
        raw = struct.unpack_from(f">{n}H", blob, end + 3)
        lexemes[lexeme] = [(p & 0x3FFF, WEIGHTS[p >> 14]) for p in raw]
        at = end + 3 + 2 * n
    assert at == len(blob), "bytes left after the last lexeme"
    return lexemes


def test_bigrams_with_positions_characters_once_and_the_title_again_marked():
    (blob,) = vectors([("联盟", "联盟会议")])
    # The body's first bigram is at len(title) + 4 = 6; a character sits at 1
    # for the title and at the body's first position for the body.
    assert decode(blob) == {
        "联盟": [(1, "D"), (6, "D")],
        "盟会": [(7, "D")],
        "会议": [(8, "D")],
        "联": [(1, "D"), (6, "D")],
        "盟": [(1, "D"), (6, "D")],
        "会": [(6, "D")],
        "议": [(6, "D")],
        "\x01联盟": [(1, "D")],
        "\x01联": [(1, "D")],
        "\x01盟": [(1, "D")],
    }
    # In the server's order (UTF-8 bytes, a prefix first), which it would otherwise sort into.
    assert list(decode(blob)) == sorted(decode(blob), key=str.encode)


def test_repeats_keep_every_position_and_any_code_point_is_a_lexeme():
    (blob,) = vectors([("a", "x'y x'y 𠀀é\\")])
    lexemes = decode(blob)
    assert lexemes["x'"] == [(5, "D"), (9, "D")]
    assert lexemes["'y"] == [(6, "D"), (10, "D")]
    assert lexemes["y "] == [(7, "D"), (11, "D")]
    assert lexemes["𠀀é"] == [(13, "D")]
    assert lexemes["é\\"] == [(14, "D")]
    assert lexemes["a"] == lexemes["\x01a"] == [(1, "D")]
    assert lexemes["x"] == [(5, "D")]  # once, however often it occurs
    assert "ax" not in lexemes and "a" + "x'" not in lexemes  # nothing spans title and body


def test_empty_title_and_body_make_an_empty_vector():
    assert vectors([("", "")]) == [b"\0\0\0\0"]
    assert decode(vectors([("标", "")])[0]) == {"标": [(1, "D")], "\x01标": [(1, "D")]}


def test_documents_past_the_position_limits_have_no_vector():
    # tsvector positions stop at 16,383 and a lexeme keeps at most 256 of them.
    title = "标题"
    # 16,379 different characters: the last bigram at 2 + 4 + (16,379 - 2) = 16,383.
    fits = "".join(chr(0x4E00 + i) for i in range(16379))
    too_long = fits + "丁"
    many = "联盟" + "，联盟" * 255  # 联盟 256 times
    too_many = many + "，联盟"
    out = vectors([(title, fits), (title, too_long), ("", many), ("", too_many)])
    assert out[0] is not None and out[2] is not None
    assert out[1] is None and out[3] is None
    assert decode(out[0])[fits[-2:]] == [(16383, "D")]
    assert len(decode(out[2])["联盟"]) == 256


def test_a_batch_encodes_each_document_as_on_its_own():
    docs = [(f"标题{i}", "正文" * i + "联盟") for i in range(600)]  # more than one inner batch
    together = vectors(docs)
    assert together == [vectors([doc])[0] for doc in docs]
    lexemes = list(decode(vectors([("a", "éa𠀀 中ab")])[0]))
    assert lexemes == sorted(lexemes, key=str.encode)
