"""Vocabularies of institutions, their units and their people."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    RESEARCH_INSTITUTE = "research_institute", _("科研机构")
    HOSPITAL = "hospital", _("医疗卫生机构")


class IPStatus(models.TextChoices):
    """National IP demonstration / pilot status: it decides which milestones apply (2024-06-30: 100% vs ≥30%)."""

    DEMONSTRATION = "demonstration", _("国家知识产权示范高校")
    PILOT = "pilot", _("国家知识产权试点高校")
    NONE = "none", _("无")


class Authority(models.TextChoices):
    """Competent authority (主管部门). LOCAL means a provincial or municipal government department."""

    MOE = "moe", _("教育部")
    MOST = "most", _("科技部")
    MIIT = "miit", _("工业和信息化部")
    MARA = "mara", _("农业农村部")
    NHC = "nhc", _("国家卫生健康委")
    SASAC = "sasac", _("国务院国资委")
    CAS = "cas", _("中国科学院")
    LOCAL = "local", _("地方主管部门")


class OrgUnitKind(models.TextChoices):
    BRANCH = "branch", _("分校")
    COLLEGE = "college", _("学院")


class Role(models.TextChoices):
    """A user's role; each role is tied to one kind of organisation (see User.clean)."""

    INVENTOR = "inventor", _("发明人")
    COLLEGE_ADMIN = "college_admin", _("学院管理员")
    INSTITUTION_ADMIN = "institution_admin", _("高校/院所管理员")
    ENTERPRISE = "enterprise", _("企业用户")
    EXPERT = "expert", _("评价专家")
    PROVINCIAL_BUREAU = "provincial_bureau", _("省级知识产权局")
    MINISTRY = "ministry", _("主管部委")
    NATIONAL_ADMIN = "national_admin", _("国家知识产权局管理员")


INSTITUTION_ROLES = {Role.INVENTOR, Role.COLLEGE_ADMIN, Role.INSTITUTION_ADMIN}
