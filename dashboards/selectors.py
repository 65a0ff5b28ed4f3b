"""Progress against the plan's milestones. Targets are read from Milestone rows, never from code."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.choices import ReviewState
from evaluations.selectors import in_library_q
from institutions.choices import IPStatus
from institutions.models import Institution, OrgUnit
from patentpool.choices import LegalStatus
from patentpool.models import Patent
from reference.models import Province

from .choices import MilestoneMetric, MilestoneScope, SnapshotLevel
from .figures import compute_rows, rollup
from .metrics import INVENTORY, QUARTERLY, REGISTRY, metrics_in
from .models import Milestone, QuarterSnapshot
from .progress import (
    MILESTONE_FIGURE,
    PLAN_START,
    attach_met_dates,
    check_milestones,
    flow_milestones,
    laggards,
    measured_milestones,
    milestones_for,
)
from .progress import (
    MilestoneCheck as FigureCheck,
)
from .quarters import Period, Quarter, quarters_between
from .scopes import Scope

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


# -- the quarterly dashboards ---------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    """One line of a dashboard's table: a province, an institution or a college, with its figures and their lists."""

    name: str
    key: object
    figures: dict
    drill: str = ""  # the dashboard one level down
    links: dict = field(default_factory=dict)


@dataclass
class Board:
    """Everything one dashboard shows for one scope and quarter."""

    scope: Scope
    quarter: Quarter
    current: Quarter
    source: str  # "live", "provisional" (the current quarter's rows, refreshed by beat) or "snapshot" (sealed)
    taken_at: datetime.datetime | None
    total: dict
    links: dict
    rows: list[BoardRow]
    row_label: str
    checks: list
    laggards: list
    series: list[tuple[Quarter, dict | None]]
    changes: dict
    missing: bool = False

    @property
    def inventory_metrics(self):
        return metrics_in(INVENTORY)

    @property
    def quarterly_metrics(self):
        return metrics_in(QUARTERLY)


SERIES_LENGTH = 8
# How old a province's provisional rows may be and still be shown: two of beat's 15-minute refreshes.
PROVISIONAL_MAX_AGE = datetime.timedelta(minutes=30)


def board_get(*, scope: Scope, quarter: Quarter, today: datetime.date) -> Board:
    """The dashboard of ``scope`` for ``quarter``: live for the current quarter (the national and ministry views read
    the provisional rows beat refreshes, when there are any; a province reads them while they are at most
    ``PROVISIONAL_MAX_AGE`` old), sealed snapshot rows for a past one."""
    current = Quarter.of(today)
    period = Period.of(quarter, until=today) if quarter == current else Period.of(quarter)
    pool = measured_milestones()
    source, taken_at, total, grain_rows = _board_figures(scope, quarter, current, period, today)
    board = Board(scope=scope, quarter=quarter, current=current, source=source, taken_at=taken_at, total=total or {},
                  links={}, rows=[], row_label="", checks=[], laggards=[], series=[], changes={},
                  missing=total is None)  # fmt: skip
    if total is None:
        board.series = _series(scope, quarter, current, None)
        return board
    linked = quarter == current
    board.links = _links(total, scope.list_filters(), period) if linked else {}
    board.rows, board.row_label = _rows(scope, grain_rows, period, linked)
    # Milestones: sealed aggregate rows carry their checks; otherwise they are worked out from the rows.
    stored = total.get("_checks")
    if stored is not None and source != "live":
        board.checks = _stored_checks(scope, stored, pool)
    else:
        institutions = _institutions_of(scope, grain_rows)
        flows = _flows(scope, period, pool) if source == "live" else {}
        check_rows = [(institutions[k], f) for k, f in grain_rows.items() if k in institutions]
        if scope.level in (SnapshotLevel.INSTITUTION, SnapshotLevel.COLLEGE):
            check_rows = [(scope.institution, total)]
        board.checks = check_milestones(scope, total, check_rows, today=min(today, quarter.end), flows=flows, pool=pool)
    attach_met_dates(scope, board.checks)
    board.laggards = _laggards(scope, board.rows, grain_rows, pool, min(today, quarter.end))
    board.series = _series(scope, quarter, current, total)
    board.changes = _changes(board.series)
    return board


