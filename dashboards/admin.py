from django.contrib import admin

from .models import Milestone


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    """National admins edit the plan's dates and targets here; progress figures read them."""

    list_display = ("due_date", "title", "metric", "scope", "province", "target_share", "target_count")
    list_filter = ("metric", "scope")
    list_editable = ("target_share", "target_count")
