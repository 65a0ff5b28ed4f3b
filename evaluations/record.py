"""The national batch-import workbook (专利盘活行动批量建档模板, sheet 批量导入): its columns and one parsed patent.

The self-assessment (自评) is this record: the form, the validator, the importer, the writer and the exporter all
speak this one description of the layout, so it lives with the self-assessment, below the inventory format's I/O.
Headers sit on rows 2–3, data from row 4; a patent with several implementation states or conversion intents
continues on the following rows with its basic columns blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from .models import ConversionIntent, ImplementationStatus

SHEET_NAME = "批量导入"
HEADER_ROWS = (2, 3)
FIRST_DATA_ROW = 4


@dataclass(frozen=True)
class Column:
    """One column of the national layout."""

    letter: str
    key: str
    header: str  # the row-3 header text (row 2 for the merged single-row headers K, X, Y)
    required: bool = False
    max_length: int | None = None
    # Basic columns belong to the patent and are blank on continuation rows; the others may repeat.
    basic: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("A", "seq", "序号"),
    Column("B", "application_number", "申请号", required=True),
    Column("C", "title", "专利名称", max_length=255),
    Column("D", "legal_status", "法律状态", max_length=32),
    Column("E", "years_maintained", "维持年限"),
    Column("F", "inventors", "发明人", max_length=500),
    Column("G", "org_unit", "所属学院", max_length=128),
    Column("H", "bundle_name", "组合专利名称", max_length=50),
    Column("I", "bundle_numbers", "组合专利信息"),
    Column("J", "bundle_description", "组合专利描述", max_length=500),
    Column("K", "fiscally_funded", "是否属于财政资助科研项目形成专利", required=True),
    Column("L", "impl_level1", "一级实施状态", required=True, basic=False),
    Column("M", "impl_level2", "二级状态描述", max_length=255, basic=False),
    Column("N", "impl_value", "金额（万元）/评价结果/产品名称", max_length=255, basic=False),
    Column("O", "impl_remark", "备注", max_length=500, basic=False),
    Column("P", "intent_level1", "转化意愿（一级）", basic=False),
    Column("Q", "intent_level2", "转化意愿（二级）", max_length=255, basic=False),
    Column("R", "fee_standard_wan", "费用标准（万元）"),
    Column("S", "intended_cities", "意向合作城市", max_length=500),
    Column("T", "intended_enterprises", "意向合作企业", max_length=1000),
    Column("U", "price_band", "意向价格", required=True),
    Column("V", "contact_name", "联系人", required=True, max_length=64),
    Column("W", "contact_phone", "联系方式", required=True, max_length=64),
    Column("X", "maturity", "技术成熟度", required=True),
    Column("Y", "value_stars", "专利价值分级自评", required=True),
    Column("Z", "products_advantages", "本专利对应产品、技术优势、性能指标", max_length=500),
    Column("AA", "industry_section", "国民经济行业分类"),
    Column("AB", "prospect", "产业化前景描述", max_length=500),
    Column("AC", "sei_class", "战新分类", max_length=64),
    Column("AD", "ipc_field", "本专利所属技术领域（IPC）", max_length=255),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
COLUMN_BY_LETTER = {c.letter: c for c in COLUMNS}

# Limits of the format itself.
MAX_BUNDLE_NUMBERS = 9
MAX_INTENDED_ENTERPRISES = 10


# slots: an import holds ~10^5 of these at once, and slots cut their memory by about half.
@dataclass(slots=True)
class ImplementationEntry:
    """One implementation state (columns L–O), as codes of evaluations.choices."""

    level1: str
    level2: str = ""
    custom_text: str = ""
    amount_wan: Decimal | None = None
    evaluation_result: str = ""
    product_name: str = ""
    remark: str = ""


@dataclass(slots=True)
class IntentEntry:
    """One conversion intent (columns P–Q), as codes of evaluations.choices."""

    level1: str
    level2: str = ""
    custom_text: str = ""


@dataclass(slots=True)
class InventoryRecord:
    """One patent of a workbook after grouping its rows, normalising and validating its cells.

    Coded fields hold the codes of patentpool.choices / evaluations.choices; ``industry_section`` is the GB/T 4754
    门类 letter and ``sei_class`` the 2018 top-level SEI code.
    """

    row: int  # the sheet row where the patent starts (1-based, as Excel shows it)
    application_number: str  # canonical form
    title: str = ""
    legal_status: str = ""
    years_maintained: int | None = None
    inventors: str = ""
    org_unit: str = ""
    bundle_name: str = ""
    bundle_numbers: list[str] = field(default_factory=list)
    bundle_description: str = ""
    fiscally_funded: bool = False
    implementation_states: list[ImplementationEntry] = field(default_factory=list)
    intents: list[IntentEntry] = field(default_factory=list)
    fee_standard_wan: Decimal | None = None
    intended_cities: str = ""
    intended_enterprises: str = ""
    price_band: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    maturity: str = ""
    value_stars: int | None = None
    products_advantages: str = ""
    industry_section: str = ""
    prospect: str = ""
    sei_class: str = ""
    ipc_field: str = ""
    rows: list[int] = field(default_factory=list)  # every sheet row of this patent


@dataclass(frozen=True, slots=True)
class CellError:
    """A problem with one cell (or one row when ``column`` is empty), in Chinese and English."""

    row: int
    column: str  # column letter, e.g. "B"
    value: str
    message: str
    message_en: str
    code: str = "invalid"


def error_order(error: CellError) -> tuple[int, int, str, str]:
    """Errors in sheet order: by row, then column (A … Z, AA … AD; row-level errors first), then code."""
    return (error.row, len(error.column), error.column, error.code)


# From the database: a patent and its self-assessment as a record (the form, the export and the completeness check).


def with_record_relations(patents: QuerySet) -> QuerySet:
    """``patents`` with everything ``record_from_patent`` reads joined or prefetched (no query per patent)."""
    return patents.select_related(
        "org_unit", "assessment", "assessment__industry", "assessment__sei_class__parent"
    ).prefetch_related(
        Prefetch("assessment__implementation_states", queryset=ImplementationStatus.objects.order_by("position")),
        Prefetch("assessment__intents", queryset=ConversionIntent.objects.order_by("position")),
    )


def record_from_patent(patent) -> InventoryRecord:
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
