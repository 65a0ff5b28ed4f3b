"""Server time of the quarterly dashboards and of a nationwide quarter snapshot.

    .venv/bin/python bench/dashboard_bench.py --database-url postgres://postgres@127.0.0.1:5432/patentpool_bench \
        [--patents 1350000] [--workers 4] [--runs 5]

On a database holding ``--patents`` demo patents (generated first when the database has fewer: ``generate_demo_data``
with realistic deals — about 4 % of approved patents, most registered or recorded with CNIPA weeks after signing).
Here (a shared machine) it was run with ``--patents 100000``; the national-scale run is the command above with
``--patents 1350000``.

Timed, in-process through ``django.test.Client`` (URL resolving, middleware, session, SQL, template; DEBUG off):
  * province, past quarter from snapshots   (target ≤ 50 ms at 1.35 M) — the largest province's bureau;
  * province, live current quarter          (target ≤ 200 ms);
  * national view                           (target ≤ 300 ms) — from the current quarter's provisional rows, as beat
    keeps them; the live fallback (no provisional rows) is reported too;
  * snapshot generation of one quarter nationwide: the province chunks run on ``--workers`` processes (each its own
    database connection, as Celery workers would), then the roll-up; reported: wall time, each chunk's time, and how
    the chunks split across the workers.
Median of ``--runs`` warm requests. Results: bench/out/dashboard_bench.json. Writes: the snapshot rows of the bench
quarter (the previous quarter, replaced) and the provisional rows of the current one, and one bench user per role.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import OUT, processes_matching  # noqa: E402


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def _chunk(args) -> tuple[int, int, float]:
    database_url, run_id, province_id = args
    setup(database_url)
    from django.db import connection

    from dashboards.snapshots import snapshot_province

    start = time.perf_counter()
    snapshot_province(run_id=run_id, province_id=province_id)
    connection.close()
    return os.getpid(), province_id, time.perf_counter() - start


def timed(client, url: str, runs: int) -> float:
    client.get(url)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/patentpool_bench")
    parser.add_argument("--patents", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup(args.database_url)

    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dashboards.quarters import Quarter
    from dashboards.snapshots import snapshot_quarter, snapshot_rollup, snapshot_run_start
    from institutions.choices import Role
    from institutions.models import Institution, User
    from patentpool.models import Patent
    from transfers.models import Deal

    busy = processes_matching(("generate_demo_data", "pytest", "dashboard_bench"))
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    have = Patent.objects.count()
    if have < args.patents:
        call_command("generate_demo_data", patents=args.patents - have)
    n_patents, n_deals = Patent.objects.count(), Deal.objects.count()
    registered = Deal.objects.filter(registered_on__isnull=False).count()

    today = timezone.localdate()
    current, past = Quarter.of(today), Quarter.of(today).previous()
    result = {"patents": n_patents, "deals": n_deals, "registered_deals": registered, "workers": args.workers,
              "busy_processes": busy}  # fmt: skip

    # Snapshot of the past quarter, chunks shared by worker processes.
    start = time.perf_counter()
    run = snapshot_run_start(quarter=past, final=True, replace=True)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        chunks = list(pool.map(_chunk, [(args.database_url, run.pk, p) for p in run.province_ids]))
    chunk_wall = time.perf_counter() - start
    rollup_start = time.perf_counter()
    snapshot_rollup(run_id=run.pk)
    rollup_s = time.perf_counter() - rollup_start
    by_worker: dict[int, list[float]] = {}
    for pid, _province, seconds in chunks:
        by_worker.setdefault(pid, []).append(seconds)
    result["snapshot"] = {
        "quarter": str(past),
        "wall_s": round(chunk_wall + rollup_s, 2),
        "chunks_wall_s": round(chunk_wall, 2),
        "rollup_s": round(rollup_s, 2),
        "chunks": len(chunks),
        "chunk_s_max": round(max(c[2] for c in chunks), 2),
        "chunk_s_median": round(statistics.median(c[2] for c in chunks), 2),
        "per_worker_s": sorted(round(sum(v), 2) for v in by_worker.values()),
        "serial_sum_s": round(sum(c[2] for c in chunks), 2),
    }

    # Users: the bureau of the largest province, a national admin.
    largest = (
        Institution.objects.values("province_id").annotate(n=Count("patents")).order_by("-n").first()["province_id"]
    )
    bureau, _ = User.objects.update_or_create(username="bench_dash_bureau",
                                              defaults={"role": Role.PROVINCIAL_BUREAU, "province_id": largest})  # fmt: skip
    admin, _ = User.objects.update_or_create(username="bench_dash_admin", defaults={"role": Role.NATIONAL_ADMIN})
    client_b, client_a = Client(), Client()
    client_b.force_login(bureau)
    client_a.force_login(admin)
    result["province_patents"] = Patent.objects.filter(institution__province_id=largest).count()
    result["province_snapshot_ms"] = timed(client_b, f"/dashboard/?quarter={past}", args.runs)
    result["province_live_ms"] = timed(client_b, "/dashboard/", args.runs)
    result["national_live_fallback_ms"] = timed(client_a, "/dashboard/", max(1, args.runs // 2))
    start = time.perf_counter()
    snapshot_quarter(quarter=current, final=False)
    result["provisional_refresh_s"] = round(time.perf_counter() - start, 2)
    result["national_ms"] = timed(client_a, "/dashboard/", args.runs)
    result["national_past_ms"] = timed(client_a, f"/dashboard/?quarter={past}", args.runs)
    targets = {"province_snapshot_ms": 50, "province_live_ms": 200, "national_ms": 300}
    result["verdict"] = {k: ("PASS" if result[k] <= v else "FAIL") + f" (target {v} ms)" for k, v in targets.items()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
