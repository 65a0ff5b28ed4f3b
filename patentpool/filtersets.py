"""The one FilterSet of the base library, serving the HTML list and the API alike."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.choices import ReviewState

from .appno import ApplicationNumber
from .choices import LegalStatus, PatentType
from .models import Patent


class PatentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("申请号/名称/发明人"))
    patent_type = django_filters.ChoiceFilter(choices=PatentType.choices, label=_("专利类型"))
    legal_status = django_filters.ChoiceFilter(choices=LegalStatus.choices, label=_("法律状态"))
    grant_year = django_filters.NumberFilter(field_name="grant_date", lookup_expr="year", label=_("授权年份"))
    fiscally_funded = django_filters.BooleanFilter(label=_("财政资助"))
    review_state = django_filters.ChoiceFilter(
        field_name="assessment__review_state", choices=ReviewState.choices, label=_("审核状态")
    )
    org_unit = django_filters.NumberFilter(field_name="org_unit_id", label=_("学院"))
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("单位"))
    ipc = django_filters.CharFilter(field_name="ipc_subclass", lookup_expr="istartswith", label=_("IPC"))

    class Meta:
        model = Patent
        fields = ["q", "patent_type", "legal_status", "grant_year", "fiscally_funded", "review_state", "org_unit"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if ApplicationNumber.is_valid(value):
            return queryset.filter(application_number=str(ApplicationNumber.parse(value)))
        return queryset.filter(
            Q(application_number__startswith=value.upper()) | Q(title__icontains=value) | Q(inventors__icontains=value)
        )
