"""Reference classifications: provinces, GB/T 4754-2017 industries, IPC, strategic emerging industries, and the
IPC ↔ GB/T 4754 concordance. Loaded from the shipped files (``reference/loader.py``); everything else points at them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import IndustryLevel, IPCLevel, SEIEdition


class Province(models.Model):
    """A provincial-level division (31 provinces plus the Xinjiang Production and Construction Corps)."""

    code = models.CharField(_("代码"), max_length=2, unique=True, help_text=_("GB/T 2260 前两位；兵团为 66"))
    name = models.CharField(_("名称"), max_length=32, unique=True)
    short_name = models.CharField(_("简称"), max_length=16)

    class Meta:
        db_table = "patentpool_province"  # created by patentpool before the move; moved without copying
        ordering = ["code"]
        verbose_name = _("省份")
        verbose_name_plural = _("省份")

    def __str__(self):
        return self.name


class IndustryCode(models.Model):
    """A GB/T 4754-2017 national economy industry class at any level (门类 A … 小类 C2611)."""

    code = models.CharField(_("代码"), max_length=8, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=IndustryLevel.choices)
    section = models.CharField(_("门类"), max_length=1, db_index=True)
    name = models.CharField(_("名称"), max_length=128)
    remark = models.TextField(_("说明"), blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "patentpool_industrycode"  # created by patentpool before the move; moved without copying
        ordering = ["code"]
        verbose_name = _("国民经济行业分类")
        verbose_name_plural = _("国民经济行业分类")

    def __str__(self):
        return f"{self.code} {self.name}"


class IPCCode(models.Model):
    """An IPC section, class or subclass (A, A01, A01B)."""

    code = models.CharField(_("代码"), max_length=4, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=IPCLevel.choices)
    title_en = models.TextField(_("英文名称"))
    title_zh = models.TextField(_("中文名称"), blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "patentpool_ipccode"  # created by patentpool before the move; moved without copying
        ordering = ["code"]
        verbose_name = _("国际专利分类")
        verbose_name_plural = _("国际专利分类")

    def __str__(self):
        return f"{self.code} {self.title_zh or self.title_en[:60]}"


class SEIClass(models.Model):
    """A strategic emerging industry class (战略性新兴产业分类), 2018 top level or 2021 code."""

    edition = models.CharField(_("版本"), max_length=4, choices=SEIEdition.choices)
    code = models.CharField(_("代码"), max_length=8)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "patentpool_seiclass"  # created by patentpool before the move; moved without copying
        ordering = ["edition", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="sei_edition_code_unique")]
        verbose_name = _("战略性新兴产业分类")
        verbose_name_plural = _("战略性新兴产业分类")

    def __str__(self):
        return f"{self.code} {self.name}"


class IPCIndustryConcordance(models.Model):
    """One row of CNIPA's IPC ↔ GB/T 4754 concordance (2018): an IPC prefix that belongs to an industry 小类.

    Loaded from the official spreadsheet when an operator has it (``load_reference_data --ipc-gbt-concordance``);
    the platform works without it. A prefix like ``A01B1/`` stands for the main group and all its subgroups.
    """

    industry = models.ForeignKey(IndustryCode, on_delete=models.CASCADE, related_name="ipc_prefixes")
    ipc_prefix = models.CharField(_("IPC 前缀"), max_length=16, db_index=True)
    edition = models.CharField(_("版本"), max_length=4, default="2018")

    class Meta:
        db_table = "patentpool_ipcindustryconcordance"  # created by patentpool before the move; moved without copying
        ordering = ["industry", "ipc_prefix"]
        constraints = [models.UniqueConstraint(fields=["edition", "industry", "ipc_prefix"], name="concordance_unique")]
        verbose_name = _("IPC 与国民经济行业参照关系")
        verbose_name_plural = _("IPC 与国民经济行业参照关系")

    def __str__(self):
        return f"{self.ipc_prefix} → {self.industry.code}"
