"""Imports through the real broker and a real Celery worker: dispatched on commit, progress on the row, and two
uploads of one institution never interleave."""

from __future__ import annotations

import time

import pytest
from conftest import make_record, token_client, upload, workbook_bytes

from institutions.choices import Role
from institutions.models import User
from inventory.choices import FINAL_IMPORT_STATES, ImportState
from inventory.models import ImportJob
from inventory.services import inventory_import_start
from patentpool.models import Patent

pytestmark = pytest.mark.committed


def wait_for(job_ids, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = list(ImportJob.objects.filter(pk__in=job_ids).order_by("pk"))
        if all(j.state in FINAL_IMPORT_STATES for j in jobs):
            return jobs
        time.sleep(0.2)
    raise AssertionError(f"jobs not finished: {[(j.pk, j.state) for j in jobs]}")


def test_rest_upload_is_processed_by_a_worker(live_world, celery_worker_threads):
    client = token_client(live_world.users["institution_admin"])
    records = [make_record(i) for i in range(1, 40)]

    response = client.post("/api/inventory-imports/", {"file": upload(workbook_bytes(records))}, format="multipart")

    assert response.status_code == 202
    (job,) = wait_for([response.json()["id"]])
    assert (job.state, job.created_count, job.total_rows, job.processed_rows) == (ImportState.SUCCEEDED, 39, 39, 39)
    body = client.get(f"/api/inventory-imports/{job.pk}/").json()
    assert (body["state"], body["progress_percent"], body["created_count"]) == ("succeeded", 100, 39)
    assert Patent.objects.filter(institution=live_world.uni).count() == 2 + 39


def test_two_uploads_of_one_institution_never_interleave(live_world, celery_worker_threads):
    admin = live_world.users["institution_admin"]
    other_admin = User.objects.create(username="far_admin", role=Role.INSTITUTION_ADMIN, institution=live_world.far_uni)
    big = workbook_bytes([make_record(i, org_unit="") for i in range(1, 3001)])

    first = inventory_import_start(user=admin, upload=upload(big))
    second = inventory_import_start(user=admin, upload=upload(big))
    elsewhere = inventory_import_start(
        user=other_admin, upload=upload(workbook_bytes([make_record(i, org_unit="") for i in range(5001, 5011)]))
    )
    jobs = {j.pk: j for j in wait_for([first.pk, second.pk, elsewhere.pk])}
    first, second, elsewhere = jobs[first.pk], jobs[second.pk], jobs[elsewhere.pk]

    assert {first.state, second.state, elsewhere.state} == {ImportState.SUCCEEDED}
    a, b = sorted([first, second], key=lambda j: j.started_at)
    # Both were waiting at once (the second was queued before the first finished) …
    assert b.created_at < a.finished_at
    # … yet the second started only after the first had finished: no interleaving.
    assert b.started_at >= a.finished_at
    assert (a.created_count, a.unchanged_count, b.created_count, b.unchanged_count) == (3000, 0, 0, 3000)
    assert Patent.objects.filter(institution=live_world.uni).count() == 2 + 3000
    assert elsewhere.created_count == 10
