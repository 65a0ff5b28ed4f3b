"""Tests for common.bulk: COPY text and set-based writes on the real database."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection

from common.bulk import _copy_value, _RowStream, allocate_ids, copy_text, insert_lines, insert_rows, select_where_in
from reference.models import Province

VALUES = [
    None, True, False, 0, 7, Decimal("12.50"), datetime.date(2024, 5, 1), "plain", "两个字", "", "tab\there",
    "back\\slash", "line\nbreak", "carriage\rreturn", "\\N", "t", "f",
]  # fmt: skip


def test_row_stream_text_equals_escaping_value_by_value():
    rng = random.Random(11)
    rows = [[rng.choice(VALUES) for _ in range(rng.randint(1, 9))] for _ in range(20000)]
    expected = b"".join(("\t".join(_copy_value(v) for v in row) + "\n").encode() for row in rows)
    stream = _RowStream(rows)
    got = b"".join(iter(lambda: stream.read(4096), b""))
    assert got == expected
    assert stream.count == len(rows)


@pytest.mark.django_db
def test_copy_round_trips_awkward_text_through_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    names = ["tab\there", "back\\slash", "line\nbreak", "\\N", "普通", "crlf\r\n"]
    ids = allocate_ids(Province, len(names))
    assert len(set(ids)) == len(names)
    insert_rows(
        Province,
        ["id", "code", "name", "short_name"],
        [(pk, f"9{i}", name, "") for i, (pk, name) in enumerate(zip(ids, names, strict=True))],
    )
    stored = dict(Province.objects.filter(pk__in=ids).values_list("pk", "name"))
    assert [stored[pk] for pk in ids] == names


@pytest.mark.django_db
def test_insert_lines_and_select_where_in_round_trip(monkeypatch):
    """Pre-formatted COPY lines land as written; select_where_in reads them back in batches (3 here)."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    import common.bulk as bulk

    monkeypatch.setattr(bulk, "POSTGRES_BATCH", 2)
    names = ["tab\there", "普通", "\\N", "back\\slash", "plain"]
    ids = allocate_ids(Province, len(names))
    lines = (f"{pk}\t8{i}\t{copy_text(name)}\t" for i, (pk, name) in enumerate(zip(ids, names, strict=True)))
    assert insert_lines(Province, ["id", "code", "name", "short_name"], lines) == len(names)
    rows = select_where_in(f"SELECT id, name FROM {Province._meta.db_table} WHERE {{}}", "id", ids)
    assert sorted(rows) == sorted(zip(ids, names, strict=True))
    assert select_where_in(f"SELECT id FROM {Province._meta.db_table} WHERE {{}}", "id", []) == []
