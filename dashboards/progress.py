"""Progress against the milestones that apply to a scope, and the laggards behind them.

Targets come from Milestone rows (national admins and provinces edit them); a new plan's dates need no code. Only
milestones measured by a registered figure are checked here; administrative ones (contacts reported, plans filed)
are not dashboard figures.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from institutions.choices import IPStatus
from institutions.models import Institution

from .choices import MilestoneMetric, MilestoneScope, MilestoneStatus, SnapshotLevel
from .metrics import REGISTRY, SHARE
from .models import Milestone, QuarterSnapshot
from .quarters import Quarter
from .scopes import Scope

# The figure each measured milestone metric is checked against.
MILESTONE_FIGURE = {
    MilestoneMetric.INVENTORY_COVERAGE: "coverage",
    MilestoneMetric.ENTERPRISE_RATING_COVERAGE: "market_rated_share",
    MilestoneMetric.DEALS: "deals_signed",
    MilestoneMetric.IMPLEMENTATION_RATE: "implementation_rate",
    MilestoneMetric.TECH_CONTRACT_AMOUNT: "deal_amount",
}
# Flow targets count from the milestone's start date, or from the work plan's date (国知发运字〔2024〕5号).
PLAN_START = datetime.date(2024, 1, 26)
INSTITUTION_SCOPES = {
    MilestoneScope.IP_DEMO_AND_PILOT,
    MilestoneScope.IP_DEMONSTRATION,
    MilestoneScope.OTHER_INSTITUTIONS,
    MilestoneScope.ALL_INSTITUTIONS,
}


def milestone_scopes_for(institution: Institution) -> set[str]:
    """The milestone scopes that apply to ``institution`` (its national IP demonstration / pilot status)."""
    scopes = {MilestoneScope.ALL_INSTITUTIONS, MilestoneScope.NATIONAL}
    if institution.ip_status in (IPStatus.DEMONSTRATION, IPStatus.PILOT):
        scopes.add(MilestoneScope.IP_DEMO_AND_PILOT)
        if institution.ip_status == IPStatus.DEMONSTRATION:
            scopes.add(MilestoneScope.IP_DEMONSTRATION)
    else:
        scopes.add(MilestoneScope.OTHER_INSTITUTIONS)
    return scopes


def applies_to_institution(milestone: Milestone, institution: Institution) -> bool:
    """Whether a share milestone binds ``institution`` itself (its class, or its province's own share target)."""
    if milestone.scope == MilestoneScope.PROVINCE:
        return milestone.province_id == institution.province_id and milestone.target_share is not None
    return milestone.scope in milestone_scopes_for(institution) and milestone.scope in INSTITUTION_SCOPES


def measured_milestones() -> list[Milestone]:
    """Every milestone measured by a figure, by due date (load once, then filter per scope with ``pool``)."""
    return list(
        Milestone.objects.filter(metric__in=list(MILESTONE_FIGURE))
        .select_related("province")
        .order_by("due_date", "code")
    )


def milestones_for(scope: Scope, pool: list[Milestone] | None = None) -> list[Milestone]:
    """The measured milestones a dashboard of ``scope`` shows, by due date."""
    pool = measured_milestones() if pool is None else pool
    if scope.level in (SnapshotLevel.INSTITUTION, SnapshotLevel.COLLEGE):
        inst = scope.institution
        scopes = milestone_scopes_for(inst)
        return [
            m
            for m in pool
            if m.scope in scopes or (m.scope == MilestoneScope.PROVINCE and m.province_id == inst.province_id)
        ]
    if scope.level == SnapshotLevel.PROVINCE:
        return [m for m in pool if m.scope != MilestoneScope.PROVINCE or m.province_id == scope.province.pk]
    return [m for m in pool if m.scope != MilestoneScope.PROVINCE]


@dataclass
class MilestoneCheck:
    """A milestone set against a scope's figure."""

    milestone: Milestone
    status: str
    value: float | None = None
    target: float | None = None
    unit: str = SHARE
    applicable: int = 0  # institutions (or colleges) the milestone binds in the scope
    met_count: int = 0
    met_on: datetime.date | None = None
    met_now: bool = False

    @property
    def status_label(self) -> str:
        return str(MilestoneStatus(self.status).label)


def _target(milestone: Milestone) -> float | None:
    for value in (milestone.target_share, milestone.target_count, milestone.target_amount):
        if value is not None:
            return float(value)
    return None


def _pace_status(milestone: Milestone, value: float, target: float, today: datetime.date) -> str:
    """Met; overdue when its date has passed; else on track when the figure is where a straight line from the start
    to the target would be today, behind otherwise."""
    if value >= target:
        return MilestoneStatus.MET
    if milestone.due_date < today:
        return MilestoneStatus.OVERDUE
    start = milestone.start_date or PLAN_START
    span = (milestone.due_date - start).days or 1
    elapsed = min(1.0, max(0.0, (today - start).days / span))
    return MilestoneStatus.ON_TRACK if value >= target * elapsed else MilestoneStatus.BEHIND


def check_milestones(
    scope: Scope,
    total: dict,
    rows: list[tuple[Institution, dict]],
    *,
    today: datetime.date,
    flows: dict[int, float | None] | None = None,
    pool: list[Milestone] | None = None,
) -> list[MilestoneCheck]:
    """Each milestone of ``scope`` checked against ``total`` (the scope's figures) and ``rows`` ((institution,
    figures) of each institution in it — for an institution or college scope, the one row). ``flows`` holds, per flow
    milestone id, the figure counted from its start date (see ``flow_periods``)."""
    checks = []
    flows = flows or {}
    for milestone in milestones_for(scope, pool):
        code = MILESTONE_FIGURE[milestone.metric]
        figure = REGISTRY[code]
        target = _target(milestone)
        check = MilestoneCheck(
            milestone=milestone, status=MilestoneStatus.NOT_MEASURABLE, target=target, unit=figure.unit
        )
        if not figure.available:
            check.status = MilestoneStatus.NO_DATA
        elif figure.unit == SHARE:
            binding = [(inst, fig) for inst, fig in rows if applies_to_institution(milestone, inst)]
            if milestone.scope == MilestoneScope.NATIONAL or (
                milestone.scope == MilestoneScope.PROVINCE and not binding
            ):
                check.value = total.get(code)
            else:
                if not binding:
                    continue  # binds none of the scope's institutions (e.g. no pilot university here)
                numerator, denominator = _ratio_parts(code)
                num = sum(fig.get(numerator) or 0 for _, fig in binding)
                den = sum(fig.get(denominator) or 0 for _, fig in binding)
                check.value = num / den if den else 0.0
                check.applicable = len(binding)
                if target is not None:
                    check.met_count = sum(1 for _, fig in binding if (fig.get(code) or 0) >= target)
            if target is not None:
                if check.applicable:
                    # Met only when every institution it binds has met it: the plan's targets are per institution.
                    all_met = check.met_count == check.applicable
                    check.status = (
                        MilestoneStatus.MET
                        if all_met
                        else _pace_status(milestone, min(check.value, target - 1e-9), target, today)
                    )
                else:
                    check.status = _pace_status(milestone, check.value or 0, target, today)
        else:
            check.value = flows.get(milestone.pk, total.get(code))
            if target is not None:
                check.status = _pace_status(milestone, check.value or 0, target, today)
        check.met_now = check.status == MilestoneStatus.MET
        checks.append(check)
    return checks


def _ratio_parts(code: str) -> tuple[str, str]:
    measure = REGISTRY[code].measure(None, None)
    return measure.numerator, measure.denominator


def flow_milestones(scope: Scope, pool: list[Milestone] | None = None) -> list[Milestone]:
    """Milestones of ``scope`` whose figure is a flow with a target: counted from their own start date."""
    return [
        m
        for m in milestones_for(scope, pool)
        if REGISTRY[MILESTONE_FIGURE[m.metric]].unit != SHARE
        and REGISTRY[MILESTONE_FIGURE[m.metric]].available
        and _target(m) is not None
    ]


def attach_met_dates(scope: Scope, checks: list[MilestoneCheck]) -> None:
    """The date each milestone was first met, from the scope's sealed quarter snapshots (the quarter's last day)."""
    wanted = {c.milestone.code for c in checks}
    if not wanted:
        return
    snapshots = (
        QuarterSnapshot.objects.filter(key=scope.key, final=True)
        .order_by("year", "quarter")
        .values_list("year", "quarter", "figures")
    )
    first_met: dict[str, datetime.date] = {}
    for year, number, figures in snapshots:
        for code in figures.get("_met", []):
            if code in wanted and code not in first_met:
                first_met[code] = Quarter(year, number).end
    for check in checks:
        check.met_on = first_met.get(check.milestone.code)


@dataclass
class Laggard:
    """An institution (or college) behind the coverage milestone that applies to it."""

    name: str
    key: int | None
    milestone: Milestone
    status: str
    coverage: float
    valid_stock: int
    inventoried: int
    missing: int  # patents still to inventory to meet the target
    links: dict = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        return str(MilestoneStatus(self.status).label)


def laggards(
    rows: list[tuple[Institution, object, str, dict]], milestones: list[Milestone], *, today: datetime.date
) -> list[Laggard]:
    """Rows (institution whose milestones apply, grain key, name, figures) behind the first coverage milestone each
    misses, overdue first, then by how many patents are missing."""
    coverage = [m for m in milestones if m.metric == MilestoneMetric.INVENTORY_COVERAGE and m.target_share is not None]
    result = []
    for institution, key, name, figures in rows:
        for milestone in coverage:
            if not applies_to_institution(milestone, institution):
                continue
            target = float(milestone.target_share)
            share = figures.get("coverage") or 0.0
            status = _pace_status(milestone, share, target, today)
            if status == MilestoneStatus.MET:
                continue
            if status in (MilestoneStatus.OVERDUE, MilestoneStatus.BEHIND):
                stock = figures.get("valid_stock") or 0
                needed = math.ceil(Decimal(str(target)) * stock) - (figures.get("inventoried") or 0)
                result.append(
                    Laggard(
                        name=name,
                        key=key,
                        milestone=milestone,
                        status=status,
                        coverage=share,
                        valid_stock=stock,
                        inventoried=figures.get("inventoried") or 0,
                        missing=max(0, needed),
                    )
                )
            break  # the first milestone it misses is the one that applies
    result.sort(key=lambda lag: (lag.status != MilestoneStatus.OVERDUE, -lag.missing, lag.name))
    return result
