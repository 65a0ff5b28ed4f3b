from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ConversionIntent, ImplementationStatus, SelfAssessment


class ImplementationStatusInline(admin.TabularInline):
    model = ImplementationStatus
    extra = 0


class ConversionIntentInline(admin.TabularInline):
    model = ConversionIntent
    extra = 0


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(SimpleHistoryAdmin):
    list_display = ("patent", "review_state", "maturity", "value_stars", "price_band")
    list_filter = ("review_state", "maturity", "value_stars")
    search_fields = ("patent__application_number", "patent__title")
    raw_id_fields = ("patent", "assessed_by", "industry", "sei_class")
    inlines = [ImplementationStatusInline, ConversionIntentInline]
