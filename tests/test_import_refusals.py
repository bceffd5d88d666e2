"""A file in which no article is found is refused, naming the file; it is never
stored as an empty issue."""

import pytest

from jianbao.core.errors import NotABulletin
from jianbao.publishing.ingest import parse_bulletin_bytes

MASTHEAD_ONLY = """产业技术创新战略联盟试点工作
简报
2023年第2期（总第67期）
联盟试点工作联络组办公室
2023年4月10日

报：科技部成果与区域司
本期编辑：杨丹泽
"""

WITH_SECTION_BUT_NO_ARTICLE = """产业技术创新战略联盟试点工作
简报
2023年第2期（总第67期）
联盟试点工作联络组办公室
2023年4月10日

➤ 重要政策动态

本期编辑：杨丹泽
"""


def test_a_masthead_without_any_article_is_refused_via_the_cli_leaving_the_database_alone(
    cli, tmp_path, database_fingerprint
):
    path = tmp_path / "只有报头.txt"
    path.write_text(MASTHEAD_ONLY, encoding="utf-8")
    before = database_fingerprint()
    result = cli("import", str(path))
    assert result.status == 2
    assert result.stderr.splitlines() == [
        f"jianbao import：{path}：没有找到任何文章（只有报头或导读），未导入"
    ]
    assert database_fingerprint() == before
    assert cli("issues", "--json").stdout.strip() in ("[]", "")


@pytest.mark.parametrize("text", [MASTHEAD_ONLY, WITH_SECTION_BUT_NO_ARTICLE])
def test_the_reader_refuses_a_bulletin_with_no_article_naming_the_file(text):
    with pytest.raises(NotABulletin) as refused:
        parse_bulletin_bytes(text.encode("utf-8"), "空简报.txt")
    assert str(refused.value) == "空简报.txt：没有找到任何文章（只有报头或导读），未导入"


def test_a_pdf_with_only_a_masthead_is_refused_too():
    import typst

    source = (
        '#set text(font: "Noto Serif CJK SC", size: 12pt)\n'
        "#align(center)[产业技术创新战略联盟试点工作]\n\n#align(center)[简报]\n\n"
        "#align(center)[2023年第2期（总第67期）]\n\n"
        "联盟试点工作联络组办公室 #h(1fr) 2023年4月10日\n"
    )
    pdf = typst.compile(
        source.encode(),
        font_paths=["/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/arphic"],
    )
    with pytest.raises(NotABulletin) as refused:
        parse_bulletin_bytes(pdf, "空简报.pdf")
    assert str(refused.value).startswith("空简报.pdf：没有找到任何文章")
