"""Counting the registered figures for a scope: per institution (or per college) and in total.

Every patent figure of a dashboard is one aggregate of one grouped query; each row figure (deals …) is one more grouped
query. Rows roll up by summing counts and recomputing ratios from the summed parts, so a province's coverage is
inventoried ÷ stock over its institutions, never an average of percentages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from institutions.models import Institution, OrgUnit
from patentpool.models import Patent

from .choices import SnapshotLevel
from .metrics import PROBE_PERIOD, REGISTRY, DeclaredStock, NoData, PatentCount, Ratio, RowCount
from .quarters import Period
from .scopes import Scope

Figures = dict[str, float | int | None]


def compute_rows(scope: Scope, period: Period, *, grain: str | None = None, codes: set[str] | None = None) -> dict:
    """Figures per grain key of ``scope``: institution id (province, ministry, nation) or college id (institution,
    college; None holds patents without a college). Every institution (or college) of the scope has a row, with or
    without patents. ``codes`` limits the work to those figures (and what they need)."""
    by_college = (grain or scope.grain) == SnapshotLevel.COLLEGE
    group = "org_unit_id" if by_college else "institution_id"
    measures = {code: m.measure(scope, period) for code, m in REGISTRY.items() if codes is None or code in codes}
    rows: dict = defaultdict(dict)
    if codes is None:
        if by_college:
            units = OrgUnit.objects.filter(scope.institution_q("institution__"))
            if scope.level == SnapshotLevel.COLLEGE:
                units = units.filter(pk=scope.org_unit.pk)
            for pk in units.values_list("pk", flat=True):
                rows[pk] = {}
        else:
            for pk in Institution.objects.filter(scope.institution_q()).values_list("pk", flat=True):
                rows[pk] = {}

    patent_counts = {code: Count("pk", filter=m.q) for code, m in measures.items() if isinstance(m, PatentCount)}
    for row in (
        []
        if not patent_counts
        else Patent.objects.filter(scope.patent_q()).values(group).annotate(**patent_counts).order_by()
    ):
        key = row.pop(group)
        rows[key].update(row)

    for code, measure in measures.items():
        if not isinstance(measure, RowCount):
            continue
        path = measure.org_unit if by_college else measure.institution
        aggregate = (
            Sum(measure.total) if measure.total else Count(measure.distinct or "pk", distinct=bool(measure.distinct))
        )
        qs = measure.rows.filter(_row_scope_q(scope, measure))
        for row in qs.values(key=F(path)).annotate(value=aggregate).order_by():
            rows[row["key"]][code] = _number(row["value"])

    declared = {}
    if not by_college:
        declared = dict(
            Institution.objects.filter(scope.institution_q(), valid_stock__isnull=False).values_list(
                "pk", "valid_stock"
            )
        )
    for key, figures in rows.items():
        _complete(figures, measures, declared.get(key))
    return dict(rows)


def rollup(rows: Iterable[Figures], *, declared_stock: int | None = None) -> Figures:
    """The sum of ``rows`` with ratios recomputed; ``declared_stock`` re-applies an institution's declared stock when
    colleges roll up to their institution."""
    measures = {code: m.measure(None, PROBE_PERIOD) for code, m in REGISTRY.items()}
    total: Figures = {}
    for figures in rows:
        for code, value in figures.items():
            if isinstance(measures.get(code), Ratio | NoData) or value is None or not isinstance(value, int | float):
                continue
            total[code] = total.get(code, 0) + value
    if declared_stock is not None:
        total.pop("valid_stock", None)
    _complete(total, measures, declared_stock, recompute_stock=declared_stock is not None)
    return total


def _complete(figures: Figures, measures: dict, declared: int | None, *, recompute_stock: bool = True) -> None:
    """Fill what a row lacks: zero counts, the declared stock, ratios, and None for figures without data."""
    for code, measure in measures.items():
        if isinstance(measure, PatentCount | RowCount):
            figures.setdefault(code, 0)
    for code, measure in measures.items():
        if isinstance(measure, DeclaredStock) and (recompute_stock or code not in figures):
            stock = declared if declared is not None else figures.get(measure.valid, 0)
            figures[code] = max(stock, figures.get(measure.inventoried, 0))
            # How many declared stocks are in the figure: with any, no patent list adds up to it.
            figures["_declared"] = int(declared is not None)
    figures.setdefault("_declared", 0)
    for code, measure in measures.items():
        if isinstance(measure, Ratio):
            denominator = figures.get(measure.denominator) or 0
            figures[code] = round(figures.get(measure.numerator, 0) / denominator, 6) if denominator else None
        elif isinstance(measure, NoData):
            figures[code] = None


def _row_scope_q(scope: Scope, measure: RowCount) -> Q:
    """The scope over a row figure's rows, through the row's own paths to the institution and the college."""
    q = scope.institution_q(f"{measure.institution}__")
    if scope.level == SnapshotLevel.COLLEGE:
        q &= Q(**{measure.org_unit: scope.org_unit.pk})
    return q


def _number(value):
    if isinstance(value, Decimal):
        return float(round(value, 2))
    return value or 0
