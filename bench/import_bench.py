"""End-to-end benchmark of the national-format inventory import against django-import-export.

    cd /work/main && .venv/bin/python bench/import_bench.py --rows 100000 --runs 3 [--baseline-rows N] [--profile]
    cd /work/main && .venv/bin/python bench/import_bench.py --rows 100000 --runs 1 --error-path

What it does, on its own PostgreSQL database (default ``patentpool_bench_import``, dropped and created; override
with ``--database-url`` or ``BENCH_DATABASE_URL``):

1. Generates the workbook with ``bench/make_inventory_workbook.py`` (≈1.3 rows per patent, multi-row patents).
2. Migrates, loads the reference data, creates an institution, the colleges the generator writes in column G and an
   institution admin.
3. For each of ``--runs`` runs, from an empty patent library (the import tables are TRUNCATEd):
   * first import: the parent times from building the upload (``SimpleUploadedFile``) through
     ``inventory_import_start`` (file stored, job row, on-commit dispatch) to the job row being final; the job itself
     is run by ``inventory_import_process`` — the code the Celery task runs — in a separate, already started worker
     process (``--worker`` mode: Django set up and the task module imported, like a running Celery worker, then it
     waits for the job id), so the peak RSS measured for it is the worker's: its own VmHWM (peak RSS since exec),
     read in the worker when the job is done. The clock stops when inventory_import_process has returned (job row
     final and committed), not at the worker's exit. Asserts state 'succeeded' and created == patents in the file.
   * re-import of the same file, unchanged: asserts unchanged == patents, nothing created or updated.
4. The django-import-export baseline (``bench/baseline_resource.py``), once by default (``--baseline-runs``), in a
   child process of its own, from an empty patent library, on the same file (or, with ``--baseline-rows N``, on the
   first N data rows of the same file); timed from reading the file to the end of ``import_data``.
5. Prints the table and PASS/FAIL against the issue's targets, writes bench/out/import_bench.json.

Celery: the job is dispatched with ``CELERY_BROKER_URL=memory://localhost/`` so no message reaches the shared Redis
(a worker of another database would otherwise pick the job id up); the bench's worker process runs it instead.
The worker reports per-phase wall times and RSS (read, plan, apply = COPY writes + history, commit) measured by
wrapping those functions in the worker process only; ``--profile`` adds one extra, uncounted first import under
cProfile (bench/out/import_worker.prof and a text summary).

A 2-core machine shared with other work gives noisy figures: before every measured import the bench waits for a
running ``generate_demo_data`` to end and for the others' CPU share (from /proc/stat, over 2 s) to fall under
``--max-busy`` (25 %), and records what it saw in the JSON (``--no-wait`` skips this).

``--error-path``: the same generated file with one bad cell (a price band in column U near the middle, edited in the
sheet XML), imported by the worker as above, against a dry run of the good file (validation alone). Reports wall time,
the worker's peak RSS during the job and its RSS after it (after ``inventory.tasks.release_memory``, as the Celery
task leaves it), and the size of the error workbook; bench/out/import_bench.error_path.json.

``--worker-patch FILE`` (experiments only): exec FILE in every worker after django.setup() to measure a proposed
change to the import code without editing it; the output is labelled and goes to import_bench.<stem>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import DEFAULT_REDIS_URL, OUT, processes_matching  # noqa: E402 - needs ROOT on sys.path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/patentpool_bench_import"
INSTITUTION_NAME = "基准测试大学"
ADMIN_USERNAME = "bench_import_admin"
TARGET_ROWS_PER_S = 5000
TARGET_RSS_MB = 400
TARGET_RATIO = 15


# --------------------------------------------------------------------------------------------------------- set-up


def configure_env(database_url: str, redis_url: str) -> None:
    """Environment for this process and its children; must run before django.setup()."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"  # never the shared Redis: see the module doc
    os.environ["MEDIA_ROOT"] = str(OUT / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG off refuses to start without a key (issue #10); this process and its children share one.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def recreate_database(database_url: str) -> None:
    import psycopg2

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin = psycopg2.connect(urlunparse(url._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_world(units: list[str]):
    from django.core.management import call_command

    from institutions.choices import Authority, InstitutionKind, OrgUnitKind, Role
    from institutions.models import Institution, OrgUnit, User
    from reference.models import Province

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_reference_data", verbosity=0)
    institution = Institution.objects.create(
        name=INSTITUTION_NAME,
        kind=InstitutionKind.UNIVERSITY,
        province=Province.objects.get(code="33"),
        authority=Authority.MOE,
    )
    for unit in units:
        OrgUnit.objects.create(institution=institution, name=unit, kind=OrgUnitKind.COLLEGE)
    admin = User.objects.create(
        username=ADMIN_USERNAME, role=Role.INSTITUTION_ADMIN, institution=institution, display_name="基准管理员"
    )
    return institution, admin


def import_tables() -> list[str]:
    from evaluations.models import ConversionIntent, ImplementationStatus, SelfAssessment
    from patentpool.models import Patent

    tables = []
    for model in (Patent, SelfAssessment, ImplementationStatus, ConversionIntent):
        tables += [model._meta.db_table, model.history.model._meta.db_table]
    return tables


def empty_library() -> None:
    """A fresh patent library: the import's tables (and whatever references them) truncated; then a checkpoint so
    that the measured import does not pay for the previous run's dirty pages."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(import_tables())} RESTART IDENTITY CASCADE")
        cursor.execute("CHECKPOINT")


def other_heavy_processes() -> list[str]:
    return processes_matching(("generate_demo",))


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPU time (all cores) spent busy over ``seconds``, from /proc/stat. Called while the
    bench itself is idle, it is what everyone else is using."""

    def sample():
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 0.0 if total1 == total0 else 1 - (idle1 - idle0) / (total1 - total0)


def wait_for_quiet_machine(enabled: bool, *, max_busy: float = 0.25, max_wait: float = 1800) -> dict:
    """Wait for generate_demo runs to finish and for the CPU to be mostly idle (others' share ≤ ``max_busy``),
    at most ``max_wait`` seconds for the latter; return what was seen, recorded with each measurement."""
    busy = other_heavy_processes()
    if busy and enabled:
        print(f"waiting for {len(busy)} generate_demo process(es) to finish: {busy}", flush=True)
        while other_heavy_processes():
            time.sleep(15)
        print("… done", flush=True)
    elif busy:
        print(f"WARNING: measuring while other heavy processes run: {busy}", flush=True)
    share = cpu_busy()
    waited = 0.0
    if enabled and share > max_busy:
        print(f"machine busy ({share:.0%} of all CPUs used by others); waiting up to {max_wait:.0f}s", flush=True)
        while share > max_busy and waited < max_wait:
            time.sleep(10)
            waited += 10 + 2
            share = cpu_busy()
        if share > max_busy:
            print(f"WARNING: still {share:.0%} busy; measuring anyway", flush=True)
    return {"others_cpu_share_before": round(share, 2), "waited_s": waited, "loadavg_1m": os.getloadavg()[0]}


# --------------------------------------------------------------------------------------------------------- worker


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    """This process's peak RSS since its exec (VmHWM). Not ``getrusage(...).ru_maxrss``: on Linux that also counts
    the parent's pages the child held between fork and exec, so a child of a 120 MB parent never reports less."""
    return _status_mb("VmHWM")


def _instrument(phases: dict) -> None:
    """Wrap the import's phase functions, in this (worker) process only, to record wall time and RSS per phase."""
    from django.db import connection

    from inventory import apply as inventory_apply
    from inventory import jobs as services

    def timed(module, name, key, nested=False, per_model=False):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                label = f"{key}.{args[0]._meta.db_table}" if per_model and args else key
                entry = phases.setdefault(label, {"seconds": 0.0, "calls": 0})
                entry["seconds"] += time.perf_counter() - started
                entry["calls"] += 1
                if not nested:
                    entry["rss_after_mb"] = round(_rss_mb(), 1)
                    entry["peak_after_mb"] = round(_peak_mb(), 1)

        setattr(module, name, wrapper)

    timed(services, "_local_copy", "copy_upload")
    timed(services, "read_inventory", "read")
    timed(services, "plan_import", "plan")
    timed(services, "apply_import", "apply")
    timed(services, "_fail", "fail")
    timed(inventory_apply, "snapshot_history", "apply.history", nested=True)
    timed(inventory_apply, "snapshot_history", "apply.history", nested=True, per_model=True)
    timed(inventory_apply, "insert_rows", "apply.copy_insert", nested=True)
    timed(inventory_apply, "insert_rows", "apply.copy_insert", nested=True, per_model=True)
    timed(inventory_apply, "update_rows", "apply.update", nested=True)
    timed(inventory_apply, "delete_where_in", "apply.delete", nested=True)
    timed(inventory_apply, "allocate_ids", "apply.allocate_ids", nested=True)

    original_commit = connection.commit

    def commit():
        started = time.perf_counter()
        try:
            return original_commit()
        finally:
            entry = phases.setdefault("commit", {"seconds": 0.0, "calls": 0})
            entry["seconds"] += time.perf_counter() - started
            entry["calls"] += 1

    connection.commit = commit


def worker_main(profile_path: str | None) -> int:
    """``--worker``: set up like a Celery worker, say READY, read a job id on stdin, run it, report, exit."""
    import django

    django.setup()
    from django.db import connection

    import inventory.tasks  # noqa: F401  (a worker imports its task modules at start)
    from inventory.jobs import inventory_import_process

    connection.ensure_connection()
    patch = os.environ.get("BENCH_WORKER_PATCH")
    if patch:  # an experiment: try a change to the app's code in the worker only, without editing it
        exec(compile(Path(patch).read_text(), patch, "exec"), {"__name__": "bench_worker_patch"})
    phases: dict = {}
    _instrument(phases)
    idle_rss = _rss_mb()
    print("READY", flush=True)
    job_id = int(sys.stdin.readline())
    started = time.perf_counter()
    if profile_path:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        job = profiler.runcall(inventory_import_process, job_id)
        profiler.dump_stats(profile_path)
        with open(profile_path + ".txt", "w") as text:
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(45)
    else:
        job = inventory_import_process(job_id)
    elapsed = time.perf_counter() - started
    from inventory.tasks import release_memory

    peak_during_job = _peak_mb()
    release_memory()  # what the Celery task does after every job
    for entry in phases.values():
        entry["seconds"] = round(entry["seconds"], 3)
    report = {
        "job_id": job_id,
        "state": job.state if job else None,
        "process_seconds": round(elapsed, 3),
        "idle_rss_mb": round(idle_rss, 1),
        "peak_rss_mb_self": round(peak_during_job, 1),
        "rss_after_job_mb": round(_rss_mb(), 1),
        "phases": phases,
    }
    print("RESULT " + json.dumps(report), flush=True)
    connection.close()
    return 0


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def _reap(child: subprocess.Popen) -> tuple[int, float, float]:
    """Wait for ``child``; its exit status, ``ru_maxrss`` of that child alone in MB (an upper bound: see
    ``_peak_mb``; the figure reported is the child's own VmHWM) and its CPU seconds (user + system)."""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _result_line(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"child reported no result; output:\n{output[-2000:]}")


def run_import(path: Path, admin, *, profile_path: str | None = None, dry_run: bool = False) -> dict:
    """One upload → worker → final job, timed end to end by this (parent) process."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.choices import FINAL_IMPORT_STATES
    from inventory.models import ImportJob
    from inventory.services import inventory_import_start

    data = path.read_bytes()  # the bytes as they arrive with the request
    worker = _spawn(["--worker"] + (["--profile-out", profile_path] if profile_path else []))
    ready = worker.stdout.readline().strip()
    if ready != "READY":
        worker.kill()
        raise RuntimeError(f"worker did not start: {ready!r}")

    started = time.perf_counter()
    upload = SimpleUploadedFile(
        path.name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    job = inventory_import_start(user=admin, upload=upload, dry_run=dry_run)
    uploaded = time.perf_counter()
    worker.stdin.write(f"{job.pk}\n")
    worker.stdin.flush()
    # The worker prints its RESULT line once inventory_import_process has returned (the job row final and
    # committed); a Celery worker would go on to its next task, so its interpreter's exit is not timed.
    output = ""
    for line in worker.stdout:
        output += line
        if line.startswith("RESULT "):
            break
    finished = time.perf_counter()
    output += worker.stdout.read()
    code, rusage_mb, cpu_s = _reap(worker)
    job.refresh_from_db()
    if code != 0:
        raise RuntimeError(f"worker exited with {code}")
    if job.state not in FINAL_IMPORT_STATES:
        raise RuntimeError(f"job {job.pk} not final after the worker exited: {job.state}")
    report = _result_line(output)
    result = {
        "job_id": job.pk,
        "state": job.state,
        "total_rows": job.total_rows,
        "patents_in_file": job.patents_in_file,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
        "seconds": round(finished - started, 3),
        "upload_seconds": round(uploaded - started, 3),
        "worker_seconds": report["process_seconds"],
        "rows_per_s": round(job.total_rows / (finished - started)),
        "worker_peak_rss_mb": report["peak_rss_mb_self"],
        "worker_rusage_maxrss_mb": round(rusage_mb, 1),
        "worker_cpu_seconds": round(cpu_s, 2),
        "worker_idle_rss_mb": report["idle_rss_mb"],
        "worker_rss_after_job_mb": report["rss_after_job_mb"],
        "phases": report["phases"],
    }
    if job.state != "succeeded":
        result["first_errors"] = job.errors[:5]
        result["message"] = job.message_en
    stored = ImportJob.objects.get(pk=job.pk)
    result["error_workbook_bytes"] = stored.error_file.size if stored.error_file else 0
    if stored.error_file:
        stored.error_file.delete(save=False)
    stored.file.delete(save=False)
    return result


# ------------------------------------------------------------------------------------------------------- error path

BAD_PRICE = "200万"  # not one of the price bands: one error in column U (意向价格)


def with_one_bad_cell(path: Path, dest: Path) -> int:
    """Copy the workbook ``path`` to ``dest`` with one bad cell: the price band (U) of the patent row nearest the
    middle of the sheet. Streams the sheet XML (no spreadsheet library loads it); returns the sheet row changed."""
    import re
    import shutil
    import zipfile

    with zipfile.ZipFile(path) as source:
        sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet"))
        xml = source.read(sheet)
    rows = [int(n) for n in re.findall(rb'<c r="U(\d+)"', xml)]
    target = min((r for r in rows if r > 3), key=lambda r: abs(r - rows[len(rows) // 2]))
    cell = re.compile(rb'<c r="U%d"[^>]*?(?:/>|>.*?</c>)' % target, re.S)
    bad = f'<c r="U{target}" t="inlineStr"><is><t>{BAD_PRICE}</t></is></c>'.encode()
    xml, replaced = cell.subn(bad, xml, count=1)
    assert replaced == 1, target
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename == sheet:
                out.writestr(info, xml, compress_type=zipfile.ZIP_DEFLATED)
            else:
                with source.open(info) as member, out.open(info, "w") as copy:
                    shutil.copyfileobj(member, copy)
    return target


def error_path_main(path: Path, stats: dict, admin, args) -> int:
    """``--error-path``: the same file with one bad cell, against validation alone (a dry run of the good file)."""
    from django.db import connection

    bad_path = path.with_name(path.stem + "_one_error.xlsx")
    bad_row = with_one_bad_cell(path, bad_path)
    print(f"error file {bad_path}: row {bad_row} column U = {BAD_PRICE!r}", flush=True)
    dry_runs, failures = [], []
    for run in range(1, args.runs + 1):
        empty_library()
        machine = wait_for_quiet_machine(not args.no_wait, max_busy=args.max_busy)
        dry = run_import(path, admin, dry_run=True)
        dry["machine"] = machine
        assert (dry["state"], dry["errors"]) == ("succeeded", 0), dry
        machine = wait_for_quiet_machine(not args.no_wait, max_busy=args.max_busy)
        failed = run_import(bad_path, admin)
        failed["machine"] = machine
        assert (failed["state"], failed["errors"], failed["created"]) == ("failed", 1, 0), failed
        dry_runs.append(dry)
        failures.append(failed)
        print(
            f"run {run}: validation only (dry run) {dry['seconds']:.2f}s, peak {dry['worker_peak_rss_mb']} MB | "
            f"one error {failed['seconds']:.2f}s, peak {failed['worker_peak_rss_mb']} MB, after the job "
            f"{failed['worker_rss_after_job_mb']} MB (idle {failed['worker_idle_rss_mb']} MB), error workbook "
            f"{failed['error_workbook_bytes'] / 1024:.0f} KB",
            flush=True,
        )
    figures = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workbook": {"path": str(bad_path), "bytes": bad_path.stat().st_size, "bad_row": bad_row, **stats},
        "runs": args.runs,
        "error_path_seconds": _median([r["seconds"] for r in failures]),
        "error_path_worker_peak_rss_mb": max(r["worker_peak_rss_mb"] for r in failures),
        "error_path_worker_rss_after_job_mb": max(r["worker_rss_after_job_mb"] for r in failures),
        "validation_seconds": _median([r["seconds"] for r in dry_runs]),
        "validation_worker_peak_rss_mb": max(r["worker_peak_rss_mb"] for r in dry_runs),
        "error_paths": failures,
        "dry_runs": dry_runs,
    }
    width = 44
    print()
    print("=" * 100)
    for key, value in (
        ("rows in the workbook", stats["rows"]),
        ("validation only (dry run of the good file)", f"{figures['validation_seconds']:.2f} s, worker peak "
                                                        f"{figures['validation_worker_peak_rss_mb']} MB"),
        ("one bad cell (error path)", f"{figures['error_path_seconds']:.2f} s, worker peak "
                                      f"{figures['error_path_worker_peak_rss_mb']} MB"),
        ("worker RSS after the failed job", f"{figures['error_path_worker_rss_after_job_mb']} MB "
                                            f"(idle before: {failures[0]['worker_idle_rss_mb']} MB)"),
    ):  # fmt: skip
        print(f"{key:<{width}}  {value}")
    print("=" * 100)
    out = OUT / "import_bench.error_path.json"
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"figures -> {out}")
    bad_path.unlink()
    connection.close()
    return 0


# --------------------------------------------------------------------------------------------------------- baseline


def baseline_main(path: str, max_rows: int | None) -> int:
    """``--baseline``: run the django-import-export baseline in this process, timed from reading the file."""
    import django

    django.setup()
    from bench.baseline_resource import run_baseline
    from institutions.models import Institution

    institution = Institution.objects.get(name=INSTITUTION_NAME)
    idle = _rss_mb()
    started = time.perf_counter()
    counts = run_baseline(path, institution, max_rows=max_rows)
    elapsed = time.perf_counter() - started
    report = {"seconds": round(elapsed, 3), "idle_rss_mb": round(idle, 1), "peak_rss_mb": round(_peak_mb(), 1)}
    print("RESULT " + json.dumps({**report, **counts}), flush=True)
    return 0


def run_baseline_child(path: Path, max_rows: int | None) -> dict:
    child = _spawn(["--baseline", str(path)] + (["--baseline-rows", str(max_rows)] if max_rows else []))
    child.stdin.close()
    output = child.stdout.read()
    code, rusage_mb, cpu_s = _reap(child)
    if code != 0:
        raise RuntimeError(f"baseline exited with {code}")
    report = _result_line(output)
    report["rows_per_s"] = round(report["data_rows"] / report["seconds"])
    report["rusage_maxrss_mb"] = round(rusage_mb, 1)
    report["cpu_seconds"] = round(cpu_s, 2)
    return report


# --------------------------------------------------------------------------------------------------------- main


def _median(values):
    return statistics.median(values) if values else None


TOP_PHASES = ("copy_upload", "read", "plan", "apply", "commit", "fail")


def _phase_medians(results: list[dict]) -> dict:
    """Median seconds per phase; 'other' is the worker's time outside the top-level phases (job-row updates, lock,
    queries between phases), 'upload' the parent's inventory_import_start, 'handoff' the rest of the wall time."""
    keys = {k for r in results for k in r["phases"] if not k.startswith("copy_buffer")}
    medians = {
        k: round(_median([r["phases"][k]["seconds"] if k in r["phases"] else 0.0 for r in results]), 3) for k in keys
    }
    medians["other"] = round(
        _median(
            [r["worker_seconds"] - sum(r["phases"].get(k, {}).get("seconds", 0.0) for k in TOP_PHASES) for r in results]
        ),
        3,
    )
    medians["upload"] = round(_median([r["upload_seconds"] for r in results]), 3)
    medians["handoff"] = round(_median([r["seconds"] - r["upload_seconds"] - r["worker_seconds"] for r in results]), 3)
    medians["wall"] = round(_median([r["seconds"] for r in results]), 3)
    return medians


def _print_phases(first: dict, again: dict) -> None:
    rows = [("upload", "upload: inventory_import_start (parent)"), ("handoff", "hand-off to the worker, job re-read"),
            ("copy_upload", "worker: copy of the stored upload"), ("read", "read + validate (read_inventory)"),
            ("plan", "plan (plan_import)"), ("apply", "apply (apply_import), of which:"),
            ("apply.allocate_ids", "  allocate ids (nextval)"), ("apply.copy_insert", "  COPY inserts")]  # fmt: skip
    rows += [(k, f"    COPY into {k.split('.', 2)[2]}") for k in sorted(first) if k.startswith("apply.copy_insert.")]
    rows += [("apply.history", "  history (INSERT … SELECT)")]
    rows += [(k, f"    history of {k.split('.', 2)[2]}") for k in sorted(first) if k.startswith("apply.history.")]
    rows += [("apply.update", "  UPDATE … FROM staging"), ("apply.delete", "  DELETE children")]
    rows += [("commit", "commit (deferred FK checks, WAL flush)"), ("other", "other worker time (job row, lock)"),
             ("wall", "wall time, upload to job final")]  # fmt: skip
    print(f"{'phase (median seconds)':<58}{'first import':>14}{'re-import':>12}")
    for key, label in rows:
        a, b = first.get(key, 0.0), again.get(key, 0.0)
        if key not in ("wall", "apply", "read", "plan", "commit") and a < 0.005 and b < 0.005:
            continue
        print(f"{label:<58}{a:>14.3f}{b:>12.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the generated workbook")
    parser.add_argument("--runs", type=int, default=3, help="first import + re-import, each from an empty library")
    parser.add_argument("--baseline-rows", type=int, default=None, help="baseline on the first N data rows only")
    parser.add_argument("--baseline-runs", type=int, default=1, help="0 skips the baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--workbook", help="reuse this workbook instead of generating one (must use the default units)")
    parser.add_argument("--profile", action="store_true", help="one extra, uncounted first import under cProfile")
    parser.add_argument(
        "--worker-patch",
        metavar="FILE",
        help="experiment: exec this Python file in each worker after django.setup() (monkeypatch a proposed change "
        "to the app's import code without editing it); the figures are labelled as such",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="measure at once, even while generate_demo runs or the CPU is busy"
    )
    parser.add_argument("--max-busy", type=float, default=0.25, help="others' CPU share to wait out (default 0.25)")
    parser.add_argument(
        "--error-path",
        action="store_true",
        help="put one bad cell in the file and measure the failed import (wall time, worker peak RSS, RSS after the "
        "job) against validation alone (a dry run of the good file); no baseline",
    )
    # child modes
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return worker_main(args.profile_out)
    if args.baseline:
        return baseline_main(args.baseline, args.baseline_rows)

    from bench.make_inventory_workbook import DEFAULT_UNITS, make_workbook

    OUT.mkdir(parents=True, exist_ok=True)
    configure_env(args.database_url, args.redis_url)
    if args.worker_patch:
        os.environ["BENCH_WORKER_PATCH"] = str(Path(args.worker_patch).resolve())
        print(f"EXPERIMENT: every worker runs {args.worker_patch} first — not the app as it is", flush=True)

    if args.workbook:
        import django

        django.setup()
        from inventory.reader import read_inventory

        path = Path(args.workbook).resolve()
        parsed = read_inventory(path)
        stats = {"rows": parsed.total_rows, "patents": len(parsed.records)}
        del parsed
        gen_seconds = 0.0
    else:
        path = OUT / f"inventory_{args.rows}.xlsx"
        started = time.perf_counter()
        stats = make_workbook(path, args.rows, seed=args.seed, institution_units=DEFAULT_UNITS)
        gen_seconds = time.perf_counter() - started
    print(
        f"workbook {path} : {stats['rows']} rows, {stats['patents']} patents, "
        f"{path.stat().st_size / 1048576:.1f} MB (generated in {gen_seconds:.1f}s)",
        flush=True,
    )

    recreate_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    _, admin = setup_world(list(DEFAULT_UNITS))
    print(f"database {connection.settings_dict['NAME']} ready", flush=True)
    if args.error_path:
        return error_path_main(path, stats, admin, args)

    firsts, reimports = [], []
    for run in range(1, args.runs + 1):
        empty_library()
        machine = wait_for_quiet_machine(not args.no_wait, max_busy=args.max_busy)
        first = run_import(path, admin)
        first["machine"] = machine
        assert first["state"] == "succeeded", first
        assert first["created"] == stats["patents"], (first["created"], stats["patents"])
        assert first["total_rows"] == stats["rows"], (first["total_rows"], stats["rows"])
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        machine = wait_for_quiet_machine(not args.no_wait, max_busy=args.max_busy)
        again = run_import(path, admin)
        again["machine"] = machine
        assert again["state"] == "succeeded", again
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, stats["patents"]), again
        firsts.append(first)
        reimports.append(again)
        print(
            f"run {run}: first import {first['seconds']:.2f}s = {first['rows_per_s']} rows/s, "
            f"worker peak {first['worker_peak_rss_mb']} MB | re-import {again['seconds']:.2f}s = "
            f"{again['rows_per_s']} rows/s, worker peak {again['worker_peak_rss_mb']} MB "
            f"(others' CPU share before: {first['machine']['others_cpu_share_before']:.0%}, "
            f"{again['machine']['others_cpu_share_before']:.0%})",
            flush=True,
        )

    profile = None
    if args.profile:
        empty_library()
        prof_path = str(OUT / "import_worker.prof")
        profiled = run_import(path, admin, profile_path=prof_path)
        profile = {"path": prof_path, "summary": prof_path + ".txt", "seconds_under_profiler": profiled["seconds"]}
        print(f"profiled first import ({profiled['seconds']:.1f}s under cProfile) -> {prof_path}.txt", flush=True)

    baselines = []
    for run in range(1, args.baseline_runs + 1):
        empty_library()
        machine = wait_for_quiet_machine(not args.no_wait, max_busy=args.max_busy)
        base = run_baseline_child(path, args.baseline_rows)
        base["machine"] = machine
        expected = stats["rows"] if not args.baseline_rows else min(args.baseline_rows, stats["rows"])
        assert base["data_rows"] == expected, (base["data_rows"], expected)
        assert base["new"] == base["patent_rows"] and not base["has_errors"], base
        baselines.append(base)
        print(
            f"baseline {run}: {base['data_rows']} rows ({base['patent_rows']} patents) in {base['seconds']:.1f}s = "
            f"{base['rows_per_s']} rows/s, peak {base['peak_rss_mb']} MB",
            flush=True,
        )

    first_rps = round(_median([r["rows_per_s"] for r in firsts]))
    again_rps = round(_median([r["rows_per_s"] for r in reimports]))
    peak = max(r["worker_peak_rss_mb"] for r in firsts + reimports)
    base_rps = round(_median([b["rows_per_s"] for b in baselines])) if baselines else None
    ratio = round(first_rps / base_rps, 1) if base_rps else None
    checks = {
        f"first import >= {TARGET_ROWS_PER_S} rows/s": first_rps >= TARGET_ROWS_PER_S,
        f"worker peak RSS < {TARGET_RSS_MB} MB": peak < TARGET_RSS_MB,
        f"ours / django-import-export >= {TARGET_RATIO}x": None if ratio is None else ratio >= TARGET_RATIO,
        "re-import faster than first import": again_rps > first_rps,
    }
    baseline_label = "—"
    if baselines:
        scope = "same file" if not args.baseline_rows else f"prefix: first {baselines[0]['data_rows']} rows of it"
        baseline_label = f"{scope}, {len(baselines)} run(s)"

    rows = [
        ("rows in the workbook", f"{stats['rows']}"),
        ("patents in the workbook", f"{stats['patents']}"),
        ("runs (medians below)", f"{args.runs}"),
        ("first import, end to end", f"{first_rps} rows/s  ({_median([r['seconds'] for r in firsts]):.2f} s)"),
        ("re-import unchanged, end to end", f"{again_rps} rows/s  ({_median([r['seconds'] for r in reimports]):.2f} s)"),
        ("worker peak RSS (max of all)", f"{peak} MB  (first {_median([r['worker_peak_rss_mb'] for r in firsts]):.1f}, "
                                         f"re-import {_median([r['worker_peak_rss_mb'] for r in reimports]):.1f}; "
                                         f"idle worker {firsts[0]['worker_idle_rss_mb']})"),
        ("django-import-export default", "not run" if not baselines else
         f"{base_rps} rows/s  ({_median([b['seconds'] for b in baselines]):.1f} s; {baseline_label}; "
         f"peak {max(b['peak_rss_mb'] for b in baselines)} MB)"),
        ("ratio ours first ÷ baseline", "—" if ratio is None else f"{ratio}x"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    print()
    print("=" * 100)
    if args.worker_patch:
        print(f"EXPERIMENT — worker patched with {args.worker_patch}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("-" * 100)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else ('n/a ' if ok is None else 'FAIL')}  {name}")
    print("-" * 100)
    _print_phases(_phase_medians(firsts), _phase_medians(reimports))
    print("=" * 100)

    figures = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workbook": {"path": str(path), "bytes": path.stat().st_size, **stats},
        "runs": args.runs,
        "first_import_rows_per_s": first_rps,
        "reimport_rows_per_s": again_rps,
        "worker_peak_rss_mb": peak,
        "baseline_rows_per_s": base_rps,
        "ratio": ratio,
        "baseline_scope": baseline_label,
        "checks": checks,
        "phase_medians": {"first": _phase_medians(firsts), "reimport": _phase_medians(reimports)},
        "first_imports": firsts,
        "reimports": reimports,
        "baselines": baselines,
        "profile": profile,
        "worker_patch": args.worker_patch,
    }
    out = OUT / ("import_bench.json" if not args.worker_patch else f"import_bench.{Path(args.worker_patch).stem}.json")
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"figures -> {out}")
    connection.close()
    return 0 if all(ok is not False for ok in checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
