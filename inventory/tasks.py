"""Celery tasks of the inventory import. Tasks take ids, never objects, and are safe to run twice."""

import ctypes
import ctypes.util
import gc

from celery import shared_task
from django.db import OperationalError

from .jobs import inventory_import_process
from .jobs import inventory_import_sweep as sweep


@shared_task(
    name="institutions.inventory_import_run",  # the name from before the app moved: queued messages still match
    acks_late=True,
    autoretry_for=(OperationalError,),  # a lost database connection is transient; bad data is never retried
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=1200,
    time_limit=1500,
)
def inventory_import_run(job_id: int, attempt: int | None = None) -> str:
    """Process one inventory import job (``attempt``: the attempt this message was sent for)."""
    try:
        job = inventory_import_process(job_id, attempt)
        return job.state if job else "missing"
    finally:
        release_memory()


@shared_task(name="inventory.inventory_import_sweep", acks_late=True, soft_time_limit=50, time_limit=55)
def inventory_import_sweep() -> list[int]:
    """Mark running imports whose worker stopped beating as stale; remove orphaned local copies."""
    return sweep()


def release_memory() -> None:
    """Hand the memory a finished import freed back to the operating system, so the worker returns to its idle size.

    CPython frees the objects, but glibc keeps the freed arenas mapped; ``malloc_trim`` returns them. (A child that
    stays above ``worker_max_memory_per_child`` all the same is replaced by Celery after the task.)
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        pass
