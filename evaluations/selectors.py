"""Reads of the evaluations app.

- The expert library: national admin all, a provincial bureau its province, enterprises and experts all active experts
  (enterprises commission them), institution users all active experts too.
- Which self-assessed patents are in the conversion resource library (``in_library_q``).
"""

from django.db.models import Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING
from patentpool.choices import IN_FORCE

from .choices import ExpertStatus, ReviewState
from .models import Expert


def expert_scope_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return Q()
    if user.role == Role.PROVINCIAL_BUREAU:
        return Q(province_id=user.province_id)
    if user.role == Role.MINISTRY:
        return NOTHING
    return Q(status=ExpertStatus.ACTIVE)


def expert_list(*, user: User) -> QuerySet[Expert]:
    return Expert.objects.filter(expert_scope_q(user)).select_related("province").prefetch_related("industries")


def in_library_q(prefix: str = "") -> Q:
    """Patents in the conversion resource library: still in force, convertible, self-assessment approved (``prefix``
    leads from another model to the patent, e.g. ``patents__``). A lapsed, expired, abandoned … patent stays in the
    base library with its history but is never offered."""
    return Q(
        **{
            f"{prefix}assessment__review_state": ReviewState.APPROVED,
            f"{prefix}assessment__convertible": True,
            f"{prefix}legal_status__in": sorted(IN_FORCE),
        }
    )
