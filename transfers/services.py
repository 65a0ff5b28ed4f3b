"""Writes of deals: register a deal (its schedule and the patents' implementation state follow), record payments,
the CNIPA recording and industrialization, keep the decision dossier, close it, and the open-licence actions.

Every function is atomic, checks the actor's right first (a refused call writes nothing), asks ``rules.refusal`` for
every licensing action, and leaves django-simple-history rows. Errors are Chinese / English.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from enterprises.models import Enterprise
from evaluations.choices import ImplementationLevel1, ImplementationLevel2
from evaluations.services import assessment_record_implementation
from institutions.choices import Role
from institutions.models import User
from patentpool.models import Patent
from patentpool.selectors import patent_scope_q

from .choices import (
    LICENCE_KINDS,
    TRANSFER_KINDS,
    DealKind,
    DealStatus,
    DueKind,
    OpenLicenceFeeMethod,
    OpenLicenceStatus,
    PaymentMethod,
    PromotionTier,
    RecordingStatus,
)
from .models import (
    Deal,
    DealApproval,
    DealDocument,
    DossierCorrection,
    Industrialization,
    NoticeObjection,
    OpenLicenceDeclaration,
    Payment,
    PaymentDue,
    PromotionTierChoice,
)
from .rules import LicenceAction, refusal
from .selectors import deal_can_manage, deal_can_record_industrialization, licence_state

MAX_BUNDLE = 9  # the national format's bundle holds at most nine application numbers
MAX_SCHEDULE_YEARS = 20  # a patent lives 20 years at most: no schedule runs longer
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# The self-assessment state a registered deal puts its patents in.
IMPLEMENTATION_OF = {
    DealKind.TRANSFER: (ImplementationLevel1.TRANSFERRED, ImplementationLevel2.TRANSFER_SIGNED),
    DealKind.EQUITY: (ImplementationLevel1.TRANSFERRED, ImplementationLevel2.EQUITY),
    DealKind.ORDINARY_LICENCE: (ImplementationLevel1.LICENSED, ImplementationLevel2.ORDINARY_LICENCE_SIGNED),
    DealKind.SOLE_LICENCE: (ImplementationLevel1.LICENSED, ImplementationLevel2.SOLE_LICENCE_SIGNED),
    DealKind.EXCLUSIVE_LICENCE: (ImplementationLevel1.LICENSED, ImplementationLevel2.EXCLUSIVE_LICENCE_SIGNED),
    DealKind.OPEN_LICENCE: (ImplementationLevel1.LICENSED, ImplementationLevel2.OPEN_LICENCE_SIGNED),
    DealKind.PATENT_POOL: (ImplementationLevel1.LICENSED, ImplementationLevel2.PATENT_POOL),
}
ACTION_OF = {
    DealKind.TRANSFER: LicenceAction.TRANSFER,
    DealKind.EQUITY: LicenceAction.TRANSFER,
    DealKind.ORDINARY_LICENCE: LicenceAction.ORDINARY,
    DealKind.SOLE_LICENCE: LicenceAction.SOLE,
    DealKind.EXCLUSIVE_LICENCE: LicenceAction.EXCLUSIVE,
    DealKind.OPEN_LICENCE: LicenceAction.TAKE_OPEN,
    DealKind.PATENT_POOL: LicenceAction.POOL,
}


def _is_manager(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role in (Role.INSTITUTION_ADMIN, Role.NATIONAL_ADMIN))


def _locked_deal(user: User, deal_id: int, *, manage: bool = True) -> Deal:
    """The deal, locked; PermissionDenied unless the user may change it (404-like for out of scope: the views
    fetch through the scoped selector first)."""
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None or (manage and not deal_can_manage(user=user, deal=deal)):
        raise PermissionDenied("您无权修改该交易 / You may not change this deal")
    return deal


def _refuse_if_closed(deal: Deal) -> None:
    if deal.is_closed:
        raise ValidationError(
            "交易已办结归档，决策档案不可修改；请添加更正记录 / The deal is closed: its dossier cannot change; add a "
            "correction instead"
        )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# -- the payment schedule --------------------------------------------------------------------------------------------


@dataclass
class Milestone:
    due_date: datetime.date
    amount_wan: Decimal
    description: str


@dataclass
class DealTerms:
    """Everything a deal is registered with (forms and the API build one; ``deal_register`` checks it)."""

    patent_id: int
    kind: str
    contract_date: datetime.date
    counterparty: str = ""
    enterprise_id: int | None = None
    bundle_patent_ids: list[int] = field(default_factory=list)
    amount_wan: Decimal | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None
    territory: str = ""
    field_of_use: str = ""
    sublicensing_allowed: bool = False
    payment_method: str = PaymentMethod.LUMP_SUM
    first_due_date: datetime.date | None = None
    entry_fee_wan: Decimal | None = None
    royalty_rate: Decimal | None = None
    royalty_base: str = ""
    instalments: int | None = None
    interval_months: int = 12
    milestones: list[Milestone] = field(default_factory=list)
    pricing_method: str = ""
    valuation_reference: str = ""
    reform_variant: str = ""
    inventor_reward_share: Decimal | None = None
    notice_start: datetime.date | None = None
    notice_days: int | None = None


def _terms_problems(t: DealTerms) -> dict[str, str]:
    """What is wrong with the terms, per field (Chinese / English); {} when they are consistent."""
    p: dict[str, str] = {}
    positive = "须为正数 / must be positive"
    if t.kind not in DealKind.values:
        p["kind"] = "未知的转化方式 / Unknown deal kind"
    if not t.counterparty.strip() and not t.enterprise_id:
        p["counterparty"] = "请选择企业或填写受让方/被许可方名称 / Choose an enterprise or name the counterparty"
    if t.term_start and t.term_end and t.term_end < t.term_start:
        p["term_end"] = "许可期限止不能早于起始日 / The term cannot end before it starts"
    if t.kind in LICENCE_KINDS and t.kind != DealKind.OPEN_LICENCE and not t.term_end:
        p["term_end"] = "许可合同须约定期限 / A licence needs a term"
    if t.amount_wan is not None and t.amount_wan < 0:
        p["amount_wan"] = f"合同金额{positive}"
    method = t.payment_method
    if method not in PaymentMethod.values:
        p["payment_method"] = "未知的支付方式 / Unknown payment method"
    elif method in (PaymentMethod.LUMP_SUM, PaymentMethod.INSTALMENTS) and not (t.amount_wan and t.amount_wan > 0):
        p["amount_wan"] = "一次性或分期支付须填写合同金额 / A lump sum or instalments need the contract amount"
    if method == PaymentMethod.INSTALMENTS and not (t.instalments and 2 <= t.instalments <= 60):
        p["instalments"] = "分期期数须在 2 到 60 之间 / Instalments: between 2 and 60"
    if method == PaymentMethod.INSTALMENTS and not (1 <= t.interval_months <= 24):
        p["interval_months"] = "分期间隔须在 1 到 24 个月之间 / Interval: between 1 and 24 months"
    if method == PaymentMethod.ENTRY_FEE_ROYALTY:
        if t.entry_fee_wan is None or t.entry_fee_wan < 0:
            p["entry_fee_wan"] = (
                "入门费+提成须填写入门费（可为 0） / Entry fee + royalty needs the entry fee (may be 0)"
            )
        if not (t.royalty_rate and Decimal(0) < t.royalty_rate <= Decimal(100)):
            p["royalty_rate"] = "提成比例须大于 0 且不超过 100% / The royalty rate must be above 0 and at most 100%"
        if not t.royalty_base.strip():
            p["royalty_base"] = "请填写提成基数（如：产品销售额） / Name the royalty base (e.g. product sales)"
        if not t.term_end:
            p["term_end"] = "按提成支付须约定期限 / A running royalty needs a term"
    if method == PaymentMethod.MILESTONES:
        if not t.milestones:
            p["milestones"] = "里程碑支付至少需要一个里程碑 / Milestone payments need at least one milestone"
        elif any(m.amount_wan <= 0 for m in t.milestones):
            p["milestones"] = f"里程碑金额{positive}"
        elif t.amount_wan is not None and sum(m.amount_wan for m in t.milestones) != t.amount_wan:
            p["milestones"] = "里程碑金额之和须等于合同金额 / Milestone amounts must add up to the contract amount"
    if t.inventor_reward_share is not None and not (Decimal(0) <= t.inventor_reward_share <= Decimal(100)):
        p["inventor_reward_share"] = "发明人奖励比例须在 0 到 100% 之间 / The reward share is between 0 and 100%"
    if t.notice_days is not None and not (1 <= t.notice_days <= 90):
        p["notice_days"] = "公示期须在 1 到 90 天之间 / The notice period is 1 to 90 days"
    if len(set(t.bundle_patent_ids) - {t.patent_id}) > MAX_BUNDLE - 1:
        p["bundle_patent_ids"] = "组合专利最多 9 件 / A bundle holds at most nine patents"
    return p


def build_schedule(t: DealTerms) -> list[PaymentDue]:
    """The expected payments the terms imply (unsaved rows, in order)."""
    first = t.first_due_date or t.contract_date
    dues: list[PaymentDue] = []

    def add(kind, due_date, amount, description=""):
        dues.append(PaymentDue(kind=kind, due_date=due_date, amount_wan=amount, description=description))

    if t.payment_method == PaymentMethod.LUMP_SUM:
        add(DueKind.LUMP_SUM, first, t.amount_wan)
    elif t.payment_method == PaymentMethod.INSTALMENTS:
        n = t.instalments
        share = (t.amount_wan / n).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        for i in range(n):
            amount = t.amount_wan - share * (n - 1) if i == n - 1 else share  # the cents left over go last
            add(DueKind.INSTALMENT, add_months(first, i * t.interval_months), amount, f"第 {i + 1}/{n} 期")
    elif t.payment_method == PaymentMethod.ENTRY_FEE_ROYALTY:
        if t.entry_fee_wan:
            add(DueKind.ENTRY_FEE, first, t.entry_fee_wan)
        start = t.term_start or t.contract_date
        for year in range(1, MAX_SCHEDULE_YEARS + 1):
            day = add_months(start, 12 * year)
            if day > add_months(t.term_end, 3):
                break
            add(DueKind.ROYALTY, day, None, f"第 {year} 年：{t.royalty_base} × {t.royalty_rate.normalize()}%")
    elif t.payment_method == PaymentMethod.MILESTONES:
        for m in sorted(t.milestones, key=lambda m: m.due_date):
            add(DueKind.MILESTONE, m.due_date, m.amount_wan, m.description[:255])
    for position, due in enumerate(dues):
        due.position = position
    return dues


# -- registering a deal ----------------------------------------------------------------------------------------------


def _patents_for(user: User, t: DealTerms) -> list[Patent]:
    ids = sorted({t.patent_id, *t.bundle_patent_ids})
    patents = list(Patent.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    visible = set(Patent.objects.filter(patent_scope_q(user), pk__in=ids).values_list("pk", flat=True))
    if len(patents) != len(ids) or visible != set(ids):
        raise PermissionDenied("所选专利中有不属于您的 / Some selected patents are not yours")
    if len({p.institution_id for p in patents}) > 1:
        raise ValidationError(
            {"bundle_patent_ids": "组合中的专利须属于同一单位 / A bundle's patents belong to one institution"}
        )
    return patents


def _check_rules(patents: list[Patent], action: str, *, today: datetime.date, report: bool = False) -> None:
    problems = []
    for patent in patents:
        reason = refusal(licence_state(patent, today=today, evaluation_report=report), action)
        if reason:
            problems.append(f"{patent.application_number}：{reason}")
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def deal_register(*, user: User, terms: DealTerms, open_licence: OpenLicenceDeclaration | None = None) -> Deal:
    """Register a deal on one patent or a bundle: the deal, its payment schedule, and the patents' implementation
    state (a transfer or equity contribution takes them out of the convertible stock). All or nothing."""
    if not _is_manager(user):
        raise PermissionDenied("只有单位管理员可以登记交易 / Only institution admins register deals")
    problems = _terms_problems(terms)
    if terms.kind == DealKind.OPEN_LICENCE and open_licence is None:
        problems["kind"] = (
            "开放许可由企业按声明条件取得，不能直接登记 / An open licence is taken by the enterprise on the declared "
            "terms, not registered directly"
        )
    if problems:
        raise ValidationError(problems)
    patents = _patents_for(user, terms)
    today = timezone.localdate()
    if open_licence is None:
        _check_rules(patents, ACTION_OF[terms.kind], today=today)
    enterprise = None
    if terms.enterprise_id:
        enterprise = Enterprise.objects.filter(pk=terms.enterprise_id).first()
        if enterprise is None:
            raise ValidationError({"enterprise_id": "企业不存在 / No such enterprise"})
    lead = next(p for p in patents if p.pk == terms.patent_id)
    amount = terms.amount_wan
    if amount is None and terms.payment_method == PaymentMethod.MILESTONES:
        amount = sum(m.amount_wan for m in terms.milestones)
    deal = Deal(
        patent=lead,
        institution_id=lead.institution_id,
        kind=terms.kind,
        enterprise=enterprise,
        counterparty=(terms.counterparty.strip() or enterprise.name)[:128],
        amount_wan=amount,
        contract_date=terms.contract_date,
        term_start=terms.term_start,
        term_end=terms.term_end,
        territory=terms.territory.strip(),
        field_of_use=terms.field_of_use.strip(),
        sublicensing_allowed=terms.sublicensing_allowed,
        payment_method=terms.payment_method,
        entry_fee_wan=terms.entry_fee_wan,
        royalty_rate=terms.royalty_rate,
        royalty_base=terms.royalty_base.strip(),
        instalments=terms.instalments,
        open_licence=open_licence,
        pricing_method=terms.pricing_method,
        valuation_reference=terms.valuation_reference.strip(),
        reform_variant=terms.reform_variant,
        inventor_reward_share=terms.inventor_reward_share,
        notice_start=terms.notice_start,
        notice_days=terms.notice_days,
        created_by=user,
    )
    deal._history_user = user
    deal._change_reason = "deal:register"
    deal.save()
    others = [p for p in patents if p.pk != lead.pk]
    if others:
        deal.bundle_patents.set(others)
    dues = build_schedule(terms)
    for due in dues:
        due.deal = deal
    bulk_create_with_history(dues, PaymentDue, default_user=user, default_change_reason="deal:register")
    level1, level2 = IMPLEMENTATION_OF[terms.kind]
    assessment_record_implementation(
        actor=user,
        patent_ids=[p.pk for p in patents],
        level1=level1,
        level2=level2,
        amount_wan=amount if len(patents) == 1 else None,
        leaves_convertible_stock=terms.kind in TRANSFER_KINDS,
    )
    return deal


@transaction.atomic
def deal_end(*, user: User, deal_id: int, ended_on: datetime.date) -> Deal:
    """The deal ends (a licence terminated early, a contract rescinded): it no longer blocks other licences."""
    deal = _locked_deal(user, deal_id)
    if deal.status == DealStatus.ENDED:
        raise ValidationError("交易已终止 / The deal has already ended")
    if ended_on < deal.contract_date:
        raise ValidationError({"ended_on": "终止日不能早于合同签订日 / It cannot end before it was signed"})
    deal.status = DealStatus.ENDED
    if deal.term_end is None or deal.term_end > ended_on:
        deal.term_end = ended_on
    deal._history_user = user
    deal._change_reason = "deal:end"
    deal.save()
    return deal


# -- payments --------------------------------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    user: User,
    due_id: int,
    paid_on: datetime.date,
    amount_wan: Decimal,
    inventor_reward_wan: Decimal | None = None,
    note: str = "",
) -> Payment:
    """Record a payment received against one expected payment. The inventors' reward share is noted: given, or
    computed from the deal's reward share."""
    due = PaymentDue.objects.select_for_update().select_related("deal").filter(pk=due_id).first()
    if due is None or not deal_can_manage(user=user, deal=due.deal):
        raise PermissionDenied("您无权记录该款项 / You may not record this payment")
    problems = {}
    if amount_wan is None or amount_wan <= 0:
        problems["amount_wan"] = "到账金额须为正数 / The amount must be positive"
    elif due.amount_wan is not None and amount_wan > due.amount_wan - due.paid_wan:
        problems["amount_wan"] = (
            f"超过未付金额 {due.amount_wan - due.paid_wan} 万元 / More than the outstanding "
            f"{due.amount_wan - due.paid_wan} (10k yuan)"
        )
    if paid_on > timezone.localdate():
        problems["paid_on"] = "到账日不能晚于今天 / The payment date cannot be in the future"
    elif paid_on < due.deal.contract_date:
        problems["paid_on"] = "到账日不能早于合同签订日 / The payment date cannot precede the contract"
    if inventor_reward_wan is not None and (
        inventor_reward_wan < 0 or (amount_wan and inventor_reward_wan > amount_wan)
    ):
        problems["inventor_reward_wan"] = (
            "发明人奖励须在 0 与到账金额之间 / The inventors' reward is between 0 and the amount"
        )
    if problems:
        raise ValidationError(problems)
    if inventor_reward_wan is None and due.deal.inventor_reward_share is not None:
        inventor_reward_wan = (amount_wan * due.deal.inventor_reward_share / 100).quantize(Decimal("0.01"))
    payment = Payment(
        due=due,
        paid_on=paid_on,
        amount_wan=amount_wan,
        inventor_reward_wan=inventor_reward_wan,
        note=note.strip()[:255],
        recorded_by=user,
    )
    payment._history_user = user
    payment.save()
    due.paid_wan += amount_wan
    due._history_user = user
    due._change_reason = "payment"
    due.save()
    return payment


