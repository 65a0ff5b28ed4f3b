"""Writes of self-assessments: filling one, and the review chain (submit → college approval → approval, or return).

Every action is atomic, refuses the whole batch (writing nothing) when any patent in it may not take the step, and
leaves an audit trail: a ReviewEvent per step and django-simple-history rows for every changed field.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from common.search import search_tokens
from evaluations.record import InventoryRecord, resolve_intent_terms
from institutions.choices import Role
from institutions.models import OrgUnit, User
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q
from patentpool.services import patent_update
from reference.models import IndustryCode, SEIClass

from .choices import IntentLevel1, IntentLevel2, ReviewState
from .models import ConversionIntent, ImplementationStatus, ReviewEvent, SelfAssessment
from .validation import rules_out_conversion, validate_record

Action = ReviewEvent.Action
ADMIN_ROLES = {Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN}

# (action, role) → the states an assessment may leave by that action.
TRANSITIONS: dict[tuple[str, str], set[str]] = {
    (Action.SUBMIT, Role.INVENTOR): {ReviewState.DRAFT, ReviewState.RETURNED},
    (Action.SUBMIT, Role.COLLEGE_ADMIN): {ReviewState.DRAFT, ReviewState.RETURNED},
    (Action.SUBMIT, Role.INSTITUTION_ADMIN): {ReviewState.DRAFT, ReviewState.RETURNED},
    (Action.COLLEGE_APPROVE, Role.COLLEGE_ADMIN): {ReviewState.SUBMITTED},
    (Action.COLLEGE_APPROVE, Role.INSTITUTION_ADMIN): {ReviewState.SUBMITTED},
    # Admins may fill and approve directly, so approval accepts every state short of approved.
    (Action.APPROVE, Role.INSTITUTION_ADMIN): {
        ReviewState.DRAFT, ReviewState.RETURNED, ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED,
    },
    (Action.APPROVE, Role.NATIONAL_ADMIN): {
        ReviewState.DRAFT, ReviewState.RETURNED, ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED,
    },
    (Action.RETURN, Role.COLLEGE_ADMIN): {ReviewState.SUBMITTED},
    (Action.RETURN, Role.INSTITUTION_ADMIN): {
        ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED,
    },
    (Action.RETURN, Role.NATIONAL_ADMIN): {ReviewState.SUBMITTED, ReviewState.COLLEGE_APPROVED, ReviewState.APPROVED},
}  # fmt: skip
TARGET = {
    Action.SUBMIT: ReviewState.SUBMITTED,
    Action.COLLEGE_APPROVE: ReviewState.COLLEGE_APPROVED,
    Action.APPROVE: ReviewState.APPROVED,
    Action.RETURN: ReviewState.RETURNED,
}
# The review comment's room (ReviewEvent.comment, SelfAssessment.review_comment).
COMMENT_MAX_LENGTH = 500
# Steps that need a complete, valid self-assessment.
NEEDS_COMPLETE = {Action.SUBMIT, Action.COLLEGE_APPROVE, Action.APPROVE}


# The states in which an inventor may still change their own self-assessment.
INVENTOR_EDITABLE_STATES = frozenset({ReviewState.DRAFT, ReviewState.RETURNED})


def _role(user: User) -> str:
    return Role.NATIONAL_ADMIN if user.is_superuser else user.role


def review_steps(user: User, state: str | None = None) -> list[str]:
    """The review steps the user's role may take (from ``state``, when given); the services check each patent."""
    role = _role(user)
    return [action for (action, r), states in TRANSITIONS.items() if r == role and (state is None or state in states)]


