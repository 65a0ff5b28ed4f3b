"""The enterprise registry: self-registration and the bureau's approval, profile edits, and the all-or-nothing Excel
registration (page and API)."""

from __future__ import annotations

import io

import pytest
from conftest import api_client, make_credit_code, upload
from openpyxl import load_workbook

from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise
from enterprises.workbook import SHEET, write_rows
from institutions.choices import Role
from institutions.models import User


def signup_data(**overrides) -> dict:
    data = {
        "name": "江苏新锂电有限公司",
        "credit_code": make_credit_code(501),
        "province": "",
        "city": "南京市",
        "is_high_tech": "on",
        "main_industry": "C3841",
        "other_industries": "C3849, C26",
        "products": "动力锂电池",
        "technical_needs": "隔膜耐热；提高能量密度",
        "fields_of_interest": "h01m，5.2",
        "username": "newli",
        "email": "newli@example.com",
        "password": "a-Strong-pass-2024",
    }
    data.update(overrides)
    return data


def test_self_registration_waits_for_the_bureau_of_its_province(client, world):
    response = client.post("/enterprises/signup/", signup_data(province=world.p1.pk))
    assert response.status_code == 200 and "注册已提交" in response.content.decode()
    enterprise = Enterprise.objects.get(name="江苏新锂电有限公司")
    assert (enterprise.status, enterprise.main_industry.code, enterprise.fields_of_interest) == (
        EnterpriseStatus.PENDING, "C3841", "H01M,5.2"
    )  # fmt: skip
    assert sorted(enterprise.industries.values_list("code", flat=True)) == ["C26", "C3849"]
    assert enterprise.technical_needs == "隔膜耐热\n提高能量密度"
    user = User.objects.get(username="newli")
    assert (user.role, user.enterprise, user.is_active) == (Role.ENTERPRISE, enterprise, False)
    # P2's bureau does not see it (404) and changes nothing; P1's bureau approves it
    far_bureau = User.objects.create(username="far_bureau", role=Role.PROVINCIAL_BUREAU, province=world.p2)
    client.force_login(far_bureau)
    assert client.post(f"/enterprises/{enterprise.pk}/review/", {"decision": "approve"}).status_code == 404
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.PENDING and enterprise.history.count() == 1
    client.force_login(world.users["provincial_bureau"])
    assert client.post(f"/enterprises/{enterprise.pk}/review/", {"decision": "approve"}).status_code == 302
    enterprise.refresh_from_db()
    user.refresh_from_db()
    assert (enterprise.status, user.is_active, enterprise.history.count()) == (EnterpriseStatus.APPROVED, True, 2)


