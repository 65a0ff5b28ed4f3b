from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Commission, EvaluationImport, Expert, MarketEvaluation


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    list_display = ("name", "organisation", "title", "province", "status")
    list_filter = ("status", "province")
    search_fields = ("name", "organisation")
    filter_horizontal = ("industries",)
    raw_id_fields = ("user", "recommended_by", "approved_by")


@admin.register(MarketEvaluation)
class MarketEvaluationAdmin(SimpleHistoryAdmin):
    list_display = ("patent", "enterprise", "prospect_stars", "cooperation", "answer", "updated_at")
    list_filter = ("prospect_stars", "cooperation", "answer")
    raw_id_fields = ("patent", "enterprise", "commission", "submitted_by", "answered_by")


@admin.register(Commission)
class CommissionAdmin(SimpleHistoryAdmin):
    list_display = ("patent", "expert", "enterprise", "institution", "state", "created_at")
    list_filter = ("state",)
    raw_id_fields = ("patent", "expert", "enterprise", "institution", "created_by")


@admin.register(EvaluationImport)
class EvaluationImportAdmin(admin.ModelAdmin):
    list_display = ("pk", "original_name", "province", "state", "created_count", "updated_count", "error_count")
    list_filter = ("state",)
    raw_id_fields = ("uploaded_by",)
