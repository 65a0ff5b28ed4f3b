"""The push list's filters: one FilterSet for the inbox, the institution's and bureau's pages, and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import DeclineReason, PushStatus
from .models import Push


class PushFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("专利名称/申请号/企业"))
    status = django_filters.ChoiceFilter(choices=PushStatus.choices, label=_("状态"))
    decline_reason = django_filters.ChoiceFilter(choices=DeclineReason.choices, label=_("不感兴趣的原因"))
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("匹配分≥"))
    patent = django_filters.NumberFilter(field_name="patent_id", label=_("专利"))
    institution = django_filters.NumberFilter(field_name="patent__institution_id", label=_("单位"))

    class Meta:
        model = Push
        fields = ["q", "status", "decline_reason", "min_score", "patent", "institution"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(patent__title__icontains=value)
            | Q(patent__application_number__startswith=value.replace(".", "")[:12])
            | Q(enterprise__name__icontains=value)
        )