# -- CNIPA recording -------------------------------------------------------------------------------------------------


@transaction.atomic
def deal_record_recording(
    *, user: User, deal_id: int, status: str, number: str = "", recorded_on: datetime.date | None = None
) -> Deal:
    """The transfer registration (转让登记) or licence-contract recording (许可合同备案) with CNIPA: its number,
    date and status (pending / recorded / changed / cancelled). The quarterly figures use the recording date."""
    deal = _locked_deal(user, deal_id)
    number = number.strip()
    problems = {}
    if status not in RecordingStatus.values or status == RecordingStatus.NONE:
        problems["status"] = "请选择登记/备案状态 / Choose the recording status"
    elif status in (RecordingStatus.RECORDED, RecordingStatus.CHANGED):
        if not number:
            problems["number"] = "已登记/备案须填写登记/备案号 / A recording needs its number"
        if recorded_on is None:
            problems["recorded_on"] = "已登记/备案须填写登记/备案日 / A recording needs its date"
    elif status == RecordingStatus.CANCELLED and deal.recording_status not in (
        RecordingStatus.RECORDED,
        RecordingStatus.CHANGED,
    ):
        problems["status"] = "只有已登记/备案的交易可以注销 / Only a recorded deal can be cancelled"
    if recorded_on is not None:
        if recorded_on < deal.contract_date:
            problems["recorded_on"] = "登记/备案日不能早于合同签订日 / It cannot be recorded before it was signed"
        elif recorded_on > timezone.localdate():
            problems["recorded_on"] = "登记/备案日不能晚于今天 / The recording date cannot be in the future"
    if len(number) > 64:
        problems["number"] = "登记/备案号过长 / The number is too long"
    if problems:
        raise ValidationError(problems)
    deal.recording_status = status
    if status != RecordingStatus.CANCELLED:
        if number:
            deal.registration_number = number
        if recorded_on is not None:
            deal.registered_on = recorded_on
    deal._history_user = user
    deal._change_reason = f"recording:{status}"
    deal.save()
    return deal


