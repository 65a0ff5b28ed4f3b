"""State only: the expert library moved to the market app (market.0001); no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0012_reference_moved"),
        ("market", "0001_expert_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Expert")],
            database_operations=[],
        ),
    ]
