"""Pages of the enterprise registry: public sign-up, the registry list with review, profile edit, Excel import."""

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

from .filtersets import EnterpriseFilterSet
from .forms import EnterpriseImportForm, EnterpriseProfileForm, EnterpriseSignUpForm, initial_from
from .models import Enterprise
from .selectors import enterprise_get, enterprise_list
from .services import (
    REGISTRARS,
    enterprise_can_edit,
    enterprise_import,
    enterprise_register,
    enterprise_review,
    enterprise_update,
)
from .workbook import write_template

EXPORT_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "审核状态",
    "省份",
    "城市",
    "主营行业",
    "主要产品",
    "技术需求",
    "关注技术领域",
]


def enterprise_signup_view(request):
    """Public: an enterprise registers itself and its first user; its provincial bureau approves it."""
    form = EnterpriseSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enterprise_register(cleaned=data, username=data["username"], email=data["email"], password=data["password"])
        return render(request, "enterprises/signup_done.html", {"name": data["name"]})
    return render(request, "enterprises/signup.html", {"form": form})


def _registry_workbook(qs, handle) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    sheet.append(EXPORT_HEADERS)
    for e in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                safe_cell(e.name),
                e.credit_code,
                e.get_status_display(),
                e.province.name,
                safe_cell(e.city),
                e.main_industry.code if e.main_industry_id else "",
                safe_cell(e.products),
                safe_cell(e.technical_needs),
                e.fields_of_interest,
            ]
        )
    workbook.save(handle)


@login_required
def enterprise_list_view(request):
    if request.user.role == Role.ENTERPRISE:
        return redirect("enterprise-profile", pk=request.user.enterprise_id)
    if request.user.role not in REGISTRARS and not request.user.is_superuser:
        raise PermissionDenied
    filterset = EnterpriseFilterSet(request.GET, queryset=enterprise_list(user=request.user))
    qs = filterset.qs.order_by("status", "name", "pk")
    if request.GET.get("export") == "xlsx":
        return xlsx_response(lambda handle: _registry_workbook(qs, handle), filename="enterprises.xlsx")
    return render(
        request,
        "enterprises/enterprise_list.html",
        {"filterset": filterset, "page": page_of(request, qs), "page_sizes": PAGE_SIZES},
    )


@login_required
def enterprise_review_view(request, pk: int):
    if request.method != "POST":
        return redirect("enterprise-registry")
    try:
        enterprise = enterprise_review(
            user=request.user, enterprise_id=pk, approve=request.POST.get("decision") == "approve"
        )
    except Enterprise.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("enterprise-registry")
    messages.success(
        request,
        _("已审核：%(name)s（%(status)s）") % {"name": enterprise.name, "status": enterprise.get_status_display()},
    )
    return redirect("enterprise-registry")


@login_required
def enterprise_profile_view(request, pk: int):
    enterprise = enterprise_get(user=request.user, pk=pk)
    if enterprise is None:
        raise Http404
    can_edit = enterprise_can_edit(user=request.user, enterprise=enterprise)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = EnterpriseProfileForm(request.POST, instance=enterprise)
        if form.is_valid():
            try:
                enterprise_update(user=request.user, enterprise_id=pk, cleaned=form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("企业信息已保存 / Profile saved"))
                return redirect("enterprise-profile", pk=pk)
    else:
        form = EnterpriseProfileForm(initial=initial_from(enterprise), instance=enterprise)
    return render(request, "enterprises/profile.html", {"enterprise": enterprise, "form": form, "can_edit": can_edit})


@login_required
def enterprise_import_view(request):
    if request.user.role not in REGISTRARS and not request.user.is_superuser:
        raise PermissionDenied
    form = EnterpriseImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = enterprise_import(user=request.user, upload=form.cleaned_data["file"])
        if result.ok:
            messages.success(request, _("已登记 %(n)s 家企业") % {"n": result.created})
            return redirect("enterprise-registry")
    return render(request, "enterprises/import.html", {"form": form, "result": result})


@login_required
def enterprise_template_view(request):
    return xlsx_response(write_template, filename="enterprise-registration-template.xlsx")
