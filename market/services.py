"""Writes of the market side: enterprise ratings and the institution's answer, the expert library and commissions.

Each runs in one transaction, is audited by django-simple-history (who, when, old and new values), and refuses —
writing nothing — when the user may not act or the input is wrong.
"""

from __future__ import annotations

import os
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from enterprises.models import Enterprise
from institutions.choices import Role
from institutions.models import User
from library.selectors import resource_library_list
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q
from reference.models import IndustryCode, Province

from .choices import CommissionState, ExpertStatus, InstitutionAnswer
from .conflicts import expert_conflict_reason
from .figures import refresh_market_view
from .models import Commission, EvaluationImport, Expert, MarketEvaluation
from .tasks import evaluation_import_run
from .validation import validate_evaluation

ANSWER_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN}


def _refuse(zh: str, en: str):
    raise PermissionDenied(f"{zh} / {en}")


def _library_patent(user: User, patent_id: int) -> Patent:
    patent = resource_library_list(user=user).filter(pk=patent_id).first()
    if patent is None:
        _refuse("该专利不在转化资源库中", "the patent is not in the conversion resource library")
    return patent


def _apply(evaluation: MarketEvaluation, values: dict, user: User, reason: str) -> MarketEvaluation:
    for name, value in values.items():
        setattr(evaluation, name, value)
    evaluation.submitted_by = user
    evaluation._history_user = user
    evaluation._change_reason = reason
    evaluation.save()
    refresh_market_view(evaluation.patent_id)
    return evaluation


@transaction.atomic
def evaluation_submit(*, user: User, patent_id: int, data: dict) -> MarketEvaluation:
    """An enterprise user rates a library patent, or changes its rating until the institution has answered.

    One rating per enterprise and patent: a second submission edits the first.
    """
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        _refuse("只有企业用户可以提交企业评价", "only enterprise users submit enterprise ratings")
    patent = _library_patent(user, patent_id)
    checked = validate_evaluation(data)
    if not checked.ok:
        raise ValidationError(checked.message_dict())
    checked.values.pop("opinion", None)
    existing = (
        MarketEvaluation.objects.select_for_update().filter(patent=patent, enterprise_id=user.enterprise_id).first()
    )
    if existing is not None and existing.answer:
        raise ValidationError(
            "单位已答复，评价不能再修改 / The institution has answered; the rating can no longer change"
        )
    evaluation = existing or MarketEvaluation(patent=patent, enterprise_id=user.enterprise_id)
    return _apply(evaluation, checked.values, user, "rating:edit" if existing else "rating:submit")


@transaction.atomic
def evaluation_answer(*, user: User, evaluation_id: int, answer: str, text: str = "") -> MarketEvaluation:
    """The institution (its admin, or the college admin of the patent's college) answers a rating."""
    evaluation = MarketEvaluation.objects.select_for_update().filter(pk=evaluation_id).first()
    allowed = (
        evaluation is not None
        and (user.role in ANSWER_ROLES or user.is_superuser)
        and Patent.objects.filter(patent_scope_q(user), pk=evaluation.patent_id).exists()
    )
    if not allowed:
        _refuse("无权答复该评价", "you may not answer this rating")
    if answer not in InstitutionAnswer.values:
        raise ValidationError({"answer": [f"「{answer}」不是可选的答复 / '{answer}' is not an answer"]})
    text = (text or "").strip()
    if "\x00" in text or len(text) > 500:
        raise ValidationError({"answer_text": ["答复说明不能超过 500 字且不能含 NUL / at most 500 characters, no NUL"]})
    evaluation.answer, evaluation.answer_text = answer, text
    evaluation.answered_at, evaluation.answered_by = timezone.now(), user
    evaluation._history_user = user
    evaluation._change_reason = "rating:answer"
    evaluation.save()
    return evaluation


# -- the expert library ------------------------------------------------------------------------------------------


