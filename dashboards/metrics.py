"""The dashboards' figures: a registry with one small function per figure.

Each function takes a scope and a period and returns a *measure* — what to count — rather than a number, so that
``figures.compute`` can count every patent figure of a dashboard in one grouped query and each figure per institution
or college at once. A figure that has no data on the platform returns ``NoData``: the dashboard says "暂无数据 /
no data yet", never a number. Adding a figure means one small function, e.g.::

    @metric("pushes", _("推送专利（件）"), kind=FLOW, section=QUARTERLY, link=...)
    def pushes(scope, period):
        return RowCount(Push.objects.filter(...period...), institution="patent__institution",
                        org_unit="patent__org_unit", distinct="patent_id")

A figure that links to a list counts what that list shows (patents, each once), so the list adds up to the number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from evaluations.choices import ReviewState
from evaluations.selectors import implemented_q, in_library_q
from library.selectors import industrialized_q, on_days
from market.models import MarketEvaluation
from matching.models import Push
from patentpool.choices import LegalStatus
from transfers.choices import LICENCE_KINDS, DealKind
from transfers.models import Deal, Industrialization

from .quarters import Period

STOCK = "stock"  # a level at a moment (valid stock, inventoried): a snapshot freezes it at the quarter's end
FLOW = "flow"  # counted within a period (patents registered as transferred in the quarter)
RATIO = "ratio"  # a share of two other figures, recomputed at every level from their sums

INVENTORY = "inventory"  # 盘点与入库
QUARTERLY = "quarterly"  # CNIPA's quarterly figures
HELPER = "helper"  # counted for other figures, not shown on its own

COUNT, SHARE, WAN = "count", "share", "wan"
PROBE_PERIOD = Period(datetime.date(2000, 1, 1), datetime.date(2000, 3, 31))

# A patent counts as inventoried once its self-assessment has been filled and submitted onwards.
INVENTORIED_STATES = (ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED)
# Ownership changes registered with CNIPA as a transfer (转让登记): sale and contribution as equity.
TRANSFER_KINDS = (DealKind.TRANSFER, DealKind.EQUITY)
CONVERSION_KINDS = tuple(DealKind)


# -- measures ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatentCount:
    """Patents of the scope matching ``q`` (a filter over Patent)."""

    q: Q


@dataclass(frozen=True)
class RowCount:
    """Rows of ``rows`` in the scope, counted (distinct ``distinct`` when given) or summed over ``total``.

    ``institution`` and ``org_unit`` are the paths from the row to the patent's institution and college."""

    rows: QuerySet
    institution: str
    org_unit: str
    distinct: str = ""
    total: str = ""


@dataclass(frozen=True)
class DeclaredStock:
    """The coverage denominator: an institution's declared valid stock when it has one, else its valid patents in the
    base library — never below what it has inventoried (a college has no declared stock)."""

    valid: str = "valid_patents"
    inventoried: str = "inventoried"


@dataclass(frozen=True)
class Ratio:
    numerator: str
    denominator: str


@dataclass(frozen=True)
class NoData:
    """The platform does not hold this figure yet; ``reason`` says where it will come from."""

    reason: Promise | str


Measure = PatentCount | RowCount | DeclaredStock | Ratio | NoData


# -- the registry -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    code: str
    label: Promise | str
    kind: str
    section: str
    compute: Callable[..., Measure]
    unit: str = COUNT
    # The list that produced the figure: (scope's list filters, period) → URL, or None where no list adds up to it.
    link: Callable[[dict, Period], str] | None = field(default=None)

    available: bool = True

    def measure(self, scope, period: Period) -> Measure:
        return self.compute(scope, period)


REGISTRY: dict[str, Metric] = {}


def metric(code: str, label, *, kind: str, section: str, unit: str = COUNT, link=None):
    """Register the decorated ``f(scope, period) -> Measure`` as figure ``code``."""

    def register(compute):
        available = not isinstance(compute(None, PROBE_PERIOD), NoData)  # building a measure runs no query
        REGISTRY[code] = Metric(code, label, kind, section, compute, unit, link, available)
        return compute

    return register


