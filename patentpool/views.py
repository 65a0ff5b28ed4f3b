"""Pages of the patent library: the base library (scoped), a patent, its edit form, the resource library."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from institutions.selectors import org_unit_list

from .exports import national_workbook_response, patent_list_workbook_response
from .filtersets import PatentFilterSet
from .forms import PatentEditForm
from .selectors import patent_can_edit, patent_get, patent_list
from .services import patent_update

PAGE_SIZES = (25, 50, 100, 200)


def _page(request, qs):
    try:
        size = int(request.GET.get("page_size", 50))
    except ValueError:
        size = 50
    size = size if size in PAGE_SIZES else 50
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
def patent_list_view(request):
    filterset = PatentFilterSet(request.GET, queryset=patent_list(user=request.user))
    qs = filterset.qs.order_by("-grant_date", "id")
    if request.GET.get("export") == "xlsx":
        return patent_list_workbook_response(qs, filename="patents.xlsx")
    if request.GET.get("export") == "national":
        return national_workbook_response(qs)
    page = _page(request, qs)
    return render(
        request,
        "patentpool/patent_list.html",
        {
            "filterset": filterset,
            "page": page,
            "org_units": org_unit_list(user=request.user),
            "page_sizes": PAGE_SIZES,
            "national_export": True,
        },
    )


@login_required
def patent_detail_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    history = patent.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "patentpool/patent_detail.html",
        {
            "patent": patent,
            "can_edit": patent_can_edit(user=request.user, patent=patent),
            "history": history,
            "deals": patent.deals.all(),
        },
    )


@login_required
def patent_edit_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    if not patent_can_edit(user=request.user, patent=patent):
        raise PermissionDenied
    form = PatentEditForm(request.POST or None, instance=patent, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            patent_update(user=request.user, patent_id=patent.pk, data=form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("patent-detail", pk=patent.pk)
    return render(request, "patentpool/patent_form.html", {"patent": patent, "form": form})
