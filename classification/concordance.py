"""The IPC → GB/T 4754 concordance other apps should use: shipped table, or shipped + official pairs from the DB."""

from __future__ import annotations

from .classifier import Table, merge_official
from .tables import gbt_concordance


def official_pairs(edition: str | None = None) -> list[tuple[str, str]]:
    """(IPC prefix, 小类) pairs an operator loaded from CNIPA's official spreadsheet (latest edition by default).

    Empty when none were loaded, or when the database is not reachable (the batch command must work without it).
    """
    from django.db import DatabaseError

    from reference.models import IPCIndustryConcordance

    try:
        rows = IPCIndustryConcordance.objects.all()
        if edition is None:
            edition = rows.order_by("-edition").values_list("edition", flat=True).first()
            if edition is None:
                return []
        return list(rows.filter(edition=edition).values_list("ipc_prefix", "industry__code"))
    except DatabaseError:
        return []


def ipc_gbt_table(edition: str | None = None) -> Table:
    """The shipped concordance, with the official pairs on top when the database holds any (official wins)."""
    return merge_official(gbt_concordance(), official_pairs(edition))
