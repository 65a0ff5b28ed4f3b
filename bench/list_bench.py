"""Server time of the library list pages at national scale (base library and conversion resource library).

    cd /work/main && .venv/bin/python bench/list_bench.py [--runs 7] [--cold-runs 3] [--database-url URL]
                                                          [--patents N] [--no-proposed-index] [--only NAME ...]

``--patents N`` makes the bench database hold exactly N generated patents first: when it holds another number, or
has unapplied migrations, it is dropped, created, migrated, given the reference data and filled by
``generate_demo_data --patents N`` (then VACUUM ANALYZE). Only a database whose name contains ``bench`` is ever dropped.

On the national-scale database (default postgres://postgres@127.0.0.1:5432/patentpool_bench, ~1.35M patents made by
``manage.py generate_demo_data --patents 1350000``; migrated; search_text filled). Nothing is written to it except
three bench users (bench_list_*), their sessions, and — only inside a transaction that is rolled back — the proposed
index (see below).

What is timed: the Django view, in-process, through ``django.test.Client`` (URL resolving, middleware, session and
user lookup, filtering, SQL, template rendering; no network, no WSGI server), DEBUG off, the Redis cache of REDIS_URL
(default redis://127.0.0.1:6379/0) as in production. Per scenario:

* warm: one warm-up request, then the median of ``--runs`` requests (the resource library's facet counts come from
  the cache, as they do for every request but the first of a filter in FACET_TTL);
* cold (resource library only): the median of ``--cold-runs`` requests whose facet counts miss the cache (a fresh
  key version each time), i.e. the first request of a filter;
* SQL ms: the sum of the captured queries' times of the same requests (median); queries: the number per request.

Scenarios: (1) the base stock-patent library, filtered by college, patent type and grant year, for the institution
admin of the largest institution, and for a national admin (the same filters; and type + year nationwide);
(2) the resource library: search ``q=锂电池 隔膜`` and a facet-filtered page (门类 C + maturity 小批量生产), plus, for
context, the unfiltered library and the common one-word search ``q=锂电池``; (3) the same with page_size 200.
Target: 300 ms per request (PASS/FAIL on the warm median; the cold figure is reported against it too).

Baseline (context): the same searches with the substring fallback of ``common.search`` forced (ILIKE '%…%' on
title, products/advantages and prospect, which no index serves), through the same view; and the bare search as a
COUNT(*) both ways — the ratio shows what the full-text index buys.

Proposed indexes: unless ``--no-proposed-index``, every scenario is measured twice, as the database is and again
inside a transaction that first creates

    CREATE INDEX assessment_library_order ON evaluations_selfassessment (value_stars DESC NULLS LAST, patent_id DESC)
        WHERE review_state = 'approved' AND convertible;
    CREATE INDEX patent_type_grant_idx ON patentpool_patent (patent_type, grant_date);

and is rolled back at the end (the database is left as it was). Results: bench/out/list_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import DEFAULT_REDIS_URL, OUT, processes_matching  # noqa: E402 - needs ROOT on sys.path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/patentpool_bench"
TARGET_MS = 300
PROPOSED_INDEXES = [
    # The resource library's order (best prospect, newest entry): the first page of any filter without a sort.
    "CREATE INDEX IF NOT EXISTS assessment_library_order ON evaluations_selfassessment "
    "(value_stars DESC NULLS LAST, patent_id DESC) WHERE review_state = 'approved' AND convertible",
    # The base library's COUNT(*) of type + grant year at national/provincial scale, as an index-only scan.
    "CREATE INDEX IF NOT EXISTS patent_type_grant_idx ON patentpool_patent (patent_type, grant_date)",
]
SEARCH = "锂电池 隔膜"
COMMON_SEARCH = "锂电池"
# Words of real patent titles (../shared/reference/labelled_patents_dev.csv: 传感器 22 of its 1,008 titles, 机器人 25,
# 图像 70, 纳米 22, 芯片 11, 神经网络 10, 石墨烯 9 …). The demo generator's vocabulary has some of them (a title is
# adjective + one of 46 subjects + form); the others (神经网络, 光纤, LED, μm, 算法) find nothing in demo data and are
# reported for their time only. 制备方法 is in about a third of the demo titles: the worst case for ranking.
RANKED_QUERIES = (
    "锂电池", "传感器", "机器人", "石墨烯", "催化剂", "神经网络", "图像", "电池隔膜", "纳米", "光纤", "5G", "LED",
    "μm", "芯片", "算法", "雷达", "复合材料", "锂电池 隔膜", "电池", "制备方法",
)  # fmt: skip


def configure_env(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DJANGO_DEBUG"] = "0"  # production-like: no query log, no debug toolbar of any kind
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # DEBUG off refuses to start without a key (issue #10); this process and its children share one.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP


def other_heavy_processes() -> list[str]:
    return processes_matching(("generate_demo", "import_bench", "pytest", "manage.py migrate"))


# ----------------------------------------------------------------------------------------------------- checks


def ensure_patents(database_url: str, patents: int) -> dict | None:
    """Make the bench database hold ``patents`` generated patents, migrated (see the module docstring). Returns what
    was done, or None when the database was already right. Runs before Django connects to it."""
    import subprocess

    import psycopg2

    name = database_url.rsplit("/", 1)[-1].split("?", 1)[0]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    current = None
    try:
        with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM patentpool_patent")
            current = cursor.fetchone()[0]
    except psycopg2.Error:
        pass
    unapplied = (
        current is not None and subprocess.run([*manage, "migrate", "--check"], env=env, capture_output=True).returncode
    )
    if current == patents and not unapplied:
        return None
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: --patents only rebuilds a database whose name contains 'bench'")
    print(f"{name}: {current} patents, unapplied migrations: {bool(unapplied)} → rebuilding with {patents}", flush=True)
    started = time.perf_counter()
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "load_reference_data"], env=env, check=True, stdout=subprocess.DEVNULL)
    generate_started = time.perf_counter()
    subprocess.run([*manage, "generate_demo_data", "--patents", str(patents)], env=env, check=True)
    generate_s = time.perf_counter() - generate_started
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    conn.close()
    return {
        "rebuilt_with": patents,
        "generate_s": round(generate_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def check_database() -> dict:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from evaluations.models import SelfAssessment
    from patentpool.models import Patent

    plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    if plan:
        raise SystemExit(f"unapplied migrations ({len(plan)}): run manage.py migrate on the bench database first")
    patents = Patent.objects.count()
    library = SelfAssessment.objects.filter(review_state="approved", convertible=True)
    library_size = library.count()
    unindexed = library.filter(search_text="").exclude(patent__title="").count()
    if patents < 1_000:
        raise SystemExit(f"only {patents} patents: generate the data first (--patents N)")
    if unindexed > library_size // 100:
        raise SystemExit(
            f"{unindexed} of {library_size} library rows have no search_text (an older generation): regenerate"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "patents": patents,
        "resource_library": library_size,
        "postgres": version.split(" on ")[0],
        "postgres_settings": settings,
    }


def bench_users():
    """The institution admin of the largest institution, a national admin, an enterprise user."""
    from django.db.models import Count

    from enterprises.models import Enterprise
    from institutions.choices import Role
    from institutions.models import Institution, User

    largest = Institution.objects.annotate(n=Count("patents")).order_by("-n").values_list("pk", "name", "n").first()
    inst_admin, _ = User.objects.update_or_create(
        username="bench_list_inst_admin", defaults={"role": Role.INSTITUTION_ADMIN, "institution_id": largest[0]}
    )
    national, _ = User.objects.update_or_create(
        username="bench_list_national", defaults={"role": Role.NATIONAL_ADMIN, "is_staff": True}
    )
    enterprise, _ = User.objects.update_or_create(
        username="bench_list_enterprise",
        defaults={"role": Role.ENTERPRISE, "enterprise": Enterprise.objects.order_by("pk").first()},
    )
    return {"inst_admin": inst_admin, "national": national, "enterprise": enterprise}, largest


def base_filters(institution_id: int) -> dict:
    """The largest college of the institution, inventions, and that college's commonest grant year."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from patentpool.models import Patent

    mine = Patent.objects.filter(institution_id=institution_id)
    college = mine.values("org_unit_id").annotate(n=Count("pk")).order_by("-n")[0]["org_unit_id"]
    year = (
        mine.filter(org_unit_id=college, patent_type="invention")
        .annotate(y=ExtractYear("grant_date"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["y"]
    )
    return {"org_unit": college, "patent_type": "invention", "grant_year": year}


# ------------------------------------------------------------------------------------------------- measuring


def one_request(client, url: str, params: dict) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url, params)
        body = response.content
        wall = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: HTTP {response.status_code}\n{body[:2000]!r}")
    sql = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    return wall, sql, len(ctx.captured_queries), len(body)


def fresh_facet_keys() -> None:
    """Make the next request of any filter miss the facet cache (a new key version; nothing is deleted)."""
    from library import facets as library

    library.FACET_KEY_VERSION = f"bench{time.time_ns()}"


def measure(client, url: str, params: dict, *, runs: int, cold_runs: int) -> dict:
    result = {}
    if cold_runs:
        samples = []
        for _ in range(cold_runs):
            fresh_facet_keys()
            samples.append(one_request(client, url, params))
        result["cold"] = summarize(samples)
    one_request(client, url, params)  # warm-up (and facet cache fill)
    result["warm"] = summarize([one_request(client, url, params) for _ in range(runs)])
    return result


def summarize(samples) -> dict:
    walls = [s[0] for s in samples]
    return {
        "ms": round(statistics.median(walls), 1),
        "sql_ms": round(statistics.median(s[1] for s in samples), 1),
        "queries": sorted({s[2] for s in samples}),
        "min_ms": round(min(walls), 1),
        "max_ms": round(max(walls), 1),
        "runs": len(samples),
        "bytes": samples[-1][3],
        "pass": statistics.median(walls) <= TARGET_MS,
    }


class forced_substring_search:
    """Within the block ``common.search.search_filter`` takes its non-PostgreSQL branch: ILIKE '%term%' on the
    fields the caller names (the resource library: title, products/advantages, prospect)."""

    def __enter__(self):
        from common import search

        self.saved = search.connection
        search.connection = types.SimpleNamespace(vendor="baseline-substring")

    def __exit__(self, *exc):
        from common import search

        search.connection = self.saved


def search_count_sql(text: str, *, substring: bool, runs: int) -> dict:
    """The bare search over the library as COUNT(*), full-text index vs ILIKE (median ms of ``runs``)."""
    from institutions.models import User
    from library.filtersets import ResourceFilterSet
    from library.selectors import resource_library_list

    user = User.objects.get(username="bench_list_enterprise")

    def count():
        return ResourceFilterSet({"q": text}, queryset=resource_library_list(user=user)).qs.count()

    samples, n = [], None
    for i in range(runs + 1):
        if substring:
            with forced_substring_search():
                started = time.perf_counter()
                n = count()
        else:
            started = time.perf_counter()
            n = count()
        if i:  # the first is a warm-up
            samples.append((time.perf_counter() - started) * 1000)
    return {"ms": round(statistics.median(samples), 1), "rows": n}


def scenarios(filters) -> list[dict]:
    base = [
        ("base: institution admin, college + type + year", "inst_admin", "/patents/", filters),
        ("base: national admin, college + type + year", "national", "/patents/", filters),
        (
            "base: national admin, type + year (nationwide)",
            "national",
            "/patents/",
            {"patent_type": filters["patent_type"], "grant_year": filters["grant_year"]},
        ),
    ]
    library = [
        (f"library: search q={SEARCH}", "enterprise", "/library/", {"q": SEARCH}),
        (
            "library: section C + maturity small_batch",
            "enterprise",
            "/library/",
            {"section": "C", "maturity": "small_batch"},
        ),
        ("library (context): unfiltered", "enterprise", "/library/", {}),
        (f"library (context): search q={COMMON_SEARCH}", "enterprise", "/library/", {"q": COMMON_SEARCH}),
    ]
    out = []
    for page_size in (50, 200):
        for name, user, url, params in base + library:
            out.append(
                {
                    "name": f"{name} [page_size {page_size}]",
                    "user": user,
                    "url": url,
                    "params": {**params, "page_size": page_size},
                    "target": not name.startswith("library (context)"),
                    "facets": url == "/library/",
                }
            )
    return out


def run_all(users, filters, args) -> list[dict]:
    from django.test import Client

    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    rows = []
    for sc in scenarios(filters):
        if args.only and not any(word in sc["name"] for word in args.only):
            continue
        result = measure(
            clients[sc["user"]],
            sc["url"],
            sc["params"],
            runs=args.runs,
            cold_runs=args.cold_runs if sc["facets"] else 0,
        )
        row = {**sc, **result}
        if sc["url"] == "/library/" and "q" in sc["params"]:
            with forced_substring_search():
                row["baseline_ilike"] = measure(
                    clients[sc["user"]], sc["url"], sc["params"], runs=max(3, args.runs // 2), cold_runs=1
                )
        rows.append(row)
        print_row(row)
    return rows


def _folded(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text or "").lower()


def run_ranked(users, args) -> list[dict]:
    """Per query of RANKED_QUERIES, the resource library's first page (page_size 50) as a buyer sees it: the hits,
    the share of the top 10 whose title contains every term (NFKC, case-folded), the warm median and the first
    (cold: facet counts not cached) request."""
    from django.test import Client

    from library.filtersets import ResourceFilterSet
    from library.selectors import resource_library_list

    client = Client()
    client.force_login(users["enterprise"])
    rows = []
    print(f"  {'query':<12} {'hits':>8} {'title@10':>9} {'warm ms':>9} {'SQL ms':>8} {'cold ms':>9}", flush=True)
    for text in RANKED_QUERIES:
        params = {"q": text, "page_size": 50}
        result = measure(client, "/library/", params, runs=args.runs, cold_runs=1)
        # The same FilterSet and order as the view (outside the timed requests).
        filterset = ResourceFilterSet({"q": text}, queryset=resource_library_list(user=users["enterprise"]))
        top = list(filterset.ordered_qs().values_list("title", flat=True)[:10])
        terms = [_folded(t) for t in text.split()]
        title_hits = sum(all(t in _folded(title) for t in terms) for title in top)
        row = {
            "query": text,
            "hits": filterset.qs.count(),
            "title_share_top10": round(title_hits / len(top), 2) if top else None,
            **result,
        }
        rows.append(row)
        share = f"{row['title_share_top10']:.0%}" if top else "-"
        print(
            f"  {text:<12} {row['hits']:>8} {share:>9} {row['warm']['ms']:>9.1f} {row['warm']['sql_ms']:>8.1f} "
            f"{row['cold']['ms']:>9.1f}  {'PASS' if row['warm']['pass'] else 'FAIL'}",
            flush=True,
        )
    return rows


def print_row(row: dict) -> None:
    warm = row["warm"]
    verdict = ("PASS" if warm["pass"] else "FAIL") if row["target"] else "info"
    line = f"  {row['name']:<72} warm {warm['ms']:>8.1f} ms (SQL {warm['sql_ms']:>7.1f}, q {warm['queries']}) {verdict}"
    if "cold" in row:
        cold = row["cold"]
        line += f" | cold {cold['ms']:>8.1f} ms (SQL {cold['sql_ms']:>7.1f}, q {cold['queries']}) {'PASS' if cold['pass'] else 'FAIL'}"
    print(line, flush=True)
    if "baseline_ilike" in row:
        b = row["baseline_ilike"]
        print(
            f"  {'   baseline ILIKE, same view':<72} warm {b['warm']['ms']:>8.1f} ms (SQL {b['warm']['sql_ms']:>7.1f})"
            f"      | cold {b['cold']['ms']:>8.1f} ms   ratio warm {b['warm']['ms'] / max(warm['ms'], 0.1):.1f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-proposed-index", action="store_true")
    parser.add_argument("--only", nargs="*", help="run only scenarios whose name contains one of these words")
    parser.add_argument("--patents", type=int, help="rebuild the bench database with N generated patents if needed")
    parser.add_argument(
        "--ignore-others", action="store_true", help="run even while a demo generation runs (on another database)"
    )
    parser.add_argument("--no-ranked", action="store_true", help="skip the per-query ranked-search table")
    args = parser.parse_args()

    rebuilt = ensure_patents(args.database_url, args.patents) if args.patents else None
    configure_env(args.database_url, args.redis_url)
    import django

    django.setup()
    from django.db import connection, transaction

    busy = other_heavy_processes()
    if any("generate_demo" in p for p in busy) and not args.ignore_others:
        raise SystemExit("a demo data generation is running; wait for it:\n" + "\n".join(busy))
    info = check_database()
    users, largest = bench_users()
    filters = base_filters(largest[0])
    report = {
        "command": " ".join([".venv/bin/python", "bench/list_bench.py", *sys.argv[1:]]),
        "database": args.database_url.rsplit("@", 1)[-1],
        "cache": "redis" if args.redis_url else "locmem",
        "target_ms": TARGET_MS,
        "runs": args.runs,
        "cold_runs": args.cold_runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_start": os.getloadavg()},
        "other_processes_at_start": busy,
        "largest_institution": {"id": largest[0], "name": largest[1], "patents": largest[2]},
        "base_filters": filters,
        "rebuilt": rebuilt,
        **info,
    }
    print(
        f"{info['patents']} patents, {info['resource_library']} in the resource library; "
        f"largest institution {largest[1]} ({largest[2]}); base filters {filters}"
    )
    if busy:
        print("note: other heavy processes are running:\n  " + "\n  ".join(busy))

    print("\n== ranked search: hits, share of title matches in the top 10, warm / cold (resource library) ==")
    report["ranked_search"] = [] if args.no_ranked else run_ranked(users, args)
    print("\n== as the database is ==")
    report["as_is"] = run_all(users, filters, args)
    report["search_sql_count"] = {
        text: {
            "fulltext_ms": search_count_sql(text, substring=False, runs=args.runs),
            "ilike_ms": search_count_sql(text, substring=True, runs=3),
        }
        for text in (SEARCH, COMMON_SEARCH)
    }
    for text, r in report["search_sql_count"].items():
        ratio = r["ilike_ms"]["ms"] / max(r["fulltext_ms"]["ms"], 0.1)
        print(
            f"  bare search COUNT(*) q={text}: full-text {r['fulltext_ms']['ms']} ms, ILIKE {r['ilike_ms']['ms']} ms "
            f"({r['fulltext_ms']['rows']} rows) → {ratio:.0f}x"
        )
    if not args.no_proposed_index:
        print("\n== with the proposed indexes (created in a transaction, rolled back) ==")
        with transaction.atomic():
            report["proposed_indexes"] = []
            for sql in PROPOSED_INDEXES:
                print("  " + sql)
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                report["proposed_indexes"].append({"sql": sql, "build_s": round(time.perf_counter() - started, 1)})
            report["with_proposed_indexes"] = run_all(users, filters, args)
            transaction.set_rollback(True)
    report["machine"]["loadavg_end"] = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "list_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten {OUT / 'list_bench.json'}")


if __name__ == "__main__":
    main()
