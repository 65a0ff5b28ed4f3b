"""Pages of the patent library: the base library (scoped), a patent, its edit form, the resource library."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from evaluations.choices import IntentLevel1, IntentLevel2, ReviewState
from evaluations.services import (
    INVENTOR_EDITABLE_STATES,
    TARGET,
    assessment_set_intent,
    assessment_transition,
    patent_set_org_unit,
    review_steps,
)
from institutions.selectors import org_unit_list

from .exports import national_workbook_response, patent_list_workbook_response
from .filtersets import PatentFilterSet
from .forms import BulkActionForm, PatentCreateForm, PatentEditForm
from .pagination import PAGE_SIZES, page_of
from .selectors import history_with_changes, patent_can_edit, patent_get, patent_list
from .services import DuplicatePatent, patent_create, patent_update


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
    qs = filterset.qs if request.GET.get("ordering") else filterset.qs.order_by("-grant_date", "id")
    if request.GET.get("export") == "xlsx":
        return patent_list_workbook_response(qs, filename="patents.xlsx")
    if request.GET.get("export") == "national":
        return national_workbook_response(qs)
    page = page_of(request, qs)
    return render(
        request,
        "patentpool/patent_list.html",
        {
            "filterset": filterset,
            "page": page,
            "org_units": _college_choices(request),
            "page_sizes": PAGE_SIZES,
            "national_export": True,
            "bulk_actions": _bulk_actions(request.user),
            "intent_level1": IntentLevel1.choices,
            "intent_level2": [c for c in IntentLevel2.choices if c[0] != IntentLevel2.CUSTOM],
            "sort_base": urlencode({k: v for k, v in request.GET.items() if k not in ("ordering", "page")}) + "&",
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
        "patentpool/patent_detail.html",
        {
            "patent": patent,
            "assessment": assessment,
            "can_edit": patent_can_edit(user=request.user, patent=patent),
            "review_actions": actions,
            "review_events": assessment.review_events.select_related("actor")[:50] if assessment else [],
            "history": history,
            "assessment_history": assessment_history,
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
    return render(request, "patentpool/patent_create.html", {"form": form, "duplicate": duplicate})


def _bulk_actions(user) -> list[tuple[str, str]]:
    """The bulk actions a role may take (the services check each patent again)."""
    role = "national_admin" if user.is_superuser else user.role
    steps = set(review_steps(user))
    allowed = [(value, label) for value, label in BulkActionForm.ACTIONS if value in steps]
    if role in ("college_admin", "institution_admin", "national_admin"):
        allowed.append(("set_intent", BulkActionForm.ACTIONS[4][1]))
    if role in ("institution_admin", "national_admin"):
        allowed.append(("set_college", BulkActionForm.ACTIONS[5][1]))
    return allowed


def _run_bulk(request, ids: list[int], data: dict) -> None:
    """Run one action through its service and say how it went; a refusal changes nothing and lists every reason."""
    action = data["action"]
    try:
        if action in TARGET:
            done = assessment_transition(
                user=request.user, patent_ids=ids, action=action, comment=data.get("comment", "")
            )
        elif action == "set_intent":
            done = assessment_set_intent(
                user=request.user, patent_ids=ids, level1=data.get("level1", ""), level2=data.get("level2", "")
            )
        else:
            done = patent_set_org_unit(user=request.user, patent_ids=ids, org_unit_id=data.get("org_unit") or 0)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权执行该操作"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已处理 %(n)s 件专利") % {"n": done})


@login_required
def patent_bulk_view(request):
    """A bulk action on the selected patents; all of them take it, or none does and every reason is shown."""
    back = request.POST.get("next") or "/patents/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/patents/"  # never off-site: "//evil.example/" starts with a slash too
    form = BulkActionForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        messages.error(request, _("请选择专利和操作"))
        return redirect(back)
    _run_bulk(request, form.cleaned_data["ids"], form.cleaned_data)
    return redirect(back)


@login_required
def patent_review_view(request, pk: int):
    """One review step on one patent, from its page."""
    if request.method != "POST":
        raise Http404
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    data = {"action": request.POST.get("action", ""), "comment": request.POST.get("comment", "")}
    if data["action"] not in TARGET:
        raise Http404
    _run_bulk(request, [patent.pk], data)
    return redirect("patent-detail", pk=patent.pk)


@login_required
def todo_view(request):
    """What is waiting for me: an inventor's drafts and returned records, a college admin's submissions to review,
    an institution admin's records to approve."""
    states = {
        "inventor": list(INVENTOR_EDITABLE_STATES),
        "college_admin": [ReviewState.SUBMITTED],
        "institution_admin": [ReviewState.COLLEGE_APPROVED],
    }.get(request.user.role)
    if states is None:
        raise Http404
    qs = patent_list(user=request.user)
    waiting = qs.filter(assessment__review_state__in=states)
    if request.user.role == "inventor":
        waiting = qs.filter(Q(assessment__isnull=True) | Q(assessment__review_state__in=states))
    waiting = waiting.order_by("assessment__review_state", "-grant_date", "id")
    return render(request, "patentpool/todo.html", {"page": page_of(request, waiting), "states": states})
