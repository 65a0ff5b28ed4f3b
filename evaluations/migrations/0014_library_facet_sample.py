"""The fixed sample the resource library's facets count on for a large result (library.facets: SAMPLE_MODULUS).

A partial covering index of the library's self-assessments whose id is a multiple of 16, with the columns the counts
group by: a broad filter's first request reads ≈1/16 of the library (an index-only scan, then the patents by key)
instead of every row. Only one row in 16 enters the index, so imports pay little for it. PostgreSQL only.
"""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS assessment_library_sample ON evaluations_selfassessment "
    "(patent_id) INCLUDE (id, industry_id, maturity, value_stars, price_band, sei_class_id) "
    "WHERE review_state = 'approved' AND convertible AND mod(id, 16) = 0"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS assessment_library_sample")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0013_weighted_search_vector")]

    operations = [migrations.RunPython(forwards, backwards)]
