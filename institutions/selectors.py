"""Reads of institutions and the one place that says which institutions a user may see.

Every other app's scoping builds on ``institution_scope_q``: an institution-side user sees its own institution, a
provincial bureau its province, a ministry the institutions it is the competent authority of, a national admin all.
"""

from django.db.models import Q, QuerySet

from .choices import Role
from .models import Institution, OrgUnit, User

NOTHING = Q(pk__in=[])


def institution_scope_q(user: User, prefix: str = "") -> Q:
    """A filter over institutions (reached through ``prefix``, e.g. 'institution__') that ``user`` may read."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return Q()
    if user.role in (Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.INVENTOR) and user.institution_id:
        return Q(**{f"{prefix}pk": user.institution_id})
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        return Q(**{f"{prefix}province_id": user.province_id})
    if user.role == Role.MINISTRY and user.authority:
        return Q(**{f"{prefix}authority": user.authority})
    return NOTHING


def institution_list(*, user: User) -> QuerySet[Institution]:
    """Institutions ``user`` may see (enterprises and experts see none through this list)."""
    return Institution.objects.filter(institution_scope_q(user)).select_related("province")


def org_unit_list(*, user: User) -> QuerySet[OrgUnit]:
    """Org units ``user`` may see; a college admin sees only the own college."""
    qs = OrgUnit.objects.filter(institution_scope_q(user, "institution__")).select_related("institution")
    if user.is_authenticated and user.role == Role.COLLEGE_ADMIN:
        qs = qs.filter(pk=user.org_unit_id)
    return qs
