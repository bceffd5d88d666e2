"""PostgreSQL: tokens without positions, a separate title vector, both indexed.

``tokens`` keeps each distinct token of the title and body once, with no
position or weight, stored out of line and uncompressed: an index scan that
needs no recheck (every plain AND of tokens) never reads it, and a count of
a common word reads only the narrow table rows.  ``title_tokens`` holds the
title's tokens and has its own small GIN index.  The text is compressed with
lz4 where the server has it: checking a long term reads the body, and lz4
decompresses it several times faster than the default pglz (new rows only;
``jianbao reindex`` rewrites them all).  SQLite is unchanged.

Backwards, the vectors of migration 0004 (title tokens at position 1 with
weight A, marked copies, body tokens at position 2) are made again here.
"""

import itertools

from django.db import migrations

CHUNK = 2000
_TITLE_MARK = "\x01"


def _lexeme(token):
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _distinct(text):
    return {*text, *(a + b for a, b in itertools.pairwise(text))}


def _new_vectors(title, body):
    both = " ".join(map(_lexeme, _distinct(title) | _distinct(body)))
    return " ".join(map(_lexeme, _distinct(title))), both


def _old_vector(title, body):
    positions = {}
    for token in _distinct(title):
        positions[token] = "1A"
        positions[_TITLE_MARK + token] = "1A"
    for token in _distinct(body):
        positions[token] = positions[token] + ",2" if token in positions else "2"
    return " ".join(f"{_lexeme(token)}:{where}" for token, where in positions.items())


def _rows(connection):
    with connection.cursor() as reader:
        reader.execute("SELECT id, title, body FROM archive_searchdocument ORDER BY id")
        while rows := reader.fetchmany(CHUNK):
            yield rows


def _has_lz4(connection):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        return cursor.fetchone()[0]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS archive_searchdocument_tokens")
    run("ALTER TABLE archive_searchdocument ADD COLUMN title_tokens tsvector")
    run("ALTER TABLE archive_searchdocument ALTER COLUMN tokens SET STORAGE EXTERNAL")
    if _has_lz4(schema_editor.connection):
        for column in ("title", "body"):
            run(f"ALTER TABLE archive_searchdocument ALTER COLUMN {column} SET COMPRESSION lz4")
    with schema_editor.connection.cursor() as writer:
        for rows in _rows(schema_editor.connection):
            writer.executemany(
                "UPDATE archive_searchdocument SET title_tokens = %s::tsvector, "
                "tokens = %s::tsvector WHERE id = %s",
                [(*_new_vectors(title, body), pk) for pk, title, body in rows],
            )
    run("CREATE INDEX archive_searchdocument_tokens ON archive_searchdocument USING gin (tokens)")
    run(
        "CREATE INDEX archive_searchdocument_title_tokens "
        "ON archive_searchdocument USING gin (title_tokens)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS archive_searchdocument_title_tokens")
    run("DROP INDEX IF EXISTS archive_searchdocument_tokens")
    run("ALTER TABLE archive_searchdocument DROP COLUMN title_tokens")
    run("ALTER TABLE archive_searchdocument ALTER COLUMN tokens SET STORAGE EXTENDED")
    for column in ("title", "body"):
        run(f"ALTER TABLE archive_searchdocument ALTER COLUMN {column} SET COMPRESSION DEFAULT")
    with schema_editor.connection.cursor() as writer:
        for rows in _rows(schema_editor.connection):
            writer.executemany(
                "UPDATE archive_searchdocument SET tokens = %s::tsvector WHERE id = %s",
                [(_old_vector(title, body), pk) for pk, title, body in rows],
            )
    run("CREATE INDEX archive_searchdocument_tokens ON archive_searchdocument USING gin (tokens)")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_character_tokens")]

    operations = [migrations.RunPython(forward, backward)]
