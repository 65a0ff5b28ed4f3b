"""Server time of the quarterly dashboards and of a nationwide quarter snapshot.

    .venv/bin/python bench/dashboard_bench.py --database-url postgres://postgres@127.0.0.1:5432/patentpool_bench \
        [--patents 1350000] [--workers 4] [--runs 5]

On a database holding ``--patents`` demo patents (generated first when the database has fewer: ``generate_demo_data``
with realistic deals — about 4 % of approved patents, most registered or recorded with CNIPA weeks after signing).
Here (a shared machine) it was run with ``--patents 100000``; the national-scale run is the command above with
``--patents 1350000``.

Timed, in-process through ``django.test.Client`` (URL resolving, middleware, session, SQL, template; DEBUG off):
  * province, past quarter from snapshots   (target ≤ 50 ms at 1.35 M) — the largest province's bureau;
  * province, current quarter                (target ≤ 200 ms): as the bureau sees it, from the provisional rows beat
    refreshes every 15 minutes (``province_current_ms``), and counted live, as when those rows are missing or
    older than 30 minutes (``province_live_ms``);
  * national view                           (target ≤ 300 ms) — from the current quarter's provisional rows, as beat
    keeps them; the live fallback (no provisional rows) is reported too;
  * snapshot generation of one quarter nationwide: the province chunks run on ``--workers`` processes (each its own
    database connection, as Celery workers would), then the roll-up; reported: wall time, each chunk's time, and how
    the chunks split across the workers.
The demo generator leaves matching to the workers at this scale (0 pushes) and writes few ratings and production
records; unless ``--no-synthetic-market``, the bench then adds them in SQL so that every quarterly figure has
realistic volume: 3 pushes per resource-library patent (≈1.8 M) and one rating for every 10th (≈60 k), dated over
the last two years, and a production record for 30 % of the deals (half of them with a product filing).
Median of ``--runs`` warm requests. Results: bench/out/dashboard_bench.json. Writes: the snapshot rows of the bench
quarter (the previous quarter, replaced) and the provisional rows of the current one, and one bench user per role.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
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
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
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


SYNTHETIC_MARKET = """
WITH e AS (SELECT min(id) AS lo, count(*) AS n FROM enterprises_enterprise),
     lib AS (SELECT a.patent_id AS id FROM evaluations_selfassessment a
             WHERE a.review_state = 'approved' AND a.convertible)
INSERT INTO matching_push (score, reason, status, decline_reason, feedback, created_at, enterprise_id, patent_id)
SELECT 0.5, '基准数据 / bench data', 'new', '', '', now() - ((lib.id * 7 + g) % 730) * interval '1 day',
       e.lo + ((lib.id * 7 + g * 1013) % e.n), lib.id
FROM lib, e, generate_series(1, 3) AS g;

WITH e AS (SELECT min(id) AS lo, count(*) AS n FROM enterprises_enterprise),
     lib AS (SELECT a.patent_id AS id FROM evaluations_selfassessment a
             WHERE a.review_state = 'approved' AND a.convertible AND a.patent_id % 10 = 0)
INSERT INTO market_marketevaluation (prospect_stars, improvement_needs, improvement_text, cooperation, low_reasons,
    low_reason_text, price_band, contact_name, contact_phone, opinion, created_at, updated_at, answer, answer_text,
    enterprise_id, patent_id)
SELECT 3 + lib.id % 3, '[]', '', 'license', '[]', '', '', '', '', '', now() - (lib.id % 700) * interval '1 day', now(),
       '', '', e.lo + ((lib.id * 7 + 1013) % e.n), lib.id
FROM lib, e
ON CONFLICT DO NOTHING;

UPDATE evaluations_selfassessment a SET market_rating_count = r.n, market_stars = r.stars
FROM (SELECT patent_id, count(*) AS n, avg(prospect_stars) AS stars FROM market_marketevaluation GROUP BY patent_id) r
WHERE a.patent_id = r.patent_id;

INSERT INTO transfers_industrialization (product_name, started_on, sales_band, product_filing_number, filed_on,
    recorded_at, deal_id, patent_id)
SELECT '基准产品', d.contract_date + 90, '', CASE WHEN d.id % 2 = 0 THEN 'CP-' || d.id ELSE '' END,
       CASE WHEN d.id % 2 = 0 THEN d.contract_date + 180 END, now(), d.id, d.patent_id
FROM transfers_deal d WHERE d.id % 10 < 3 AND d.contract_date + 90 <= current_date;
ANALYZE matching_push; ANALYZE market_marketevaluation; ANALYZE transfers_industrialization;
ANALYZE evaluations_selfassessment;
"""


def synthesize_market() -> dict:
    """Add pushes, ratings and production records in SQL (see the module docstring); what it added."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in SYNTHETIC_MARKET.split(";"):
            if statement.strip():
                cursor.execute(statement)
    from market.models import MarketEvaluation
    from matching.models import Push
    from transfers.models import Industrialization

    return {"pushes": Push.objects.count(), "ratings": MarketEvaluation.objects.count(),
            "industrializations": Industrialization.objects.count(), "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


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
    parser.add_argument("--no-synthetic-market", action="store_true", help="leave pushes/ratings as generated")
    args = parser.parse_args()
    setup(args.database_url)

    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dashboards.models import QuarterSnapshot
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
    from matching.models import Push

    synthetic = None
    if not args.no_synthetic_market and not Push.objects.exists():
        synthetic = synthesize_market()
    n_patents, n_deals = Patent.objects.count(), Deal.objects.count()
    registered = Deal.objects.filter(registered_on__isnull=False).count()

    today = timezone.localdate()
    current, past = Quarter.of(today), Quarter.of(today).previous()
    result = {"patents": n_patents, "deals": n_deals, "registered_deals": registered, "workers": args.workers,
              "busy_processes": busy, "synthetic_market": synthetic}  # fmt: skip

    # Snapshot of the past quarter, chunks shared by worker processes.
    start = time.perf_counter()
    run = snapshot_run_start(quarter=past, final=True, replace=True)
    # Spawned, not forked: a forked child would share the parent's open database socket.
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
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
    # Live first: without the current quarter's provisional rows (an earlier run's would be read while fresh).
    QuarterSnapshot.objects.filter(year=current.year, quarter=current.number, final=False).delete()
    result["province_live_ms"] = timed(client_b, "/dashboard/", args.runs)
    result["national_live_fallback_ms"] = timed(client_a, "/dashboard/", max(1, args.runs // 2))
    start = time.perf_counter()
    snapshot_quarter(quarter=current, final=False)
    result["provisional_refresh_s"] = round(time.perf_counter() - start, 2)
    result["national_ms"] = timed(client_a, "/dashboard/", args.runs)
    # What the bureau sees now: its province's current quarter from those rows (while under 30 minutes old).
    result["province_current_ms"] = timed(client_b, "/dashboard/", args.runs)
    result["national_past_ms"] = timed(client_a, f"/dashboard/?quarter={past}", args.runs)
    targets = {"province_snapshot_ms": 50, "province_current_ms": 200, "province_live_ms": 200, "national_ms": 300}
    result["verdict"] = {k: ("PASS" if result[k] <= v else "FAIL") + f" (target {v} ms)" for k, v in targets.items()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
