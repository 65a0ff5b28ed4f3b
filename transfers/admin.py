from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Deal


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    list_display = ("patent", "kind", "counterparty", "amount_wan", "contract_date", "institution")
    list_filter = ("kind",)
    raw_id_fields = ("patent", "institution", "enterprise")
