"""Vocabularies of the inventory import."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    """Where an inventory import job is. SUCCEEDED/FAILED/REJECTED/ERROR/CANCELLED/STALE are final."""

    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    APPLYING = "applying", _("写入中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("校验未通过")
    REJECTED = "rejected", _("文件被拒绝")
    ERROR = "error", _("处理出错")
    CANCELLED = "cancelled", _("已取消")
    # The worker stopped beating (killed, out of memory, machine lost): nothing of the file was written.
    STALE = "stale", _("已中断")


FINAL_IMPORT_STATES = {
    ImportState.SUCCEEDED,
    ImportState.FAILED,
    ImportState.REJECTED,
    ImportState.ERROR,
    ImportState.CANCELLED,
    ImportState.STALE,
}
# A worker holds the job: it beats, and the sweep marks it stale when the beats stop.
RUNNING_IMPORT_STATES = {ImportState.VALIDATING, ImportState.APPLYING}
# The uploader may run these again on the stored file (a new attempt).
RETRYABLE_IMPORT_STATES = {ImportState.FAILED, ImportState.ERROR, ImportState.CANCELLED, ImportState.STALE}
# The uploader may cancel these: a queued job at once, a running one between chunks (its writes are rolled back).
CANCELLABLE_IMPORT_STATES = {ImportState.QUEUED, *RUNNING_IMPORT_STATES}


class ImportKind(models.TextChoices):
    """What an uploaded file is: the national self-assessment workbook, or a patent-database export (base-library
    facts only: numbers, title, people, dates, IPC, legal status)."""

    NATIONAL = "national", _("国家批量导入模板（盘点与自评）")
    PATENT_DATABASE = "patent_database", _("专利数据库导出（基础库信息）")