# -- industrialization -----------------------------------------------------------------------------------------------


@transaction.atomic
def industrialization_record(
    *,
    user: User,
    deal_id: int,
    patent_id: int,
    product_name: str,
    started_on: datetime.date,
    sales_band: str = "",
    product_filing_number: str = "",
    filed_on: datetime.date | None = None,
) -> Industrialization:
    """The counterparty enterprise (or the institution) records that a licensed or transferred patent went into
    production; a licensed patent's self-assessment gains 已由被许可人实现产业化 with the product name."""
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None or not deal_can_record_industrialization(user=user, deal=deal):
        raise PermissionDenied("您无权记录该交易的产业化 / You may not record industrialization for this deal")
    problems = {}
    if patent_id != deal.patent_id and not deal.bundle_patents.filter(pk=patent_id).exists():
        problems["patent_id"] = "该专利不在此交易中 / The patent is not part of this deal"
    if not product_name.strip():
        problems["product_name"] = "请填写产品名称 / Name the product"
    if started_on < deal.contract_date:
        problems["started_on"] = "投产日期不能早于合同签订日 / Production cannot start before the contract"
    elif started_on > timezone.localdate():
        problems["started_on"] = "投产日期不能晚于今天 / The start cannot be in the future"
    if bool(product_filing_number.strip()) != bool(filed_on):
        problems["filed_on"] = "产品备案号与备案日须同时填写 / The filing number and its date go together"
    elif filed_on and filed_on > timezone.localdate():
        problems["filed_on"] = "备案日不能晚于今天 / The filing date cannot be in the future"
    if problems:
        raise ValidationError(problems)
    row = Industrialization(
        deal=deal,
        patent_id=patent_id,
        product_name=product_name.strip()[:255],
        started_on=started_on,
        sales_band=sales_band,
        product_filing_number=product_filing_number.strip()[:64],
        filed_on=filed_on,
        recorded_by=user,
    )
    row._history_user = user
    row.save()
    if deal.kind not in TRANSFER_KINDS:
        assessment_record_implementation(
            actor=user,
            patent_ids=[patent_id],
            level1=ImplementationLevel1.LICENSED,
            level2=ImplementationLevel2.LICENSEE_INDUSTRIALIZED,
            product_name=row.product_name,
        )
    return row


