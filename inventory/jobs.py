"""Running an import job: read, validate, plan and apply one uploaded workbook, on any worker.

``inventory_import_process`` is what the Celery task runs; it is safe to run again on the same job.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from evaluations.record import CellError, error_order

from .apply import apply_import, plan_import
from .choices import FINAL_IMPORT_STATES, ImportKind, ImportState
from .dbexport import is_csv, looks_like_database_export, read_patent_database, sheet_head
from .models import ImportJob
from .reader import WorkbookRejected, read_inventory

logger = logging.getLogger(__name__)

# An arbitrary constant namespacing our advisory locks from anyone else's on the same database.
IMPORT_LOCK_NAMESPACE = 4754


@contextlib.contextmanager
def institution_import_lock(institution_id: int) -> Iterator[None]:
    """Serialise imports of one institution across every worker (a PostgreSQL session advisory lock).

    Imports of different institutions run side by side. The embedded SQLite default runs tasks eagerly in one
    process and needs no lock.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK_NAMESPACE, institution_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK_NAMESPACE, institution_id])


def _update(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _error_dicts(errors: list[CellError]) -> list[dict]:
    return [
        {"row": e.row, "column": e.column, "value": e.value, "message": e.message, "message_en": e.message_en,
         "code": e.code}
        for e in errors
    ]  # fmt: skip


def _suffix(job: ImportJob) -> str:
    return ".csv" if job.original_name.lower().endswith(".csv") else ".xlsx"


def _local_copy(job: ImportJob) -> str:
    """The uploaded file as a local path (storage may be remote when workers run on other machines)."""
    with job.file.open("rb") as source, tempfile.NamedTemporaryFile(suffix=_suffix(job), delete=False) as target:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            target.write(chunk)
        return target.name


def inventory_import_process(job_id: int) -> ImportJob | None:
    """Run one import job to its end. Safe to run again: a finished job is left alone, an unfinished one restarts
    (its writes happen in one transaction, so a crash leaves nothing behind)."""
    job = ImportJob.objects.select_related("institution", "org_unit", "uploaded_by").filter(pk=job_id).first()
    if job is None:  # deleted before a worker got to it
        return None
    if job.state in FINAL_IMPORT_STATES:
        return job
    with institution_import_lock(job.institution_id):
        _update(job, state=ImportState.VALIDATING, started_at=timezone.now(), processed_rows=0, message="")
        path = _local_copy(job)
        try:
            try:
                read = _reader_for(job, path)
                parsed = read(
                    path,
                    max_rows=settings.INVENTORY_MAX_ROWS,
                    max_sheets=settings.INVENTORY_MAX_SHEETS,
                    max_uncompressed_bytes=settings.INVENTORY_MAX_UNCOMPRESSED_BYTES,
                    on_progress=lambda rows: _update(job, processed_rows=rows),
                )
            except WorkbookRejected as exc:
                _update(job, state=ImportState.REJECTED, message=exc.message[:500], message_en=exc.message_en[:500],
                        finished_at=timezone.now())  # fmt: skip
                return job
            _update(job, total_rows=parsed.total_rows, processed_rows=parsed.total_rows,
                    patents_in_file=parsed.patents)  # fmt: skip
            plan = plan_import(job, parsed.records)
            errors = sorted(parsed.errors + plan.errors, key=error_order)
            if errors:
                _fail(job, path, errors, sheet_name=parsed.sheet_name)
                return job
            counts = {
                "created_count": len(plan.new),
                "updated_count": len(plan.updated),
                "unchanged_count": plan.unchanged,
                "rejected_count": 0,
                "error_count": 0,
                "patents_in_file": len(parsed.records),
                "inventory_only_count": plan.inventory_only,
            }
            if job.dry_run:
                _update(job, state=ImportState.SUCCEEDED, finished_at=timezone.now(), **counts,
                        message="仅校验：文件无误，未写入任何数据", message_en="Dry run: the file is valid; nothing was written")  # fmt: skip
                return job
            _update(job, state=ImportState.APPLYING)
            with transaction.atomic():
                apply_import(job, plan)
                # The job's outcome commits with the data: a crash in between leaves neither.
                _update(job, state=ImportState.SUCCEEDED, finished_at=timezone.now(), **counts)
            return job
        finally:
            os.unlink(path)


def _reader_for(job: ImportJob, path: str):
    """The reader of the job's kind; a job that names none gets the kind its headers show."""
    csv_file = is_csv(job.original_name)
    if not job.kind:
        database = csv_file or looks_like_database_export(sheet_head(path, csv_file=False))
        _update(job, kind=ImportKind.PATENT_DATABASE if database else ImportKind.NATIONAL)
    if job.kind == ImportKind.PATENT_DATABASE:
        return functools.partial(read_patent_database, csv_file=csv_file)
    return read_inventory


def _fail(job: ImportJob, path: str, errors: list[CellError], *, sheet_name: str) -> None:
    """Record every error and a copy of the workbook with the bad cells marked; nothing else is written."""
    from .writer import write_error_copy  # openpyxl only on the failure path: the worker stays lean

    error_file_name = ""
    try:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as marked:
            # The reader has already checked the archive against the same limits; no second inflate of every member.
            write_error_copy(path, marked.name, errors, sheet_name=sheet_name, check_archive=False)
            marked.seek(0)
            job.error_file.save(f"errors-{job.pk}.xlsx", ContentFile(marked.read()), save=False)
            error_file_name = job.error_file.name
    except Exception:  # the error list stands on its own; a workbook openpyxl cannot load gets no marked copy
        logger.exception("could not write the marked copy of import %s", job.pk)
    _update(
        job,
        state=ImportState.FAILED,
        finished_at=timezone.now(),
        errors=_error_dicts(errors),
        error_count=len(errors),
        rejected_count=len({e.row for e in errors}),
        error_file=error_file_name,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
        message=f"发现 {len(errors)} 处错误，未写入任何数据",
        message_en=f"{len(errors)} errors found; nothing was written",
    )
