"""Running an import job: read, validate, plan and apply one uploaded workbook, on any worker.

``inventory_import_process`` is what the Celery task runs; it is safe to run again on the same job.

A job that a dying worker held cannot be stranded:

* **Heartbeat.** While a worker holds a job, a thread of its own (with its own database connection, so its writes
  commit while the apply transaction of the main thread is still open) stamps ``heartbeat_at`` every
  ``INVENTORY_JOB_HEARTBEAT_SECONDS``. The main thread stamps it too at every progress report.
* **Sweep.** ``inventory_import_sweep`` (beat, every minute, and once when a worker starts) marks a running job whose
  heartbeat is older than ``INVENTORY_JOB_STALE_SECONDS`` as stale — row-locked with SKIP LOCKED and re-checked in
  the UPDATE, so two sweepers never both act and a job being finished is never touched. A killed worker's apply
  transaction is rolled back by PostgreSQL when its connection dies, and its session-level advisory lock goes with it:
  nothing of the file is written. The sweep also removes orphaned local copies from ``INVENTORY_TEMP_DIR``.
* **Cancel.** The uploader's cancel sets ``cancel_requested``. The worker sees it between chunks (every progress
  report, between phases); during the apply the heartbeat thread interrupts the running statement
  (``pg_cancel_backend``) and the transaction rolls back. The job ends ``cancelled`` with nothing written.
* **Attempts.** A retry bumps ``attempt`` and queues a new message; a message of an older attempt (Redis redelivers an
  unacknowledged one after its visibility timeout) finds its attempt superseded and does nothing. The job is finished
  by a conditional UPDATE inside the apply transaction (state still applying, same attempt, no cancel): if the sweep
  or a cancel got there first, the whole apply rolls back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from evaluations.record import CellError, error_order

from .apply import apply_import, plan_import
from .choices import FINAL_IMPORT_STATES, RUNNING_IMPORT_STATES, ImportKind, ImportState
from .dbexport import is_csv, looks_like_database_export, read_patent_database, sheet_head
from .models import ImportJob
from .reader import WorkbookRejected, read_inventory

logger = logging.getLogger(__name__)

# An arbitrary constant namespacing our advisory locks from anyone else's on the same database.
IMPORT_LOCK_NAMESPACE = 4754
# A local copy older than this cannot belong to a live task (the hard time limit is well under it).
ORPHAN_AGE_SECONDS = 3600


class _Stop(Exception):
    """The job was cancelled, or taken away from this worker (swept as stale, retried): stop and roll back."""


@contextlib.contextmanager
def institution_import_lock(institution_id: int) -> Iterator[None]:
    """Serialise imports of one institution across every worker (a PostgreSQL session advisory lock).

    Imports of different institutions run side by side. The lock belongs to the session: when a worker dies its
    connection closes and PostgreSQL releases the lock with it. The embedded SQLite default runs tasks eagerly in one
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


# -- temporary files --------------------------------------------------------------------------------------------------


