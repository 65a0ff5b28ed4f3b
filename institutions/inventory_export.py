"""Base-library patents as national-format records, for export (exporting and re-importing changes nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from evaluations.models import ConversionIntent, ImplementationStatus
from patentpool.models import Patent

from .inventory_format import ImplementationEntry, IntentEntry, InventoryRecord

CHUNK = 2000


def with_record_relations(patents: QuerySet[Patent]) -> QuerySet[Patent]:
    """``patents`` with everything ``record_from_patent`` reads joined or prefetched (no query per patent)."""
    return patents.select_related(
        "org_unit", "assessment", "assessment__industry", "assessment__sei_class__parent"
    ).prefetch_related(
        Prefetch("assessment__implementation_states", queryset=ImplementationStatus.objects.order_by("position")),
        Prefetch("assessment__intents", queryset=ConversionIntent.objects.order_by("position")),
    )


def inventory_records(patents: QuerySet[Patent]) -> Iterator[InventoryRecord]:
    """Records of ``patents`` (already scoped by the caller), streamed in chunks with their child rows prefetched."""
    for patent in with_record_relations(patents).iterator(chunk_size=CHUNK):
        yield record_from_patent(patent)


def record_from_patent(patent: Patent) -> InventoryRecord:
    record = InventoryRecord(
        row=0,
        application_number=patent.application_number,
        title=patent.title,
        legal_status=patent.legal_status,
        years_maintained=patent.years_maintained,
        inventors=patent.inventors,
        org_unit=patent.org_unit.name if patent.org_unit_id else "",
        fiscally_funded=patent.fiscally_funded,
    )
    assessment = getattr(patent, "assessment", None)
    if assessment is None:
        return record
    record.bundle_name = assessment.bundle_name
    record.bundle_numbers = [n for n in assessment.bundle_numbers.split(",") if n]
    record.bundle_description = assessment.bundle_description
    record.implementation_states = [
        ImplementationEntry(
            level1=s.level1,
            level2=s.level2,
            custom_text=s.custom_text,
            amount_wan=s.amount_wan,
            evaluation_result=s.evaluation_result,
            product_name=s.product_name,
            remark=s.remark,
        )  # fmt: skip
        for s in assessment.implementation_states.all()
    ]
    record.intents = [
        IntentEntry(level1=i.level1, level2=i.level2, custom_text=i.custom_text) for i in assessment.intents.all()
    ]
    record.fee_standard_wan = assessment.fee_standard_wan
    record.intended_cities = assessment.intended_cities
    record.intended_enterprises = assessment.intended_enterprises
    record.price_band = assessment.price_band
    record.contact_name = assessment.contact_name
    record.contact_phone = assessment.contact_phone
    record.maturity = assessment.maturity
    record.value_stars = assessment.value_stars
    record.products_advantages = assessment.products_advantages
    record.industry_section = assessment.industry.section if assessment.industry_id else ""
    record.prospect = assessment.prospect
    record.sei_class = _sei_top_code(assessment.sei_class)
    record.ipc_field = assessment.ipc_field
    return record


def _sei_top_code(sei) -> str:
    if sei is None:
        return ""
    return sei.code if sei.edition == "2018" else (sei.parent.code if sei.parent_id else "")
