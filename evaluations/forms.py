"""The self-assessment (自评) form: what a person types, read into an InventoryRecord the way the importer reads cells.

The form holds no rules of the format. It *converts*: selects submit codes, which are turned back into the official
label texts and read by the very helpers the Excel importer uses (``implementation_from_cells``,
``intent_from_cells`` and the ``parse_*`` readers of evaluations.validation), so a state typed in the browser and the
same state typed in the workbook become the same entry. :func:`evaluations.validation.validate_record` then decides,
and the form only knows where each problem goes back on the page (a field, or one implementation state / intent row).

What the browser shows live (which fields are required, which level-2 options belong to which level 1, what column N
holds) is derived here from evaluations.choices and from the validator itself, and shipped to the page as JSON, so the
browser and the server cannot disagree.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classification.tables import gbt_codes, sei_codes
from patentpool.choices import PatentType

from . import validation as v
from .choices import (
    AMOUNT_STATES,
    IMPLEMENTATION_LEVEL2_BY_LEVEL1,
    INTENT_LEVEL2_BY_LEVEL1,
    MATURITY_STAGES,
    PRODUCT_NAME_STATES,
    SKIP_REST_STATES,
    ImplementationLevel1,
    IntentLevel1,
    Maturity,
    PriceBand,
    ValueStars,
)
from .record import COLUMN_BY_KEY, COLUMNS, INTENT_TERM_KEYS, ImplementationEntry, InventoryRecord
from .services import review_steps
from .suggest import Suggestion

CUSTOM = "custom"  # the code of 自定义 in every list that has it
_CUSTOM_WORD = "自定义"
_CUSTOM_PREFIX = "自定义："  # the workbook's way of writing 自定义 with one's own text (see validation._CUSTOM_RE)

# Rows shown when JavaScript is off (the page still works: blank rows are ignored).
MIN_ROWS = 3

# The single (non-repeating) fields of the form, in the national column order. A–G are base-library data shown
# read-only; L–Q are the repeating rows.
LABELS = {
    "bundle_name": gettext_lazy("组合专利名称"),
    "bundle_numbers": gettext_lazy("组合专利信息"),
    "bundle_description": gettext_lazy("组合专利描述"),
    "fiscally_funded": gettext_lazy("是否属于财政资助科研项目形成专利"),
    "impl_level1": gettext_lazy("一级实施状态"),
    "impl_level2": gettext_lazy("二级状态描述"),
    "impl_value": gettext_lazy("金额（万元）/评价结果/产品名称"),
    "impl_remark": gettext_lazy("备注"),
    "intent_level1": gettext_lazy("转化意愿（一级）"),
    "intent_level2": gettext_lazy("转化意愿（二级）"),
    "fee_standard_wan": gettext_lazy("费用标准（万元）"),
    "intended_cities": gettext_lazy("意向合作城市"),
    "intended_enterprises": gettext_lazy("意向合作企业"),
    "price_band": gettext_lazy("意向价格"),
    "contact_name": gettext_lazy("联系人"),
    "contact_phone": gettext_lazy("联系方式"),
    "maturity": gettext_lazy("技术成熟度"),
    "value_stars": gettext_lazy("专利价值分级自评"),
    "products_advantages": gettext_lazy("本专利对应产品、技术优势、性能指标"),
    "industry_section": gettext_lazy("国民经济行业分类"),
    "prospect": gettext_lazy("产业化前景描述"),
    "sei_class": gettext_lazy("战新分类"),
    "ipc_field": gettext_lazy("本专利所属技术领域（IPC）"),
}
HELP = {
    "bundle_name": gettext_lazy("不超过 50 字；与组合专利信息一起填写"),
    "bundle_numbers": gettext_lazy("最多 9 个申请号，用逗号分隔"),
    "bundle_description": gettext_lazy("不超过 500 字"),
    "fee_standard_wan": gettext_lazy("单位万元，仅填数字，例如 12.5"),
    "intended_cities": gettext_lazy("格式为“XX省-XX市”，多个城市用逗号分隔"),
    "intended_enterprises": gettext_lazy("填写企业全称，最多 10 家，用逗号分隔"),
    "contact_phone": gettext_lazy("电话号码或电子邮箱"),
    "products_advantages": gettext_lazy("不超过 500 字；一星、二星可不填"),
    "prospect": gettext_lazy("不超过 500 字；一星、二星可不填"),
    "ipc_field": gettext_lazy("例如 H01M 电池"),
}
SINGLE_KEYS = tuple(c.key for c in COLUMNS if c.key in LABELS and c.key not in v.IMPLEMENTATION_KEYS | v.INTENT_KEYS)
TEXTAREA_KEYS = frozenset({"bundle_description", "products_advantages", "prospect"})
COUNTED_KEYS = TEXTAREA_KEYS | {"bundle_name"}  # shown with a live character count
SELECT_KEYS = frozenset({"fiscally_funded", "price_band", "maturity", "value_stars", "industry_section", "sei_class"})
# Base-library columns: not on this form, shown read-only; a problem there is shown above the form.
BASIC_KEYS = ("application_number", "title", "legal_status", "years_maintained", "inventors", "org_unit")

_YES, _NO = "是", "否"


def _read_sei(value: str) -> str:
    """战新分类 is a select of the 2018 codes '1'–'9'; anything else is read as the workbook would read it."""
    return value if value in v.SEI_2018_TOP_LEVEL else v.parse_sei_class(value)


# Readers of the single fields (the importer's own); text fields are stripped, placeholders (无, /) read as blank.
_READERS = {
    "bundle_numbers": v.parse_bundle_numbers,
    "fiscally_funded": v.parse_bool,
    "fee_standard_wan": v.parse_decimal,
    "intended_cities": v.parse_cities,
    "intended_enterprises": v.parse_enterprises,
    "price_band": v.parse_price_band,
    "maturity": v.parse_maturity,
    "value_stars": v.parse_value_stars,
    "industry_section": v.parse_industry_section,
    "sei_class": _read_sei,
}
# What a field holds when it cannot be read (a callable for a fresh list).
_DEFAULTS = {"bundle_numbers": list, "fiscally_funded": None, "fee_standard_wan": None, "value_stars": None}

# Problem keys of the rows → the input of the row they are shown at.
_ROW_FIELD = {
    "impl_level1": "level1",
    "impl_level2": "level2",
    "impl_value": "value",
    "impl_remark": "remark",
    "intent_level1": "level1",
    "intent_level2": "level2",
    # R–W of an intent row after the first (the first intent's are the R–W block).
    "fee_standard_wan": "fee",
    "intended_cities": "cities",
    "intended_enterprises": "enterprises",
    "price_band": "price_band",
    "contact_name": "contact_name",
    "contact_phone": "contact_phone",
}
_TERM_FIELDS = ("fee", "cities", "enterprises", "price_band", "contact_name", "contact_phone")
_TERM_KEY_OF_FIELD = dict(zip(_TERM_FIELDS, INTENT_TERM_KEYS, strict=True))
_ROW_NAME_RE = re.compile(
    r"^(impl|intent)-(\d{1,4})-(level1|level2|custom|value|remark|fee|cities|enterprises|price_band|contact_name"
    r"|contact_phone)$"
)
_ROW_FIELDS = {
    "impl": ("level1", "level2", "custom", "value", "remark"),
    "intent": ("level1", "level2", "custom", *_TERM_FIELDS),
}
# The national column of each part of a row (the custom text belongs to the level-2 column).
_ROW_PART_KEY = {
    ("impl", "level1"): "impl_level1",
    ("impl", "level2"): "impl_level2",
    ("impl", "custom"): "impl_level2",
    ("impl", "value"): "impl_value",
    ("impl", "remark"): "impl_remark",
    ("intent", "level1"): "intent_level1",
    ("intent", "level2"): "intent_level2",
    ("intent", "custom"): "intent_level2",
}
NUL_MESSAGE = ("不能包含空字符（\\x00）", "Must not contain a NUL character (\\x00)")
# An intent row's own terms (R–W) are checked for NUL at their own columns too.
_ROW_PART_KEY.update({("intent", name): key for name, key in _TERM_KEY_OF_FIELD.items()})


# --------------------------------------------------------------------------------------------------------------------
# Rows


@dataclass
class EntryRow:
    """One implementation state (kind 'impl', columns L–O) or conversion intent (kind 'intent', columns P–Q) as typed.

    ``level1`` / ``level2`` hold codes of evaluations.choices (what the selects submit); ``custom`` is the free text
    used when 自定义 is chosen; ``value`` is column N as typed.
    """

    kind: str
    level1: str = ""
    level2: str = ""
    custom: str = ""
    value: str = ""
    remark: str = ""
    # An intent's own R–W (rows after the first; blank: the first intent's, i.e. the R–W block's).
    fee: str = ""
    cities: str = ""
    enterprises: str = ""
    price_band: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    errors: dict[str, list[v.Problem]] = field(default_factory=dict)
    index: int | str = 0  # position on the page, set by AssessmentForm.layout(); "__i__" for the JS prototype
    prototype: bool = False

    @property
    def prefix(self) -> str:
        return f"{self.kind}-{self.index}"

    @property
    def number(self) -> int | str:
        return self.index + 1 if isinstance(self.index, int) else ""

    def is_blank(self) -> bool:
        return not any(getattr(self, name).strip() for name in _ROW_FIELDS[self.kind])

    def has_terms(self) -> bool:
        return self.kind == "intent" and any(getattr(self, name).strip() for name in _TERM_FIELDS)

    @property
    def price_choices(self) -> list[tuple[str, str]]:
        return single_choices("price_band", self.price_band)

    @property
    def has_errors(self) -> bool:
        return any(self.errors.values())

    def add_problem(self, problem: v.Problem) -> None:
        self.errors.setdefault(_problem_field(problem), []).append(problem)

    @property
    def n_kind(self) -> str:
        return n_kind(self.level1, self.level2)

    @property
    def n_label(self):
        return n_labels()[self.n_kind]

    @property
    def level1_known(self) -> bool:
        return self.level1 in _level2_codes(self.kind)

    @property
    def level2_group(self) -> str:
        """The level 1 under whose group the chosen level 2 is marked selected (level 2 options repeat across
        groups, 自定义 above all): the row's own level 1 when the option is one of its own, else the first group that
        has it."""
        mapping = _level2_codes(self.kind)
        if self.level2 in mapping.get(self.level1, ()):
            return self.level1
        return next((l1 for l1, codes in mapping.items() if self.level2 in codes), "")


def _problem_field(problem: v.Problem) -> str:
    # 自定义 without text, or custom text too long: shown at the custom text input.
    if problem.key in ("impl_level1", "impl_level2", "intent_level2") and problem.code in (
        "custom_text_required",
        "too_long",
    ):
        return "custom"
    return _ROW_FIELD[problem.key]


def n_kind(level1: str, level2: str) -> str:
    """What column N holds for a state, in the order implementation_from_cells routes it."""
    if not level1:
        return "any"
    if level2 in _codes(PRODUCT_NAME_STATES):
        return "product"
    if level1 in _codes(AMOUNT_STATES):
        return "amount"
    if level1 == CUSTOM:
        return "amount_optional"
    if level1 == ImplementationLevel1.EVALUATION_REPORT:
        return "result"
    return "none"


def n_labels() -> dict[str, str]:
    return {
        "any": _("金额（万元）/评价结果/产品名称"),
        "amount": _("金额（万元）"),
        "amount_optional": _("金额（万元，选填）"),
        "product": _("产品名称"),
        "result": _("评价结果"),
        "none": _("无需填写"),
    }


def _codes(members) -> frozenset[str]:
    return frozenset(str(m.value) for m in members)


# --------------------------------------------------------------------------------------------------------------------
# Vocabularies (labels in the active language; the values are codes)


def _impl_level2() -> dict[str, list[tuple[str, str]]]:
    return {
        str(l1.value): [(str(l2.value), str(l2.label)) for l2 in l2s]
        for l1, l2s in IMPLEMENTATION_LEVEL2_BY_LEVEL1.items()
    }


def _intent_level2() -> dict[str, list[tuple[str, str]]]:
    return {
        str(l1.value): [(str(l2.value), str(l2.label)) for l2 in l2s] for l1, l2s in INTENT_LEVEL2_BY_LEVEL1.items()
    }


@functools.cache
def _level2_codes(kind: str) -> dict[str, tuple[str, ...]]:
    mapping = IMPLEMENTATION_LEVEL2_BY_LEVEL1 if kind == "impl" else INTENT_LEVEL2_BY_LEVEL1
    return {str(l1.value): tuple(str(l2.value) for l2 in l2s) for l1, l2s in mapping.items()}


def row_choices(kind: str) -> dict[str, list]:
    """Options of a row's selects: the level-1 list, and every level-2 list grouped by its level 1 (a page without
    JavaScript shows them all; the script narrows the list to the chosen level 1)."""
    level1, mapping = (
        (ImplementationLevel1, IMPLEMENTATION_LEVEL2_BY_LEVEL1)
        if kind == "impl"
        else (IntentLevel1, INTENT_LEVEL2_BY_LEVEL1)
    )
    return {
        "level1": [(str(m.value), str(m.label)) for m in level1],
        "level2_groups": [
            (str(l1.value), str(l1.label), [(str(l2.value), str(l2.label)) for l2 in mapping[l1]])
            for l1 in level1
            if mapping[l1]
        ],
    }


def single_choices(key: str, current: str) -> list[tuple[str, str]]:
    """Options of a single-field select, with a prompt first; a current value that is not an option stays selectable
    (a legacy 6-step maturity keeps its own label)."""
    if key == "fiscally_funded":
        options = [(_YES, _("是")), (_NO, _("否"))]
    elif key == "price_band":
        options = [(str(m.value), str(m.label)) for m in PriceBand]
    elif key == "maturity":
        options = [(str(m.value), str(m.label)) for m in MATURITY_STAGES]
    elif key == "value_stars":
        options = [(str(m.value), str(m.label)) for m in ValueStars]
    elif key == "industry_section":
        options = [(letter, f"{letter} {name}") for letter, name in v.GBT4754_SECTIONS.items()]
    elif key == "sei_class":
        options = list(v.SEI_2018_TOP_LEVEL.items())
    else:
        raise KeyError(key)
    if current and current not in {value for value, _label in options}:
        if key == "maturity" and current in Maturity.values:
            options.append((current, _("%(label)s（旧选项）") % {"label": Maturity(current).label}))
        elif key in ("industry_section", "sei_class"):
            options.append((current, class_label(key, current)))
        else:
            options.append((current, current))
    return [("", _("请选择"))] + options


def class_label(key: str, value: str) -> str:
    """A deeper AA code list ('C3841|C38') or a 2021 AC class ('3.3') with its names, as a select option shows it."""
    if key == "industry_section":
        names = gbt_codes()
        return " | ".join(f"{code} {names[code]['name']}" if code in names else code for code in value.split("|"))
    name = sei_codes().get(value)
    return f"{value} {name}" if name else value


# --------------------------------------------------------------------------------------------------------------------
# Requiredness, derived from the validator


@functools.cache
def requirement_table() -> dict[str, dict[str, list[str]]]:
    """Which field keys the validator requires, by mode ('normal', or 'skip' when an implementation state is one of
    SKIP_REST_STATES) and by value stars ('' for none chosen, '1'–'5').

    Found by asking :func:`validate_record` about blank records rather than restating its rules, so the marks the
    page shows are the validator's.
    """

    def missing(states, stars):
        record = InventoryRecord(
            row=0, application_number="", fiscally_funded=None, value_stars=stars, implementation_states=states
        )
        problems = v.validate_record(record, patent_type=PatentType.UTILITY_MODEL)
        return {p.key for p in problems if p.code == "required" and p.entry is None}

    always = missing([], None) & {"impl_level1"}
    skip_state = sorted(_codes(SKIP_REST_STATES))[0]
    table: dict[str, dict[str, list[str]]] = {}
    for mode, level1 in (("normal", ImplementationLevel1.NOT_IMPLEMENTED.value), ("skip", skip_state)):
        states = [ImplementationEntry(level1=level1)]
        unrated = missing(states, None)
        table[mode] = {}
        for stars in (None, *sorted(ValueStars.values)):
            keys = missing(states, stars) | always | (unrated & {"value_stars"})
            table[mode]["" if stars is None else str(stars)] = sorted(keys)
    return table


def required_keys(*, skip: bool, stars: int | None) -> set[str]:
    return set(requirement_table()["skip" if skip else "normal"]["" if stars is None else str(stars)])


def conditional_keys() -> set[str]:
    """Keys required in some situations and not in others (marked 可不填 when they are not)."""
    tables = [set(keys) for mode in requirement_table().values() for keys in mode.values()]
    return set.union(*tables) - set.intersection(*tables)


def client_options() -> dict[str, object]:
    """What the page's script needs, embedded with json_script (labels in the active language)."""
    return {
        "impl": {l1: [{"value": c, "label": label} for c, label in l2s] for l1, l2s in _impl_level2().items()},
        "intent": {l1: [{"value": c, "label": label} for c, label in l2s] for l1, l2s in _intent_level2().items()},
        "custom": CUSTOM,
        "skipStates": sorted(_codes(SKIP_REST_STATES)),
        "amountStates": sorted(_codes(AMOUNT_STATES)),
        "productNameStates": sorted(_codes(PRODUCT_NAME_STATES)),
        "evaluationStates": [ImplementationLevel1.EVALUATION_REPORT.value],
        "nLabels": n_labels(),
        "required": requirement_table(),
        "conditional": sorted(conditional_keys()),
        "text": {"choose": _("请选择"), "noLevel2": _("无需填写")},
    }


