"""Pages of the two libraries as users browse them: the base library's list, a patent's page, adding and editing
a patent, and the conversion resource library (专利转化资源库)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from common.pagination import PAGE_SIZES, page_of
from evaluations.choices import IntentLevel1, IntentLevel2, ReviewState
from evaluations.forms import bulk_action_choices
from evaluations.services import patent_facts_update, review_steps
from institutions.selectors import org_unit_list
from inventory.export import national_workbook_response
from patentpool.forms import PatentCreateForm, PatentEditForm
from patentpool.selectors import (
    history_with_changes,
    patent_can_assess,
    patent_can_edit_facts,
    patent_get,
    patent_list,
)
from patentpool.services import DuplicatePatent, patent_create

from .exports import patent_list_workbook_response
from .facets import EXACT_COUNT_BELOW, facet_groups, library_facets
from .filtersets import PatentFilterSet, ResourceFilterSet
from .rules import entry_is_fiscal_idle, idle_fiscal_patents, library_page_queryset, maturity_stage_label
from .selectors import resource_get, resource_library_list


def _college_choices(request):
    """Colleges for the filter: the user's institution's, or the chosen institution's — never all ~15,000 at once."""
    if request.user.institution_id:
        return org_unit_list(user=request.user)
    institution = request.GET.get("institution", "")
    if institution.isdigit():
        return org_unit_list(user=request.user).filter(institution_id=int(institution))
    return org_unit_list(user=request.user).none()


@login_required
def patent_list_view(request):
    filterset = PatentFilterSet(request.GET, queryset=patent_list(user=request.user))
    qs = filterset.ordered_qs()
    if request.GET.get("export") == "xlsx":
        return patent_list_workbook_response(qs, filename="patents.xlsx")
    if request.GET.get("export") == "national":
        return national_workbook_response(qs)
    page = page_of(request, qs)
    return render(
        request,
        "library/patent_list.html",
        {
            "filterset": filterset,
            "page": page,
            "org_units": _college_choices(request),
            "page_sizes": PAGE_SIZES,
            "national_export": True,
            "bulk_actions": bulk_action_choices(request.user),
            "intent_level1": IntentLevel1.choices,
            "intent_level2": [c for c in IntentLevel2.choices if c[0] != IntentLevel2.CUSTOM],
            "sort_base": urlencode({k: v for k, v in request.GET.items() if k not in ("ordering", "page")}) + "&",
            "link_filters": filterset.link_filters(user=request.user),
            "clear_link_filters": urlencode(
                [(k, v) for k, v in request.GET.items() if k not in filterset.LINK_FILTERS]
            ),
        },
    )


@login_required
def patent_detail_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    history = history_with_changes(patent.history.all())
    assessment = getattr(patent, "assessment", None)  # joined by patent_get
    actions = review_steps(request.user, assessment.review_state if assessment else ReviewState.DRAFT)
    assessment_history = history_with_changes(assessment.history.all()) if assessment else []
    return render(
        request,
        "library/patent_detail.html",
        {
            "patent": patent,
            "assessment": assessment,
            "can_edit_facts": patent_can_edit_facts(user=request.user, patent=patent),
            "can_assess": patent_can_assess(user=request.user, patent=patent),
            "review_actions": actions,
            "review_events": assessment.review_events.select_related("actor")[:50] if assessment else [],
            "history": history,
            "assessment_history": assessment_history,
            "deals": patent.deals.all(),
        },
    )


@login_required
def resource_list_view(request):
    filterset = ResourceFilterSet(request.GET, queryset=resource_library_list(user=request.user))
    qs = filterset.ordered_qs()
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
        "library/resource_list.html",
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
        "library/resource_detail.html",
        {
            "patent": patent,
            "maturity_stage": maturity_stage_label(assessment.maturity),
            "intents": list(assessment.intents.all()),
            "states": list(assessment.implementation_states.all()),
            "fiscal_idle": idle_fiscal_patents(resource_library_list(user=request.user).filter(pk=pk)).exists(),
        },
    )


@login_required
def patent_edit_view(request, pk: int):
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    if not patent_can_edit_facts(user=request.user, patent=patent):
        raise PermissionDenied(_("基础库信息由单位或学院管理员维护，发明人只填写自评"))
    form = PatentEditForm(request.POST or None, instance=patent, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            patent_facts_update(user=request.user, patent_id=patent.pk, data=form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("patent-detail", pk=patent.pk)
    return render(request, "library/patent_form.html", {"patent": patent, "form": form})


@login_required
def patent_create_view(request):
    """Add a patent by hand; a duplicate application number is refused with a link to the existing record."""
    if request.user.role not in ("institution_admin", "college_admin"):
        raise PermissionDenied
    form = PatentCreateForm(request.POST or None, user=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            patent = patent_create(user=request.user, data=form.cleaned_data)
        except DuplicatePatent as exc:
            form.add_error("application_number", exc.messages)
            duplicate = exc.existing if patent_get(user=request.user, pk=exc.existing.pk) else None
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已添加专利 %(number)s") % {"number": patent.application_number})
            return redirect("patent-detail", pk=patent.pk)
    return render(request, "library/patent_create.html", {"form": form, "duplicate": duplicate})
