"""Reads of the inventory import, scoped to the user."""

from institutions.choices import Role
from institutions.models import User

from .models import ImportJob


def import_job_list(*, user: User):
    """Import jobs ``user`` may follow: an institution admin's institution's, a college admin's college's,
    a national admin's all."""
    qs = ImportJob.objects.select_related("institution", "org_unit", "uploaded_by")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return qs
    if user.role == Role.INSTITUTION_ADMIN and user.institution_id:
        return qs.filter(institution_id=user.institution_id)
    if user.role == Role.COLLEGE_ADMIN and user.org_unit_id:
        return qs.filter(institution_id=user.institution_id, org_unit_id=user.org_unit_id)
    return qs.none()
