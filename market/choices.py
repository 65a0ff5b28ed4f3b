"""Vocabularies of market evaluation (他评) and the expert library."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImprovementNeed(models.TextChoices):
    """What an enterprise would need improved before it could use the patent."""

    PERFORMANCE = "performance", _("性能指标提升")
    COST = "cost", _("降低成本")
    PROCESS = "process", _("工艺放大/量产工艺")
    RELIABILITY = "reliability", _("可靠性与稳定性")
    STANDARDS = "standards", _("标准与认证")
    INTEGRATION = "integration", _("与现有产品集成")
    OTHER = "other", _("其他")


class Cooperation(models.TextChoices):
    """Willingness to cooperate with the institution (产学研合作意愿)."""

    ACQUIRE = "acquire", _("受让")
    LICENSE = "license", _("许可")
    JOINT_RD = "joint_rd", _("联合研发")
    COMMISSIONED = "commissioned", _("委托开发")
    NONE = "none", _("暂无")


class LowRatingReason(models.TextChoices):
    """Why the rating is low; required for one or two stars (market feedback the institution reads)."""

    TOO_EARLY = "too_early", _("技术阶段过早")
    BENEFIT_UNCLEAR = "benefit_unclear", _("效益不明确")
    NO_ROUTE = "no_route", _("无商业化路径")
    OUTSIDE_FIELD = "outside_field", _("不属于本企业领域")
    PRICE = "price", _("价格过高")
    OTHER = "other", _("其他")


class InstitutionAnswer(models.TextChoices):
    """The institution's answer to a rating."""

    ACCEPT_CONTACT = "accept_contact", _("同意对接")
    JOINT_RD = "joint_rd", _("提议联合研发")
    DECLINE = "decline", _("婉拒")


class ExpertStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("已推荐")
    ACTIVE = "active", _("已入库")
    RETIRED = "retired", _("已退出")


class CommissionState(models.TextChoices):
    PENDING = "pending", _("待专家接受")
    ACCEPTED = "accepted", _("评价中")
    DECLINED = "declined", _("专家已拒绝")
    SUBMITTED = "submitted", _("已提交评价")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("校验未通过")
    ERROR = "error", _("处理出错")


FINAL_IMPORT_STATES = {ImportState.SUCCEEDED, ImportState.FAILED, ImportState.ERROR}
