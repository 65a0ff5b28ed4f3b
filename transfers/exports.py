"""Downloads: the deal list as Excel, the idle fiscal patents as Excel, and a deal's decision dossier as one zip
(a summary workbook and every document) for auditors."""

from __future__ import annotations

import io
import tempfile
import zipfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from common.xlsx import safe_cell, xlsx_response

from .models import Deal

DEAL_HEADERS = [
    "申请号", "专利名称", "组合专利", "单位", "转化方式", "受让方/被许可方", "合同金额（万元）", "合同签订日", "许可期限起",
    "许可期限止", "支付方式", "已到账（万元）", "登记/备案类型", "登记/备案状态", "登记/备案号", "登记/备案日", "状态",
    "办结归档",
]  # fmt: skip


def _deal_row(d: Deal) -> list:
    return [
        d.patent.application_number,
        safe_cell(d.patent.title),
        "，".join(p.application_number for p in d.bundle_patents.all()),
        d.institution.name,
        str(d.get_kind_display()),
        safe_cell(d.counterparty),
        d.amount_wan,
        d.contract_date,
        d.term_start,
        d.term_end,
        str(d.get_payment_method_display()),
        sum((due.paid_wan for due in d.schedule.all()), start=0),
        "转让登记" if d.recording_kind == "transfer_registration" else "许可合同备案",
        str(d.get_recording_status_display()),
        safe_cell(d.registration_number),
        d.registered_on,
        str(d.get_status_display()),
        "是" if d.is_closed else "否",
    ]


def deal_list_workbook_response(qs, *, filename: str = "deals.xlsx"):
    def write(handle):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("转化交易")
        ws.append(DEAL_HEADERS)
        for deal in qs.prefetch_related("bundle_patents", "schedule").iterator(chunk_size=500):
            ws.append(_deal_row(deal))
        wb.save(handle)

    return xlsx_response(write, filename=filename)


def idle_fiscal_workbook_response(rows, *, filename: str = "idle-fiscal-patents.xlsx"):
    def write(handle):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("财政资助满五年未实施")
        ws.append(["省份", "单位", "申请号", "专利名称", "授权日", "资助项目", "入选理由"])
        for row in rows:
            p = row.patent
            ws.append([
                p.institution.province.name, p.institution.name, p.application_number, safe_cell(p.title),
                p.grant_date, safe_cell(p.funding_project), "；".join(row.reasons),
            ])  # fmt: skip
        wb.save(handle)

    return xlsx_response(write, filename=filename)


def dossier_workbook(deal: Deal) -> bytes:
    """The summary sheet set of a deal's dossier: the deal, its patents, notice and objections, approvals,
    documents (with SHA-256), corrections, payments and the change history."""
    wb = Workbook()
    ws = wb.active
    ws.title = "交易概要"
    facts = [
        ("交易编号", deal.pk),
        ("单位", deal.institution.name),
        ("转化方式", str(deal.get_kind_display())),
        ("受让方/被许可方", deal.counterparty),
        ("企业统一社会信用代码", deal.enterprise.credit_code if deal.enterprise_id else ""),
        ("合同金额（万元）", deal.amount_wan),
        ("合同签订日", deal.contract_date),
        ("许可期限", f"{deal.term_start or ''} – {deal.term_end or ''}"),
        ("许可地域", deal.territory),
        ("许可领域", deal.field_of_use),
        ("允许分许可", "是" if deal.sublicensing_allowed else "否"),
        ("支付方式", str(deal.get_payment_method_display())),
        ("入门费（万元）", deal.entry_fee_wan),
        ("提成", f"{deal.royalty_base} × {deal.royalty_rate}%" if deal.royalty_rate else ""),
        ("定价方式", str(deal.get_pricing_method_display())),
        ("评估/估值报告", deal.valuation_reference),
        ("改革试点方式", str(deal.get_reform_variant_display())),
        ("发明人奖励比例（%）", deal.inventor_reward_share),
        ("公示", f"{deal.notice_start or ''} 起 {deal.notice_days or ''} 天"),
        ("登记/备案", f"{deal.get_recording_status_display()} {deal.registration_number} {deal.registered_on or ''}"),
        ("办结归档时间", timezone.localtime(deal.closed_at).strftime("%Y-%m-%d %H:%M") if deal.closed_at else "未办结"),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for label, value in facts:
        ws.append([label, safe_cell(value) if isinstance(value, str) else value])

    def sheet(title, headers, rows):
        s = wb.create_sheet(title)
        s.append(headers)
        for row in rows:
            s.append([safe_cell(v) if isinstance(v, str) else v for v in row])

    sheet("专利", ["申请号", "专利名称", "专利类型"],
          [(p.application_number, p.title, str(p.get_patent_type_display()))
           for p in [deal.patent, *deal.bundle_patents.all()]])  # fmt: skip
    sheet("公示异议", ["收到日期", "异议人", "异议内容", "处理情况", "处理日期"],
          [(o.received_on, o.objector, o.content, o.handling, o.handled_on) for o in deal.objections.all()])  # fmt: skip
    sheet("内部审批", ["审批人/机构", "会议", "决定日期", "决定", "备注"],
          [(a.body, a.meeting, a.decided_on, str(a.get_decision_display()), a.note) for a in deal.approvals.all()])  # fmt: skip
    sheet("文件", ["文件名称", "文件", "SHA-256", "上传人", "上传时间"],
          [(d.title, d.file.name.rsplit("/", 1)[-1], d.sha256, str(d.uploaded_by or ""),
            timezone.localtime(d.uploaded_at).strftime("%Y-%m-%d %H:%M")) for d in deal.documents.all()])  # fmt: skip
    sheet("更正记录", ["时间", "更正人", "内容"],
          [(timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"), str(c.author or ""), c.text)
           for c in deal.corrections.all()])  # fmt: skip
    sheet("付款计划与到账", ["款项", "说明", "应付日", "应付（万元）", "到账日", "到账（万元）", "发明人奖励（万元）"],
          [(str(due.get_kind_display()), due.description, due.due_date, due.amount_wan,
            pay.paid_on if pay else None, pay.amount_wan if pay else None, pay.inventor_reward_wan if pay else None)
           for due in deal.schedule.all() for pay in (list(due.payments.all()) or [None])])  # fmt: skip
    sheet("变更记录", ["时间", "操作人", "类型", "原因"],
          [(timezone.localtime(h.history_date).strftime("%Y-%m-%d %H:%M:%S"), str(h.history_user or ""),
            h.get_history_type_display(), h.history_change_reason or "") for h in deal.history.order_by("history_date")])  # fmt: skip
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def dossier_zip_response(deal: Deal) -> FileResponse:
    """One zip for auditors: 决策档案.xlsx and documents/<n>-<file>."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("决策档案.xlsx", dossier_workbook(deal))
        for n, doc in enumerate(deal.documents.all(), start=1):
            with doc.file.open("rb") as f:
                archive.writestr(f"documents/{n:02d}-{doc.file.name.rsplit('/', 1)[-1]}", f.read())
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"deal-{deal.pk}-dossier.zip", content_type="application/zip"
    )