def _board_figures(scope, quarter, current, period, today):
    """(source, taken_at, total figures, {grain key: figures}); total None when a past quarter was never sealed."""
    if quarter == current and scope.level in (SnapshotLevel.NATIONAL, SnapshotLevel.MINISTRY):
        found = _snapshot_figures(scope, quarter, final=False)
        if found is not None:
            return ("provisional", *found)
    if quarter == current and scope.level == SnapshotLevel.PROVINCE:
        # A province's current quarter is ~100k patents at national scale: counting them live takes about a second
        # (bench/dashboard_bench.py), so the bureau reads the rows beat refreshes every 15 minutes, stamped with
        # their time — while they are fresh. A province whose rows are older (beat stopped) is counted live.
        found = _snapshot_figures(scope, quarter, final=False)
        if found is not None and found[0] >= timezone.now() - PROVISIONAL_MAX_AGE:
            return ("provisional", *found)
    if quarter == current:
        rows = compute_rows(scope, period)
        if scope.level == SnapshotLevel.INSTITUTION:
            total = rollup(rows.values(), declared_stock=scope.institution.valid_stock)
        else:
            total = rollup(rows.values())
        if scope.level == SnapshotLevel.COLLEGE:
            rows = {}
        return "live", timezone.now(), total, rows
    found = _snapshot_figures(scope, quarter, final=True)
    if found is None:
        return "snapshot", None, None, {}
    return ("snapshot", *found)


def _snapshot_figures(scope, quarter, *, final):
    snapshots = QuarterSnapshot.objects.filter(year=quarter.year, quarter=quarter.number, final=final)
    total_row = snapshots.filter(key=scope.key).first()
    if total_row is None:
        return None
    if scope.level == SnapshotLevel.NATIONAL:
        members = snapshots.filter(level=SnapshotLevel.INSTITUTION)
    elif scope.level == SnapshotLevel.PROVINCE:
        members = snapshots.filter(level=SnapshotLevel.INSTITUTION, province=scope.province)
    elif scope.level == SnapshotLevel.MINISTRY:
        members = snapshots.filter(level=SnapshotLevel.INSTITUTION, authority=scope.authority)
    elif scope.level == SnapshotLevel.INSTITUTION:
        members = snapshots.filter(level=SnapshotLevel.COLLEGE, institution=scope.institution)
    else:
        members = snapshots.none()
    key_field = "org_unit_id" if scope.grain == SnapshotLevel.COLLEGE else "institution_id"
    rows = dict(members.values_list(key_field, "figures"))
    return total_row.taken_at, total_row.figures, rows


def _links(figures: dict, filters: dict, period: Period) -> dict:
    """The list URL behind each count of ``figures`` (none for a stock that includes a declared figure)."""
    links = {}
    for code, m in REGISTRY.items():
        if m.link is None or figures.get(code) is None:
            continue
        if code == "valid_stock" and figures.get("_declared"):
            continue
        links[code] = m.link(filters, period)
    return links


def _rows(scope, grain_rows, period, linked):
    if scope.level == SnapshotLevel.NATIONAL:
        by_province = defaultdict(list)
        institutions = dict(Institution.objects.values_list("pk", "province_id"))
        for key, figures in grain_rows.items():
            if key in institutions:
                by_province[institutions[key]].append(figures)
        provinces = Province.objects.in_bulk(list(by_province))
        rows = []
        for pk, members in by_province.items():
            province = provinces[pk]
            figures = rollup(members)
            filters = {"province": province.code}
            rows.append(BoardRow(province.name, province.code, figures, f"?province={province.code}",
                                 _links(figures, filters, period) if linked else {}))  # fmt: skip
        return sorted(rows, key=lambda r: r.key), _("省份")
    if scope.grain == SnapshotLevel.INSTITUTION:
        names = dict(Institution.objects.filter(pk__in=list(grain_rows)).values_list("pk", "name"))
        rows = [
            BoardRow(
                names.get(pk, str(pk)),
                pk,
                figures,
                f"?institution={pk}",
                _links(figures, {**scope.list_filters(), "institution": str(pk)}, period) if linked else {},
            )  # fmt: skip
            for pk, figures in grain_rows.items()
            if pk in names
        ]
        return sorted(rows, key=lambda r: r.name), _("单位")
    names = dict(OrgUnit.objects.filter(pk__in=[k for k in grain_rows if k]).values_list("pk", "name"))
    rows = []
    for pk, figures in grain_rows.items():
        if pk is None:
            rows.append(BoardRow(str(_("未填学院")), None, figures))
            continue
        filters = {"institution": str(scope.institution.pk), "org_unit": str(pk)}
        rows.append(BoardRow(names.get(pk, str(pk)), pk, figures, f"?college={pk}",
                             _links(figures, filters, period) if linked else {}))  # fmt: skip
    return sorted(rows, key=lambda r: (r.key is None, r.name)), _("学院")


