"""Build the shipped concordances ``data/ipc_gbt4754.csv`` and ``data/ipc_sei2021.csv`` (method in data/PROVENANCE.md).

    python -m classification.build_concordance [--dev ../shared/reference/labelled_patents_dev.csv | --no-dev]

1. Authored knowledge (``data/authored_ipc_map.csv``): for each IPC class, and for subclasses where the class is too
   coarse, the GB/T 4754 codes (any level) and SEI 2021 codes of the industries that make or use what it covers, most
   relevant first. Every one of the 651 subclasses gets a prior: its own row or its class's; codes above 小类 are
   spread over the 小类 under them.
2. Evidence: labelled patents (main IPC code → the classes a patent database gave them) counted at subclass, main
   group and subgroup level, and smoothed towards the level above (additive pseudo-counts), so a prefix seen once
   does not forget the prior and an unseen one keeps it.

``build_tables(rows)`` does the same in memory; the benchmark calls it on k-1 folds for cross-validation.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from .ipc import ipc_prefixes, parse_ipc
from .tables import AUTHORED_MAP, GBT_CONCORDANCE, SEI_CONCORDANCE, gbt_classes_under, ipc_subclasses, read_csv
from .tables import sei_codes as sei_code_names

VERSION = "2026.1"
REPO_DIR = Path(__file__).resolve().parent.parent
DEV_FILE = REPO_DIR.parent / "shared" / "reference" / "labelled_patents_dev.csv"

# Pseudo-counts: how many patents' worth of weight the level above keeps against observed labels.
PRIOR_STRENGTH = {"subclass": 2.0, "group": 1.0, "code": 1.0}
MAX_CODES_PER_PREFIX = 60
MIN_WEIGHT = 0.002

Table = dict[str, dict[str, float]]


def _ranked(codes: list[str]) -> dict[str, float]:
    """Rank weights 1, 1/2, 1/3 … for authored codes listed most relevant first."""
    weights: dict[str, float] = {}
    for rank, code in enumerate(codes, start=1):
        weights[code] = weights.get(code, 0.0) + 1.0 / rank
    return weights


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {code: weight / total for code, weight in weights.items()} if total else {}


def authored_priors() -> tuple[Table, Table]:
    """(GB/T 4754 小类 prior, SEI prior) per IPC subclass from the authored map; raises ValueError on unknown codes."""
    under, seis = gbt_classes_under(), sei_code_names()
    rows = {row["ipc"]: row for row in read_csv(AUTHORED_MAP)}
    errors = [f"{ipc}: {code}" for ipc, row in rows.items() for code in row["gbt4754"].split() if code not in under]
    errors += [
        f"{ipc}: SEI {code}" for ipc, row in rows.items() for code in row["sei_2021"].split() if code not in seis
    ]
    if errors:
        raise ValueError(f"{AUTHORED_MAP.name}: unknown codes: {', '.join(errors)}")

    gbt: Table = {}
    sei: Table = {}
    for subclass in ipc_subclasses():
        row = rows.get(subclass) or rows.get(subclass[:3])
        if row is None:
            raise ValueError(f"{AUTHORED_MAP.name}: no row for IPC subclass {subclass} or its class")
        classes: dict[str, float] = defaultdict(float)
        for code, weight in _ranked(row["gbt4754"].split()).items():
            children = under[code]
            for child in children:
                classes[child] += weight / len(children)
        gbt[subclass] = _normalised(classes)
        # A subclass row without SEI codes falls back to its class's, when the class has some.
        sei_list = row["sei_2021"].split() or rows.get(subclass[:3], {}).get("sei_2021", "").split()
        sei[subclass] = _normalised(_ranked(sei_list))
    return gbt, sei


def labelled_rows(path: Path) -> list[dict[str, str]]:
    """The labelled patents file (columns ipc, gbt4754, sei_2021_level2), as dicts."""
    return read_csv(path)


def gbt_labels(row: dict[str, str]) -> list[str]:
    """The 小类 labels of a labelled row ('-' = none); codes GB/T 4754-2017 does not have are dropped."""
    under = gbt_classes_under()
    return [code for code in (part.strip() for part in row.get("gbt4754", "").split("|")) if code in under]


def sei_label(row: dict[str, str]) -> str:
    """'3.6 前沿新材料' → '3.6'; '' when none."""
    value = row.get("sei_2021_level2", "").split()
    return value[0] if value and value[0] in sei_code_names() else ""


def _count(rows: Iterable[dict[str, str]]) -> tuple[dict[str, Counter], Counter, dict[str, Counter], Counter]:
    """Label counts per prefix of each patent's main (first) IPC code: the database's labels follow the main code."""
    gbt_counts: dict[str, Counter] = defaultdict(Counter)
    gbt_n: Counter = Counter()
    sei_counts: dict[str, Counter] = defaultdict(Counter)
    sei_n: Counter = Counter()
    for row in rows:
        codes = parse_ipc(row.get("ipc", ""))
        if not codes:
            continue
        labels, sei = gbt_labels(row), sei_label(row)
        for prefix in ipc_prefixes(codes[0]):
            if labels:
                gbt_n[prefix] += 1
                gbt_counts[prefix].update(labels)
            if sei:
                sei_n[prefix] += 1
                sei_counts[prefix][sei] += 1
    return gbt_counts, gbt_n, sei_counts, sei_n


def _smooth(counts: Counter, n: int, prior: dict[str, float], strength: float) -> dict[str, float]:
    codes = set(prior) | set(counts)
    return {code: (counts.get(code, 0) + strength * prior.get(code, 0.0)) / (n + strength) for code in codes}


def _level(prefix: str) -> str:
    return "subclass" if "/" not in prefix else "group" if prefix.endswith("/") else "code"


def _parent(prefix: str) -> str:
    return prefix[:4] if _level(prefix) == "group" else prefix.split("/", 1)[0] + "/"


def _smoothed_table(priors: Table, counts: dict[str, Counter], n: Counter) -> Table:
    table: Table = {}
    # Subclasses first, then main groups, then subgroups: each level is smoothed towards the one above.
    for level in ("subclass", "group", "code"):
        for prefix in sorted(priors if level == "subclass" else (p for p in n if _level(p) == level)):
            parent = priors.get(prefix, {}) if level == "subclass" else table.get(_parent(prefix), {})
            if level != "subclass" and not parent:
                # A code in a subclass the IPC file does not list (an older edition): its counts stand alone.
                parent = {}
            table[prefix] = _smooth(counts.get(prefix, Counter()), n.get(prefix, 0), parent, PRIOR_STRENGTH[level])
    return table


def _trim(table: Table) -> Table:
    """Keep the strongest codes of each prefix, so the shipped file stays small."""
    trimmed: Table = {}
    for prefix, weights in table.items():
        ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:MAX_CODES_PER_PREFIX]
        kept = [(code, weight) for code, weight in ranked if weight >= MIN_WEIGHT] or ranked[:1]
        if kept:
            trimmed[prefix] = dict(kept)
    return trimmed


def build_tables(rows: Iterable[dict[str, str]] | None = None) -> tuple[Table, Table]:
    """(IPC → GB/T 4754 小类, IPC → SEI 2021) tables: authored priors, refined by ``rows`` when given."""
    gbt_prior, sei_prior = authored_priors()
    gbt_counts, gbt_n, sei_counts, sei_n = _count(rows or [])
    return (
        _trim(_smoothed_table(gbt_prior, gbt_counts, gbt_n)),
        _trim(_smoothed_table(sei_prior, sei_counts, sei_n)),
    )


def write_table(path: Path, table: Table, code_column: str, with_evidence: bool) -> int:
    """Write one concordance file; returns its number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["version", "ipc_prefix", code_column, "weight", "source"])
        for prefix in sorted(table):
            # Subclass rows are the authored prior (refined by labels when given); finer rows exist only from labels.
            source = "labelled" if "/" in prefix else "authored+labelled" if with_evidence else "authored"
            for code, weight in sorted(table[prefix].items(), key=lambda item: (-item[1], item[0])):
                writer.writerow([VERSION, prefix, code, f"{weight:.4f}", source])
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV_FILE, help="labelled patents CSV (default: %(default)s)")
    parser.add_argument("--no-dev", action="store_true", help="authored priors only")
    args = parser.parse_args(argv)
    rows = None
    if not args.no_dev:
        if not args.dev.exists():
            parser.error(f"{args.dev} not found (use --no-dev for the authored priors only)")
        rows = labelled_rows(args.dev)
    gbt, sei = build_tables(rows)
    evidence = rows is not None
    n_gbt = write_table(GBT_CONCORDANCE, gbt, "gbt4754", evidence)
    n_sei = write_table(SEI_CONCORDANCE, sei, "sei_2021", evidence)
    print(f"version {VERSION}: {GBT_CONCORDANCE.name} {n_gbt} rows, {SEI_CONCORDANCE.name} {n_sei} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
