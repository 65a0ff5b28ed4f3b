"""Pages of inventory import: upload, live progress, result with every error; the template download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from common.xlsx import xlsx_response

from .choices import CANCELLABLE_IMPORT_STATES, FINAL_IMPORT_STATES, RETRYABLE_IMPORT_STATES
from .forms import ImportUploadForm
from .models import ImportJob
from .selectors import import_job_list
from .services import IMPORT_ROLES, inventory_import_cancel, inventory_import_retry, inventory_import_start
from .writer import write_template


@login_required
def import_upload_view(request):
    if request.user.role not in IMPORT_ROLES:
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = inventory_import_start(
                user=request.user,
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("import-detail", pk=job.pk)
    jobs = import_job_list(user=request.user)[:20]
    return render(request, "inventory/import_upload.html", {"form": form, "jobs": jobs})


@login_required
def import_detail_view(request, pk: int):
    job = import_job_list(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    errors = Paginator(job.errors, 200).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/import_detail.html",
        {
            "job": job,
            "final": job.state in FINAL_IMPORT_STATES,
            "errors": errors,
            "can_retry": request.user.role in IMPORT_ROLES and job.state in RETRYABLE_IMPORT_STATES,
            "can_cancel": request.user.role in IMPORT_ROLES
            and job.state in CANCELLABLE_IMPORT_STATES
            and not job.cancel_requested,
        },
    )


def _change_view(request, pk: int, service):
    try:
        service(user=request.user, job_id=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("import-detail", pk=pk)


@login_required
@require_POST
def import_retry_view(request, pk: int):
    """Run a failed, interrupted or cancelled import again on its stored upload."""
    return _change_view(request, pk, inventory_import_retry)


@login_required
@require_POST
def import_cancel_view(request, pk: int):
    """Cancel a queued or running import; a running one rolls back at its next chunk."""
    return _change_view(request, pk, inventory_import_cancel)


@login_required
def inventory_template_view(request):
    """The platform's own template: the national layout with its dropdowns and dependent lists."""
    unit = request.user.org_unit.name if request.user.org_unit_id else ""
    return xlsx_response(
        lambda handle: write_template(handle, org_unit_label=unit), filename="专利盘活批量导入模板.xlsx"
    )
