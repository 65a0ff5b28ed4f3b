"""The provincial evaluation-return workbook (企业评价回传表): our standard layout, its template and its reader.

Sheet 企业评价回传: headers on row 1 (a * marks a required column), one rating per row from row 2: the patent by its
application number, the enterprise by its unified social credit code, then the rating's fields. The template a bureau
downloads lists the library patents to rate, with dropdowns for the choice columns and an instructions sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from common.xlsx import safe_cell, xlsx_response
from evaluations.choices import PriceBand, ValueStars
from evaluations.selectors import in_library_q
from patentpool.models import Patent

from .choices import Cooperation, ImprovementNeed, LowRatingReason

SHEET = "企业评价回传"
OPTIONS_SHEET = "选项"
FIRST_DATA_ROW = 2
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    letter: str
    key: str
    header: str
    width: int = 16


COLUMNS = (
    Column("A", "application_number", "申请号*", 18),
    Column("B", "title", "专利名称（参考）", 30),
    Column("C", "institution", "专利权人单位（参考）", 20),
    Column("D", "credit_code", "企业统一社会信用代码*", 22),
    Column("E", "enterprise_name", "企业名称（参考）", 22),
    Column("F", "prospect_stars", "产业化前景*"),
    Column("G", "improvement_needs", "技术改进需求（可多选，用、分隔）", 24),
    Column("H", "improvement_text", "改进需求说明", 30),
    Column("I", "cooperation", "合作意愿*"),
    Column("J", "low_reasons", "低评原因（一星、二星必填，可多选）", 24),
    Column("K", "low_reason_text", "其他原因说明", 20),
    Column("L", "price_band", "可接受价格"),
    Column("M", "contact_name", "联系人"),
    Column("N", "contact_phone", "联系方式"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
CHOICE_LISTS = {
    "prospect_stars": [str(label) for _, label in ValueStars.choices],
    "cooperation": [str(label) for _, label in Cooperation.choices],
    "price_band": [str(label) for _, label in PriceBand.choices],
    "improvement_needs": [str(label) for _, label in ImprovementNeed.choices],
    "low_reasons": [str(label) for _, label in LowRatingReason.choices],
}
INSTRUCTIONS = [
    "企业评价回传表填写说明 / How to fill in the evaluation return",
    "1. 每行一条评价：一件专利 × 一家企业。同一专利由多家企业评价时，复制该行并填写各企业的信用代码。",
    "   One rating per row: one patent × one enterprise; copy a patent's row for each enterprise that rates it.",
    "2. 带 * 的列必填；企业须为本省已登记企业（按统一社会信用代码识别）。",
    "   Columns marked * are required; the enterprise must be registered in your province (by its credit code).",
    "3. 产业化前景、合作意愿、可接受价格请从下拉列表选择；改进需求和低评原因可多选，用顿号（、）分隔。",
    "   Choose prospect, cooperation and price from the dropdowns; separate several needs or reasons with 、.",
    "4. 一星、二星须填写低评原因；有合作意愿（非「暂无」）时须填写联系人和联系方式。",
    "   One or two stars need reasons; a willingness to cooperate needs a contact.",
    "5. 整个文件校验通过才会写入；有任何错误时不写入任何数据，并返回标注了错误单元格的工作簿。",
    "   The file is applied only when every row is valid; otherwise nothing is written and the bad cells are marked.",
]


def write_template(handle, patents) -> None:
    """The return workbook for ``patents`` (an iterable of Patent with institution), one row each, ready to fill."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = bold
        ws.column_dimensions[column.letter].width = column.width
    ws.freeze_panes = "A2"
    row = FIRST_DATA_ROW
    for patent in patents:
        ws.cell(row=row, column=1, value=patent.application_number)
        ws.cell(row=row, column=2, value=safe_cell(patent.title))
        ws.cell(row=row, column=3, value=safe_cell(patent.institution.name))
        row += 1
    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    last = max(row, FIRST_DATA_ROW + 500)
    for index, (key, values) in enumerate(CHOICE_LISTS.items(), start=1):
        letter = options.cell(row=1, column=index).column_letter
        for offset, value in enumerate(values, start=1):
            options.cell(row=offset, column=index, value=value)
        if key in ("improvement_needs", "low_reasons"):
            continue  # several values per cell: a dropdown would refuse them
        validation = DataValidation(
            type="list", formula1=f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}", allow_blank=True
        )
        validation.error = "请从下拉列表中选择 / choose from the list"
        ws.add_data_validation(validation)
        column = COLUMN_BY_KEY[key].letter
        validation.add(f"{column}{FIRST_DATA_ROW}:{column}{last}")
    notes = wb.create_sheet("填写说明")
    for offset, line in enumerate(INSTRUCTIONS, start=1):
        notes.cell(row=offset, column=1, value=line)
    notes.column_dimensions["A"].width = 110
    wb.save(handle)


