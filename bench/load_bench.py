"""Load test of the production-like stack: 50 users browsing and 4 uploaders importing for 5 minutes (issue #10).

    .venv/bin/python bench/load_bench.py --database-url postgres://postgres@127.0.0.1:5432/h10_load \\
        --redis-url redis://127.0.0.1:6379/10                       # --duration 300 --users 50 --uploaders 4
    .venv/bin/python bench/load_bench.py --duration 30 --users 5 --uploaders 1 ...        # a quick smoke run

What it does, all on loopback:

1. The database (``--database-url``; created when missing): ``migrate``, and when it holds no patents
   ``load_reference_data`` and ``generate_demo_data --patents N`` (``--patents``, 20,000); ``collectstatic``;
   ``VACUUM (ANALYZE)`` before the run and, where the server runs with autovacuum off (this machine's shared
   PostgreSQL does), every ``--vacuum-every`` s (60) during it: each import updates ~1,500 patents, and unvacuumed
   dead rows slow the library's queries several times over (bench/README.md).
2. The stack as docker-compose.yml runs it: ``gunicorn config.wsgi:application --workers 3 --timeout 120
   --max-requests 2000 --max-requests-jitter 200`` (sync workers, no threads) on 127.0.0.1:``--port``, and one
   ``celery -A config worker --concurrency=2 --max-memory-per-child=400000``, with DJANGO_DEBUG=false, a random
   DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost, static files by WhiteNoise, Redis ``--redis-url`` as
   cache and broker (its Celery queue is purged first). ``--url`` uses a server already running instead (the bench
   then starts neither gunicorn nor the worker, and the database must be that server's).
   Differences from docker-compose.yml, because there is no TLS proxy on loopback: SSL redirect, HSTS and secure
   cookies are off, and DJANGO_TRUSTED_PROXY_COUNT=0 (the socket address is the client's). No beat: the load is
   the users' and the uploads'.
3. Accounts: the demo logins (password demo12345) browse, spread round-robin over the 8 roles; uploaders are
   ``inst_admin`` and institution admins ``bench_load_up2``… (same password) that the bench creates for the next
   demo institutions, so that no two uploaders share an institution or a patent. Every session signs in through the
   login form (GET for the CSRF token, POST), so django-axes sees only successes and locks nobody out.
4. Each uploader's workbook (``bench/make_inventory_workbook.py``, ``--rows`` data rows, its institution's colleges,
   its own serial range) and a variant B of it in which every title differs (``的制备方法及其应用`` → ``…及其改进``
   in the sheet XML). An uploader loops A, A, B, B, A, A, …: upload through the API (multipart, session + CSRF
   header), poll the job every second until it is final, and check state ``succeeded`` and the counts against what
   the file holds: the first upload creates every patent, a repeat leaves every patent unchanged, a switch of
   variant updates every patent; nothing rejected, no error. The file's patents are deleted before the run so the
   first upload creates them. DRF's ``upload`` throttle (120/hour per user) is not reached by one run's uploads
   (a few dozen per uploader); the bench deletes its uploaders' throttle history in the cache at the start so that
   runs within the same hour do not add up.
5. Users browse for ``--duration`` seconds (think time ``--think-min``…``--think-max`` s between requests):
   base-library lists with filters (``/patents/``), resource-library searches with Chinese queries (``/library/``),
   the dashboard (``/dashboard/``) and the home page (``/``), each kind only for roles that may see it (a probe
   request per role and kind decides; the probes are not counted). ``--max-requests`` caps the browsing requests.
   At the end uploaders start nothing new and wait (``--drain-timeout``) for their jobs to be final.
6. Stops what it started (gunicorn: SIGTERM, graceful; worker: SIGTERM, warm shutdown; SIGKILL only after 60 s).

Report: requests/s, p50/p95/p99 per page kind and overall, errors (any 5xx or transport error; other unexpected
statuses separately), uploads started/finished and their final states, whether every upload's counts were right and
whether the database holds every uploader's patents with the last variant's titles ("nothing lost"), the machine
(nproc, load averages before/during/after, ``uptime``), and the server processes' CPU time and memory. Prints a
summary and writes bench/out/load_bench.json; gunicorn's and the worker's logs go to bench/out/load_*.log.

Client: standard library only (threads + http.client), one thread per user: the server is the bottleneck on a
2-core machine, and threads blocked on sockets cost the client almost no CPU, while Locust would add gevent and a
dependency for nothing the figures need. Gunicorn's sync workers close every connection, so each request opens one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import DEFAULT_REDIS_URL, OUT  # noqa: E402 - needs ROOT on sys.path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/patentpool_bench_load"
PASSWORD = "demo12345"
BROWSE_LOGINS = ("admin", "inst_admin", "college_admin", "inventor", "enterprise", "expert", "bureau", "ministry")
UPLOADER_PREFIX = "bench_load_up"
SERIAL_BASE = 5_000_000  # far above the demo's serials (≈ 1M + patents): the files never meet a demo patent
SERIAL_STRIDE = 100_000
TITLE_A, TITLE_B = "的制备方法及其应用", "的制备方法及其改进"
FINAL_STATES = {"succeeded", "failed", "rejected", "error", "cancelled", "stale"}
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
BIN = Path(PY).parent

# What the users request, by page kind; {college} is filled per user. Weights: how often a user picks the kind.
LIBRARY_QUERIES = ("锂电池", "传感器", "机器人", "石墨烯", "催化剂", "芯片", "复合材料", "电池")
PAGES = {
    "base_list": (
        3,
        (
            "",
            "patent_type=invention",
            "grant_year=2020",
            "patent_type=invention&grant_year=2019",
            "legal_status=valid&fiscally_funded=true",
            "assessed=true&stars_min=4",
            "intent=license",
            "page=2",
            "q=锂电池",
            "org_unit={college}&patent_type=invention",
            "page_size=200",
        ),
    ),
    "library_search": (
        3,
        tuple(f"q={q}" for q in LIBRARY_QUERIES)
        + ("q=传感器&section=C", "q=锂电池&maturity=small_batch", "q=机器人&page=2", "section=C&maturity=small_batch"),
    ),
    "dashboard": (1, ("",)),
    "home": (1, ("",)),
}
PATHS = {"base_list": "/patents/", "library_search": "/library/", "dashboard": "/dashboard/", "home": "/"}


# ---------------------------------------------------------------------------------------------------- statistics


class Stats:
    """Every request's outcome, by kind; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: dict[str, int] = defaultdict(int)  # 5xx or transport error
        self.unexpected: dict[str, int] = defaultdict(int)  # another status than the one expected
        self.samples: list[dict] = []
        self.timeline: list[tuple[float, str, float, bool]] = []  # (time since start, kind, seconds, ok)
        self.started = time.monotonic()

    def record(self, kind: str, path: str, seconds: float, status: int | None, expected: int, detail: str = ""):
        error = status is None or status >= 500
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][str(status) if status is not None else "transport"] += 1
            self.timeline.append((time.monotonic() - self.started, kind, seconds, not error))
            if error:
                self.errors[kind] += 1
            elif status != expected:
                self.unexpected[kind] += 1
            if (error or status != expected) and len(self.samples) < 40:
                self.samples.append({"kind": kind, "path": path, "status": status, "detail": detail[:300]})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summarize(values: list[float], seconds: float | None, completed: int | None = None) -> dict:
    """Latency percentiles of ``values``; the rate is ``completed`` (default: all) requests over ``seconds``."""
    completed = len(values) if completed is None else completed
    return {
        "requests": len(values),
        "per_second": round(completed / seconds, 2) if seconds else None,
        "p50_ms": round(percentile(values, 0.50) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None,
        "max_ms": round(max(values) * 1000, 1) if values else None,
    }


# ----------------------------------------------------------------------------------------------------- the client


class Client:
    """One browser: its cookies, a new connection per request (gunicorn's sync workers close each one)."""

    def __init__(self, base: str, stats: Stats, timeout: float):
        url = urlparse(base)
        self.host, self.port = url.hostname, url.port or 80
        self.stats, self.timeout = stats, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        """(status, body) — status None on a transport error (refused, reset, timed out)."""
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans", "User-Agent": "patentpool-load"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, data
        except (OSError, http.client.HTTPException) as exc:
            return None, repr(exc).encode()
        finally:
            connection.close()

    def timed(self, kind: str, method: str, path: str, expected: int = 200, **kwargs):
        started = time.perf_counter()
        status, data = self.request(method, path, **kwargs)
        elapsed = time.perf_counter() - started
        detail = data[:300].decode(errors="replace") if status is None or status != expected else ""
        self.stats.record(kind, path, elapsed, status, expected, detail)
        return status, data

    def login(self, username: str) -> None:
        """Sign in through the form, as a browser does."""
        status, page = self.timed("login", "GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page or b"")
        if status != 200 or not match:
            raise RuntimeError(f"login page for {username}: {status}")
        form = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": PASSWORD, "next": "/"}
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{self.host}:{self.port}/"}
        status, _ = self.timed("login", "POST", "/accounts/login/", expected=302, body=form, headers=headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in of {username} failed: {status}")


# ----------------------------------------------------------------------------------------------------- the users


@dataclass
class Browser:
    username: str
    college: int | None
    kinds: list[str] = field(default_factory=list)


def guarded(target):
    """Run a user's loop; a bug of the client is recorded as an error instead of silently ending the thread."""

    def run(client: Client, *args):
        try:
            target(client, *args)
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            client.stats.record("client_exception", target.__name__, 0.0, None, 200, repr(exc))

    return run


def browse(client: Client, user: Browser, stop: threading.Event, budget, think: tuple[float, float], seed: int):
    rng = random.Random(seed)
    weights = [PAGES[k][0] for k in user.kinds]
    time.sleep(rng.uniform(0, think[1]))  # do not start all users in the same instant
    while not stop.is_set():
        if not budget():
            stop.set()
            break
        kind = rng.choices(user.kinds, weights)[0]
        query = rng.choice(PAGES[kind][1])
        if "{college}" in query:
            query = query.format(college=user.college) if user.college else ""
        path = PATHS[kind] + (f"?{quote(query, safe='=&')}" if query else "")
        client.timed(kind, "GET", path)
        stop.wait(rng.uniform(*think))


@dataclass
class Uploader:
    username: str
    institution: str
    institution_id: int
    files: dict[str, Path]
    patents: int
    rows: int
    numbers: list[str]
    results: list[dict] = field(default_factory=list)
    last_applied: str | None = None  # the variant the database holds


def multipart(path: Path) -> tuple[bytes, str]:
    boundary = "----loadbench" + secrets.token_hex(8)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nnational\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    ).encode()
    return head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def expected_counts(uploader: Uploader, variant: str) -> dict[str, int]:
    n = uploader.patents
    if uploader.last_applied is None:
        created, updated, unchanged = n, 0, 0
    elif uploader.last_applied == variant:
        created, updated, unchanged = 0, 0, n
    else:
        created, updated, unchanged = 0, n, 0
    return {
        "state": "succeeded",
        "total_rows": uploader.rows,
        "patents_in_file": n,
        "created_count": created,
        "updated_count": updated,
        "unchanged_count": unchanged,
        "rejected_count": 0,
        "error_count": 0,
    }


def upload_loop(client: Client, uploader: Uploader, stop: threading.Event, drain_deadline: list[float], poll: float):
    turn = 0
    while not stop.is_set():
        variant = "AB"[(turn // 2) % 2]
        turn += 1
        body, content_type = multipart(uploader.files[variant])
        headers = {"Content-Type": content_type, "X-CSRFToken": client.cookies.get("csrftoken", "")}
        expected = expected_counts(uploader, variant)
        started = time.monotonic()
        status, data = client.timed("api_upload", "POST", "/api/inventory-imports/", 202, body=body, headers=headers)
        result = {"variant": variant, "upload_status": status, "expected": expected, "started": started}
        uploader.results.append(result)
        if status != 202:
            result.update(final=False, ok=False, detail=(data or b"")[:300].decode(errors="replace"))
            stop.wait(2)
            continue
        job = json.loads(data)
        result["job"] = job["id"]
        while True:  # polled to the end even after the stop: every upload must end in a final state
            if job["state"] in FINAL_STATES:
                break
            if stop.is_set() and time.monotonic() > drain_deadline[0]:
                break
            time.sleep(poll)
            status, data = client.timed("api_job_poll", "GET", f"/api/inventory-imports/{result['job']}/")
            if status == 200:
                job = json.loads(data)
        got = {key: job.get(key) for key in expected}
        result.update(
            final=job["state"] in FINAL_STATES,
            seconds=round(time.monotonic() - started, 2),
            got=got,
            ok=got == expected,
            message=job.get("message_en") or job.get("message") or "",
        )
        if job["state"] == "succeeded":
            uploader.last_applied = variant


# -------------------------------------------------------------------------------------------------------- set-up


def server_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=args.secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # No TLS proxy on loopback: the HTTPS-only settings of docker-compose.yml would redirect every request.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_SECURE_PROXY_SSL_HEADER="false",
        DJANGO_TRUSTED_PROXY_COUNT="0",
        DATABASE_CONN_MAX_AGE="60",
        DATABASE_CONN_HEALTH_CHECKS="true",
        MEDIA_ROOT=str(OUT / "load_media"),
        LOG_LEVEL="WARNING",
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def manage(env: dict, *argv: str) -> None:
    subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=env, check=True)


def ensure_database(args, env: dict) -> dict:
    """Create the database when missing, migrate, and fill it with demo data when it has no patents."""
    import psycopg2

    url = urlparse(args.database_url)
    name = url.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin = psycopg2.connect(urlunparse(url._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    manage(env, "migrate", "--noinput", "-v0")
    db = psycopg2.connect(args.database_url)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM patentpool_patent")
        patents = cursor.fetchone()[0]
    db.close()
    built = False
    if patents == 0:
        manage(env, "load_reference_data", "-v0")
        manage(env, "generate_demo_data", "--patents", str(args.patents), "--no-match")
        built = True
    manage(env, "collectstatic", "--noinput", "-v0")
    return {"name": name, "patents_before": patents, "built_now": built}


def with_other_titles(path: Path, dest: Path) -> int:
    """Copy the workbook with every title changed (openpyxl writes inline strings; shared ones too): variant B."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        changed = 0
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml":
                text = data.decode()
                changed += text.count(TITLE_A)
                data = text.replace(TITLE_A, TITLE_B).encode()
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    if not changed:
        raise RuntimeError("no title found in the workbook")
    return changed


def prepare_accounts_and_files(args, work: Path) -> tuple[list[Browser], list[Uploader]]:
    """In this process, with Django: the browsing logins, the uploaders and their workbooks; the files' patents
    deleted so the first upload creates them; the uploaders' upload-throttle history cleared."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache

    from bench.make_inventory_workbook import application_number, make_workbook
    from institutions.choices import Role
    from institutions.models import Institution, OrgUnit, User
    from patentpool.models import Patent

    browsers = []
    for index in range(args.users):
        user = User.objects.get(username=BROWSE_LOGINS[index % len(BROWSE_LOGINS)])
        browsers.append(Browser(user.username, user.org_unit_id))

    home = User.objects.get(username="inst_admin").institution
    others = (Institution.objects.exclude(pk=home.pk).filter(org_units__isnull=False).distinct().order_by("pk"))[
        : max(0, args.uploaders - 1)
    ]
    password = make_password(PASSWORD)
    uploaders = []
    for index, institution in enumerate([home, *others][: args.uploaders], start=1):
        if index == 1:
            username = "inst_admin"
        else:
            username = f"{UPLOADER_PREFIX}{index}"
            User.objects.update_or_create(
                username=username,
                defaults={
                    "role": Role.INSTITUTION_ADMIN,
                    "institution": institution,
                    "password": password,
                    "display_name": f"负载测试上传{index}",
                },
            )
        units = list(OrgUnit.objects.filter(institution=institution).order_by("pk").values_list("name", flat=True))
        start = SERIAL_BASE + SERIAL_STRIDE * index
        path_a = work / f"load_upload_{index}_A.xlsx"
        made = make_workbook(path_a, args.rows, seed=index, institution_units=units[:6], start_serial=start)
        path_b = work / f"load_upload_{index}_B.xlsx"
        with_other_titles(path_a, path_b)
        numbers = []
        for serial in range(start, start + made["patents"]):
            year = 2015 + serial % 9
            type_digit = "123"[serial % 3] if serial % 5 == 0 else "1"
            numbers.append(application_number(year, type_digit, serial % 10_000_000))
        foreign = Patent.objects.filter(application_number__in=numbers).exclude(institution=institution).count()
        if foreign:
            raise SystemExit(f"{foreign} numbers of {path_a.name} belong to another institution")
        Patent.objects.filter(application_number__in=numbers, institution=institution).delete()
        user = User.objects.get(username=username)
        cache.delete(f"throttle_upload_{user.pk}")
        uploaders.append(
            Uploader(
                username,
                institution.name,
                institution.pk,
                {"A": path_a, "B": path_b},
                made["patents"],
                made["rows"],
                numbers,
            )
        )
    return browsers, uploaders


def check_database(uploaders: list[Uploader]) -> list[dict]:
    """Nothing lost: each uploader's institution holds every patent of its file, with the last applied titles."""
    from django.db import connections

    from patentpool.models import Patent

    connections.close_all()  # this process's connection predates the run
    checks = []
    for uploader in uploaders:
        rows = Patent.objects.filter(application_number__in=uploader.numbers, institution_id=uploader.institution_id)
        held = rows.count()
        marker = {"A": TITLE_A, "B": TITLE_B}.get(uploader.last_applied or "")
        titled = rows.filter(title__contains=marker).count() if marker else 0
        checks.append(
            {
                "uploader": uploader.username,
                "patents_in_file": uploader.patents,
                "patents_in_database": held,
                "last_variant": uploader.last_applied,
                "with_last_variant_titles": titled,
                "ok": held == uploader.patents == titled,
            }
        )
    return checks


# --------------------------------------------------------------------------------------------------------- stack


def start_stack(args, env: dict) -> dict[str, subprocess.Popen]:
    subprocess.run([str(BIN / "celery"), "-A", "config", "purge", "-f"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    procs = {}
    gunicorn = [
        str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
        "--workers", str(args.gunicorn_workers), "--timeout", "120",
        "--max-requests", "2000", "--max-requests-jitter", "200",
        "--no-control-socket",  # gunicorn 27's default socket is per machine user: never another stack's
    ]  # fmt: skip
    if args.gunicorn_threads > 1:
        gunicorn += ["--threads", str(args.gunicorn_threads)]
    worker = [
        str(BIN / "celery"), "-A", "config", "worker", "--loglevel=info", f"--concurrency={args.worker_concurrency}",
        "--max-memory-per-child=400000", "-n", f"loadbench{args.port}@%h",
    ]  # fmt: skip
    for name, argv in (("gunicorn", gunicorn), ("worker", worker)):
        log = open(OUT / f"load_{name}.log", "wb")  # noqa: SIM115 - open while the process runs
        procs[name] = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 90
    probe = Client(f"http://127.0.0.1:{args.port}", Stats(), 5)
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}; see bench/out/load_{name}.log")
        ready_web = probe.request("GET", "/accounts/login/")[0] == 200
        ready_worker = b"ready." in (OUT / "load_worker.log").read_bytes()
        if ready_web and ready_worker:
            return procs
        time.sleep(1)
    stop_stack(procs)
    raise SystemExit("the stack did not come up in 90 s")


def stop_stack(procs: dict[str, subprocess.Popen]) -> dict[str, int | str]:
    """SIGTERM (gunicorn: graceful; celery: warm shutdown), SIGKILL of the group after 60 s."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = {}
    for name, proc in procs.items():
        try:
            codes[name] = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            codes[name] = f"killed after 60 s ({proc.wait()})"
    return codes


def process_tree(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def process_usage(procs: dict[str, subprocess.Popen]) -> dict:
    """CPU seconds and memory of each started process tree (live processes only)."""
    tick = os.sysconf("SC_CLK_TCK")
    usage = {}
    for name, proc in procs.items():
        rows = []
        for pid in process_tree(proc.pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            mem = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
            rows.append(
                {
                    "pid": pid,
                    "cpu_s": round((int(stat[11]) + int(stat[12])) / tick, 1),
                    "rss_mb": round(int(mem.get("VmRSS", 0)) / 1024, 1),
                    "peak_rss_mb": round(int(mem.get("VmHWM", 0)) / 1024, 1),
                }
            )
        usage[name] = rows
    return usage


def server_settings(database_url: str) -> dict[str, str]:
    import psycopg2

    db = psycopg2.connect(database_url)
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'jit', 'shared_buffers', 'work_mem', "
            "'max_connections', 'server_version')"
        )
        found = dict(cursor.fetchall())
    db.close()
    return found


def vacuum(database_url: str) -> float:
    """VACUUM (ANALYZE) the whole database; seconds taken."""
    import psycopg2

    started = time.monotonic()
    db = psycopg2.connect(database_url)
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    db.close()
    return round(time.monotonic() - started, 1)


def vacuum_loop(database_url: str, every: float, stop: threading.Event, log: list) -> None:
    """Stand-in for autovacuum where the server has it off: every import updates ~1,500 patents, and without
    vacuuming the dead rows (4–5× the live ones after a 5-minute run) turn the library's queries into scans of
    bloat with mis-estimated, JIT-compiled plans (measured: warm resource-library pages 0.3–0.8 s instead of
    0.07–0.12 s)."""
    while not stop.wait(every):
        try:
            log.append(vacuum(database_url))
        except Exception as exc:  # noqa: BLE001 - reported
            log.append(repr(exc))


def database_backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving ``database`` (the platform's connections persist for
    DATABASE_CONN_MAX_AGE, so the difference between two snapshots is the queries' CPU, roughly)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not cmd.startswith("postgres:") or f" {database} " not in cmd:
                continue
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(stat[11]) + int(stat[12])) / tick
    return found


def busiest_processes(count: int = 8) -> list[str]:
    """The machine's busiest processes (CPU share over their lifetime): what else ran beside the bench."""
    listing = subprocess.run(
        ["ps", "-eo", "pid,pcpu,etime,args", "--sort=-pcpu"], capture_output=True, text=True
    ).stdout.splitlines()
    return [line[:160] for line in listing[1:] if " ps -eo " not in line][:count]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------------------------------------------- main


def run(args) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    work = OUT / "load_files"
    work.mkdir(exist_ok=True)
    env = server_env(args)
    for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        os.environ[key] = env[key]
    os.environ["MEDIA_ROOT"] = env["MEDIA_ROOT"]
    report: dict = {"args": vars(args) | {"secret_key": "(random)"}, "machine": {"nproc": os.cpu_count()}}
    report["machine"]["uptime_before_setup"] = uptime()
    report["database"] = ensure_database(args, env)
    browsers, uploaders = prepare_accounts_and_files(args, work)
    report["database"]["server_settings"] = settings_now = server_settings(args.database_url)
    report["database"]["vacuum_analyze_before_s"] = vacuum(args.database_url)
    vacuum_every = args.vacuum_every if settings_now.get("autovacuum") == "off" else 0
    report["database"]["vacuum_every_s"] = vacuum_every

    procs = {} if args.url else start_stack(args, env)
    base = args.url or f"http://127.0.0.1:{args.port}"
    stats = Stats()
    try:
        # Sign-ins and the probe of which page kinds each role may see (not counted in the page figures).
        clients = {}
        for index, user in enumerate(browsers):
            clients[index] = Client(base, stats, args.timeout)
            clients[index].login(user.username)
        probe_stats = Stats()
        allowed: dict[str, dict[str, int | None]] = {}
        for index, user in enumerate(browsers):
            if user.username not in allowed:
                probe = Client(base, probe_stats, args.timeout)
                probe.cookies = dict(clients[index].cookies)
                allowed[user.username] = {kind: probe.request("GET", PATHS[kind])[0] for kind in PAGES}
            user.kinds = [kind for kind, status in allowed[user.username].items() if status == 200]
        upload_clients = []
        for uploader in uploaders:
            client = Client(base, stats, args.timeout)
            client.login(uploader.username)
            upload_clients.append(client)
        report["role_pages"] = allowed
        report["machine"]["uptime_at_start"] = uptime()
        report["machine"]["busiest_processes_at_start"] = busiest_processes()
        report["machine"]["loadavg_start"] = os.getloadavg()

        stop = threading.Event()
        drain_deadline = [float("inf")]
        counter = {"n": 0}
        counter_lock = threading.Lock()

        def budget() -> bool:
            with counter_lock:
                counter["n"] += 1
                return counter["n"] <= args.max_requests

        threads = [
            threading.Thread(
                target=guarded(upload_loop), args=(client, uploader, stop, drain_deadline, args.poll), daemon=True
            )
            for client, uploader in zip(upload_clients, uploaders, strict=True)
        ]
        threads += [
            threading.Thread(
                target=guarded(browse),
                args=(clients[i], user, stop, budget, (args.think_min, args.think_max), args.seed + i),
                daemon=True,
            )
            for i, user in enumerate(browsers)
            if user.kinds
        ]
        stats_start = len(stats.timeline)
        database = report["database"]["name"]
        db_cpu_before = database_backends_cpu(database)
        db_cpu_seen = dict(db_cpu_before)
        server_cpu_before = process_usage(procs)
        client_cpu_before = time.process_time()
        started = time.monotonic()
        vacuums: list = []
        report["database"]["vacuums_during_run_s"] = vacuums
        if vacuum_every:
            threads.append(
                threading.Thread(target=vacuum_loop, args=(args.database_url, vacuum_every, stop, vacuums), daemon=True)
            )
        for thread in threads:
            thread.start()
        loads = []
        while time.monotonic() - started < args.duration and not stop.is_set():
            stop.wait(min(10, args.duration - (time.monotonic() - started)))
            loads.append([round(time.monotonic() - started), *os.getloadavg()])
            db_cpu_seen.update(database_backends_cpu(database))  # backends are recycled: keep what each one used
        stop.set()
        browse_seconds = time.monotonic() - started
        drain_deadline[0] = time.monotonic() + args.drain_timeout
        for thread in threads:
            thread.join(timeout=args.drain_timeout + args.timeout + 5)
        total_seconds = time.monotonic() - started
        report["machine"]["loadavg_samples"] = loads
        report["machine"]["uptime_at_end"] = uptime()
        report["machine"]["busiest_processes_at_end"] = busiest_processes()
        report["server_processes"] = process_usage(procs)
        # Where the machine's nproc × duration CPU-seconds went during the load phase (approximate: a database
        # backend's last ≤ 10 s before it closed and a recycled gunicorn worker or pool process are missing).
        db_cpu_seen.update(database_backends_cpu(database))
        report["cpu_seconds_during_load"] = {
            "available (nproc × duration)": round((os.cpu_count() or 1) * browse_seconds),
            **{
                name: round(
                    sum(r["cpu_s"] for r in report["server_processes"][name])
                    - sum(r["cpu_s"] for r in server_cpu_before[name]),
                    1,
                )
                for name in procs
            },
            f"postgres backends of {database}": round(
                sum(cpu - db_cpu_before.get(pid, 0.0) for pid, cpu in db_cpu_seen.items()), 1
            ),
            "bench client (this process)": round(time.process_time() - client_cpu_before, 1),
        }
    finally:
        report["stop"] = stop_stack(procs) if procs else "not started by the bench"

    # Latencies: every request of the load phase, including those in flight at the stop and the uploads' polls while
    # draining; rates: the requests completed within the load phase over its length. Sign-ins came before it.
    timeline = stats.timeline[stats_start:]
    offset = started - stats.started
    by_kind: dict[str, list[float]] = defaultdict(list)
    done_in_phase: dict[str, int] = defaultdict(int)
    for at, kind, seconds, _ok in timeline:
        by_kind[kind].append(seconds)
        done_in_phase[kind] += at - offset <= browse_seconds
    page_kinds = [k for k in PAGES if by_kind.get(k)]
    pages = [s for k in page_kinds for s in by_kind[k]]
    everything = [s for values in by_kind.values() for s in values]
    report["duration_s"] = round(browse_seconds, 1)
    report["drain_s"] = round(total_seconds - browse_seconds, 1)
    report["requests"] = {
        "pages_overall": summarize(pages, browse_seconds, sum(done_in_phase[k] for k in page_kinds)),
        "all_overall": summarize(everything, browse_seconds, sum(done_in_phase.values())),
        **{kind: summarize(values, browse_seconds, done_in_phase[kind]) for kind, values in sorted(by_kind.items())},
        "login (before the run)": summarize(stats.latencies["login"], None),
    }
    report["statuses"] = {kind: dict(codes) for kind, codes in stats.statuses.items()}
    report["errors"] = {"total": sum(stats.errors.values()), **stats.errors}
    report["unexpected_status"] = {"total": sum(stats.unexpected.values()), **stats.unexpected}
    report["error_samples"] = stats.samples
    per_30s: dict[int, list[float]] = defaultdict(list)
    for at, kind, seconds, _ok in timeline:
        if kind in PAGES:
            per_30s[int((at - offset) // 30) * 30].append(seconds)
    report["pages_per_30s"] = {
        str(k): {"requests": len(v), "p50_ms": round(percentile(v, 0.5) * 1000), "p95_ms": round(percentile(v, 0.95) * 1000)}
        for k, v in sorted(per_30s.items())
    }  # fmt: skip

    results = [r for u in uploaders for r in u.results]
    states: dict[str, int] = defaultdict(int)
    for r in results:
        states[(r.get("got") or {}).get("state") or f"upload HTTP {r['upload_status']}"] += 1
    report["uploads"] = {
        "started": sum(1 for r in results if r.get("job")),
        "attempted": len(results),
        "finished_final": sum(1 for r in results if r.get("final")),
        "final_states": dict(states),
        "counts_right": sum(1 for r in results if r.get("ok")),
        "job_seconds": summarize([r["seconds"] for r in results if "seconds" in r], None) if results else None,
        "per_uploader": [
            {
                "uploader": u.username,
                "institution": u.institution,
                "rows": u.rows,
                "patents": u.patents,
                "uploads": len(u.results),
                "right": sum(1 for r in u.results if r.get("ok")),
                "jobs": [
                    {k: r.get(k) for k in ("job", "variant", "seconds", "ok", "got", "message")} for r in u.results
                ],
            }
            for u in uploaders
        ],
    }
    report["database_check"] = check_database(uploaders)
    report["nothing_lost"] = (
        bool(results)
        and all(r.get("final") and r.get("ok") for r in results)
        and all(c["ok"] for c in report["database_check"])
    )
    return report


def print_summary(report: dict) -> None:
    m = report["machine"]
    print(f"\nmachine: nproc {m['nproc']}; at start: {m['uptime_at_start']}; at end: {m['uptime_at_end']}")
    db = report["database"]
    print(f"database {db['name']}: {db['server_settings']}; VACUUM (ANALYZE) before {db['vacuum_analyze_before_s']} s, "
          f"during (every {db['vacuum_every_s']} s) {db.get('vacuums_during_run_s')}")  # fmt: skip
    print(f"CPU seconds during the load: {report.get('cpu_seconds_during_load')}")
    print(f"load phase {report['duration_s']} s (+ {report['drain_s']} s draining uploads); stop: {report['stop']}")
    print(f"\n{'kind':<26}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, row in report["requests"].items():
        if row["requests"]:
            print(f"{kind:<26}{row['requests']:>9}{row['per_second'] or '-':>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
                  f"{row['p99_ms']:>9}{row['max_ms']:>9}")  # fmt: skip
    print(f"\nerrors (5xx or transport): {report['errors']}")
    print(f"unexpected statuses (not 5xx): {report['unexpected_status']}")
    up = report["uploads"]
    print(f"uploads: attempted {up['attempted']}, jobs started {up['started']}, final {up['finished_final']}, "
          f"states {up['final_states']}, counts right {up['counts_right']}")  # fmt: skip
    if up["job_seconds"]:
        print(
            f"upload → final: p50 {up['job_seconds']['p50_ms'] / 1000:.1f} s, max {up['job_seconds']['max_ms'] / 1000:.1f} s"
        )
    for check in report["database_check"]:
        print(f"  {check}")
    print(f"nothing lost: {report['nothing_lost']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    parser.add_argument("--users", type=int, default=50, help="concurrent browsing users (default 50)")
    parser.add_argument("--uploaders", type=int, default=4, help="concurrent uploaders (default 4)")
    parser.add_argument("--rows", type=int, default=2000, help="data rows per uploaded workbook (default 2000)")
    parser.add_argument("--think-min", type=float, default=0.5, help="think time between a user's requests, s")
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap on browsing requests")
    parser.add_argument(
        "--timeout", type=float, default=60, help="client timeout per request, s (a timeout is an error)"
    )
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls of an upload's job")
    parser.add_argument("--drain-timeout", type=float, default=300, help="wait this long for uploads in flight")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--patents", type=int, default=20_000, help="demo patents when the database is empty")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--url", help="a server already running on this database (no stack started)")
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="as docker-compose.yml (3)")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="as docker-compose.yml (sync workers)")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="as docker-compose.yml (2)")
    parser.add_argument(
        "--vacuum-every",
        type=float,
        default=60,
        help="VACUUM (ANALYZE) the database this often during the run when the server's autovacuum is off (0: never)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only: --url must be http://127.0.0.1:…")
    args.secret_key = secrets.token_urlsafe(50)
    report = run(args)
    path = OUT / "load_bench.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print_summary(report)
    print(f"\nwritten: {path.relative_to(ROOT)}")
    shutil.rmtree(OUT / "load_files", ignore_errors=True)
    return 0 if report["errors"]["total"] == 0 and report["nothing_lost"] else 1


if __name__ == "__main__":
    sys.exit(main())
