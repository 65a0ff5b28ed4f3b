"""Celery tasks of the market side. Tasks take ids, never objects, and are safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .jobs import evaluation_import_process


@shared_task(
    name="market.evaluation_import_run",
    acks_late=True,
    autoretry_for=(OperationalError,),  # a lost database connection is transient; bad data is never retried
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=600,
    time_limit=700,
)
def evaluation_import_run(job_id: int) -> str:
    """Process one provincial evaluation return."""
    job = evaluation_import_process(job_id)
    return job.state if job else "missing"
