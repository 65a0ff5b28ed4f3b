"""Excel export of the to-do list: each waiting patent with the self-assessment a reviewer decides on."""

from openpyxl import Workbook

from common.xlsx import safe_cell, xlsx_response

HEADERS = [
    "申请号", "专利名称", "学院", "审核状态", "转化意愿", "意向价格", "技术成熟度", "专利价值分级自评",
    "国民经济行业分类", "战新分类", "本专利对应产品、技术优势、性能指标", "产业化前景描述", "审核意见",
]  # fmt: skip
BATCH = 2000


def intents_text(assessment) -> str:
    """The conversion intents as one line (level 1 – level 2, or the custom text)."""
    parts = []
    for intent in assessment.intents.all():
        detail = intent.custom_text if intent.level2 == "custom" else intent.get_level2_display()
        parts.append(f"{intent.get_level1_display()}{' – ' + detail if detail else ''}")
    return "；".join(parts)


def sei_text(sei_class) -> str:
    """A strategic emerging industry class as code and name, a 2021 class under its 2018 parent."""
    if sei_class is None:
        return ""
    own = f"{sei_class.code} {sei_class.name}"
    return f"{sei_class.parent.code} {sei_class.parent.name} › {own}" if sei_class.parent_id else own


def todo_rows(qs):
    for p in qs.iterator(chunk_size=BATCH):
        a = getattr(p, "assessment", None)
        if a is None:
            yield [p.application_number, safe_cell(p.title), p.org_unit.name if p.org_unit_id else "", "待填写"]
            continue
        yield [
            p.application_number,
            safe_cell(p.title),
            p.org_unit.name if p.org_unit_id else "",
            a.get_review_state_display(),
            safe_cell(intents_text(a)),
            a.get_price_band_display(),
            a.get_maturity_display(),
            a.get_value_stars_display() or "",
            str(a.industry) if a.industry_id else "",
            sei_text(a.sei_class),
            safe_cell(a.products_advantages),
            safe_cell(a.prospect),
            safe_cell(a.review_comment),
        ]


def todo_workbook_response(qs, *, filename: str = "todo.xlsx"):
    def write(handle):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("待办")
        ws.append(HEADERS)
        for row in todo_rows(qs):
            ws.append(row)
        wb.save(handle)

    return xlsx_response(write, filename=filename)