def metrics_in(section: str) -> list[Metric]:
    return [m for m in REGISTRY.values() if m.section == section]


def _patents_url(**params) -> Callable[[dict, Period], str]:
    return lambda filters, period: _url("patent-list", filters, params, period)


def _library_url(**params) -> Callable[[dict, Period], str]:
    return lambda filters, period: _url("resource-list", filters, params, period)


def _url(name: str, filters: dict, params: dict, period: Period) -> str:
    query = dict(filters)
    for key, value in params.items():
        query[key] = value(period) if callable(value) else value
    return f"{reverse(name)}?{urlencode(query)}"


def _kinds(kinds) -> str:
    return ",".join(str(k) for k in kinds)


_valid = Q(legal_status=LegalStatus.VALID)


# -- inventory and the resource library -------------------------------------------------------------------------------


@metric("valid_patents", _("基础库有效专利"), kind=STOCK, section=HELPER, link=_patents_url(legal_status="valid"))
def valid_patents(scope, period):
    return PatentCount(_valid)


@metric("valid_stock", _("有效存量专利"), kind=STOCK, section=INVENTORY, link=_patents_url(legal_status="valid"))
def valid_stock(scope, period):
    return DeclaredStock()


@metric(
    "inventoried", _("已盘点"), kind=STOCK, section=INVENTORY, link=_patents_url(legal_status="valid", assessed="true")
)
def inventoried(scope, period):
    return PatentCount(_valid & Q(assessment__review_state__in=INVENTORIED_STATES))


@metric("coverage", _("盘点覆盖率"), kind=RATIO, section=INVENTORY, unit=SHARE)
def coverage(scope, period):
    return Ratio("inventoried", "valid_stock")


@metric("in_library", _("已入转化资源库"), kind=STOCK, section=INVENTORY, link=_library_url())
def in_library(scope, period):
    return PatentCount(in_library_q())


@metric(
    "good_prospects", _("自评前景良好（四星及以上）"), kind=STOCK, section=INVENTORY, link=_library_url(stars_min="4")
)
def good_prospects(scope, period):
    return PatentCount(in_library_q() & Q(assessment__value_stars__gte=4))


@metric("good_prospect_share", _("前景良好占比"), kind=RATIO, section=INVENTORY, unit=SHARE)
def good_prospect_share(scope, period):
    return Ratio("good_prospects", "in_library")


@metric("market_rated", _("已获企业评价"), kind=STOCK, section=INVENTORY, link=_library_url(market_stars_min="1"))
def market_rated(scope, period):
    """Library patents with at least one market rating (他评) by an enterprise or an expert; the market side keeps the
    count on the self-assessment, and the mean stars (never below 1 once rated) that the library filters by."""
    return PatentCount(in_library_q() & Q(assessment__market_rating_count__gt=0))


@metric("market_rated_share", _("企业评价覆盖率"), kind=RATIO, section=INVENTORY, unit=SHARE)
def market_rated_share(scope, period):
    return Ratio("market_rated", "in_library")


# -- CNIPA's quarterly figures ----------------------------------------------------------------------------------------


def _deals_registered(kinds, period: Period) -> RowCount:
    rows = Deal.objects.filter(kind__in=kinds, registered_on__gte=period.start, registered_on__lte=period.end)
    return RowCount(rows, institution="institution", org_unit="patent__org_unit", distinct="patent_id")


@metric(
    "transfer_registrations",
    _("转让登记（件）"),
    kind=FLOW,
    section=QUARTERLY,
    link=_patents_url(
        deal_kind=_kinds(TRANSFER_KINDS), registered_from=lambda p: p.start, registered_to=lambda p: p.end
    ),
)
def transfer_registrations(scope, period):
    """Patents whose transfer (sale or equity) was registered with CNIPA in the period, by registration date."""
    return _deals_registered(TRANSFER_KINDS, period)


