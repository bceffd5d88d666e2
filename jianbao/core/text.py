"""Chinese text helpers shared by importers, renderers and search."""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

import charset_normalizer

from jianbao.core.errors import UnreadableFile

# CJK ideographs (all planes, so Extension B and later count), CJK symbols
# and full-width punctuation.
CJK = (
    "\u2018\u2019\u201c\u201d\u2026\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003134f"
)
IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_ASCII_SPACE = re.compile(
    rf"(?<=[{CJK}])[ \t\u00a0]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t\u00a0]+(?=[{CJK}])"
)
_CJK_CJK_SPACE = re.compile(rf"(?<=[{CJK}])[ \t\u00a0\u3000]+(?=[{CJK}])")
_WHITESPACE_RUN = re.compile(r"\s+")
_IDEOGRAPH = re.compile(f"[{IDEOGRAPH}]")

# A paragraph that ends with one of these is complete; one that does not was
# probably cut by a page break or a hard wrap.
SENTENCE_END = "。！？；…．.!?;：:」』”’）)》】"

# 《党政机关公文格式》 line-breaking rules.
NO_LINE_START = "，。、；：？！）》」』”’〉】…—"
NO_LINE_END = "（《「『“‘〈【"

BINARY_SIGNATURES = {
    b"\x89PNG": "PNG 图像",
    b"\xff\xd8\xff": "JPEG 图像",
    b"GIF8": "GIF 图像",
    b"%PDF": "PDF 文件",
    b"PK\x03\x04": "ZIP 压缩包（或 Office 文档）",
    b"\xd0\xcf\x11\xe0": "旧版 Office 文档（.doc/.xls）",
    b"\x7fELF": "可执行程序",
    b"MZ": "Windows 可执行程序",
}


def describe_markup(head: bytes) -> str | None:
    """SVG, a web page or other XML, told from a file's first bytes: never a news
    text, and a picture named .jpg that a browser would run as a page."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not start.startswith(b"<"):
        return None
    if b"<svg" in start:
        return "SVG 图形"
    if b"<html" in start or start.startswith(b"<!doctype html"):
        return "网页（HTML）"
    return "XML 文件" if start.startswith(b"<?xml") else None


def describe_binary(data: bytes) -> str | None:
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return what
    return None


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode a text file, returning (text, encoding).

    UTF-8 (with or without BOM) is tried first, then GB18030, which covers
    GBK and GB2312; charset-normalizer decides the rest.  Anything that looks
    binary is refused rather than decoded into garbage.
    """
    if not data.strip():
        raise UnreadableFile(path, "文件是空的")
    kind = describe_binary(data)
    if kind:
        raise UnreadableFile(path, f"不是文本文件（内容是{kind}）")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, encoding, path), encoding
    if b"\x00" in data[:65536]:
        raise UnreadableFile(path, "不是文本文件（含有二进制数据）")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _refuse_control_characters(text, path)
        return text, encoding
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UnreadableFile(path, "无法识别文件编码（试过 UTF-8、GB18030/GBK）")
    text = str(best)
    _refuse_control_characters(text, path)
    return text, best.encoding


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(path, f"不是有效的 {encoding} 文本", line=line) from None


# Control characters (Unicode category Cc) other than tab, line and page breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _refuse_control_characters(text: str, path: str) -> None:
    if m := _CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        raise UnreadableFile(path, f"含有控制字符 U+{ord(m.group()):04X}，不像文本文件", line=line)


def remove_cjk_ascii_spaces(text: str) -> str:
    """Drop spaces that typesetting put between Chinese and Latin/digits (2023 年 → 2023年)."""
    return _CJK_ASCII_SPACE.sub("", text)


def remove_cjk_spaces(text: str) -> str:
    return _CJK_CJK_SPACE.sub("", text)


def fold(text: str) -> str:
    """A comparison key: full- and half-width forms alike, no white space."""
    return _WHITESPACE_RUN.sub("", unicodedata.normalize("NFKC", text))


def ends_sentence(text: str) -> bool:
    text = text.rstrip()
    return bool(text) and text[-1] in SENTENCE_END


def is_ideograph(ch: str) -> bool:
    return bool(_IDEOGRAPH.match(ch))


# A name's sortable parts: runs of ideographs, and runs of Latin letters and digits.
_SORT_RUN = re.compile(f"([{IDEOGRAPH}]+)|([0-9A-Za-z]+)")
_TONE3 = re.compile(r"\A([a-z]+)([1-5])\Z")  # anchored: a search cannot rescan


@lru_cache(maxsize=8192)
def pinyin_key(name: str) -> tuple:
    """The key that lists names in pinyin order, the way people look them up.

    Ideographs count by their reading (in context, so 重庆 is chong qing), Latin
    letters by themselves, so "WAPI产业联盟" falls among the W names. Syllables
    compare first, then tones, then the characters; punctuation is ignored.
    """
    # Imported here: its dictionaries take a sixth of a second to load, which every
    # command line run that imports this module would otherwise pay.
    from pypinyin import Style, pinyin

    syllables: list[str] = []
    tones: list[int] = []
    for han, latin in _SORT_RUN.findall(unicodedata.normalize("NFKC", name)):
        if latin:
            syllables.append(latin.lower())
            tones.append(0)
            continue
        # A character pypinyin has no reading for sorts as itself, after every letter.
        readings = pinyin(
            han, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars)
        )
        for reading, *_ in readings:
            if m := _TONE3.fullmatch(reading):
                syllables.append(m[1])
                tones.append(int(m[2]))
            else:
                syllables.append(reading)
                tones.append(0)
    return (tuple(syllables), tuple(tones), name)
