"""The FilterSets of the two libraries, each serving the HTML list and the API alike."""

import math
import re

import django_filters
import django_filters.constants
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.search import ranked, search_filter, substring_rank_order
from evaluations.choices import MATURITY_STAGES, IntentLevel1, PriceBand, ReviewState, ValueStars, maturity_values
from evaluations.models import ConversionIntent, SelfAssessment
from evaluations.selectors import implemented_q
from institutions.choices import Authority
from institutions.selectors import institution_list
from patentpool.choices import LegalStatus, PatentType
from patentpool.models import Patent
from reference.appno import ApplicationNumber
from reference.choices import SEIEdition
from reference.models import IndustryCode, Province, SEIClass

from .rules import LIST_ORDER, idle_fiscal_patents, is_truthy
from .selectors import industrialized_q, pushed_q, rated_q


def _deal_model():
    # Deals live in the transfers app, a layer above this one: reached through the patent's reverse relation.
    return Patent.deals.rel.related_model


def deal_kind_choices():
    return _deal_model()._meta.get_field("kind").choices


@extend_schema_field(OpenApiTypes.STR)
class DealKindInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Comma-separated deal kinds, each checked against the deal vocabulary."""


# Bounds of the whole numbers the filters compare with: years a date can have, a smallint, a database id.
YEARS = (1, 9999)
SMALLINT = (0, 32767)
IDS = (1, 2**63 - 1)
NUMBER_ERRORS = {
    "invalid": _("请输入数字 / Enter a number"),
    "max_value": _("数值过大 / The number is too large"),  # django-filter caps numbers at 1e50
}
# A REST client reads a refused filter's message as it is: both languages, whatever the request's language.
CHOICE_ERRORS = {"invalid_choice": _("“%(value)s”不是可选的值 / “%(value)s” is not one of the choices")}


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole-number filter that answers nothing, instead of failing, when no stored value can match.

    A grant year of 0 or 2e16, 99999999999 years maintained or an id beyond bigint are questions without an answer,
    not errors: Python's dates and PostgreSQL's integers refuse them, so they never reach the query. On the side where
    every value matches (``years_min=-1``) the bound is moved to the range's end instead."""

    def __init__(self, *args, bounds: tuple[int, int], **kwargs):
        kwargs.setdefault("error_messages", NUMBER_ERRORS)
        super().__init__(*args, **kwargs)
        self.bounds = bounds

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        low, high = self.bounds
        # Compared before any rounding: 1e999999999 is a valid Decimal whose int() would take the process down.
        if self.lookup_expr == "gte":
            return qs.none() if value > high else super().filter(qs, math.ceil(max(value, low)))
        if self.lookup_expr == "lte":
            return qs.none() if value < low else super().filter(qs, math.floor(min(value, high)))
        if not low <= value <= high or value != value.to_integral_value():
            return qs.none()
        return super().filter(qs, int(value))


