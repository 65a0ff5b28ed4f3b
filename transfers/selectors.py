"""Reads of deals and what hangs off them, scoped like the patents they concern.

Scope: an institution's users its institution's deals (a college admin its college's, an inventor their own
patents'), a provincial bureau its province's and a ministry its institutions' (read only), an enterprise user the
deals its enterprise is party to, a national admin all. Only institution admins (and national admins) change deals.

The quarterly figures the dashboards read (by CNIPA's own definitions) are at the end: ``deal_counts_by_quarter``
and the single-figure selectors it is made of.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from evaluations.selectors import in_library_q
from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING, institution_scope_q
from library.rules import idle_cutoff, idle_fiscal_q
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q

from .choices import (
    COUNTED_RECORDING_STATUSES,
    EXCLUSIVE_KINDS,
    TRANSFER_KINDS,
    DealStatus,
    OpenLicenceStatus,
    PromotionTier,
)
from .models import Deal, Industrialization, OpenLicenceDeclaration, PaymentDue, PromotionTierChoice
from .rules import LicenceState

MANAGER_ROLES = {Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN}


def deal_scope_q(user: User, prefix: str = "") -> Q:
    """A filter over deals (reached through ``prefix``, e.g. 'deal__') that ``user`` may read."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role == Role.ENTERPRISE:
        return Q(**{f"{prefix}enterprise_id": user.enterprise_id}) if user.enterprise_id else NOTHING
    q = institution_scope_q(user, f"{prefix}institution__")
    if user.role == Role.COLLEGE_ADMIN:
        q &= Q(**{f"{prefix}patent__org_unit_id": user.org_unit_id})
    elif user.role == Role.INVENTOR:
        q &= Q(**{f"{prefix}patent__inventor_accounts": user})
    return q


def deal_list(*, user: User) -> QuerySet[Deal]:
    return Deal.objects.filter(deal_scope_q(user)).select_related("patent", "institution", "enterprise")


def deal_get(*, user: User, pk: int) -> Deal | None:
    return deal_list(user=user).filter(pk=pk).first()


def deal_can_manage(*, user: User, deal: Deal) -> bool:
    """Institution admins change their institution's deals; national admins any; everyone else reads."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return True
    return user.role == Role.INSTITUTION_ADMIN and user.institution_id == deal.institution_id


def deal_can_record_industrialization(*, user: User, deal: Deal) -> bool:
    """The institution (its admin) or the counterparty enterprise's users record that the patent went into
    production."""
    if deal_can_manage(user=user, deal=deal):
        return True
    return (
        user.is_active
        and user.role == Role.ENTERPRISE
        and bool(deal.enterprise_id)
        and (user.enterprise_id == deal.enterprise_id)
    )


def deal_patents(deal: Deal) -> list[Patent]:
    """The deal's lead patent, then the rest of its bundle."""
    return [deal.patent, *deal.bundle_patents.order_by("application_number")]


def in_force_q(today: datetime.date, prefix: str = "") -> Q:
    """Deals in force on ``today``: not ended, and their term (when they have one) not over."""
    return Q(**{f"{prefix}status": DealStatus.IN_FORCE}) & (
        Q(**{f"{prefix}term_end__isnull": True}) | Q(**{f"{prefix}term_end__gte": today})
    )


def _deals_on_patent(patent_id: int) -> QuerySet[Deal]:
    return Deal.objects.filter(Q(patent_id=patent_id) | Q(bundle_patents=patent_id)).distinct()


def licence_state(patent: Patent, *, today: datetime.date | None = None, evaluation_report: bool = False):
    """The patent's ``rules.LicenceState`` as the database says today."""
    today = today or timezone.localdate()
    deals = _deals_on_patent(patent.pk).filter(in_force_q(today))
    return LicenceState(
        patent_type=patent.patent_type,
        open_declared=OpenLicenceDeclaration.objects.filter(
            patent_id=patent.pk, status=OpenLicenceStatus.ACTIVE
        ).exists(),
        exclusive_in_force=deals.filter(kind__in=EXCLUSIVE_KINDS).exists(),
        transferred=deals.filter(kind__in=TRANSFER_KINDS).exists(),
        evaluation_report=evaluation_report,
    )


