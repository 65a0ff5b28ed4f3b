"""Import jobs: one upload of a national-format workbook and its processing by a worker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import FINAL_IMPORT_STATES, ImportKind, ImportState


class ImportJob(models.Model):
    """One upload of a national-format inventory workbook and its processing by a Celery task.

    Progress and outcome live on this row (not in a result backend), so any worker can run it and any page or API
    client can follow it.
    """

    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="import_jobs")
    # Set when a college admin uploads: every patent of the file belongs to this college.
    org_unit = models.ForeignKey(
        "institutions.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    # Blank until the worker has detected it from the headers (an upload that names no kind).
    kind = models.CharField(_("文件类型"), max_length=16, choices=ImportKind.choices, blank=True)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    state = models.CharField(_("状态"), max_length=12, choices=ImportState.choices, default=ImportState.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    patents_in_file = models.PositiveIntegerField(_("专利数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    # Patents whose self-assessment part (L onward) was blank: inventoried, their assessment left to fill.
    inventory_only_count = models.PositiveIntegerField(_("仅盘点待自评"), default=0)
    # Patents whose blank AA / AC got the classifier's suggestion (evaluations.suggest), marked as suggested.
    suggested_count = models.PositiveIntegerField(_("行业/战新分类系统建议"), default=0, db_default=0)
    rejected_count = models.PositiveIntegerField(_("有误"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误清单"), default=list, blank=True)
    error_file = models.FileField(_("标注错误的工作簿"), upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    message_en = models.CharField(_("说明（英文）"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Written every few seconds by the worker holding the job, from its own connection (so it commits while the
    # apply transaction is open); the sweep marks a running job whose beats stopped as stale.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    # Each retry is a new attempt on the stored upload; a task message of an older attempt is ignored.
    attempt = models.PositiveIntegerField(_("第几次运行"), default=1)
    # Set by the uploader's cancel of a running job; the worker checks it between chunks and rolls back.
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    worker = models.CharField(_("处理进程"), max_length=200, blank=True)  # host:pid of the worker, for operators

    class Meta:
        db_table = "institutions_importjob"  # created by institutions before the move; moved without copying
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "-created_at"], name="importjob_inst_created_idx"),
            models.Index(fields=["state", "heartbeat_at"], name="importjob_state_beat_idx"),  # the sweep
        ]
        verbose_name = _("批量导入任务")
        verbose_name_plural = _("批量导入任务")

    def __str__(self):
        return f"#{self.pk} {self.original_name} {self.get_state_display()}"

    @property
    def progress_percent(self) -> int:
        if self.state in FINAL_IMPORT_STATES:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))
