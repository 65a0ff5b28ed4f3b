"""Pages of the conversion resource library (专利转化资源库)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .exports import patent_list_workbook_response
from .library import (
    EXACT_COUNT_BELOW,
    LIST_ORDER,
    ResourceFilterSet,
    entry_is_fiscal_idle,
    facet_groups,
    idle_fiscal_patents,
    library_facets,
    library_page_queryset,
    maturity_stage_label,
)
from .pagination import PAGE_SIZES, page_of
from .selectors import resource_get, resource_library_list


@login_required
def resource_list_view(request):
    filterset = ResourceFilterSet(request.GET, queryset=resource_library_list(user=request.user))
    qs = filterset.qs.order_by(*LIST_ORDER)
    if request.GET.get("export") == "xlsx":
        return patent_list_workbook_response(qs, filename="resource-library.xlsx")
    today = timezone.localdate()
    facets = library_facets(filterset)  # cached for a few minutes under the normalized filter
    # A large result takes its total from the facets instead of a COUNT(*) over hundreds of thousands of rows.
    count = facets["total"] if facets["total"] >= EXACT_COUNT_BELOW else None
    page = page_of(request, library_page_queryset(qs), count=count)
    for patent in page:  # the page is a list from here on; nothing below queries
        patent.fiscal_idle = entry_is_fiscal_idle(patent, today)
        patent.maturity_stage = maturity_stage_label(patent.assessment.maturity)
    return render(
        request,
        "patentpool/resource_list.html",
        {
            "filterset": filterset,
            "page": page,
            "facets": facets,
            "facet_groups": facet_groups(facets, request.GET),
            "page_sizes": PAGE_SIZES,
        },
    )


@login_required
def resource_detail_view(request, pk: int):
    patent = resource_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    assessment = patent.assessment
    return render(
        request,
        "patentpool/resource_detail.html",
        {
            "patent": patent,
            "maturity_stage": maturity_stage_label(assessment.maturity),
            "intents": list(assessment.intents.all()),
            "states": list(assessment.implementation_states.all()),
            "fiscal_idle": idle_fiscal_patents(resource_library_list(user=request.user).filter(pk=pk)).exists(),
        },
    )
