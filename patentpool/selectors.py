"""Reads of the base stock-patent library, scoped to the user's organisation and role.

The rules, written once:
- base library: national admin all; institution admin its institution; college admin its college; inventor the
  patents they are linked to as inventor; provincial bureau its province; ministry the institutions it supervises;
  enterprises and experts none;
- the conversion resource library's rule (every signed-in role may browse it) is ``library.selectors``.
"""

from django.db.models import Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING, institution_scope_q

from .models import Patent

# Roles that may change base-library data (the rest read only).
EDITOR_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.INVENTOR, Role.NATIONAL_ADMIN}


def patent_scope_q(user: User) -> Q:
    """A filter over patents that ``user`` may read in the base library."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = institution_scope_q(user, "institution__")
    if user.role == Role.COLLEGE_ADMIN:
        q &= Q(org_unit_id=user.org_unit_id) if user.org_unit_id else NOTHING
    elif user.role == Role.INVENTOR:
        q &= Q(inventor_accounts=user)
    return q


def patent_list_columns(qs: QuerySet[Patent]) -> QuerySet[Patent]:
    """``qs`` with everything a list row shows joined."""
    # One query per page whatever its size: everything a list row shows comes by join.
    return qs.select_related("institution", "institution__province", "org_unit", "assessment")


def patent_list(*, user: User) -> QuerySet[Patent]:
    """The base stock-patent library as ``user`` may see it."""
    return patent_list_columns(Patent.objects.filter(patent_scope_q(user)))


def patent_get(*, user: User, pk: int) -> Patent | None:
    """One patent of the base library, or None when it does not exist or is not the user's to see."""
    return patent_list(user=user).filter(pk=pk).first()


def patent_can_edit(*, user: User, patent: Patent) -> bool:
    """Whether ``user`` may change the patent's base-library data and self-assessment."""
    if user.role not in EDITOR_ROLES and not user.is_superuser:
        return False
    return Patent.objects.filter(patent_scope_q(user), pk=patent.pk).exists()


def history_with_changes(records, *, limit: int = 50) -> list[tuple]:
    """(history record, [(field label, old, new), …]) newest first, diffing consecutive snapshots in memory."""
    rows = list(records.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    result = []
    # Each row with the one before it (None for the oldest); a record written in bulk may have no history at all.
    for newer, older in zip(rows, [*rows[1:], None][: len(rows)], strict=True):
        if len(result) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                field = newer.instance_type._meta.get_field(change.field)
                labels = dict(field.flatchoices) if field.choices else {}  # codes shown as their labels
                changes.append(
                    (field.verbose_name, labels.get(change.old, change.old), labels.get(change.new, change.new))
                )
        result.append((newer, changes))
    return result