def _locked_patents(user: User, patent_ids: Iterable[int]) -> list[Patent]:
    """The patents, locked, provided every one is in the user's scope; else PermissionDenied."""
    ids = sorted(set(patent_ids))
    if not ids:
        raise ValidationError("请至少选择一件专利 / Select at least one patent")
    # Lock in id order so two concurrent batches cannot deadlock.
    patents = list(Patent.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    visible = set(Patent.objects.filter(patent_scope_q(user), pk__in=ids).values_list("pk", flat=True))
    if len(patents) != len(ids) or visible != set(ids):
        raise PermissionDenied("所选专利中有不属于您的 / Some selected patents are not yours")
    return patents


def _assessment_for(patent: Patent) -> SelfAssessment:
    assessment = SelfAssessment.objects.select_for_update().filter(patent=patent).first()
    return assessment or SelfAssessment(patent=patent)


def _completeness_problems(patents: list[Patent]) -> dict[int, list[str]]:
    """Per patent, what stops its self-assessment from going to review, in Chinese / English (a few queries for the
    whole selection, not a handful per patent)."""
    from evaluations.record import record_from_patent, with_record_relations

    found = {}
    for patent in with_record_relations(Patent.objects.filter(pk__in=[p.pk for p in patents])):
        problems = validate_record(record_from_patent(patent), patent_type=patent.patent_type)
        found[patent.pk] = [f"{p.message} / {p.message_en}" for p in problems]
    return found


@transaction.atomic
def assessment_transition(*, user: User, patent_ids: Iterable[int], action: str, comment: str = "") -> int:
    """Move the selected patents' self-assessments one step along the review chain. All or nothing."""
    role = _role(user)
    allowed = TRANSITIONS.get((action, role))
    if allowed is None:
        raise PermissionDenied(f"您的角色不能执行“{Action(action).label}” / Your role cannot do this step")
    if action == Action.RETURN and not comment.strip():
        raise ValidationError({"comment": "退回时必须填写意见 / A return needs a comment"})
    if len(comment.strip()) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": f"意见不能超过 {COMMENT_MAX_LENGTH} 字 / A comment has at most {COMMENT_MAX_LENGTH} characters"}
        )
    if "\x00" in comment:  # PostgreSQL refuses NUL in text
        raise ValidationError({"comment": "意见不能包含空字符（\\x00） / A comment cannot contain a NUL character"})
    patents = _locked_patents(user, patent_ids)  # an inventor's scope is already their own patents
    locked = {
        a.patent_id: a
        for a in SelfAssessment.objects.select_for_update().filter(patent__in=patents).order_by("patent_id")
    }
    incomplete = _completeness_problems(patents) if action in NEEDS_COMPLETE else {}
    problems: list[str] = []
    assessments = []
    for patent in patents:
        assessment = locked.get(patent.pk) or SelfAssessment(patent=patent)
        state = assessment.review_state if assessment.pk else ReviewState.DRAFT
        if state not in allowed:
            problems.append(
                f"{patent.application_number}：当前状态“{ReviewState(state).label}”不能{Action(action).label} / "
                f"cannot take this step from state {state}"
            )
            continue
        problems += [f"{patent.application_number}：{p}" for p in incomplete.get(patent.pk, ())]
        assessments.append((assessment, state))
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    target = TARGET[action]
    if action == Action.SUBMIT and role == Role.COLLEGE_ADMIN:
        target = ReviewState.COLLEGE_APPROVED  # the college admin is the college's reviewer: it goes to the institution
    for assessment, state in assessments:
        assessment.review_state = target
        assessment.review_comment = comment.strip() if action == Action.RETURN else ""
        if target == ReviewState.APPROVED:
            assessment.approved_at = now
        assessment._change_reason = f"review:{action}"
        assessment._history_user = user  # simple-history takes the request's user only inside a request
        assessment.save()
        ReviewEvent.objects.create(
            assessment=assessment, action=action, from_state=state, to_state=target, actor=user, comment=comment.strip()
        )
    Patent.objects.filter(pk__in=[p.pk for p in patents]).update(import_fingerprint="")
    return len(assessments)


