"""The FilterSets of the two libraries, each serving the HTML list and the API alike."""

import math
import re

import django_filters
import django_filters.constants
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from common.search import search_filter
from evaluations.choices import MATURITY_STAGES, IntentLevel1, PriceBand, ReviewState, ValueStars, maturity_values
from evaluations.models import ConversionIntent
from patentpool.choices import LegalStatus, PatentType
from patentpool.models import Patent
from reference.appno import ApplicationNumber
from reference.choices import SEIEdition
from reference.models import IndustryCode, SEIClass

from .rules import idle_fiscal_patents, is_truthy

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
    ordering = django_filters.OrderingFilter(
        fields=(
            ("application_number", "application_number"),
            ("title", "title"),
            ("grant_date", "grant_date"),
            ("years_maintained", "years_maintained"),
            ("assessment__review_state", "review_state"),
            ("assessment__value_stars", "stars"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = Patent
        fields = []

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
        if ApplicationNumber.is_valid(value):
            return queryset.filter(application_number=str(ApplicationNumber.parse(value)))
        return queryset.filter(
            Q(application_number__startswith=value.upper()) | Q(title__icontains=value) | Q(inventors__icontains=value)
        )

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
        if len(value) == 1:
            return queryset.filter(assessment__industry__section=value)
        return queryset.filter(assessment__industry__code__startswith=value)

    def filter_fiscal_idle(self, queryset, name, value):

        return idle_fiscal_patents(queryset) if is_truthy(value) else queryset


# -- the FilterSet -------------------------------------------------------------------------------------------------

SECTION_RE = re.compile(r"^[A-T]$")
DIVISION_RE = re.compile(r"^[A-T]\d{2}$")


class ResourceFilterSet(PatentFilterSet):
    """Filters of the resource library: the base library's filters plus its classifications."""

    q = django_filters.CharFilter(method="chinese_search", label=_("关键词（名称/产品/前景）"))
    section = django_filters.CharFilter(method="filter_section", label=_("门类"))
    division = django_filters.CharFilter(method="filter_division", label=_("大类"))
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

    class Meta(PatentFilterSet.Meta):
        fields = PatentFilterSet.Meta.fields + [
            "section",
            "division",
            "maturity",
            "stars",
            "sei",
            "province",
            "institution",
            "intent",
            "price_band",
            "fiscal_idle",
        ]

    def chinese_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        if ApplicationNumber.is_valid(value):
            return queryset.filter(application_number=str(ApplicationNumber.parse(value)))
        return search_filter(
            queryset,
            value,
            prefix="assessment__",
            fields=("title", "assessment__products_advantages", "assessment__prospect"),
        )

    def filter_section(self, queryset, name, value):
        value = value.strip().upper()
        if not SECTION_RE.match(value):
            return queryset.none()
        return queryset.filter(assessment__industry__section=value)

    def filter_division(self, queryset, name, value):
        value = value.strip().upper()
        if not DIVISION_RE.match(value):
            return queryset.none()
        # The 大类 itself or any 中类/小类 under it (their codes extend the 大类 code).
        return queryset.filter(
            assessment__industry_id__in=IndustryCode.objects.filter(code__startswith=value).values("pk")
        )

    def filter_sei(self, queryset, name, value):
        value = value.strip()
        # The 2018 top-level class, or a 2021 class whose parent it is.
        classes = SEIClass.objects.filter(
            Q(edition=SEIEdition.SEI_2018, code=value) | Q(parent__edition=SEIEdition.SEI_2018, parent__code=value)
        )
        return queryset.filter(assessment__sei_class_id__in=classes.values("pk"))
