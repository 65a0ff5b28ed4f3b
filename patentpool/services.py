"""Writes to the patent library. Each runs atomically; django-simple-history records who changed what."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from institutions.models import OrgUnit, User

from .models import Patent
from .selectors import patent_can_edit_facts, patent_get

# Base-library fields an institution may correct by hand.
EDITABLE_FIELDS = ("title", "inventors", "patentees", "org_unit", "fiscally_funded", "funding_project")


@transaction.atomic
def patent_update(*, user: User, patent_id: int, data: dict) -> Patent:
    """Change a patent's base-library facts. Refused (and nothing written) when the patent is not the user's, or the
    user is not one of its admins (an inventor fills the self-assessment only).

    Callers go through ``evaluations.services.patent_facts_update``, which also keeps the library entry's search text
    (title + assessment texts) in step."""
    patent = Patent.objects.select_for_update().filter(pk=patent_id).first()
    if patent is None or patent_get(user=user, pk=patent_id) is None:
        raise PermissionDenied("无权修改该专利 / You may not change this patent")
    if not patent_can_edit_facts(user=user, patent=patent):
        raise PermissionDenied(
            "基础库信息（名称、学院、类型、号码、日期、权利人）由单位或学院管理员维护，发明人只填写自评 / "
            "Base-library facts (title, college, type, numbers, dates, holder) are kept by institution and college "
            "admins; an inventor fills the self-assessment only"
        )
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "该字段不可修改 / This field cannot be changed"))
    if "org_unit" in data:
        unit = data["org_unit"]
        unit_id = unit.pk if isinstance(unit, OrgUnit) else unit
        if (
            unit_id is not None
            and not OrgUnit.objects.filter(pk=unit_id, institution_id=patent.institution_id).exists()
        ):
            raise ValidationError({"org_unit": "学院不属于该专利的盘点单位 / The college is not of this institution"})
        if user.role == "college_admin" and unit_id != user.org_unit_id:
            raise PermissionDenied("学院管理员不能把专利移出本学院 / A college admin cannot move a patent out")
        data = {**data, "org_unit_id": unit_id}
        del data["org_unit"]
    for field, value in data.items():
        setattr(patent, field, value)
    patent.import_fingerprint = ""  # the record no longer matches the last imported one
    patent._change_reason = "patent_update"
    patent._history_user = user
    patent.full_clean(exclude=["inventor_accounts"])
    patent.save()
    return patent


class DuplicatePatent(ValidationError):
    """The application number is already in the base library; ``existing`` is the record."""

    def __init__(self, message, existing: Patent):
        super().__init__(message, code="duplicate")
        self.existing = existing


@transaction.atomic
def patent_create(*, user: User, data: dict) -> Patent:
    """Add one patent to the user's institution by hand. The application number is validated and normalised;
    a number already inventoried (by anyone) is refused, naming the record."""
    from reference.appno import ApplicationNumber, ApplicationNumberError

    if user.role not in ("institution_admin", "college_admin") or not user.institution_id:
        raise PermissionDenied("只有单位和学院管理员可以添加专利 / Only institution and college admins add patents")
    try:
        number = ApplicationNumber.parse(data.get("application_number"))
    except ApplicationNumberError as exc:
        raise ValidationError({"application_number": str(exc)}) from exc
    existing = Patent.objects.select_related("institution").filter(application_number=str(number)).first()
    if existing is not None:
        raise DuplicatePatent(
            f"申请号 {number} 已在基础库中（{existing.institution.name}） / {number} is already in the base library "
            f"({existing.institution.name})",
            existing,
        )
    unit = data.get("org_unit")
    if user.role == "college_admin":
        unit = user.org_unit
    if unit is not None and unit.institution_id != user.institution_id:
        raise ValidationError({"org_unit": "学院不属于本单位 / The college is not of your institution"})
    patent = Patent(
        application_number=str(number),
        patent_type=number.patent_type,
        title=data.get("title", ""),
        patentees=data.get("patentees") or user.institution.name,
        inventors=data.get("inventors", ""),
        grant_date=data.get("grant_date"),
        legal_status=data.get("legal_status") or "valid",
        years_maintained=data.get("years_maintained"),
        institution_id=user.institution_id,
        org_unit=unit,
        fiscally_funded=bool(data.get("fiscally_funded")),
        funding_project=data.get("funding_project", ""),
    )
    patent.full_clean(exclude=["inventor_accounts"])
    patent._change_reason = "added by hand"
    patent._history_user = user
    patent.save()
    return patent
