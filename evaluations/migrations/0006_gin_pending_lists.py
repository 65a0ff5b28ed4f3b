"""Bulk imports insert ~10^5 rows at once: a larger GIN pending list lets them append instead of updating the
full-text and trigram indexes row by row (autovacuum merges the list later)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in ("assessment_search_fts", "patent_title_trgm"):
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = on, gin_pending_list_limit = 65536)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in ("assessment_search_fts", "patent_title_trgm"):
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0005_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
