"""The batch path of ``classify_patents``: CSV rows in, the same rows plus two columns out, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from .classifier import Classification, Table, classify

REQUIRED_COLUMNS = ("application_number", "title", "ipc")
TEXT_COLUMNS = ("title", "technical_field")
OUTPUT_COLUMNS = ("gbt4754", "sei_2021")


class InputError(ValueError):
    """The input file cannot be classified (missing columns); the message is Chinese first, then English."""


def row_text(row: dict[str, str]) -> str:
    """Title and technical field: the text the classifier reads (products and prospects, when present, too)."""
    return " ".join((row.get(column) or "").strip() for column in (*TEXT_COLUMNS, "products", "prospects"))


def classify_row(
    row: dict[str, str],
    *,
    extra_pairs: Iterable[tuple[str, str]] | None = None,
    gbt_table: Table | None = None,
    sei_table: Table | None = None,
    use_text: bool = True,
) -> Classification:
    return classify(
        row.get("ipc") or "",
        row_text(row),
        extra_pairs=extra_pairs,
        gbt_table=gbt_table,
        sei_table=sei_table,
        use_text=use_text,
    )


def output_values(result: Classification) -> dict[str, str]:
    """The two output cells: ranked 小类 and SEI codes, best first, '|'-separated (empty when nothing applies)."""
    return {"gbt4754": "|".join(result.codes("gbt4754")), "sei_2021": "|".join(result.codes("sei_2021"))}


def classify_csv(
    source: TextIO, target: TextIO, *, extra_pairs: list[tuple[str, str]] | None = None
) -> Iterator[Classification]:
    """Read rows from ``source``, write them with the output columns to ``target``; yields each result as written."""
    reader = csv.DictReader(source)
    fields = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in fields]
    if missing:
        raise InputError(f"输入文件缺少列：{', '.join(missing)} / input file lacks columns: {', '.join(missing)}")
    reader.fieldnames = fields  # stripped header names, so ' ipc' is found as 'ipc'
    out_fields = fields + [column for column in OUTPUT_COLUMNS if column not in fields]
    writer = csv.DictWriter(target, fieldnames=out_fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in reader:
        result = classify_row(row, extra_pairs=extra_pairs)
        writer.writerow({**row, **output_values(result)})
        yield result
