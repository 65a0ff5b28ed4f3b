"""PostgreSQL only: the full-text vector of ``search_text`` as a stored generated column, indexed.

The expression index of 0005 could find candidates, but a phrase query (锂电 <-> 电池) must recheck each one, and
the recheck recomputed ``to_tsvector(search_text)`` per row: a common one-word search over ~13k hits took ~0.4–0.7 s
at national scale (bench/list_bench.py). Stored, the vector is computed once per write and the recheck reads it.
No Django field maps the column: PostgreSQL keeps it in step with ``search_text`` on every INSERT and UPDATE, so no
write path has to know about it, and SQLite (which has no tsvector) is untouched.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE evaluations_selfassessment ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
    )
    # Same pending-list settings as 0006: bulk imports append to the list instead of updating the tree row by row.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS assessment_search_vector ON evaluations_selfassessment USING gin (search_vector) "
        "WITH (fastupdate = on, gin_pending_list_limit = 65536)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS assessment_search_fts")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS assessment_search_fts ON evaluations_selfassessment "
        "USING gin (to_tsvector('simple'::regconfig, search_text)) WITH (fastupdate = on, gin_pending_list_limit = 65536)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS assessment_search_vector")
    schema_editor.execute("ALTER TABLE evaluations_selfassessment DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0009_lean_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
