"""The deal list's filters: one FilterSet serves the HTML list and the API."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.appno import ApplicationNumber

from .choices import DealKind, DealStatus, PaymentMethod, RecordingStatus
from .models import Deal, PaymentDue


class DealFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("申请号/名称/受让方"))
    kind = django_filters.ChoiceFilter(choices=DealKind.choices, label=_("转化方式"))
    status = django_filters.ChoiceFilter(choices=DealStatus.choices, label=_("状态"))
    recording_status = django_filters.ChoiceFilter(choices=RecordingStatus.choices, label=_("登记/备案状态"))
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label=_("支付方式"))
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("单位"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业"))
    signed_from = django_filters.DateFilter(field_name="contract_date", lookup_expr="gte", label=_("签订日起"))
    signed_to = django_filters.DateFilter(field_name="contract_date", lookup_expr="lte", label=_("签订日止"))
    recorded_from = django_filters.DateFilter(field_name="registered_on", lookup_expr="gte", label=_("备案日起"))
    recorded_to = django_filters.DateFilter(field_name="registered_on", lookup_expr="lte", label=_("备案日止"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("有逾期款项"))
    closed = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull", exclude=True, label=_("已办结"))

    class Meta:
        model = Deal
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if ApplicationNumber.is_valid(value):
            number = str(ApplicationNumber.parse(value))
            return queryset.filter(
                Q(patent__application_number=number) | Q(bundle_patents__application_number=number)
            ).distinct()
        return queryset.filter(
            Q(patent__application_number__startswith=value.upper())
            | Q(patent__title__icontains=value)
            | Q(counterparty__icontains=value)
            | Q(registration_number__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = PaymentDue.objects.filter(due_date__lt=timezone.localdate()).filter(
            Q(amount_wan__isnull=False, paid_wan__lt=F("amount_wan")) | Q(amount_wan__isnull=True, paid_wan=0)
        )
        ids = late.values("deal_id")
        return queryset.filter(pk__in=ids, status=DealStatus.IN_FORCE) if value else queryset.exclude(pk__in=ids)
