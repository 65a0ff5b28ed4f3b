"""Vocabularies of matching and push."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PushStatus(models.TextChoices):
    """Where a pushed patent is in the enterprise's inbox."""

    NEW = "new", _("新推送")
    VIEWED = "viewed", _("已查看")
    INTERESTED = "interested", _("感兴趣")
    DECLINED = "declined", _("不感兴趣")


class DeclineReason(models.TextChoices):
    """Why an enterprise declines a pushed patent: market feedback the institution sees."""

    TOO_EARLY = "too_early", _("技术阶段过早")
    BENEFIT_UNCLEAR = "benefit_unclear", _("效益不明确")
    NO_COMMERCIAL_ROUTE = "no_route", _("缺乏商业化路径")
    OUTSIDE_FIELD = "outside_field", _("不属于本企业领域")
    PRICE = "price", _("价格因素")
    OTHER = "other", _("其他")


class ClassSource(models.TextChoices):
    DECLARED = "declared", _("自评申报")
    DERIVED = "derived", _("自动分类")
    BOTH = "both", _("申报并细化")


class RunKind(models.TextChoices):
    FULL = "full", _("全量匹配")
    INCREMENTAL = "incremental", _("增量匹配")


class RunState(models.TextChoices):
    CLASSIFYING = "classifying", _("分类中")
    MATCHING = "matching", _("匹配中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
