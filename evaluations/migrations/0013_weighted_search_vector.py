"""The search text in four parts (title|products|prospect|inventors, common.search.search_tokens) and the stored
vector weighing them A/B/C/D, so that search can rank a title hit before a text hit (library/filtersets.py).

Every row's ``search_text`` is rebuilt from its patent and self-assessment, with the tokenizer of this release (Greek,
µ, symbols, ``4G/5G`` as two words; inventors added). The vector column is dropped first and added back after, so the
rewrite does not also maintain the GIN index row by row. PostgreSQL rewrites the table once for the new column (≈35 s
per million rows, measured for 0010); the text rewrite runs in batches of ``BATCH`` rows.
"""

from django.db import migrations

BATCH = 20_000

WEIGHTED_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 1)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 2)), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 3)), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 4)), 'D')"
)
PLAIN_VECTOR = "to_tsvector('simple'::regconfig, search_text)"


def _drop_vector(schema_editor) -> None:
    schema_editor.execute("DROP INDEX IF EXISTS assessment_search_vector")
    schema_editor.execute("ALTER TABLE evaluations_selfassessment DROP COLUMN IF EXISTS search_vector")


def _add_vector(schema_editor, expression: str) -> None:
    schema_editor.execute(
        "ALTER TABLE evaluations_selfassessment ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    # Same pending-list settings as 0006/0010: bulk imports append to the list instead of updating the tree per row.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS assessment_search_vector ON evaluations_selfassessment USING gin (search_vector) "
        "WITH (fastupdate = on, gin_pending_list_limit = 65536)"
    )


def _rebuild_texts(apps, schema_editor) -> None:
    from common.search import search_tokens

    SelfAssessment = apps.get_model("evaluations", "SelfAssessment")
    postgres = schema_editor.connection.vendor == "postgresql"
    last = 0
    while True:
        rows = list(
            SelfAssessment.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "patent__title", "products_advantages", "prospect", "patent__inventors")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        texts = [search_tokens(t or "", p or "", s or "", i or "") for _pk, t, p, s, i in rows]
        if postgres:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE evaluations_selfassessment AS a SET search_text = v.text "
                    "FROM unnest(%s::bigint[], %s::text[]) AS v(id, text) WHERE a.id = v.id",
                    [[row[0] for row in rows], texts],
                )
        else:
            objs = [SelfAssessment(pk=row[0], search_text=text) for row, text in zip(rows, texts, strict=True)]
            SelfAssessment.objects.bulk_update(objs, ["search_text"])


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        _drop_vector(schema_editor)
    _rebuild_texts(apps, schema_editor)
    if postgres:
        _add_vector(schema_editor, WEIGHTED_VECTOR)


def backwards(apps, schema_editor):
    # The four-part text still searches with the plain vector (the separators are not tokens).
    if schema_editor.connection.vendor == "postgresql":
        _drop_vector(schema_editor)
        _add_vector(schema_editor, PLAIN_VECTOR)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0012_reference_moved"), ("patentpool", "0005_reference_models_moved")]

    operations = [migrations.RunPython(forwards, backwards)]
