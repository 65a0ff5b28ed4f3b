from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Patent


@admin.register(Patent)
class PatentAdmin(SimpleHistoryAdmin):
    list_display = ("application_number", "title", "patent_type", "institution", "org_unit", "legal_status")
    list_filter = ("patent_type", "legal_status", "fiscally_funded")
    search_fields = ("application_number", "title", "inventors")
    raw_id_fields = ("institution", "org_unit", "inventor_accounts")
    list_select_related = ("institution", "org_unit")
