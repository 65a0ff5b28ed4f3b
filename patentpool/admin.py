from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import IndustryCode, IPCCode, IPCIndustryConcordance, Patent, Province, SEIClass


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name")


@admin.register(IndustryCode)
class IndustryCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "name")
    list_filter = ("level", "section")
    search_fields = ("code", "name")


@admin.register(IPCCode)
class IPCCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "title_zh", "title_en")
    list_filter = ("level",)
    search_fields = ("code", "title_en", "title_zh")


@admin.register(SEIClass)
class SEIClassAdmin(admin.ModelAdmin):
    list_display = ("edition", "code", "name", "parent")
    list_filter = ("edition",)


@admin.register(Patent)
class PatentAdmin(SimpleHistoryAdmin):
    list_display = ("application_number", "title", "patent_type", "institution", "org_unit", "legal_status")
    list_filter = ("patent_type", "legal_status", "fiscally_funded")
    search_fields = ("application_number", "title", "inventors")
    raw_id_fields = ("institution", "org_unit", "inventor_accounts")
    list_select_related = ("institution", "org_unit")


@admin.register(IPCIndustryConcordance)
class IPCIndustryConcordanceAdmin(admin.ModelAdmin):
    list_display = ("ipc_prefix", "industry", "edition")
    search_fields = ("ipc_prefix", "industry__code", "industry__name")
