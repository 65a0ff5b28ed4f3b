"""Reads of the base stock-patent library, scoped to the user's organisation and role.

The rules, written once:
- base library: national admin all; institution admin its institution; college admin its college; inventor the
  patents they are linked to as inventor; provincial bureau its province; ministry the institutions it supervises;
  enterprises and experts none;
- the conversion resource library's rule (every signed-in role may browse it) is ``library.selectors``.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING, institution_scope_q

from .models import Patent

# Roles that may fill a patent's self-assessment (the rest read only).
ASSESSOR_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.INVENTOR, Role.NATIONAL_ADMIN}
# Roles that may correct a patent's base-library facts (title, college, type, numbers, dates, holder): the admins.
# An inventor fills the self-assessment of their own patents only.
FACTS_EDITOR_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.NATIONAL_ADMIN}


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


def _in_scope(user: User, patent: Patent) -> bool:
    return Patent.objects.filter(patent_scope_q(user), pk=patent.pk).exists()


def patent_can_edit_facts(*, user: User, patent: Patent) -> bool:
    """Whether ``user`` may change the patent's base-library facts (an admin of its institution or college)."""
    if user.role not in FACTS_EDITOR_ROLES and not user.is_superuser:
        return False
    return _in_scope(user, patent)


def patent_can_assess(*, user: User, patent: Patent) -> bool:
    """Whether ``user`` may fill the patent's self-assessment (its inventors and its admins; the review chain decides
    in which states, ``evaluations.services``)."""
    if user.role not in ASSESSOR_ROLES and not user.is_superuser:
        return False
    return _in_scope(user, patent)


# Why a change was made, as the writers record it (``history_change_reason``), in words people read.
CHANGE_REASONS = {
    "patent_update": gettext_lazy("修改基本信息"),
    "added by hand": gettext_lazy("手工添加"),
    "self-assessment": gettext_lazy("填写自评"),
    "bulk:set-college": gettext_lazy("批量调整学院"),
    "review:submit": gettext_lazy("提交审核"),
    "review:college_approve": gettext_lazy("学院审核通过"),
    "review:approve": gettext_lazy("审核入库"),
    "review:return": gettext_lazy("退回"),
}
IMPORT_REASON = re.compile(r"^import #(\d+)$")
# Fields a history row carries that are bookkeeping, not facts a person changed.
UNSHOWN_FIELDS = {"id", "search_text", "import_fingerprint", "created_at", "updated_at", "assessed_by"}


@dataclass
class HistoryEntry:
    """One change as a person reads it: when, who, what kind, why, and each field's old → new value (labels)."""

    record: object  # the simple-history row
    kind: str
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def date(self):
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user


def change_reason_label(reason: str | None) -> str:
    """A recorded change reason in words (an unknown one is shown as it was written)."""
    if not reason:
        return ""
    if reason in CHANGE_REASONS:
        return str(CHANGE_REASONS[reason])
    match = IMPORT_REASON.match(reason)
    if match:
        return _("批量导入（任务 #%(job)s）") % {"job": match.group(1)}
    return reason


def _shown_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in UNSHOWN_FIELDS and not f.primary_key]


def _value_label(model_field, value, related: dict) -> str:
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        return related.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def history_with_changes(records, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest ``limit`` changes of one record's history, newest first, each with its changed fields as labels.

    Works for any number of rows (records written in bulk by COPY or an import may have none, or only a creation);
    consecutive snapshots are compared field by field in memory; a "changed" row that changed nothing shown is left
    out; foreign keys are shown as the related object (one query per related model), choices as their labels."""
    rows = list(records.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    if not rows:
        return []
    model = rows[0].instance_type
    fields = _shown_fields(model)
    pairs = []
    for index, newer in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        changed = []
        if older is not None:
            for f in fields:
                old, new = getattr(older, f.attname, None), getattr(newer, f.attname, None)
                if old != new:
                    changed.append((f, old, new))
        pairs.append((newer, older, changed))
    # Related objects by model, fetched once for the whole page of history.
    wanted: dict = {}
    for _newer, _older, changed in pairs:
        for f, old, new in changed:
            if f.is_relation:
                wanted.setdefault(f.related_model, set()).update(v for v in (old, new) if v is not None)
    related = {}
    for related_model, ids in wanted.items():
        for obj in related_model._default_manager.filter(pk__in=ids):
            related[(related_model, obj.pk)] = str(obj)
    entries = []
    for newer, older, changed in pairs:
        if newer.history_type == "~" and older is not None and not changed:
            continue  # saved without a change anybody can see
        entries.append(
            HistoryEntry(
                record=newer,
                kind=str(newer.get_history_type_display()),
                reason=change_reason_label(newer.history_change_reason),
                changes=[
                    (str(f.verbose_name), _value_label(f, old, related), _value_label(f, new, related))
                    for f, old, new in changed
                ],
            )
        )
    return entries
