"""Pages of deals: the institution's deal list (filters, Excel), registering a deal, a deal's page (schedule and
payments, CNIPA recording, industrialization, the decision dossier), overdue payments, open licences, promotion
tiers and the idle fiscally funded patents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.pagination import PAGE_SIZES, page_of
from institutions.choices import Role
from patentpool.selectors import patent_get

from . import services
from .choices import DueStatus, OpenLicenceStatus, PromotionTier
from .exports import deal_list_workbook_response, dossier_zip_response, idle_fiscal_workbook_response
from .filtersets import DealFilterSet
from .forms import (
    ApprovalForm,
    CorrectionForm,
    DealForm,
    DocumentForm,
    DossierForm,
    EndForm,
    HandleObjectionForm,
    IndustrializationForm,
    ObjectionForm,
    OpenLicenceForm,
    PaymentForm,
    RecordingForm,
    TierForm,
    WithdrawForm,
)
from .models import DealDocument
from .selectors import (
    deal_can_manage,
    deal_can_record_industrialization,
    deal_get,
    deal_list,
    deal_patents,
    idle_fiscal_counts,
    idle_fiscal_list,
    idle_fiscal_reasons,
    institution_deal_summary,
    open_licence_list,
    open_licence_taken_by,
    overdue_dues,
    promotion_tier_list,
)


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal back on the form, field by field when it names fields."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def deal_list_view(request):
    filterset = DealFilterSet(request.GET, queryset=deal_list(user=request.user))
    qs = filterset.qs.order_by("-contract_date", "-id")
    if request.GET.get("export") == "xlsx":
        return deal_list_workbook_response(qs)
    return render(
        request,
        "transfers/deal_list.html",
        {
            "filterset": filterset,
            "page": page_of(request, qs.prefetch_related("bundle_patents")),
            "page_sizes": PAGE_SIZES,
            "summary": institution_deal_summary(qs=deal_list(user=request.user)),
        },
    )


@login_required
def deal_create_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    if request.user.role not in (Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN) and not request.user.is_superuser:
        raise PermissionDenied
    form = DealForm(request.POST or None, patent=patent)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_register(user=request.user, terms=form.terms())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已登记交易，付款计划已生成"))
            return redirect("deal-detail", pk=deal.pk)
    return render(request, "transfers/deal_form.html", {"patent": patent, "form": form})


# The actions a deal's page posts, each with its form and the service call it makes.
def _do_payment(request, deal, form):
    d = form.cleaned_data
    services.payment_record(user=request.user, due_id=d["due"], paid_on=d["paid_on"], amount_wan=d["amount_wan"],
                            inventor_reward_wan=d["inventor_reward_wan"], note=d["note"])  # fmt: skip
    return _("已记录到账")


def _do_recording(request, deal, form):
    d = form.cleaned_data
    services.deal_record_recording(user=request.user, deal_id=deal.pk, status=d["status"], number=d["number"],
                                   recorded_on=d["recorded_on"])  # fmt: skip
    return _("已保存登记/备案信息")


def _do_industrialization(request, deal, form):
    d = form.cleaned_data
    services.industrialization_record(user=request.user, deal_id=deal.pk, patent_id=d["patent"],
                                      product_name=d["product_name"], started_on=d["started_on"],
                                      sales_band=d["sales_band"], product_filing_number=d["product_filing_number"],
                                      filed_on=d["filed_on"])  # fmt: skip
    return _("已记录产业化")


def _do_dossier(request, deal, form):
    services.deal_dossier_update(user=request.user, deal_id=deal.pk, data=form.cleaned_data)
    return _("已保存决策档案")


def _do_objection(request, deal, form):
    services.objection_record(user=request.user, deal_id=deal.pk, **form.cleaned_data)
    return _("已记录公示异议")


def _do_handle(request, deal, form):
    d = form.cleaned_data
    if not deal.objections.filter(pk=d["objection"]).exists():
        raise ValidationError({"objection": _("异议不属于该交易 / The objection is not of this deal")})
    services.objection_handle(user=request.user, objection_id=d["objection"], handling=d["handling"],
                              handled_on=d["handled_on"])  # fmt: skip
    return _("已记录异议处理情况")


def _do_approval(request, deal, form):
    services.approval_record(user=request.user, deal_id=deal.pk, **form.cleaned_data)
    return _("已记录内部审批")


def _do_document(request, deal, form):
    services.document_add(user=request.user, deal_id=deal.pk, title=form.cleaned_data["title"],
                          upload=form.cleaned_data["file"])  # fmt: skip
    return _("已上传文件")


def _do_close(request, deal, form):
    services.deal_close(user=request.user, deal_id=deal.pk)
    return _("交易已办结归档，决策档案已锁定")


def _do_correction(request, deal, form):
    services.correction_add(user=request.user, deal_id=deal.pk, text=form.cleaned_data["text"])
    return _("已添加更正记录")


def _do_end(request, deal, form):
    services.deal_end(user=request.user, deal_id=deal.pk, ended_on=form.cleaned_data["ended_on"])
    return _("交易已终止")


ACTIONS = {
    "payment": (PaymentForm, _do_payment),
    "recording": (RecordingForm, _do_recording),
    "industrialization": (IndustrializationForm, _do_industrialization),
    "dossier": (DossierForm, _do_dossier),
    "objection": (ObjectionForm, _do_objection),
    "handle": (HandleObjectionForm, _do_handle),
    "approval": (ApprovalForm, _do_approval),
    "document": (DocumentForm, _do_document),
    "close": (None, _do_close),
    "correction": (CorrectionForm, _do_correction),
    "end": (EndForm, _do_end),
}


def _form_kwargs(action: str, patents, dues) -> dict:
    kwargs = {"auto_id": f"{action}_%s"}  # several forms on one page: ids stay unique
    if action == "industrialization":
        kwargs["patents"] = patents
    if action == "payment":
        kwargs["dues"] = dues
    return kwargs


def _blank_forms(deal, patents, dues):
    return {
        "payment": PaymentForm(**_form_kwargs("payment", patents, dues)),
        "recording": RecordingForm(
            initial={"status": "recorded", "number": deal.registration_number, "recorded_on": deal.registered_on},
            auto_id="recording_%s",
        ),
        "industrialization": IndustrializationForm(**_form_kwargs("industrialization", patents, dues)),
        "dossier": DossierForm(
            initial={name: getattr(deal, name) for name in services.DOSSIER_FIELDS}, auto_id="dossier_%s"
        ),
        "objection": ObjectionForm(auto_id="objection_%s"),
        "handle": HandleObjectionForm(auto_id="handle_%s"),
        "approval": ApprovalForm(auto_id="approval_%s"),
        "document": DocumentForm(auto_id="document_%s"),
        "correction": CorrectionForm(auto_id="correction_%s"),
        "end": EndForm(auto_id="end_%s"),
    }


@login_required
def deal_detail_view(request, pk: int):
    deal = deal_get(user=request.user, pk=pk)
    if deal is None:
        raise Http404
    patents = deal_patents(deal)
    today = timezone.localdate()
    schedule = list(deal.schedule.prefetch_related("payments"))
    for due in schedule:
        due.state = due.status_on(today)
    open_dues = [d for d in schedule if d.state != DueStatus.PAID]
    forms = _blank_forms(deal, patents, open_dues)
    failed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        allowed = (
            deal_can_record_industrialization(user=request.user, deal=deal)
            if action == "industrialization"
            else deal_can_manage(user=request.user, deal=deal)
        )
        if not allowed:
            raise PermissionDenied
        form_class, do = ACTIONS[action]
        kwargs = _form_kwargs(action, patents, open_dues)
        form = form_class(request.POST, request.FILES, **kwargs) if form_class else None
        if form is None or form.is_valid():
            try:
                message = do(request, deal, form)
            except ValidationError as exc:
                if form is None:
                    messages.error(request, "；".join(exc.messages))
                    return redirect("deal-detail", pk=deal.pk)
                _add_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("deal-detail", pk=deal.pk)
        forms[action] = form
        failed = action
    return render(
        request,
        "transfers/deal_detail.html",
        {
            "deal": deal,
            "patents": patents,
            "schedule": schedule,
            "forms": forms,
            "failed": failed,
            "can_manage": deal_can_manage(user=request.user, deal=deal),
            "can_industrialize": deal_can_record_industrialization(user=request.user, deal=deal),
            "close_problems": services.close_problems(deal) if not deal.is_closed else [],
            "industrializations": deal.industrializations.select_related("patent"),
            "history": deal.history.select_related("history_user").order_by("-history_date")[:50],
            "overdue": DueStatus.OVERDUE,
        },
    )


@login_required
def deal_dossier_export_view(request, pk: int):
    deal = deal_get(user=request.user, pk=pk)
    if deal is None or request.user.role == Role.ENTERPRISE:  # the dossier is the institution's record
        raise Http404
    return dossier_zip_response(deal)


@login_required
def deal_document_view(request, pk: int):
    doc = DealDocument.objects.filter(pk=pk).select_related("deal").first()
    if doc is None or deal_get(user=request.user, pk=doc.deal_id) is None or request.user.role == Role.ENTERPRISE:
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.file.name.rsplit("/", 1)[-1])


@login_required
def overdue_view(request):
    dues = overdue_dues(user=request.user)
    page = page_of(request, dues)
    return render(request, "transfers/overdue.html", {"page": page, "page_sizes": PAGE_SIZES})


# -- open licences ---------------------------------------------------------------------------------------------------


@login_required
def open_licence_list_view(request):
    qs = open_licence_list(user=request.user)
    status = request.GET.get("status", "")
    if status in OpenLicenceStatus.values:
        qs = qs.filter(status=status)
    page = page_of(request, qs)
    for row in page:
        row.taken = open_licence_taken_by(user=request.user, declaration=row)
    return render(
        request,
        "transfers/open_licence_list.html",
        {"page": page, "page_sizes": PAGE_SIZES, "status": status, "withdraw_form": WithdrawForm()},
    )


@login_required
def open_licence_declare_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    if request.user.role not in (Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN) and not request.user.is_superuser:
        raise PermissionDenied
    form = OpenLicenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.open_licence_declare(user=request.user, patent_id=patent.pk, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已声明开放许可"))
            return redirect("patent-detail", pk=patent.pk)
    return render(request, "transfers/open_licence_form.html", {"patent": patent, "form": form})


@login_required
@require_POST
def open_licence_withdraw_view(request, pk: int):
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤回原因 / Give the reason for withdrawing"))
        return redirect("open-licence-list")
    try:
        row = services.open_licence_withdraw(user=request.user, declaration_id=pk, reason=form.cleaned_data["reason"])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("open-licence-list")
    messages.success(request, _("已撤回开放许可声明；已取得的许可继续有效"))
    return redirect("patent-detail", pk=row.patent_id)


@login_required
@require_POST
def open_licence_take_view(request, pk: int):
    """The enterprise's written notice and the licence in one action, on the declared terms."""
    if request.POST.get("accept") != "1":
        messages.error(request, _("请确认接受声明的许可条件 / Confirm that you accept the declared terms"))
        return redirect("open-licence-list")
    try:
        deal = services.open_licence_take(user=request.user, declaration_id=pk)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("open-licence-list")
    messages.success(request, _("已取得开放许可，许可使用费按声明条件支付"))
    return redirect("deal-detail", pk=deal.pk)