class WorkbookRefused(ValueError):
    """The file as a whole cannot be read as a return workbook; ``message``/``message_en`` say why."""

    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} / {message_en}")
        self.message, self.message_en = message, message_en


def read_rows(path) -> list[tuple[int, dict]]:
    """(row number, {key: raw value}) for every non-blank data row of the return sheet."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or foreign file: say so instead of failing the job
        raise WorkbookRefused("无法读取该工作簿，请使用平台下载的回传表", "the workbook cannot be read") from exc
    try:
        if SHEET not in wb.sheetnames:
            raise WorkbookRefused(f"找不到工作表「{SHEET}」", f"no sheet named '{SHEET}'")
        ws = wb[SHEET]
        header = [str(c.value or "").strip() for c in next(ws.iter_rows(min_row=1, max_row=1))]
        expected = [c.header for c in COLUMNS]
        if header[: len(expected)] != expected:
            raise WorkbookRefused("表头与回传表模板不一致，请重新下载模板", "the header row is not the template's")
        rows = []
        blank_run = 0
        for number, values in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True), start=FIRST_DATA_ROW):
            cells = {c.key: values[i] if i < len(values) else None for i, c in enumerate(COLUMNS)}
            if all(v is None or str(v).strip() == "" for v in cells.values()):
                blank_run += 1
                if blank_run >= 1000:  # a sheet padded with styled blank rows: stop reading, do not materialise them
                    break
                continue
            blank_run = 0
            if cells["credit_code"] in (None, "") and all(
                cells[k] in (None, "") for k in ("prospect_stars", "cooperation", "improvement_needs", "low_reasons")
            ):
                continue  # a template row nobody rated
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise WorkbookRefused(f"数据行超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} data rows")
        if not rows:
            raise WorkbookRefused("文件中没有填写任何评价", "the file holds no ratings")
        return rows
    finally:
        wb.close()


def write_error_copy(source, target, errors: list[dict]) -> None:
    """A copy of the uploaded workbook with every bad cell filled red and commented with its message."""
    wb = load_workbook(source)
    ws = wb[SHEET]
    red = PatternFill("solid", fgColor="FFC7CE")
    for error in errors:
        cell = ws[f"{error['column']}{error['row']}"]
        cell.fill = red
        text = f"{error['message']}\n{error['message_en']}"
        cell.comment = Comment(text if cell.comment is None else f"{cell.comment.text}\n{text}", "PatentPool")
    wb.save(target)


# The return workbook lists at most this many patents: a province's bureau spreads larger returns over several files.
RETURN_TEMPLATE_LIMIT = 5000


def return_workbook_response(*, province_id: int):
    """The return workbook of a province, as a download: its institutions' library patents, ready to rate."""
    patents = (
        Patent.objects.filter(in_library_q(), institution__province_id=province_id)
        .select_related("institution")
        .order_by("institution__name", "application_number")[:RETURN_TEMPLATE_LIMIT]
    )
    return xlsx_response(lambda handle: write_template(handle, patents), filename="企业评价回传表.xlsx")
