"""Reads of the market side, scoped to the user's organisation and role.

- Ratings: an enterprise its own; an expert those of its commissions; institution users, provincial bureaus and
  ministries the ratings of the patents they may see in the base library; a national admin all.
- Commissions: an expert those assigned to it; an enterprise those it placed; an institution admin those it placed or
  on its patents; a provincial bureau those on its province's patents; a national admin all.
- The expert library: national admin all, a provincial bureau its province, everyone else the active experts.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from institutions.choices import Role
from institutions.models import User
from institutions.selectors import NOTHING
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q

from .choices import ExpertStatus
from .conflicts import expert_conflict_reason
from .models import Commission, EvaluationImport, Expert, MarketEvaluation

SCOPE_ROLES = {Role.INSTITUTION_ADMIN, Role.COLLEGE_ADMIN, Role.INVENTOR, Role.PROVINCIAL_BUREAU, Role.MINISTRY}


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _is_national(user: User) -> bool:
    return user.is_superuser or user.role == Role.NATIONAL_ADMIN


def _visible_patents(user: User) -> QuerySet[Patent]:
    return Patent.objects.filter(patent_scope_q(user)).values("pk")


def evaluation_scope_q(user: User) -> Q:
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.ENTERPRISE:
        # its own ratings, and the experts' ratings it commissioned
        if not user.enterprise_id:
            return NOTHING
        return Q(enterprise_id=user.enterprise_id) | Q(commission__enterprise_id=user.enterprise_id)
    if user.role == Role.EXPERT:
        return Q(commission__expert__user=user)
    if user.role in SCOPE_ROLES:
        return Q(patent_id__in=_visible_patents(user))
    return NOTHING


def evaluation_list(*, user: User) -> QuerySet[MarketEvaluation]:
    return MarketEvaluation.objects.filter(evaluation_scope_q(user)).select_related(
        "patent", "patent__institution", "enterprise", "commission__expert", "answered_by"
    )


def evaluation_get(*, user: User, pk: int) -> MarketEvaluation | None:
    return evaluation_list(user=user).filter(pk=pk).first()


def commission_scope_q(user: User) -> Q:
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.EXPERT:
        return Q(expert__user=user)
    if user.role == Role.ENTERPRISE:
        return Q(enterprise_id=user.enterprise_id) if user.enterprise_id else NOTHING
    if user.role == Role.INSTITUTION_ADMIN and user.institution_id:
        return Q(institution_id=user.institution_id) | Q(patent__institution_id=user.institution_id)
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        return Q(patent__institution__province_id=user.province_id)
    return NOTHING


def commission_list(*, user: User) -> QuerySet[Commission]:
    return Commission.objects.filter(commission_scope_q(user)).select_related(
        "expert", "patent", "patent__institution", "enterprise", "institution"
    )


def expert_scope_q(user: User) -> Q:
    if not _active(user):
        return NOTHING
    if _is_national(user):
        return Q()
    if user.role == Role.PROVINCIAL_BUREAU:
        return Q(province_id=user.province_id)
    if user.role == Role.MINISTRY:
        return NOTHING
    return Q(status=ExpertStatus.ACTIVE)


def expert_list(*, user: User) -> QuerySet[Expert]:
    return Expert.objects.filter(expert_scope_q(user)).select_related("province").prefetch_related("industries")


def evaluation_import_list(*, user: User) -> QuerySet[EvaluationImport]:
    """A provincial bureau's own province's returns; a national admin's all."""
    if not _active(user):
        return EvaluationImport.objects.none()
    if _is_national(user):
        return EvaluationImport.objects.all()
    if user.role == Role.PROVINCIAL_BUREAU and user.province_id:
        return EvaluationImport.objects.filter(province_id=user.province_id)
    return EvaluationImport.objects.none()


def suggested_experts(*, patent: Patent, limit: int = 5) -> list[tuple[Expert, str]]:
    """Active experts whose industries or technical fields match the patent, best first, each with why."""
    assessment = getattr(patent, "assessment", None)
    industry = assessment.industry.code if assessment is not None and assessment.industry_id else ""
    ipc = (patent.ipc_subclass or "").upper()
    candidates = Expert.objects.filter(status=ExpertStatus.ACTIVE).select_related("user", "province")
    q = Q()
    if industry:
        # An expert's class matches when either code is an ancestor of the other (C38 ~ C3841).
        prefixes = [industry[:n] for n in range(1, len(industry) + 1)]
        q |= Q(industries__code__in=prefixes) | Q(industries__code__startswith=industry)
    if ipc:
        q |= Q(technical_fields__icontains=ipc)
    if not q:
        return []
    ranked = candidates.filter(q).annotate(hits=Count("industries", distinct=True)).distinct()
    result = []
    for expert in ranked.prefetch_related("industries")[: limit * 4]:
        if expert_conflict_reason(expert=expert, patent=patent) is not None:
            continue
        reasons = []
        matched = [
            c.code
            for c in expert.industries.all()
            if industry and (industry.startswith(c.code) or c.code.startswith(industry))
        ]
        if matched:
            reasons.append(f"行业匹配：{'、'.join(matched)}")
        if ipc and ipc in (expert.technical_fields or "").upper():
            reasons.append(f"技术领域：{ipc}")
        if expert.province_id == patent.institution.province_id:
            reasons.append("同省")
        result.append((expert, "；".join(reasons)))
        if len(result) == limit:
            break
    result.sort(key=lambda pair: -len(pair[1].split("；")))
    return result


def market_coverage(*, user: User, by: str = "institution") -> list[dict]:
    """Library patents with at least one market rating, per institution or per province, within the user's scope."""
    from evaluations.selectors import in_library_q

    library = Patent.objects.filter(patent_scope_q(user) & in_library_q())
    key = "institution__name" if by == "institution" else "institution__province__name"
    rows = (
        library.values(key)
        .annotate(in_library=Count("pk"), rated=Count("pk", filter=Q(assessment__market_rating_count__gt=0)))
        .order_by(key)
    )
    return [{"name": r[key], "in_library": r["in_library"], "rated": r["rated"]} for r in rows]
