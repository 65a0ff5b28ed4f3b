"""Progress against the plan's milestones. Targets are read from Milestone rows, never from code."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from evaluations.choices import ReviewState
from evaluations.selectors import in_library_q
from institutions.choices import IPStatus
from institutions.models import Institution
from patentpool.choices import LegalStatus
from patentpool.models import Patent

from .choices import MilestoneMetric, MilestoneScope
from .models import Milestone

# A patent counts as inventoried once its self-assessment has been filled and submitted onwards.
INVENTORIED_STATES = (ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED)


def milestone_scopes_for(institution: Institution) -> list[str]:
    """The milestone scopes that apply to ``institution``."""
    scopes = [MilestoneScope.ALL_INSTITUTIONS, MilestoneScope.NATIONAL]
    if institution.ip_status in (IPStatus.DEMONSTRATION, IPStatus.PILOT):
        scopes.append(MilestoneScope.IP_DEMO_AND_PILOT)
        if institution.ip_status == IPStatus.DEMONSTRATION:
            scopes.append(MilestoneScope.IP_DEMONSTRATION)
    else:
        scopes.append(MilestoneScope.OTHER_INSTITUTIONS)
    return scopes


def milestone_list_for_institution(*, institution: Institution, metric: str) -> QuerySet[Milestone]:
    """Milestones of ``metric`` applying to ``institution`` (its status, or its province), by due date."""
    return Milestone.objects.filter(
        Q(scope__in=milestone_scopes_for(institution))
        | Q(scope=MilestoneScope.PROVINCE, province_id=institution.province_id),
        metric=metric,
    ).order_by("due_date", "code")


@dataclass
class MilestoneCheck:
    """A milestone set against the current figure."""

    milestone: Milestone
    met: bool
    overdue: bool
    measurable: bool = True


@dataclass
class InventoryProgress:
    """Inventory coverage of one institution (or one college of it)."""

    valid_stock: int
    inventoried: int
    in_library: int
    awaiting_review: int
    checks: list[MilestoneCheck]

    @property
    def coverage(self) -> Decimal:
        if not self.valid_stock:
            return Decimal(0)
        return min(Decimal(1), Decimal(self.inventoried) / Decimal(self.valid_stock))

    @property
    def coverage_percent(self) -> str:
        return f"{self.coverage * 100:.1f}"


def inventory_progress(
    *, institution: Institution, org_unit_id: int | None = None, today: datetime.date | None = None
) -> InventoryProgress:
    """Inventory coverage (inventoried ÷ valid stock in scope), resource-library size and review backlog.

    The denominator is the institution's declared valid stock when it has one (whole institution only), else the
    valid patents it has put in the base library.
    """
    today = today or datetime.date.today()
    patents = Patent.objects.filter(institution=institution)
    if org_unit_id is not None:
        patents = patents.filter(org_unit_id=org_unit_id)
    figures = patents.aggregate(**_progress_counts())
    valid_stock = figures["valid"]
    if org_unit_id is None and institution.valid_stock:
        valid_stock = max(institution.valid_stock, figures["inventoried"])
    progress = InventoryProgress(
        valid_stock=valid_stock,
        inventoried=figures["inventoried"],
        in_library=figures["in_library"],
        awaiting_review=figures["awaiting"],
        checks=[],
    )
    for milestone in milestone_list_for_institution(institution=institution, metric=MilestoneMetric.INVENTORY_COVERAGE):
        if milestone.target_share is None:  # a dated step without a figure (e.g. "staged results"): nothing to meet
            progress.checks.append(MilestoneCheck(milestone=milestone, met=False, overdue=False, measurable=False))
            continue
        met = progress.coverage >= milestone.target_share
        progress.checks.append(
            MilestoneCheck(milestone=milestone, met=met, overdue=not met and milestone.due_date < today)
        )
    return progress


def _progress_counts(prefix: str = "") -> dict[str, Count]:
    """The progress figures as aggregates over patents (``prefix`` leads from another model to them): valid
    patents, those inventoried, those in the conversion resource library, those awaiting review."""
    patents = prefix.removesuffix("__") or "pk"
    valid = Q(**{f"{prefix}legal_status": LegalStatus.VALID})
    state_in = f"{prefix}assessment__review_state__in"
    return {
        "valid": Count(patents, filter=valid),
        "inventoried": Count(patents, filter=valid & Q(**{state_in: INVENTORIED_STATES})),
        "in_library": Count(patents, filter=in_library_q(prefix)),
        "awaiting": Count(patents, filter=Q(**{state_in: [ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED]})),
    }


def institution_progress_table(*, institutions: QuerySet[Institution]) -> list[dict]:
    """Per-institution coverage rows in one grouped query (for bureau, ministry and national views)."""
    rows = (
        institutions.annotate(**_progress_counts("patents__"))
        .select_related("province")
        .order_by("province__code", "name")
    )
    table = []
    for inst in rows:
        stock = max(inst.valid_stock or inst.valid, inst.inventoried)
        share = Decimal(inst.inventoried) / Decimal(stock) if stock else Decimal(0)
        table.append(
            {
                "institution": inst,
                "valid_stock": stock,
                "inventoried": inst.inventoried,
                "in_library": inst.in_library,
                "coverage_percent": f"{share * 100:.1f}",
            }
        )
    return table


def college_progress_list(*, institution: Institution, units) -> list[tuple]:
    """(college, InventoryProgress) for every college of ``units``, from one grouped query instead of one per college."""
    rows = (
        Patent.objects.filter(institution=institution, org_unit__in=units)
        .values("org_unit_id")
        .annotate(**_progress_counts())
    )
    figures = {row["org_unit_id"]: row for row in rows}
    result = []
    for unit in units:
        row = figures.get(unit.pk, {})
        result.append(
            (
                unit,
                InventoryProgress(
                    valid_stock=row.get("valid", 0),
                    inventoried=row.get("inventoried", 0),
                    in_library=row.get("in_library", 0),
                    awaiting_review=row.get("awaiting", 0),
                    checks=[],
                ),
            )
        )
    return result
