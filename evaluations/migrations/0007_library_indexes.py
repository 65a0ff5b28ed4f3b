"""PostgreSQL-only indexes measured by bench/list_bench.py at 1.35M patents: the resource library's first page in
its own order (stars, newest) as a short index walk, and nationwide type + grant-year counts as index-only scans."""

from django.db import migrations

INDEXES = {
    "assessment_library_order": "CREATE INDEX IF NOT EXISTS assessment_library_order ON evaluations_selfassessment "
    "(value_stars DESC NULLS LAST, patent_id DESC) WHERE review_state = 'approved' AND convertible",
    "patent_type_grant_idx": "CREATE INDEX IF NOT EXISTS patent_type_grant_idx ON patentpool_patent "
    "(patent_type, grant_date)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in INDEXES.values():
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0006_gin_pending_lists")]

    operations = [migrations.RunPython(forwards, backwards)]
