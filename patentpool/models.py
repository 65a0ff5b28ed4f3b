"""The patent library: reference classifications and the base stock-patent library record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import IndustryLevel, IPCLevel, LegalStatus, PatentType, SEIEdition


class Province(models.Model):
    """A provincial-level division (31 provinces plus the Xinjiang Production and Construction Corps)."""

    code = models.CharField(_("代码"), max_length=2, unique=True, help_text=_("GB/T 2260 前两位；兵团为 66"))
    name = models.CharField(_("名称"), max_length=32, unique=True)
    short_name = models.CharField(_("简称"), max_length=16)

    class Meta:
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
        ordering = ["edition", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="sei_edition_code_unique")]
        verbose_name = _("战略性新兴产业分类")
        verbose_name_plural = _("战略性新兴产业分类")

    def __str__(self):
        return f"{self.code} {self.name}"


class Patent(models.Model):
    """A record of the base stock-patent library (存量专利基础库), keyed by its application number.

    A patent is inventoried by exactly one institution. Co-owners are named in ``patentees``; a second institution
    uploading the same application number is refused and told who holds the record.
    """

    application_number = models.CharField(_("申请号"), max_length=16, unique=True)
    patent_type = models.CharField(_("专利类型"), max_length=16, choices=PatentType.choices)
    title = models.CharField(_("专利名称"), max_length=255)
    patentees = models.CharField(_("专利权人"), max_length=500, blank=True)
    inventors = models.CharField(_("发明人"), max_length=500, blank=True)
    grant_date = models.DateField(_("授权日"), null=True, blank=True, db_index=True)
    legal_status = models.CharField(
        _("法律状态"), max_length=16, choices=LegalStatus.choices, default=LegalStatus.VALID
    )
    years_maintained = models.PositiveSmallIntegerField(_("维持年限"), null=True, blank=True)
    ipc_main = models.CharField(_("主分类号"), max_length=32, blank=True)
    ipc_subclass = models.CharField(_("IPC 小类"), max_length=4, blank=True)
    ipc_others = models.CharField(_("其他分类号"), max_length=500, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="patents",
        verbose_name=_("盘点单位"),
        db_index=False,  # patent_inst_unit_idx and patent_inst_grant_idx lead with it
    )
    org_unit = models.ForeignKey(
        "institutions.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patents",
        verbose_name=_("所属学院"),
    )
    fiscally_funded = models.BooleanField(_("财政资助科研项目形成"), default=False)
    funding_project = models.CharField(_("资助项目"), max_length=255, blank=True)
    inventor_accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="invented_patents", verbose_name=_("发明人账号")
    )
    # A hash of the last imported record; any other write clears it, so an unchanged re-import is detected cheaply
    # and an edited patent is never wrongly taken for unchanged.
    import_fingerprint = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # History rows are written in bulk by imports and read by the patent's id only: the live table's filter indexes and
    # the history_user constraint would only slow the writes (measured by bench/import_bench.py).
    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at", "import_fingerprint"],
        no_db_index=[
            "application_number", "patent_type", "grant_date", "legal_status", "ipc_subclass", "institution",
            "org_unit", "fiscally_funded",
        ],
        user_db_constraint=False,
    )  # fmt: skip

    class Meta:
        ordering = ["-grant_date", "id"]
        # Every index is paid for on each imported row (bench/import_bench.py), so only those a query uses: the
        # type filter is served by patent_type_grant_idx (evaluations.0007), a yes/no flag by none; the IPC filter is
        # a prefix match (varchar_pattern_ops serves LIKE 'G06F%' and equality alike).
        indexes = [
            models.Index(fields=["institution", "org_unit"], name="patent_inst_unit_idx"),
            models.Index(fields=["institution", "-grant_date", "id"], name="patent_inst_grant_idx"),
            models.Index(fields=["legal_status"], name="patent_legal_status_idx"),
            models.Index(fields=["ipc_subclass"], name="patent_ipc_subclass_idx", opclasses=["varchar_pattern_ops"]),
        ]
        verbose_name = _("存量专利")
        verbose_name_plural = _("存量专利")

    def __str__(self):
        return f"{self.application_number} {self.title}"


class IPCIndustryConcordance(models.Model):
    """One row of CNIPA's IPC ↔ GB/T 4754 concordance (2018): an IPC prefix that belongs to an industry 小类.

    Loaded from the official spreadsheet when an operator has it (``load_reference_data --ipc-gbt-concordance``);
    the platform works without it. A prefix like ``A01B1/`` stands for the main group and all its subgroups.
    """

    industry = models.ForeignKey(IndustryCode, on_delete=models.CASCADE, related_name="ipc_prefixes")
    ipc_prefix = models.CharField(_("IPC 前缀"), max_length=16, db_index=True)
    edition = models.CharField(_("版本"), max_length=4, default="2018")

    class Meta:
        ordering = ["industry", "ipc_prefix"]
        constraints = [models.UniqueConstraint(fields=["edition", "industry", "ipc_prefix"], name="concordance_unique")]
        verbose_name = _("IPC 与国民经济行业参照关系")
        verbose_name_plural = _("IPC 与国民经济行业参照关系")

    def __str__(self):
        return f"{self.ipc_prefix} → {self.industry.code}"