def deals_on_patent(*, user: User, patent: Patent) -> QuerySet[Deal]:
    """The deals the patent is part of (lead or bundle), as ``user`` may see them."""
    return (
        _deals_on_patent(patent.pk).filter(deal_scope_q(user)).select_related("enterprise").order_by("-contract_date")
    )


# -- payments --------------------------------------------------------------------------------------------------------


def overdue_dues(*, user: User, today: datetime.date | None = None) -> QuerySet[PaymentDue]:
    """Expected payments past their date and not fully paid, in the user's deals (oldest first)."""
    from django.db.models import F

    today = today or timezone.localdate()
    return (
        PaymentDue.objects.filter(deal_scope_q(user, "deal__"), due_date__lt=today)
        .filter(Q(amount_wan__isnull=False, paid_wan__lt=F("amount_wan")) | Q(amount_wan__isnull=True, paid_wan=0))
        .filter(deal__status=DealStatus.IN_FORCE)
        .select_related("deal__patent", "deal__institution", "deal__enterprise")
        .order_by("due_date", "id")
    )


def overdue_dues_all(*, today: datetime.date) -> QuerySet[PaymentDue]:
    """Every overdue expected payment on the platform (the daily reminder task; no user)."""
    from django.db.models import F

    return (
        PaymentDue.objects.filter(due_date__lt=today, deal__status=DealStatus.IN_FORCE)
        .filter(Q(amount_wan__isnull=False, paid_wan__lt=F("amount_wan")) | Q(amount_wan__isnull=True, paid_wan=0))
        .select_related("deal__patent", "deal__institution")
        .order_by("deal__institution_id", "due_date", "id")
    )


# -- open licences ---------------------------------------------------------------------------------------------------


def open_licence_list(*, user: User) -> QuerySet[OpenLicenceDeclaration]:
    """Declarations are public (withdrawals too): every signed-in user sees them all."""
    if not user.is_authenticated or not user.is_active:
        return OpenLicenceDeclaration.objects.none()
    return OpenLicenceDeclaration.objects.select_related("patent", "institution", "institution__province")


def open_licence_taken_by(*, user: User, declaration: OpenLicenceDeclaration) -> Deal | None:
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        return None
    return declaration.licences.filter(enterprise_id=user.enterprise_id).first()


# -- tiered promotion and idle fiscal patents -------------------------------------------------------------------------


def market_rating_q(tier: str) -> Q:
    """Hook for enterprise (market-side) ratings: when they exist, a tier may also require, or be reached by, a good
    market rating. Returns a filter over patents; today it restricts nothing."""
    return Q()


def _derived_tier_q(tier: str) -> Q:
    """The rule that proposes candidates of a tier from the self-assessment (stars, maturity, industry, intent)."""
    stars = "assessment__value_stars"
    if tier == PromotionTier.FINANCING:  # high value: matched with investors, pledge financing, insurance
        return Q(**{stars: 5}) | Q(
            **{stars: 4, "assessment__maturity__in": ["small_batch", "mass_production", "legacy_producible"]}
        )
    if tier == PromotionTier.PATENT_POOL:  # high value in key industries (strategic emerging industries)
        return Q(**{f"{stars}__gte": 4, "assessment__sei_class__isnull": False})
    # Widely applicable: an ordinary or open licence intended, three stars or more.
    return Q(**{f"{stars}__gte": 3, "assessment__intents__level2__in": ["open_licence", "ordinary_licence"]})


def promotion_tier_q(tier: str) -> Q:
    """Library patents in ``tier``: proposed by the rule and not removed by the institution, or added by it."""
    choice = PromotionTierChoice.objects.filter(patent_id=OuterRef("pk"), tier=tier)
    removed = Exists(choice.filter(included=False))
    added = Exists(choice.filter(included=True))
    return in_library_q() & ((_derived_tier_q(tier) & market_rating_q(tier) & ~removed) | added)


