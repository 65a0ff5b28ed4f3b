"""The tables the classifier reads: shipped reference files and the concordances built in ``data/``. Read once."""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from pathlib import Path

from reference.files import DATA_DIR as REFERENCE_DIR  # the shipped reference CSVs

DATA_DIR = Path(__file__).resolve().parent / "data"

GBT_CONCORDANCE = DATA_DIR / "ipc_gbt4754.csv"
SEI_CONCORDANCE = DATA_DIR / "ipc_sei2021.csv"
AUTHORED_MAP = DATA_DIR / "authored_ipc_map.csv"
SEI_KEYWORDS = DATA_DIR / "sei2021_keywords.csv"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file (with or without BOM), values stripped."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(f)]


@functools.cache
def gbt_codes() -> dict[str, dict[str, str]]:
    """GB/T 4754-2017 rows by code (all four levels): {'C3841': {'level': '小类', 'name': ..., 'remark': ...}}."""
    return {row["code"]: row for row in read_csv(REFERENCE_DIR / "gbt4754_2017_industry_codes.csv")}


@functools.cache
def gbt_classes_under() -> dict[str, tuple[str, ...]]:
    """Every code (门类, 大类, 中类, 小类) → the 小类 codes under it, in code order."""
    under: dict[str, list[str]] = defaultdict(list)
    for code, row in gbt_codes().items():
        if row["level"] == "小类":
            for ancestor in (code[0], code[:3], code[:4], code):
                under[ancestor].append(code)
    return {code: tuple(classes) for code, classes in under.items()}


@functools.cache
def ipc_subclasses() -> dict[str, str]:
    """IPC subclass code → English title (651 in IPC 2023.01)."""
    rows = read_csv(REFERENCE_DIR / "ipc_sections_classes_subclasses_en.csv")
    return {row["code"]: row["title_en"] for row in rows if row["level"] == "subclass"}


@functools.cache
def sei_codes() -> dict[str, str]:
    """SEI 2021 level-2 code → name: {'1.5': '人工智能', ...}."""
    return {row["sei_code"]: row["sei_name"] for row in read_csv(REFERENCE_DIR / "sei_2021_codes.csv")}


def read_concordance(path: Path, code_column: str) -> dict[str, dict[str, float]]:
    """A built concordance file as {ipc_prefix: {code: weight}}."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for row in read_csv(path):
        table[row["ipc_prefix"]][row[code_column]] = float(row["weight"])
    return dict(table)


@functools.cache
def gbt_concordance() -> dict[str, dict[str, float]]:
    return read_concordance(GBT_CONCORDANCE, "gbt4754")


@functools.cache
def sei_concordance() -> dict[str, dict[str, float]]:
    return read_concordance(SEI_CONCORDANCE, "sei_2021")


@functools.cache
def concordance_version() -> str:
    with GBT_CONCORDANCE.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return next(reader)["version"]
