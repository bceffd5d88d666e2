"""PostgreSQL: positional bigram vectors in RUM indexes, partitioned by id.

The distinct-token vectors of migration 0005 could not tell a phrase, so a
term of three or more characters was checked on the text of every candidate
(up to 650 ms for an exact count of 100,000 articles).  The vectors move to
``archive_searchvector`` (see ``search.postgres``), made here from the stored
documents into one partition; ``jianbao reindex`` splits them into
partitions of ``PARTITION_ROWS``.  Documents past tsvector's limits are
listed in ``archive_searchlong``.

RUM is Debian's ``postgresql-15-rum``.  ``CREATE EXTENSION`` needs a
superuser once per database (deploy/README.md).  SQLite is unchanged.
"""

import importlib

from django.db import migrations

CHUNK = 2000
VECTORS = "archive_searchvector"
FIRST_PARTITION = f"{VECTORS}_initial_00000"


def _create_extension(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            raise RuntimeError(
                "PostgreSQL 缺少 RUM 扩展：请安装 Debian 软件包 postgresql-15-rum，"
                "再重新运行 jianbao migrate"
            )
        cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from jianbao.archive.search.positional import vectors
    from jianbao.archive.search.postgres import (
        LONG,
        copy_vectors,
        create_partition_table,
        create_vector_table,
        index_partition,
    )

    _create_extension(schema_editor)
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS archive_searchdocument_title_tokens")
    run("DROP INDEX IF EXISTS archive_searchdocument_tokens")
    run("ALTER TABLE archive_searchdocument DROP COLUMN IF EXISTS title_tokens")
    run("ALTER TABLE archive_searchdocument DROP COLUMN IF EXISTS tokens")
    run(f"CREATE TABLE {LONG} (id bigint PRIMARY KEY)")
    with schema_editor.connection.cursor() as reader, schema_editor.connection.cursor() as writer:
        create_vector_table(writer, VECTORS)
        create_partition_table(writer, FIRST_PARTITION)
        reader.execute("SELECT id, title, body FROM archive_searchdocument ORDER BY id")
        while rows := reader.fetchmany(CHUNK):
            made = vectors([(title, body) for _, title, body in rows])
            pairs = [(pk, v) for (pk, _, _), v in zip(rows, made, strict=True)]
            copy_vectors(writer, FIRST_PARTITION, [(pk, v) for pk, v in pairs if v is not None])
            long = [(pk,) for pk, v in pairs if v is None]
            if long:
                writer.executemany(f"INSERT INTO {LONG} (id) VALUES (%s)", long)
        index_partition(writer, FIRST_PARTITION)
        writer.execute(
            f"ALTER TABLE {VECTORS} ATTACH PARTITION {FIRST_PARTITION} "
            "FOR VALUES FROM (MINVALUE) TO (MAXVALUE)"
        )


def backward(apps, schema_editor):
    """Back to the vectors of migration 0005, made again from the documents."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"DROP TABLE {VECTORS}")
    run("DROP TABLE archive_searchlong")
    run("ALTER TABLE archive_searchdocument ADD COLUMN tokens tsvector")
    previous = importlib.import_module("jianbao.archive.migrations.0005_postgres_title_tokens")
    previous.forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("archive", "0005_postgres_title_tokens")]

    operations = [migrations.RunPython(forward, backward)]
