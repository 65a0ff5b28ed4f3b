"""The home page (each role's own world and progress) and the quarterly dashboards with their exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.choices import Role
from institutions.selectors import institution_list, org_unit_list
from library.selectors import resource_library_list
from patentpool.selectors import patent_list

from .charts import board_charts
from .choices import SnapshotLevel
from .exports import TABLES, report_response, table_response
from .quarters import Quarter
from .scopes import scope_drill, scope_for_user
from .selectors import board_get, college_progress_list, institution_progress_table, inventory_progress


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


def _board_for(request):
    """The board the request asks for, within the user's reach: 403 for a role without dashboards, 404 for a
    scope out of reach; a malformed quarter falls back to the current one with a message."""
    if scope_for_user(request.user) is None:
        raise PermissionDenied
    scope = scope_drill(request.user, request.GET)
    if scope is None:
        raise Http404
    today = timezone.localdate()
    quarter = Quarter.of(today)
    if request.GET.get("quarter"):
        try:
            asked = Quarter.parse(request.GET["quarter"])
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            if asked > quarter:
                messages.error(request, _("该季度尚未开始 / That quarter has not begun"))
            else:
                quarter = asked
    return board_get(scope=scope, quarter=quarter, today=today)


@login_required
def dashboard_view(request):
    board = _board_for(request)
    table = request.GET.get("export", "")
    if table in TABLES:
        return table_response(board, table)
    if table == "report":
        if board.scope.level != SnapshotLevel.PROVINCE:
            raise Http404
        return report_response(board)
    recent = [board.current]
    for _i in range(7):
        recent.append(recent[-1].previous())
    return render(
        request,
        "dashboards/board.html",
        {
            "board": board,
            "charts": board_charts(board),
            "quarters": recent,
            "scope_query": board.scope.query(),
            "own_scope": scope_for_user(request.user),
        },
    )
