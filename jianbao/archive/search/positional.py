"""Positional tsvectors of character bigrams, made for many documents at once.

PostgreSQL's RUM index keeps a tsvector's positions, so a phrase of bigrams
is answered from the index alone, exactly (see ``backends.PostgresIndex``).
Each document's vector holds:

* every character bigram of the title and the body with its positions, the
  body starting ``BODY_OFFSET`` positions after the title's first character,
  so that no phrase of a query (whose steps are at most 2) spans the two;
* each distinct character once: at position 1 if it is in the title, and at
  the body's first position if it is in the body;
* the title's bigrams and characters again, marked with ``TITLE_MARK`` in
  front: "in the title" reads their short posting lists, where a weight on
  the plain lexemes would read those of the whole text.

The vectors are built in tsvector's binary wire format (``tsvectorrecv``)
with numpy, a batch at a time: in plain Python the 10^8 (lexeme, positions)
entries of 100,000 articles took 76 s to encode, and the server spent as
long again parsing the text form.  Pure: no database, no Django.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# tsvector limits: a position has 14 bits, and a lexeme keeps at most 256 positions.
MAX_POSITION = 0x3FFF
MAX_POSITIONS = 256
TITLE_MARK = "\x01"  # normalised text holds no control characters
# Control characters between the title and the body: normalised text holds none,
# so no bigram spans the two, and the body's first bigram sits 4 positions
# after the title's last, beyond the widest step of a query phrase.
_SEPARATOR = "\x01\x01\x01"
BODY_OFFSET = len(_SEPARATOR) + 1
_CHARACTER = 0x1FFFFF  # 21 bits: every code point


def position_limit_ok(title: str, body: str) -> bool:
    """Whether every position of the document fits in a tsvector."""
    return len(title) + BODY_OFFSET + max(len(body) - 2, 0) <= MAX_POSITION


def vectors(docs: Sequence[tuple[str, str]]) -> list[bytes | None]:
    """The binary tsvector of each (title, body), or None where the document is
    past tsvector's limits (a position past 16,383, or a bigram more than 256
    times) and must be matched on its text instead."""
    out: list[bytes | None] = []
    for start in range(0, len(docs), _BATCH):
        out += _batch(docs[start : start + _BATCH])
    return out


# Each entry of a batch is one uint64 that sorts into place on its own, so a
# plain sort groups the lexemes with their positions in order: document (7
# bits) | not marked (1) | first character (21) | second character, 0 for a
# lone character (21) | position (14).  Within a document the lexemes then
# come in the server's own order (UTF-8 bytes, a prefix first), so that
# tsvectorrecv need not sort them: that sort was most of the COPY's time.
_BATCH = 128
_PLAIN = np.uint64(1 << 56)


def _batch(docs: Sequence[tuple[str, str]]) -> list[bytes | None]:
    text = "".join(f"{title}{_SEPARATOR}{body}\x02" for title, body in docs)
    chars = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    lengths = np.array([len(t) + len(_SEPARATOR) + len(b) + 1 for t, b in docs], dtype=np.int64)
    title_lengths = np.array([len(t) for t, _ in docs], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    # For every character of the batch: its document, and its index in that document.
    doc = np.repeat(np.arange(len(docs), dtype=np.uint64), lengths)
    index = np.arange(len(chars), dtype=np.int64) - np.repeat(starts, lengths)
    body_first = np.repeat(title_lengths + BODY_OFFSET, lengths)
    in_title = index < body_first - BODY_OFFSET
    real = chars >= 0x20

    # Bigrams: a real character followed by a real one, at position index + 1.
    pair = real[:-1] & real[1:]
    bigrams = (doc[:-1] << 57) | (chars[:-1] << 35) | (chars[1:] << 14)
    bigrams |= np.minimum(index[:-1] + 1, MAX_POSITION).astype(np.uint64)
    # Characters: position 1 in the title, the body's first position in the body.
    unigrams = (doc << 57) | (chars << 35)
    unigrams |= np.minimum(np.where(in_title, 1, body_first), MAX_POSITION).astype(np.uint64)
    entries = np.concatenate(
        (
            bigrams[pair] | _PLAIN,
            unigrams[real] | _PLAIN,
            bigrams[pair & in_title[:-1]],
            unigrams[real & in_title],
        )
    )
    entries.sort()  # a character repeats its one position: keep it once
    repeat = np.zeros(len(entries), dtype=bool)
    repeat[1:] = entries[1:] == entries[:-1]
    entries = entries[~repeat]

    lexeme_keys = entries >> np.uint64(14)
    boundary = np.ones(len(entries), dtype=bool)
    boundary[1:] = lexeme_keys[1:] != lexeme_keys[:-1]
    first = np.flatnonzero(boundary)
    counts = np.diff(np.append(first, len(entries)))
    group_keys = lexeme_keys[first]
    group_doc = (group_keys >> np.uint64(43)).astype(np.int64)
    marked = 1 - ((group_keys >> np.uint64(42)) & np.uint64(1)).astype(np.int64)
    c1 = ((group_keys >> np.uint64(21)) & np.uint64(_CHARACTER)).astype(np.int64)
    c2 = (group_keys & np.uint64(_CHARACTER)).astype(np.int64)
    unigram = c2 == 0
    c1_bytes = _utf8_length(c1)
    lexeme_bytes = marked + c1_bytes + np.where(unigram, 0, _utf8_length(c2))
    positions = (entries & np.uint64(MAX_POSITION)).astype(np.int64)

    # Layout of each document: int32 lexeme count, then per lexeme its UTF-8
    # text, a NUL, uint16 position count and the uint16 positions.
    group_bytes = lexeme_bytes + 3 + 2 * counts
    doc_bytes = 4 + np.bincount(group_doc, weights=group_bytes, minlength=len(docs)).astype(
        np.int64
    )
    doc_offsets = np.cumsum(doc_bytes) - doc_bytes
    group_offsets = np.cumsum(group_bytes) - group_bytes + 4 * (group_doc + 1)
    out = np.zeros(int(doc_bytes.sum()), dtype=np.uint8)
    lexemes_per_doc = np.bincount(group_doc, minlength=len(docs))
    for byte, shift in enumerate((24, 16, 8, 0)):
        out[doc_offsets + byte] = (lexemes_per_doc >> shift) & 0xFF
    out[group_offsets[marked == 1]] = ord(TITLE_MARK)
    _write_utf8(out, group_offsets + marked, c1, c1_bytes)
    second = ~unigram
    c2_at = group_offsets + marked + c1_bytes
    _write_utf8(out, c2_at[second], c2[second], (lexeme_bytes - marked - c1_bytes)[second])
    count_at = group_offsets + lexeme_bytes + 1
    out[count_at] = counts >> 8
    out[count_at + 1] = counts & 0xFF
    position_at = np.repeat(count_at + 2 - 2 * first, counts) + 2 * np.arange(len(entries))
    out[position_at] = positions >> 8
    out[position_at + 1] = positions & 0xFF

    too_many = np.zeros(len(docs), dtype=bool)
    too_many[group_doc[counts > MAX_POSITIONS]] = True
    blob = out.tobytes()
    return [
        None
        if too_many[i] or not position_limit_ok(title, body)
        else blob[doc_offsets[i] : doc_offsets[i] + doc_bytes[i]]
        for i, (title, body) in enumerate(docs)
    ]


def _utf8_length(code: np.ndarray) -> np.ndarray:
    return 1 + (code >= 0x80) + (code >= 0x800) + (code >= 0x10000)


def _write_utf8(out: np.ndarray, at: np.ndarray, code: np.ndarray, length: np.ndarray) -> None:
    """Write each code point's UTF-8 bytes at its offset."""
    for n, lead in ((1, 0), (2, 0xC0), (3, 0xE0), (4, 0xF0)):
        which = length == n
        c, o = code[which], at[which]
        out[o] = lead | (c >> (6 * (n - 1)))
        for k in range(1, n):
            out[o + k] = 0x80 | ((c >> (6 * (n - 1 - k))) & 0x3F)