# -- promotion tiers and idle fiscal patents ---------------------------------------------------------------------------


@login_required
def promotion_view(request):
    tier = request.GET.get("tier") or PromotionTier.FINANCING
    if tier not in PromotionTier.values:
        raise Http404
    if request.method == "POST":
        form = TierForm(request.POST)
        if form.is_valid():
            try:
                n = services.promotion_tier_set(user=request.user, patent_ids=form.cleaned_data["patents"],
                                                tier=form.cleaned_data["tier"],
                                                included=form.cleaned_data["included"])  # fmt: skip
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("已调整 %(n)d 件专利的推广层级") % {"n": n})
        else:
            messages.error(request, _("请至少选择一件专利 / Select at least one patent"))
        return redirect(f"{request.path}?tier={tier}")
    page = page_of(request, promotion_tier_list(user=request.user, tier=tier))
    return render(
        request,
        "transfers/promotion.html",
        {
            "tier": tier,
            "tiers": PromotionTier.choices,
            "page": page,
            "page_sizes": PAGE_SIZES,
            "can_edit": request.user.role in (Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN),
        },
    )


@login_required
def idle_fiscal_view(request):
    today = timezone.localdate()
    qs = idle_fiscal_list(user=request.user, today=today)
    institution = request.GET.get("institution", "")
    if institution.isdigit():
        qs = qs.filter(institution_id=int(institution))
    if request.GET.get("export") == "xlsx":
        return idle_fiscal_workbook_response(idle_fiscal_reasons(qs.iterator(chunk_size=2000), today))
    page = page_of(request, qs)
    return render(
        request,
        "transfers/idle_fiscal.html",
        {
            "page": page,
            "rows": idle_fiscal_reasons(page, today),
            "counts": idle_fiscal_counts(user=request.user, today=today),
            "page_sizes": PAGE_SIZES,
        },
    )
