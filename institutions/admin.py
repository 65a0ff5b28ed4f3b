from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Institution, OrgUnit, User


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "province", "authority", "ip_status", "valid_stock")
    list_filter = ("kind", "authority", "ip_status", "province")
    search_fields = ("name",)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "institution", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "institution__name")
    raw_id_fields = ("institution", "parent")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "institution", "org_unit", "enterprise", "province")
    list_filter = ("role", "is_staff")
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("角色与组织"),
            {"fields": ("role", "display_name", "institution", "org_unit", "enterprise", "province", "authority")},
        ),
    )
    raw_id_fields = ("institution", "org_unit", "enterprise")
