"""Deals: registering (schedule, implementation state, convertible stock), payments, CNIPA recording,
industrialization, the decision dossier, open licences, the quarterly figures, reminders, tiers and idle patents."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from conftest import make_number, token_client
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.models import ImplementationStatus, SelfAssessment
from library.selectors import resource_library_list
from patentpool.choices import PatentType
from patentpool.models import Patent
from transfers import rules
from transfers.choices import DealKind, DueKind, DueStatus, PaymentMethod, PromotionTier, RecordingStatus
from transfers.models import Deal, Industrialization, OpenLicenceDeclaration, Payment, PaymentDue
from transfers.reminders import remind_overdue
from transfers.selectors import (
    deal_counts_by_quarter,
    deal_list,
    idle_fiscal_list,
    idle_fiscal_reasons,
    overdue_dues,
    promotion_tier_list,
)
from transfers.services import (
    DealTerms,
    Milestone,
    approval_record,
    correction_add,
    deal_close,
    deal_dossier_update,
    deal_record_recording,
    deal_register,
    document_add,
    industrialization_record,
    objection_record,
    open_licence_declare,
    open_licence_take,
    open_licence_withdraw,
    payment_record,
    promotion_tier_set,
)

TODAY = timezone.localdate()
D = datetime.date


def licence_terms(patent, **overrides) -> DealTerms:
    values = {
        "patent_id": patent.pk,
        "kind": DealKind.ORDINARY_LICENCE,
        "contract_date": D(2024, 1, 15),
        "counterparty": "某某电池有限公司",
        "term_start": D(2024, 2, 1),
        "term_end": D(2027, 1, 31),
        "territory": "中国大陆",
        "field_of_use": "动力电池",
        "payment_method": PaymentMethod.ENTRY_FEE_ROYALTY,
        "entry_fee_wan": Decimal("20"),
        "royalty_rate": Decimal("3.5"),
        "royalty_base": "产品销售额",
        "first_due_date": D(2024, 2, 15),
        "inventor_reward_share": Decimal("70"),
    }
    values.update(overrides)
    return DealTerms(**values)


def states_of(patent) -> list[tuple[str, str]]:
    return list(
        ImplementationStatus.objects.filter(assessment__patent=patent)
        .order_by("position")
        .values_list("level1", "level2")
    )


# -- registering ------------------------------------------------------------------------------------------------------


def test_licence_with_entry_fee_and_royalty_generates_the_schedule(world):
    deal = deal_register(user=world.users["institution_admin"], terms=licence_terms(world.patent_b))
    schedule = list(deal.schedule.values_list("kind", "due_date", "amount_wan", "description"))
    assert schedule == [
        (DueKind.ENTRY_FEE, D(2024, 2, 15), Decimal("20.00"), ""),
        (DueKind.ROYALTY, D(2025, 2, 1), None, "第 1 年：产品销售额 × 3.5%"),
        (DueKind.ROYALTY, D(2026, 2, 1), None, "第 2 年：产品销售额 × 3.5%"),
        (DueKind.ROYALTY, D(2027, 2, 1), None, "第 3 年：产品销售额 × 3.5%"),
    ]
    assert states_of(world.patent_b) == [("licensed", "ordinary_licence_signed")]
    assert deal.history.count() == 1 and deal.history.first().history_user == world.users["institution_admin"]


def test_instalments_split_the_amount_with_the_cents_on_the_last(world):
    terms = licence_terms(world.patent_b, payment_method=PaymentMethod.INSTALMENTS, amount_wan=Decimal("100"),
                          instalments=3, interval_months=6, first_due_date=D(2024, 3, 31))  # fmt: skip
    deal = deal_register(user=world.users["institution_admin"], terms=terms)
    assert list(deal.schedule.values_list("due_date", "amount_wan")) == [
        (D(2024, 3, 31), Decimal("33.33")),
        (D(2024, 9, 30), Decimal("33.33")),
        (D(2025, 3, 31), Decimal("33.34")),
    ]


def test_milestones_and_the_amount_they_add_up_to(world):
    milestones = [Milestone(D(2025, 6, 30), Decimal("30"), "中试"), Milestone(D(2024, 12, 31), Decimal("10"), "签约")]
    terms = licence_terms(world.patent_b, kind=DealKind.TRANSFER, payment_method=PaymentMethod.MILESTONES,
                          milestones=milestones, term_start=None, term_end=None)  # fmt: skip
    deal = deal_register(user=world.users["institution_admin"], terms=terms)
    assert deal.amount_wan == Decimal("40")
    assert list(deal.schedule.values_list("due_date", "amount_wan", "description")) == [
        (D(2024, 12, 31), Decimal("10.00"), "签约"),
        (D(2025, 6, 30), Decimal("30.00"), "中试"),
    ]


def test_transfer_takes_the_patent_out_of_the_convertible_stock(world):
    admin = world.users["institution_admin"]
    assert resource_library_list(user=admin).filter(pk=world.patent_a.pk).exists()
    terms = licence_terms(world.patent_a, kind=DealKind.TRANSFER, payment_method=PaymentMethod.LUMP_SUM,
                          amount_wan=Decimal("80"), term_start=None, term_end=None)  # fmt: skip
    deal_register(user=admin, terms=terms)
    assessment = SelfAssessment.objects.get(patent=world.patent_a)
    assert assessment.convertible is False
    assert not resource_library_list(user=admin).filter(pk=world.patent_a.pk).exists()
    assert ("transferred", "transfer_signed") in states_of(world.patent_a)
    # A second transfer of a patent that is gone is refused, and writes nothing.
    with pytest.raises(ValidationError) as exc:
        deal_register(user=admin, terms=terms)
    assert exc.value.messages == [f"{world.patent_a.application_number}：{rules.ALREADY_TRANSFERRED}"]
    assert Deal.objects.filter(patent=world.patent_a).count() == 2  # deal_a and the transfer


def test_bundle_is_one_deal_over_several_patents(world):
    terms = licence_terms(world.patent_a, bundle_patent_ids=[world.patent_b.pk])
    deal = deal_register(user=world.users["institution_admin"], terms=terms)
    assert list(deal.bundle_patents.all()) == [world.patent_b]
    assert ("licensed", "ordinary_licence_signed") in states_of(world.patent_b)
    assert ("licensed", "ordinary_licence_signed") in states_of(world.patent_a)


def test_a_bundle_across_institutions_or_foreign_patent_is_refused(world):
    admin = world.users["institution_admin"]
    before = Deal.objects.count()
    with pytest.raises(PermissionDenied):
        deal_register(user=admin, terms=licence_terms(world.patent_a, bundle_patent_ids=[world.patent_far.pk]))
    with pytest.raises(PermissionDenied):
        deal_register(user=admin, terms=licence_terms(world.patent_far))
    assert Deal.objects.count() == before


@pytest.mark.parametrize("role", ["college_admin", "inventor", "enterprise", "provincial_bureau", "ministry", "expert"])
def test_only_institution_admins_register(world, role):
    before = (Deal.objects.count(), PaymentDue.objects.count(), ImplementationStatus.objects.count())
    with pytest.raises(PermissionDenied):
        deal_register(user=world.users[role], terms=licence_terms(world.patent_a))
    assert (Deal.objects.count(), PaymentDue.objects.count(), ImplementationStatus.objects.count()) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"royalty_rate": None}, "royalty_rate", "提成比例须大于 0 且不超过 100% / The royalty rate must be above 0 and at most 100%"),
        ({"royalty_base": ""}, "royalty_base", "请填写提成基数（如：产品销售额） / Name the royalty base (e.g. product sales)"),
        ({"term_end": None}, "term_end", "按提成支付须约定期限 / A running royalty needs a term"),
        ({"term_end": D(2023, 1, 1)}, "term_end", "许可期限止不能早于起始日 / The term cannot end before it starts"),
        ({"counterparty": ""}, "counterparty", "请选择企业或填写受让方/被许可方名称 / Choose an enterprise or name the counterparty"),
        ({"payment_method": PaymentMethod.INSTALMENTS, "amount_wan": Decimal(100), "instalments": 1}, "instalments", "分期期数须在 2 到 60 之间 / Instalments: between 2 and 60"),
        ({"inventor_reward_share": Decimal(120)}, "inventor_reward_share", "发明人奖励比例须在 0 到 100% 之间 / The reward share is between 0 and 100%"),
        ({"kind": DealKind.OPEN_LICENCE}, "kind", "开放许可由企业按声明条件取得，不能直接登记 / An open licence is taken by the enterprise on the declared terms, not registered directly"),
    ],
)  # fmt: skip
def test_bad_terms_are_refused_with_the_field_and_write_nothing(world, overrides, field, message):
    before = (Deal.objects.count(), PaymentDue.objects.count(), ImplementationStatus.objects.count())
    with pytest.raises(ValidationError) as exc:
        deal_register(user=world.users["institution_admin"], terms=licence_terms(world.patent_b, **overrides))
    assert exc.value.message_dict[field] == [message]
    assert (Deal.objects.count(), PaymentDue.objects.count(), ImplementationStatus.objects.count()) == before


# -- payments and overdue -------------------------------------------------------------------------------------------


def test_payments_partly_paid_paid_overdue_and_the_reward_share(world):
    admin = world.users["institution_admin"]
    deal = deal_register(user=admin, terms=licence_terms(world.patent_b))
    entry, first_royalty = deal.schedule.order_by("due_date")[:2]
    assert entry.status_on(D(2024, 2, 1)) == DueStatus.DUE
    assert entry.status_on(D(2024, 3, 1)) == DueStatus.OVERDUE
    payment_record(user=admin, due_id=entry.pk, paid_on=D(2024, 2, 20), amount_wan=Decimal("5"))
    entry.refresh_from_db()
    assert entry.paid_wan == Decimal("5") and entry.status_on(D(2024, 2, 1)) == DueStatus.PARTLY_PAID
    assert Payment.objects.get(due=entry).inventor_reward_wan == Decimal("3.50")  # 70 % of 5
    with pytest.raises(ValidationError) as exc:
        payment_record(user=admin, due_id=entry.pk, paid_on=D(2024, 2, 21), amount_wan=Decimal("15.01"))
    assert exc.value.message_dict["amount_wan"] == [
        "超过未付金额 15.00 万元 / More than the outstanding 15.00 (10k yuan)"
    ]
    payment_record(user=admin, due_id=entry.pk, paid_on=D(2024, 2, 21), amount_wan=Decimal("15"),
                   inventor_reward_wan=Decimal("9"))  # fmt: skip
    entry.refresh_from_db()
    assert entry.status_on(TODAY) == DueStatus.PAID
    # The first royalty (due 2025-02-01) is overdue today; listed for the institution, not for another one.
    overdue = list(overdue_dues(user=admin).filter(deal=deal))
    assert [d.pk for d in overdue] == [first_royalty.pk, *[d.pk for d in overdue[1:]]]
    assert first_royalty.pk in [d.pk for d in overdue]
    assert not overdue_dues(user=world.users["ministry"]).filter(deal__institution=world.institute).exists()
    payment_record(user=admin, due_id=first_royalty.pk, paid_on=D(2025, 2, 10), amount_wan=Decimal("12.4"))
    assert first_royalty.pk not in list(overdue_dues(user=admin).values_list("pk", flat=True))


@pytest.mark.parametrize("role", ["college_admin", "inventor", "enterprise", "provincial_bureau", "ministry"])
def test_payment_refused_for_readers_writes_nothing(world, role):
    deal = deal_register(user=world.users["institution_admin"], terms=licence_terms(world.patent_b))
    due = deal.schedule.first()
    with pytest.raises(PermissionDenied):
        payment_record(user=world.users[role], due_id=due.pk, paid_on=D(2024, 2, 20), amount_wan=Decimal("5"))
    due.refresh_from_db()
    assert (due.paid_wan, Payment.objects.count(), due.history.count()) == (Decimal("0"), 0, 1)


def test_daily_reminder_mails_each_institution_once_a_day(world):
    admin = world.users["institution_admin"]
    admin.email = "tto@uni.example"
    admin.save()
    deal_register(user=admin, terms=licence_terms(world.patent_b))  # entry fee and two royalties overdue
    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        assert remind_overdue(TODAY) == 1
        assert remind_overdue(TODAY) == 0  # idempotent: the same day sends nothing twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tto@uni.example"]
    assert world.patent_b.application_number in mail.outbox[0].body


# -- recording, industrialization, quarterly figures ----------------------------------------------------------------


def test_recording_and_the_quarterly_figures(world):
    admin = world.users["institution_admin"]
    licence = deal_register(user=admin, terms=licence_terms(world.patent_b))
    transfer = deal_register(user=admin, terms=licence_terms(world.patent_a, kind=DealKind.TRANSFER,
                             payment_method=PaymentMethod.LUMP_SUM, amount_wan=Decimal(50), term_start=None,
                             term_end=None, contract_date=D(2024, 5, 6)))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        deal_record_recording(user=admin, deal_id=licence.pk, status=RecordingStatus.RECORDED, number="")
    assert exc.value.message_dict == {
        "number": ["已登记/备案须填写登记/备案号 / A recording needs its number"],
        "recorded_on": ["已登记/备案须填写登记/备案日 / A recording needs its date"],
    }
    deal_record_recording(user=admin, deal_id=licence.pk, status=RecordingStatus.RECORDED,
                          number="X2024320000123", recorded_on=D(2024, 4, 2))  # fmt: skip
    deal_record_recording(user=admin, deal_id=transfer.pk, status=RecordingStatus.RECORDED,
                          number="ZL-T-2024-88", recorded_on=D(2024, 6, 28))  # fmt: skip
    industrialization_record(user=world.users["institution_admin"], deal_id=licence.pk, patent_id=world.patent_b.pk,
                             product_name="高倍率电芯", started_on=D(2024, 8, 1), product_filing_number="PIP-2024-7",
                             filed_on=D(2024, 10, 9))  # fmt: skip
    figures = deal_counts_by_quarter(qs=deal_list(user=admin))
    by = {f.quarter: f for f in figures}
    # deal_a (patent_a, 2025-03-01) adds no quarter: patent_a counts once, in its first deal's quarter (2024Q2).
    assert [f.quarter for f in figures] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert (by["2024Q2"].licence_recordings, by["2024Q2"].transfer_registrations) == (1, 1)
    assert by["2024Q1"].implemented_patents == 1  # patent_b's licence (2024-01-15)
    assert by["2024Q2"].implemented_patents == 1  # patent_a's transfer (2024-05-06)
    assert by["2024Q3"].industrialized_patents == 1 and by["2024Q4"].product_filings == 1
    # A cancelled recording no longer counts.
    deal_record_recording(user=admin, deal_id=licence.pk, status=RecordingStatus.CANCELLED)
    assert {f.quarter: f.licence_recordings for f in deal_counts_by_quarter(qs=deal_list(user=admin))}["2024Q2"] == 0
    assert states_of(world.patent_b) == [
        ("licensed", "ordinary_licence_signed"),
        ("licensed", "licensee_industrialized"),
    ]


def test_the_enterprise_records_industrialization_of_its_own_deal_only(world):
    enterprise = world.users["enterprise"]
    row = industrialization_record(user=enterprise, deal_id=world.deal_a.pk, patent_id=world.patent_a.pk,
                                   product_name="隔膜", started_on=D(2025, 6, 1))  # fmt: skip
    assert row.recorded_by == enterprise
    other = Deal.objects.exclude(pk=world.deal_a.pk).get()
    with pytest.raises(PermissionDenied):
        industrialization_record(user=enterprise, deal_id=other.pk, patent_id=other.patent_id, product_name="x",
                                 started_on=D(2025, 6, 1))  # fmt: skip
    assert Industrialization.objects.count() == 1


# -- the dossier ----------------------------------------------------------------------------------------------------


def test_dossier_closes_only_when_complete_then_is_frozen_and_exports(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = world.users["institution_admin"]
    deal = deal_register(user=admin, terms=licence_terms(world.patent_b))
    with pytest.raises(ValidationError) as exc:
        deal_close(user=admin, deal_id=deal.pk)
    assert exc.value.messages == [
        "请填写定价方式 / Record the pricing method",
        "请填写公示开始日和公示期 / Record the public notice (start and period)",
        "请登记内部审批 / Record the internal approval",
    ]
    deal_dossier_update(user=admin, deal_id=deal.pk, data={"pricing_method": "agreement", "valuation_reference":
                        "苏评报字〔2024〕第12号", "notice_start": D(2024, 1, 2), "notice_days": 15})  # fmt: skip
    objection_record(user=admin, deal_id=deal.pk, received_on=D(2024, 1, 5), objector="某教师", content="价格偏低",
                     handling="经复核维持评估价", handled_on=D(2024, 1, 10))  # fmt: skip
    approval_record(user=admin, deal_id=deal.pk, body="校长办公会", meeting="2024年第3次", decided_on=D(2024, 1, 12),
                    decision="approved")  # fmt: skip
    document_add(user=admin, deal_id=deal.pk, title="许可合同",
                 upload=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract"))  # fmt: skip
    deal_close(user=admin, deal_id=deal.pk)
    deal.refresh_from_db()
    assert deal.is_closed
    for call in (
        lambda: deal_dossier_update(user=admin, deal_id=deal.pk, data={"valuation_reference": "改"}),
        lambda: approval_record(user=admin, deal_id=deal.pk, body="x", decided_on=D(2024, 1, 12), decision="approved"),
        lambda: objection_record(user=admin, deal_id=deal.pk, received_on=D(2024, 1, 5), objector="x", content="y"),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.messages == [
            "交易已办结归档，决策档案不可修改；请添加更正记录 / The deal is closed: its dossier cannot change; add a "
            "correction instead"
        ]
    deal.refresh_from_db()
    assert deal.valuation_reference == "苏评报字〔2024〕第12号" and deal.approvals.count() == 1
    correction_add(user=admin, deal_id=deal.pk, text="评估报告文号应为第13号")
    client = token_client(admin)
    client.force_login(admin)
    response = client.get(f"/deals/{deal.pk}/dossier.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["documents/01-contract.pdf", "决策档案.xlsx"]
    assert archive.read("documents/01-contract.pdf") == b"%PDF-1.4 contract"
    workbook = load_workbook(io.BytesIO(archive.read("决策档案.xlsx")))
    assert workbook.sheetnames == [
        "交易概要",
        "专利",
        "公示异议",
        "内部审批",
        "文件",
        "更正记录",
        "付款计划与到账",
        "变更记录",
    ]
    assert [c.value for c in workbook["更正记录"][2]][1:] == ["institution_admin", "评估报告文号应为第13号"]
    assert [c.value for c in workbook["内部审批"][2]][:2] == ["校长办公会", "2024年第3次"]


# -- open licences --------------------------------------------------------------------------------------------------


def test_open_licence_blocks_exclusive_and_is_taken_in_one_action(world):
    admin, enterprise = world.users["institution_admin"], world.users["enterprise"]
    declaration = open_licence_declare(user=admin, patent_id=world.patent_b.pk, fee_method="fixed",
                                       fee_wan=Decimal("2"), term_years=3)  # fmt: skip
    assert ("licensed", "open_licence_planned") in states_of(world.patent_b)
    before = Deal.objects.count()
    with pytest.raises(ValidationError) as exc:
        deal_register(user=admin, terms=licence_terms(world.patent_b, kind=DealKind.EXCLUSIVE_LICENCE))
    assert exc.value.messages == [f"{world.patent_b.application_number}：{rules.OPEN_BLOCKS_EXCLUSIVE}"]
    assert Deal.objects.count() == before
    deal = open_licence_take(user=enterprise, declaration_id=declaration.pk)
    assert (deal.kind, deal.enterprise_id, deal.open_licence_id) == (
        DealKind.OPEN_LICENCE, world.enterprise.pk, declaration.pk,
    )  # fmt: skip
    assert list(deal.schedule.values_list("kind", "amount_wan")) == [(DueKind.OPEN_LICENCE_FEE, Decimal("2.00"))] * 3
    assert deal.amount_wan == Decimal("6")
    assert states_of(world.patent_b) == [("licensed", "open_licence_signed")]
    with pytest.raises(ValidationError) as exc:
        open_licence_take(user=enterprise, declaration_id=declaration.pk)
    assert exc.value.messages == ["贵企业已取得该开放许可 / Your enterprise already holds this open licence"]
    # Withdrawn: published with the reason; the licence taken stays in force; exclusive licences possible again.
    open_licence_withdraw(user=admin, declaration_id=declaration.pk, reason="拟独占许可给产业化企业")
    declaration.refresh_from_db()
    assert (declaration.status, declaration.withdrawal_reason) == ("withdrawn", "拟独占许可给产业化企业")
    deal.refresh_from_db()
    assert deal.status == "in_force"
    with pytest.raises(ValidationError) as exc:  # but the open licence taken is ordinary and stays: no exclusivity
        open_licence_take(user=enterprise, declaration_id=declaration.pk)
    assert exc.value.messages == [rules.NOT_DECLARED]


def test_exclusive_licence_blocks_a_declaration_and_utility_models_need_a_report(world):
    admin = world.users["institution_admin"]
    deal_register(user=admin, terms=licence_terms(world.patent_b, kind=DealKind.EXCLUSIVE_LICENCE))
    with pytest.raises(ValidationError) as exc:
        open_licence_declare(user=admin, patent_id=world.patent_b.pk, fee_method="fixed", fee_wan=1, term_years=2)
    assert exc.value.messages == [rules.EXCLUSIVE_BLOCKS_OPEN]
    utility = Patent.objects.create(application_number=make_number(77, type_digit="2"), title="一种夹具",
                                    patent_type=PatentType.UTILITY_MODEL, institution=world.uni)  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        open_licence_declare(user=admin, patent_id=utility.pk, fee_method="royalty", royalty_rate=Decimal(2),
                             royalty_base="销售额", term_years=2)  # fmt: skip
    assert exc.value.messages == [rules.REPORT_REQUIRED]
    assert OpenLicenceDeclaration.objects.count() == 0
    row = open_licence_declare(user=admin, patent_id=utility.pk, fee_method="royalty", royalty_rate=Decimal(2),
                               royalty_base="销售额", term_years=2, evaluation_report_ref="PJ2024-001")  # fmt: skip
    assert row.evaluation_report_ref == "PJ2024-001"
    # No fee ceiling: a very high fixed fee is accepted.
    open_licence_withdraw(user=admin, declaration_id=row.pk, reason="调整")
    assert open_licence_declare(user=admin, patent_id=utility.pk, fee_method="fixed", fee_wan=Decimal("99999999"),
                                term_years=1, evaluation_report_ref="PJ2024-001").fee_wan == Decimal("99999999")  # fmt: skip


def test_only_enterprises_take_and_only_admins_declare(world):
    admin = world.users["institution_admin"]
    row = open_licence_declare(user=admin, patent_id=world.patent_b.pk, fee_method="fixed", fee_wan=1, term_years=1)
    for role in ("institution_admin", "provincial_bureau", "inventor"):
        with pytest.raises(PermissionDenied):
            open_licence_take(user=world.users[role], declaration_id=row.pk)
    for role in ("college_admin", "enterprise", "ministry"):
        with pytest.raises(PermissionDenied):
            open_licence_declare(user=world.users[role], patent_id=world.patent_a.pk, fee_method="fixed", fee_wan=1,
                                 term_years=1)  # fmt: skip
    assert (Deal.objects.filter(kind=DealKind.OPEN_LICENCE).count(), OpenLicenceDeclaration.objects.count()) == (0, 1)


# -- tiers and idle fiscal patents ---------------------------------------------------------------------------------


def test_promotion_tiers_derived_and_edited(world):
    admin = world.users["institution_admin"]
    # patent_a: four stars, small batch → a financing candidate; no SEI class → not a pool candidate.
    assert list(promotion_tier_list(user=admin, tier=PromotionTier.FINANCING)) == [world.patent_a]
    assert list(promotion_tier_list(user=admin, tier=PromotionTier.PATENT_POOL)) == []
    promotion_tier_set(user=admin, patent_ids=[world.patent_a.pk], tier=PromotionTier.PATENT_POOL, included=True)
    promotion_tier_set(user=admin, patent_ids=[world.patent_a.pk], tier=PromotionTier.FINANCING, included=False)
    assert list(promotion_tier_list(user=admin, tier=PromotionTier.PATENT_POOL)) == [world.patent_a]
    assert list(promotion_tier_list(user=admin, tier=PromotionTier.FINANCING)) == []
    with pytest.raises(PermissionDenied):
        promotion_tier_set(user=admin, patent_ids=[world.patent_far.pk], tier=PromotionTier.FINANCING, included=True)


def test_idle_fiscal_patents_with_their_reasons(world):
    Patent.objects.filter(pk__in=[world.patent_b.pk, world.patent_institute.pk]).update(
        fiscally_funded=True, funding_project="国家自然科学基金", grant_date=D(2018, 3, 1)
    )
    bureau = world.users["provincial_bureau"]
    patents = list(idle_fiscal_list(user=bureau))
    assert {p.pk for p in patents} == {world.patent_b.pk, world.patent_institute.pk}
    assert {p.pk for p in idle_fiscal_list(user=world.users["institution_admin"])} == {world.patent_b.pk}
    reasons = idle_fiscal_reasons([p for p in patents if p.pk == world.patent_b.pk], TODAY)[0].reasons
    assert reasons[0] == "财政资助科研项目形成（国家自然科学基金） / fiscally funded"
    assert reasons[2] == "尚未自评，无实施记录 / no self-assessment, no implementation"
    # A licence implements it: it leaves the list.
    deal_register(user=world.users["institution_admin"], terms=licence_terms(world.patent_b))
    assert {p.pk for p in idle_fiscal_list(user=bureau)} == {world.patent_institute.pk}
