"""Pages of the market side: rating a library patent, the ratings and the institution's answers, the expert library,
commissions, and the provinces' bulk return of ratings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from openpyxl import Workbook

from common.pagination import PAGE_SIZES, page_of
from common.xlsx import safe_cell, xlsx_response
from institutions.choices import Role
from library.selectors import resource_get
from patentpool.selectors import patent_get

from .choices import FINAL_IMPORT_STATES, CommissionState
from .forms import AnswerForm, EvaluationForm, ExpertRecommendForm, ReturnUploadForm
from .models import MarketEvaluation
from .selectors import (
    commission_list,
    evaluation_import_list,
    evaluation_list,
    expert_list,
    market_coverage,
    suggested_experts,
)
from .services import (
    ANSWER_ROLES,
    commission_create,
    commission_respond,
    commission_submit,
    evaluation_answer,
    evaluation_import_start,
    evaluation_submit,
    expert_approve,
    expert_recommend,
)
from .workbook import return_workbook_response

FORM_FIELDS = (
    "prospect_stars", "improvement_needs", "improvement_text", "cooperation", "low_reasons", "low_reason_text",
    "price_band", "contact_name", "contact_phone", "opinion",
)  # fmt: skip


def _initial(evaluation) -> dict:
    return {name: getattr(evaluation, name) for name in FORM_FIELDS} if evaluation else {}


@login_required
def evaluate_view(request, pk: int):
    """An enterprise rates a library patent (or edits its rating until the institution has answered)."""
    if request.user.role != Role.ENTERPRISE or not request.user.enterprise_id:
        raise PermissionDenied
    patent = resource_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    existing = MarketEvaluation.objects.filter(patent=patent, enterprise_id=request.user.enterprise_id).first()
    locked = existing is not None and bool(existing.answer)
    form = EvaluationForm(request.POST or None, initial=_initial(existing))
    if request.method == "POST":
        if locked:
            raise PermissionDenied
        if form.is_valid():
            try:
                evaluation_submit(user=request.user, patent_id=patent.pk, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("评价已提交"))
                return redirect("market-evaluations")
    return render(
        request, "market/evaluate.html", {"patent": patent, "form": form, "existing": existing, "locked": locked}
    )


def _evaluation_rows(qs):
    for e in qs.iterator(chunk_size=2000):
        yield [
            e.patent.application_number, safe_cell(e.patent.title), e.patent.institution.name,
            e.enterprise.name if e.enterprise_id else f"{e.commission.expert.name}（专家）",
            e.prospect_stars, e.get_cooperation_display(), "、".join(e.improvement_need_labels), safe_cell(e.improvement_text),
            "、".join(e.low_reason_labels), e.get_price_band_display(), e.get_answer_display(), e.updated_at.date(),
        ]  # fmt: skip


def _evaluations_workbook(qs, handle) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("市场评价")
    ws.append(["申请号", "专利名称", "单位", "评价方", "产业化前景（星）", "合作意愿", "改进需求", "改进说明",
               "低评原因", "可接受价格", "单位答复", "评价日期"])  # fmt: skip
    for row in _evaluation_rows(qs):
        ws.append(row)
    wb.save(handle)


@login_required
def evaluation_list_view(request):
    """Every rating the user may see: an enterprise its own (with the answers), an institution those of its
    patents (with the answer form), a bureau or ministry those of its patents; filters and Excel export."""
    qs = evaluation_list(user=request.user)
    answered = request.GET.get("answered", "")
    if answered in ("yes", "no"):
        qs = qs.exclude(answer="") if answered == "yes" else qs.filter(answer="")
    stars = request.GET.get("stars", "")
    if stars in {"1", "2", "3", "4", "5"}:
        qs = qs.filter(prospect_stars=int(stars))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(lambda handle: _evaluations_workbook(qs, handle), filename="market-evaluations.xlsx")
    can_answer = request.user.role in ANSWER_ROLES or request.user.is_superuser
    return render(
        request,
        "market/evaluation_list.html",
        {
            "page": page_of(request, qs),
            "page_sizes": PAGE_SIZES,
            "can_answer": can_answer,
            "answer_form": AnswerForm(),
            "coverage": market_coverage(user=request.user) if request.user.role != Role.ENTERPRISE else [],
        },
    )


@login_required
def evaluation_answer_view(request, pk: int):
    if request.method != "POST":
        raise Http404
    if not evaluation_list(user=request.user).filter(pk=pk).exists():
        raise Http404
    form = AnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("market-evaluations")
    try:
        evaluation_answer(
            user=request.user, evaluation_id=pk, answer=form.cleaned_data["answer"],
            text=form.cleaned_data["answer_text"],
        )  # fmt: skip
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已答复"))
    return redirect("market-evaluations")


@login_required
def expert_list_view(request):
    form = ExpertRecommendForm(request.POST or None)
    can_recommend = request.user.role in (Role.ENTERPRISE, Role.PROVINCIAL_BUREAU)
    if request.method == "POST":
        if not can_recommend:
            raise PermissionDenied
        if form.is_valid():
            try:
                expert_recommend(user=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("已推荐，待省局或国家局审核入库"))
                return redirect("market-experts")
    can_approve = request.user.role in (Role.PROVINCIAL_BUREAU, Role.NATIONAL_ADMIN) or request.user.is_superuser
    return render(
        request,
        "market/expert_list.html",
        {
            "page": page_of(request, expert_list(user=request.user)),
            "page_sizes": PAGE_SIZES,
            "form": form,
            "can_recommend": can_recommend,
            "can_approve": can_approve,
        },
    )


@login_required
def expert_approve_view(request, pk: int):
    if request.method != "POST":
        raise Http404
    if not expert_list(user=request.user).filter(pk=pk).exists():
        raise Http404
    try:
        expert_approve(user=request.user, expert_id=pk, approve=request.POST.get("approve") != "0")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已处理"))
    return redirect("market-experts")


@login_required
def commission_list_view(request):
    return render(
        request,
        "market/commission_list.html",
        {"page": page_of(request, commission_list(user=request.user)), "page_sizes": PAGE_SIZES},
    )


@login_required
def commission_create_view(request, pk: int):
    """Commission an expert to rate a patent: an enterprise on a library patent, an institution on its own."""
    if request.user.role == Role.ENTERPRISE:
        patent = resource_get(user=request.user, pk=pk)
    elif request.user.role == Role.INSTITUTION_ADMIN:
        patent = patent_get(user=request.user, pk=pk)
    else:
        raise PermissionDenied
    if patent is None:
        raise Http404
    if request.method == "POST":
        expert_id = request.POST.get("expert", "")
        try:
            commission_create(
                user=request.user, expert_id=int(expert_id) if expert_id.isdigit() else 0, patent_ids=[patent.pk],
                note=request.POST.get("note", ""),
            )  # fmt: skip
        except (PermissionDenied, ValidationError) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(request, _("已委托，待专家接受"))
            return redirect("market-commissions")
    return render(
        request,
        "market/commission_new.html",
        {
            "patent": patent,
            "suggestions": suggested_experts(patent=patent),
            "experts": expert_list(user=request.user)[:200],
        },
    )


@login_required
def commission_respond_view(request, pk: int):
    if request.method != "POST":
        raise Http404
    if not commission_list(user=request.user).filter(pk=pk).exists():
        raise Http404
    try:
        commission_respond(user=request.user, commission_id=pk, accept=request.POST.get("accept") == "1")
    except (PermissionDenied, ValidationError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    return redirect("market-commissions")


@login_required
def commission_evaluate_view(request, pk: int):
    commission = commission_list(user=request.user).filter(pk=pk).first()
    if commission is None:
        raise Http404
    if commission.expert.user_id != request.user.pk:
        raise PermissionDenied
    if commission.state not in (CommissionState.ACCEPTED, CommissionState.SUBMITTED):
        raise PermissionDenied
    existing = getattr(commission, "evaluation", None)
    form = EvaluationForm(request.POST or None, initial=_initial(existing), expert=True)
    if request.method == "POST" and form.is_valid():
        try:
            commission_submit(user=request.user, commission_id=pk, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("评价已提交"))
            return redirect("market-commissions")
    return render(
        request, "market/evaluate.html", {"patent": commission.patent, "form": form, "existing": existing,
                                          "locked": bool(existing and existing.answer), "commission": commission},
    )  # fmt: skip


@login_required
def returns_view(request):
    """A provincial bureau's bulk return of enterprise ratings: template, upload, jobs."""
    if request.user.role != Role.PROVINCIAL_BUREAU and not request.user.is_superuser:
        raise PermissionDenied
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = evaluation_import_start(user=request.user, upload=form.cleaned_data["file"])
        except (PermissionDenied, ValidationError) as exc:
            form.add_error("file", getattr(exc, "messages", [str(exc)]))
        else:
            return redirect("market-return-detail", pk=job.pk)
    return render(
        request, "market/returns.html", {"form": form, "jobs": evaluation_import_list(user=request.user)[:20]}
    )


@login_required
def returns_template_view(request):
    """The return workbook of the bureau's province: its institutions' library patents, ready to rate."""
    if request.user.role != Role.PROVINCIAL_BUREAU:
        raise PermissionDenied
    return return_workbook_response(province_id=request.user.province_id)


@login_required
def return_detail_view(request, pk: int):
    job = evaluation_import_list(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    errors = Paginator(job.errors, 200).get_page(request.GET.get("page"))
    return render(
        request, "market/return_detail.html", {"job": job, "final": job.state in FINAL_IMPORT_STATES, "errors": errors}
    )
