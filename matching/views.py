"""Pages of matching: the enterprise's inbox and a pushed patent, and the push lists of institutions, bureaus and
the national admin (where patents were pushed and what came back)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from openpyxl import Workbook

from common.pagination import PAGE_SIZES, page_of
from common.xlsx import safe_cell, xlsx_response
from institutions.choices import Role

from .choices import DeclineReason, PushStatus
from .filtersets import PushFilterSet
from .forms import PushResponseForm
from .models import Push
from .selectors import inbox, push_get, push_list, push_summary
from .services import push_mark_viewed, push_respond

EXPORT_HEADERS = [
    "申请号",
    "专利名称",
    "单位",
    "企业",
    "企业所在省",
    "匹配分",
    "推送理由",
    "状态",
    "不感兴趣的原因",
    "反馈意见",
    "推送时间",
]


def _workbook(qs, handle) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("推送")
    sheet.append(EXPORT_HEADERS)
    for p in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                p.patent.application_number,
                safe_cell(p.patent.title),
                p.patent.institution.name,
                p.enterprise.name,
                p.enterprise.province.name,
                p.score,
                p.reason,
                p.get_status_display(),
                p.get_decline_reason_display(),
                safe_cell(p.feedback),
                p.created_at.replace(tzinfo=None),
            ]
        )
    workbook.save(handle)


@login_required
def inbox_view(request):
    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied
    filterset = PushFilterSet(request.GET, queryset=inbox(user=request.user))
    qs = filterset.qs
    if request.GET.get("export") == "xlsx":
        return xlsx_response(lambda handle: _workbook(qs, handle), filename="inbox.xlsx")
    return render(
        request,
        "matching/inbox.html",
        {
            "filterset": filterset,
            "page": page_of(request, qs),
            "page_sizes": PAGE_SIZES,
            "summary": push_summary(inbox(user=request.user)),
            "statuses": PushStatus.choices,
            "decline_reasons": DeclineReason.choices,
        },
    )


@login_required
def push_detail_view(request, pk: int):
    push = push_get(user=request.user, pk=pk)
    if push is None:
        raise Http404
    if request.user.role == Role.ENTERPRISE:
        push = push_mark_viewed(user=request.user, push_id=pk)
        push = push_get(user=request.user, pk=pk)
    form = PushResponseForm()
    return render(
        request,
        "matching/push_detail.html",
        {"push": push, "form": form, "can_respond": request.user.role == Role.ENTERPRISE},
    )


@login_required
def push_respond_view(request, pk: int):
    if request.method != "POST":
        return redirect("inbox-push", pk=pk)
    form = PushResponseForm(request.POST)
    if not form.is_valid():
        if push_get(user=request.user, pk=pk) is None:
            raise Http404
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(request.POST.get("next") or "inbox")
    data = form.cleaned_data
    try:
        push = push_respond(
            user=request.user,
            push_id=pk,
            interested=data["decision"] == "interested",
            decline_reason=data.get("decline_reason", ""),
            feedback=data.get("feedback", ""),
        )
    except Push.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inbox")
    messages.success(
        request,
        _("已反馈：%(title)s（%(status)s）") % {"title": push.patent.title, "status": push.get_status_display()},
    )
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/inbox") else "inbox")


@login_required
def push_list_view(request):
    """Institutions: where their patents were pushed and what came back; bureaus: pushes in the province."""
    if request.user.role == Role.ENTERPRISE:
        return redirect("inbox")
    if request.user.role == Role.EXPERT:
        raise PermissionDenied
    filterset = PushFilterSet(request.GET, queryset=push_list(user=request.user))
    qs = filterset.qs.order_by("-created_at", "-pk")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(lambda handle: _workbook(qs, handle), filename="pushes.xlsx")
    summary = push_summary(filterset.qs)
    return render(
        request,
        "matching/push_list.html",
        {
            "filterset": filterset,
            "page": page_of(request, qs),
            "page_sizes": PAGE_SIZES,
            "summary": summary,
            "status_rows": [(label, summary["by_status"].get(value, 0)) for value, label in PushStatus.choices],
            "reason_rows": [
                (label, summary["decline_reasons"].get(value, 0)) for value, label in DeclineReason.choices
            ],
        },
    )
