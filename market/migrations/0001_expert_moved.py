"""The expert library moves here from evaluations: its table is kept as it is, nothing is copied."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_types(apps, schema_editor):
    """Keep permissions and admin log entries: the moved model's content type changes app, not identity."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="market", model="expert").exists():
        content_type.objects.filter(app_label="evaluations", model="expert").update(app_label="market")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("enterprises", "0003_reference_moved"),
        ("evaluations", "0012_reference_moved"),
        ("reference", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table stays where it is (Meta.db_table): only Django's idea of which app owns it moves.
            state_operations=[
                migrations.CreateModel(
                    name="Expert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=64, verbose_name="姓名")),
                        ("organisation", models.CharField(max_length=128, verbose_name="工作单位")),
                        ("title", models.CharField(blank=True, max_length=64, verbose_name="职称/职务")),
                        ("status", models.CharField(choices=[("recommended", "已推荐"), ("active", "已入库"), ("retired", "已退出")], default="active", max_length=16, verbose_name="状态")),
                        ("industries", models.ManyToManyField(blank=True, related_name="experts", to="reference.industrycode", verbose_name="擅长行业")),
                        ("province", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="reference.province", verbose_name="省份")),
                        ("recommended_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="recommended_experts", to="enterprises.enterprise", verbose_name="推荐企业")),
                        ("user", models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="expert_profile", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "评价专家",
                        "verbose_name_plural": "专家库",
                        "db_table": "evaluations_expert",
                        "ordering": ["name"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, migrations.RunPython.noop),
    ]
