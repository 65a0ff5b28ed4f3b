"""Writes to the patent library. Each runs atomically; django-simple-history records who changed what."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from institutions.models import OrgUnit, User

from .models import Patent
from .search import search_tokens
from .selectors import patent_can_edit

# Base-library fields an institution may correct by hand.
EDITABLE_FIELDS = ("title", "inventors", "patentees", "org_unit", "fiscally_funded", "funding_project")


@transaction.atomic
def patent_update(*, user: User, patent_id: int, data: dict) -> Patent:
    """Change a patent's base-library data. Refused (and nothing written) when the patent is not the user's."""
    patent = Patent.objects.select_for_update().filter(pk=patent_id).first()
    if patent is None or not patent_can_edit(user=user, patent=patent):
        raise PermissionDenied("无权修改该专利 / You may not change this patent")
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
    patent.full_clean(exclude=["inventor_accounts"])
    patent.save()
    if "title" in data:
        from evaluations.models import SelfAssessment

        assessment = SelfAssessment.objects.filter(patent=patent).first()
        if assessment is not None:  # the title is part of the searchable text
            SelfAssessment.objects.filter(pk=assessment.pk).update(
                search_text=search_tokens(patent.title, assessment.products_advantages, assessment.prospect)
            )
    return patent
