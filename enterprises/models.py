"""Enterprises: the demand side that rates pushed patents and takes licences and transfers."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import EnterpriseStatus
from .validators import validate_credit_code


class Enterprise(models.Model):
    """An enterprise registered on the platform, identified by its unified social credit code.

    Its GB/T 4754 codes (one main, any number of others, at any level), products, technical needs and technical
    fields of interest (IPC subclasses or SEI classes) are what the matching pushes patents by.
    """

    name = models.CharField(_("企业名称"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    status = models.CharField(
        _("审核状态"), max_length=12, choices=EnterpriseStatus.choices, default=EnterpriseStatus.APPROVED, db_index=True
    )
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, verbose_name=_("省份"))
    city = models.CharField(_("城市"), max_length=32, blank=True)
    is_ip_advantage = models.BooleanField(_("知识产权优势示范企业"), default=False)
    is_specialized_sme = models.BooleanField(_("专精特新中小企业"), default=False)
    is_high_tech = models.BooleanField(_("高新技术企业"), default=False)
    is_soe = models.BooleanField(_("国有企业"), default=False)
    is_central_soe = models.BooleanField(_("中央企业"), default=False)
    main_industry = models.ForeignKey(
        "reference.IndustryCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主营行业"),
    )
    industries = models.ManyToManyField(
        "reference.IndustryCode", blank=True, related_name="enterprises", verbose_name=_("其他行业")
    )
    products = models.TextField(_("主要产品"), blank=True)
    # One need per line: several free-text needs.
    technical_needs = models.TextField(_("技术需求"), blank=True)
    # IPC subclasses (H01M) or SEI 2021 classes (3.1), comma-separated, normalised by the form.
    fields_of_interest = models.CharField(_("关注技术领域"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    # Matching picks up enterprises edited since its watermark by this column.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at"], no_db_index=["province", "main_industry", "status"], user_db_constraint=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self):
        return self.name

    def needs_list(self) -> list[str]:
        return [line.strip() for line in self.technical_needs.splitlines() if line.strip()]

    def interest_codes(self) -> list[str]:
        return [code for code in self.fields_of_interest.split(",") if code]
