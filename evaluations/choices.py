"""Vocabularies of the national self-assessment format (自评). Labels are the national workbook's own wording."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewState(models.TextChoices):
    """Where a self-assessment is in the review chain: inventor → college admin → institution admin → library."""

    DRAFT = "draft", _("待填写")
    SUBMITTED = "submitted", _("待学院审核")
    COLLEGE_APPROVED = "college_approved", _("待单位审核")
    APPROVED = "approved", _("已入转化资源库")
    RETURNED = "returned", _("已退回")


class ImplementationLevel1(models.TextChoices):
    """一级实施状态 (column L)."""

    NOT_IMPLEMENTED = "not_implemented", _("尚未实施")
    LICENSED = "licensed", _("已许可")
    TRANSFERRED = "transferred", _("已转让")
    SELF_INDUSTRIALIZED = "self_industrialized", _("已自行产业化")
    EVALUATION_REPORT = "evaluation_report", _("实用新型专利、外观设计专利已有专利权评价报告")
    TO_ABANDON = "to_abandon", _("即将放弃专利权")
    OWNERSHIP_DISPUTE = "ownership_dispute", _("涉及权属纠纷")
    UNSUITABLE = "unsuitable", _("其他不适宜转化的情况")
    CUSTOM = "custom", _("自定义")


class ImplementationLevel2(models.TextChoices):
    """二级状态描述 (column M); which ones belong to which level 1 is IMPLEMENTATION_LEVEL2_BY_LEVEL1."""

    OPEN_LICENCE_SIGNED = "open_licence_signed", _("已签订开放许可合同")
    ORDINARY_LICENCE_SIGNED = "ordinary_licence_signed", _("已签订普通许可合同")
    SOLE_LICENCE_SIGNED = "sole_licence_signed", _("已签订排他许可合同")
    EXCLUSIVE_LICENCE_SIGNED = "exclusive_licence_signed", _("已签订独占许可合同")
    OPEN_LICENCE_PLANNED = "open_licence_planned", _("已列入开放许可计划")
    ORDINARY_LICENCE_PLANNED = "ordinary_licence_planned", _("已列入普通许可计划")
    SOLE_LICENCE_PLANNED = "sole_licence_planned", _("已列入排他许可计划")
    EXCLUSIVE_LICENCE_PLANNED = "exclusive_licence_planned", _("已列入独占许可计划")
    LICENSEE_INDUSTRIALIZED = "licensee_industrialized", _("已由被许可人实现产业化")
    PARTNER_INDUSTRIALIZED = "partner_industrialized", _("已通过技术服务合同或技术开发合同约定由合作企业实现产业化")
    PATENT_POOL = "patent_pool", _("已参与专利池运营")
    TRANSFER_SIGNED = "transfer_signed", _("已签订转让合同")
    EQUITY = "equity", _("已作价入股")
    TRANSFER_PLANNED = "transfer_planned", _("已列入转让计划")
    CUSTOM = "custom", _("自定义")


_L1, _L2 = ImplementationLevel1, ImplementationLevel2
IMPLEMENTATION_LEVEL2_BY_LEVEL1 = {
    _L1.NOT_IMPLEMENTED: [],
    _L1.LICENSED: [
        _L2.OPEN_LICENCE_SIGNED,
        _L2.ORDINARY_LICENCE_SIGNED,
        _L2.SOLE_LICENCE_SIGNED,
        _L2.EXCLUSIVE_LICENCE_SIGNED,
        _L2.OPEN_LICENCE_PLANNED,
        _L2.ORDINARY_LICENCE_PLANNED,
        _L2.SOLE_LICENCE_PLANNED,
        _L2.EXCLUSIVE_LICENCE_PLANNED,
        _L2.LICENSEE_INDUSTRIALIZED,
        _L2.PARTNER_INDUSTRIALIZED,
        _L2.PATENT_POOL,
        _L2.CUSTOM,
    ],
    _L1.TRANSFERRED: [_L2.TRANSFER_SIGNED, _L2.EQUITY, _L2.TRANSFER_PLANNED, _L2.CUSTOM],
    _L1.SELF_INDUSTRIALIZED: [_L2.CUSTOM],
    _L1.EVALUATION_REPORT: [],
    _L1.TO_ABANDON: [_L2.CUSTOM],
    _L1.OWNERSHIP_DISPUTE: [_L2.CUSTOM],
    _L1.UNSUITABLE: [_L2.CUSTOM],
    _L1.CUSTOM: [],
}
# These states excuse a patent from the intent, maturity, value and scenario columns (P onwards).
SKIP_REST_STATES = {_L1.TO_ABANDON, _L1.OWNERSHIP_DISPUTE, _L1.UNSUITABLE}
# Column N holds an amount (万元) for these level-1 states …
AMOUNT_STATES = {_L1.LICENSED, _L1.TRANSFERRED, _L1.SELF_INDUSTRIALIZED}
# … except these level-2 states, where it holds a product name; the evaluation-report state holds the result.
PRODUCT_NAME_STATES = {_L2.LICENSEE_INDUSTRIALIZED, _L2.PARTNER_INDUSTRIALIZED}


class IntentLevel1(models.TextChoices):
    """转化意愿（一级） (column P)."""

    LICENSE = "license", _("拟许可")
    TRANSFER = "transfer", _("拟转让")
    SELF_APPLY = "self_apply", _("拟自行应用或产业化")


class IntentLevel2(models.TextChoices):
    """转化意愿（二级） (column Q)."""

    OPEN_LICENCE = "open_licence", _("拟开放许可")
    ORDINARY_LICENCE = "ordinary_licence", _("拟普通许可")
    SOLE_LICENCE = "sole_licence", _("拟排他许可")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("拟独占许可")
    PATENT_POOL = "patent_pool", _("拟参与专利池运营")
    TRANSFER = "transfer", _("拟转让")
    EQUITY = "equity", _("拟作价入股")
    CUSTOM = "custom", _("自定义")


_I1, _I2 = IntentLevel1, IntentLevel2
INTENT_LEVEL2_BY_LEVEL1 = {
    _I1.LICENSE: [
        _I2.OPEN_LICENCE,
        _I2.ORDINARY_LICENCE,
        _I2.SOLE_LICENCE,
        _I2.EXCLUSIVE_LICENCE,
        _I2.PATENT_POOL,
        _I2.CUSTOM,
    ],
    _I1.TRANSFER: [_I2.TRANSFER, _I2.EQUITY, _I2.CUSTOM],
    _I1.SELF_APPLY: [_I2.CUSTOM],
}


class Maturity(models.TextChoices):
    """技术成熟度 (column X): the current 4-step list, plus the older 6-step list the workbook also carries."""

    SAMPLE = "sample", _("样品、实验阶段")
    TRIAL_PRODUCTION = "trial_production", _("试生产、应用开发阶段")
    SMALL_BATCH = "small_batch", _("小批量生产、工程应用阶段")
    MASS_PRODUCTION = "mass_production", _("批量生产、成熟应用阶段")
    LEGACY_CONCEPT = "legacy_concept", _("技术构思")
    LEGACY_RESEARCH = "legacy_research", _("正在研发")
    LEGACY_SAMPLE = "legacy_sample", _("已有样品")
    LEGACY_LAB_TESTED = "legacy_lab_tested", _("通过小试")
    LEGACY_PILOT_TESTED = "legacy_pilot_tested", _("通过中试")
    LEGACY_PRODUCIBLE = "legacy_producible", _("可以量产")


# The 4-step stage each maturity value counts under when the resource library is classified.
MATURITY_STAGE = {
    Maturity.SAMPLE: Maturity.SAMPLE,
    Maturity.TRIAL_PRODUCTION: Maturity.TRIAL_PRODUCTION,
    Maturity.SMALL_BATCH: Maturity.SMALL_BATCH,
    Maturity.MASS_PRODUCTION: Maturity.MASS_PRODUCTION,
    Maturity.LEGACY_CONCEPT: Maturity.SAMPLE,
    Maturity.LEGACY_RESEARCH: Maturity.SAMPLE,
    Maturity.LEGACY_SAMPLE: Maturity.SAMPLE,
    Maturity.LEGACY_LAB_TESTED: Maturity.TRIAL_PRODUCTION,
    Maturity.LEGACY_PILOT_TESTED: Maturity.SMALL_BATCH,
    Maturity.LEGACY_PRODUCIBLE: Maturity.MASS_PRODUCTION,
}
# The current 4-step list, in order: the stages everything is classified and offered under.
MATURITY_STAGES = tuple(m for m in Maturity if MATURITY_STAGE[m] == m)


def maturity_values(stage: str) -> list[str]:
    """Every stored maturity value that counts under a 4-step stage (the old 6-step values included)."""
    return [value for value, mapped in MATURITY_STAGE.items() if mapped == stage]


class ValueStars(models.IntegerChoices):
    """专利价值分级自评 (column Y). One or two stars may leave the scenario columns blank."""

    FIVE = 5, _("五星")
    FOUR = 4, _("四星")
    THREE = 3, _("三星")
    TWO = 2, _("二星")
    ONE = 1, _("一星")


class PriceBand(models.TextChoices):
    """意向价格 (column U)."""

    NEGOTIABLE = "negotiable", _("具体面议")
    B0_10 = "0-10", _("0-10万")
    B10_20 = "10-20", _("10-20万")
    B20_30 = "20-30", _("20-30万")
    B30_40 = "30-40", _("30-40万")
    B40_50 = "40-50", _("40-50万")
    B50_60 = "50-60", _("50-60万")
    B60_70 = "60-70", _("60-70万")
    B70_80 = "70-80", _("70-80万")
    B80_90 = "80-90", _("80-90万")
    B90_100 = "90-100", _("90-100万")
    OVER_100 = "100+", _("100万以上")