def _institutions_of(scope, grain_rows) -> dict:
    if scope.grain == SnapshotLevel.COLLEGE:
        return {}
    return Institution.objects.filter(scope.institution_q()).only("pk", "ip_status", "province_id").in_bulk()


def _flows(scope, period, pool) -> dict:
    """Flow milestones (a province's deals since its plan started …) counted from their own start date."""
    flows = {}
    for milestone in flow_milestones(scope, pool):
        code = MILESTONE_FIGURE[milestone.metric]
        flow_period = Period(milestone.start_date or PLAN_START, min(period.end, milestone.due_date))
        flows[milestone.pk] = rollup(compute_rows(scope, flow_period, codes={code}).values()).get(code)
    return flows


def _stored_checks(scope, stored: dict, pool) -> list[FigureCheck]:
    checks = []
    for milestone in milestones_for(scope, pool):
        if milestone.code not in stored:
            continue
        value, applicable, met_count, status = stored[milestone.code]
        figure = REGISTRY[MILESTONE_FIGURE[milestone.metric]]
        target = next((float(v) for v in (milestone.target_share, milestone.target_count, milestone.target_amount)
                       if v is not None), None)  # fmt: skip
        checks.append(FigureCheck(milestone, status, value, target, figure.unit, applicable, met_count,
                                     met_now=status == "met"))  # fmt: skip
    return checks


def _laggards(scope, rows: list[BoardRow], grain_rows, pool, today):
    if scope.level == SnapshotLevel.COLLEGE:
        return []
    if scope.grain == SnapshotLevel.COLLEGE:
        candidates = [(scope.institution, r.key, r.name, r.figures) for r in rows if r.key is not None]
        milestones = milestones_for(scope, pool)
    else:
        institutions = Institution.objects.filter(scope.institution_q()).only("pk", "name", "ip_status", "province_id")
        candidates = [(i, i.pk, i.name, grain_rows.get(i.pk, {})) for i in institutions]
        milestones = [m for m in pool if m.scope != "province"] + [m for m in pool if m.scope == "province"]
    found = laggards(candidates, milestones, today=today)
    param = "college" if scope.grain == SnapshotLevel.COLLEGE else "institution"
    for lag in found:
        lag.links = {"drill": f"?{param}={lag.key}"}
    return found


def _series(scope, quarter, current, total) -> list[tuple[Quarter, dict | None]]:
    """The scope's figures for the ``SERIES_LENGTH`` quarters up to ``quarter`` (sealed rows; the current quarter
    from ``total``), None where a quarter was never sealed."""
    first = quarter
    for _i in range(SERIES_LENGTH - 1):
        first = first.previous()
    wanted = quarters_between(first, quarter)
    stored = {
        Quarter(y, q): figures
        for y, q, figures in QuarterSnapshot.objects.filter(key=scope.key, final=True)
        .filter(year__gte=first.year, year__lte=quarter.year)
        .values_list("year", "quarter", "figures")
    }
    series = [(q, stored.get(q)) for q in wanted]
    if quarter == current and total is not None:
        series[-1] = (quarter, total)
    return series


def _changes(series) -> dict:
    """Per quarterly figure: this quarter, the previous quarter, the same quarter last year, and the changes."""
    if not series:
        return {}
    lookup = dict(series)
    quarter, figures = series[-1]
    previous = lookup.get(quarter.previous())
    year_before = lookup.get(quarter.year_before())
    changes = {}
    for m in metrics_in(QUARTERLY) + metrics_in(INVENTORY):
        value = (figures or {}).get(m.code)
        prev = (previous or {}).get(m.code)
        yoy = (year_before or {}).get(m.code)
        changes[m.code] = {
            "value": value,
            "previous": prev,
            "year_before": yoy,
            "vs_previous": None if value is None or prev is None else value - prev,
            "vs_year_before": None if value is None or yoy is None else value - yoy,
        }
    return changes
