"""Full rematch on real Celery workers: N library patents × M enterprises.

    cd /work/main && .venv/bin/python bench/match_bench.py --library 10000 --enterprises 1000 --scales 1,2,4 --workers 2

On its own PostgreSQL database (default ``patentpool_bench_match``, dropped and created; ``--database-url``) and the
Redis of ``REDIS_URL``:

1. Generates the demo world with ``--library`` patents in the conversion resource library (the demo approves ~45 %
   of its patents, so it generates library / 0.45) and ``--enterprises`` × the largest scale enterprises, without
   matching (``generate_demo_data --no-match``).
2. Starts ``--workers`` Celery worker processes (``--pool solo``: one process each, so a worker's peak RSS is its
   VmHWM) on that database.
3. For each scale s (enterprises × s approved, the rest pending — matching reads approved enterprises only): empties
   the pushes, sends ``matching.full_rematch`` (what the nightly beat sends) and waits for the run row to be done.
   The first run is cold (every patent's classes computed: ``classification.classify`` with jieba); the next ones are
   warm (classes current: only the fingerprints are checked) — the nightly case. Reports per run: the classify and
   the match phase, pushes created, pushes per second of the whole run, the workers' peak RSS.
4. Writes bench/out/match_bench.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import DEFAULT_REDIS_URL, OUT  # noqa: E402 - needs ROOT on sys.path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/patentpool_bench_match"
APPROVED_SHARE = 0.45


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=int, default=10_000, help="patents in the resource library")
    parser.add_argument("--enterprises", type=int, default=1_000)
    parser.add_argument("--scales", default="1", help="enterprise multiples to run, e.g. 1,2,4")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--out", default=str(OUT / "match_bench.json"))
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "DJANGO_DEBUG": "false"}
    env.setdefault("DJANGO_SECRET_KEY", "bench")
    env["DJANGO_ALLOWED_HOSTS"] = "localhost"

    started = time.monotonic()
    recreate_database(args.database_url)
    manage(env, "migrate", "-v0")
    manage(env, "load_reference_data")
    total_enterprises = args.enterprises * max(scales)
    patents = int(args.library / APPROVED_SHARE)
    print(
        manage(
            env, "generate_demo_data", "--patents", str(patents), "--enterprises", str(total_enterprises), "--no-match"
        )
    )
    setup_seconds = time.monotonic() - started

    os.environ.update({"DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from config.celery import app
    from enterprises.models import Enterprise
    from evaluations.selectors import in_library_q
    from matching.choices import RunState
    from matching.models import MatchRun, Push
    from patentpool.models import Patent

    library = Patent.objects.filter(in_library_q()).count()
    app.control.purge()
    workers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "-n",
                f"matchbench{i}@%h",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        for i in range(args.workers)
    ]
    runs = []
    try:
        time.sleep(8)  # workers up
        ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
        plan = [(scales[0], "cold")] + [(s, "warm") for s in scales]
        for scale, kind in plan:
            approved = ids[: args.enterprises * scale]
            Enterprise.objects.filter(pk__in=approved).update(status="approved")
            Enterprise.objects.exclude(pk__in=approved).update(status="pending")
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Push._meta.db_table}")
            last = MatchRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            t0 = time.monotonic()
            app.send_task("matching.full_rematch")
            classified_at = None
            while True:
                run = MatchRun.objects.filter(pk__gt=last).order_by("-pk").first()  # this run, never the last one
                if run is not None:
                    if classified_at is None and run.state in (RunState.MATCHING, RunState.DONE):
                        classified_at = time.monotonic()
                    if run.state == RunState.DONE:
                        break
                if time.monotonic() - t0 > args.timeout:
                    raise SystemExit("timed out")
                time.sleep(0.2)
            total = time.monotonic() - t0
            pushes = Push.objects.count()
            row = {
                "kind": kind,
                "library_patents": library,
                "enterprises": len(approved),
                "workers": args.workers,
                "seconds": round(total, 1),
                "classify_seconds": round(classified_at - t0, 1),
                "match_seconds": round(total - (classified_at - t0), 1),
                "chunks": run.chunks_total,
                "pushes": pushes,
                "pushes_per_second": round(pushes / total),
                "peak_rss_mb": [round(peak_rss_mb(w.pid)) for w in workers],
            }
            runs.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"setup_seconds": round(setup_seconds), "runs": runs, "cpu_count": os.cpu_count()}, indent=2)
    )


if __name__ == "__main__":
    main()
