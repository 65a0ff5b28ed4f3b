"""Pages of the conversion resource library."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .exports import patent_list_workbook_response
from .library import ResourceFilterSet
from .selectors import resource_get, resource_library_list
from .views import _page


@login_required
def resource_list_view(request):
    filterset = ResourceFilterSet(request.GET, queryset=resource_library_list(user=request.user))
    qs = filterset.qs.order_by("-assessment__value_stars", "-grant_date", "id")
    if request.GET.get("export") == "xlsx":
        return patent_list_workbook_response(qs, filename="resource-library.xlsx")
    return render(request, "patentpool/resource_list.html", {"filterset": filterset, "page": _page(request, qs)})


@login_required
def resource_detail_view(request, pk: int):
    patent = resource_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    return render(request, "patentpool/resource_detail.html", {"patent": patent})
