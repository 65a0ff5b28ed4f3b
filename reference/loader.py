"""Loading the reference data shipped in ``reference/reference_data/`` (provenance in ``PROVENANCE.md`` there).

Classification tables are synchronised with their file: missing rows are created, changed rows updated, parents set in
a second pass; a second run writes nothing. Rows no longer in a file are left alone (patents, enterprises and experts
point at them). The plan's milestones, also shipped here, are loaded by ``dashboards.milestones``.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd
from django.db import models, transaction

from .choices import IndustryLevel, IPCLevel, SEIEdition
from .files import read_reference_csv
from .models import IndustryCode, IPCCode, Province, SEIClass

BATCH_SIZE = 500

INDUSTRY_LEVELS = {
    "门类": IndustryLevel.SECTION,
    "大类": IndustryLevel.DIVISION,
    "中类": IndustryLevel.GROUP,
    "小类": IndustryLevel.CLASS,
}
INDUSTRY_CODE_PATTERNS = {
    IndustryLevel.SECTION: re.compile(r"[A-T]"),
    IndustryLevel.DIVISION: re.compile(r"[A-T]\d{2}"),
    IndustryLevel.GROUP: re.compile(r"[A-T]\d{3}"),
    IndustryLevel.CLASS: re.compile(r"[A-T]\d{4}"),
}
# The converter of the GB/T 4754 list left notes like this one in a remark; they are not part of the standard.
CONVERTER_NOTE = re.compile(r"\s*\[fixed:[^\]]*\]\s*$")


@dataclass(frozen=True)
class LoadResult:
    """What one loader did: rows in its source file, rows it created and rows it changed."""

    total: int
    created: int = 0
    updated: int = 0


def _sync(
    model: type[models.Model],
    key: tuple[str, ...],
    rows: list[dict],
    parents: dict[tuple, tuple | None] | None = None,
) -> LoadResult:
    """Create missing rows and update changed ones, matched on ``key``; then point each row at its parent.

    ``parents`` maps a row's key to its parent's key (None for a root). Only rows whose values differ are written.
    """
    if not rows:
        raise ValueError(f"{model.__name__}: the source file has no rows")
    keys = [tuple(row[field] for field in key) for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{model.__name__}: duplicate keys in the source file")
    missing = {parent for parent in (parents or {}).values() if parent is not None} - set(keys)
    if missing:
        raise ValueError(f"{model.__name__}: parents not in the source file: {sorted(missing)}")

    fields = [field for field in rows[0] if field not in key]
    existing = {tuple(getattr(obj, field) for field in key): obj for obj in model.objects.all()}
    to_create, to_update = [], []
    for row_key, row in zip(keys, rows, strict=True):
        obj = existing.get(row_key)
        if obj is None:
            to_create.append(model(**row))
        elif any(getattr(obj, field) != row[field] for field in fields):
            for field in fields:
                setattr(obj, field, row[field])
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)

    changed = {tuple(getattr(obj, field) for field in key) for obj in to_update}
    if parents is not None:
        changed |= _link_parents(model, key, parents)
    created = {tuple(getattr(obj, field) for field in key) for obj in to_create}
    return LoadResult(total=len(rows), created=len(created), updated=len(changed - created))


def _link_parents(model: type[models.Model], key: tuple[str, ...], parents: dict[tuple, tuple | None]) -> set[tuple]:
    """Second pass: set ``parent`` from keys, now that every row has a primary key. Returns the keys it changed."""
    ids = {tuple(values[:-2]): values[-2:] for values in model.objects.values_list(*key, "pk", "parent_id")}
    to_update, changed = [], set()
    for row_key, parent_key in parents.items():
        pk, current_parent_id = ids[row_key]
        parent_id = ids[parent_key][0] if parent_key is not None else None
        if current_parent_id != parent_id:
            to_update.append(model(pk=pk, parent_id=parent_id))
            changed.add(row_key)
    if to_update:
        model.objects.bulk_update(to_update, ["parent"], batch_size=BATCH_SIZE)
    return changed


@transaction.atomic
def load_provinces() -> LoadResult:
    """The 31 provincial-level divisions plus the XPCC, keyed by code."""
    rows = [
        {"code": row["code"], "name": row["name"], "short_name": row["short_name"]}
        for row in read_reference_csv("provinces.csv")
    ]
    return _sync(Province, ("code",), rows)


@transaction.atomic
def load_industries() -> LoadResult:
    """GB/T 4754-2017 at all four levels; the parent is derived from the code (A0111 → A011 → A01 → A)."""
    rows, parents = [], {}
    for row in read_reference_csv("gbt4754_2017_industry_codes.csv"):
        code, level = row["code"], INDUSTRY_LEVELS[row["level"]]
        if not INDUSTRY_CODE_PATTERNS[level].fullmatch(code):
            raise ValueError(f"GB/T 4754 code {code!r} does not look like a {row['level']}")
        rows.append(
            {
                "code": code,
                "level": level.value,
                "section": code[0],
                "name": row["name"],
                "remark": CONVERTER_NOTE.sub("", row["remark"]),
            }
        )
        # A 大类 has two digits after the section letter; every lower level adds one digit.
        parent = None if level == IndustryLevel.SECTION else code[0] if level == IndustryLevel.DIVISION else code[:-1]
        parents[(code,)] = (parent,) if parent else None
    return _sync(IndustryCode, ("code",), rows, parents)


@transaction.atomic
def load_ipc() -> LoadResult:
    """IPC sections, classes and subclasses, with the parent the file names."""
    rows, parents = [], {}
    for row in read_reference_csv("ipc_sections_classes_subclasses_en.csv"):
        level = IPCLevel(row["level"])
        rows.append(
            {"code": row["code"], "level": level.value, "title_en": row["title_en"], "title_zh": row["title_zh"]}
        )
        parents[(row["code"],)] = (row["parent"],) if row["parent"] else None
    return _sync(IPCCode, ("code",), rows, parents)


@transaction.atomic
def load_sei() -> LoadResult:
    """Strategic emerging industries: the 9 top-level 2018 industries and the 2021 codes under them."""
    top_level = {row["code"]: row["name"] for row in read_reference_csv("sei_2018_top_level.csv")}
    rows = [{"edition": SEIEdition.SEI_2018.value, "code": code, "name": name} for code, name in top_level.items()]
    parents: dict[tuple, tuple | None] = {(SEIEdition.SEI_2018.value, code): None for code in top_level}
    for row in read_reference_csv("sei_2021_codes.csv"):
        # The two files come from different sources; refuse to link a 2021 code under the wrong industry.
        if top_level.get(row["top_level_code"]) != row["top_level_name"]:
            raise ValueError(f"SEI 2021 {row['sei_code']}: top level {row['top_level_code']} {row['top_level_name']}")
        rows.append({"edition": SEIEdition.SEI_2021.value, "code": row["sei_code"], "name": row["sei_name"]})
        parents[(SEIEdition.SEI_2021.value, row["sei_code"])] = (SEIEdition.SEI_2018.value, row["top_level_code"])
    return _sync(SEIClass, ("edition", "code"), rows, parents)


LOADERS = {
    "provinces": load_provinces,
    "industries": load_industries,
    "ipc": load_ipc,
    "sei": load_sei,
}


@transaction.atomic
def load_all(stdout: TextIO | None = None, *, loaders: dict | None = None) -> dict[str, int]:
    """Run every loader (``loaders``, by default the classifications'); return the number of rows per table, and
    write what each did to ``stdout`` if given."""
    counts = {}
    for name, loader in (LOADERS if loaders is None else loaders).items():
        result = loader()
        counts[name] = result.total
        if stdout is not None:
            stdout.write(f"{name}: {result.total} rows ({result.created} created, {result.updated} updated)\n")
    return counts


# IPC symbols as written in the concordance: class at least (C01), then subclass, main group and subgroup, optionally
# ending in the `*` wildcard. Not preceded by a letter or digit, so "IPC" in a note is not read as section C.
IPC_ENTRY = re.compile(
    r"(?<![A-Z0-9])([A-H]\s*\d{2})(?:\s*([A-Z])(?:\s*(\d{1,4})(?:\s*(/)\s*(\d{1,6})?)?)?)?\s*\*?",
)


def _ipc_prefixes(cell: object) -> list[str]:
    """IPC prefixes in one cell, without spaces or the wildcard: 'A01B 1/00*, C01B' → ['A01B1/00', 'C01B']."""
    if not isinstance(cell, str):
        return []
    text = unicodedata.normalize("NFKC", cell).upper()  # full-width letters, digits, slashes and asterisks
    return [re.sub(r"\s+", "", "".join(part or "" for part in match.groups())) for match in IPC_ENTRY.finditer(text)]


def _industry_class_digits(cell: object) -> str | None:
    """The four digits of a 小类 code cell ('C2611', '2611', 111 → '0111'); None for a heading or header cell."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        # Excel stores 0111 as the number 111; numbers below 100 are 大类 headings, not 小类.
        return f"{int(cell):04d}" if cell == int(cell) and 100 <= cell <= 9999 else None
    match = re.fullmatch(r"[A-T]?(\d{4})", unicodedata.normalize("NFKC", str(cell)).strip().upper())
    return match.group(1) if match else None


def _is_blank(cell: object) -> bool:
    return (
        cell is None or (isinstance(cell, float) and math.isnan(cell)) or (isinstance(cell, str) and not cell.strip())
    )


def _concordance_columns(frame: pd.DataFrame) -> tuple[int, int]:
    """(code column, IPC column): from a header row naming both, else the official layout code | name | IPC."""
    for _, row in frame.head(10).iterrows():
        cells = [unicodedata.normalize("NFKC", str(cell)).upper() for cell in row]
        ipc = [i for i, cell in enumerate(cells) if "IPC" in cell or "国际专利分类" in cell]
        code = [i for i, cell in enumerate(cells) if "代码" in cell]
        if ipc and code and ipc[0] != code[0]:
            return code[0], ipc[0]
    return 0, min(2, frame.shape[1] - 1)


def parse_ipc_gbt_concordance(path: str | Path) -> list[tuple[str, str]]:
    """Read CNIPA's 《国际专利分类与国民经济行业分类参照关系表（2018）》 (.xlsx, .xls or .csv).

    Returns unique (小类 code like 'C2611', IPC prefix like 'C01B7/') pairs in file order. Rows with a blank code cell
    continue the 小类 above them (the official file lists several IPC rows per 小类, or merges the code cells). The
    section letter is looked up in IndustryCode, so load the industries first. Raises ValueError naming any 小类 code
    that GB/T 4754-2017 does not have.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        frame = pd.read_excel(path, header=None, dtype=object, engine="calamine")
    classes = {
        code[1:]: code for code in IndustryCode.objects.filter(level=IndustryLevel.CLASS).values_list("code", flat=True)
    }
    if not classes:
        raise ValueError("no GB/T 4754 小类 loaded: run load_reference_data first")

    code_column, ipc_column = _concordance_columns(frame)
    pairs: dict[tuple[str, str], None] = {}  # a dict keeps file order and drops repeats
    unknown: dict[str, int] = {}
    current = None
    for line, row in enumerate(frame.itertuples(index=False), start=1):
        code_cell = row[code_column]
        if not _is_blank(code_cell):
            digits = _industry_class_digits(code_cell)
            current = classes.get(digits) if digits else None
            if digits and current is None:
                unknown.setdefault(digits, line)
        if current is not None:
            for prefix in _ipc_prefixes(row[ipc_column]):
                pairs[(current, prefix)] = None
    if unknown:
        listed = ", ".join(f"{digits} (row {line})" for digits, line in unknown.items())
        raise ValueError(f"{path.name}: 小类 codes not in GB/T 4754-2017: {listed}")
    return list(pairs)


def concordance_prefix(prefix: str) -> str:
    """A main group written as ``/00`` (usually with the ``*`` wildcard) covers its subgroups: 'A01B1/00' → 'A01B1/'."""
    return prefix[:-2] if prefix.endswith("/00") else prefix


@transaction.atomic
def load_ipc_gbt_concordance(path: str | Path, *, edition: str = "2018") -> int:
    """Replace the stored concordance of ``edition`` with the official file's pairs; returns the number stored."""
    from .models import IPCIndustryConcordance

    pairs = parse_ipc_gbt_concordance(path)
    industry_ids = dict(IndustryCode.objects.filter(level=IndustryLevel.CLASS).values_list("code", "pk"))
    rows = {(industry_ids[code], concordance_prefix(prefix)) for code, prefix in pairs}
    IPCIndustryConcordance.objects.filter(edition=edition).delete()
    IPCIndustryConcordance.objects.bulk_create(
        [IPCIndustryConcordance(industry_id=i, ipc_prefix=p, edition=edition) for i, p in sorted(rows)],
        batch_size=5000,
    )
    return len(rows)