def _state_after_edit(role: str, state: str) -> str:
    """An inventor's edit is a draft again; a college admin's edit of an approved record needs re-approval."""
    if role == Role.INVENTOR:
        return ReviewState.DRAFT if state in INVENTOR_EDITABLE_STATES else state
    if role == Role.COLLEGE_ADMIN and state == ReviewState.APPROVED:
        return ReviewState.COLLEGE_APPROVED
    return state


@transaction.atomic
def assessment_save(*, user: User, patent_id: int, record: InventoryRecord) -> SelfAssessment:
    """Save the national-format self-assessment of one patent, checked by the validator the importer uses."""
    (patent,) = _locked_patents(user, [patent_id])
    role = _role(user)
    if role not in (Role.INVENTOR, Role.COLLEGE_ADMIN, Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN):
        raise PermissionDenied("您的角色不能填写自评 / Your role cannot fill self-assessments")
    assessment = _assessment_for(patent)
    state = assessment.review_state if assessment.pk else ReviewState.DRAFT
    if role == Role.INVENTOR and state not in INVENTOR_EDITABLE_STATES:
        raise PermissionDenied("已提交的自评不能由发明人修改 / A submitted self-assessment is no longer editable")
    problems = validate_record(record, patent_type=patent.patent_type)
    if problems:
        raise ValidationError({p.key: f"{p.message} / {p.message_en}" for p in problems})
    resolve_intent_terms(record)
    codes = [code for code in record.industry_section.split("|") if code]
    industries = dict(IndustryCode.objects.filter(code__in=codes).values_list("code", "pk"))
    sei = dict(SEIClass.objects.filter(code=record.sei_class).order_by("-edition").values_list("code", "pk"))
    assessment.review_state = _state_after_edit(role, state)
    # A patent a registered transfer or equity deal took out of the stock (assessment_record_implementation) stays out
    # while its self-assessment still says so.
    still_transferred = not assessment.convertible and any(
        s.level1 == "transferred" and s.level2 in ("transfer_signed", "equity") for s in record.implementation_states
    )
    assessment.convertible = not rules_out_conversion(record.implementation_states) and not still_transferred
    for name in (
        "intended_cities", "intended_enterprises", "price_band", "contact_name", "contact_phone", "maturity",
        "products_advantages", "prospect", "ipc_field", "bundle_name", "bundle_description",
    ):  # fmt: skip
        setattr(assessment, name, getattr(record, name) if getattr(record, name) is not None else "")
    assessment.fee_standard_wan = record.fee_standard_wan
    assessment.value_stars = record.value_stars
    assessment.bundle_numbers = ",".join(record.bundle_numbers)
    # Column AA's codes, each at its own level: the first is the main industry.
    assessment.industry_id = industries.get(codes[0]) if codes else None
    assessment.sei_class_id = sei.get(record.sei_class)
    # Saved by the institution: AA / AC are its declaration now, a suggestion it kept included.
    assessment.industries_suggested = assessment.sei_suggested = False
    assessment.assessed_by = user
    assessment.search_text = search_tokens(patent.title, record.products_advantages, record.prospect, patent.inventors)
    assessment._change_reason = "self-assessment"
    assessment._history_user = user
    assessment.save()
    assessment.industries.set([industries[code] for code in codes if code in industries])
    _replace_children(assessment, record)
    if patent.fiscally_funded != record.fiscally_funded:
        patent.fiscally_funded = record.fiscally_funded
        patent._change_reason = "self-assessment"
        patent._history_user = user
        patent.save()
    Patent.objects.filter(pk=patent.pk).update(import_fingerprint="")
    ReviewEvent.objects.create(
        assessment=assessment, action=Action.FILL, from_state=state, to_state=assessment.review_state, actor=user
    )
    return assessment


