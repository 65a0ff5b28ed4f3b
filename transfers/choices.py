"""Vocabularies of deals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DealKind(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    ORDINARY_LICENCE = "ordinary_licence", _("普通许可")
    SOLE_LICENCE = "sole_licence", _("排他许可")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("独占许可")
    OPEN_LICENCE = "open_licence", _("开放许可")
    EQUITY = "equity", _("作价入股")


LICENCE_KINDS = {DealKind.ORDINARY_LICENCE, DealKind.SOLE_LICENCE, DealKind.EXCLUSIVE_LICENCE, DealKind.OPEN_LICENCE}