# --------------------------------------------------------------------------------------------------------------------
# The form


@dataclass
class SingleField:
    """One non-repeating field as the template renders it."""

    key: str
    value: str
    errors: list[v.Problem]
    required: bool
    conditional: bool
    suggested: bool = False  # the value is the classifier's suggestion for a blank AA / AC (evaluations.suggest)

    @property
    def letter(self) -> str:
        return COLUMN_BY_KEY[self.key].letter

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def help(self):
        return HELP.get(self.key, "")

    @property
    def max_length(self) -> int | None:
        return COLUMN_BY_KEY[self.key].max_length if self.key in COUNTED_KEYS else None

    @property
    def widget(self) -> str:
        if self.key in SELECT_KEYS:
            return "select"
        return "textarea" if self.key in TEXTAREA_KEYS else "text"

    @property
    def choices(self) -> list[tuple[str, str]]:
        return single_choices(self.key, self.value) if self.key in SELECT_KEYS else []

    @property
    def inputmode(self) -> str:
        return "decimal" if self.key == "fee_standard_wan" else ""


def _shown(value: object) -> str:
    """A record value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _YES if value else _NO
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _label_cell(code: str, labels: dict[str, str], custom_text: str, *, custom_allowed: bool = True) -> str:
    """The workbook cell text of a select's code: the official label, ``自定义：<text>`` for 自定义; an unknown value
    is passed on as typed, for the reader to judge."""
    if not code:
        return ""
    if code == CUSTOM and custom_allowed:
        return _CUSTOM_PREFIX + custom_text if custom_text else _CUSTOM_WORD
    return labels.get(code, code)


class AssessmentForm:
    """The self-assessment of one patent as typed: single fields by COLUMNS key, plus the rows of L–O and P–Q."""

    def __init__(self, values: dict[str, str], impl_rows: list[EntryRow], intent_rows: list[EntryRow]):
        self.values = values
        self.impl_rows = impl_rows
        self.intent_rows = intent_rows
        self.errors: dict[
            str, list[v.Problem]
        ] = {}  # by key: single fields, and impl_level1 / intent_level1 as a whole
        self.other_errors: list[v.Problem] = []  # problems of the base-library columns (not editable here)
        self.problems: list[v.Problem] = []
        self.suggested: dict[str, str] = {}  # AA / AC key → the suggested value it holds
        self._laid_out = False

    # -- building ----------------------------------------------------------------------------------------------------

    @classmethod
    def from_record(cls, record: InventoryRecord) -> AssessmentForm:
        values = {key: _shown(getattr(record, key)) for key in SINGLE_KEYS}
        impl_rows = []
        for entry in record.implementation_states:
            value = (
                entry.amount_wan if entry.amount_wan is not None else (entry.evaluation_result or entry.product_name)
            )
            impl_rows.append(
                EntryRow(
                    "impl",
                    level1=entry.level1,
                    level2=entry.level2,
                    custom=entry.custom_text,
                    value=_shown(value),
                    remark=entry.remark,
                )
            )
        intent_rows = []
        first_terms = record.intents[0].terms() if record.intents else None
        for index, intent in enumerate(record.intents):
            row = EntryRow("intent", level1=intent.level1, level2=intent.level2, custom=intent.custom_text)
            if index and intent.terms() != first_terms:
                for name, key in _TERM_KEY_OF_FIELD.items():
                    setattr(row, name, _shown(getattr(intent, key)))
            intent_rows.append(row)
        return cls(values, impl_rows, intent_rows)

    @classmethod
    def from_post(cls, data) -> AssessmentForm:
        values = {key: data.get(key, "") for key in SINGLE_KEYS}
        rows: dict[tuple[str, int], EntryRow] = {}
        for name in data:
            match = _ROW_NAME_RE.match(name)
            if match:
                kind, index, part = match.group(1), int(match.group(2)), match.group(3)
                if part not in _ROW_FIELDS[kind]:
                    continue
                row = rows.setdefault((kind, index), EntryRow(kind))
                setattr(row, part, data.get(name, ""))
        ordered = [rows[k] for k in sorted(rows)]
        return cls(values, [r for r in ordered if r.kind == "impl"], [r for r in ordered if r.kind == "intent"])

    def suggest(self, suggestion: Suggestion, *, prefill: bool) -> None:
        """Mark AA / AC that hold the classifier's suggestion; with ``prefill`` (a fresh form), fill the blank ones with
        it first. Never touches a value the institution gave: call it only for what the stored record left blank."""
        for key, value in (("industry_section", suggestion.industry), ("sei_class", suggestion.sei)):
            if not value:
                continue
            if prefill and not self.values.get(key, "").strip():
                self.values[key] = value
            if self.values.get(key, "").strip() == value:
                self.suggested[key] = value

    # -- reading and checking ----------------------------------------------------------------------------------------

    def to_record(self, base: InventoryRecord) -> tuple[InventoryRecord, list[v.Problem]]:
        """The record the form describes (base-library columns from ``base``), and the problems of reading it.

        Reading problems are attached to their fields and rows as they are found.
        """
        record = InventoryRecord(
            row=0,
            application_number=base.application_number,
            title=base.title,
            legal_status=base.legal_status,
            years_maintained=base.years_maintained,
            inventors=base.inventors,
            org_unit=base.org_unit,
        )
        problems: list[v.Problem] = []
        for key in SINGLE_KEYS:
            raw = self.values.get(key, "")
            reader = _READERS.get(key)
            if reader is None:
                text = raw.strip()
                setattr(record, key, "" if v.is_blank_placeholder(text) else text)
                continue
            try:
                setattr(record, key, reader(raw))
            except v.FieldError as exc:
                default = _DEFAULTS.get(key, "")
                setattr(record, key, default() if callable(default) else default)
                problem = exc.to_problem(key)
                self._add(problem)
                problems.append(problem)

        labels = v.LABELS
        self._impl_entry_rows: list[EntryRow] = []
        for row in self.impl_rows:
            if row.is_blank():
                continue
            custom = row.custom.strip()
            l_cell = _label_cell(row.level1.strip(), labels["impl_level1"], custom)
            m_cell = _label_cell(row.level2.strip(), labels["impl_level2"], custom)
            if not l_cell and not m_cell and custom:
                m_cell = custom  # text without a state: the reader says the state is required
            entry, found = v.implementation_from_cells(l_cell, m_cell, row.value, row.remark)
            for problem in found:
                self._add_row(row, problem)
                problems.append(problem)
            if entry is not None:
                record.implementation_states.append(entry)
                self._impl_entry_rows.append(row)

        self._intent_entry_rows: list[EntryRow] = []
        for row in self.intent_rows:
            if row.is_blank():
                continue
            custom = row.custom.strip()
            p_cell = _label_cell(row.level1.strip(), labels["intent_level1"], custom, custom_allowed=False)
            q_cell = _label_cell(row.level2.strip(), labels["intent_level2"], custom)
            if not p_cell and not q_cell and custom:
                q_cell = custom
            entry, found = v.intent_from_cells(p_cell, q_cell)
            for problem in found:
                self._add_row(row, problem)
                problems.append(problem)
            if entry is None and not found and row.has_terms():
                problem = v.Problem(
                    "intent_level1",
                    "费用标准、意向价格和联系人属于转化意愿：请同时选择转化意愿（一级）",
                    "The fee, price band and contact belong to an intent: choose the intent (level 1) too",
                    "terms_without_intent",
                    len(self._intent_entry_rows),
                )
                self._add_row(row, problem)
                problems.append(problem)
            if entry is not None:
                if row.has_terms():
                    for problem in self._read_terms(row, entry):
                        problems.append(problem)
                record.intents.append(entry)
                self._intent_entry_rows.append(row)
        return record, problems

    def _read_terms(self, row: EntryRow, entry) -> list[v.Problem]:
        """An intent row's own R–W, read by the importer's readers."""
        problems = []
        for name, key in _TERM_KEY_OF_FIELD.items():
            raw = getattr(row, name)
            reader = _READERS.get(key)
            if reader is None:
                text = raw.strip()
                setattr(entry, key, "" if v.is_blank_placeholder(text) else text)
                continue
            try:
                setattr(entry, key, reader(raw))
            except v.FieldError as exc:
                problem = exc.to_problem(key, len(self._intent_entry_rows))
                self._add_row(row, problem)
                problems.append(problem)
        return problems

    def refuse_nul(self) -> None:
        """PostgreSQL cannot store NUL (\\x00) in text: each field holding one gets an error, and the character is
        removed from what the page shows back."""
        for key in SINGLE_KEYS:
            value = self.values.get(key, "")
            if "\x00" in value:
                self.values[key] = value.replace("\x00", "")
                self._add(v.Problem(key, *NUL_MESSAGE, code="nul"))
        for row in (*self.impl_rows, *self.intent_rows):
            for part in _ROW_FIELDS[row.kind]:
                value = getattr(row, part)
                if "\x00" in value:
                    setattr(row, part, value.replace("\x00", ""))
                    problem = v.Problem(_ROW_PART_KEY[(row.kind, part)], *NUL_MESSAGE, code="nul")
                    self.problems.append(problem)
                    row.errors.setdefault(part, []).append(problem)

    def validate(self, base: InventoryRecord, *, patent_type: str | None) -> InventoryRecord | None:
        """Read the form and check it with the shared validator; the record when there is no problem, else None
        (every problem is attached to its field or row)."""
        self.refuse_nul()
        record, read_problems = self.to_record(base)
        unread_fields = {p.key for p in read_problems if p.entry is None and p.key in SINGLE_KEYS}
        unread_rows = {(id(row), f) for rows in (self.impl_rows, self.intent_rows) for row in rows for f in row.errors}
        for problem in v.validate_record(record, patent_type=patent_type):
            if problem.key in unread_fields:
                continue  # the value could not be read: that problem is already said
            if problem.key in v.INTENT_TERMS and problem.entry is not None:
                row = self._row_of(problem)
                if row is None or not row.has_terms():
                    # The first intent's terms are the R–W block's fields.
                    problem = v.Problem(problem.key, problem.message, problem.message_en, problem.code)
                    if problem.key not in unread_fields and problem not in self.errors.get(problem.key, []):
                        self._add(problem)
                    continue
            row = self._row_of(problem)
            if row is not None:
                if (id(row), _problem_field(problem)) in unread_rows:
                    continue
                self._add_row(row, problem)
            else:
                self._add(problem)
        return None if self.problems else record

    def add_service_errors(self, exc) -> None:
        """Errors of a ValidationError the save service raised itself (it re-validates), shown at their fields.

        The service joins the two languages as "中文 / English"."""
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("application_number", exc.messages)]
        for key, messages in items:
            for message in messages:
                zh, _sep, en = message.partition(" / ")
                self._add(v.Problem(key if key in COLUMN_BY_KEY else "application_number", zh, en, "service"))

    def _row_of(self, problem: v.Problem) -> EntryRow | None:
        if problem.entry is None:
            return None
        if problem.key in v.IMPLEMENTATION_KEYS and problem.entry < len(self._impl_entry_rows):
            return self._impl_entry_rows[problem.entry]
        if (problem.key in v.INTENT_KEYS or problem.key in v.INTENT_TERMS) and problem.entry < len(
            self._intent_entry_rows
        ):
            return self._intent_entry_rows[problem.entry]
        return None

    def _add(self, problem: v.Problem) -> None:
        self.problems.append(problem)
        if problem.key in SINGLE_KEYS or problem.key in ("impl_level1", "intent_level1"):
            self.errors.setdefault(problem.key, []).append(problem)
        else:
            self.other_errors.append(problem)

    def _add_row(self, row: EntryRow, problem: v.Problem) -> None:
        self.problems.append(problem)
        row.add_problem(problem)

    # -- rendering ---------------------------------------------------------------------------------------------------

    def layout(self) -> None:
        """Keep the rows that say something, pad with blank rows (MIN_ROWS at least, one spare), number them."""
        if self._laid_out:
            return
        self._laid_out = True
        for kind in ("impl", "intent"):
            rows = [r for r in getattr(self, f"{kind}_rows") if not r.is_blank() or r.has_errors]
            rows += [EntryRow(kind) for _i in range(max(MIN_ROWS, len(rows) + 1) - len(rows))]
            for index, row in enumerate(rows):
                row.index = index
            setattr(self, f"{kind}_rows", rows)

    def rows_with_prototype(self, kind: str) -> list[EntryRow]:
        self.layout()
        return [*getattr(self, f"{kind}_rows"), EntryRow(kind, index="__i__", prototype=True)]

    @property
    def intent_term_fields(self) -> list[tuple[str, str, object]]:
        """(input name, column letter, label) of an intent row's own R–W."""
        return [(name, COLUMN_BY_KEY[key].letter, LABELS[key]) for name, key in _TERM_KEY_OF_FIELD.items()]

    @property
    def skip(self) -> bool:
        return v.rules_out_conversion(self.impl_rows)

    @property
    def stars(self) -> int | None:
        try:
            return v.parse_value_stars(self.values.get("value_stars", ""))
        except v.FieldError:
            return None

    @property
    def required(self) -> set[str]:
        return required_keys(skip=self.skip, stars=self.stars)

    def blocks(self) -> list[dict[str, object]]:
        """The sections of the page in the national column order: H–J, K, L–O, then P onwards (which the skip
        states excuse)."""
        self.layout()
        impl, intent = row_choices("impl"), row_choices("intent")
        return [
            {
                "id": "bundle",
                "letters": "H–J",
                "title": _("组合专利"),
                "fields": self.fields("bundle_name", "bundle_numbers", "bundle_description"),
            },
            {"id": "funding", "letters": "K", "title": _("财政资助"), "fields": self.fields("fiscally_funded")},
            {
                "id": "impl",
                "letters": "L–O",
                "title": _("实施状态"),
                "kind": "impl",
                "key": "impl_level1",
                "row_title": _("实施状态"),
                "add_label": _("添加实施状态"),
                "rows": self.rows_with_prototype("impl"),
                "errors": self.errors.get("impl_level1", []),
                "required": "impl_level1" in self.required,
                "conditional": "impl_level1" in conditional_keys(),
                **impl,
            },
            {
                "id": "intent",
                "letters": "P–Q",
                "title": _("转化意愿"),
                "kind": "intent",
                "key": "intent_level1",
                "row_title": _("转化意愿"),
                "add_label": _("添加转化意愿"),
                "rows": self.rows_with_prototype("intent"),
                "errors": self.errors.get("intent_level1", []),
                "required": "intent_level1" in self.required,
                "conditional": "intent_level1" in conditional_keys(),
                "opens_after_p": True,
                **intent,
            },
            {
                "id": "terms",
                "letters": "R–W",
                "title": _("意向合作与联系方式（第一项转化意愿；其余转化意愿未单独填写时沿用）"),
                "fields": self.fields(
                    "fee_standard_wan",
                    "intended_cities",
                    "intended_enterprises",
                    "price_band",
                    "contact_name",
                    "contact_phone",
                ),
            },
            {
                "id": "value",
                "letters": "X–AD",
                "title": _("技术成熟度、价值与产业分类"),
                "fields": self.fields(
                    "maturity",
                    "value_stars",
                    "products_advantages",
                    "industry_section",
                    "prospect",
                    "sei_class",
                    "ipc_field",
                ),
            },
        ]

    def field(self, key: str) -> SingleField:
        return SingleField(
            key=key,
            value=self.values.get(key, ""),
            errors=self.errors.get(key, []),
            required=key in self.required,
            conditional=key in conditional_keys(),
            suggested=key in self.suggested,
        )

    def fields(self, *keys: str) -> list[SingleField]:
        return [self.field(key) for key in keys]

    def summary(self) -> list[dict[str, object]]:
        """Every problem with the id of the input it is about, in column order, for the list above the form."""
        self.layout()
        order = {c.key: i for i, c in enumerate(COLUMNS)}
        items = []  # (section position, row, column position, problem, anchor, row number shown)
        for key, problems in self.errors.items():
            anchor = f"id_{key}" if key in SINGLE_KEYS else ("impl-rows" if key == "impl_level1" else "intent-rows")
            items += [(order[key], -1, order[key], p, anchor, None) for p in problems]
        for kind in ("impl", "intent"):
            section = order[f"{kind}_level1"]
            for row in getattr(self, f"{kind}_rows"):
                for name, problems in row.errors.items():
                    items += [
                        (section, row.index, order[p.key], p, f"{row.prefix}-{name}", row.number) for p in problems
                    ]
        items += [(order[p.key], -1, order[p.key], p, "", None) for p in self.other_errors]
        items.sort(key=lambda item: item[:3])
        return [{"problem": item[3], "anchor": item[4], "row": item[5]} for item in items]