def _replace_children(assessment: SelfAssessment, record: InventoryRecord) -> None:
    # Deleting through the ORM (not a raw DELETE) lets simple-history record each removed row.
    for child in list(assessment.implementation_states.all()) + list(assessment.intents.all()):
        child.delete()
    for position, entry in enumerate(record.implementation_states):
        ImplementationStatus.objects.create(
            assessment=assessment, position=position, level1=entry.level1, level2=entry.level2,
            custom_text=entry.custom_text, amount_wan=entry.amount_wan, evaluation_result=entry.evaluation_result,
            product_name=entry.product_name, remark=entry.remark,
        )  # fmt: skip
    for position, entry in enumerate(record.intents):
        ConversionIntent.objects.create(
            assessment=assessment, position=position, level1=entry.level1, level2=entry.level2,
            custom_text=entry.custom_text, fee_standard_wan=entry.fee_standard_wan,
            intended_cities=entry.intended_cities, intended_enterprises=entry.intended_enterprises,
            price_band=entry.price_band, contact_name=entry.contact_name, contact_phone=entry.contact_phone,
        )  # fmt: skip


@transaction.atomic
def assessment_set_intent(*, user: User, patent_ids: Iterable[int], level1: str, level2: str = "") -> int:
    """Replace the conversion intent of every selected patent (a bulk action of college and institution admins)."""
    from .choices import INTENT_LEVEL2_BY_LEVEL1

    if _role(user) not in (Role.COLLEGE_ADMIN, Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN):
        raise PermissionDenied("只有管理员可以批量设置转化意愿 / Only admins set intents in bulk")
    if level1 not in IntentLevel1.values or (level2 and level2 not in INTENT_LEVEL2_BY_LEVEL1[IntentLevel1(level1)]):
        raise ValidationError({"level2": "二级转化意愿不属于该一级意愿 / The level-2 intent is not of that level 1"})
    if level2 == IntentLevel2.CUSTOM:
        raise ValidationError({"level2": "批量设置不支持自定义意愿 / Custom intents cannot be set in bulk"})
    patents = _locked_patents(user, patent_ids)
    for patent in patents:
        assessment = _assessment_for(patent)
        if not assessment.pk:
            assessment._history_user = user
            assessment.save()
        for child in assessment.intents.all():
            child.delete()
        # The new intent keeps the terms the patent had (its first intent's).
        ConversionIntent.objects.create(
            assessment=assessment, position=0, level1=level1, level2=level2,
            fee_standard_wan=assessment.fee_standard_wan, intended_cities=assessment.intended_cities,
            intended_enterprises=assessment.intended_enterprises, price_band=assessment.price_band,
            contact_name=assessment.contact_name, contact_phone=assessment.contact_phone,
        )  # fmt: skip
    Patent.objects.filter(pk__in=[p.pk for p in patents]).update(import_fingerprint="")
    return len(patents)


@transaction.atomic
def patent_set_org_unit(*, user: User, patent_ids: Iterable[int], org_unit_id: int) -> int:
    """Move the selected patents to one college of their institution (institution admins)."""
    if _role(user) not in ADMIN_ROLES:
        raise PermissionDenied("只有单位管理员可以调整所属学院 / Only institution admins move patents between colleges")
    patents = _locked_patents(user, patent_ids)
    unit = OrgUnit.objects.filter(pk=org_unit_id).first()
    if unit is None or any(p.institution_id != unit.institution_id for p in patents):
        raise ValidationError(
            {"org_unit": "学院不属于所选专利的单位 / The college is not of these patents' institution"}
        )
    for patent in patents:
        patent.org_unit = unit
        patent.import_fingerprint = ""
        patent._change_reason = "bulk:set-college"
        patent._history_user = user
        patent.save()
    return len(patents)


