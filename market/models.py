"""The market side's view of library patents: enterprise ratings (他评), the expert library and expert commissions,
and the provinces' bulk return of ratings."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from evaluations.choices import PriceBand, ValueStars

from .choices import (
    CommissionState,
    Cooperation,
    ExpertStatus,
    ImportState,
    ImprovementNeed,
    InstitutionAnswer,
    LowRatingReason,
)


class Expert(models.Model):
    """A member of the patent evaluation expert library (专利评价专家库), organised by industry and technical field,
    recommended by an enterprise or a provincial bureau and approved by a provincial or national admin."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="expert_profile"
    )
    name = models.CharField(_("姓名"), max_length=64)
    organisation = models.CharField(_("工作单位"), max_length=128)
    title = models.CharField(_("职称/职务"), max_length=64, blank=True)
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, verbose_name=_("省份"))
    industries = models.ManyToManyField(
        "reference.IndustryCode", blank=True, related_name="experts", verbose_name=_("擅长行业")
    )
    # IPC subclasses or SEI 2021 codes, comma-separated (e.g. "H01M, 3.3"): the technical fields the expert rates.
    technical_fields = models.CharField(_("技术领域（IPC/战新）"), max_length=255, blank=True)
    contact = models.CharField(_("联系方式"), max_length=64, blank=True)
    recommended_by = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommended_experts",
        verbose_name=_("推荐企业"),
    )
    recommended_by_province = models.ForeignKey(
        "reference.Province",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("推荐省局"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("入库时间"), null=True, blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        db_table = "evaluations_expert"  # created by evaluations before the move; moved without copying
        ordering = ["name"]
        verbose_name = _("评价专家")
        verbose_name_plural = _("专家库")

    def __str__(self):
        return f"{self.name}（{self.organisation}）"


class Commission(models.Model):
    """An enterprise or an institution asks an expert to rate one patent; the expert accepts or declines, then
    submits a rating with a written opinion. A bundle is several commissions sharing ``batch``."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="commissions")
    patent = models.ForeignKey("patentpool.Patent", on_delete=models.CASCADE, related_name="expert_commissions")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="commissions"
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.CASCADE, related_name="commissions"
    )
    batch = models.CharField(max_length=32, blank=True, db_index=True)
    note = models.CharField(_("委托说明"), max_length=500, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=CommissionState.choices, default=CommissionState.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("委托时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, institution__isnull=True)
                | models.Q(enterprise__isnull=True, institution__isnull=False),
                name="commission_one_commissioner",
            )
        ]
        verbose_name = _("专家评价委托")
        verbose_name_plural = _("专家评价委托")

    def __str__(self):
        return f"{self.expert} ← {self.patent.application_number}"


class MarketEvaluation(models.Model):
    """A market-side rating (他评) of one library patent: by an enterprise (one per enterprise and patent, editable
    until the institution answers) or by an expert on a commission (with a written opinion)."""

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.CASCADE, related_name="market_evaluations")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="market_evaluations",
        verbose_name=_("评价企业"),
    )
    commission = models.OneToOneField(
        Commission, null=True, blank=True, on_delete=models.CASCADE, related_name="evaluation"
    )
    prospect_stars = models.PositiveSmallIntegerField(
        _("产业化前景"), choices=ValueStars.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    improvement_needs = models.JSONField(_("技术改进需求"), default=list, blank=True)
    improvement_text = models.TextField(_("改进需求说明"), blank=True, validators=[MaxLengthValidator(500)])
    cooperation = models.CharField(_("合作意愿"), max_length=16, choices=Cooperation.choices)
    low_reasons = models.JSONField(_("低评原因"), default=list, blank=True)
    low_reason_text = models.CharField(_("其他原因说明"), max_length=200, blank=True)
    price_band = models.CharField(_("可接受价格"), max_length=12, choices=PriceBand.choices, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系方式"), max_length=64, blank=True)
    opinion = models.TextField(_("专家意见"), blank=True, validators=[MaxLengthValidator(2000)])
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    answer = models.CharField(_("单位答复"), max_length=16, choices=InstitutionAnswer.choices, blank=True)
    answer_text = models.CharField(_("答复说明"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], user_db_constraint=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patent", "enterprise"],
                condition=models.Q(enterprise__isnull=False),
                name="market_evaluation_one_per_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, commission__isnull=True)
                | models.Q(enterprise__isnull=True, commission__isnull=False),
                name="market_evaluation_one_author",
            ),
        ]
        verbose_name = _("市场评价")
        verbose_name_plural = _("市场评价")

    def __str__(self):
        return f"{self.patent.application_number} {self.get_prospect_stars_display()}"

    @property
    def improvement_need_labels(self) -> list[str]:
        labels = dict(ImprovementNeed.choices)
        return [str(labels.get(code, code)) for code in self.improvement_needs]

    @property
    def low_reason_labels(self) -> list[str]:
        labels = dict(LowRatingReason.choices)
        return [str(labels.get(code, code)) for code in self.low_reasons]


class EvaluationImport(models.Model):
    """One provincial workbook of enterprise ratings, validated whole and applied all or nothing by a worker."""

    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(_("文件"), upload_to="market-imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    state = models.CharField(_("状态"), max_length=12, choices=ImportState.choices, default=ImportState.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误清单"), default=list, blank=True)
    error_file = models.FileField(_("标注错误的工作簿"), upload_to="market-imports/errors/%Y/%m/", blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("市场评价批量回传")
        verbose_name_plural = _("市场评价批量回传")

    def __str__(self):
        return f"#{self.pk} {self.original_name} {self.get_state_display()}"

    @property
    def progress_percent(self) -> int:
        from .choices import FINAL_IMPORT_STATES

        if self.state in FINAL_IMPORT_STATES:
            return 100
        return min(99, int(self.processed_rows * 100 / self.total_rows)) if self.total_rows else 0
