import codecs

import pytest

from jianbao.core.errors import UnreadableFile
from jianbao.core.text import decode_text


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk"])
def test_chinese_text_decodes_in_common_encodings(encoding):
    text = "产业技术创新战略联盟简报：2023年第1期（总第66期）"
    assert decode_text(text.encode(encoding), "x.txt")[0] == text


def test_utf8_bom_is_removed():
    text, encoding = decode_text(codecs.BOM_UTF8 + "简报".encode(), "x.txt")
    assert (text, encoding) == ("简报", "utf-8-sig")


def test_characters_outside_gb2312_survive_gb18030():
    text = "喆䶮𠀀"
    assert decode_text(text.encode("gb18030"), "x.txt")[0] == text


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "空"),
        (b"   \n\n", "空"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "可执行程序"),
        (bytes(range(256)) * 4, "二进制"),
    ],
)
def test_files_that_are_not_text_are_refused_with_the_file_name(data, reason):
    with pytest.raises(UnreadableFile, match=reason) as info:
        decode_text(data, "稿件.txt")
    assert str(info.value).startswith("稿件.txt")