@transaction.atomic
def patent_facts_update(*, user: User, patent_id: int, data: dict) -> Patent:
    """Change a patent's base-library facts (``patentpool.services.patent_update``: its permissions and rules) and
    keep the self-assessment's searchable text, which includes the title, in step — in one transaction."""
    patent = patent_update(user=user, patent_id=patent_id, data=data)
    if "title" in data or "inventors" in data:
        assessment = SelfAssessment.objects.filter(patent=patent).first()
        if assessment is not None:  # the title and the inventors are part of the searchable text
            SelfAssessment.objects.filter(pk=assessment.pk).update(
                search_text=search_tokens(
                    patent.title, assessment.products_advantages, assessment.prospect, patent.inventors
                )
            )
    return patent


# Implementation states that a deal supersedes: "not implemented" and the plans (已列入…计划) of the same route.
_SUPERSEDED_BY_DEAL = {"not_implemented"}
_PLANNED = {
    "open_licence_planned", "ordinary_licence_planned", "sole_licence_planned", "exclusive_licence_planned",
    "transfer_planned",
}  # fmt: skip


@transaction.atomic
def assessment_record_implementation(
    *,
    actor: User,
    patent_ids: Iterable[int],
    level1: str,
    level2: str = "",
    amount_wan=None,
    product_name: str = "",
    remark: str = "",
    leaves_convertible_stock: bool = False,
) -> int:
    """Record that a deal implemented the patents (已许可 / 已转让 / 已作价入股 / 已由被许可人实现产业化 …) in their
    self-assessments, keeping the national format's implementation states in step with the registered deals.

    The caller (``transfers.services``) has checked the actor's right to the deal; this adds the state once per
    patent (an identical state is not repeated), drops 尚未实施 and the matching plans, and — for a transfer or an
    equity contribution (``leaves_convertible_stock``) — takes the patent out of the institution's convertible stock
    (``convertible`` false, so ``in_library_q`` no longer lists it). A patent without a self-assessment gets a draft
    one holding the state.
    """
    from .choices import IMPLEMENTATION_LEVEL2_BY_LEVEL1, ImplementationLevel1

    if level1 not in ImplementationLevel1.values or (
        level2 and level2 not in IMPLEMENTATION_LEVEL2_BY_LEVEL1[ImplementationLevel1(level1)]
    ):
        raise ValidationError({"level2": "二级状态不属于该一级实施状态 / The level-2 state is not of that level 1"})
    patents = list(Patent.objects.select_for_update().filter(pk__in=sorted(set(patent_ids))).order_by("pk"))
    for patent in patents:
        assessment = _assessment_for(patent)
        if not assessment.pk:
            assessment._history_user = actor
            assessment._change_reason = "deal"
            assessment.save()
        states = list(assessment.implementation_states.all())
        for state in states:
            if state.level1 in _SUPERSEDED_BY_DEAL or state.level2 in _PLANNED:
                state.delete()  # through the ORM: simple-history records the removal
        kept = [s for s in states if s.pk and s.level1 not in _SUPERSEDED_BY_DEAL and s.level2 not in _PLANNED]
        if not any(s.level1 == level1 and s.level2 == level2 and s.product_name == product_name for s in kept):
            ImplementationStatus.objects.create(
                assessment=assessment, position=(max((s.position for s in kept), default=-1) + 1), level1=level1,
                level2=level2, amount_wan=amount_wan, product_name=product_name[:255], remark=remark[:500],
            )  # fmt: skip
        if leaves_convertible_stock and assessment.convertible:
            assessment.convertible = False
            assessment._history_user = actor
            assessment._change_reason = "deal:transferred"
            assessment.save()
    Patent.objects.filter(pk__in=[p.pk for p in patents]).update(import_fingerprint="")
    return len(patents)


def assessment_set_market_view(*, patent_id: int, rating_count: int, stars, interested: int) -> int:
    """Store the market's view of a patent (count of ratings, mean stars, interested enterprises) on its
    self-assessment; called by the market side after every rating. Returns the rows updated (0: no assessment)."""
    return SelfAssessment.objects.filter(patent_id=patent_id).update(
        market_rating_count=rating_count, market_stars=stars, market_interested=interested
    )
