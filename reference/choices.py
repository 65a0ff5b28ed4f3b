"""Vocabularies of the reference classifications."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndustryLevel(models.TextChoices):
    """GB/T 4754-2017 levels."""

    SECTION = "section", _("门类")
    DIVISION = "division", _("大类")
    GROUP = "group", _("中类")
    CLASS = "class", _("小类")


class IPCLevel(models.TextChoices):
    SECTION = "section", _("部")
    CLASS = "class", _("大类")
    SUBCLASS = "subclass", _("小类")


class SEIEdition(models.TextChoices):
    """Strategic emerging industries: the 2018 top level (used by the national template) and the 2021 codes."""

    SEI_2018 = "2018", _("2018 版（模板所用一级分类）")
    SEI_2021 = "2021", _("2021 版（战新与 IPC 参照关系）")
