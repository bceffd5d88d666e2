"""The content shape: its JSON form, its rows, and the migration that gave blocks
their rich fields (forward and back, without losing what was stored)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jianbao.bulletins.services import block_row, stored_block
from jianbao.publishing.parsed import (
    BOLD,
    HEADING,
    IMAGE,
    LINK,
    NOTE,
    PARAGRAPH,
    TABLE,
    Block,
    Cell,
    Mark,
    block_from_dict,
    block_to_dict,
)

BLOCKS = [
    Block(PARAGRAPH, "会议审议通过了章程。", (Mark(BOLD, 2, 6),)),
    Block(PARAGRAPH, "详见联盟网站。", (Mark(LINK, 2, 6, "https://example.org/a"),)),
    Block(HEADING, "（一）工作进展"),
    Block(NOTE, "编者按：本期聚焦标准化工作。"),
    Block(
        IMAGE,
        file="0123456789abcdef0123456789abcdef.jpg",
        caption="图为会议现场",
        alt="会场",
        width=1200,
        height=800,
        print_width=0.6,
    ),
    Block(
        TABLE,
        rows=(
            (Cell("序号"), Cell("标准名称"), Cell("状态")),
            (Cell("1"), Cell("增材制造", (Mark(BOLD, 0, 2),)), Cell("发布", colspan=1)),
            (Cell("合计", colspan=2), Cell("1")),
        ),
        header_rows=1,
        caption="表1 标准清单",
    ),
]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.kind)
def test_every_block_survives_its_json_form(block):
    assert block_from_dict(block_to_dict(block)) == block


def test_json_form_names_every_kind_and_keeps_the_old_type_key():
    image = block_to_dict(BLOCKS[4])
    assert image["kind"] == image["type"] == "image"
    assert (image["file"], image["caption"], image["width"], image["height"]) == (
        "0123456789abcdef0123456789abcdef.jpg",
        "图为会议现场",
        1200,
        800,
    )
    table = block_to_dict(BLOCKS[5])
    assert table["header_rows"] == 1
    assert [[c["text"] for c in row] for row in table["rows"]] == [
        ["序号", "标准名称", "状态"],
        ["1", "增材制造", "发布"],
        ["合计", "1"],
    ]
    assert table["rows"][2][0]["colspan"] == 2
    assert block_to_dict(BLOCKS[2])["level"] == 2


def test_an_older_export_with_type_and_text_only_reads_as_a_paragraph():
    assert block_from_dict({"type": "paragraph", "text": "正文"}) == Block(PARAGRAPH, "正文")


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="视频"):
        block_from_dict({"kind": "视频"})


def test_plain_text_is_what_search_reads_for_pictures_and_tables():
    assert BLOCKS[4].plain_text == "图为会议现场\n会场"
    assert "增材制造" in BLOCKS[5].plain_text and "表1 标准清单" in BLOCKS[5].plain_text


@pytest.mark.django_db
@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.kind)
def test_a_block_row_reads_back_as_the_same_block(block):
    row = block_row(block, article=None, position=0)
    assert row.text == block.plain_text
    assert stored_block(row) == block


MIGRATION_BEFORE = ("bulletins", "0004_chinese_labels")
MIGRATION_RICH = ("bulletins", "0005_block_rich_content")


@pytest.mark.django_db(transaction=True)
def test_the_rich_block_migration_runs_forward_and_back_keeping_every_block():
    executor = MigrationExecutor(connection)
    executor.migrate([MIGRATION_BEFORE])
    old = executor.loader.project_state([MIGRATION_BEFORE]).apps
    series = old.get_model("bulletins", "Series").objects.create(
        slug="s", title="试点工作", office="联络组办公室"
    )
    issue = old.get_model("bulletins", "Issue").objects.create(
        series=series, year=2023, number=1, running_number=66
    )
    section = old.get_model("bulletins", "Section").objects.create(
        issue=issue, position=0, title="联盟动态"
    )
    article = old.get_model("bulletins", "Article").objects.create(
        section=section, position=0, title="标题"
    )
    Block = old.get_model("bulletins", "Block")
    Block.objects.create(article=article, position=0, kind="heading", text="一、进展")
    Block.objects.create(article=article, position=1, kind="paragraph", text="正文段落。")

    executor = MigrationExecutor(connection)
    executor.migrate([MIGRATION_RICH])
    new = executor.loader.project_state([MIGRATION_RICH]).apps
    rows = list(
        new.get_model("bulletins", "Block")
        .objects.filter(article_id=article.pk)
        .order_by("position")
        .values_list("kind", "text", "data")
    )
    assert rows == [("heading", "一、进展", {}), ("paragraph", "正文段落。", {})]

    executor = MigrationExecutor(connection)
    executor.migrate([MIGRATION_BEFORE])
    back = executor.loader.project_state([MIGRATION_BEFORE]).apps
    rows = list(
        back.get_model("bulletins", "Block")
        .objects.filter(article_id=article.pk)
        .order_by("position")
        .values_list("kind", "text")
    )
    assert rows == [("heading", "一、进展"), ("paragraph", "正文段落。")]

    # Leave the database as the rest of the suite expects it.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
