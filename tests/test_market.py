"""The market side (他评): enterprise ratings and the institution's answer, the conflict rule of the expert library,
commissions, the visibility matrix, the provincial bulk return (all or nothing) and the API."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from conftest import ROLES, api_client, make_credit_code, make_number
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from market_helpers import return_workbook
from openpyxl import load_workbook

from enterprises.models import Enterprise
from evaluations.choices import ReviewState
from evaluations.models import SelfAssessment
from institutions.choices import Role
from institutions.models import User
from market.choices import CommissionState, ExpertStatus, ImportState
from market.conflicts import expert_conflict_reason
from market.jobs import evaluation_import_process
from market.models import Commission, EvaluationImport, Expert, MarketEvaluation
from market.selectors import commission_list, evaluation_list, suggested_experts
from market.services import (
    commission_create,
    commission_respond,
    commission_submit,
    evaluation_answer,
    evaluation_import_start,
    evaluation_submit,
    expert_approve,
    expert_recommend,
)
from market.validation import validate_evaluation
from market.workbook import COLUMNS, SHEET, write_template
from patentpool.models import Patent
from reference.models import IndustryCode

GOOD = {
    "prospect_stars": "四星",
    "improvement_needs": "工艺放大/量产工艺、降低成本",
    "improvement_text": "希望提高隔膜强度",
    "cooperation": "联合研发",
    "low_reasons": "",
    "price_band": "20-30万",
    "contact_name": "赵经理",
    "contact_phone": "13900000000",
}


def rate(world, **overrides):
    return evaluation_submit(user=world.users["enterprise"], patent_id=world.patent_a.pk, data={**GOOD, **overrides})


# -- the validator -----------------------------------------------------------------------------------------------


def test_validator_reads_codes_and_labels_alike():
    by_label = validate_evaluation(GOOD)
    by_code = validate_evaluation(
        {**GOOD, "prospect_stars": 4, "improvement_needs": ["process", "cost"], "cooperation": "joint_rd",
         "price_band": "20-30"}
    )  # fmt: skip
    assert by_label.ok and by_code.ok
    assert by_label.values == by_code.values
    assert by_label.values["improvement_needs"] == ["process", "cost"]
    assert by_label.values["prospect_stars"] == 4


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"prospect_stars": ""}, ["prospect_stars"]),
        ({"prospect_stars": "六星"}, ["prospect_stars"]),
        ({"prospect_stars": "二星"}, ["low_reasons"]),  # a low rating says why
        ({"prospect_stars": "一星", "low_reasons": "其他"}, ["low_reason_text"]),
        ({"cooperation": "合资"}, ["cooperation"]),
        ({"cooperation": "受让", "contact_phone": ""}, ["contact_name"]),
        ({"improvement_needs": "飞行"}, ["improvement_needs"]),
        ({"price_band": "300万"}, ["price_band"]),
        ({"improvement_text": "长" * 501}, ["improvement_text"]),
        ({"contact_name": "赵\x00经理"}, ["contact_name"]),
    ],
)
def test_validator_names_each_wrong_field(change, fields):
    result = validate_evaluation({**GOOD, **change})
    assert [e.field for e in result.errors] == fields
    assert all(e.message and e.message_en for e in result.errors)


def test_low_rating_with_reasons_and_no_cooperation_needs_no_contact():
    result = validate_evaluation(
        {"prospect_stars": "一星", "low_reasons": "技术阶段过早、价格过高", "cooperation": "暂无"}
    )
    assert result.ok
    assert result.values["low_reasons"] == ["too_early", "price"]


# -- rating and answering ------------------------------------------------------------------------------------------


def test_enterprise_rates_and_the_figures_reach_the_library(world):
    evaluation = rate(world)
    assessment = SelfAssessment.objects.get(patent=world.patent_a)
    assert (evaluation.prospect_stars, evaluation.cooperation, evaluation.enterprise_id) == (
        4,
        "joint_rd",
        world.enterprise.pk,
    )
    assert (assessment.market_rating_count, assessment.market_stars, assessment.market_interested) == (
        1,
        Decimal("4.00"),
        1,
    )

    # a second submission edits the first, audited
    rate(world, prospect_stars="五星", cooperation="受让")
    assert MarketEvaluation.objects.count() == 1
    evaluation.refresh_from_db()
    assert (evaluation.prospect_stars, evaluation.cooperation) == (5, "acquire")
    assert [h.history_change_reason for h in evaluation.history.order_by("history_id")] == [
        "rating:submit",
        "rating:edit",
    ]
    assessment.refresh_from_db()
    assert assessment.market_stars == Decimal("5.00")


def test_a_patent_outside_the_library_cannot_be_rated(world):
    with pytest.raises(PermissionDenied):
        evaluation_submit(user=world.users["enterprise"], patent_id=world.patent_b.pk, data=GOOD)
    assert MarketEvaluation.objects.count() == 0


@pytest.mark.parametrize("role", [r for r in ROLES if r != "enterprise"])
def test_only_enterprise_users_rate(world, role):
    with pytest.raises(PermissionDenied):
        evaluation_submit(user=world.users[role], patent_id=world.patent_a.pk, data=GOOD)
    assert MarketEvaluation.objects.count() == 0


def test_invalid_rating_writes_nothing(world):
    with pytest.raises(ValidationError) as caught:
        rate(world, prospect_stars="二星")
    assert list(caught.value.message_dict) == ["low_reasons"]
    assert MarketEvaluation.objects.count() == 0
    assert SelfAssessment.objects.get(patent=world.patent_a).market_rating_count == 0


def test_the_institution_answers_and_the_rating_is_then_locked(world):
    evaluation = rate(world)
    evaluation_answer(
        user=world.users["institution_admin"], evaluation_id=evaluation.pk, answer="joint_rd", text="欢迎来访"
    )
    evaluation.refresh_from_db()
    assert (evaluation.answer, evaluation.answer_text, evaluation.answered_by) == (
        "joint_rd",
        "欢迎来访",
        world.users["institution_admin"],
    )
    with pytest.raises(ValidationError):
        rate(world, prospect_stars="一星", low_reasons="价格过高", cooperation="暂无")
    evaluation.refresh_from_db()
    assert evaluation.prospect_stars == 4


@pytest.mark.parametrize("role", ["inventor", "enterprise", "expert", "provincial_bureau", "ministry"])
def test_only_the_patents_institution_answers(world, role):
    evaluation = rate(world)
    with pytest.raises(PermissionDenied):
        evaluation_answer(user=world.users[role], evaluation_id=evaluation.pk, answer="decline")
    evaluation.refresh_from_db()
    assert (evaluation.answer, evaluation.answered_at) == ("", None)


# Who sees the enterprise's rating of patent A (uni, college A, province P1, MOE).
RATING_VISIBLE = {
    "national_admin": True, "institution_admin": True, "college_admin": True, "inventor": True, "enterprise": True,
    "expert": False, "provincial_bureau": True, "ministry": True,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_rating_visibility(world, role):
    evaluation = rate(world)
    assert evaluation_list(user=world.users[role]).filter(pk=evaluation.pk).exists() is RATING_VISIBLE[role]


def test_another_enterprise_neither_sees_nor_changes_a_rating(world):
    evaluation = rate(world)
    other = Enterprise.objects.get(name="别家有限公司")
    user = User.objects.create(username="other_ent", role=Role.ENTERPRISE, enterprise=other)
    assert not evaluation_list(user=user).filter(pk=evaluation.pk).exists()
    evaluation_submit(
        user=user, patent_id=world.patent_a.pk, data={**GOOD, "prospect_stars": "一星", "low_reasons": "价格过高"}
    )
    evaluation.refresh_from_db()
    assert evaluation.prospect_stars == 4  # the other enterprise's rating is its own row
    assert MarketEvaluation.objects.filter(patent=world.patent_a).count() == 2


# -- the expert library and the conflict rule -----------------------------------------------------------------------


def make_expert(world, name="钱专家", organisation="外省研究院", user=None, industries=("C38",), **extra):
    expert = Expert.objects.create(
        name=name, organisation=organisation, province=world.p1, user=user, status=ExpertStatus.ACTIVE, **extra
    )
    expert.industries.set(IndustryCode.objects.filter(code__in=industries))
    return expert


def expert_user(name):
    user = User.objects.create(username=name, role=Role.EXPERT)
    return user


CONFLICT_CASES = [
    # (how the expert relates, commissioner enterprise?, expected reason or None)
    ("independent", False, None),
    ("independent", True, None),
    ("employer_by_name", False, "专家任职于该专利的权利人单位"),
    ("employer_by_account", False, "专家任职于该专利的权利人单位"),
    ("inventor_by_name", False, "专家是该专利的发明人"),
    ("inventor_by_account", False, "专家是该专利的发明人"),
    ("commissioning_enterprise_by_name", True, "专家任职于委托企业"),
    ("commissioning_enterprise_by_name", False, None),
    ("commissioning_enterprise_by_account", True, "专家任职于委托企业"),
]


def _conflicted_expert(world, case):
    if case == "employer_by_name":
        return make_expert(world, organisation="测试大学")
    if case == "employer_by_account":
        user = User.objects.create(username="exp_inst", role=Role.INVENTOR, institution=world.uni)
        return make_expert(world, user=user)
    if case == "inventor_by_name":
        return make_expert(world, name="张三")
    if case == "inventor_by_account":
        user = expert_user("exp_inv")
        world.patent_a.inventor_accounts.add(user)
        return make_expert(world, user=user)
    if case == "commissioning_enterprise_by_name":
        return make_expert(world, organisation="测试科技有限公司")
    if case == "commissioning_enterprise_by_account":
        user = User.objects.create(username="exp_ent", role=Role.ENTERPRISE, enterprise=world.enterprise)
        return make_expert(world, user=user)
    return make_expert(world)


@pytest.mark.parametrize(("case", "by_enterprise", "reason"), CONFLICT_CASES)
def test_conflict_rule(world, case, by_enterprise, reason):
    expert = _conflicted_expert(world, case)
    found = expert_conflict_reason(
        expert=expert, patent=world.patent_a, enterprise=world.enterprise if by_enterprise else None
    )
    assert (found[0] if found else None) == reason


@pytest.mark.parametrize(("case", "by_enterprise", "reason"), CONFLICT_CASES)
def test_a_conflicted_commission_is_refused_and_writes_nothing(world, case, by_enterprise, reason):
    expert = _conflicted_expert(world, case)
    commissioner = world.users["enterprise"] if by_enterprise else world.users["institution_admin"]
    if reason is None:
        created = commission_create(user=commissioner, expert_id=expert.pk, patent_ids=[world.patent_a.pk])
        assert [c.state for c in created] == [CommissionState.PENDING]
        return
    with pytest.raises(ValidationError) as caught:
        commission_create(user=commissioner, expert_id=expert.pk, patent_ids=[world.patent_a.pk])
    assert reason in " ".join(caught.value.messages)
    assert Commission.objects.count() == 0


def test_commission_flow_and_the_expert_sees_only_what_is_assigned(world):
    user = expert_user("exp_a")
    expert = make_expert(world, user=user)
    other = make_expert(world, name="孙专家", user=expert_user("exp_b"))
    [mine] = commission_create(user=world.users["enterprise"], expert_id=expert.pk, patent_ids=[world.patent_a.pk])
    [theirs] = commission_create(
        user=world.users["institution_admin"], expert_id=other.pk, patent_ids=[world.patent_a.pk]
    )
    assert list(commission_list(user=user)) == [mine]

    with pytest.raises(PermissionDenied):  # not assigned to this expert
        commission_respond(user=user, commission_id=theirs.pk, accept=True)
    theirs.refresh_from_db()
    assert theirs.state == CommissionState.PENDING

    with pytest.raises(ValidationError):  # accept first
        commission_submit(user=user, commission_id=mine.pk, data={**GOOD, "opinion": "可行"})
    commission_respond(user=user, commission_id=mine.pk, accept=True)
    with pytest.raises(ValidationError) as caught:  # an expert writes an opinion
        commission_submit(user=user, commission_id=mine.pk, data=GOOD)
    assert list(caught.value.message_dict) == ["opinion"]
    evaluation = commission_submit(user=user, commission_id=mine.pk, data={**GOOD, "opinion": "技术成熟，建议许可"})
    mine.refresh_from_db()
    assert (mine.state, evaluation.commission_id, evaluation.opinion) == (
        CommissionState.SUBMITTED,
        mine.pk,
        "技术成熟，建议许可",
    )
    # the commissioner and the institution see it; the other expert does not
    assert evaluation_list(user=world.users["enterprise"]).filter(pk=evaluation.pk).exists()
    assert evaluation_list(user=world.users["institution_admin"]).filter(pk=evaluation.pk).exists()
    assert not evaluation_list(user=other.user).filter(pk=evaluation.pk).exists()
    assert evaluation_list(user=user).filter(pk=evaluation.pk).exists()


def test_suggested_experts_match_by_field_with_a_reason_and_skip_conflicts(world):
    good = make_expert(world, name="周专家", industries=("C3841",))
    make_expert(world, name="吴专家", industries=("A01",))
    make_expert(world, name="张三", industries=("C38",))  # an inventor of the patent
    suggestions = suggested_experts(
        patent=Patent.objects.select_related("assessment__industry", "institution").get(pk=world.patent_a.pk)
    )
    assert [(e.name, reason) for e, reason in suggestions] == [(good.name, "行业匹配：C3841；同省")]


def test_experts_are_recommended_then_approved_in_their_province(world):
    expert = expert_recommend(
        user=world.users["enterprise"],
        data={"name": "郑专家", "organisation": "某研究院", "province": "32", "industries": "C38, C3841"},
    )
    assert (expert.status, expert.recommended_by_id, sorted(expert.industries.values_list("code", flat=True))) == (
        ExpertStatus.RECOMMENDED,
        world.enterprise.pk,
        ["C38", "C3841"],
    )
    far_bureau = User.objects.create(username="bureau_p2", role=Role.PROVINCIAL_BUREAU, province=world.p2)
    with pytest.raises(PermissionDenied):
        expert_approve(user=far_bureau, expert_id=expert.pk)
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.RECOMMENDED
    expert_approve(user=world.users["provincial_bureau"], expert_id=expert.pk)
    expert.refresh_from_db()
    assert (expert.status, expert.approved_by) == (ExpertStatus.ACTIVE, world.users["provincial_bureau"])


def test_recommending_an_unknown_industry_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        expert_recommend(
            user=world.users["provincial_bureau"], data={"name": "郑专家", "organisation": "某院", "industries": "Z99"}
        )
    assert list(caught.value.message_dict) == ["industries"]
    assert Expert.objects.count() == 0


# -- the provincial bulk return --------------------------------------------------------------------------------------


@pytest.fixture
def province_market(world):
    """100 library patents of the P1 university and 10 enterprises of P1: 1,000 possible ratings."""
    patents = []
    for serial in range(100):
        patent = Patent.objects.create(
            application_number=make_number(5000 + serial), patent_type="invention", title=f"一种传感器{serial}",
            institution=world.uni, org_unit=world.college_a,
        )  # fmt: skip
        SelfAssessment.objects.create(patent=patent, review_state=ReviewState.APPROVED, value_stars=3)
        patents.append(patent)
    enterprises = [
        Enterprise.objects.create(name=f"江苏企业{i}", credit_code=make_credit_code(100 + i), province=world.p1)
        for i in range(10)
    ]
    return patents, enterprises


def return_rows(patents, enterprises) -> list[dict]:
    rows = []
    for patent in patents:
        for enterprise in enterprises:
            rows.append({
                "application_number": patent.application_number, "credit_code": enterprise.credit_code,
                "prospect_stars": "三星", "improvement_needs": "降低成本", "cooperation": "许可",
                "contact_name": "钱经理", "contact_phone": "13800000001", "price_band": "10-20万",
            })  # fmt: skip
    return rows


def run_return(world, data: bytes) -> EvaluationImport:
    upload = SimpleUploadedFile("return.xlsx", data)
    job = evaluation_import_start(user=world.users["provincial_bureau"], upload=upload)
    return evaluation_import_process(job.pk)


def test_a_return_of_1000_ratings_applies_whole(world, province_market):
    patents, enterprises = province_market
    job = run_return(world, return_workbook(return_rows(patents, enterprises)))
    assert (job.state, job.total_rows, job.created_count, job.updated_count, job.error_count) == (
        ImportState.SUCCEEDED,
        1000,
        1000,
        0,
        0,
    )
    assert MarketEvaluation.objects.filter(patent__in=patents).count() == 1000
    assessment = SelfAssessment.objects.get(patent=patents[0])
    assert (assessment.market_rating_count, assessment.market_stars, assessment.market_interested) == (
        10,
        Decimal("3.00"),
        10,
    )
    # the same file again updates in place
    again = run_return(world, return_workbook(return_rows(patents, enterprises)))
    assert (again.created_count, again.updated_count) == (0, 1000)
    assert MarketEvaluation.objects.count() == 1000


def test_a_return_with_ten_mistakes_reports_exactly_those_and_writes_nothing(world, province_market):
    patents, enterprises = province_market
    rows = return_rows(patents, enterprises)
    # ten known mistakes, each on its own row (row number = index + 2)
    mistakes = {
        0: ("application_number", "2019123", "F"),  # not an application number
        10: ("application_number", world.patent_b.application_number, "F"),  # not in the library
        20: ("credit_code", "91110000123", "F"),  # not a credit code
        30: ("credit_code", make_credit_code(999), "F"),  # not registered
        40: ("credit_code", world.enterprise.credit_code, "F"),  # another province's enterprise
        50: ("prospect_stars", "六星", "F"),
        60: ("prospect_stars", "一星", "low"),  # a low rating without reasons
        70: ("cooperation", "合资", "F"),
        80: ("price_band", "1000万", "F"),
        90: ("improvement_needs", "飞行", "F"),
    }
    for index, (key, value, _kind) in mistakes.items():
        rows[index][key] = value
    job = run_return(world, return_workbook(rows))
    assert (job.state, job.error_count) == (ImportState.FAILED, 10)
    expected_columns = {"application_number": "A", "credit_code": "D", "prospect_stars": "F", "cooperation": "I",
                        "price_band": "L", "improvement_needs": "G"}  # fmt: skip
    found = [(e["row"], e["column"]) for e in job.errors]
    wanted = sorted(
        (index + 2, "J" if kind == "low" else expected_columns[key]) for index, (key, _value, kind) in mistakes.items()
    )
    assert found == wanted
    assert all(e["message"] and e["message_en"] for e in job.errors)
    assert MarketEvaluation.objects.count() == 0
    marked = load_workbook(job.error_file.path)[SHEET]
    assert marked["A2"].fill.fgColor.rgb == "00FFC7CE" and "申请号无法识别" in marked["A2"].comment.text


def test_duplicate_and_refused_files(world, province_market):
    patents, enterprises = province_market
    rows = return_rows(patents[:1], enterprises[:1]) * 2
    job = run_return(world, return_workbook(rows))
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [(3, "D", "与第 2 行重复")]
    empty = run_return(world, return_workbook([]))
    assert (empty.state, empty.message) == (ImportState.FAILED, "文件中没有填写任何评价 / the file holds no ratings")
    with pytest.raises(ValidationError):
        evaluation_import_start(
            user=world.users["provincial_bureau"], upload=SimpleUploadedFile("x.xlsx", b"not a zip")
        )
    with pytest.raises(PermissionDenied):
        evaluation_import_start(
            user=world.users["institution_admin"], upload=SimpleUploadedFile("x.xlsx", b"PK\x03\x04")
        )
    assert MarketEvaluation.objects.count() == 0


def test_the_template_lists_the_provinces_library_patents(world, province_market, client):
    patents, _ = province_market
    client.force_login(world.users["provincial_bureau"])
    response = client.get("/market/returns/template.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[SHEET]
    numbers = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert sorted(numbers) == sorted([p.application_number for p in patents] + [world.patent_a.application_number])
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    buffer = io.BytesIO()
    write_template(buffer, [])
    assert load_workbook(buffer).sheetnames == [SHEET, "选项", "填写说明"]


# -- pages and API ---------------------------------------------------------------------------------------------------


def test_api_rate_answer_and_refusals(world):
    enterprise = api_client(world.users["enterprise"])
    body = {"patent": world.patent_a.pk, **GOOD, "improvement_needs": ["process"], "low_reasons": []}
    bad = enterprise.post("/api/market-evaluations/", {**body, "prospect_stars": "二星"}, format="json")
    assert bad.status_code == 400 and "low_reasons" in bad.json()
    created = enterprise.post("/api/market-evaluations/", {**body, "improvement_needs": ["cost"]}, format="json")
    assert created.status_code == 201
    assert (created.json()["prospect_stars"], created.json()["improvement_needs"]) == (4, ["cost"])
    pk = created.json()["id"]
    assert api_client(world.users["expert"]).get(f"/api/market-evaluations/{pk}/").status_code == 404
    refused = api_client(world.users["college_admin"]).post(
        f"/api/market-evaluations/{pk}/answer/", {"answer": "nonsense"}, format="json"
    )
    assert refused.status_code == 400
    answered = api_client(world.users["institution_admin"]).post(
        f"/api/market-evaluations/{pk}/answer/", {"answer": "accept_contact"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "accept_contact"
    assert enterprise.get(f"/api/market-evaluations/{pk}/").json()["answer"] == "accept_contact"
    forbidden = api_client(world.users["inventor"]).post("/api/market-evaluations/", body, format="json")
    assert forbidden.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_market_pages_answer_without_server_errors(world, client, role):
    rate(world)
    client.force_login(world.users[role])
    for url in ("/market/evaluations/", "/market/evaluations/?export=xlsx", "/market/experts/", "/market/commissions/",
                "/market/returns/", f"/market/patents/{world.patent_a.pk}/evaluate/",
                f"/market/patents/{world.patent_a.pk}/commission/", f"/library/{world.patent_a.pk}/"):  # fmt: skip
        assert client.get(url).status_code in (200, 403, 404), url


def test_the_library_filters_and_sorts_by_the_market(world, client):
    rate(world)
    client.force_login(world.users["enterprise"])
    interested = client.get("/library/", {"interested": "true"})
    assert [p.pk for p in interested.context["page"]] == [world.patent_a.pk]
    at_least_5 = client.get("/library/", {"market_stars_min": "5"})
    assert list(at_least_5.context["page"]) == []
    by_market = client.get("/library/", {"ordering": "-market_stars"})
    assert [p.pk for p in by_market.context["page"]][0] == world.patent_a.pk
    page = client.get(f"/library/{world.patent_a.pk}/").content.decode()
    assert 'id="market-stars">4.00' in page
