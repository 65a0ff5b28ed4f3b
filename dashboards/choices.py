"""Vocabularies of milestones."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MilestoneMetric(models.TextChoices):
    """What a milestone measures."""

    CONTACTS_REPORTED = "contacts_reported", _("报送联络员")
    PROVINCIAL_PLAN = "provincial_plan", _("省级方案报备")
    PILOT_INSTITUTIONS = "pilot_institutions", _("试点单位完成盘点")
    INVENTORY_COVERAGE = "inventory_coverage", _("盘点覆盖率")
    EXPERT_LIBRARY = "expert_library", _("专家库建成")
    ENTERPRISE_RATING_COVERAGE = "enterprise_rating_coverage", _("企业评价覆盖率")
    PROMOTION_LAUNCHED = "promotion_launched", _("启动线上线下推广")
    DEALS = "deals", _("转化交易数")
    IMPLEMENTATION_RATE = "implementation_rate", _("实施率")
    TECH_CONTRACT_AMOUNT = "tech_contract_amount", _("涉及专利的技术合同金额")


class MilestoneScope(models.TextChoices):
    """Whom a milestone applies to."""

    IP_DEMO_AND_PILOT = "ip_demo_pilot", _("国家知识产权示范和试点高校")
    IP_DEMONSTRATION = "ip_demonstration", _("国家知识产权示范高校")
    OTHER_INSTITUTIONS = "other_institutions", _("其他高校和科研机构")
    ALL_INSTITUTIONS = "all_institutions", _("全部高校和科研机构")
    PROVINCE = "province", _("省份")
    NATIONAL = "national", _("全国")


class SnapshotLevel(models.TextChoices):
    """Whose figures a quarter snapshot row holds."""

    NATIONAL = "national", _("全国")
    PROVINCE = "province", _("省份")
    MINISTRY = "ministry", _("主管部门")
    INSTITUTION = "institution", _("单位")
    COLLEGE = "college", _("学院")


class SnapshotRunState(models.TextChoices):
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")


class MilestoneStatus(models.TextChoices):
    """Where a scope stands against one milestone."""

    MET = "met", _("已达成")
    ON_TRACK = "on_track", _("按进度")
    BEHIND = "behind", _("落后")
    OVERDUE = "overdue", _("已逾期")
    NOT_MEASURABLE = "not_measurable", _("无量化目标")
    NO_DATA = "no_data", _("暂无数据")
