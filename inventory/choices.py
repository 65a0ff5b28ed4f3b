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
