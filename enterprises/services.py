"""Writes of the enterprise registry: self-registration, review by the provincial bureau, profile edits, bulk import.

Each is one transaction and leaves an audit row (django-simple-history) for every enterprise it writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from institutions.choices import Role
from institutions.models import User

from .choices import EnterpriseStatus
from .forms import EnterpriseProfileForm
from .models import Enterprise
from .selectors import enterprise_scope_q
from .workbook import COLUMNS, RowError, WorkbookRejected, column_letter, read_rows

REGISTRARS = {Role.PROVINCIAL_BUREAU, Role.NATIONAL_ADMIN}
_PROFILE = (
    "name",
    "credit_code",
    "province",
    "city",
    "is_ip_advantage",
    "is_specialized_sme",
    "is_high_tech",
    "is_soe",
    "is_central_soe",
    "main_industry",
    "products",
    "technical_needs",
    "fields_of_interest",
)


def _apply(enterprise: Enterprise, cleaned: dict) -> None:
    for name in _PROFILE:
        setattr(enterprise, name, cleaned[name])


def _is_registrar(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in REGISTRARS)


@transaction.atomic
def enterprise_register(*, cleaned: dict, username: str, email: str, password: str) -> Enterprise:
    """Self-registration: a pending enterprise and its first user, inactive until the provincial bureau approves."""
    enterprise = Enterprise(status=EnterpriseStatus.PENDING)
    _apply(enterprise, cleaned)
    enterprise._change_reason = "self-registration"
    enterprise.save()
    enterprise.industries.set(cleaned["other_industries"])
    User.objects.create(
        username=username,
        email=email,
        password=make_password(password),
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        display_name=cleaned["name"],
        is_active=False,
    )
    return enterprise


@transaction.atomic
def enterprise_review(*, user: User, enterprise_id: int, approve: bool) -> Enterprise:
    """A provincial bureau (its province) or the national admin approves or rejects a pending enterprise."""
    if not _is_registrar(user):
        raise PermissionDenied(_("您的角色不能审核企业 / Your role cannot review enterprises"))
    enterprise = Enterprise.objects.select_for_update().filter(enterprise_scope_q(user), pk=enterprise_id).first()
    if enterprise is None:
        raise Enterprise.DoesNotExist
    if enterprise.status != EnterpriseStatus.PENDING:
        raise ValidationError(_("该企业不在待审核状态 / This enterprise is not pending"))
    enterprise.status = EnterpriseStatus.APPROVED if approve else EnterpriseStatus.REJECTED
    enterprise._change_reason = "review:approve" if approve else "review:reject"
    enterprise._history_user = user
    enterprise.save()
    if approve:
        enterprise.users.filter(role=Role.ENTERPRISE).update(is_active=True)
    return enterprise


def enterprise_can_edit(*, user: User, enterprise: Enterprise) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    return _is_registrar(user) and Enterprise.objects.filter(enterprise_scope_q(user), pk=enterprise.pk).exists()


@transaction.atomic
def enterprise_update(*, user: User, enterprise_id: int, cleaned: dict) -> Enterprise:
    """Save a profile edit (the form already validated it). Matching picks the change up within a minute."""
    enterprise = Enterprise.objects.select_for_update().filter(enterprise_scope_q(user), pk=enterprise_id).first()
    if enterprise is None:
        raise Enterprise.DoesNotExist
    if not enterprise_can_edit(user=user, enterprise=enterprise):
        raise PermissionDenied(_("您不能修改该企业 / You cannot edit this enterprise"))
    if user.role == Role.PROVINCIAL_BUREAU and cleaned["province"].pk != user.province_id:
        raise ValidationError({"province": _("只能登记本省企业 / Only enterprises of your province")})
    _apply(enterprise, cleaned)
    enterprise._change_reason = "profile"
    enterprise._history_user = user
    enterprise.save()
    enterprise.industries.set(cleaned["other_industries"])
    return enterprise


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: str = ""  # a whole-file problem

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected


_HEADERS = dict(COLUMNS)


def _form_errors(row: int, form: EnterpriseProfileForm) -> list[RowError]:
    found = []
    for name, errors in form.errors.get_json_data().items():
        for error in errors:
            message = error["message"]
            if error["code"] == "required":
                message = "必填项为空 / Required value missing"
            elif error["code"] == "invalid_choice":
                message = "取值无效 / Invalid value"
            elif error["code"] == "max_length":
                message = f"内容过长 / Too long: {message}"
            column = column_letter(name) if name in _HEADERS else ""
            found.append(RowError(row, column, _HEADERS.get(name, ""), message))
    return found


def enterprise_import(*, user: User, upload) -> ImportResult:
    """Register every enterprise of a workbook, or none: every row is validated first (the form's validator), then
    all are written in one transaction. Synchronous: a province registers thousands, not hundreds of thousands."""
    if not _is_registrar(user):
        raise PermissionDenied(_("您的角色不能批量登记企业 / Your role cannot register enterprises"))
    result = ImportResult()
    try:
        rows = read_rows(upload)
    except WorkbookRejected as exc:
        result.rejected = str(exc)
        return result
    if not rows:
        result.rejected = "工作簿没有数据行 / The workbook has no data rows"
        return result
    seen: dict[str, int] = {}
    valid = []
    for row in rows:
        form = EnterpriseProfileForm(data=row.data)
        row_errors = list(row.errors)
        if not form.is_valid():
            row_errors += [e for e in _form_errors(row.row, form) if e.column not in {x.column for x in row.errors}]
        else:
            cleaned = form.cleaned_data
            if user.role == Role.PROVINCIAL_BUREAU and cleaned["province"].pk != user.province_id:
                row_errors.append(
                    RowError(
                        row.row,
                        column_letter("province"),
                        _HEADERS["province"],
                        "只能登记本省企业 / A bureau registers enterprises of its own province only",
                    )
                )
            code = cleaned["credit_code"]
            if code in seen:
                row_errors.append(
                    RowError(
                        row.row,
                        column_letter("credit_code"),
                        _HEADERS["credit_code"],
                        f"与第 {seen[code]} 行重复 / Duplicate of row {seen[code]}",
                    )
                )
            seen.setdefault(code, row.row)
            valid.append(cleaned)
        result.errors += row_errors
    if result.errors:
        return result
    with transaction.atomic():
        for cleaned in valid:
            enterprise = Enterprise(status=EnterpriseStatus.APPROVED)
            _apply(enterprise, cleaned)
            enterprise._change_reason = "import"
            enterprise._history_user = user
            enterprise.save()
            if cleaned["other_industries"]:
                enterprise.industries.set(cleaned["other_industries"])
    result.created = len(valid)
    return result
