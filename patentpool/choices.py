"""Vocabularies of the patent library (base stock-patent library)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PatentType(models.TextChoices):
    """Derived from the type digit of the application number (8 → invention, 9 → utility model)."""

    INVENTION = "invention", _("发明")
    UTILITY_MODEL = "utility_model", _("实用新型")
    DESIGN = "design", _("外观设计")


class LegalStatus(models.TextChoices):
    """Legal status of a patent as inventoried; only VALID patents count towards the stock in scope.

    A patent in its annual-fee grace period is still in force; every other status but VALID means the right is gone
    (or was never granted): such a patent stays in the base library with its history but leaves the conversion
    resource library (``IN_FORCE``).
    """

    VALID = "valid", _("有效")
    FEE_GRACE = "fee_grace", _("未缴年费（滞纳期）")
    LAPSED = "lapsed", _("失效")
    EXPIRED = "expired", _("届满")
    ABANDONED = "abandoned", _("放弃")
    INVALIDATED = "invalidated", _("全部无效")
    REJECTED = "rejected", _("驳回")
    WITHDRAWN = "withdrawn", _("撤回")


# Statuses under which a patent is still in force and may be offered for conversion.
IN_FORCE = frozenset({LegalStatus.VALID.value, LegalStatus.FEE_GRACE.value})
