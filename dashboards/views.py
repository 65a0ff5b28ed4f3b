"""The home page: each role sees its own world and its progress against the milestones that apply to it."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from institutions.choices import Role
from institutions.selectors import institution_list, org_unit_list
from library.selectors import resource_library_list
from patentpool.selectors import patent_list

from .selectors import college_progress_list, institution_progress_table, inventory_progress


@login_required
def home_view(request):
    user = request.user
    context = {"role": user.role}
    if user.role in (Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN) and user.institution_id:
        unit_id = user.org_unit_id if user.role == Role.COLLEGE_ADMIN else None
        context["progress"] = inventory_progress(institution=user.institution, org_unit_id=unit_id)
        if user.role == Role.INSTITUTION_ADMIN:
            context["units"] = college_progress_list(institution=user.institution, units=list(org_unit_list(user=user)))
    elif user.role == Role.INVENTOR:
        context["my_patents"] = patent_list(user=user).count()
    elif user.role in (Role.PROVINCIAL_BUREAU, Role.MINISTRY, Role.NATIONAL_ADMIN) or user.is_superuser:
        context["table"] = institution_progress_table(institutions=institution_list(user=user))
    context["library_by_section"] = (
        resource_library_list(user=user)
        .values("assessment__industry__section")
        .annotate(n=Count("pk"))
        .order_by("assessment__industry__section")
    )
    return render(request, "dashboards/home.html", context)
