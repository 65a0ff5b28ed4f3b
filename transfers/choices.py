"""Vocabularies of deals, their payments, CNIPA recording, decision dossier, open licences and promotion tiers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DealKind(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    ORDINARY_LICENCE = "ordinary_licence", _("普通许可")
    SOLE_LICENCE = "sole_licence", _("排他许可")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("独占许可")
    OPEN_LICENCE = "open_licence", _("开放许可")
    EQUITY = "equity", _("作价入股")
    PATENT_POOL = "patent_pool", _("专利池")


LICENCE_KINDS = {DealKind.ORDINARY_LICENCE, DealKind.SOLE_LICENCE, DealKind.EXCLUSIVE_LICENCE, DealKind.OPEN_LICENCE}
# Licences that keep other licensees out; none may be granted while an open-licence declaration stands.
EXCLUSIVE_KINDS = {DealKind.SOLE_LICENCE, DealKind.EXCLUSIVE_LICENCE}
# Deals that move the patent right itself away from the institution: it leaves the convertible stock.
TRANSFER_KINDS = {DealKind.TRANSFER, DealKind.EQUITY}


class RecordingKind(models.TextChoices):
    """What is recorded with CNIPA: a transfer (or equity contribution) is registered, a licence contract recorded."""

    TRANSFER_REGISTRATION = "transfer_registration", _("转让登记")
    LICENCE_RECORDING = "licence_recording", _("许可合同备案")


def recording_kind_for(kind: str) -> str:
    return RecordingKind.TRANSFER_REGISTRATION if kind in TRANSFER_KINDS else RecordingKind.LICENCE_RECORDING


class RecordingStatus(models.TextChoices):
    NONE = "none", _("未申请")
    PENDING = "pending", _("待登记/备案")
    RECORDED = "recorded", _("已登记/备案")
    CHANGED = "changed", _("已变更")
    CANCELLED = "cancelled", _("已注销")


# The statuses whose recording date counts in the quarterly figures (a cancelled recording no longer counts).
COUNTED_RECORDING_STATUSES = (RecordingStatus.RECORDED, RecordingStatus.CHANGED)


class DealStatus(models.TextChoices):
    IN_FORCE = "in_force", _("履行中")
    ENDED = "ended", _("已终止")


class PaymentMethod(models.TextChoices):
    LUMP_SUM = "lump_sum", _("一次性支付")
    INSTALMENTS = "instalments", _("分期支付")
    ENTRY_FEE_ROYALTY = "entry_fee_royalty", _("入门费+提成")
    MILESTONES = "milestones", _("里程碑支付")
    NONE = "none", _("无现金对价")


class DueKind(models.TextChoices):
    LUMP_SUM = "lump_sum", _("一次性价款")
    INSTALMENT = "instalment", _("分期款")
    ENTRY_FEE = "entry_fee", _("入门费")
    ROYALTY = "royalty", _("提成费")
    MILESTONE = "milestone", _("里程碑款")
    OPEN_LICENCE_FEE = "open_licence_fee", _("开放许可使用费")


class DueStatus(models.TextChoices):
    """Derived from the amounts and the date (never stored): see PaymentDue.status."""

    DUE = "due", _("未到期")
    PARTLY_PAID = "partly_paid", _("部分支付")
    PAID = "paid", _("已支付")
    OVERDUE = "overdue", _("已逾期")


class PricingMethod(models.TextChoices):
    AGREEMENT = "agreement", _("协议定价")
    LISTING = "listing", _("挂牌交易")
    AUCTION = "auction", _("拍卖")


class ReformVariant(models.TextChoices):
    """The ownership-reform pilots a deal may follow."""

    NONE = "", _("无")
    INVENTOR_OWNERSHIP = "inventor_ownership", _("赋予科研人员职务科技成果所有权")
    LONG_TERM_USE = "long_term_use", _("赋予科研人员长期使用权")
    EQUITY_WARRANT = "equity_warrant", _("科技成果+认股权")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("不同意")
    CONDITIONAL = "conditional", _("有条件同意")


class SalesBand(models.TextChoices):
    UNDER_1M = "lt100", _("100万元以下")
    B1_5M = "100-500", _("100–500万元")
    B5_10M = "500-1000", _("500–1000万元")
    B10_100M = "1000-10000", _("1000万–1亿元")
    OVER_100M = "gt10000", _("1亿元以上")


class OpenLicenceFeeMethod(models.TextChoices):
    FIXED = "fixed", _("固定费用")
    ROYALTY = "royalty", _("按比例提成")


class OpenLicenceStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    WITHDRAWN = "withdrawn", _("已撤回")


class PromotionTier(models.TextChoices):
    FINANCING = "financing", _("投融资（质押、保险）候选")
    PATENT_POOL = "patent_pool", _("专利池候选")
    OPEN_LICENCE = "open_licence", _("开放许可候选")
