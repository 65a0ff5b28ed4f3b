"""Deals: transfers, licences, open licences, equity and pools, with their payments, CNIPA recording,
industrialization, decision dossier (尽职免责), open-licence declarations and promotion tiers."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    ApprovalDecision,
    DealKind,
    DealStatus,
    DueKind,
    DueStatus,
    OpenLicenceFeeMethod,
    OpenLicenceStatus,
    PaymentMethod,
    PricingMethod,
    PromotionTier,
    RecordingStatus,
    ReformVariant,
    SalesBand,
    recording_kind_for,
)

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Deal(models.Model):
    """A conversion deal on one patent (``patent``) or a bundle of the institution's patents (``patent`` leads,
    ``bundle_patents`` holds the others), reported by the inventorying institution.

    Terms and the decision dossier are frozen once ``closed_at`` is set; corrections are DossierCorrection rows.
    Payments, the CNIPA recording and industrialization stay recordable: they are the deal's performance.
    """

    patent = models.ForeignKey(
        "patentpool.Patent", on_delete=models.PROTECT, related_name="deals", verbose_name=_("专利")
    )
    bundle_patents = models.ManyToManyField(
        "patentpool.Patent", blank=True, related_name="bundled_deals", verbose_name=_("组合中的其他专利")
    )
    # Denormalised from the patent so that scoping and quarterly counts need no join.
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="deals")
    kind = models.CharField(_("转化方式"), max_length=20, choices=DealKind.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=DealStatus.choices, default=DealStatus.IN_FORCE)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("受让/被许可企业"),
    )
    counterparty = models.CharField(_("受让方/被许可方"), max_length=128)
    amount_wan = models.DecimalField(_("合同金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    contract_date = models.DateField(_("合同签订日"), db_index=True)
    term_start = models.DateField(_("许可期限起"), null=True, blank=True)
    term_end = models.DateField(_("许可期限止"), null=True, blank=True)
    territory = models.CharField(_("许可地域"), max_length=128, blank=True)
    field_of_use = models.CharField(_("许可领域"), max_length=255, blank=True)
    sublicensing_allowed = models.BooleanField(_("允许分许可"), default=False)
    # Payment terms; the schedule (PaymentDue rows) is generated from them when the deal is registered.
    payment_method = models.CharField(
        _("支付方式"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.LUMP_SUM
    )
    entry_fee_wan = models.DecimalField(_("入门费（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    royalty_rate = models.DecimalField(
        _("提成比例（%）"), max_digits=6, decimal_places=3, null=True, blank=True, validators=PERCENT
    )
    royalty_base = models.CharField(_("提成基数"), max_length=64, blank=True)
    instalments = models.PositiveSmallIntegerField(_("分期期数"), null=True, blank=True)
    open_licence = models.ForeignKey(
        "OpenLicenceDeclaration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("所依据的开放许可声明"),
    )
    # CNIPA: transfer registration (转让登记) or licence-contract recording (许可合同备案); the kind follows the deal.
    recording_status = models.CharField(
        _("登记/备案状态"), max_length=12, choices=RecordingStatus.choices, default=RecordingStatus.NONE
    )
    registration_number = models.CharField(_("登记/备案号"), max_length=64, blank=True)
    registered_on = models.DateField(_("转让登记/许可备案日"), null=True, blank=True, db_index=True)
    # The decision record (尽职免责).
    pricing_method = models.CharField(_("定价方式"), max_length=12, choices=PricingMethod.choices, blank=True)
    valuation_reference = models.CharField(_("评估/估值报告"), max_length=255, blank=True)
    reform_variant = models.CharField(
        _("改革试点方式"), max_length=24, choices=ReformVariant.choices, blank=True, default=ReformVariant.NONE
    )
    inventor_reward_share = models.DecimalField(
        _("发明人奖励比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    notice_start = models.DateField(_("公示开始日"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示期（天）"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结归档时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[bundle_patents])

    class Meta:
        ordering = ["-contract_date", "id"]
        verbose_name = _("转化交易")
        verbose_name_plural = _("转化交易")

    def __str__(self):
        return f"{self.patent.application_number} {self.get_kind_display()} {self.counterparty}"

    @property
    def recording_kind(self) -> str:
        return recording_kind_for(self.kind)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def notice_end(self) -> datetime.date | None:
        if self.notice_start and self.notice_days:
            return self.notice_start + datetime.timedelta(days=self.notice_days)
        return None


class PaymentDue(models.Model):
    """One expected payment of a deal's schedule; a running royalty's amount is known only when it is reported."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="schedule")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("款项"), max_length=20, choices=DueKind.choices)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    due_date = models.DateField(_("应付日"), db_index=True)
    amount_wan = models.DecimalField(_("应付金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Kept equal to the sum of its payments by payment_record (in the same transaction), so lists need no aggregate.
    paid_wan = models.DecimalField(_("已付金额（万元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    reminded_on = models.DateField(_("最近提醒日"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "due_date", "position"]
        verbose_name = _("应收款项")
        verbose_name_plural = _("应收款项")

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_date}"

    def status_on(self, today: datetime.date) -> str:
        if self.amount_wan is None:  # a royalty: paid once reported and paid
            if self.paid_wan > 0:
                return DueStatus.PAID
            return DueStatus.OVERDUE if self.due_date < today else DueStatus.DUE
        if self.paid_wan >= self.amount_wan:
            return DueStatus.PAID
        if self.due_date < today:
            return DueStatus.OVERDUE
        return DueStatus.PARTLY_PAID if self.paid_wan > 0 else DueStatus.DUE

    @property
    def outstanding_wan(self) -> Decimal | None:
        return None if self.amount_wan is None else max(Decimal(0), self.amount_wan - self.paid_wan)


class Payment(models.Model):
    """A payment received against one expected payment, with the inventors' reward share of it noted."""

    due = models.ForeignKey(PaymentDue, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("到账日"))
    amount_wan = models.DecimalField(_("到账金额（万元）"), max_digits=14, decimal_places=2)
    inventor_reward_wan = models.DecimalField(
        _("其中发明人奖励（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["recorded_at"])

    class Meta:
        ordering = ["due", "paid_on", "id"]
        verbose_name = _("到账记录")
        verbose_name_plural = _("到账记录")

    def __str__(self):
        return f"{self.paid_on} {self.amount_wan}"


class Industrialization(models.Model):
    """A licensed or transferred patent put into production: the product, when, its sales band and the filing on
    the national patent-intensive product platform (专利密集型产品备案)."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="industrializations")
    patent = models.ForeignKey("patentpool.Patent", on_delete=models.PROTECT, related_name="industrializations")
    product_name = models.CharField(_("产品名称"), max_length=255)
    started_on = models.DateField(_("投产日期"), db_index=True)
    sales_band = models.CharField(_("年销售额"), max_length=12, choices=SalesBand.choices, blank=True)
    product_filing_number = models.CharField(_("专利密集型产品备案号"), max_length=64, blank=True)
    filed_on = models.DateField(_("产品备案日"), null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["recorded_at"])

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("产业化记录")
        verbose_name_plural = _("产业化记录")

    def __str__(self):
        return self.product_name


class NoticeObjection(models.Model):
    """An objection raised during a deal's public notice (公示), and how it was handled."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    objector = models.CharField(_("异议人"), max_length=128)
    content = models.TextField(_("异议内容"))
    handling = models.TextField(_("处理情况"), blank=True)
    handled_on = models.DateField(_("处理日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "received_on", "id"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self):
        return f"{self.objector} {self.received_on}"


class DealApproval(models.Model):
    """An internal approval of a deal: who decided, when, at which meeting."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="approvals")
    body = models.CharField(_("审批人/机构"), max_length=128)
    meeting = models.CharField(_("会议"), max_length=255, blank=True)
    decided_on = models.DateField(_("决定日期"))
    decision = models.CharField(_("决定"), max_length=12, choices=ApprovalDecision.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deal", "decided_on", "id"]
        verbose_name = _("内部审批")
        verbose_name_plural = _("内部审批")

    def __str__(self):
        return f"{self.body} {self.decided_on}"


def _document_path(instance, filename: str) -> str:
    return f"deals/{instance.deal_id}/{filename}"


class DealDocument(models.Model):
    """A document of a deal's dossier (contract, appraisal report, meeting minutes, notice screenshot …)."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("文件名称"), max_length=128)
    file = models.FileField(_("文件"), upload_to=_document_path, max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["uploaded_at"])

    class Meta:
        ordering = ["deal", "uploaded_at", "id"]
        verbose_name = _("交易文件")
        verbose_name_plural = _("交易文件")

    def __str__(self):
        return self.title


class DossierCorrection(models.Model):
    """A correction to a closed deal's dossier: the record itself never changes after closing, corrections are
    appended with who and when."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="corrections")
    text = models.TextField(_("更正内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["deal", "at", "id"]
        verbose_name = _("档案更正")
        verbose_name_plural = _("档案更正")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


class OpenLicenceDeclaration(models.Model):
    """An institution's declaration that a patent is open for licensing (Patent Law arts. 50–52): the fee payment
    method and standard, and the term. Withdrawing it is recorded (and shown in the public list); licences already
    taken stay valid."""

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.PROTECT, related_name="open_licence_declarations")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="open_licence_declarations"
    )
    fee_method = models.CharField(_("付费方式"), max_length=12, choices=OpenLicenceFeeMethod.choices)
    fee_wan = models.DecimalField(_("许可使用费（万元/年）"), max_digits=14, decimal_places=2, null=True, blank=True)
    royalty_rate = models.DecimalField(
        _("提成比例（%）"), max_digits=6, decimal_places=3, null=True, blank=True, validators=PERCENT
    )
    royalty_base = models.CharField(_("提成基数"), max_length=64, blank=True)
    term_years = models.PositiveSmallIntegerField(_("许可期限（年）"))
    evaluation_report_ref = models.CharField(_("专利权评价报告编号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=OpenLicenceStatus.choices, default=OpenLicenceStatus.ACTIVE, db_index=True
    )
    declared_on = models.DateField(_("声明日"))
    withdrawn_on = models.DateField(_("撤回日"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("撤回原因"), max_length=255, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-declared_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patent"], condition=models.Q(status="active"), name="one_active_open_licence_per_patent"
            )
        ]
        verbose_name = _("开放许可声明")
        verbose_name_plural = _("开放许可声明")

    def __str__(self):
        return f"{self.patent.application_number} {self.get_status_display()}"


class PromotionTierChoice(models.Model):
    """The institution's own edit of a patent's promotion tier: it adds a patent the rule did not pick
    (``included``) or removes one it did (not ``included``). Derived candidates need no row."""

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.CASCADE, related_name="promotion_tiers")
    tier = models.CharField(_("推广层级"), max_length=16, choices=PromotionTier.choices)
    included = models.BooleanField(_("列入"), default=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patent", "tier"], name="promotion_tier_once")]
        verbose_name = _("推广层级调整")
        verbose_name_plural = _("推广层级调整")

    def __str__(self):
        return f"{self.patent_id} {self.tier} {self.included}"
