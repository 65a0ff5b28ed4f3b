"""The provincial data interface: the library patents of a province's institutions, changed or removed since a cursor.

A small change log (``ProvinceFeedEntry``) is brought up to date before each read: every patent in the province's
resource library whose record or self-assessment changed since it was last seen gets a new, higher ``seq``; one that
left (returned, ruled unconvertible, moved to another province's institution, deleted) becomes a tombstone with a new
``seq``. A province keeps the highest ``seq`` it has read and asks for what came after it: the ids it sees across pages
are exact, and nothing changes under a cursor.

Known limit: a change is seen through the patent's or the assessment's ``updated_at``; a write that touches only
the child rows (implementation states, intents) without saving the assessment is seen at its next save.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Greatest

from evaluations.record import record_from_patent, with_record_relations
from evaluations.selectors import in_library_q
from patentpool.models import Patent
from reference.models import Province

from .models import FeedSequence, ProvinceFeedEntry

MAX_PAGE = 500


def province_library_patents(province: Province) -> QuerySet[Patent]:
    """The patents the interface carries for ``province``: its institutions' patents in the resource library."""
    return Patent.objects.filter(in_library_q(), institution__province=province)


def feed_sync(*, province: Province) -> int:
    """Bring the province's change log up to date; the number of new entries (changes and tombstones)."""
    current = {
        pk: (number, stamp)
        for pk, number, stamp in province_library_patents(province)
        .annotate(stamp=Greatest("updated_at", "assessment__updated_at"))
        .values_list("pk", "application_number", "stamp")
    }
    with transaction.atomic():
        # One sequence for every province, taken under a row lock: numbers only grow and are never handed out twice.
        sequence, _ = FeedSequence.objects.select_for_update().get_or_create(pk=1)
        entries = {e.patent_id: e for e in ProvinceFeedEntry.objects.filter(province=province)}
        seq = sequence.last
        created, updated = [], []
        for pk in sorted(current):
            number, stamp = current[pk]
            entry = entries.get(pk)
            if entry is None:
                seq += 1
                created.append(ProvinceFeedEntry(province=province, patent_id=pk, application_number=number,
                                                 stamp=stamp, seq=seq))  # fmt: skip
            elif entry.removed or entry.stamp != stamp or entry.application_number != number:
                seq += 1
                entry.seq, entry.stamp, entry.removed, entry.application_number = seq, stamp, False, number
                updated.append(entry)
        for pk in sorted(set(entries) - set(current)):
            entry = entries[pk]
            if not entry.removed:
                seq += 1
                entry.seq, entry.removed = seq, True
                updated.append(entry)
        ProvinceFeedEntry.objects.bulk_create(created, batch_size=2000)
        ProvinceFeedEntry.objects.bulk_update(
            updated, ["seq", "stamp", "removed", "application_number"], batch_size=2000
        )
        sequence.last = seq
        sequence.save(update_fields=["last"])
    return len(created) + len(updated)


@dataclasses.dataclass
class FeedPage:
    since: int
    next_since: int
    has_more: bool
    items: list[dict]


def feed_page(*, province: Province, since: int, size: int) -> FeedPage:
    """The entries of ``province`` after ``since``, in ``seq`` order, with each live patent in the national layout."""
    feed_sync(province=province)
    entries = list(ProvinceFeedEntry.objects.filter(province=province, seq__gt=since).order_by("seq")[: size + 1])
    has_more = len(entries) > size
    entries = entries[:size]
    live_ids = [e.patent_id for e in entries if not e.removed]
    patents = {p.pk: p for p in with_record_relations(province_library_patents(province).filter(pk__in=live_ids))}
    items = []
    for entry in entries:
        patent = patents.get(entry.patent_id)
        items.append(
            {
                "seq": entry.seq,
                "action": "delete" if entry.removed or patent is None else "upsert",
                "patent_id": entry.patent_id,
                "application_number": entry.application_number,
                "changed_at": entry.stamp,
                "record": _record(patent) if patent is not None and not entry.removed else None,
            }
        )
    return FeedPage(since=since, next_since=entries[-1].seq if entries else since, has_more=has_more, items=items)


def _record(patent) -> dict:
    """The patent as the national batch-import record (the layout of inventory.export's workbook)."""
    record = dataclasses.asdict(record_from_patent(patent))
    record.pop("row", None)
    return {k: (str(v) if isinstance(v, datetime.date) else v) for k, v in record.items()}