class BulkActionForm(forms.Form):
    """A bulk action on the selected patents of a list page."""

    ACTIONS = [
        ("submit", gettext_lazy("提交审核")),
        ("college_approve", gettext_lazy("学院审核通过")),
        ("approve", gettext_lazy("审核入库")),
        ("return", gettext_lazy("退回")),
        ("set_intent", gettext_lazy("设置转化意愿")),
        ("set_college", gettext_lazy("调整所属学院")),
    ]
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=())
    action = forms.ChoiceField(choices=ACTIONS)
    comment = forms.CharField(
        max_length=500,
        required=False,
        error_messages={
            "max_length": "意见不能超过 500 字 / A comment has at most 500 characters",
            "null_characters_not_allowed": "意见不能包含空字符（\\x00） / A comment cannot contain a NUL character",
        },
    )
    level1 = forms.CharField(required=False)
    level2 = forms.CharField(required=False)
    org_unit = forms.IntegerField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The ids are checked against the user's scope by the service; here they only need to be integers.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()


def bulk_action_choices(user) -> list[tuple[str, str]]:
    """The bulk actions a role may take (the services check each patent again)."""
    role = "national_admin" if user.is_superuser else user.role
    steps = set(review_steps(user))
    allowed = [(value, label) for value, label in BulkActionForm.ACTIONS if value in steps]
    if role in ("college_admin", "institution_admin", "national_admin"):
        allowed.append(("set_intent", BulkActionForm.ACTIONS[4][1]))
    if role in ("institution_admin", "national_admin"):
        allowed.append(("set_college", BulkActionForm.ACTIONS[5][1]))
    return allowed
