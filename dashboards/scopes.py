"""Whose figures a dashboard shows: the nation, a province, a ministry's institutions, an institution or a college.

A scope is always derived from the signed-in user (``scope_for_user``) and may only narrow it (drill-down), so a
dashboard never counts what its reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from institutions.choices import Authority, Role
from institutions.models import Institution, OrgUnit, User
from institutions.selectors import institution_list, org_unit_list
from reference.models import Province

from .choices import SnapshotLevel


@dataclass(frozen=True)
class Scope:
    """One dashboard's world. ``grain`` is what its table lists: institutions, or colleges of one institution."""

    level: str
    province: Province | None = None
    authority: str = ""
    institution: Institution | None = None
    org_unit: OrgUnit | None = None

    @property
    def grain(self) -> str:
        return (
            SnapshotLevel.COLLEGE
            if self.level in (SnapshotLevel.INSTITUTION, SnapshotLevel.COLLEGE)
            else SnapshotLevel.INSTITUTION
        )

    def institution_q(self, prefix: str = "") -> Q:
        """The scope's institutions, reached through ``prefix`` (e.g. ``institution__``)."""
        if self.level == SnapshotLevel.PROVINCE:
            return Q(**{f"{prefix}province_id": self.province.pk})
        if self.level == SnapshotLevel.MINISTRY:
            return Q(**{f"{prefix}authority": self.authority})
        if self.level in (SnapshotLevel.INSTITUTION, SnapshotLevel.COLLEGE):
            return Q(**{f"{prefix}pk": self.institution.pk})
        return Q()

    def patent_q(self, prefix: str = "") -> Q:
        """The scope's patents, reached through ``prefix`` (``""`` from Patent, ``patent__`` from a deal)."""
        q = self.institution_q(f"{prefix}institution__")
        if self.level == SnapshotLevel.COLLEGE:
            q &= Q(**{f"{prefix}org_unit_id": self.org_unit.pk})
        return q

    @property
    def key(self) -> str:
        """The snapshot key of this scope's own total row."""
        return {
            SnapshotLevel.NATIONAL: lambda: "nation",
            SnapshotLevel.PROVINCE: lambda: f"prov:{self.province.code}",
            SnapshotLevel.MINISTRY: lambda: f"auth:{self.authority}",
            SnapshotLevel.INSTITUTION: lambda: f"inst:{self.institution.pk}",
            SnapshotLevel.COLLEGE: lambda: f"unit:{self.org_unit.pk}",
        }[self.level]()

    @property
    def title(self) -> str:
        if self.level == SnapshotLevel.PROVINCE:
            return self.province.name
        if self.level == SnapshotLevel.MINISTRY:
            return str(Authority(self.authority).label)
        if self.level == SnapshotLevel.INSTITUTION:
            return self.institution.name
        if self.level == SnapshotLevel.COLLEGE:
            return f"{self.institution.name} {self.org_unit.name}"
        return _("全国")

    def list_filters(self) -> dict[str, str]:
        """Filters of /patents/ and /library/ that select this scope's patents (the library is not user-scoped)."""
        if self.level == SnapshotLevel.PROVINCE:
            return {"province": self.province.code}
        if self.level == SnapshotLevel.MINISTRY:
            return {"authority": self.authority}
        if self.level == SnapshotLevel.INSTITUTION:
            return {"institution": str(self.institution.pk)}
        if self.level == SnapshotLevel.COLLEGE:
            return {"institution": str(self.institution.pk), "org_unit": str(self.org_unit.pk)}
        return {}

    def query(self) -> dict[str, str]:
        """The dashboard's own query string parameters that reopen this scope."""
        if self.level == SnapshotLevel.PROVINCE:
            return {"province": self.province.code}
        if self.level == SnapshotLevel.INSTITUTION:
            return {"institution": str(self.institution.pk)}
        if self.level == SnapshotLevel.COLLEGE:
            return {"college": str(self.org_unit.pk)}
        return {}


DASHBOARD_ROLES = {
    Role.NATIONAL_ADMIN,
    Role.PROVINCIAL_BUREAU,
    Role.MINISTRY,
    Role.INSTITUTION_ADMIN,
    Role.COLLEGE_ADMIN,
}


def scope_for_user(user: User) -> Scope | None:
    """The widest scope ``user`` may see on the dashboards, or None when the role has no dashboard."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        return Scope(SnapshotLevel.NATIONAL)
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        return Scope(SnapshotLevel.PROVINCE, province=user.province)
    if user.role == Role.MINISTRY and user.authority:
        return Scope(SnapshotLevel.MINISTRY, authority=user.authority)
    if user.role == Role.INSTITUTION_ADMIN and user.institution_id:
        return Scope(SnapshotLevel.INSTITUTION, institution=user.institution)
    if user.role == Role.COLLEGE_ADMIN and user.org_unit_id:
        return Scope(SnapshotLevel.COLLEGE, institution=user.institution, org_unit=user.org_unit)
    return None


def scope_drill(user: User, params) -> Scope | None:
    """The scope ``params`` asks for (``province``, ``institution``, ``college``) if ``user`` may see it; the user's
    own scope when none is asked for; None when it is out of reach (the view answers 404)."""
    base = scope_for_user(user)
    if base is None:
        return None
    college, institution, province = (
        params.get("college", ""),
        params.get("institution", ""),
        params.get("province", ""),
    )
    if college:
        unit = org_unit_list(user=user).filter(pk=int(college)).first() if college.isdigit() else None
        if unit is None:
            return None
        return Scope(SnapshotLevel.COLLEGE, institution=unit.institution, org_unit=unit)
    if base.level == SnapshotLevel.COLLEGE:
        return base if not (institution or province) else None
    if institution:
        inst = institution_list(user=user).filter(pk=int(institution)).first() if institution.isdigit() else None
        if inst is None:
            return None
        return Scope(SnapshotLevel.INSTITUTION, institution=inst)
    if province:
        if base.level == SnapshotLevel.PROVINCE and base.province.code == province:
            return base
        if base.level != SnapshotLevel.NATIONAL:
            return None
        found = Province.objects.filter(code=province).first()
        return Scope(SnapshotLevel.PROVINCE, province=found) if found else None
    return base
