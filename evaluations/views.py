"""Pages of self-assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def assessment_edit_view(request, pk: int):  # replaced by the self-assessment form
    return HttpResponse(status=501)