# -- the decision dossier (尽职免责) ----------------------------------------------------------------------------------

DOSSIER_FIELDS = (
    "pricing_method", "valuation_reference", "reform_variant", "inventor_reward_share", "notice_start", "notice_days",
)  # fmt: skip


@transaction.atomic
def deal_dossier_update(*, user: User, deal_id: int, data: dict) -> Deal:
    """Change the dossier's own facts (pricing method and appraisal, notice, reform variant, reward share) while
    the deal is open."""
    deal = _locked_deal(user, deal_id)
    _refuse_if_closed(deal)
    share = data.get("inventor_reward_share")
    if share is not None and not (Decimal(0) <= share <= Decimal(100)):
        raise ValidationError(
            {"inventor_reward_share": "发明人奖励比例须在 0 到 100% 之间 / The reward share is between 0 and 100%"}
        )
    days = data.get("notice_days")
    if days is not None and not (1 <= days <= 90):
        raise ValidationError({"notice_days": "公示期须在 1 到 90 天之间 / The notice period is 1 to 90 days"})
    for name in DOSSIER_FIELDS:
        if name in data:
            value = data[name]
            setattr(deal, name, value.strip() if isinstance(value, str) else value)
    deal._history_user = user
    deal._change_reason = "dossier"
    deal.save()
    return deal