@metric(
    "licence_recordings",
    _("许可合同备案（件）"),
    kind=FLOW,
    section=QUARTERLY,
    link=_patents_url(
        deal_kind=_kinds(sorted(LICENCE_KINDS)), registered_from=lambda p: p.start, registered_to=lambda p: p.end
    ),
)
def licence_recordings(scope, period):
    """Patents whose licence contract was recorded with CNIPA in the period, by recording date."""
    return _deals_registered(LICENCE_KINDS, period)


@metric(
    "deals_signed",
    _("签订转化合同（件）"),
    kind=FLOW,
    section=QUARTERLY,
    link=_patents_url(deal_kind=_kinds(CONVERSION_KINDS), signed_from=lambda p: p.start, signed_to=lambda p: p.end),
)
def deals_signed(scope, period):
    """Patents transferred, licensed or contributed as equity by a contract signed in the period."""
    rows = Deal.objects.filter(contract_date__gte=period.start, contract_date__lte=period.end)
    return RowCount(rows, institution="institution", org_unit="patent__org_unit", distinct="patent_id")


@metric("deal_amount", _("合同金额（万元）"), kind=FLOW, section=QUARTERLY, unit=WAN)
def deal_amount(scope, period):
    """Contract amounts of the deals signed in the period (万元); a sum, so no list adds up to it."""
    rows = Deal.objects.filter(contract_date__gte=period.start, contract_date__lte=period.end)
    return RowCount(rows, institution="institution", org_unit="patent__org_unit", total="amount_wan")


@metric(
    "implemented",
    _("已实施（自评）"),
    kind=STOCK,
    section=QUARTERLY,
    link=_patents_url(legal_status="valid", implemented="true"),
)
def implemented(scope, period):
    """Valid patents whose self-assessment declares them licensed, transferred or self-industrialized."""
    return PatentCount(_valid & implemented_q())


@metric("implementation_rate", _("实施率"), kind=RATIO, section=QUARTERLY, unit=SHARE)
def implementation_rate(scope, period):
    return Ratio("implemented", "valid_patents")


@metric(
    "industrialized",
    _("已产业化"),
    kind=STOCK,
    section=QUARTERLY,
    link=_patents_url(legal_status="valid", industrialized="true"),
)
def industrialized(scope, period):
    """Valid patents in production with products on the market: declared in the self-assessment (self-industrialized,
    by a licensee or a partner) or recorded on a deal."""
    return PatentCount(_valid & industrialized_q())


@metric("industrialization_rate", _("产业化率"), kind=RATIO, section=QUARTERLY, unit=SHARE)
def industrialization_rate(scope, period):
    return Ratio("industrialized", "valid_patents")


@metric("product_filings", _("专利密集型产品备案（项）"), kind=FLOW, section=QUARTERLY)
def product_filings(scope, period):
    """Products filed as patent-intensive products (专利密集型产品备案) in the period, by filing date; products, not
    patents, so no patent list adds up to it."""
    rows = Industrialization.objects.filter(filed_on__gte=period.start, filed_on__lte=period.end).exclude(
        product_filing_number=""
    )
    return RowCount(rows, institution="patent__institution", org_unit="patent__org_unit")


@metric(
    "pushes",
    _("向企业推送（件）"),
    kind=FLOW,
    section=QUARTERLY,
    link=_patents_url(pushed_from=lambda p: p.start, pushed_to=lambda p: p.end),
)
def pushes(scope, period):
    """Patents pushed to at least one enterprise in the period (each patent once, however many enterprises)."""
    return RowCount(
        Push.objects.filter(**on_days("created_at", period.start, period.end)),
        institution="patent__institution",
        org_unit="patent__org_unit",
        distinct="patent_id",
    )


@metric(
    "market_ratings",
    _("企业评价（他评，件）"),
    kind=FLOW,
    section=QUARTERLY,
    link=_patents_url(rated_from=lambda p: p.start, rated_to=lambda p: p.end),
)
def market_ratings(scope, period):
    """Patents rated by an enterprise or an expert in the period (each patent once)."""
    return RowCount(
        MarketEvaluation.objects.filter(**on_days("created_at", period.start, period.end)),
        institution="patent__institution",
        org_unit="patent__org_unit",
        distinct="patent_id",
    )
