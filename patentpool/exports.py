"""Excel exports of patent lists (a flat table; the national-format export lives with the importer)."""

import tempfile

from django.http import FileResponse
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ["申请号", "专利名称", "专利类型", "法律状态", "授权日", "发明人", "单位", "学院", "财政资助", "审核状态"]
BATCH = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text that Excel would take for a formula is prefixed with a quote so it can never run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def patent_rows(qs):
    for p in qs.iterator(chunk_size=BATCH):
        assessment = getattr(p, "assessment", None)  # None when the patent has no self-assessment yet
        yield [
            p.application_number,
            safe_cell(p.title),
            p.get_patent_type_display(),
            p.get_legal_status_display(),
            p.grant_date,
            safe_cell(p.inventors),
            p.institution.name,
            p.org_unit.name if p.org_unit_id else "",
            "是" if p.fiscally_funded else "否",
            assessment.get_review_state_display() if assessment else "",
        ]


def patent_list_workbook(qs, path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("专利清单")
    ws.append(HEADERS)
    for row in patent_rows(qs):
        ws.append(row)
    wb.save(path)


def xlsx_response(write, *, filename: str) -> FileResponse:
    """A download of the workbook ``write(handle)`` writes, spooled through a temporary file (not held in memory)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def patent_list_workbook_response(qs, *, filename: str):
    return xlsx_response(lambda handle: patent_list_workbook(qs, handle), filename=filename)


def national_workbook_response(qs, *, filename: str = "专利盘活批量导入.xlsx"):
    """The patents in the national batch-import layout: re-importing the file changes nothing."""
    from institutions.inventory_export import inventory_records
    from institutions.inventory_writer import write_inventory

    return xlsx_response(lambda handle: write_inventory(handle, inventory_records(qs)), filename=filename)
