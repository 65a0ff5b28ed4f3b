"""Quarter snapshots on the workers: one task per province chunk, dispatched by beat or by the command.

Tasks take ids and quarter numbers, never objects, and are idempotent: a chunk delivered twice writes the same rows
and is counted once; the worker that completes the last chunk rolls up.
"""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .quarters import Quarter
from .snapshots import snapshot_province, snapshot_rollup, snapshot_run_start


def snapshot_dispatch(*, quarter: Quarter, final: bool, replace: bool = False) -> int | None:
    """Open the run and queue its province chunks on commit; the run's id, or None when nothing is to be done."""
    run = snapshot_run_start(quarter=quarter, final=final, replace=replace)
    if run is None:
        return None
    for province_id in run.province_ids:
        transaction.on_commit(lambda p=province_id: dashboards_snapshot_chunk.delay(run.pk, p))
    return run.pk


@shared_task(name="dashboards.snapshot_chunk", acks_late=True)
def dashboards_snapshot_chunk(run_id: int, province_id: int) -> None:
    if snapshot_province(run_id=run_id, province_id=province_id):
        snapshot_rollup(run_id=run_id)


@shared_task(name="dashboards.seal_previous_quarter", acks_late=True)
def dashboards_seal_previous_quarter() -> int | None:
    """Beat, daily: seal the quarter that has just ended unless it already is (re-runnable, idempotent)."""
    return snapshot_dispatch(quarter=Quarter.of(timezone.localdate()).previous(), final=True)


@shared_task(name="dashboards.refresh_current_quarter", acks_late=True)
def dashboards_refresh_current_quarter() -> int | None:
    """Beat: the current quarter's provisional rows, which the national and ministry views read."""
    return snapshot_dispatch(quarter=Quarter.of(timezone.localdate()), final=False)
