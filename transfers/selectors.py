"""Reads of deals, scoped like the patents they concern; an enterprise sees the deals it is party to."""

from django.db.models import Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING, institution_scope_q

from .models import Deal


def deal_scope_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role == Role.ENTERPRISE:
        return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else NOTHING
    q = institution_scope_q(user, "institution__")
    if user.role == Role.COLLEGE_ADMIN:
        q &= Q(patent__org_unit_id=user.org_unit_id)
    elif user.role == Role.INVENTOR:
        q &= Q(patent__inventor_accounts=user)
    return q


def deal_list(*, user: User) -> QuerySet[Deal]:
    return Deal.objects.filter(deal_scope_q(user)).select_related("patent", "institution", "enterprise")
