"""Writes of the inventory import: accepting an upload.

``inventory_import_start`` validates the upload, stores it, creates the job row and dispatches the task on commit;
the task (``tasks.py``) runs ``jobs.inventory_import_process`` on any worker.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from institutions.choices import Role
from institutions.models import User

from .choices import ImportKind
from .models import ImportJob
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
        transaction.on_commit(lambda: inventory_import_run.delay(job.pk))
    return job
