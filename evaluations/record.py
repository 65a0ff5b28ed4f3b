"""The national batch-import workbook (专利盘活行动批量建档模板, sheet 批量导入): its columns and one parsed patent.

The self-assessment (自评) is this record: the form, the validator, the importer, the writer and the exporter all
speak this one description of the layout, so it lives with the self-assessment, below the inventory format's I/O.
Headers sit on rows 2–3, data from row 4; a patent with several implementation states or conversion intents
continues on the following rows with its basic columns blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
    Column("R", "fee_standard_wan", "费用标准（万元）", basic=False),
    Column("S", "intended_cities", "意向合作城市", max_length=500, basic=False),
    Column("T", "intended_enterprises", "意向合作企业", max_length=1000, basic=False),
    Column("U", "price_band", "意向价格", required=True, basic=False),
    Column("V", "contact_name", "联系人", required=True, max_length=64, basic=False),
    Column("W", "contact_phone", "联系方式", required=True, max_length=64, basic=False),
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

# Base-library facts the national layout lacks, read from extra columns after AD when a file carries them (by header;
# the letters are nominal: errors name the uploaded sheet's own column). Written by the platform's own export.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("AE", "grant_date", "授权日"),
    Column("AF", "application_date", "申请日"),
    Column("AG", "publication_number", "公开（公告）号", max_length=32),
    Column("AH", "patentees", "专利权人", max_length=500),
    Column("AI", "ipc_main", "IPC主分类号", max_length=32),
    Column("AJ", "ipc_others", "IPC分类号", max_length=500),
)

# Columns R–W: the terms of one conversion intent (the merged header 转化意愿 spans P–W).
INTENT_TERM_KEYS = (
    "fee_standard_wan", "intended_cities", "intended_enterprises", "price_band", "contact_name", "contact_phone",
)  # fmt: skip
# Columns L onward: the self-assessment part of a row; a patent whose rows leave it all blank is inventoried only.
ASSESSMENT_KEYS = tuple(c.key for c in COLUMNS[COLUMNS.index(COLUMN_BY_KEY["impl_level1"]) :])

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
    """One conversion intent (columns P–Q, codes of evaluations.choices) with its terms and contact (R–W)."""

    level1: str
    level2: str = ""
    custom_text: str = ""
    fee_standard_wan: Decimal | None = None
    intended_cities: str = ""
    intended_enterprises: str = ""
    price_band: str = ""
    contact_name: str = ""
    contact_phone: str = ""

    def terms(self) -> tuple:
        return (
            self.fee_standard_wan, self.intended_cities, self.intended_enterprises, self.price_band,
            self.contact_name, self.contact_phone,
        )  # fmt: skip


@dataclass(slots=True)
class InventoryRecord:
    """One patent of a workbook after grouping its rows, normalising and validating its cells.

    Coded fields hold the codes of patentpool.choices / evaluations.choices; ``industry_section`` holds the GB/T 4754
    codes of column AA, each at its own level (门类 ``C`` … 小类 ``C3491``), ``|``-joined; ``sei_class`` a 2018
    top-level SEI code (``1``) or a 2021 code (``1.5``). R–W (``fee_standard_wan`` … ``contact_phone``) are the first
    intent's terms (the first row's when the patent has no intent); each intent carries its own.
    ``assessment_blank``: every row left L onward blank — the patent is inventoried, its self-assessment left to fill.
    The base-library facts after ``ipc_field`` come from extra columns or a patent-database export (None / "" when
    the file does not give them: the stored value is kept).
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
    assessment_blank: bool = False
    patentees: str = ""
    grant_date: date | None = None
    application_date: date | None = None
    publication_number: str = ""
    ipc_main: str = ""
    ipc_others: str = ""
    patent_type: str = ""  # from a patent-database export's 专利类型; else read off the application number


def resolve_intent_terms(record: InventoryRecord) -> InventoryRecord:
    """Give every intent that states no R–W of its own the patent's (the first row's, the form's block), then make the
    patent's the first intent's: what is stored, per intent and as the assessment's copy."""
    patent_terms = tuple(getattr(record, key) for key in INTENT_TERM_KEYS)
    for intent in record.intents:
        if all(value is None or value == "" for value in intent.terms()):
            for key, value in zip(INTENT_TERM_KEYS, patent_terms, strict=True):
                setattr(intent, key, value)
    if record.intents:
        for key, value in zip(INTENT_TERM_KEYS, record.intents[0].terms(), strict=True):
            setattr(record, key, value)
    return record


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
        "assessment__industries",
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
        IntentEntry(
            level1=i.level1,
            level2=i.level2,
            custom_text=i.custom_text,
            fee_standard_wan=i.fee_standard_wan,
            intended_cities=i.intended_cities,
            intended_enterprises=i.intended_enterprises,
            price_band=i.price_band,
            contact_name=i.contact_name,
            contact_phone=i.contact_phone,
        )  # fmt: skip
        for i in assessment.intents.all()
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
    # Suggested classes are the platform's, not the institution's: the national format (form, export, completeness
    # check, import fingerprint) reads them as blank, so an export re-imported stays "suggested", never "declared".
    record.industry_section = "" if assessment.industries_suggested else industry_codes_text(assessment)
    record.prospect = assessment.prospect
    record.sei_class = assessment.sei_class.code if assessment.sei_class_id and not assessment.sei_suggested else ""
    record.ipc_field = assessment.ipc_field
    return record


def industry_codes_text(assessment) -> str:
    """Column AA of a stored assessment: its main industry first, then the others in code order, ``|``-joined."""
    main = assessment.industry.code if assessment.industry_id else ""
    others = sorted(code.code for code in assessment.industries.all() if code.code != main)
    return "|".join([main, *others] if main else others)
