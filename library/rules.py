"""Rules of the conversion resource library that lists, filters and facets share: the fiscally-funded-and-idle rule
(财政资助满五年未实施: granted five or more years ago and still not implemented, which the state may implement or
license to others), the list order and what one entry shows."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from evaluations.choices import MATURITY_STAGE, ImplementationLevel1, Maturity
from evaluations.models import ConversionIntent, ImplementationStatus
from patentpool.models import Patent

# -- fiscally funded, granted ≥ 5 years ago, not implemented ------------------------------------------------------

IDLE_YEARS = 5
TRUTHY = {"1", "true", "on", "yes", "y", "是"}


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def idle_cutoff(today: datetime.date) -> datetime.date:
    """Patents granted on or before this day were granted at least five years before ``today``."""
    return years_before(today, IDLE_YEARS)


def _implemented_q() -> Exists:
    """Whether the patent has an implementation state other than 尚未实施.

    Correlated on the self-assessment's id (not the patent's), so PostgreSQL anti-joins (or hashes) the implementation
    states alone instead of joining them to the self-assessments again; a patent without a self-assessment has no
    states and counts as not implemented."""
    return Exists(
        ImplementationStatus.objects.filter(assessment_id=OuterRef("assessment__id")).exclude(
            level1=ImplementationLevel1.NOT_IMPLEMENTED
        )
    )


def idle_fiscal_q(today: datetime.date) -> Q:
    """Fiscally funded, granted on or before ``today`` − 5 years, and with no implementation: no self-assessment, or
    every implementation state 尚未实施 (a self-assessment without any state counts as not implemented)."""
    return Q(fiscally_funded=True, grant_date__lte=idle_cutoff(today)) & ~Q(_implemented_q())


def idle_fiscal_patents(qs: QuerySet[Patent], today: datetime.date | None = None) -> QuerySet[Patent]:
    """The patents of ``qs`` that are fiscally funded, were granted five or more years before ``today`` and are still
    not implemented — the ones the state may implement or license to others."""
    return qs.filter(idle_fiscal_q(today or timezone.localdate()))


def is_truthy(value) -> bool:
    return str(value).strip().lower() in TRUTHY


# -- the list ------------------------------------------------------------------------------------------------------

# Best prospect first, then the newest entries. Both keys live on the self-assessment row (patent_id is the patent's
# id), so one partial index on evaluations_selfassessment (value_stars DESC NULLS LAST, patent_id DESC) WHERE
# review_state = 'approved' AND convertible serves the first page of any filter without sorting the library.
LIST_ORDER = (F("assessment__value_stars").desc(nulls_last=True), "-id")


def library_page_queryset(qs: QuerySet[Patent]) -> QuerySet[Patent]:
    """The columns a library entry shows, flat: joins for the one-to-one and foreign keys, one prefetch for the
    intents and one for the implementation states (the fiscal-idle flag) — the number of queries of a page does not
    depend on its size."""
    return qs.select_related(
        "institution__province", "org_unit", "assessment__industry", "assessment__sei_class__parent"
    ).prefetch_related(
        Prefetch("assessment__intents", queryset=ConversionIntent.objects.order_by("assessment_id", "position")),
        Prefetch(
            "assessment__implementation_states",
            queryset=ImplementationStatus.objects.order_by("assessment_id", "position"),
        ),
    )


def maturity_stage_label(value: str) -> str:
    """The 4-step stage a stored maturity counts under, with the original wording when it is a legacy value."""
    if not value:
        return ""
    stage = Maturity(MATURITY_STAGE.get(value, value))
    if stage.value == value:
        return str(stage.label)
    return f"{stage.label}（{Maturity(value).label}）"


def entry_is_fiscal_idle(patent: Patent, today: datetime.date) -> bool:
    """``idle_fiscal_q`` for one entry of ``library_page_queryset`` (its prefetched states; no query)."""
    if not (patent.fiscally_funded and patent.grant_date and patent.grant_date <= idle_cutoff(today)):
        return False
    assessment = getattr(patent, "assessment", None)
    if assessment is None:
        return True
    return all(s.level1 == ImplementationLevel1.NOT_IMPLEMENTED for s in assessment.implementation_states.all())
