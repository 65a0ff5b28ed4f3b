from django.contrib import admin

from .models import IndustryCode, IPCCode, IPCIndustryConcordance, Province, SEIClass


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


@admin.register(IPCIndustryConcordance)
class IPCIndustryConcordanceAdmin(admin.ModelAdmin):
    list_display = ("ipc_prefix", "industry", "edition")
    search_fields = ("ipc_prefix", "industry__code", "industry__name")
