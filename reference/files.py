"""The shipped reference files (``reference_data/``, sources in its PROVENANCE.md), read without the database.

Loaders (patentpool.reference) put them into tables; the pure validators (evaluations.validation) read the few
lists they check against straight from the same files, so there is one copy of each list.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "reference_data"


@functools.cache
def _read(name: str) -> tuple[dict[str, str], ...]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as f:
        return tuple({key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(f))


def read_reference_csv(name: str) -> list[dict[str, str]]:
    """Rows of a shipped CSV file (``utf-8-sig``: some files start with a BOM); read once per process."""
    return [dict(row) for row in _read(name)]
