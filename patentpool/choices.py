"""Vocabularies of the patent library (base stock-patent library)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PatentType(models.TextChoices):
    """Derived from the type digit of the application number (8 → invention, 9 → utility model)."""

    INVENTION = "invention", _("发明")
    UTILITY_MODEL = "utility_model", _("实用新型")
    DESIGN = "design", _("外观设计")


class LegalStatus(models.TextChoices):
    """Legal status of a patent as inventoried; only VALID patents count towards the stock in scope."""

    VALID = "valid", _("有效")
    FEE_GRACE = "fee_grace", _("未缴年费（滞纳期）")
    LAPSED = "lapsed", _("失效")
