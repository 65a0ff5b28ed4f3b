"""The enterprise registration workbook: a template we define (with dropdowns) and its reader.

One sheet 企业登记, headers on row 1 (Chinese, then English), data from row 2, one enterprise per row. Flags are
是/否; codes are typed as text. The reader turns each row into the form's data, so a row is checked by exactly the
validator the registration page uses (``EnterpriseProfileForm``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

from reference.models import Province

SHEET = "企业登记"
# (form field, header). The order is the template's column order.
COLUMNS = (
    ("name", "*企业名称 / Name"),
    ("credit_code", "*统一社会信用代码 / Credit code"),
    ("province", "*省份 / Province"),
    ("city", "城市 / City"),
    ("is_ip_advantage", "知识产权优势示范企业 / IP advantage"),
    ("is_specialized_sme", "专精特新中小企业 / Specialised SME"),
    ("is_high_tech", "高新技术企业 / High-tech"),
    ("is_soe", "国有企业 / State-owned"),
    ("is_central_soe", "中央企业 / Central SOE"),
    ("main_industry", "*主营行业代码 / Main GB/T 4754 code"),
    ("other_industries", "其他行业代码 / Other GB/T 4754 codes"),
    ("products", "*主要产品 / Main products"),
    ("technical_needs", "技术需求（多项用；分隔） / Technical needs"),
    ("fields_of_interest", "关注技术领域（IPC 小类或战新分类） / Fields of interest"),
)
FLAG_FIELDS = ("is_ip_advantage", "is_specialized_sme", "is_high_tech", "is_soe", "is_central_soe")
YES, NO = ("是", "yes", "y", "true", "1", "√"), ("否", "no", "n", "false", "0", "")
MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
TEMPLATE_ROWS = 1000


class WorkbookRejected(Exception):
    """The file as a whole cannot be read; ``message`` is Chinese, then English."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # letter
    header: str
    message: str


@dataclass
class ParsedRow:
    row: int
    data: dict[str, str | bool]
    errors: list[RowError]


def column_letter(field: str) -> str:
    return get_column_letter([name for name, _ in COLUMNS].index(field) + 1)


def write_template(stream) -> None:
    """The empty template: headers, widths, a 是/否 dropdown on the flags and a province dropdown (hidden sheet)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE68A")
    for index, (_, header) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = bold
        if header.startswith("*"):
            cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = 22
    sheet.freeze_panes = "A2"
    lists = workbook.create_sheet("选项")
    provinces = list(Province.objects.order_by("code").values_list("name", flat=True))
    for index, name in enumerate(provinces, start=1):
        lists.cell(row=index, column=1, value=name)
    lists.sheet_state = "hidden"
    last = TEMPLATE_ROWS + 1
    province_dv = DataValidation(type="list", formula1=f"'选项'!$A$1:$A${len(provinces)}", allow_blank=True)
    province_dv.add(f"{column_letter('province')}2:{column_letter('province')}{last}")
    flags_dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    flags_dv.add(f"{column_letter(FLAG_FIELDS[0])}2:{column_letter(FLAG_FIELDS[-1])}{last}")
    code_dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="18", allow_blank=True)
    code_dv.add(f"{column_letter('credit_code')}2:{column_letter('credit_code')}{last}")
    for dv in (province_dv, flags_dv, code_dv):
        dv.showErrorMessage = True
        sheet.add_data_validation(dv)
    workbook.save(stream)


def write_rows(stream, rows: list[dict]) -> None:
    """A filled template (tests, the demo, an export of the registry in the import layout)."""
    buffer = io.BytesIO()
    write_template(buffer)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook[SHEET]
    for r, row in enumerate(rows, start=2):
        for c, (field, _) in enumerate(COLUMNS, start=1):
            value = row.get(field, "")
            if isinstance(value, bool):
                value = "是" if value else "否"
            sheet.cell(row=r, column=c, value=value)
    workbook.save(stream)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _check_archive(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise WorkbookRejected("文件超过 10 MB / The file exceeds 10 MB")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRejected("不是 .xlsx 工作簿 / Not an .xlsx workbook")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > 500 or sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise WorkbookRejected("工作簿解压后过大 / The workbook is too large when unpacked")


def read_rows(upload) -> list[ParsedRow]:
    """Rows of the upload (bytes or a file) as form data; header or file problems raise WorkbookRejected."""
    data = upload if isinstance(upload, bytes) else upload.read()
    _check_archive(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(SHEET if SHEET in names else names[0])
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError) as exc:
        raise WorkbookRejected("工作簿已损坏，无法读取 / The workbook is damaged and cannot be read") from exc
    if not rows:
        raise WorkbookRejected("工作簿是空的 / The workbook is empty")
    headers = [_text(value).split("/")[0].strip().lstrip("*").strip() for value in rows[0]]
    expected = [header.split("/")[0].strip().lstrip("*").strip() for _, header in COLUMNS]
    if headers[: len(expected)] != expected:
        raise WorkbookRejected(
            "表头与模板不一致，请下载模板后填写 / The headers differ from the template: download the template"
        )
    if len(rows) - 1 > MAX_ROWS:
        raise WorkbookRejected(f"超过 {MAX_ROWS} 行 / More than {MAX_ROWS} rows")
    provinces = {}
    for pk, name, short in Province.objects.values_list("pk", "name", "short_name"):
        provinces[name] = provinces[short] = pk
    parsed = []
    for number, values in enumerate(rows[1:], start=2):
        cells = [_text(v) for v in values] + [""] * (len(COLUMNS) - len(values))
        if not any(cells[: len(COLUMNS)]):
            continue
        row = ParsedRow(row=number, data={}, errors=[])
        for index, (field, header) in enumerate(COLUMNS):
            value = cells[index]
            if field in FLAG_FIELDS:
                lowered = value.lower()
                if lowered in YES:
                    row.data[field] = "on"
                elif lowered not in NO:
                    row.errors.append(
                        RowError(number, get_column_letter(index + 1), header, "应填“是”或“否” / Must be 是 or 否")
                    )
            elif field == "province":
                row.data[field] = provinces.get(value, "") if value else ""
                if value and not row.data[field]:
                    row.errors.append(
                        RowError(
                            number, get_column_letter(index + 1), header, f"省份“{value}”不存在 / Unknown province"
                        )
                    )
            else:
                row.data[field] = value
        parsed.append(row)
    return parsed
