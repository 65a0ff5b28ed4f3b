"""Writing the national batch-import workbook (sheet 批量导入): the blank template, exports, and error copies.

* :func:`write_template` — the platform's own downloadable template: the national layout (note on row 1, headers on
  rows 2–3 with the national merges and texts, data from row 4), column widths, panes frozen below row 3, and
  dropdowns for rows 4–5003 whose options live on hidden sheets.
* :func:`write_inventory` — records (:class:`~institutions.inventory_format.InventoryRecord`) in the same layout, one
  patent per group of rows: the first row carries the basic columns with the first implementation state and the first
  intent; further states / intents go on the following rows, which carry only L–O and P–Q.
* :func:`write_error_copy` — a copy of an uploaded workbook with every bad cell filled red and commented (Chinese and
  English), plus a sheet 错误清单 listing every error.

Decisions:

* **Streaming.** The skeleton (headers, merges, widths, frozen panes, hidden option sheets, defined names, data
  validations) is built with openpyxl in write-only mode, whose worksheets keep all of these (``merge_cells`` and
  ``add_data_validation`` are not offered there, so the underlying collections are used directly; validations are
  added last, so that they cover the whole export when it is longer than the template's 5,000 rows). The data rows
  are serialised by this module into a temporary file and spliced into the sheet part when the file is zipped:
  openpyxl's own cell serialiser (ElementTree, lxml not being installed) made 100,000 patents take ~37 s, the
  splice ~9 s. The cells written are the ones openpyxl would write (``t="inlineStr"`` strings, ``<v>`` numbers).
* **Dependent lists.** Level-1 labels such as 实用新型专利、外观设计专利已有专利权评价报告 are not valid Excel names, so
  every dependent list has an ASCII defined name (``IMPL_licensed``, ``INTENT_license`` …) and the M / Q validations
  look the level-1 text up in a hidden label → name table:
  ``INDIRECT(IFERROR(VLOOKUP($L4,'专利实施化状态（含产业化）'!$K$1:$L$9,2,FALSE),"IMPL_custom"))``. Text that is not
  in the table (a typed custom state, a blank cell) falls back to the list ``无需填写``. A level-2 list whose option
  is 自定义 shows the national hint ``自定义（请勿勾选，请直接填写）``; an empty one shows ``无需填写``.
* **Which lists insist.** K, P, U, Y refuse other values (closed vocabularies). L, M, Q accept typed text (the
  template's “type your own state”). X, AA, AC only warn: the reader also accepts the legacy 6-step maturity list,
  门类 letters and SEI second-level names, which the dropdowns do not offer.
* **Custom states.** A custom level 1 is written as its own text in L; a custom level 2 as its text in M / Q. If that
  text would read back as something else (it equals an official label, say), it is written ``自定义：<text>``,
  which the reader turns back into the text.
* **Text stays text.** Application numbers, bundle numbers and contact numbers are string cells formatted ``@``
  (also the column default in the template), so Excel never turns them into numbers. Amounts and fees are numbers.
* **Formula injection.** Every string is written as a string cell (``t="inlineStr"``, never ``<f>``). A string that
  starts with ``=``, ``+``, ``-``, ``@``, tab or CR additionally gets the cell style ``quotePrefix`` — Excel's own
  “leading apostrophe”: the cell shows and re-edits as text, but the stored value is unchanged, so a reader gets the
  exact text back and must **not** strip anything.
* **Labels.** Codes become the official Chinese labels of evaluations.choices / patentpool.choices (read with the
  translation forced to zh-hans); 门类 letters and SEI codes become the names of evaluations.validation. A code that
  is not in its vocabulary is written as it is rather than failing the export.
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO

from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell import MergedCell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation

from common.xlsx import FORMULA_PREFIXES
from evaluations import validation as v
from evaluations.choices import (
    IMPLEMENTATION_LEVEL2_BY_LEVEL1,
    INTENT_LEVEL2_BY_LEVEL1,
    MATURITY_STAGES,
    ImplementationLevel1,
    ImplementationLevel2,
    IntentLevel1,
    IntentLevel2,
    Maturity,
    PriceBand,
    ValueStars,
)
from evaluations.record import (
    COLUMNS,
    FIRST_DATA_ROW,
    INTENT_TERM_KEYS,
    SHEET_NAME,
    CellError,
    ImplementationEntry,
    IntentEntry,
    InventoryRecord,
)
from patentpool.choices import LegalStatus

__all__ = [
    "CURRENT_MATURITY",
    "CUSTOM_HINT",
    "ERROR_FILL_COLOR",
    "ERROR_SHEET_NAME",
    "FORMULA_PREFIXES",
    "GROUP_HEADERS",
    "HEADERS",
    "IMPL_SHEET",
    "INTENT_SHEET",
    "MATURITY_SHEET",
    "NOTE",
    "NOTHING_HINT",
    "OTHER_SHEET",
    "PRICE_SHEET",
    "STARS_SHEET",
    "TEMPLATE_ROWS",
    "ErrorCopyUnavailable",
    "data_validations",
    "m_formula",
    "q_formula",
    "write_error_copy",
    "write_inventory",
    "write_template",
]

# --------------------------------------------------------------------------------------------------------------------
# The layout (texts copied from the national workbook)

NOTE = (
    "提示：若【专利实施化状态】、【转化意愿】等指标存在多个选项的，需要顺序在“下一行”填写，即每个指标下对应列中的每个单元格"
    "按顺序填写一个选项，但专利基本信息、组合专利信息等基本指标无需重复填写，无需合并单元格"
)

# Row 2: (merged range, text). K, X and Y span rows 2–3 and carry their column header here.
GROUP_HEADERS: tuple[tuple[str, str], ...] = (
    ("A2:G2", "*基本信息"),
    ("H2:J2", "组合专利"),
    ("K2:K3", "*是否属于财政资助科研项目形成专利"),
    (
        "L2:O2",
        "专利实施化状态（含产业化）（规则：选项必选，选项后附带的金额必填；选择“即将放弃专利权”“涉及权属纠纷”“其他不适宜转化的"
        "情况”这三种情况任何之一的专利，后续“转化意愿”“技术成熟度”“专利价值分级自评”“应用场景（产业化前景）”下的所有信息不必"
        "再填写。）",
    ),
    ("P2:W2", "转化意愿"),
    ("X2:X3", "*技术成熟度"),
    (
        "Y2:Y3",
        "*专利价值分级自评\n(规则：若勾选一星或二星，则无需填写本专利对应产品、技术优势、性能指标和产业化前景描述)",
    ),
    ("Z2:AD2", "*应用场景"),
)

# Row 3 (K, X, Y: row 2), by column letter.
HEADERS: dict[str, str] = {
    "A": "序号",
    "B": "申请号",
    "C": "专利名称",
    "D": "法律状态",
    "E": "维持年限",
    "F": "发明人",
    "G": "所属学院（规则：按系统设定的导入账号所属组织架构进行填写，高校管理员则填写高校名称，分校管理员填写分校名称，"
    "学院管理员填写学院名称）",
    "H": "组合专利名称（限50个字符）",
    "I": '组合专利信息（规则：请输入专利申请号，最多添加9个，申请号之间用“,"号隔开）',
    "J": "组合专利描述（限500个字符）",
    "K": "*是否属于财政资助科研项目形成专利",
    "L": "*一级实施状态",
    "M": "二级状态描述",
    "N": "金额（万元）/评价结果/产品名称（规则：若选择“已转让”、“已许可”和“已自行产业化”，需要填写金额，金额仅支持填写数字。"
    "若选择“实用新型、外观设计专利已有专利权评价报告”则填写评价结果。若选择“已许可-已由被许可人实现产业化”或“已许可-已通过"
    "技术服务合同或开发合同约定由合作企业实现产业化”则填写产品名称。）",
    "O": "备注",
    "P": "转化意愿（一级）",
    "Q": "转化意愿（二级）",
    "R": "费用标准（万元）（规则：只需填写数字）",
    "S": "意向合作城市（规则：XX省-XX市,XX省-XX市,不同城市间用“,”分隔）",
    "T": "意向合作企业（规则：请填写企业全称，最多添加10个，多个企业间用“,”分隔）",
    "U": "*意向价格",
    "V": "*联系人",
    "W": "*联系方式",
    "X": "*技术成熟度",
    "Y": GROUP_HEADERS[6][1],
    "Z": "本专利对应产品、技术优势、性能指标（限500个字符）",
    "AA": "国民经济行业分类",
    "AB": "产业化前景描述（限500个字符）",
    "AC": "战新分类",
    "AD": "本专利所属技术领域（IPC）",
}
_ROW2_ONLY = ("K", "X", "Y")

_WIDTHS = {
    "A": 9.17,
    "B": 22.84,
    "C": 12.83,
    "D": 39.5,
    "E": 39.5,
    "F": 39.5,
    "G": 39.5,
    "H": 57.67,
    "I": 58.67,
    "J": 25.16,
    "K": 36.83,
    "L": 37.67,
    "M": 25.16,
    "N": 37.33,
    "O": 25.16,
    "P": 16.33,
    "Q": 16.33,
    "R": 35.67,
    "S": 65.33,
    "T": 75.0,
    "U": 16.33,
    "V": 16.33,
    "W": 16.33,
    "X": 22.16,
    "Y": 36.67,
    "Z": 51.5,
    "AA": 29.84,
    "AB": 29.84,
    "AC": 29.84,
    "AD": 29.84,
}
_ROW_HEIGHTS = {1: 28.9, 2: 37.15, 3: 122.25}
_TEXT_COLUMNS = ("B", "I", "W")  # number format '@': application numbers and phone numbers stay text
LAST_COLUMN = COLUMNS[-1].letter
_N_COLUMNS = len(COLUMNS)
_INDEX = {c.letter: i for i, c in enumerate(COLUMNS)}

TEMPLATE_ROWS = 5000  # the template's dropdowns cover rows 4 … 5003
CUSTOM_HINT = "自定义（请勿勾选，请直接填写）"
NOTHING_HINT = "无需填写"

# Hidden option sheets (the national names).
IMPL_SHEET = "专利实施化状态（含产业化）"
INTENT_SHEET = "转化意愿"
MATURITY_SHEET = "技术成熟度"
STARS_SHEET = "专利价值分级自评"
PRICE_SHEET = "意向价格"
OTHER_SHEET = "其他"

# The current 4-step maturity list (offered); the legacy 6-step one is only accepted on import.
CURRENT_MATURITY = MATURITY_STAGES
_STAR_NOTES = {
    ValueStars.FIVE: "5星代表该专利技术成熟度高，可直接用于产业；",
    ValueStars.FOUR: "4星代表该专利具有较高的潜在价值和产业化前景；",
    ValueStars.THREE: "3星代表该专利具有一定的潜在价值和产业化前景；",
    ValueStars.TWO: "2星代表该专利潜在价值低，产业化前景不明朗；",
    ValueStars.ONE: "1星代表无潜在价值和产业化前景",
}

_EXCEL_MAX_TEXT = 32767

ERROR_SHEET_NAME = "错误清单"
ERROR_FILL_COLOR = "FFFFC7CE"  # Excel's “light red fill”
_ERROR_HEADERS = ("行", "列", "单元格内容", "错误信息", "Error message")

# --------------------------------------------------------------------------------------------------------------------
# Styles

_FONT = Font(name="等线", size=11)
_RED_FONT = Font(name="等线", size=11, color="FFFF0000")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GREY = PatternFill(fill_type="solid", start_color="FFF2F2F2", end_color="FFF2F2F2")
_YELLOW = PatternFill(fill_type="solid", start_color="FFFFFF00", end_color="FFFFFF00")
_ERROR_FILL = PatternFill(fill_type="solid", start_color=ERROR_FILL_COLOR, end_color=ERROR_FILL_COLOR)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADER3_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=True)
_NOTE_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=True)


# --------------------------------------------------------------------------------------------------------------------
# Vocabularies


def _zh(member) -> str:
    with translation.override("zh-hans"):
        return str(member.label)


@functools.cache
def _labels() -> dict[str, dict]:
    """code → official Chinese label, per vocabulary."""
    return {
        "impl1": {m.value: _zh(m) for m in ImplementationLevel1},
        "impl2": {m.value: _zh(m) for m in ImplementationLevel2},
        "intent1": {m.value: _zh(m) for m in IntentLevel1},
        "intent2": {m.value: _zh(m) for m in IntentLevel2},
        "maturity": {m.value: _zh(m) for m in Maturity},
        "price": {m.value: _zh(m) for m in PriceBand},
        "stars": {m.value: _zh(m) for m in ValueStars},
        "legal": {m.value: _zh(m) for m in LegalStatus},
    }


def _option(member, *, custom) -> str:
    """How a list shows an option: 自定义 as the national hint."""
    return CUSTOM_HINT if member == custom else _zh(member)


@functools.cache
def _impl_lists() -> list[tuple[str, str, list[str]]]:
    """(level-1 option text, defined name, level-2 options) for every level-1 state, in the order of the list."""
    lists = []
    for level1, level2s in IMPLEMENTATION_LEVEL2_BY_LEVEL1.items():
        options = [_option(m, custom=ImplementationLevel2.CUSTOM) for m in level2s] or [NOTHING_HINT]
        lists.append((_option(level1, custom=ImplementationLevel1.CUSTOM), f"IMPL_{level1.value}", options))
    return lists


@functools.cache
def _intent_lists() -> list[tuple[str, str, list[str]]]:
    return [
        (
            _zh(level1),
            f"INTENT_{level1.value}",
            [_option(m, custom=IntentLevel2.CUSTOM) for m in level2s] or [NOTHING_HINT],
        )
        for level1, level2s in INTENT_LEVEL2_BY_LEVEL1.items()
    ]


IMPL_FALLBACK_NAME = f"IMPL_{ImplementationLevel1.CUSTOM.value}"  # its list is 无需填写
INTENT_FALLBACK_NAME = "INTENT_none"


def _ref(sheet: str, first: str, last: str | None = None) -> str:
    """An absolute reference such as '其他'!$D$7:$D$8 (sheet names always quoted)."""
    sheet = "'" + sheet.replace("'", "''") + "'"

    def absolute(coordinate: str) -> str:
        letters = coordinate.rstrip("0123456789")
        return f"${letters}${coordinate[len(letters) :]}"

    return f"{sheet}!{absolute(first)}" + (f":{absolute(last)}" if last and last != first else "")


def _lookup_formula(column: str, sheet: str, table: str, fallback: str) -> str:
    return (
        f'INDIRECT(IFERROR(VLOOKUP(${column}{FIRST_DATA_ROW},{_ref(sheet, *table.split(":"))},2,FALSE),"{fallback}"))'
    )


def _impl_table() -> str:
    return f"K1:L{len(_impl_lists())}"


def _intent_table() -> str:
    return f"E1:F{len(_intent_lists())}"


def m_formula() -> str:
    """The formula of column M's dependent list."""
    return _lookup_formula("L", IMPL_SHEET, _impl_table(), IMPL_FALLBACK_NAME)