@transaction.atomic
def objection_record(
    *,
    user: User,
    deal_id: int,
    received_on: datetime.date,
    objector: str,
    content: str,
    handling: str = "",
    handled_on: datetime.date | None = None,
) -> NoticeObjection:
    """An objection received during the public notice, with how it was handled (or to be handled later)."""
    deal = _locked_deal(user, deal_id)
    _refuse_if_closed(deal)
    if not objector.strip() or not content.strip():
        raise ValidationError({"content": "请填写异议人和异议内容 / Name the objector and the objection"})
    if bool(handling.strip()) != bool(handled_on):
        raise ValidationError({"handled_on": "处理情况与处理日期须同时填写 / The handling and its date go together"})
    row = NoticeObjection(
        deal=deal, received_on=received_on, objector=objector.strip()[:128], content=content.strip(),
        handling=handling.strip(), handled_on=handled_on,
    )  # fmt: skip
    row._history_user = user
    row.save()
    return row


@transaction.atomic
def objection_handle(*, user: User, objection_id: int, handling: str, handled_on: datetime.date) -> NoticeObjection:
    row = NoticeObjection.objects.select_for_update().filter(pk=objection_id).first()
    if row is None:
        raise PermissionDenied("您无权修改该交易 / You may not change this deal")
    deal = _locked_deal(user, row.deal_id)
    _refuse_if_closed(deal)
    if not handling.strip():
        raise ValidationError({"handling": "请填写处理情况 / Describe how it was handled"})
    row.handling, row.handled_on = handling.strip(), handled_on
    row._history_user = user
    row.save()
    return row


