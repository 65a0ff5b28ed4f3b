"""Pages of self-assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from institutions.choices import Role
from institutions.inventory_export import record_from_patent
from patentpool.selectors import patent_can_edit, patent_get

from .choices import ReviewState
from .forms import AssessmentForm, client_options
from .services import INVENTOR_EDITABLE_STATES, assessment_save


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
    if not patent_can_edit(user=request.user, patent=patent):
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