def test_registration_errors_are_bilingual_and_write_nothing(client, world):
    response = client.post(
        "/enterprises/signup/",
        signup_data(
            province=world.p1.pk, credit_code="91350100M000100Y44", main_industry="C9999", fields_of_interest="ZZZZ"
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check character should be 3, not 4" in body
    assert "Unknown GB/T 4754 code C9999" in body
    assert "ZZZZ is neither an IPC subclass nor an SEI class" in body
    assert not Enterprise.objects.filter(name="江苏新锂电有限公司").exists()
    assert not User.objects.filter(username="newli").exists()


def test_enterprise_user_edits_its_own_profile_only(client, world):
    client.force_login(world.users["enterprise"])
    own = world.enterprise
    data = signup_data(name=own.name, credit_code=own.credit_code, province=own.province_id, products="储能电池")
    assert client.post(f"/enterprises/{own.pk}/", data).status_code == 302
    own.refresh_from_db()
    assert (own.products, own.main_industry.code) == ("储能电池", "C3841")
    other = Enterprise.objects.get(name="别家有限公司")
    assert client.post(f"/enterprises/{other.pk}/", data).status_code == 404
    assert Enterprise.objects.get(pk=other.pk).products == ""


ROW = {
    "name": "江苏甲电池有限公司",
    "credit_code": "",
    "province": "江苏省",
    "city": "苏州市",
    "is_high_tech": True,
    "is_specialized_sme": False,
    "main_industry": "C3841",
    "other_industries": "C3849",
    "products": "锂电池",
    "technical_needs": "隔膜；正极",
    "fields_of_interest": "H01M",
}


def rows(n: int, **bad) -> list[dict]:
    result = [{**ROW, "name": f"江苏甲电池有限公司{i}", "credit_code": make_credit_code(600 + i)} for i in range(n)]
    for index, changes in bad.items():
        result[int(index.removeprefix("row"))].update(changes)
    return result


def workbook(data: list[dict]) -> bytes:
    buffer = io.BytesIO()
    write_rows(buffer, data)
    return buffer.getvalue()


def test_template_has_dropdowns(client, world):
    client.force_login(world.users["provincial_bureau"])
    response = client.get("/enterprises/import/template/")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book[SHEET]
    assert sheet["A1"].value == "*企业名称 / Name"
    formulas = sorted(dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert formulas == ['"是,否"', "'选项'!$A$1:$A$32", "18"]
    assert book["选项"].sheet_state == "hidden"


def test_import_with_one_bad_row_writes_nothing_and_names_row_and_column(client, world):
    client.force_login(world.users["provincial_bureau"])
    before = Enterprise.objects.count()
    data = workbook(rows(5, row3={"main_industry": "C9999"}))
    response = client.post("/enterprises/import/", {"file": upload(data)})
    body = response.content.decode()
    assert response.status_code == 200
    assert Enterprise.objects.count() == before
    errors = response.context["result"].errors
    assert [(e.row, e.column, e.message) for e in errors] == [
        (5, "J", "国民经济行业代码 C9999 不存在 / Unknown GB/T 4754 code C9999")
    ]
    assert "未登记任何企业" in body


def test_import_checks_province_duplicates_and_flags(world):
    client = api_client(world.users["provincial_bureau"])
    data = workbook(
        rows(4, row1={"province": "广东省"}, row2={"credit_code": make_credit_code(600)}, row3={"is_soe": "也许"})
    )
    response = client.post("/api/enterprises/import/", {"file": upload(data)}, format="multipart")
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(3, "C"), (4, "B"), (5, "H")]
    assert (
        response.json()["errors"][0]["message"]
        == "只能登记本省企业 / A bureau registers enterprises of its own province only"
    )
    assert Enterprise.objects.filter(name__startswith="江苏甲电池").count() == 0


def test_import_all_rows_through_the_api(world):
    client = api_client(world.users["provincial_bureau"])
    response = client.post("/api/enterprises/import/", {"file": upload(workbook(rows(3)))}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 3, "rejected": "", "errors": []}
    created = Enterprise.objects.filter(name__startswith="江苏甲电池").order_by("name")
    assert [(e.status, e.province_id, e.is_high_tech, e.technical_needs) for e in created] == [
        (EnterpriseStatus.APPROVED, world.p1.pk, True, "隔膜\n正极")
    ] * 3
    # the same file again: every row is a duplicate, nothing is written
    again = client.post("/api/enterprises/import/", {"file": upload(workbook(rows(3)))}, format="multipart")
    assert again.status_code == 400 and len(again.json()["errors"]) == 3
    assert created.count() == 3


@pytest.mark.parametrize("role", ["enterprise", "institution_admin", "expert", "ministry"])
def test_only_bureaus_and_the_national_admin_import(world, role):
    client = api_client(world.users[role])
    response = client.post("/api/enterprises/import/", {"file": upload(workbook(rows(1)))}, format="multipart")
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name__startswith="江苏甲电池").exists()


def test_not_a_workbook_is_rejected_in_both_languages(world):
    client = api_client(world.users["national_admin"])
    response = client.post("/api/enterprises/import/", {"file": upload(b"hello")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["rejected"] == "不是 .xlsx 工作簿 / Not an .xlsx workbook"
