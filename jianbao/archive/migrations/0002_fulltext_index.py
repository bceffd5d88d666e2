"""The full-text index beside archive_searchdocument, one design per database.

SQLite: a contentless FTS5 table whose rowid is the document id, with
unigram and bigram columns for title and body.  PostgreSQL: a tsvector
column over the same tokens with a GIN index.  Both ship with Debian's
SQLite and PostgreSQL; no extension is needed.
"""

from django.db import migrations

SQLITE_CREATE = """
CREATE VIRTUAL TABLE archive_fts USING fts5(
    tu, tb, bu, bb, content='', tokenize='ascii', detail=full
)
"""
SQLITE_DROP = "DROP TABLE IF EXISTS archive_fts"

POSTGRES_CREATE = [
    "ALTER TABLE archive_searchdocument ADD COLUMN tokens tsvector",
    "CREATE INDEX archive_searchdocument_tokens ON archive_searchdocument USING gin (tokens)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS archive_searchdocument_tokens",
    "ALTER TABLE archive_searchdocument DROP COLUMN IF EXISTS tokens",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"全文检索不支持数据库 {schema_editor.connection.vendor}")
        for sql in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