@transaction.atomic
def approval_record(
    *, user: User, deal_id: int, body: str, decided_on: datetime.date, decision: str, meeting: str = "", note: str = ""
) -> DealApproval:
    """An internal approval: who (person or body), when, at which meeting, what they decided."""
    deal = _locked_deal(user, deal_id)
    _refuse_if_closed(deal)
    from .choices import ApprovalDecision

    if not body.strip():
        raise ValidationError({"body": "请填写审批人或审批机构 / Name who approved"})
    if decision not in ApprovalDecision.values:
        raise ValidationError({"decision": "请选择审批决定 / Choose the decision"})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "决定日期不能晚于今天 / The decision date cannot be in the future"})
    row = DealApproval(
        deal=deal, body=body.strip()[:128], decided_on=decided_on, decision=decision, meeting=meeting.strip()[:255],
        note=note.strip()[:500],
    )  # fmt: skip
    row._history_user = user
    row.save()
    return row


@transaction.atomic
def document_add(*, user: User, deal_id: int, title: str, upload) -> DealDocument:
    """Attach a document to the dossier (kept with its SHA-256, so the exported file can be checked)."""
    deal = _locked_deal(user, deal_id)
    _refuse_if_closed(deal)
    if not title.strip():
        raise ValidationError({"title": "请填写文件名称 / Name the document"})
    if upload is None or upload.size == 0:
        raise ValidationError({"file": "请选择文件 / Choose a file"})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "文件不能超过 20 MB / A document may not exceed 20 MB"})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    row = DealDocument(deal=deal, title=title.strip()[:128], sha256=digest.hexdigest(), uploaded_by=user)
    # The file is written last: nothing after it can fail and roll the row back while leaving the file behind.
    row.file.save(upload.name.replace("/", "_")[-100:], upload, save=False)
    row._history_user = user
    row.save()
    return row


def close_problems(deal: Deal) -> list[str]:
    """What stops the deal from being closed: the record must show how it was priced, noticed and approved."""
    problems = []
    if not deal.pricing_method:
        problems.append("请填写定价方式 / Record the pricing method")
    if deal.pricing_method == "agreement" and not deal.valuation_reference:
        problems.append("协议定价须注明评估或估值依据 / Agreed pricing needs its valuation reference")
    if not (deal.notice_start and deal.notice_days):
        problems.append("请填写公示开始日和公示期 / Record the public notice (start and period)")
    elif deal.notice_end > timezone.localdate():
        problems.append("公示期尚未结束 / The notice period has not ended")
    if deal.objections.filter(handled_on__isnull=True).exists():
        problems.append("仍有未处理的公示异议 / Some objections are not handled yet")
    if not deal.approvals.filter(decision__in=["approved", "conditional"]).exists():
        problems.append("请登记内部审批 / Record the internal approval")
    return problems


