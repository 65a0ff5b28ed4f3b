"""Vocabularies of the inventory import."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    """Where an inventory import job is. SUCCEEDED/FAILED/REJECTED/ERROR are final."""

    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    APPLYING = "applying", _("写入中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("校验未通过")
    REJECTED = "rejected", _("文件被拒绝")
    ERROR = "error", _("处理出错")


FINAL_IMPORT_STATES = {ImportState.SUCCEEDED, ImportState.FAILED, ImportState.REJECTED, ImportState.ERROR}


class ImportKind(models.TextChoices):
    """What an uploaded file is: the national self-assessment workbook, or a patent-database export (base-library
    facts only: numbers, title, people, dates, IPC, legal status)."""

    NATIONAL = "national", _("国家批量导入模板（盘点与自评）")
    PATENT_DATABASE = "patent_database", _("专利数据库导出（基础库信息）")
