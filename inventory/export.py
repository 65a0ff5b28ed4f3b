"""Base-library patents in the national layout, for export (exporting and re-importing changes nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from common.xlsx import xlsx_response
from evaluations.record import InventoryRecord, record_from_patent, with_record_relations
from patentpool.models import Patent

from .writer import write_inventory

CHUNK = 2000


def inventory_records(patents: QuerySet[Patent]) -> Iterator[InventoryRecord]:
    """Records of ``patents`` (already scoped by the caller), streamed in chunks with their child rows prefetched."""
    for patent in with_record_relations(patents).iterator(chunk_size=CHUNK):
        yield record_from_patent(patent)


def national_workbook_response(qs, *, filename: str = "专利盘活批量导入.xlsx"):
    """The patents in the national batch-import layout: re-importing the file changes nothing."""
    return xlsx_response(lambda handle: write_inventory(handle, inventory_records(qs)), filename=filename)
