"""Writes of the inventory import: accepting an upload.

``inventory_import_start`` validates the upload, stores it, creates the job row and dispatches the task on commit;
the task (``tasks.py``) runs ``jobs.inventory_import_process`` on any worker.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from institutions.choices import Role
from institutions.models import User

from .choices import CANCELLABLE_IMPORT_STATES, RETRYABLE_IMPORT_STATES, ImportKind, ImportState
from .models import ImportJob
from .selectors import import_job_list
from .tasks import inventory_import_run

IMPORT_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN}


def inventory_import_start(*, user: User, upload, dry_run: bool = False, kind: str = "") -> ImportJob:
    """Accept an uploaded file for ``user``'s institution (a college admin's: for the own college).

    ``kind`` is an ImportKind: the national workbook, or a patent-database export (.xlsx or .csv); blank lets the
    worker tell from the headers. Refuses, writing nothing, when the user may not import, the kind is unknown, or
    the file is obviously not of its kind or too big.
    """
    if kind and kind not in ImportKind.values:
        raise ValidationError(
            f"未知的文件类型「{kind}」/ Unknown kind '{kind}': {', '.join(ImportKind.values)}", code="invalid_kind"
        )
    if user.role not in IMPORT_ROLES or not user.institution_id:
        raise PermissionDenied(
            "只有高校/院所管理员和学院管理员可以批量导入 / Only institution and college admins can import"
        )
    name = os.path.basename(getattr(upload, "name", "") or "upload.xlsx")
    size = getattr(upload, "size", None) or 0
    if size > settings.INVENTORY_MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"文件过大（{size / 1048576:.1f} MB），上限为 {settings.INVENTORY_MAX_UPLOAD_BYTES // 1048576} MB / "
            f"The file is too large ({size / 1048576:.1f} MB); the limit is "
            f"{settings.INVENTORY_MAX_UPLOAD_BYTES // 1048576} MB",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if name.lower().endswith(".csv") and kind != ImportKind.NATIONAL:
        if b"\x00" in head:
            raise ValidationError(f"「{name}」不是文本 CSV 文件 / '{name}' is not a text CSV file", code="not_csv")
        kind = ImportKind.PATENT_DATABASE
    elif not name.lower().endswith(".xlsx") or head[:4] != b"PK\x03\x04":
        raise ValidationError(
            f"「{name}」不是 .xlsx 工作簿，请使用平台模板或国家批量导入模板 / '{name}' is not an .xlsx workbook; "
            "use the platform's or the national batch-import template",
            code="not_xlsx",
        )
    with transaction.atomic():
        job = ImportJob(
            institution_id=user.institution_id,
            org_unit_id=user.org_unit_id if user.role == Role.COLLEGE_ADMIN else None,
            uploaded_by=user,
            original_name=name[:255],
            size=size,
            dry_run=dry_run,
            kind=kind,
        )
        job.file.save(name, upload, save=False)
        job.save()
        transaction.on_commit(lambda: inventory_import_run.delay(job.pk, job.attempt))
    return job


def _job_for_update(*, user: User, job_id: int) -> ImportJob:
    """The job, row-locked, if ``user`` may follow it and may import; ImportJob.DoesNotExist otherwise (a 404)."""
    job = import_job_list(user=user).select_for_update(of=("self",)).filter(pk=job_id).first()
    if job is None:
        raise ImportJob.DoesNotExist
    if user.role not in IMPORT_ROLES and not user.is_superuser:
        raise PermissionDenied("只有导入方可以重试或取消导入 / Only importers can retry or cancel an import")
    return job


def inventory_import_retry(*, user: User, job_id: int) -> ImportJob:
    """Run a failed, interrupted (stale) or cancelled import again on its stored upload, as a new attempt.

    The counts, errors and marked workbook of the previous attempt are cleared; a task message of the old attempt
    that Redis may still redeliver finds itself superseded. Refuses, changing nothing, any other state.
    """
    with transaction.atomic():
        job = _job_for_update(user=user, job_id=job_id)
        if job.state not in RETRYABLE_IMPORT_STATES:
            raise ValidationError(
                f"“{job.get_state_display()}”的导入不能重试 / An import that is “{job.state}” cannot be retried",
                code="not_retryable",
            )
        if not job.file or not job.file.storage.exists(job.file.name):
            raise ValidationError(
                "上传的文件已不存在，请重新上传 / The uploaded file is gone; upload it again", code="file_missing"
            )
        old_error_file = job.error_file.name if job.error_file else ""
        job.attempt += 1
        job.state = ImportState.QUEUED
        job.cancel_requested = False
        for name in ("total_rows", "processed_rows", "patents_in_file", "created_count", "updated_count",
                     "unchanged_count", "rejected_count", "error_count", "inventory_only_count",
                     "suggested_count"):  # fmt: skip
            setattr(job, name, 0)
        job.errors = []
        job.error_file = ""
        job.message = job.message_en = job.worker = ""
        job.started_at = job.finished_at = job.heartbeat_at = None
        job.save()
        attempt = job.attempt
        transaction.on_commit(lambda: inventory_import_run.delay(job.pk, attempt))
        if old_error_file:
            storage = ImportJob._meta.get_field("error_file").storage
            transaction.on_commit(lambda: storage.delete(old_error_file))
    return job


def inventory_import_cancel(*, user: User, job_id: int) -> ImportJob:
    """Cancel a queued import at once, or ask the worker running it to stop (it rolls back and ends cancelled).

    Refuses, changing nothing, a job that is already final.
    """
    with transaction.atomic():
        job = _job_for_update(user=user, job_id=job_id)
        if job.state not in CANCELLABLE_IMPORT_STATES:
            raise ValidationError(
                f"“{job.get_state_display()}”的导入不能取消 / An import that is “{job.state}” cannot be cancelled",
                code="not_cancellable",
            )
        if job.state == ImportState.QUEUED:
            # No worker holds it; one that picks the message up later finds it final and does nothing.
            job.state = ImportState.CANCELLED
            job.finished_at = timezone.now()
            job.message = "已取消，未写入任何数据"
            job.message_en = "Cancelled; nothing was written"
        else:
            job.cancel_requested = True
        job.save(update_fields=["state", "finished_at", "message", "message_en", "cancel_requested"])
    return job
