from django.contrib import admin

from .models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "province", "city", "is_high_tech", "is_specialized_sme", "is_soe")
    list_filter = ("province", "is_ip_advantage", "is_specialized_sme", "is_high_tech", "is_soe", "is_central_soe")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("industries",)
