"""Rich issues survive `jianbao export` and `jianbao import`, pictures included.

A bulletin with two captioned pictures, a table with a header and a merged
cell, bold, italic and link marks and a note is stored, exported (Markdown or
JSON, to a folder holding the pictures), the archive then loses the content
and the pictures, and the import of the folder gives back the same issue with
the same pictures, byte for byte.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from PIL import Image, ImageDraw

from jianbao.bulletins.models import Block as BlockRow
from jianbao.bulletins.services import issue_to_bulletin, store_bulletin
from jianbao.publishing import pictures
from jianbao.publishing.models import Picture
from jianbao.publishing.parsed import (
    BOLD,
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

pytestmark = pytest.mark.django_db


def picture(size: tuple[int, int], colour: tuple[int, int, int], fmt: str) -> bytes:
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).ellipse((10, 10, size[0] // 2, size[1] // 2), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


PHOTO = picture((640, 480), (30, 90, 160), "JPEG")
GROUP = picture((300, 200), (160, 40, 40), "PNG")

RICH_BLOCKS = (
    Block(NOTE, "编者按：本期聚焦团体标准工作。", (Mark(BOLD, 0, 3),)),
    Block(
        PARAGRAPH,
        "会议审议通过了七项团体标准，详见联盟网站。",
        (Mark(BOLD, 2, 13), Mark(ITALIC, 7, 9), Mark(LINK, 16, 20, "https://example.org/std")),
    ),
    Block(IMAGE, file="会场.jpg", caption="图为会议现场", alt="会议现场全景", print_width=0.6),
    Block(
        TABLE,
        caption="2023年发布的团体标准",
        header_rows=1,
        rows=(
            (Cell("序号"), Cell("标准名称"), Cell("状态")),
            (Cell("1"), Cell("钼铌合金棒材", (Mark(BOLD, 0, 6),)), Cell("发布")),
            (Cell("2", rowspan=2), Cell("铁基粉末冶金零件用渗铜粉"), Cell("发布")),
            (Cell("粉末冶金用还原铁粉"), Cell("征求意见")),
            (Cell("合计：三项", colspan=3),),
        ),
    ),
    Block(IMAGE, file="合影.png", caption="图2 与会代表合影"),
    Block(PARAGRAPH, "联盟将继续加强标准体系建设。"),
)


@pytest.fixture
def picture_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIANBAO_PICTURE_CACHE_DIR = tmp_path / "cache"
    return settings


@pytest.fixture
def rich_issue(parsed, picture_storage):
    section = parsed.sections[0]
    article = section.articles[0]
    article = replace(article, blocks=(*article.blocks, *RICH_BLOCKS))
    sections = (replace(section, articles=(article, *section.articles[1:])), *parsed.sections[1:])
    bulletin = replace(parsed, sections=sections, pictures={"会场.jpg": PHOTO, "合影.png": GROUP})
    return store_bulletin(bulletin, source_name="rich.md").issue


def stored_pictures(bulletin) -> dict[str, bytes]:
    return {
        b.file: pictures.original_bytes(b.file)
        for a in bulletin.articles
        for b in a.blocks
        if b.kind == IMAGE
    }


def lose_content_and_pictures(settings, tmp_path) -> None:
    """The archive forgets the table and every picture: only the export can bring them back."""
    BlockRow.objects.filter(kind=TABLE).delete()
    Picture.objects.all().delete()
    settings.MEDIA_ROOT = tmp_path / "empty-media"


def test_the_rich_issue_is_stored_with_both_pictures(rich_issue):
    bulletin = issue_to_bulletin(rich_issue)
    images = [b for b in bulletin.articles[0].blocks if b.kind == IMAGE]
    assert [(b.caption, b.width, b.height) for b in images] == [
        ("图为会议现场", 640, 480),
        ("图2 与会代表合影", 300, 200),
    ]


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_an_exported_folder_imports_back_as_the_same_issue_and_pictures(
    cli, rich_issue, settings, tmp_path, fmt
):
    original = issue_to_bulletin(rich_issue)
    original_pictures = stored_pictures(original)
    folder = tmp_path / "export"
    result = cli("export", "2023-1", "--format", fmt, "-o", str(folder))
    assert result.status == 0, result.stderr
    (exported,) = folder.glob(f"*.{fmt}")
    assert {p.name: p.read_bytes() for p in (folder / "pictures").iterdir()} == original_pictures

    lose_content_and_pictures(settings, tmp_path)
    result = cli("import", "-q", "--replace", str(exported))
    assert result.status == 0, result.stderr

    again = issue_to_bulletin(rich_issue)
    assert again == original
    assert again.articles[0].blocks[-len(RICH_BLOCKS) :] == original.articles[0].blocks[-6:]
    assert stored_pictures(again) == original_pictures


def test_the_folder_itself_can_be_imported(cli, rich_issue, settings, tmp_path):
    original = issue_to_bulletin(rich_issue)
    folder = tmp_path / "export"
    assert cli("export", "2023-1", "--format", "md", "-o", str(folder)).status == 0
    lose_content_and_pictures(settings, tmp_path)
    result = cli("import", "-q", "--replace", str(folder))
    assert result.status == 0, result.stderr
    assert issue_to_bulletin(rich_issue) == original


def test_the_markdown_export_names_pictures_in_its_folder_and_shows_the_markup(
    cli, rich_issue, tmp_path
):
    folder = tmp_path / "export"
    assert cli("export", "2023-1", "--format", "md", "-o", str(folder)).status == 0
    text = next(folder.glob("*.md")).read_text(encoding="utf-8")
    name = next(b.file for b in issue_to_bulletin(rich_issue).articles[0].pictures)
    assert f'![图为会议现场](pictures/{name} "会议现场全景"){{width=60%}}' in text
    assert "表：2023年发布的团体标准\n| 序号 | 标准名称 | 状态 |\n| --- | --- | --- |\n" in text
    assert "| 2{rowspan=2} | 铁基粉末冶金零件用渗铜粉 | 发布 |\n| 粉末冶金用还原铁粉 |" in text
    assert "| 合计：三项{colspan=3} |" in text
    assert "> **编者按**：本期聚焦团体标准工作。" in text
    assert "会议**审议通过了*七项*团体标准**，详见[联盟网站](https://example.org/std)。" in text


def test_the_json_export_shows_the_shape_with_picture_paths(cli, rich_issue, tmp_path):
    folder = tmp_path / "export"
    assert cli("export", "2023-1", "--format", "json", "-o", str(folder)).status == 0
    data = json.loads(next(folder.glob("*.json")).read_text(encoding="utf-8"))
    blocks = data["sections"][0]["articles"][0]["blocks"]
    images = [b for b in blocks if b["kind"] == "image"]
    assert [(b["caption"], b["width"], b["height"]) for b in images] == [
        ("图为会议现场", 640, 480),
        ("图2 与会代表合影", 300, 200),
    ]
    assert all(b["file"].startswith("pictures/") for b in images)
    assert all((folder / b["file"]).is_file() for b in images)
    (table,) = [b for b in blocks if b["kind"] == "table"]
    assert table["header_rows"] == 1
    assert table["rows"][2][0] == {"text": "2", "rowspan": 2}
    assert table["rows"][4] == [{"text": "合计：三项", "colspan": 3}]


def test_standard_output_names_stored_pictures_and_imports_back(cli, rich_issue, tmp_path):
    original = issue_to_bulletin(rich_issue)
    result = cli("export", "2023-1", "--format", "md")
    assert result.status == 0, result.stderr
    name = original.articles[0].pictures[0].file
    assert f"![图为会议现场]({name} " in result.stdout
    path = tmp_path / "copy.md"
    path.write_text(result.stdout, encoding="utf-8")
    BlockRow.objects.filter(kind=TABLE).delete()
    assert cli("import", "-q", "--replace", str(path)).status == 0
    assert issue_to_bulletin(rich_issue) == original


def test_a_picture_path_out_of_the_folder_is_refused_naming_the_line(cli, rich_issue, tmp_path):
    folder = tmp_path / "export"
    assert cli("export", "2023-1", "--format", "md", "-o", str(folder)).status == 0
    exported = next(folder.glob("*.md"))
    text = exported.read_text(encoding="utf-8")
    line = text[: text.index("![图为会议现场]")].count("\n") + 1
    (tmp_path / "secret.jpg").write_bytes(PHOTO)
    start = text.index("![图为会议现场](") + len("![图为会议现场](")
    end = text.index(" ", start)
    exported.write_text(text[:start] + "../secret.jpg" + text[end:], encoding="utf-8")
    before = issue_to_bulletin(rich_issue)
    result = cli("import", "-q", "--replace", str(exported))
    assert result.status == 2
    assert f"{exported}:{line}" in result.stderr
    assert "“../secret.jpg”不在文件所在的文件夹内" in result.stderr
    assert issue_to_bulletin(rich_issue) == before


def test_json_on_standard_output_names_pictures_by_address_and_imports_back(
    cli, rich_issue, tmp_path, settings
):
    settings.JIANBAO_SITE_URL = "https://jianbao.example.org/"
    original = issue_to_bulletin(rich_issue)
    result = cli("export", "2023-1", "--format", "json")
    assert result.status == 0, result.stderr
    blocks = json.loads(result.stdout)["sections"][0]["articles"][0]["blocks"]
    name = original.articles[0].pictures[0].file
    assert next(b["file"] for b in blocks if b["kind"] == "image") == (
        f"https://jianbao.example.org/pictures/{name}"
    )
    path = tmp_path / "copy.json"
    path.write_text(result.stdout, encoding="utf-8")
    BlockRow.objects.filter(kind=TABLE).delete()
    assert cli("import", "-q", "--replace", str(path)).status == 0
    assert issue_to_bulletin(rich_issue) == original
