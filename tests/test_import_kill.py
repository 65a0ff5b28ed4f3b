"""A real `celery worker` process killed with SIGKILL in the middle of an import's write phase: the job does not stay
stranded, nothing of the file is in the database, no lock and no temporary copy is left, and a retry imports the file
exactly once.

The apply is held in the middle deterministically: before the upload the test takes a table lock on the conversion
intents (written after the patents and assessments), so the worker's apply transaction has written its patents and
then waits — with its transaction open — until the test kills it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from conftest import make_record, token_client, upload, workbook_bytes
from django.conf import settings
from django.db import connection

from evaluations.models import ConversionIntent, SelfAssessment
from inventory.choices import ImportState
from inventory.jobs import IMPORT_LOCK_NAMESPACE
from inventory.models import ImportJob
from patentpool.models import Patent

pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parents[1]
STALE_SECONDS = 4


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _side_connection():
    s = connection.settings_dict
    return psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], password=s.get("PASSWORD") or None, host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
    )  # fmt: skip


def _start_worker(tmp_path: Path, name: str, *, beat: bool = False) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "INVENTORY_TEMP_DIR": str(tmp_path / "imports-tmp"),
        "INVENTORY_JOB_HEARTBEAT_SECONDS": "0.5",
        "INVENTORY_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "INVENTORY_SWEEP_SECONDS": "1",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "kill-test",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
               f"--hostname={name}@%h", "--without-gossip", "--without-mingle"]  # fmt: skip
    if beat:
        command += ["--beat", f"--schedule={tmp_path / 'beat-schedule'}"]
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _advisory_locks(institution_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
            # pg_locks lists every database's locks: other test databases on the server use the same keys
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [IMPORT_LOCK_NAMESPACE, institution_id],
        )
        return cursor.fetchone()[0]


def _lock_waiters() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return [row[0] for row in cursor.fetchall()]


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


def test_worker_killed_during_the_write_phase(live_world, tmp_path):
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("set REDIS_URL: this test needs the real broker")
    app.control.purge()
    client = token_client(live_world.users["institution_admin"])
    records = [make_record(i, org_unit="") for i in range(1, 31)]
    patents_before = Patent.objects.count()
    assessments_before = SelfAssessment.objects.count()
    temp_dir = tmp_path / "imports-tmp"
    side = _side_connection()
    first = second = None
    try:
        # given: a worker, and the conversion-intent table locked so the apply stops half-way, transaction open
        with side.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ConversionIntent._meta.db_table} IN EXCLUSIVE MODE")
        first = _start_worker(tmp_path, "kill-a")
        response = client.post("/api/inventory-imports/", {"file": upload(workbook_bytes(records))}, format="multipart")
        assert response.status_code == 202
        job_id = response.json()["id"]

        _wait(lambda: ImportJob.objects.get(pk=job_id).state == ImportState.APPLYING, 60, "the write phase")
        (waiter,) = _wait(_lock_waiters, 20, "the apply to wait on the table lock")
        # The rest of the fleet: a second worker, with the beat that sweeps (every second here, every minute by default).
        second = _start_worker(tmp_path, "kill-b", beat=True)
        _wait(lambda: app.control.ping(destination=[f"kill-b@{socket.gethostname()}"], timeout=0.5), 60,
              "the second worker to be up", 0.2)  # fmt: skip
        # The heartbeat commits while the apply transaction is open: it keeps moving during the wait.
        beat_1 = ImportJob.objects.get(pk=job_id).heartbeat_at
        _wait(lambda: ImportJob.objects.get(pk=job_id).heartbeat_at > beat_1, 5, "a heartbeat")
        beat_2 = ImportJob.objects.get(pk=job_id).heartbeat_at
        _wait(lambda: ImportJob.objects.get(pk=job_id).heartbeat_at > beat_2, 5, "a second heartbeat")
        assert _advisory_locks(live_world.uni.pk) == 1
        assert len(list(temp_dir.iterdir())) == 1  # the worker's local copy of the upload

        # when: the worker is killed by its PID, then the table lock goes away
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        side.rollback()
        _wait(lambda: not _backend_alive(waiter), 20, "PostgreSQL to end the killed worker's session")

        # then: the job is stranded for now, but nothing was written and the session lock went with the session
        job = ImportJob.objects.get(pk=job_id)
        assert job.state == ImportState.APPLYING
        assert (Patent.objects.count(), SelfAssessment.objects.count()) == (patents_before, assessments_before)
        assert _advisory_locks(live_world.uni.pk) == 0
        assert len(list(temp_dir.iterdir())) == 1  # SIGKILL runs no finally: the copy is an orphan

        # The sweep marks the job stale within the configured seconds of its last heartbeat (plus one sweep interval),
        # and removes the orphaned copy.
        _wait(lambda: ImportJob.objects.get(pk=job_id).state == ImportState.STALE, 30, "the sweep", 0.1)
        job = ImportJob.objects.get(pk=job_id)
        assert (
            job.finished_at - job.heartbeat_at
        ).total_seconds() <= STALE_SECONDS + 4  # one sweep interval (1 s) and slack on a shared machine
        assert time.monotonic() - killed_at <= 30
        assert "处理中断" in job.message and "Interrupted" in job.message_en
        assert (job.attempt, job.created_count) == (1, 0)
        body = client.get(f"/api/inventory-imports/{job_id}/").json()
        assert (body["state"], body["state_display"], body["can_retry"], body["can_cancel"]) == (
            "stale", "已中断", True, False,
        )  # fmt: skip
        _wait(lambda: not list(temp_dir.iterdir()), 10, "the orphaned copy to be removed")
        assert Patent.objects.count() == patents_before

        # Retry: a new attempt on the stored upload, run once to success.
        response = client.post(f"/api/inventory-imports/{job_id}/retry/")
        assert response.status_code == 202
        assert (response.json()["state"], response.json()["attempt"]) == ("queued", 2)
        _wait(lambda: ImportJob.objects.get(pk=job_id).state == ImportState.SUCCEEDED, 60, "the retry", 0.1)
        job = ImportJob.objects.get(pk=job_id)
        assert (job.attempt, job.created_count, job.updated_count, job.total_rows) == (2, 30, 0, 30)
        assert Patent.objects.count() == patents_before + 30
        assert Patent.objects.filter(institution=live_world.uni).count() == 2 + 30
        assert SelfAssessment.objects.count() == assessments_before + 30
        assert _advisory_locks(live_world.uni.pk) == 0
        assert not list(temp_dir.iterdir())
    finally:
        side.close()
        if first is not None and first.poll() is None:
            first.kill()
            first.wait()
        _stop(second)
        app.control.purge()
