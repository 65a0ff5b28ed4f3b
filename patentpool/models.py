"""The base stock-patent library record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import LegalStatus, PatentType


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
    application_date = models.DateField(_("申请日"), null=True, blank=True)
    # db_default: bulk writers (the demo generator, COPY) that name no such column still write a valid row.
    publication_number = models.CharField(_("公开（公告）号"), max_length=32, blank=True, db_default="")
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
            # A search by publication number; partial, so patents without one (most national-format imports) cost
            # nothing on import.
            models.Index(
                fields=["publication_number"],
                name="patent_publication_idx",
                opclasses=["varchar_pattern_ops"],
                condition=~models.Q(publication_number=""),
            ),
        ]
        verbose_name = _("存量专利")
        verbose_name_plural = _("存量专利")

    def __str__(self):
        return f"{self.application_number} {self.title}"
