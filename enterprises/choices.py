"""Vocabularies of the enterprise registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatus(models.TextChoices):
    """A self-registered enterprise waits for its provincial bureau; one a bureau registers is approved at once."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("未通过")
