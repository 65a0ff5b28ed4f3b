"""Pages of the base stock-patent library's facts: adding a patent by hand and editing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import PatentCreateForm, PatentEditForm
from .selectors import patent_can_edit, patent_get
from .services import DuplicatePatent, patent_create, patent_update


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