@transaction.atomic
def expert_recommend(*, user: User, data: dict) -> Expert:
    """An enterprise or a provincial bureau recommends an expert; a provincial or national admin approves it."""
    if user.role not in (Role.ENTERPRISE, Role.PROVINCIAL_BUREAU):
        _refuse("只有企业和省级知识产权局可以推荐专家", "only enterprises and provincial bureaus recommend experts")
    errors = {}
    name = (data.get("name") or "").strip()
    organisation = (data.get("organisation") or "").strip()
    for key, value, limit in (("name", name, 64), ("organisation", organisation, 128)):
        if not value:
            errors[key] = ["必填 / required"]
        elif len(value) > limit or "\x00" in value:
            errors[key] = [f"不能超过 {limit} 字 / at most {limit} characters"]
    province = Province.objects.filter(code=str(data.get("province") or "")).first()
    if user.role == Role.PROVINCIAL_BUREAU:
        province = user.province
    if province is None:
        errors["province"] = ["请选择省份 / choose a province"]
    codes = [c.strip().upper() for c in str(data.get("industries") or "").replace("，", ",").split(",") if c.strip()]
    industries = list(IndustryCode.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {i.code for i in industries})
    if unknown:
        errors["industries"] = [f"未知的行业代码：{'、'.join(unknown)} / unknown industry codes: {', '.join(unknown)}"]
    if errors:
        raise ValidationError(errors)
    expert = Expert(
        name=name,
        organisation=organisation,
        title=(data.get("title") or "").strip()[:64],
        province=province,
        technical_fields=(data.get("technical_fields") or "").strip()[:255],
        contact=(data.get("contact") or "").strip()[:64],
        status=ExpertStatus.RECOMMENDED,
        recommended_by_id=user.enterprise_id if user.role == Role.ENTERPRISE else None,
        recommended_by_province=province if user.role == Role.PROVINCIAL_BUREAU else None,
    )
    expert._history_user = user
    expert.save()
    expert.industries.set(industries)
    return expert


@transaction.atomic
def expert_approve(*, user: User, expert_id: int, approve: bool = True) -> Expert:
    """A provincial bureau (for its province) or a national admin takes a recommended expert into the library."""
    expert = Expert.objects.select_for_update().filter(pk=expert_id).first()
    national = user.is_superuser or user.role == Role.NATIONAL_ADMIN
    bureau = user.role == Role.PROVINCIAL_BUREAU and expert is not None and expert.province_id == user.province_id
    if expert is None or not (national or bureau):
        _refuse("无权审核该专家", "you may not approve this expert")
    expert.status = ExpertStatus.ACTIVE if approve else ExpertStatus.RETIRED
    expert.approved_by, expert.approved_at = user, timezone.now()
    expert._history_user = user
    expert.save()
    return expert


# -- commissions -------------------------------------------------------------------------------------------------


@transaction.atomic
def commission_create(*, user: User, expert_id: int, patent_ids: list[int], note: str = "") -> list[Commission]:
    """An enterprise (on library patents) or an institution admin (on its own patents) commissions an expert.

    Every patent is checked against the conflict rule; one conflict refuses the whole request and names each.
    """
    expert = Expert.objects.select_related("user").filter(pk=expert_id, status=ExpertStatus.ACTIVE).first()
    if expert is None:
        raise ValidationError({"expert": ["专家不存在或未入库 / no such active expert"]})
    enterprise = institution = None
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        enterprise = Enterprise.objects.get(pk=user.enterprise_id)
        patents = list(resource_library_list(user=user).filter(pk__in=patent_ids))
    elif user.role == Role.INSTITUTION_ADMIN and user.institution_id:
        institution = user.institution
        patents = list(Patent.objects.filter(patent_scope_q(user), pk__in=patent_ids).select_related("institution"))
    else:
        _refuse("只有企业和高校/院所管理员可以委托专家", "only enterprises and institution admins commission experts")
    if not patent_ids or len(patents) != len(set(patent_ids)):
        _refuse("所选专利不在您可委托的范围内", "some of the patents are not yours to commission")
    if len(note) > 500 or "\x00" in note:
        raise ValidationError({"note": ["委托说明不能超过 500 字 / at most 500 characters"]})
    conflicts = []
    for patent in patents:
        reason = expert_conflict_reason(expert=expert, patent=patent, enterprise=enterprise)
        if reason is not None:
            conflicts.append(f"{patent.application_number}：{reason[0]} / {reason[1]}")
    if conflicts:
        raise ValidationError(
            {"expert": ["存在利益冲突，委托未创建 / conflict of interest, nothing commissioned", *conflicts]}
        )
    batch = uuid.uuid4().hex if len(patents) > 1 else ""
    created = []
    for patent in patents:
        commission = Commission(
            expert=expert, patent=patent, enterprise=enterprise, institution=institution, batch=batch,
            note=note.strip(), created_by=user,
        )  # fmt: skip
        commission._history_user = user
        commission.save()
        created.append(commission)
    return created