def q_formula() -> str:
    """The formula of column Q's dependent list."""
    return _lookup_formula("P", INTENT_SHEET, _intent_table(), INTENT_FALLBACK_NAME)


# --------------------------------------------------------------------------------------------------------------------
# Cells


def _clean(text: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most Excel's 32,767 characters."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text[:_EXCEL_MAX_TEXT]


def _styled(ws, value, *, font=None, fill=None, border=None, alignment=None):
    """A styled write-only cell for the header rows; text is always a string cell."""
    cell = WriteOnlyCell(ws)
    if value is not None:
        cell._value = _clean(value)
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    return cell


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_COLUMN_LETTERS = [c.letter for c in COLUMNS]
_TEXT_INDEXES = frozenset(_INDEX[letter] for letter in _TEXT_COLUMNS)


class _RowWriter:
    """Serialises data rows as SpreadsheetML into a temporary file, to be spliced into the sheet on save.

    openpyxl's own serialiser (ElementTree via et_xmlfile, lxml not being installed) costs about 30 µs a cell; this
    writes the same markup — string cells as ``t="inlineStr"``, numbers as ``<v>``, never ``<f>`` — about ten times
    faster. Values are str, int, float or None (skipped).
    """

    _FLUSH_ROWS = 2000

    def __init__(self, styles: dict[tuple[bool, bool], int]) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _Sheet.save
        self.styles = styles
        self.pending: list[str] = []

    def write(self, row_number: int, values: Sequence) -> None:
        parts = [f'<row r="{row_number}">']
        append = parts.append
        for index, value in enumerate(values):
            if value is None:
                continue
            ref = f"{_COLUMN_LETTERS[index]}{row_number}"
            if value.__class__ is str:
                value = _clean(value)
                key = (index in _TEXT_INDEXES, value.startswith(FORMULA_PREFIXES))
                style = f' s="{self.styles[key]}"' if key != (False, False) else ""
                space = ' xml:space="preserve"' if value != value.strip() else ""
                append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{value.translate(_XML_ESCAPES)}</t></is></c>')
            elif isinstance(value, bool):
                append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int):
                append(f'<c r="{ref}"><v>{value}</v></c>')
            elif isinstance(value, float) and math.isfinite(value):
                append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                raise TypeError(f"cannot write {value!r} to {ref}")
        append("</row>")
        self.pending.append("".join(parts))
        if len(self.pending) >= self._FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.file.write("".join(self.pending).encode("utf-8"))
            self.pending.clear()


