"""Celery tasks of the inventory import. Tasks take ids, never objects, and are safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .jobs import inventory_import_process


@shared_task(
    name="institutions.inventory_import_run",  # the name from before the app moved: queued messages still match
    acks_late=True,
    autoretry_for=(OperationalError,),  # a lost database connection is transient; bad data is never retried
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=1200,
    time_limit=1500,
)
def inventory_import_run(job_id: int) -> str:
    """Process one inventory import job."""
    job = inventory_import_process(job_id)
    return job.state if job else "missing"
