"""Chart data of a dashboard, handed to static/js/dashboard_charts.js through json_script (no inline script)."""

from __future__ import annotations

from .metrics import REGISTRY

SERIES_FIGURES = ("transfer_registrations", "licence_recordings", "deals_signed")


def board_charts(board) -> dict:
    charts = {}
    if board.series:
        charts["series"] = {
            "title": "季度转化数据 / Quarterly conversion figures",
            "quarters": [str(q) for q, _f in board.series],
            "lines": [
                {"name": str(REGISTRY[code].label), "data": [(f or {}).get(code) for _q, f in board.series]}
                for code in SERIES_FIGURES
            ],
        }
    ranked = sorted(
        (r for r in board.rows if r.figures.get("coverage") is not None),
        key=lambda r: r.figures["coverage"],
        reverse=True,
    )[:40]
    if ranked:
        charts["coverage"] = {
            "title": f"盘点覆盖率（按{board.row_label}） / Inventory coverage",
            "names": [r.name for r in ranked],
            "values": [round(r.figures["coverage"] * 100, 1) for r in ranked],
            "library": [r.figures.get("in_library") or 0 for r in ranked],
        }
    return charts
