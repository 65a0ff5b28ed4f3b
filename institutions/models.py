"""Universities, research institutes and hospitals; their branches and colleges; the people and their roles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import (
    INSTITUTION_ROLES,
    Authority,
    InstitutionKind,
    IPStatus,
    OrgUnitKind,
    Role,
)


class Institution(models.Model):
    """An inventorying institution: a university, research institute or hospital."""

    name = models.CharField(_("名称"), max_length=128, unique=True)
    kind = models.CharField(_("类型"), max_length=24, choices=InstitutionKind.choices)
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, verbose_name=_("省份"))
    authority = models.CharField(_("主管部门"), max_length=8, choices=Authority.choices, db_index=True)
    ip_status = models.CharField(
        _("知识产权示范/试点"), max_length=16, choices=IPStatus.choices, default=IPStatus.NONE, db_index=True
    )
    valid_stock = models.PositiveIntegerField(
        _("有效存量专利数"),
        null=True,
        blank=True,
        help_text=_("盘点范围内的有效专利总数（覆盖率的分母）；为空时以已入库有效专利数计"),
    )

    class Meta:
        ordering = ["province__code", "name"]
        verbose_name = _("高校/科研机构")
        verbose_name_plural = _("高校/科研机构")

    def __str__(self):
        return self.name


class OrgUnit(models.Model):
    """A branch campus or a college of an institution; a college may sit under a branch."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="org_units")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField(_("类型"), max_length=8, choices=OrgUnitKind.choices, default=OrgUnitKind.COLLEGE)
    name = models.CharField(_("名称"), max_length=128)

    class Meta:
        ordering = ["institution", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="orgunit_institution_name_unique")]
        verbose_name = _("学院/分校")
        verbose_name_plural = _("学院/分校")

    def __str__(self):
        return f"{self.institution.name} {self.name}"


class User(AbstractUser):
    """A person with exactly one role, tied to the organisation that role needs."""

    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, db_index=True)
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    province = models.ForeignKey(
        "reference.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="bureau_users"
    )
    authority = models.CharField(_("主管部门"), max_length=8, choices=Authority.choices, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    # National admins run the platform from the Django admin: their role grants every model permission there.
    def has_perm(self, perm, obj=None):
        if self.is_active and self.is_staff and self.role == Role.NATIONAL_ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.is_staff and self.role == Role.NATIONAL_ADMIN:
            return True
        return super().has_module_perms(app_label)

    def clean(self):
        super().clean()
        errors = {}
        if self.role in INSTITUTION_ROLES and not self.institution_id:
            errors["institution"] = _("该角色必须属于一个高校/科研机构")
        if self.role == Role.COLLEGE_ADMIN and not self.org_unit_id:
            errors["org_unit"] = _("学院管理员必须属于一个学院")
        if self.org_unit_id and self.org_unit.institution_id != self.institution_id:
            errors["org_unit"] = _("学院不属于该单位")
        if self.role == Role.ENTERPRISE and not self.enterprise_id:
            errors["enterprise"] = _("企业用户必须属于一个企业")
        if self.role == Role.PROVINCIAL_BUREAU and not self.province_id:
            errors["province"] = _("省级知识产权局用户必须指定省份")
        if self.role == Role.MINISTRY and not self.authority:
            errors["authority"] = _("主管部委用户必须指定主管部门")
        if errors:
            raise ValidationError(errors)
