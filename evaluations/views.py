"""Pages of self-assessment and its review: the assessment form, one review step, bulk actions, the to-do list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from common.pagination import page_of
from evaluations.record import record_from_patent
from institutions.choices import Role
from patentpool.selectors import patent_can_assess, patent_get, patent_list

from .choices import ReviewState
from .exports import todo_workbook_response
from .forms import AssessmentForm, BulkActionForm, bulk_action_choices, client_options
from .models import ReviewEvent
from .services import (
    INVENTOR_EDITABLE_STATES,
    TARGET,
    assessment_save,
    assessment_set_intent,
    assessment_transition,
    patent_set_org_unit,
    review_steps,
)
from .suggest import form_suggestion

Action = ReviewEvent.Action


def _back(request, default: str) -> str:
    """Where to return after a POST: the page it came from (``next``) when it is a page of this site."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


def _locked_for(user, state: str) -> bool:
    # assessment_save enforces it; the page says so before anyone types, and refuses the POST outright.
    return not user.is_superuser and user.role == Role.INVENTOR and state not in INVENTOR_EDITABLE_STATES


@login_required
def assessment_edit_view(request, pk: int):
    """The national-format self-assessment (自评) of one patent: prefilled from the database, saved through
    assessment_save, every problem of the shared validator shown at its field or row."""
    patent = patent_get(user=request.user, pk=pk)
    if patent is None:
        raise Http404
    if not patent_can_assess(user=request.user, patent=patent):
        raise PermissionDenied
    assessment = getattr(patent, "assessment", None)
    state = assessment.review_state if assessment is not None else ReviewState.DRAFT
    locked = _locked_for(request.user, state)
    base = record_from_patent(patent)

    if request.method == "POST":
        if locked:
            raise PermissionDenied
        form = AssessmentForm.from_post(request.POST)
        record = form.validate(base, patent_type=patent.patent_type)
        if record is not None:
            try:
                assessment_save(user=request.user, patent_id=patent.pk, record=record)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("自评已保存"))
                return redirect("patent-detail", pk=patent.pk)
    else:
        form = AssessmentForm.from_record(base)
    # Blank AA / AC: the classifier's suggestion, prefilled on a fresh form and marked wherever it is still the value.
    form.suggest(form_suggestion(patent, base), prefill=request.method != "POST")

    return render(
        request,
        "evaluations/assessment_form.html",
        {
            "patent": patent,
            "record": base,
            "form": form,
            "blocks": form.blocks(),
            "summary": form.summary(),
            "options": client_options(),
            "locked": locked,
            "review_state": ReviewState(state).label,
        },
    )


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
    back = _back(request, "/patents/")
    form = BulkActionForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        if "ids" in form.errors or "action" in form.errors or request.method != "POST":
            messages.error(request, _("请选择专利和操作"))
        for name, errors in form.errors.items():
            if name not in ("ids", "action"):
                label = {"comment": _("意见"), "org_unit": _("学院")}.get(name, name)
                for error in errors:
                    messages.error(request, f"{label}：{error}")
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
    return redirect(_back(request, reverse("patent-detail", args=[patent.pk])))


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
    waiting = waiting.order_by("assessment__review_state", "-grant_date", "id").select_related(
        "assessment__industry", "assessment__sei_class__parent"
    )
    if request.GET.get("export") == "xlsx":
        return todo_workbook_response(waiting.prefetch_related("assessment__intents"))
    page = page_of(request, waiting.prefetch_related("assessment__intents"))
    for patent in page:
        assessment = getattr(patent, "assessment", None)
        state = assessment.review_state if assessment else ReviewState.DRAFT
        # The steps this reviewer may take on this row, shown as its buttons (the service checks again).
        patent.row_actions = [(a, Action(a).label) for a in review_steps(request.user, state) if a != Action.SUBMIT]
        patent.can_submit = Action.SUBMIT in review_steps(request.user, state) and assessment is not None
    steps = {step for state in states for step in review_steps(request.user, state)}  # from the listed states
    return render(
        request,
        "evaluations/todo.html",
        {
            "page": page,
            "states": states,
            "bulk_actions": [(v, label) for v, label in bulk_action_choices(request.user) if v in steps],
        },
    )