@transaction.atomic
def deal_close(*, user: User, deal_id: int) -> Deal:
    """Close the deal: its terms and dossier are frozen from now on (corrections are appended)."""
    deal = _locked_deal(user, deal_id)
    _refuse_if_closed(deal)
    problems = close_problems(deal)
    if problems:
        raise ValidationError(problems)
    deal.closed_at = timezone.now()
    deal._history_user = user
    deal._change_reason = "deal:close"
    deal.save()
    return deal


@transaction.atomic
def correction_add(*, user: User, deal_id: int, text: str) -> DossierCorrection:
    """A correction to a closed deal's dossier, appended with who and when."""
    deal = _locked_deal(user, deal_id)
    if not deal.is_closed:
        raise ValidationError("交易尚未办结，请直接修改档案 / The deal is open: change the dossier directly")
    if not text.strip():
        raise ValidationError({"text": "请填写更正内容 / Describe the correction"})
    return DossierCorrection.objects.create(deal=deal, text=text.strip(), author=user)


# -- open licences ---------------------------------------------------------------------------------------------------


@transaction.atomic
def open_licence_declare(
    *,
    user: User,
    patent_id: int,
    fee_method: str,
    term_years: int,
    fee_wan: Decimal | None = None,
    royalty_rate: Decimal | None = None,
    royalty_base: str = "",
    evaluation_report_ref: str = "",
    declared_on: datetime.date | None = None,
) -> OpenLicenceDeclaration:
    """Declare a patent open for licensing with its fee method and standard and its term. No fee ceiling."""
    if not _is_manager(user):
        raise PermissionDenied("只有单位管理员可以声明开放许可 / Only institution admins declare open licences")
    patent = Patent.objects.select_for_update().filter(patent_scope_q(user), pk=patent_id).first()
    if patent is None:
        raise PermissionDenied("该专利不属于您 / The patent is not yours")
    problems = {}
    if fee_method == OpenLicenceFeeMethod.FIXED:
        if fee_wan is None or fee_wan < 0:
            problems["fee_wan"] = "固定费用须填写许可使用费（可为 0） / A fixed fee needs the fee (may be 0)"
    elif fee_method == OpenLicenceFeeMethod.ROYALTY:
        if not (royalty_rate and Decimal(0) < royalty_rate <= Decimal(100)):
            problems["royalty_rate"] = (
                "提成比例须大于 0 且不超过 100% / The royalty rate must be above 0 and at most 100%"
            )
        if not royalty_base.strip():
            problems["royalty_base"] = "请填写提成基数 / Name the royalty base"
    else:
        problems["fee_method"] = "请选择付费方式 / Choose the fee method"
    if not term_years or not (1 <= term_years <= MAX_SCHEDULE_YEARS):
        problems["term_years"] = "许可期限须在 1 到 20 年之间 / The term is 1 to 20 years"
    if problems:
        raise ValidationError(problems)
    reason = refusal(
        licence_state(patent, evaluation_report=bool(evaluation_report_ref.strip())), LicenceAction.DECLARE_OPEN
    )
    if reason:
        raise ValidationError(reason)
    row = OpenLicenceDeclaration(
        patent=patent, institution_id=patent.institution_id, fee_method=fee_method,
        fee_wan=fee_wan if fee_method == OpenLicenceFeeMethod.FIXED else None,
        royalty_rate=royalty_rate if fee_method == OpenLicenceFeeMethod.ROYALTY else None,
        royalty_base=royalty_base.strip() if fee_method == OpenLicenceFeeMethod.ROYALTY else "",
        term_years=term_years, evaluation_report_ref=evaluation_report_ref.strip()[:64],
        declared_on=declared_on or timezone.localdate(), declared_by=user,
    )  # fmt: skip
    row._history_user = user
    row.save()
    assessment_record_implementation(
        actor=user,
        patent_ids=[patent.pk],
        level1=ImplementationLevel1.LICENSED,
        level2=ImplementationLevel2.OPEN_LICENCE_PLANNED,
    )
    return row


@transaction.atomic
def open_licence_withdraw(*, user: User, declaration_id: int, reason: str) -> OpenLicenceDeclaration:
    """Withdraw a declaration: recorded with its reason and date and still listed (published); licences already
    taken stay valid."""
    row = OpenLicenceDeclaration.objects.select_for_update().filter(pk=declaration_id).first()
    if (
        row is None
        or not _is_manager(user)
        or not Patent.objects.filter(patent_scope_q(user), pk=row.patent_id).exists()
    ):
        raise PermissionDenied("您无权撤回该声明 / You may not withdraw this declaration")
    if row.status != OpenLicenceStatus.ACTIVE:
        raise ValidationError("该声明已撤回 / The declaration has already been withdrawn")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤回原因 / Give the reason for withdrawing"})
    row.status = OpenLicenceStatus.WITHDRAWN
    row.withdrawn_on = timezone.localdate()
    row.withdrawal_reason = reason.strip()[:255]
    row._history_user = user
    row._change_reason = "open-licence:withdraw"
    row.save()
    return row


