"""Reads of pushes, scoped to the user, written once:

- national admin: every push;
- enterprise user: its enterprise's inbox;
- institution admin, college admin, inventor, ministry: pushes of the patents they may see in the base library
  (where their patents were pushed and what came back);
- provincial bureau: pushes in its province — to its enterprises or of its institutions' patents;
- expert: none.
"""

from django.db.models import Count, Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q

from .choices import PushStatus
from .models import MatchRun, Push


def push_scope_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return Q()
    if user.role == Role.ENTERPRISE:
        return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else NOTHING
    if user.role == Role.PROVINCIAL_BUREAU:
        if not user.province_id:
            return NOTHING
        return Q(enterprise__province_id=user.province_id) | Q(patent__institution__province_id=user.province_id)
    if user.role in (Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.INVENTOR, Role.MINISTRY):
        return Q(patent__in=Patent.objects.filter(patent_scope_q(user)).values("pk"))
    return NOTHING


def push_list(*, user: User) -> QuerySet[Push]:
    return Push.objects.filter(push_scope_q(user)).select_related(
        "patent", "patent__institution", "enterprise", "enterprise__province"
    )


def push_get(*, user: User, pk: int) -> Push | None:
    return push_list(user=user).filter(pk=pk).first()


def inbox(*, user: User) -> QuerySet[Push]:
    """The enterprise's inbox (empty for any other role), best first."""
    if user.role != Role.ENTERPRISE:
        return Push.objects.none()
    return push_list(user=user).select_related("patent__assessment").order_by("-score", "-pk")


def patent_pushes(*, user: User, patent: Patent) -> QuerySet[Push]:
    return push_list(user=user).filter(patent=patent).order_by("-score", "pk")


def push_summary(qs: QuerySet[Push]) -> dict:
    """Counts by status and by decline reason: what came back."""
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    reasons = dict(
        qs.filter(status=PushStatus.DECLINED).order_by().values_list("decline_reason").annotate(n=Count("pk"))
    )
    return {"total": sum(by_status.values()), "by_status": by_status, "decline_reasons": reasons}


def match_run_list(*, user: User) -> QuerySet[MatchRun]:
    if user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.NATIONAL_ADMIN):
        return MatchRun.objects.all()
    return MatchRun.objects.none()
