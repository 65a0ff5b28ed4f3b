"""Set-based writes for large batches: COPY and UPDATE … FROM a staging table on PostgreSQL, executemany elsewhere.

Used where row-by-row ORM saves would be orders of magnitude too slow (inventory imports, demo data). Callers run
them inside their own transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import Model


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value if value.__class__ is str else str(value)
    # COPY's text format: backslash escapes; tabs and newlines would split fields and rows.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


_LINE_BREAK = re.compile(r"[\n\r]")


class _RowStream:
    """The COPY text of ``rows``, built on demand in ~64 KB pieces: memory stays flat, and PostgreSQL works on one
    piece while Python builds the next."""

    def __init__(self, rows: Iterable[Sequence]):
        self.rows = iter(rows)
        self.count = 0

    def read(self, size: int = 65536) -> bytes:
        parts, length = [], 0
        breaks = _LINE_BREAK.search
        for row in self.rows:
            # Fast path: join the row as it is and check the whole line at once. Only a line with a backslash that
            # is not a NULL marker, a line break, or a tab inside a value (more tabs than separators) is escaped
            # value by value.
            line = "\t".join(
                [
                    v if v.__class__ is str else "\\N" if v is None else ("t" if v else "f") if v.__class__ is bool
                    else str(v)
                    for v in row
                ]
            )  # fmt: skip
            if line.count("\\") != row.count(None) or line.count("\t") != len(row) - 1 or breaks(line):
                line = "\t".join([_copy_value(v) for v in row])
            encoded = (line + "\n").encode()
            parts.append(encoded)
            length += len(encoded)
            self.count += 1
            if length >= size:
                break
        return b"".join(parts)

    readline = read


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    stream = _RowStream(rows)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", stream, size=65536
        )
    return stream.count


copy_text = _copy_value  # one value as COPY text, for callers that format their own lines (``insert_lines``)


class _LineStream:
    """Lines already in COPY text format (values through ``copy_text``, tab-separated, no line end), in ~64 KB
    pieces."""

    def __init__(self, lines: Iterable[str]):
        self.lines = iter(lines)
        self.count = 0

    def read(self, size: int = 65536) -> bytes:
        parts, length = [], 0
        for line in self.lines:
            encoded = (line + "\n").encode()
            parts.append(encoded)
            length += len(encoded)
            self.count += 1
            if length >= size:
                break
        return b"".join(parts)

    readline = read


def insert_lines(model: type[Model], columns: Sequence[str], lines: Iterable[str]) -> int:
    """COPY pre-formatted lines into ``model``'s table (PostgreSQL only): for hot paths whose rows have a fixed
    shape, where formatting each line with one f-string costs a fraction of ``insert_rows``' per-value checks."""
    stream = _LineStream(lines)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", stream, size=65536
        )
    return stream.count


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert plain tuples (in ``columns`` order) into ``model``'s table; returns the number inserted."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows)
    rows = list(rows)
    if rows:
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
    return len(rows)


def update_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    key: str = "id",
    keep_when_blank: Sequence[str] = (),
) -> int:
    """Update existing rows: each tuple is (key, *columns). One statement per batch, not per row.

    A column of ``keep_when_blank`` keeps its current value where the new one is NULL or ''.
    """
    table = model._meta.db_table
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        staging = f"_staging_{table}"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            # Same column types, none of the constraints: the staging rows carry only the updated columns.
            cursor.execute(
                f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {key}, {', '.join(columns)} FROM {table} "
                "WITH NO DATA"
            )
        _copy(staging, [key, *columns], rows)
        assignments = ", ".join(
            f"{c} = COALESCE({_blank_null(model, c, 's.' + c)}, t.{c})" if c in keep_when_blank else f"{c} = s.{c}"
            for c in columns
        )
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} t SET {assignments} FROM {staging} s WHERE t.{key} = s.{key}")
            return cursor.rowcount
    assignments = ", ".join(
        f"{c} = COALESCE({_blank_null(model, c, '%s')}, {c})" if c in keep_when_blank else f"{c} = %s" for c in columns
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", [(*row[1:], row[0]) for row in rows])
    return len(rows)


def _blank_null(model: type[Model], column: str, value: str) -> str:
    """``value`` as SQL, '' read as NULL for a text column."""
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    return f"NULLIF({value}, '')" if field.get_internal_type() in ("CharField", "TextField") else value


# SQLite binds at most 999 parameters per statement; PostgreSQL takes a whole batch as one array parameter.
SQLITE_BATCH = 900
POSTGRES_BATCH = 50_000


def where_in(column: str, values: Sequence) -> Iterator[tuple[str, list]]:
    """``(condition, params)`` selecting the rows whose ``column`` is one of ``values``, batch by batch."""
    values = list(values)
    postgres = connection.vendor == "postgresql"
    size = POSTGRES_BATCH if postgres else SQLITE_BATCH
    for start in range(0, len(values), size):
        batch = values[start : start + size]
        if postgres:
            yield f"{column} = ANY(%s)", [batch]
        else:
            yield f"{column} IN ({', '.join(['%s'] * len(batch))})", batch


def select_where_in(sql: str, column: str, values: Sequence) -> list[tuple]:
    """Rows of ``sql`` (one ``{}`` where the condition goes) whose ``column`` is one of ``values``, in batches: one
    array parameter on PostgreSQL, not thousands of bound parameters each prepared by the ORM."""
    rows = []
    with connection.cursor() as cursor:
        for condition, params in where_in(column, values):
            cursor.execute(sql.format(condition), params)
            rows += cursor.fetchall()
    return rows


def delete_where_in(model: type[Model], column: str, values: Sequence) -> int:
    """Delete the rows whose ``column`` is one of ``values``, in batches."""
    table = model._meta.db_table
    deleted = 0
    with connection.cursor() as cursor:
        for condition, params in where_in(column, values):
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            deleted += cursor.rowcount
    return deleted


def allocate_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken from the table's sequence so concurrent writers never collide.

    Outside PostgreSQL (the embedded single-process default) they follow the current maximum.
    """
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once (per row it costs 8× the nextval), and the ids come back as one array.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)", [sequence, count])
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))