@transaction.atomic
def open_licence_take(*, user: User, declaration_id: int) -> Deal:
    """An enterprise takes an open licence on the declared terms: its written notice is this action, and the licence
    deal (term and fee schedule from the declaration) is created in the same transaction."""
    if not (user.is_active and user.role == Role.ENTERPRISE and user.enterprise_id):
        raise PermissionDenied("只有企业用户可以取得开放许可 / Only enterprise users take open licences")
    row = OpenLicenceDeclaration.objects.select_for_update().select_related("patent").filter(pk=declaration_id).first()
    if row is None:
        raise PermissionDenied("声明不存在 / No such declaration")
    patent = row.patent
    reason = refusal(licence_state(patent), LicenceAction.TAKE_OPEN)
    if reason or row.status != OpenLicenceStatus.ACTIVE:
        raise ValidationError(reason or "该声明已撤回 / The declaration has been withdrawn")
    if row.licences.filter(enterprise_id=user.enterprise_id, status=DealStatus.IN_FORCE).exists():
        raise ValidationError("贵企业已取得该开放许可 / Your enterprise already holds this open licence")
    today = timezone.localdate()
    term_end = add_months(today, 12 * row.term_years) - datetime.timedelta(days=1)
    deal = Deal(
        patent=patent, institution_id=patent.institution_id, kind=DealKind.OPEN_LICENCE,
        enterprise_id=user.enterprise_id, counterparty=user.enterprise.name[:128], contract_date=today,
        term_start=today, term_end=term_end, territory="中国", field_of_use="不限", open_licence=row,
        payment_method=PaymentMethod.LUMP_SUM if row.fee_method == OpenLicenceFeeMethod.FIXED
        else PaymentMethod.ENTRY_FEE_ROYALTY,
        amount_wan=(row.fee_wan * row.term_years) if row.fee_method == OpenLicenceFeeMethod.FIXED else None,
        royalty_rate=row.royalty_rate, royalty_base=row.royalty_base, created_by=user,
    )  # fmt: skip
    deal._history_user = user
    deal._change_reason = "open-licence:take"
    deal.save()
    dues = []
    for year in range(row.term_years):
        day = (
            add_months(today, 12 * year)
            if row.fee_method == OpenLicenceFeeMethod.FIXED
            else add_months(today, 12 * (year + 1))
        )
        if row.fee_method == OpenLicenceFeeMethod.FIXED:
            if row.fee_wan:
                dues.append(PaymentDue(deal=deal, kind=DueKind.OPEN_LICENCE_FEE, due_date=day, amount_wan=row.fee_wan,
                                       description=f"第 {year + 1} 年许可使用费"))  # fmt: skip
        else:
            dues.append(PaymentDue(deal=deal, kind=DueKind.ROYALTY, due_date=day, amount_wan=None,
                                   description=f"第 {year + 1} 年：{row.royalty_base} × {row.royalty_rate.normalize()}%"))  # fmt: skip
    for position, due in enumerate(dues):
        due.position = position
    bulk_create_with_history(dues, PaymentDue, default_user=user, default_change_reason="open-licence:take")
    level1, level2 = IMPLEMENTATION_OF[DealKind.OPEN_LICENCE]
    assessment_record_implementation(
        actor=user, patent_ids=[patent.pk], level1=level1, level2=level2, amount_wan=deal.amount_wan
    )
    return deal


# -- promotion tiers -------------------------------------------------------------------------------------------------


@transaction.atomic
def promotion_tier_set(*, user: User, patent_ids: list[int], tier: str, included: bool) -> int:
    """The institution adds patents to a promotion tier or removes them from it (overriding the rule)."""
    if not _is_manager(user):
        raise PermissionDenied("只有单位管理员可以调整推广层级 / Only institution admins edit promotion tiers")
    if tier not in PromotionTier.values:
        raise ValidationError({"tier": "未知的推广层级 / Unknown tier"})
    ids = sorted(set(patent_ids))
    if not ids:
        raise ValidationError("请至少选择一件专利 / Select at least one patent")
    if Patent.objects.filter(patent_scope_q(user), pk__in=ids).count() != len(ids):
        raise PermissionDenied("所选专利中有不属于您的 / Some selected patents are not yours")
    for patent_id in ids:
        row, _ = PromotionTierChoice.objects.select_for_update().get_or_create(
            patent_id=patent_id, tier=tier, defaults={"included": included, "set_by": user}
        )
        if row.included != included:
            row.included, row.set_by = included, user
            row._history_user = user
            row.save()
    return len(ids)