def import_temp_dir() -> Path:
    """The workers' own folder for local copies of uploads and error workbooks (the sweep cleans it)."""
    path = Path(settings.INVENTORY_TEMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _temp_prefix(job: ImportJob) -> str:
    # job<id>-a<attempt>-…: the sweep tells a live copy from an orphan by its job's state and attempt.
    return f"job{job.pk}-a{job.attempt}-"


def _local_copy(job: ImportJob, path: str) -> None:
    """Copy the uploaded file to ``path`` (storage may be remote when workers run on other machines)."""
    with job.file.open("rb") as source, open(path, "wb") as target:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            target.write(chunk)


def _remove(path: str | None) -> None:
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


# -- heartbeat --------------------------------------------------------------------------------------------------------


class _Heartbeat(threading.Thread):
    """Stamps the job's heartbeat from its own connection and watches for a cancel or a lost claim.

    ``stop_requested`` is set when the job was cancelled or is no longer this worker's (swept, retried); while the
    main thread is inside the apply transaction (``applying``), its running statement is interrupted too.
    """

    def __init__(self, job: ImportJob, backend_pid: int | None) -> None:
        super().__init__(name=f"import-heartbeat-{job.pk}", daemon=True)
        self.job_id = job.pk
        self.attempt = job.attempt
        self.backend_pid = backend_pid
        self.interval = settings.INVENTORY_JOB_HEARTBEAT_SECONDS
        self.stop_requested = threading.Event()
        self._finished = threading.Event()
        self._guard = threading.Lock()
        self._applying = False

    def run(self) -> None:
        try:
            while not self._finished.wait(self.interval):
                try:
                    self.beat()
                except DatabaseError:  # a lost connection is retried at the next beat
                    logger.warning("heartbeat of import %s failed", self.job_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET heartbeat_at = now() "
                "WHERE id = %s AND attempt = %s AND state IN %s",
                [self.job_id, self.attempt, tuple(RUNNING_IMPORT_STATES)],
            )
            cursor.execute(
                f"SELECT state, attempt, cancel_requested FROM {ImportJob._meta.db_table} WHERE id = %s",
                [self.job_id],
            )
            row = cursor.fetchone()
        # Only positive evidence stops the job: a row this connection cannot see (not yet committed) proves nothing.
        if row is not None and (row[2] or row[1] != self.attempt or row[0] not in RUNNING_IMPORT_STATES):
            self.stop_requested.set()
            self._interrupt()

    def _interrupt(self) -> None:
        with self._guard:
            if self._applying and self.backend_pid:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_cancel_backend(%s)", [self.backend_pid])

    @contextlib.contextmanager
    def applying(self) -> Iterator[None]:
        with self._guard:
            self._applying = True
        try:
            yield
        finally:
            with self._guard:
                self._applying = False

    def finish(self) -> None:
        self._finished.set()
        if self.is_alive():
            self.join(timeout=30)


@contextlib.contextmanager
def _heartbeat(job: ImportJob) -> Iterator[_Heartbeat]:
    """A heartbeat thread on PostgreSQL; on the embedded SQLite (eager, one process) only the main thread's stamps."""
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    beat = _Heartbeat(job, pid)
    if pid is not None:
        beat.start()
    try:
        yield beat
    finally:
        beat.finish()


def _checkpoint(job: ImportJob, beat: _Heartbeat, **fields) -> None:
    """Between chunks: stamp the heartbeat (and progress), and stop if the job was cancelled or taken away."""
    if beat.stop_requested.is_set():
        raise _Stop
    updated = ImportJob.objects.filter(
        pk=job.pk, attempt=job.attempt, state__in=RUNNING_IMPORT_STATES, cancel_requested=False
    ).update(heartbeat_at=Now(), **fields)
    if not updated:
        raise _Stop
    for name, value in fields.items():
        setattr(job, name, value)


# -- the job ----------------------------------------------------------------------------------------------------------


def _claim(job: ImportJob, attempt: int | None) -> bool:
    """Take the job for this worker; False when it is final, cancelled or of another attempt.

    Called while holding the institution's advisory lock: a job still marked running therefore has no live worker
    (a live one would hold the lock), and is taken over — the redelivery of a killed worker's message.
    """
    if attempt is not None and attempt != job.attempt:
        return False
    now = timezone.now()
    fields = {
        "state": ImportState.VALIDATING,
        "started_at": now,
        "heartbeat_at": now,
        "processed_rows": 0,
        "message": "",
        "message_en": "",
        "worker": f"{socket.gethostname()}:{os.getpid()}"[:200],
    }
    claimed = ImportJob.objects.filter(
        pk=job.pk,
        attempt=job.attempt,
        cancel_requested=False,
        state__in=[ImportState.QUEUED, *RUNNING_IMPORT_STATES],
    ).update(**fields)
    if claimed:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(claimed)


def inventory_import_process(job_id: int, attempt: int | None = None) -> ImportJob | None:
    """Run one import job (``attempt``: the one the message was sent for; None: the current one) to its end.

    Safe to run again: a finished job is left alone, an unfinished one restarts (its writes happen in one transaction,
    so a crash leaves nothing behind), a message of a superseded attempt does nothing.
    """
    job = ImportJob.objects.select_related("institution", "org_unit", "uploaded_by").filter(pk=job_id).first()
    if job is None:  # deleted before a worker got to it
        return None
    if job.state in FINAL_IMPORT_STATES:
        return job
    with institution_import_lock(job.institution_id):
        job.refresh_from_db()  # a cancel or a retry may have come while this worker waited for the lock
        if not _claim(job, attempt):
            return job
        path = None
        try:
            with _heartbeat(job) as beat:
                fd, path = tempfile.mkstemp(prefix=_temp_prefix(job), suffix=_suffix(job), dir=import_temp_dir())
                os.close(fd)
                _local_copy(job, path)
                try:
                    _run(job, path, beat)
                except _Stop:
                    _stopped(job)
                except Exception:
                    # The heartbeat interrupted the apply for a cancel: Django's DatabaseError, or psycopg2's own
                    # QueryCanceled from the raw COPY. The transaction has rolled back either way.
                    if beat.stop_requested.is_set():
                        _stopped(job)
                    else:
                        raise
        finally:
            _remove(path)
    return job


def _suffix(job: ImportJob) -> str:
    return ".csv" if is_csv(job.original_name) else ".xlsx"


def _reader_for(job: ImportJob, path: str):
    """The reader of the job's kind; a job that names none gets the kind its headers show."""
    csv_file = is_csv(job.original_name)
    if not job.kind:
        database = csv_file or looks_like_database_export(sheet_head(path, csv_file=False))
        _update(job, kind=ImportKind.PATENT_DATABASE if database else ImportKind.NATIONAL)
    if job.kind == ImportKind.PATENT_DATABASE:

        def read(path, *, max_blank_run=None, **limits):  # a database export has no styled blank tail to cut
            return read_patent_database(path, csv_file=csv_file, **limits)

        return read
    return read_inventory


def _run(job: ImportJob, path: str, beat: _Heartbeat) -> None:
    try:
        parsed = _reader_for(job, path)(
            path,
            max_rows=settings.INVENTORY_MAX_ROWS,
            max_sheets=settings.INVENTORY_MAX_SHEETS,
            max_uncompressed_bytes=settings.INVENTORY_MAX_UNCOMPRESSED_BYTES,
            max_blank_run=settings.INVENTORY_MAX_BLANK_RUN,
            on_progress=lambda rows: _checkpoint(job, beat, processed_rows=rows),
        )
    except WorkbookRejected as exc:
        _finish(job, state=ImportState.REJECTED, message=exc.message[:500], message_en=exc.message_en[:500])
        return
    if parsed.total_rows == 0 and not parsed.errors:
        _finish(job, state=ImportState.REJECTED, **_no_data_message(parsed))
        return
    _checkpoint(job, beat, total_rows=parsed.total_rows, processed_rows=parsed.total_rows,
                patents_in_file=parsed.patents)  # fmt: skip
    plan = plan_import(job, parsed.records)
    errors = sorted(parsed.errors + plan.errors, key=error_order)
    if errors:
        _checkpoint(job, beat)
        sheet_name = parsed.sheet_name
        del parsed, plan  # the records of a big file are not needed to write its errors: free them first
        _fail(job, path, errors, sheet_name=sheet_name)
        return
    counts = {
        "created_count": len(plan.new),
        "updated_count": len(plan.updated),
        "unchanged_count": plan.unchanged,
        "rejected_count": 0,
        "error_count": 0,
        "patents_in_file": len(parsed.records),
        "inventory_only_count": plan.inventory_only,
        "suggested_count": plan.suggested,
    }
    if job.dry_run:
        _finish(job, state=ImportState.SUCCEEDED, **counts, message="仅校验：文件无误，未写入任何数据",
                message_en="Dry run: the file is valid; nothing was written")  # fmt: skip
        return
    _checkpoint(job, beat, state=ImportState.APPLYING)
    del parsed
    with beat.applying(), transaction.atomic():
        apply_import(job, plan)
        if beat.stop_requested.is_set():
            raise _Stop
        # The job's outcome commits with the data: a crash in between leaves neither. The UPDATE is conditional, so
        # if the sweep (or a cancel) got to the row first, the whole apply rolls back instead.
        _finish(job, expected=ImportState.APPLYING, state=ImportState.SUCCEEDED, **counts, **_suggested_message(plan))


def _suggested_message(plan) -> dict[str, str]:
    if not plan.suggested:
        return {}
    return {
        "message": f"{plan.suggested} 件专利未填写国民经济行业分类或战新分类：已填入系统建议（标记为“建议”）",
        "message_en": f"{plan.suggested} patents: AA/AC suggested (left blank in the file, marked as suggested)",
    }


def _finish(job: ImportJob, *, expected: str | None = None, **fields) -> None:
    """Put the job in a final state if this worker still holds it (same attempt, running, not cancelled); raise _Stop
    otherwise (inside the apply transaction that rolls the apply back)."""
    fields.setdefault("finished_at", timezone.now())
    states = [expected] if expected else list(RUNNING_IMPORT_STATES)
    done = ImportJob.objects.filter(pk=job.pk, attempt=job.attempt, state__in=states, cancel_requested=False).update(
        heartbeat_at=Now(), **fields
    )
    if not done:
        raise _Stop
    for name, value in fields.items():
        setattr(job, name, value)


def _stopped(job: ImportJob) -> None:
    """After a rollback for a stop: a cancelled job ends cancelled; a job someone else took is left to them."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, attempt=job.attempt, state__in=RUNNING_IMPORT_STATES, cancel_requested=True
    ).update(
        state=ImportState.CANCELLED,
        finished_at=timezone.now(),
        heartbeat_at=Now(),
        message="已取消，未写入任何数据",
        message_en="Cancelled; nothing was written",
    )
    if cancelled:
        logger.info("import %s cancelled by the uploader", job.pk)
    job.refresh_from_db()


def _no_data_message(parsed) -> dict:
    blank_run = getattr(parsed, "blank_run", None)
    if blank_run:
        start, length = blank_run
        return {
            "message": f"文件没有数据行：表头之后从第 {start} 行起连续 {length} 行都是空行，读取到此为止。"
            "请把数据从表头下一行开始填写，并删除多余的空行或格式",
            "message_en": f"The file has no data rows: from row {start} on, {length} consecutive rows below the "
            "headers are blank, so reading stopped there. Fill the data in from the row below the headers and delete "
            "the extra blank or formatted rows",
        }
    return {
        "message": "文件没有数据行：表头之下没有任何专利。请在模板的表头下（第 4 行起）填写数据后再上传",
        "message_en": "The file has no data rows: there is no patent below the headers. Fill the template in below its "
        "headers (from row 4) and upload it again",
    }


def _fail(job: ImportJob, path: str, errors: list[CellError], *, sheet_name: str) -> None:
    """Record every error and a workbook with the bad cells marked; nothing else is written.

    A file of up to INVENTORY_MARKED_COPY_MAX_ROWS data rows gets a marked copy of itself (openpyxl loads it whole:
    cheap at that size); a bigger one gets the streamed workbook of its bad rows, which costs about what reading costs.
    """
    # openpyxl only on the failure path: the worker stays lean
    from .writer import write_error_copy, write_error_workbook

    error_file_name = ""
    fd, marked = tempfile.mkstemp(prefix=_temp_prefix(job) + "errors-", suffix=".xlsx", dir=import_temp_dir())
    os.close(fd)
    try:
        # The reader has already checked the archive against the same limits; no second inflate of every member.
        if job.total_rows <= settings.INVENTORY_MARKED_COPY_MAX_ROWS:
            write_error_copy(path, marked, errors, sheet_name=sheet_name, check_archive=False)
        else:
            write_error_workbook(path, marked, errors, sheet_name=sheet_name)
        with open(marked, "rb") as handle:
            job.error_file.save(f"errors-{job.pk}.xlsx", File(handle), save=False)
        error_file_name = job.error_file.name
    except Exception:  # the error list stands on its own; a workbook that cannot be re-read gets no marked copy
        logger.exception("could not write the marked copy of import %s", job.pk)
    finally:
        _remove(marked)
    _finish(
        job,
        state=ImportState.FAILED,
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


# -- the sweep --------------------------------------------------------------------------------------------------------


def inventory_import_sweep(*, stale_seconds: int | None = None) -> list[int]:
    """Mark running jobs whose heartbeat stopped as stale (or cancelled, when a cancel was pending) and remove orphaned
    local copies. Returns the ids of the jobs it marked. Any number of sweepers may run at once: each job is marked by
    exactly one of them, and a job a live worker is finishing (its row locked) is skipped."""
    stale_seconds = settings.INVENTORY_JOB_STALE_SECONDS if stale_seconds is None else stale_seconds
    cutoff = timezone.now() - timedelta(seconds=stale_seconds)
    beat_stopped = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    marked: list[int] = []
    with transaction.atomic():
        candidates = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(beat_stopped, state__in=RUNNING_IMPORT_STATES)
            .only("pk", "cancel_requested", "heartbeat_at")
        )
        for job in candidates:
            if job.cancel_requested:
                fields = {"state": ImportState.CANCELLED, "message": "已取消，未写入任何数据",
                          "message_en": "Cancelled; nothing was written"}  # fmt: skip
            else:
                last = timezone.localtime(job.heartbeat_at).strftime("%H:%M:%S") if job.heartbeat_at else "—"
                fields = {
                    "state": ImportState.STALE,
                    "message": f"处理中断：处理进程已停止响应（最后心跳 {last}，超过 {stale_seconds} 秒），"
                    "未写入任何数据。可点击“重新导入”再次运行",
                    "message_en": f"Interrupted: the worker stopped responding (last heartbeat {last}, over "
                    f"{stale_seconds} s ago); nothing was written. Use Retry to run it again",
                }
            # Re-checked in the UPDATE itself: a worker that beat in the meantime keeps its job.
            if ImportJob.objects.filter(beat_stopped, pk=job.pk, state__in=RUNNING_IMPORT_STATES).update(
                finished_at=timezone.now(), **fields
            ):
                marked.append(job.pk)
    for pk in marked:
        logger.warning("import %s marked stale: its worker stopped beating for over %s s", pk, stale_seconds)
    remove_orphaned_copies()
    return marked


def remove_orphaned_copies(*, max_age: int = ORPHAN_AGE_SECONDS) -> list[str]:
    """Remove local copies in INVENTORY_TEMP_DIR that no live task can be using: older than ``max_age``, or of a job
    that is no longer running that attempt (killed workers leave them; a finished task removes its own)."""
    folder = Path(settings.INVENTORY_TEMP_DIR)
    if not folder.is_dir():
        return []
    files: dict[Path, tuple[int, int] | None] = {}
    for entry in folder.iterdir():
        if not entry.is_file():
            continue
        name = entry.name
        try:
            job_part, attempt_part = name.split("-", 2)[:2]
            files[entry] = (int(job_part.removeprefix("job")), int(attempt_part.removeprefix("a")))
        except ValueError:
            files[entry] = None
    live = {
        (pk, attempt)
        for pk, attempt in ImportJob.objects.filter(
            pk__in={key[0] for key in files.values() if key}, state__in=RUNNING_IMPORT_STATES
        ).values_list("pk", "attempt")
    }
    now = time.time()
    removed = []
    for entry, key in files.items():
        try:
            old = now - entry.stat().st_mtime > max_age
        except FileNotFoundError:
            continue
        if old or (key is not None and key not in live):
            _remove(str(entry))
            removed.append(entry.name)
    return removed
