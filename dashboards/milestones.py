"""The plan's dated targets (milestones), shipped as ``reference/reference_data/milestones.csv``.

Milestones are only ever created: national admins edit them, and a reload must not undo that.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from reference.files import read_reference_csv
from reference.loader import LoadResult
from reference.models import Province

from .choices import MilestoneMetric, MilestoneScope
from .models import Milestone


@transaction.atomic
def load_milestones() -> LoadResult:
    """The plan's dated targets: create the missing ones, never touch an existing one (admins edit them)."""
    provinces = {province.code: province for province in Province.objects.all()}
    rows = read_reference_csv("milestones.csv")
    created = 0
    for row in rows:
        if row["province_code"] and row["province_code"] not in provinces:
            raise ValueError(f"milestone {row['code']}: unknown province {row['province_code']}")
        milestone = Milestone(
            code=row["code"],
            title=row["title"],
            start_date=date.fromisoformat(row["start_date"]) if row["start_date"] else None,
            due_date=date.fromisoformat(row["due_date"]),
            metric=MilestoneMetric(row["metric"]),
            scope=MilestoneScope(row["scope"]),
            province=provinces.get(row["province_code"]),
            target_share=Decimal(row["target_share"]) if row["target_share"] else None,
            target_count=int(row["target_count"]) if row["target_count"] else None,
            target_amount=Decimal(row["target_amount"]) if row["target_amount"] else None,
            source=row["source"],
        )
        try:
            # Validate even rows that already exist, so a bad file is reported rather than half-applied.
            milestone.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValueError(f"milestone {row['code']}: {exc.message_dict}") from exc
        defaults = {field.name: getattr(milestone, field.name) for field in Milestone._meta.concrete_fields}
        del defaults["id"], defaults["code"]
        _, was_created = Milestone.objects.get_or_create(code=milestone.code, defaults=defaults)
        created += was_created
    return LoadResult(total=len(rows), created=created)
