"""The enterprise list's filters: one FilterSet for the page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import EnterpriseStatus
from .models import Enterprise


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称/信用代码/产品"))
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("审核状态"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业代码"))

    class Meta:
        model = Enterprise
        fields = ["q", "status", "industry"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(credit_code=value.upper()) | Q(products__icontains=value))

    def filter_industry(self, qs, name, value):
        code = value.strip().upper()
        if not code:
            return qs
        return qs.filter(Q(main_industry__code__startswith=code) | Q(industries__code__startswith=code)).distinct()
