from django.contrib import admin

from .models import MatchRun, Push


@admin.register(Push)
class PushAdmin(admin.ModelAdmin):
    list_display = ("patent", "enterprise", "score", "status", "decline_reason", "created_at")
    list_filter = ("status", "decline_reason")
    raw_id_fields = ("patent", "enterprise", "run")


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "state",
        "classify_done",
        "classify_total",
        "chunks_done",
        "chunks_total",
        "pushes_created",
        "started_at",
        "finished_at",
    )
