"""Excel export of a patent list as a flat table (the national-format export lives in ``inventory.export``)."""

from openpyxl import Workbook

from common.xlsx import safe_cell, xlsx_response

HEADERS = ["申请号", "专利名称", "专利类型", "法律状态", "授权日", "发明人", "单位", "学院", "财政资助", "审核状态"]
BATCH = 2000


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


def patent_list_workbook_response(qs, *, filename: str):
    return xlsx_response(lambda handle: patent_list_workbook(qs, handle), filename=filename)
