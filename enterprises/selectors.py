"""Reads of enterprises, scoped: national admin all, a provincial bureau its province, an enterprise user itself."""

from django.db.models import Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING

from .models import Enterprise


def enterprise_scope_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return Q()
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        return Q(province_id=user.province_id)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return Q(pk=user.enterprise_id)
    return NOTHING


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(enterprise_scope_q(user)).select_related("province", "main_industry")


def enterprise_get(*, user: User, pk: int) -> Enterprise | None:
    return enterprise_list(user=user).filter(pk=pk).first()
