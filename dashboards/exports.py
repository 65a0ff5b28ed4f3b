"""Dashboard tables to Excel, and a province's quarterly report workbook in a fixed layout."""

from __future__ import annotations

from openpyxl import Workbook

from common.xlsx import safe_cell, xlsx_response

from .metrics import COUNT, INVENTORY, QUARTERLY, SHARE, metrics_in

NO_DATA = "暂无数据 / no data yet"


def cell(metric, value):
    if not metric.available:
        return NO_DATA
    if value is None:
        return ""
    if metric.unit == SHARE:
        return round(value * 100, 2)
    return value


def _header(metric) -> str:
    return f"{metric.label}（%）" if metric.unit == SHARE else str(metric.label)


def rows_sheet(ws, board) -> None:
    figures = metrics_in(INVENTORY) + metrics_in(QUARTERLY)
    ws.append([str(board.row_label)] + [_header(m) for m in figures])
    for row in board.rows:
        ws.append([safe_cell(row.name)] + [cell(m, row.figures.get(m.code)) for m in figures])
    ws.append(["合计 / Total"] + [cell(m, board.total.get(m.code)) for m in figures])


def quarterly_sheet(ws, board) -> None:
    figures = metrics_in(QUARTERLY) + metrics_in(INVENTORY)
    ws.append(["季度 / Quarter"] + [_header(m) for m in figures])
    for quarter, values in board.series:
        ws.append(
            [str(quarter)] + [cell(m, (values or {}).get(m.code)) if values else "未封存 / not sealed" for m in figures]
        )
    ws.append([])
    ws.append(["指标 / Figure", "本季度", "上季度", "环比变化", "去年同期", "同比变化"])
    for m in figures:
        c = board.changes.get(m.code, {})
        ws.append([_header(m)] + [cell(m, c.get(k)) for k in ("value", "previous", "vs_previous", "year_before",
                                                                 "vs_year_before")])  # fmt: skip


def milestones_sheet(ws, board) -> None:
    ws.append(["截止日期", "时间节点", "目标", "当前值", "适用单位数", "达标单位数", "状态", "达成日期"])
    for c in board.checks:
        target = "" if c.target is None else (round(c.target * 100, 2) if c.unit == SHARE else c.target)
        value = "" if c.value is None else (round(c.value * 100, 2) if c.unit == SHARE else c.value)
        ws.append([c.milestone.due_date, safe_cell(c.milestone.title), target, value, c.applicable, c.met_count,
                   c.status_label, c.met_on or ""])  # fmt: skip


def laggards_sheet(ws, board) -> None:
    ws.append(["名称", "时间节点", "状态", "盘点覆盖率（%）", "有效存量专利", "已盘点", "尚需盘点"])
    for lag in board.laggards:
        ws.append([safe_cell(lag.name), safe_cell(lag.milestone.title), lag.status_label, round(lag.coverage * 100, 2),
                   lag.valid_stock, lag.inventoried, lag.missing])  # fmt: skip


TABLES = {
    "rows": ("各单位", rows_sheet),
    "quarterly": ("季度数据", quarterly_sheet),
    "milestones": ("时间节点", milestones_sheet),
    "laggards": ("进度落后", laggards_sheet),
}


def table_response(board, table: str):
    title, write_sheet = TABLES[table]

    def write(handle):
        wb = Workbook()
        ws = wb.active
        ws.title = title
        write_sheet(ws, board)
        wb.save(handle)

    return xlsx_response(write, filename=f"dashboard-{board.scope.key.replace(':', '-')}-{board.quarter}-{table}.xlsx")


def report_response(board):
    """The quarterly report of a province: figures by quarter, institutions, milestones — always these three sheets
    in this order and layout, so that reports of different provinces and quarters line up."""

    def write(handle):
        wb = Workbook()
        ws = wb.active
        ws.title = "季度数据"
        ws.append([f"{board.scope.title} {board.quarter} 存量专利盘活季度报告"])
        quarterly_sheet(ws, board)
        rows_sheet(wb.create_sheet("各单位"), board)
        milestones_sheet(wb.create_sheet("时间节点"), board)
        wb.save(handle)

    return xlsx_response(write, filename=f"quarterly-report-{board.scope.key.replace(':', '-')}-{board.quarter}.xlsx")


__all__ = ["COUNT", "TABLES", "report_response", "table_response"]
