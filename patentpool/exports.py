"""Excel exports of patent lists (a flat table; the national-format export lives with the importer)."""

from django.http import StreamingHttpResponse
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ["申请号", "专利名称", "专利类型", "法律状态", "授权日", "发明人", "单位", "学院", "财政资助", "审核状态"]
BATCH = 2000


def safe_cell(value):
    """Text that Excel would take for a formula is prefixed with a quote so it can never run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def patent_rows(qs):
    for p in qs.iterator(chunk_size=BATCH):
        assessment = getattr(p, "assessment", None) if hasattr(p, "assessment") else None
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
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        patent_list_workbook(qs, tmp.name)
        tmp.seek(0)
        data = tmp.read()
    response = StreamingHttpResponse(
        iter([data]), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