def _safe_value(cell, value) -> None:
    """Put a value into a normal-mode cell so that text never becomes a formula."""
    if value == "":
        value = None
    if isinstance(value, str):
        value = _clean(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value


def _number(value: Decimal | int | float | None) -> int | float | str | None:
    """An amount as an Excel number (int when whole); NaN / infinity (never valid amounts) as text."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


# --------------------------------------------------------------------------------------------------------------------
# Workbook skeleton


def _add_name(wb: Workbook, name: str, sheet: str, first: str, last: str | None = None) -> None:
    wb.defined_names.add(DefinedName(name, attr_text=_ref(sheet, first, last)))


def _option_sheet(wb: Workbook, title: str, rows: Sequence[Sequence]):
    ws = wb.create_sheet(title)
    ws.sheet_state = "hidden"
    for row in rows:
        ws.append(list(row))
    return ws


def _grid(columns: dict[int, Sequence], height: int) -> list[list]:
    """Rows of a sheet whose column i (0-based) holds columns[i] from row 1 down."""
    width = max(columns) + 1 if columns else 0
    grid = [[None] * width for _ in range(height)]
    for index, values in columns.items():
        for row, value in enumerate(values):
            grid[row][index] = value
    return grid


def _build_option_sheets(wb: Workbook) -> None:
    labels = _labels()

    # 专利实施化状态（含产业化）: level-1 list on row 1 (A1:I1), each one's level-2 list below it, the lookup table
    # label → defined name in K:L.
    impl = _impl_lists()
    columns: dict[int, Sequence] = {i: [level1, *options] for i, (level1, _name, options) in enumerate(impl)}
    columns[len(impl) + 1] = [level1 for level1, _name, _options in impl]
    columns[len(impl) + 2] = [name for _level1, name, _options in impl]
    _option_sheet(wb, IMPL_SHEET, _grid(columns, max(len(c) for c in columns.values())))
    for i, (_level1, name, options) in enumerate(impl):
        letter = get_column_letter(i + 1)
        _add_name(wb, name, IMPL_SHEET, f"{letter}2", f"{letter}{1 + len(options)}")

    # 转化意愿: level-1 list on row 1 (A1:C1), level-2 lists below, lookup table in E:F, 无需填写 in H1.
    intent = _intent_lists()
    columns = {i: [level1, *options] for i, (level1, _name, options) in enumerate(intent)}
    columns[len(intent) + 1] = [level1 for level1, _name, _options in intent]
    columns[len(intent) + 2] = [name for _level1, name, _options in intent]
    columns[len(intent) + 4] = [NOTHING_HINT]
    _option_sheet(wb, INTENT_SHEET, _grid(columns, max(len(c) for c in columns.values())))
    for i, (_level1, name, options) in enumerate(intent):
        letter = get_column_letter(i + 1)
        _add_name(wb, name, INTENT_SHEET, f"{letter}2", f"{letter}{1 + len(options)}")
    _add_name(wb, INTENT_FALLBACK_NAME, INTENT_SHEET, f"{get_column_letter(len(intent) + 5)}1")

    _option_sheet(wb, MATURITY_SHEET, [[labels["maturity"][m.value]] for m in CURRENT_MATURITY])
    _option_sheet(
        wb,
        STARS_SHEET,
        [["评价星级", "星级说明"], *([labels["stars"][m.value], _STAR_NOTES[m]] for m in ValueStars)],
    )
    _option_sheet(wb, PRICE_SHEET, [[labels["price"][m.value]] for m in PriceBand])
    # 其他: 门类 on row 1 (as the national sheet), the SEI 2018 top level on row 3, 是/否 in D7:D8 (national).
    other = [list(v.GBT4754_SECTIONS.values()), [], list(v.SEI_2018_TOP_LEVEL.values()), [], [], []]
    other += [[None, None, None, "是"], [None, None, None, "否"]]
    _option_sheet(wb, OTHER_SHEET, other)


def _list_validation(formula: str, *, strict: str | None, title: str = "", prompt: str = "") -> DataValidation:
    """strict: 'stop' (refuse other values), 'warning' (ask), or None (accept typed text silently)."""
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.showDropDown = False  # (sic) False shows the in-cell arrow
    if strict:
        dv.showErrorMessage = True
        dv.errorStyle = strict
        dv.errorTitle = "输入值无效"
        dv.error = "请从下拉列表中选择" if strict == "stop" else "不是下拉列表中的选项，仍要使用吗？"
    else:
        dv.showErrorMessage = False
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = title[:32]
        dv.prompt = prompt[:255]
    return dv


def data_validations(last_row: int, *, org_unit_label: str = "") -> list[tuple[str, DataValidation]]:
    """(column, validation) of the data rows 4 … last_row."""
    n_impl = len(_impl_lists())
    n_intent = len(_intent_lists())
    result = [
        ("K", _list_validation(_ref(OTHER_SHEET, "D7", "D8"), strict="stop")),
        ("L", _list_validation(_ref(IMPL_SHEET, "A1", f"{get_column_letter(n_impl)}1"), strict=None)),
        ("M", _list_validation(m_formula(), strict=None)),
        ("P", _list_validation(_ref(INTENT_SHEET, "A1", f"{get_column_letter(n_intent)}1"), strict="stop")),
        ("Q", _list_validation(q_formula(), strict=None)),
        ("U", _list_validation(_ref(PRICE_SHEET, "A1", f"A{len(PriceBand)}"), strict="stop")),
        ("X", _list_validation(_ref(MATURITY_SHEET, "A1", f"A{len(CURRENT_MATURITY)}"), strict="warning")),
        ("Y", _list_validation(_ref(STARS_SHEET, "A2", f"A{1 + len(ValueStars)}"), strict="stop")),
        (
            "AA",
            _list_validation(
                _ref(OTHER_SHEET, "A1", f"{get_column_letter(len(v.GBT4754_SECTIONS))}1"), strict="warning"
            ),
        ),
        (
            "AC",
            _list_validation(
                _ref(OTHER_SHEET, "A3", f"{get_column_letter(len(v.SEI_2018_TOP_LEVEL))}3"), strict="warning"
            ),
        ),
    ]
    if org_unit_label:
        dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=False)
        dv.promptTitle = "所属学院"
        dv.prompt = f"请填写：{org_unit_label}"[:255]
        result.append(("G", dv))
    for letter, dv in result:
        dv.sqref = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
    return result


class _Sheet:
    """The write-only workbook with its 批量导入 sheet set up; data rows are added, then :meth:`save`."""

    def __init__(self, org_unit_label: str = "") -> None:
        self.org_unit_label = org_unit_label
        wb = self.wb = Workbook(write_only=True)
        wb.properties.creator = "patentpool"
        ws = self.ws = wb.create_sheet(SHEET_NAME)
        for letter, width in _WIDTHS.items():
            ws.column_dimensions[letter].width = width
        for letter in _TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
        for row, height in _ROW_HEIGHTS.items():
            ws.row_dimensions[row].height = height
        ws.freeze_panes = f"A{FIRST_DATA_ROW}"
        self._write_headers()
        _build_option_sheets(wb)
        self.row = FIRST_DATA_ROW - 1
        self.rows = _RowWriter(self._data_styles())

    def _data_styles(self) -> dict[tuple[bool, bool], int]:
        """Style ids of data cells by (text format '@', quote prefix), registered in the workbook's style table."""
        styles = {}
        for text_format in (False, True):
            for quoted in (False, True):
                cell = WriteOnlyCell(self.ws)
                if text_format:
                    cell.number_format = "@"
                if quoted:
                    cell.quotePrefix = True
                styles[text_format, quoted] = cell.style_id
        return styles

    def add(self, values: Sequence) -> None:
        self.row += 1
        self.rows.write(self.row, values)

    def _write_headers(self) -> None:
        ws = self.ws
        ws.append([_styled(ws, NOTE, font=_RED_FONT, fill=_YELLOW, alignment=_NOTE_ALIGN)])
        ws.merged_cells.add(CellRange(f"A1:{LAST_COLUMN}1"))

        row2: list = [None] * _N_COLUMNS
        row3: list = [None] * _N_COLUMNS
        for index, column in enumerate(COLUMNS):
            grey = _GREY if index >= _INDEX["H"] else None
            row2[index] = _styled(ws, None, font=_FONT, fill=grey, border=_BORDER, alignment=_HEADER_ALIGN)
            text = None if column.letter in _ROW2_ONLY else HEADERS[column.letter]
            row3[index] = _styled(ws, text, font=_FONT, fill=grey, border=_BORDER, alignment=_HEADER3_ALIGN)
        for ref, text in GROUP_HEADERS:
            merged = CellRange(ref)
            index = merged.min_col - 1
            grey = _GREY if index >= _INDEX["H"] else None
            font = _RED_FONT if text.startswith("*") else _FONT
            row2[index] = _styled(ws, text, font=font, fill=grey, border=_BORDER, alignment=_HEADER_ALIGN)
            ws.merged_cells.add(merged)
        ws.append(row2)
        ws.append(row3)

    def save(self, path_or_stream) -> None:
        last_row = max(self.row, FIRST_DATA_ROW - 1 + TEMPLATE_ROWS)
        for _letter, dv in data_validations(last_row, org_unit_label=self.org_unit_label):
            self.ws.data_validations.append(dv)
        if isinstance(path_or_stream, os.PathLike):
            path_or_stream = os.fspath(path_or_stream)
        self.rows.flush()
        with self.rows.file as rows, tempfile.TemporaryFile() as skeleton:
            self.wb.save(skeleton)
            _splice_rows(skeleton, self.ws.path.lstrip("/"), rows, path_or_stream)


def _splice_rows(skeleton: IO[bytes], sheet_part: str, rows: IO[bytes], dest) -> None:
    """Copy the workbook ``skeleton`` to ``dest``, inserting ``rows`` at the end of ``sheet_part``'s sheetData."""
    skeleton.seek(0)
    rows_size = rows.seek(0, os.SEEK_END)
    rows.seek(0)
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != sheet_part:
                target.writestr(info, data)
                continue
            head, marker, tail = data.partition(b"</sheetData>")
            if not marker:  # pragma: no cover - openpyxl always writes sheetData once there are header rows
                raise RuntimeError(f"{sheet_part} has no sheetData")
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            # The exact size up front: zipfile then uses Zip64 only when the part really needs it (Excel is picky
            # about needless Zip64 records).
            member.file_size = len(head) + rows_size + len(marker) + len(tail)
            with target.open(member, "w") as out:
                out.write(head)
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(marker + tail)


# --------------------------------------------------------------------------------------------------------------------
# Public: template and export


def write_template(path_or_stream, *, org_unit_label: str = "") -> None:
    """Write the blank batch-import template (a path or a binary stream).

    ``org_unit_label`` (the downloading account's college / branch / institution) becomes the input prompt of
    column G (所属学院).
    """
    _Sheet(org_unit_label).save(path_or_stream)


def write_inventory(path_or_stream, records: Iterable[InventoryRecord], *, org_unit_label: str = "") -> int:
    """Write records in the national layout (same sheet, headers and dropdowns as the template); return how many.

    Records are consumed one by one (a generator keeps memory flat). ``org_unit_label`` fills G for records without
    an org unit of their own and becomes G's input prompt.
    """
    sheet = _Sheet(org_unit_label)
    count = 0
    try:
        for record in records:
            count += 1
            for row in _record_rows(record, count, org_unit_label):
                sheet.add(row)
    except BaseException:
        sheet.rows.file.close()
        raise
    sheet.save(path_or_stream)
    return count


_L = _INDEX["L"]
_P = _INDEX["P"]
_R = _INDEX["R"]


def _record_rows(record: InventoryRecord, seq: int, org_unit_label: str) -> list[list]:
    """The sheet rows of one patent, as plain values (str, int, float, None)."""
    labels = _labels()

    def label(vocabulary: str, code) -> str | None:
        if code is None or code == "":
            return None
        return labels[vocabulary].get(code, str(code))

    def t(value: str):
        return value or None

    first: list = [
        seq,
        t(record.application_number),
        t(record.title),
        label("legal", record.legal_status),
        record.years_maintained,
        t(record.inventors),
        t(record.org_unit or org_unit_label),
        t(record.bundle_name),
        t(",".join(record.bundle_numbers)),
        t(record.bundle_description),
        None if record.fiscally_funded is None else ("是" if record.fiscally_funded else "否"),
        None,
        None,
        None,
        None,
        None,
        None,
        _number(record.fee_standard_wan),
        t(record.intended_cities),
        t(record.intended_enterprises),
        label("price", record.price_band),
        t(record.contact_name),
        t(record.contact_phone),
        label("maturity", record.maturity),
        label("stars", record.value_stars),
        t(record.products_advantages),
        t(v.GBT4754_SECTIONS.get(record.industry_section, record.industry_section)),
        t(record.prospect),
        t(v.SEI_2018_TOP_LEVEL.get(record.sei_class, record.sei_class)),
        t(record.ipc_field),
    ]
    rows = [first]
    states, intents = record.implementation_states, record.intents
    # The first row's R–W are the first intent's; an intent that gives none of its own has the patent's.
    patent_terms = tuple(getattr(record, key) for key in INTENT_TERM_KEYS)
    if intents and v.has_terms(intents[0]):
        patent_terms = intents[0].terms()
        first[_R : _R + 6] = _term_cells(intents[0], label)
    for i in range(max(len(states), len(intents), 1)):
        if i >= len(rows):
            rows.append([None] * (_P + 2))
        row = rows[i]
        if i < len(states):
            row[_L : _L + 4] = [None if c == "" else c for c in _impl_cells(states[i])]
        if i < len(intents):
            row[_P : _P + 2] = [c or None for c in _intent_cells(intents[i])]
            # A later intent writes its own R–W only where they differ: blank reads back as the first row's.
            if i and v.has_terms(intents[i]) and intents[i].terms() != patent_terms:
                row.extend([None] * (_R + 6 - len(row)))
                row[_R : _R + 6] = _term_cells(intents[i], label)
    return rows


def _term_cells(intent: IntentEntry, label) -> list:
    """Columns R–W of one intent."""
    return [
        _number(intent.fee_standard_wan),
        intent.intended_cities or None,
        intent.intended_enterprises or None,
        label("price", intent.price_band),
        intent.contact_name or None,
        intent.contact_phone or None,
    ]


def _impl_cells(entry: ImplementationEntry) -> tuple:
    """Columns L, M, N, O of one implementation state."""
    labels = _labels()
    custom1 = ImplementationLevel1.CUSTOM.value
    if entry.level1 == custom1:
        l_text = _custom_l(entry.custom_text)
    else:
        l_text = labels["impl1"].get(entry.level1, entry.level1 or "")
    m_text = ""
    if entry.level2 == ImplementationLevel2.CUSTOM.value or (
        not entry.level2 and entry.custom_text and entry.level1 != custom1
    ):
        m_text = _custom_m(l_text, entry.custom_text)
    elif entry.level2:
        m_text = labels["impl2"].get(entry.level2, entry.level2)
    if entry.amount_wan is not None:
        n_value = _number(entry.amount_wan)
    else:
        n_value = entry.evaluation_result or entry.product_name or ""
    return l_text, m_text, n_value, entry.remark


def _intent_cells(entry: IntentEntry) -> tuple[str, str]:
    """Columns P, Q of one conversion intent."""
    labels = _labels()
    p_text = labels["intent1"].get(entry.level1, entry.level1 or "")
    if entry.level2 == IntentLevel2.CUSTOM.value or (not entry.level2 and entry.custom_text):
        q_text = _custom_q(p_text, entry.custom_text)
    elif entry.level2:
        q_text = labels["intent2"].get(entry.level2, entry.level2)
    else:
        q_text = ""
    return p_text, q_text


_CUSTOM_WORD = "自定义"
_CUSTOM_PREFIX = "自定义："
_CUSTOM_L1 = ImplementationLevel1.CUSTOM.value
_CUSTOM_L2 = ImplementationLevel2.CUSTOM.value
_CUSTOM_I2 = IntentLevel2.CUSTOM.value


@functools.lru_cache(maxsize=4096)
def _custom_l(custom_text: str) -> str:
    """L for a custom level 1: its own text, unless that would read back as something else."""
    if not custom_text:
        return _CUSTOM_WORD
    entry, problems = v.implementation_from_cells(custom_text)
    if entry is not None and not problems and entry.level1 == _CUSTOM_L1 and entry.custom_text == custom_text:
        return custom_text
    return _CUSTOM_PREFIX + custom_text


@functools.lru_cache(maxsize=4096)
def _custom_m(l_text: str, custom_text: str) -> str:
    if not custom_text:
        return _CUSTOM_WORD
    entry, _problems = v.implementation_from_cells(l_text, custom_text)
    if entry is not None and entry.level2 == _CUSTOM_L2 and entry.custom_text == custom_text:
        return custom_text
    return _CUSTOM_PREFIX + custom_text


@functools.lru_cache(maxsize=4096)
def _custom_q(p_text: str, custom_text: str) -> str:
    if not custom_text:
        return _CUSTOM_WORD
    entry, _problems = v.intent_from_cells(p_text, custom_text)
    if entry is not None and entry.level2 == _CUSTOM_I2 and entry.custom_text == custom_text:
        return custom_text
    return _CUSTOM_PREFIX + custom_text


# --------------------------------------------------------------------------------------------------------------------
# Public: error copy


class ErrorCopyUnavailable(Exception):
    """The uploaded workbook cannot be opened to mark its errors (not an .xlsx openpyxl can load, or unsafe)."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message, message_en)
        self.message = message
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message} / {self.message_en}"


def write_error_copy(
    source_path: str | os.PathLike | IO[bytes],
    dest,
    errors: list[CellError],
    *,
    sheet_name: str | None = None,
    check_archive: bool = True,
) -> None:
    """Write a copy of an uploaded workbook with its errors marked, to ``dest`` (a path or a binary stream).

    Every erroneous cell is filled light red and gets one comment holding all its messages (Chinese, then English);
    an error without a column marks the row's B cell. A sheet 错误清单 lists every error (row, column, value, message,
    message_en). The marked sheet is ``sheet_name`` (the reader's ``ParsedInventory.sheet_name``), else 批量导入, else
    the first visible sheet with a 申请号 header, else the active sheet.

    The source is first checked as an archive by the reader's ``check_workbook_archive`` (size, bombs, DTDs) unless
    ``check_archive`` is False. Raises :class:`ErrorCopyUnavailable` when the file cannot be opened.
    """
    wb = _load_source(source_path, check_archive)
    ws = _choose_sheet(wb, sheet_name)

    by_cell: dict[tuple[int, str], list[CellError]] = defaultdict(list)
    for error in errors:
        if error.row < 1:
            continue
        by_cell[error.row, _column_or_b(error.column)].append(error)

    for (row, letter), cell_errors in by_cell.items():
        cell = ws[f"{letter}{row}"]
        if isinstance(cell, MergedCell):
            cell = _merged_anchor(ws, cell)
        cell.fill = _ERROR_FILL
        text = "\n\n".join(f"{e.message}\n{e.message_en}" for e in cell_errors)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n——\n{text}"
        comment = Comment(_clean(text), "校验 Validation")
        comment.width = 360
        comment.height = min(600, 80 + 18 * text.count("\n") + len(text) // 2)
        cell.comment = comment

    if ERROR_SHEET_NAME in wb.sheetnames:
        del wb[ERROR_SHEET_NAME]
    report = wb.create_sheet(ERROR_SHEET_NAME)
    for index, header in enumerate(_ERROR_HEADERS, start=1):
        cell = report.cell(1, index, header)
        cell.font = Font(bold=True)
        cell.fill = _GREY
    for i, width in enumerate((8, 8, 30, 70, 70), start=1):
        report.column_dimensions[get_column_letter(i)].width = width
    report.freeze_panes = "A2"
    ordered = sorted(errors, key=lambda e: (e.row, _column_order(e.column)))
    for r, error in enumerate(ordered, start=2):
        for c, value in enumerate((error.row, error.column, error.value, error.message, error.message_en), start=1):
            _safe_value(report.cell(r, c), value)
    wb.active = wb.worksheets.index(ws)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    if isinstance(dest, os.PathLike):
        dest = os.fspath(dest)
    wb.save(dest)


def _load_source(source, check_archive: bool):
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if isinstance(source, str) and source.lower().endswith(".csv"):
        with open(source, "rb") as fp:
            text_file = fp.read(4) != b"PK\x03\x04"
        if text_file:  # a patent-database export uploaded as .csv: marked in a workbook of its rows
            from inventory.dbexport import csv_workbook

            try:
                return csv_workbook(source)
            except Exception as exc:
                raise ErrorCopyUnavailable(
                    "无法打开上传的文件以标注错误", f"The upload cannot be opened to mark its errors ({exc})"
                ) from exc
    if check_archive:
        from inventory.reader import WorkbookRejected, check_workbook_archive

        try:
            if isinstance(source, str):
                with open(source, "rb") as fp:
                    check_workbook_archive(fp)
            else:
                source.seek(0)
                check_workbook_archive(source)
                source.seek(0)
        except WorkbookRejected as exc:
            raise ErrorCopyUnavailable(exc.message, exc.message_en) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported …" and the like
            return load_workbook(source, keep_vba=False, rich_text=False)
    except Exception as exc:
        raise ErrorCopyUnavailable(
            "无法打开上传的工作簿以标注错误：它不是可读取的 .xlsx 文件",
            f"The uploaded workbook cannot be opened to mark its errors: it is not a readable .xlsx file ({exc})",
        ) from exc


_HEADER_SCAN_ROWS = 10


def _choose_sheet(wb, sheet_name: str | None):
    if sheet_name is not None and sheet_name in wb.sheetnames:
        return wb[sheet_name]
    for ws in wb.worksheets:
        if ws.title.strip() == SHEET_NAME:
            return ws
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, values_only=True):
            if any(isinstance(value, str) and "申请号" in value for value in row):
                return ws
    return wb.active or wb.worksheets[0]


_LETTERS_RE = re.compile(r"[A-Za-z]{1,3}")


def _column_or_b(column: str) -> str:
    column = (column or "").strip().upper()
    if _LETTERS_RE.fullmatch(column):
        try:
            column_index_from_string(column)
            return column
        except ValueError:
            pass
    return "B"


def _column_order(column: str) -> int:
    try:
        return column_index_from_string(column.strip().upper()) if column else 0
    except ValueError:
        return 0


def _merged_anchor(ws, cell):
    for merged in ws.merged_cells.ranges:
        if cell.coordinate in merged:
            return ws.cell(merged.min_row, merged.min_col)
    return cell


# --------------------------------------------------------------------------------------------------------------------
# Public: the streamed error workbook (big files)

ROWS_SHEET_NAME = "有误的行"
_ROW_HEADER = "原行号 Row"
_COPIED_HEAD_ROWS = 3  # the national template's title and two header rows


def write_error_workbook(
    source_path: str | os.PathLike, dest, errors: list[CellError], *, sheet_name: str | None = None
) -> None:
    """Write a compact workbook of the rows with errors, streamed, to ``dest`` (a path or a binary stream).

    For big uploads, instead of :func:`write_error_copy` (which loads the whole workbook into openpyxl: about 15x the
    memory and time of reading it): the upload's sheet is read once more with calamine, row by row, and only its first
    three rows (title and headers) and the rows with errors are kept. Sheet 有误的行 holds them in the upload's own
    columns — so a cell keeps its letter — each bad cell filled light red with a comment holding its messages (Chinese,
    then English), and the upload's row number in the column after the last; sheet 错误清单 lists every error as the
    full copy does. Both sheets are written in openpyxl's write-only mode: memory is bounded by the bad rows.
    Raises :class:`ErrorCopyUnavailable` when the upload cannot be read.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    by_row: dict[int, dict[int, list[CellError]]] = defaultdict(lambda: defaultdict(list))
    for error in errors:
        if error.row >= 1:
            by_row[error.row][column_index_from_string(_column_or_b(error.column)) - 1].append(error)
    wanted = set(range(1, _COPIED_HEAD_ROWS + 1)) | set(by_row)
    last_wanted = max(wanted)
    kept: dict[int, list] = {}
    try:
        with CalamineWorkbook.from_path(os.fspath(source_path)) as book:
            names = book.sheet_names
            name = sheet_name if sheet_name in names else next((n for n in names if n.strip() == SHEET_NAME), names[0])
            sheet = book.get_sheet_by_name(name)
            offset = sheet.start[1] if sheet.start else 0
            for number, row in enumerate(sheet.iter_rows(), start=1):  # calamine yields rows from row 1
                if number in wanted:
                    kept[number] = [""] * offset + row
                if number >= last_wanted:
                    break
    except (CalamineError, OSError, IndexError) as exc:
        raise ErrorCopyUnavailable(
            "无法读取上传的工作簿以列出有误的行",
            f"The uploaded workbook cannot be read to list the rows with errors ({exc})",
        ) from exc
    width = max([len(values) for values in kept.values()] + [index + 1 for row in by_row.values() for index in row])

    wb = Workbook(write_only=True)
    rows_sheet = wb.create_sheet(ROWS_SHEET_NAME)
    rows_sheet.freeze_panes = f"A{_COPIED_HEAD_ROWS + 1}"
    for number in sorted(wanted):
        values = kept.get(number, [])
        marks = by_row.get(number, {})
        cells = []
        for index in range(width):
            cell = WriteOnlyCell(rows_sheet)
            _safe_value(cell, values[index] if index < len(values) else None)
            if index in marks:
                text = "\n\n".join(f"{e.message}\n{e.message_en}" for e in marks[index])
                cell.fill = _ERROR_FILL
                comment = Comment(_clean(text), "校验 Validation")
                comment.width = 360
                comment.height = min(600, 80 + 18 * text.count("\n") + len(text) // 2)
                cell.comment = comment
            cells.append(cell)
        label = WriteOnlyCell(rows_sheet, _ROW_HEADER if number == 1 and number not in by_row else number)
        label.font = Font(bold=True)
        label.fill = _GREY
        cells.append(label)
        rows_sheet.append(cells)

    report = wb.create_sheet(ERROR_SHEET_NAME)
    report.freeze_panes = "A2"
    for i, width_chars in enumerate((8, 8, 30, 70, 70), start=1):
        report.column_dimensions[get_column_letter(i)].width = width_chars
    header = []
    for title in _ERROR_HEADERS:
        cell = WriteOnlyCell(report, title)
        cell.font = Font(bold=True)
        cell.fill = _GREY
        header.append(cell)
    report.append(header)
    for error in sorted(errors, key=lambda e: (e.row, _column_order(e.column))):
        cells = []
        for value in (error.row, error.column, error.value, error.message, error.message_en):
            cell = WriteOnlyCell(report)
            _safe_value(cell, value)
            cells.append(cell)
        report.append(cells)
    if isinstance(dest, os.PathLike):
        dest = os.fspath(dest)
    wb.save(dest)