def _own_commission(user: User, commission_id: int) -> Commission:
    commission = (
        Commission.objects.select_for_update().select_related("expert", "patent").filter(pk=commission_id).first()
    )
    if commission is None or commission.expert.user_id != user.pk:
        _refuse("这不是分配给您的委托", "this commission is not assigned to you")
    return commission


@transaction.atomic
def commission_respond(*, user: User, commission_id: int, accept: bool) -> Commission:
    """The expert accepts or declines a pending commission."""
    commission = _own_commission(user, commission_id)
    if commission.state != CommissionState.PENDING:
        raise ValidationError("该委托已答复 / The commission has been answered already")
    commission.state = CommissionState.ACCEPTED if accept else CommissionState.DECLINED
    commission.responded_at = timezone.now()
    commission._history_user = user
    commission.save()
    return commission


@transaction.atomic
def commission_submit(*, user: User, commission_id: int, data: dict) -> MarketEvaluation:
    """The expert submits the rating of an accepted commission, with a written opinion (editable until answered)."""
    commission = _own_commission(user, commission_id)
    if commission.state not in (CommissionState.ACCEPTED, CommissionState.SUBMITTED):
        raise ValidationError("请先接受委托 / Accept the commission first")
    reason = expert_conflict_reason(
        expert=commission.expert, patent=commission.patent, enterprise=commission.enterprise
    )
    if reason is not None:  # the facts may have changed since the commission was placed
        raise ValidationError(f"存在利益冲突：{reason[0]} / conflict of interest: {reason[1]}")
    checked = validate_evaluation(data, require_opinion=True)
    if not checked.ok:
        raise ValidationError(checked.message_dict())
    evaluation = MarketEvaluation.objects.select_for_update().filter(commission=commission).first()
    if evaluation is not None and evaluation.answer:
        raise ValidationError(
            "单位已答复，评价不能再修改 / The institution has answered; the rating can no longer change"
        )
    evaluation = evaluation or MarketEvaluation(patent=commission.patent, commission=commission)
    commission.state = CommissionState.SUBMITTED
    commission._history_user = user
    commission.save()
    return _apply(evaluation, checked.values, user, "expert:submit")


# -- provincial returns --------------------------------------------------------------------------------------------

MAX_RETURN_BYTES = 20 * 1024 * 1024


def evaluation_import_start(*, user: User, upload) -> EvaluationImport:
    """A provincial bureau uploads its filled return workbook; a worker validates and applies it (all or nothing)."""
    if user.role != Role.PROVINCIAL_BUREAU or not user.province_id:
        _refuse("只有省级知识产权局可以回传企业评价", "only provincial bureaus return enterprise ratings")
    if upload is None:
        raise ValidationError({"file": ["请选择要上传的文件 / choose a file to upload"]})
    name = os.path.basename(getattr(upload, "name", "") or "return.xlsx")
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise ValidationError({"file": ["文件是空的 / the file is empty"]})
    if size > MAX_RETURN_BYTES:
        raise ValidationError({"file": ["文件超过 20 MB / the file is larger than 20 MB"]})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if not name.lower().endswith(".xlsx") or head != b"PK\x03\x04":
        raise ValidationError({"file": [f"「{name}」不是 .xlsx 工作簿 / '{name}' is not an .xlsx workbook"]})
    with transaction.atomic():
        job = EvaluationImport(province_id=user.province_id, uploaded_by=user, original_name=name[:255])
        job.file.save(name, upload, save=False)
        job.save()
        transaction.on_commit(lambda: evaluation_import_run.delay(job.pk))
    return job