# A patent counts as assessed once its self-assessment has gone to review (or further).
ASSESSED_STATES = (ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED)


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorting where a patent without the value (no stars, no market rating yet) comes last either way."""

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        ordering = []
        for param in value:
            field = self.get_ordering_value(param)
            descending = field.startswith("-")
            expression = F(field.lstrip("-"))
            ordering.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        return qs.order_by(*ordering, "id")


def whole_number(low: int, high: int) -> dict:
    """Form-field bounds for a number filter: a value out of range or with a fraction is refused (400 on the API, the
    filter ignored on a page) instead of reaching the database, which cannot hold it (a year, a smallint)."""
    message = f"请输入 {low} 到 {high} 之间的整数 / Enter a whole number from {low} to {high}"
    codes = ("invalid", "min_value", "max_value", "max_decimal_places", "max_digits", "max_whole_digits")
    return {"min_value": low, "max_value": high, "decimal_places": 0, "error_messages": dict.fromkeys(codes, message)}


# A Chinese publication (公开/公告) number: CN, 7 to 10 digits, a kind code (A, B, C, U, Y, S, with an optional digit).
_PUBLICATION = re.compile(r"^(?:CN)?(\d{7,10})([ABCUYS]\d?)?$")


def _publication_number_q(value: str) -> Q:
    """The patents whose publication number (公开（公告）号, stored as ``CN110813200B``) is ``value`` in any written
    form (``cn 110813200 b``, ``110813200B``); without a kind code, every publication of that number (A and B).
    An empty Q, which adds nothing to an OR, when ``value`` is not shaped like one."""
    match = _PUBLICATION.match("".join(value.split()).upper())
    if match is None:
        return Q()
    digits, kind = match.groups()
    if kind:
        return Q(publication_number=f"CN{digits}{kind}")
    return Q(publication_number__startswith=f"CN{digits}")


def patent_number_q(value: str) -> Q | None:
    """The patents whose application number (any written form: ``201910866666.8``, ``ZL201910866666.8``,
    ``2019108666668``, ``CN …``) or publication number is ``value``; None when ``value`` is neither."""
    q = _publication_number_q(value)
    if ApplicationNumber.is_valid(value):
        q |= Q(application_number=str(ApplicationNumber.parse(value)))
    return q or None


class PatentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("申请号/名称/发明人"))
    org_unit = WholeNumberFilter(field_name="org_unit_id", bounds=IDS, label=_("学院"))
    patent_type = django_filters.ChoiceFilter(choices=PatentType.choices, label=_("专利类型"))
    grant_year = WholeNumberFilter(field_name="grant_date", lookup_expr="year", bounds=YEARS, label=_("授权年份"))
    legal_status = django_filters.ChoiceFilter(choices=LegalStatus.choices, label=_("法律状态"))
    years_min = WholeNumberFilter(
        field_name="years_maintained", lookup_expr="gte", bounds=SMALLINT, label=_("维持年限≥")
    )
    years_max = WholeNumberFilter(
        field_name="years_maintained", lookup_expr="lte", bounds=SMALLINT, label=_("维持年限≤")
    )
    fiscally_funded = django_filters.BooleanFilter(label=_("财政资助"))
    assessed = django_filters.BooleanFilter(method="filter_assessed", label=_("已自评"))
    review_state = django_filters.ChoiceFilter(
        field_name="assessment__review_state", choices=ReviewState.choices, label=_("审核状态")
    )
    intent = django_filters.ChoiceFilter(choices=IntentLevel1.choices, method="filter_intent", label=_("转化意愿"))
    maturity = django_filters.ChoiceFilter(
        choices=[(m.value, m.label) for m in MATURITY_STAGES], method="filter_maturity", label=_("技术成熟度")
    )
    stars = django_filters.ChoiceFilter(
        field_name="assessment__value_stars", choices=ValueStars.choices, label=_("价值星级")
    )
    industry = django_filters.CharFilter(method="filter_industry", label=_("国民经济行业（门类/大类）"))
    ipc = django_filters.CharFilter(method="filter_ipc", label=_("IPC"))
    institution = WholeNumberFilter(field_name="institution_id", bounds=IDS, label=_("单位"))
    fiscal_idle = django_filters.CharFilter(method="filter_fiscal_idle", label=_("财政资助满五年未实施"))
    # The dashboards link every figure to the list behind it; these filters make those lists.
    province = django_filters.CharFilter(field_name="institution__province__code", label=_("省份"))
    authority = django_filters.ChoiceFilter(
        field_name="institution__authority", choices=Authority.choices, label=_("主管部门")
    )
    stars_min = django_filters.ChoiceFilter(
        field_name="assessment__value_stars", lookup_expr="gte", choices=ValueStars.choices, label=_("价值星级≥")
    )
    implemented = django_filters.BooleanFilter(method="filter_implemented", label=_("已实施"))
    deal_kind = DealKindInFilter(method="filter_deals", choices=deal_kind_choices, label=_("转化方式（逗号分隔）"))
    registered_from = django_filters.DateFilter(method="filter_deals", label=_("登记/备案日起"))
    registered_to = django_filters.DateFilter(method="filter_deals", label=_("登记/备案日止"))
    signed_from = django_filters.DateFilter(method="filter_deals", label=_("合同签订日起"))
    signed_to = django_filters.DateFilter(method="filter_deals", label=_("合同签订日止"))
    industrialized = django_filters.BooleanFilter(method="filter_industrialized", label=_("已产业化"))
    pushed_from = django_filters.DateFilter(method="filter_pushed", label=_("推送日起"))
    pushed_to = django_filters.DateFilter(method="filter_pushed", label=_("推送日止"))
    rated_from = django_filters.DateFilter(method="filter_rated", label=_("企业评价日起"))
    rated_to = django_filters.DateFilter(method="filter_rated", label=_("企业评价日止"))
    ordering = NullsLastOrderingFilter(
        fields=(
            ("application_number", "application_number"),
            ("title", "title"),
            ("grant_date", "grant_date"),
            ("years_maintained", "years_maintained"),
            ("assessment__review_state", "review_state"),
            ("assessment__value_stars", "stars"),
            ("assessment__market_stars", "market_stars"),
            ("assessment__market_interested", "interested"),
        ),
        label=_("排序"),
    )

    # The order of the list when neither a search nor ``ordering`` gives one (HTML and API alike).
    default_order = ("-grant_date", "id")

    class Meta:
        model = Patent
        fields = []

    # Filters the dashboards' links set that the list's form does not show: the list names them above the results (so
    # the reader sees why it holds these patents) and carries them as hidden fields, so that filtering further keeps
    # them.
    LINK_FILTERS = (
        "province", "authority", "institution", "implemented", "industrialized", "deal_kind", "registered_from",
        "registered_to", "signed_from", "signed_to", "pushed_from", "pushed_to", "rated_from", "rated_to",
    )  # fmt: skip

    def link_filters(self, *, user) -> list[tuple[str, str, str, str]]:
        """(name, label, value as given, value as shown) of each dashboard-link filter set, in a fixed order; names,
        not codes — an institution only when ``user`` may see it."""
        found = []
        for name in self.LINK_FILTERS:
            value = (self.data.get(name) or "").strip()
            if not value:
                continue
            field = self.form.fields[name]
            if name == "province":
                shown = Province.objects.filter(code=value).values_list("name", flat=True).first() or value
            elif name == "institution" and value.isdigit():
                visible = institution_list(user=user).filter(pk=int(value))
                shown = visible.values_list("name", flat=True).first() or value
            elif value in ("true", "false"):
                shown = _("是") if value == "true" else _("否")
            elif name == "deal_kind":  # comma-separated kinds
                labels = dict(field.choices)
                shown = "、".join(str(labels.get(kind, kind)) for kind in value.split(","))
            else:
                shown = dict(getattr(field, "choices", ()) or ()).get(value, value)
            found.append((name, str(field.label), value, str(shown)))
        return found

    def ordered_qs(self):
        """``qs`` in its relevance order (a search) or the ``ordering`` asked for, else ``default_order``; then the
        default order as the tie-break. The HTML list and the API list both read this."""
        return ranked(self.qs, self.default_order)

    def _rank(self) -> bool:
        """Whether a search may set the order: not when the caller asked for one (``ordering``)."""
        return not (self.form.cleaned_data.get("ordering") if hasattr(self.form, "cleaned_data") else None)

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():  # the form's own copies of the fields
            if "invalid_choice" in field.error_messages:
                field.error_messages.update(CHOICE_ERRORS)
        return form

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = patent_number_q(value)
        if number is not None:
            return queryset.filter(number)
        queryset = queryset.filter(
            Q(application_number__startswith=value.upper()) | Q(title__icontains=value) | Q(inventors__icontains=value)
        )
        # A title hit before an inventor or number hit.
        return queryset.order_by(*substring_rank_order(value)) if self._rank() else queryset

    def filter_ipc(self, queryset, name, value):
        # Subclasses are stored upper-case; a case-sensitive prefix match can use patent_ipc_subclass_idx.
        return queryset.filter(ipc_subclass__startswith=value.strip().upper())

    def filter_assessed(self, queryset, name, value):
        if value is None:
            return queryset
        assessed = Q(assessment__review_state__in=ASSESSED_STATES)
        return queryset.filter(assessed if value else ~assessed)

    def filter_intent(self, queryset, name, value):
        # EXISTS, not a join: a patent with two intents must not appear twice.
        return queryset.filter(Exists(ConversionIntent.objects.filter(assessment__patent=OuterRef("pk"), level1=value)))

    def filter_maturity(self, queryset, name, value):
        return queryset.filter(assessment__maturity__in=maturity_values(value))

    def filter_industry(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(industry_q(value))

    def filter_implemented(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(implemented_q() if value else ~implemented_q())

    def filter_deals(self, queryset, name, value):
        """Patents with a deal matching every deal filter given (kinds, registration and signing dates) — one
        EXISTS over the patent's deals, applied once however many of these filters are set."""
        if getattr(self, "_deals_filtered", False):
            return queryset
        self._deals_filtered = True
        data = self.form.cleaned_data
        conditions = {}
        if data.get("deal_kind"):
            conditions["kind__in"] = data["deal_kind"]
        for field, lookup in (
            ("registered_from", "registered_on__gte"),
            ("registered_to", "registered_on__lte"),
            ("signed_from", "contract_date__gte"),
            ("signed_to", "contract_date__lte"),
        ):
            if data.get(field):
                conditions[lookup] = data[field]
        deals = _deal_model().objects.filter(patent=OuterRef("pk"), **conditions)
        return queryset.filter(Exists(deals))

    def filter_industrialized(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(industrialized_q() if value else ~industrialized_q())

    def filter_pushed(self, queryset, name, value):
        # Both ends are read here, once, whichever of the two filters runs first.
        return self._once("pushed", queryset, pushed_q)

    def filter_rated(self, queryset, name, value):
        return self._once("rated", queryset, rated_q)

    def _once(self, prefix: str, queryset, make_q):
        if getattr(self, f"_{prefix}_filtered", False):
            return queryset
        setattr(self, f"_{prefix}_filtered", True)
        data = self.form.cleaned_data
        return queryset.filter(make_q(data.get(f"{prefix}_from"), data.get(f"{prefix}_to")))

    def filter_fiscal_idle(self, queryset, name, value):

        return idle_fiscal_patents(queryset) if is_truthy(value) else queryset


# -- the FilterSet -------------------------------------------------------------------------------------------------

SECTION_RE = re.compile(r"^[A-T]$")
DIVISION_RE = re.compile(r"^[A-T]\d{2}$")
GROUP_OR_CLASS_RE = re.compile(r"^[A-T]\d{3,4}$")


def industry_q(code: str) -> Q:
    """Patents classified under GB/T 4754 ``code`` (门类 C, 大类 C39, 中类 C391 or 小类 C3914): a class counts under
    its ancestors, whose codes it extends. Any of the assessment's classes (column AA may give several) counts, and
    so does its main one. EXISTS, not a join: a patent with two matching classes appears once."""
    codes = IndustryCode.objects.filter(code__startswith=code).values("pk")
    through = SelfAssessment.industries.through
    return Q(assessment__industry_id__in=codes) | Q(
        Exists(through.objects.filter(selfassessment_id=OuterRef("assessment__pk"), industrycode_id__in=codes))
    )


class ResourceFilterSet(PatentFilterSet):
    """Filters of the resource library: the base library's filters plus its classifications."""

    q = django_filters.CharFilter(method="chinese_search", label=_("关键词（名称/产品/前景）"))
    section = django_filters.CharFilter(method="filter_section", label=_("门类"))
    division = django_filters.CharFilter(method="filter_division", label=_("大类"))
    industry_class = django_filters.CharFilter(method="filter_industry_class", label=_("中类/小类"))
    maturity = django_filters.ChoiceFilter(
        method="filter_maturity",
        choices=[(s.value, s.label) for s in MATURITY_STAGES],
        empty_label=_("技术成熟度（全部）"),
        label=_("技术成熟度"),
    )
    stars = django_filters.ChoiceFilter(
        field_name="assessment__value_stars",
        choices=ValueStars.choices,
        empty_label=_("产业化前景（全部星级）"),
        label=_("产业化前景（星级）"),
    )
    sei = django_filters.CharFilter(method="filter_sei", label=_("战新分类"))
    province = django_filters.CharFilter(field_name="institution__province__code", label=_("省份"))
    intent = django_filters.ChoiceFilter(
        method="filter_intent", choices=IntentLevel1.choices, empty_label=_("转化意愿（全部）"), label=_("转化意愿")
    )
    price_band = django_filters.ChoiceFilter(
        field_name="assessment__price_band",
        choices=PriceBand.choices,
        empty_label=_("意向价格（全部）"),
        label=_("意向价格"),
    )

    # The market's view (他评), kept on the self-assessment by the market side.
    market_stars_min = django_filters.NumberFilter(
        field_name="assessment__market_stars",
        lookup_expr="gte",
        min_value=1,
        max_value=5,
        label=_("市场评价不低于（星）"),
    )
    interested = django_filters.BooleanFilter(method="filter_interested", label=_("有企业表达合作意向"))

    default_order = LIST_ORDER

    class Meta(PatentFilterSet.Meta):
        fields = PatentFilterSet.Meta.fields + [
            "section",
            "division",
            "industry_class",
            "maturity",
            "stars",
            "sei",
            "province",
            "institution",
            "intent",
            "price_band",
            "fiscal_idle",
            "market_stars_min",
            "interested",
        ]

    def chinese_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        number = patent_number_q(value)
        if number is not None:
            return queryset.filter(number)
        return search_filter(
            queryset,
            value,
            prefix="assessment__",
            fields=("title", "assessment__products_advantages", "assessment__prospect", "inventors"),
            rank=self._rank(),
        )

    def filter_section(self, queryset, name, value):
        value = value.strip().upper()
        if not SECTION_RE.match(value):
            return queryset.none()
        return queryset.filter(industry_q(value))

    def filter_division(self, queryset, name, value):
        value = value.strip().upper()
        if not DIVISION_RE.match(value):
            return queryset.none()
        # The 大类 itself or any 中类/小类 under it (their codes extend the 大类 code).
        return queryset.filter(industry_q(value))

    def filter_industry_class(self, queryset, name, value):
        value = value.strip().upper()
        if not GROUP_OR_CLASS_RE.match(value):
            return queryset.none()
        return queryset.filter(industry_q(value))

    def filter_sei(self, queryset, name, value):
        value = value.strip()
        # The 2018 top-level class, or a 2021 class whose parent it is.
        classes = SEIClass.objects.filter(
            Q(edition=SEIEdition.SEI_2018, code=value) | Q(parent__edition=SEIEdition.SEI_2018, parent__code=value)
        )
        return queryset.filter(assessment__sei_class_id__in=classes.values("pk"))

    def filter_interested(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(assessment__market_interested__gt=0)
            if value
            else queryset.filter(assessment__market_interested=0)
        )