def promotion_tier_list(*, user: User, tier: str) -> QuerySet[Patent]:
    """The patents of ``tier`` in the user's base-library scope."""
    ids = Patent.objects.filter(patent_scope_q(user)).filter(promotion_tier_q(tier)).values("pk")
    return (
        Patent.objects.filter(pk__in=ids)
        .select_related("institution", "assessment", "assessment__industry", "assessment__sei_class")
        .order_by("-assessment__value_stars", "-id")
    )


@dataclass
class IdleReason:
    """Why a fiscally funded patent is listed as idle (the state may license it)."""

    patent: Patent
    reasons: list[str] = field(default_factory=list)


def idle_fiscal_list(*, user: User, today: datetime.date | None = None) -> QuerySet[Patent]:
    """Fiscally funded patents granted five or more years ago and still not implemented, in the user's scope
    (``library.rules.idle_fiscal_q``, the resource library's own rule)."""
    today = today or timezone.localdate()
    return (
        Patent.objects.filter(patent_scope_q(user))
        .filter(idle_fiscal_q(today))
        .select_related("institution", "institution__province", "assessment")
        .order_by("institution__province__code", "institution__name", "grant_date", "id")
    )


def idle_fiscal_reasons(patents, today: datetime.date) -> list[IdleReason]:
    """Each patent of a page of ``idle_fiscal_list`` with the facts that make it qualify."""
    cutoff = idle_cutoff(today)
    rows = []
    for patent in patents:
        assessment = getattr(patent, "assessment", None)
        rows.append(
            IdleReason(
                patent=patent,
                reasons=[
                    f"财政资助科研项目形成（{patent.funding_project or '项目未填'}） / fiscally funded",
                    f"授权日 {patent.grant_date:%Y-%m-%d} 早于 {cutoff:%Y-%m-%d}（满五年） / granted five or more "
                    f"years ago",
                    "尚未自评，无实施记录 / no self-assessment, no implementation"
                    if assessment is None
                    else "实施状态为“尚未实施” / implementation state: not implemented",
                ],
            )
        )
    return rows


def idle_fiscal_counts(*, user: User, today: datetime.date | None = None) -> list[dict]:
    """Per institution (and its province), how many idle fiscally funded patents it holds."""
    from django.db.models import Count

    return list(
        idle_fiscal_list(user=user, today=today)
        .values("institution__province__name", "institution__name", "institution_id")
        .annotate(n=Count("pk"))
        .order_by("institution__province__name", "-n")
    )


# -- the quarterly figures (CNIPA's definitions) ----------------------------------------------------------------------


def _quarter_key(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def _by_quarter(qs, date_field: str):
    return qs.annotate(_y=ExtractYear(date_field), _q=ExtractQuarter(date_field))


def recordings_by_quarter(*, qs: QuerySet[Deal]) -> dict[str, dict[str, int]]:
    """Transfer registrations (转让登记) and licence-contract recordings (许可合同备案) of the deals ``qs`` per quarter
    of their CNIPA recording date (``registered_on``); a cancelled recording no longer counts, one recording per
    deal. {"2025Q1": {"transfer_registrations": n, "licence_recordings": m}, …}"""
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"transfer_registrations": 0, "licence_recordings": 0})
    rows = _by_quarter(
        qs.filter(recording_status__in=COUNTED_RECORDING_STATUSES, registered_on__isnull=False), "registered_on"
    ).values_list("_y", "_q", "kind")
    transfer_kinds = {str(k) for k in TRANSFER_KINDS}
    for year, quarter, kind in rows.iterator(chunk_size=5000):
        key = "transfer_registrations" if kind in transfer_kinds else "licence_recordings"
        result[_quarter_key(year, quarter)][key] += 1
    return dict(result)


