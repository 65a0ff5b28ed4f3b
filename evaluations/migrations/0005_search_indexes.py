"""PostgreSQL-only indexes: full-text over the CJK-bigram search text, trigram over titles for substring search."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS assessment_search_fts ON evaluations_selfassessment "
        "USING gin (to_tsvector('simple'::regconfig, search_text))"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS patent_title_trgm ON patentpool_patent USING gin (title gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS assessment_search_fts")
    schema_editor.execute("DROP INDEX IF EXISTS patent_title_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0004_review_events_and_search"),
        ("patentpool", "0002_patent_import_fingerprint"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
