"""Self-assessments (自评) in the national format and their review."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    ImplementationLevel1,
    ImplementationLevel2,
    IntentLevel1,
    IntentLevel2,
    Maturity,
    PriceBand,
    ReviewState,
    ValueStars,
)


class SelfAssessment(models.Model):
    """An institution's self-assessment of one patent; once approved the patent is in the conversion resource library.

    Multi-valued parts of the national format (implementation states, conversion intents) are child rows.
    """

    patent = models.OneToOneField("patentpool.Patent", on_delete=models.CASCADE, related_name="assessment")
    review_state = models.CharField(
        _("审核状态"), max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    # False when an implementation state rules conversion out (about to be abandoned, disputed, unsuitable): such a
    # patent is inventoried but never shown in the conversion resource library.
    convertible = models.BooleanField(_("可转化"), default=True)
    # R–W of the patent's first intent (of its first row when it has none): a copy the library's list, filters and
    # facets read from the one assessment row per patent; every write path keeps it equal to ConversionIntent's.
    fee_standard_wan = models.DecimalField(
        _("费用标准（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    intended_cities = models.CharField(_("意向合作城市"), max_length=500, blank=True)
    intended_enterprises = models.CharField(_("意向合作企业"), max_length=1000, blank=True)
    price_band = models.CharField(_("意向价格"), max_length=12, choices=PriceBand.choices, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系方式"), max_length=64, blank=True)
    maturity = models.CharField(_("技术成熟度"), max_length=24, choices=Maturity.choices, blank=True)
    value_stars = models.PositiveSmallIntegerField(
        _("专利价值分级自评"), choices=ValueStars.choices, null=True, blank=True, db_index=True
    )
    products_advantages = models.TextField(
        _("本专利对应产品、技术优势、性能指标"), blank=True, validators=[MaxLengthValidator(500)]
    )
    # The first code of column AA (the main industry); ``industries`` holds every code given, each at its own level.
    industry = models.ForeignKey(
        "reference.IndustryCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("国民经济行业分类"),
    )
    industries = models.ManyToManyField(
        "reference.IndustryCode", blank=True, related_name="assessments", verbose_name=_("国民经济行业分类（全部）")
    )
    prospect = models.TextField(_("产业化前景描述"), blank=True, validators=[MaxLengthValidator(500)])
    sei_class = models.ForeignKey(
        "reference.SEIClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("战新分类"),
    )
    # AA / AC filled by the platform (evaluations.suggest) because the institution left them blank: the library filters,
    # counts and matches by them, the national format reads them as blank. Cleared when the institution saves the form
    # or imports its own AA / AC.
    industries_suggested = models.BooleanField(_("行业分类为系统建议"), default=False, db_default=False)
    sei_suggested = models.BooleanField(_("战新分类为系统建议"), default=False, db_default=False)
    ipc_field = models.CharField(_("本专利所属技术领域（IPC）"), max_length=255, blank=True)
    # A patent bundle (组合专利, columns H–J) as the institution declared it on this patent's row.
    bundle_name = models.CharField(_("组合专利名称"), max_length=50, blank=True)
    bundle_numbers = models.CharField(_("组合专利信息"), max_length=200, blank=True)
    bundle_description = models.TextField(_("组合专利描述"), blank=True, validators=[MaxLengthValidator(500)])
    # Title, products/advantages and prospect as searchable tokens (CJK bigrams and lower-cased words), kept by every
    # write path through patentpool.search.search_tokens; PostgreSQL indexes it for full-text search.
    search_text = models.TextField(blank=True, editable=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    approved_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    # The market's view (他评) beside the self-rating, kept by market.services on every rating so that the library
    # sorts and filters on it without reading the ratings: how many ratings, their mean stars, how many enterprises
    # want to cooperate.
    market_rating_count = models.PositiveIntegerField(_("市场评价数"), default=0, db_default=0)
    market_stars = models.DecimalField(_("市场评价（平均星级）"), max_digits=3, decimal_places=2, null=True, blank=True)
    market_interested = models.PositiveIntegerField(_("有合作意向的企业数"), default=0, db_default=0)

    # Read by the assessment's id only; see Patent.history. The market figures are derived, not audited here.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_text", "market_rating_count", "market_stars", "market_interested"],
        no_db_index=["patent", "review_state", "maturity", "value_stars", "industry", "sei_class", "assessed_by"],
        user_db_constraint=False,
    )

    class Meta:
        # review_state is served by the composite's leading column; no LIKE runs on these codes, so plain B-trees
        # (db_index=True would add a second, varchar_pattern_ops copy that every import pays for).
        indexes = [
            models.Index(fields=["review_state", "industry"], name="assessment_state_industry_idx"),
            models.Index(fields=["maturity"], name="assessment_maturity_idx"),
        ]
        verbose_name = _("自评")
        verbose_name_plural = _("自评")

    def __str__(self):
        return f"{self.patent.application_number} {self.get_review_state_display()}"


class ReviewEvent(models.Model):
    """One step of the review chain (fill, submit, college approval, approval, return), with who, when and why."""

    class Action(models.TextChoices):
        FILL = "fill", _("填写")
        SUBMIT = "submit", _("提交审核")
        COLLEGE_APPROVE = "college_approve", _("学院审核通过")
        APPROVE = "approve", _("审核入库")
        RETURN = "return", _("退回")

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="review_events")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=ReviewState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=ReviewState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ImplementationStatus(models.Model):
    """One implementation state of a patent (columns L–O); a patent may have several, in order."""

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="implementation_states")
    position = models.PositiveSmallIntegerField(default=0)
    level1 = models.CharField(_("一级实施状态"), max_length=24, choices=ImplementationLevel1.choices)
    level2 = models.CharField(_("二级状态描述"), max_length=32, choices=ImplementationLevel2.choices, blank=True)
    custom_text = models.CharField(_("自定义描述"), max_length=255, blank=True)
    amount_wan = models.DecimalField(_("金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    evaluation_result = models.CharField(_("评价结果"), max_length=255, blank=True)
    product_name = models.CharField(_("产品名称"), max_length=255, blank=True)
    remark = models.CharField(_("备注"), max_length=500, blank=True)

    history = HistoricalRecords(no_db_index=["assessment"], user_db_constraint=False)

    class Meta:
        ordering = ["assessment", "position"]
        verbose_name = _("实施状态")
        verbose_name_plural = _("实施状态")

    def __str__(self):
        return f"{self.get_level1_display()} {self.get_level2_display() or self.custom_text}".strip()


class ConversionIntent(models.Model):
    """One conversion intent of a patent (columns P–W: the intent, its fee, cities, enterprises, price band and
    contact); a patent may have several, in order."""

    # Indexed by intent_assessment_level1_idx (assessment first), which also lets the library count intents from
    # the index alone.
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="intents", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    level1 = models.CharField(_("转化意愿（一级）"), max_length=16, choices=IntentLevel1.choices)
    level2 = models.CharField(_("转化意愿（二级）"), max_length=24, choices=IntentLevel2.choices, blank=True)
    custom_text = models.CharField(_("自定义描述"), max_length=255, blank=True)
    # Columns R–W: the merged header 转化意愿 spans P–W, so each intent carries its own terms and contact.
    fee_standard_wan = models.DecimalField(
        _("费用标准（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    intended_cities = models.CharField(_("意向合作城市"), max_length=500, blank=True, db_default="")
    intended_enterprises = models.CharField(_("意向合作企业"), max_length=1000, blank=True, db_default="")
    price_band = models.CharField(_("意向价格"), max_length=12, choices=PriceBand.choices, blank=True, db_default="")
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True, db_default="")
    contact_phone = models.CharField(_("联系方式"), max_length=64, blank=True, db_default="")

    history = HistoricalRecords(no_db_index=["assessment", "level1"], user_db_constraint=False)

    class Meta:
        ordering = ["assessment", "position"]
        indexes = [models.Index(fields=["assessment", "level1"], name="intent_assessment_level1_idx")]
        verbose_name = _("转化意愿")
        verbose_name_plural = _("转化意愿")

    def __str__(self):
        return f"{self.get_level1_display()} {self.get_level2_display() or self.custom_text}".strip()