def implemented_patents_by_quarter(*, qs: QuerySet[Deal]) -> dict[str, int]:
    """Patents implemented by licence, transfer, equity or pool: each patent (lead or in a bundle) counted once, in
    the quarter of its first deal's contract date among ``qs``."""
    first: dict[int, datetime.date] = {}
    lead = qs.values_list("patent_id", "contract_date")
    bundled = Deal.bundle_patents.through.objects.filter(deal__in=qs.values("pk")).values_list(
        "patent_id", "deal__contract_date"
    )
    for patent_id, day in [*lead.iterator(chunk_size=5000), *bundled.iterator(chunk_size=5000)]:
        if patent_id not in first or day < first[patent_id]:
            first[patent_id] = day
    counts: dict[str, int] = defaultdict(int)
    for day in first.values():
        counts[_quarter_key(day.year, (day.month - 1) // 3 + 1)] += 1
    return dict(counts)


def industrialized_patents_by_quarter(*, qs: QuerySet[Deal]) -> dict[str, int]:
    """Patents of the deals ``qs`` put into production, each counted once in the quarter of its first recorded
    production start (``Industrialization.started_on``)."""
    first: dict[int, datetime.date] = {}
    rows = Industrialization.objects.filter(deal__in=qs.values("pk")).values_list("patent_id", "started_on")
    for patent_id, day in rows.iterator(chunk_size=5000):
        if patent_id not in first or day < first[patent_id]:
            first[patent_id] = day
    counts: dict[str, int] = defaultdict(int)
    for day in first.values():
        counts[_quarter_key(day.year, (day.month - 1) // 3 + 1)] += 1
    return dict(counts)


def product_filings_by_quarter(*, qs: QuerySet[Deal]) -> dict[str, int]:
    """Patent-intensive product filings (专利密集型产品备案) of the deals ``qs`` per quarter of the filing date."""
    rows = _by_quarter(
        Industrialization.objects.filter(deal__in=qs.values("pk"), filed_on__isnull=False).exclude(
            product_filing_number=""
        ),
        "filed_on",
    ).values_list("_y", "_q")
    counts: dict[str, int] = defaultdict(int)
    for year, quarter in rows.iterator(chunk_size=5000):
        counts[_quarter_key(year, quarter)] += 1
    return dict(counts)


@dataclass
class QuarterFigures:
    """CNIPA's quarterly deal figures for one quarter ("2025Q3")."""

    quarter: str
    transfer_registrations: int = 0
    licence_recordings: int = 0
    implemented_patents: int = 0
    industrialized_patents: int = 0
    product_filings: int = 0


def deal_counts_by_quarter(*, qs: QuerySet[Deal]) -> list[QuarterFigures]:
    """All five quarterly figures of the deals ``qs`` (already scoped and filtered by the caller, e.g.
    ``deal_list(user=…).filter(institution__province=…)``), oldest quarter first. Recordings count by their
    recording date, implementation by contract date, industrialization by production start, filings by filing
    date."""
    figures: dict[str, QuarterFigures] = {}

    def at(key: str) -> QuarterFigures:
        return figures.setdefault(key, QuarterFigures(quarter=key))

    for key, row in recordings_by_quarter(qs=qs).items():
        at(key).transfer_registrations = row["transfer_registrations"]
        at(key).licence_recordings = row["licence_recordings"]
    for key, n in implemented_patents_by_quarter(qs=qs).items():
        at(key).implemented_patents = n
    for key, n in industrialized_patents_by_quarter(qs=qs).items():
        at(key).industrialized_patents = n
    for key, n in product_filings_by_quarter(qs=qs).items():
        at(key).product_filings = n
    return [figures[k] for k in sorted(figures, key=lambda k: (int(k[:4]), int(k[5:])))]


def institution_deal_summary(*, qs: QuerySet[Deal], today: datetime.date | None = None) -> dict[str, int]:
    """Headline counts of a deal list: deals, recorded, patents implemented, overdue expected payments."""
    today = today or timezone.localdate()
    return {
        "deals": qs.count(),
        "recorded": qs.filter(recording_status__in=COUNTED_RECORDING_STATUSES).count(),
        "transfer_registrations": qs.filter(
            recording_status__in=COUNTED_RECORDING_STATUSES, kind__in=TRANSFER_KINDS
        ).count(),
        "licence_recordings": qs.filter(recording_status__in=COUNTED_RECORDING_STATUSES)
        .exclude(kind__in=TRANSFER_KINDS)
        .count(),
        "implemented_patents": sum(implemented_patents_by_quarter(qs=qs).values()),
        "industrialized_patents": sum(industrialized_patents_by_quarter(qs=qs).values()),
    }
