"""Deals: transfers, licences, open licences and equity, with their CNIPA registration."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import DealKind


class Deal(models.Model):
    """A conversion deal on one patent, reported by the inventorying institution."""

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.PROTECT, related_name="deals")
    # Denormalised from the patent so that scoping and quarterly counts need no join.
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="deals")
    kind = models.CharField(_("转化方式"), max_length=20, choices=DealKind.choices, db_index=True)
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
    registration_number = models.CharField(_("登记/备案号"), max_length=64, blank=True)
    registered_on = models.DateField(_("转让登记/许可备案日"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-contract_date", "id"]
        verbose_name = _("转化交易")
        verbose_name_plural = _("转化交易")

    def __str__(self):
        return f"{self.patent.application_number} {self.get_kind_display()} {self.counterparty}"
