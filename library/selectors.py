"""Reads of the conversion resource library (专利转化资源库): every signed-in role may browse it."""

from django.db.models import QuerySet

from evaluations.selectors import in_library_q
from institutions.models import User
from patentpool.models import Patent
from patentpool.selectors import patent_list_columns


def resource_library_list(*, user: User) -> QuerySet[Patent]:
    """The conversion resource library: convertible patents whose self-assessment was approved."""
    if not user.is_authenticated or not user.is_active:
        return Patent.objects.none()
    approved = Patent.objects.filter(in_library_q())
    return patent_list_columns(approved).select_related("assessment__industry", "assessment__sei_class__parent")


def resource_get(*, user: User, pk: int) -> Patent | None:
    """One patent of the resource library, or None."""
    return resource_library_list(user=user).filter(pk=pk).first()
