"""Enterprises: the demand side that rates pushed patents and takes licences and transfers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_credit_code


class Enterprise(models.Model):
    """An enterprise registered on the platform, identified by its unified social credit code."""

    name = models.CharField(_("企业名称"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, verbose_name=_("省份"))
    city = models.CharField(_("城市"), max_length=32, blank=True)
    is_ip_advantage = models.BooleanField(_("知识产权优势示范企业"), default=False)
    is_specialized_sme = models.BooleanField(_("专精特新中小企业"), default=False)
    is_high_tech = models.BooleanField(_("高新技术企业"), default=False)
    is_soe = models.BooleanField(_("国有企业"), default=False)
    is_central_soe = models.BooleanField(_("中央企业"), default=False)
    industries = models.ManyToManyField(
        "reference.IndustryCode", blank=True, related_name="enterprises", verbose_name=_("所属行业")
    )
    products = models.TextField(_("主要产品"), blank=True)
    technical_needs = models.TextField(_("技术需求"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self):
        return self.name
