"""Inventory import jobs end to end on the real database: all or nothing, in place by application number, scoped,
audited, round-trip exact, hostile files refused."""

from __future__ import annotations

import copy
import dataclasses
import io
from decimal import Decimal

import openpyxl
import pytest
from conftest import make_number, make_record, token_client, upload, with_member, workbook_bytes, zip_bytes
from django.core.exceptions import PermissionDenied, ValidationError
from knox.models import AuthToken
from rest_framework.test import APIClient

from evaluations.choices import ReviewState
from evaluations.models import ConversionIntent, ImplementationStatus, SelfAssessment
from evaluations.record import SHEET_NAME, ImplementationEntry, IntentEntry, resolve_intent_terms
from inventory.choices import ImportState
from inventory.export import inventory_records
from inventory.jobs import inventory_import_process
from inventory.models import ImportJob
from inventory.reader import read_inventory
from inventory.services import inventory_import_start
from inventory.writer import write_inventory
from patentpool.models import Patent


def run_import(user, data: bytes, *, dry_run: bool = False) -> ImportJob:
    job = inventory_import_start(user=user, upload=upload(data), dry_run=dry_run)
    inventory_import_process(job.pk)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> tuple:
    return (job.state, job.created_count, job.updated_count, job.unchanged_count, job.rejected_count)


def db_snapshot() -> tuple:
    """Everything an import may touch, to prove a refused one touched nothing."""
    return (
        sorted(Patent.objects.values_list("application_number", "title", "org_unit_id", "institution_id")),
        sorted(SelfAssessment.objects.values_list("patent_id", "review_state", "price_band", "contact_name")),
        ImplementationStatus.objects.count(),
        ConversionIntent.objects.count(),
        Patent.history.count(),
        SelfAssessment.history.count(),
    )


MULTI_ROW = make_record(
    1,
    implementation_states=[
        ImplementationEntry(level1="licensed", level2="ordinary_licence_signed", amount_wan=Decimal("30")),
        ImplementationEntry(
            level1="transferred", level2="custom", custom_text="已与企业洽谈", amount_wan=Decimal("50")
        ),
    ],
    intents=[
        IntentEntry(level1="license", level2="open_licence"),
        IntentEntry(level1="transfer", level2="equity"),
        IntentEntry(level1="self_apply", level2="custom", custom_text="校企共建中试线"),
    ],
    bundle_name="锂电池隔膜组合",
    bundle_numbers=[make_number(1002), make_number(1003)],
    bundle_description="隔膜及涂层工艺",
)


def test_clean_workbook_imports_every_row_exactly(world):
    admin = world.users["institution_admin"]
    records = [MULTI_ROW, make_record(2, org_unit="计算机学院"), make_record(3, value_stars=2, products_advantages="")]

    job = run_import(admin, workbook_bytes(records))

    assert counts(job) == (ImportState.SUCCEEDED, 3, 0, 0, 0)
    assert (job.total_rows, job.processed_rows, job.patents_in_file) == (5, 5, 3)  # MULTI_ROW spans three rows
    patent = Patent.objects.get(application_number=MULTI_ROW.application_number)
    assert (patent.institution_id, patent.org_unit_id, patent.patent_type, patent.title, patent.fiscally_funded) == (
        world.uni.pk, world.college_a.pk, "invention", MULTI_ROW.title, True,
    )  # fmt: skip
    assessment = patent.assessment
    assert (assessment.review_state, assessment.maturity, assessment.value_stars, assessment.price_band) == (
        ReviewState.APPROVED, "small_batch", 4, "10-20",
    )  # fmt: skip
    assert (assessment.industry.code, assessment.sei_class.name, assessment.fee_standard_wan) == (
        "C", "新材料产业", Decimal("12.50"),
    )  # fmt: skip
    assert assessment.bundle_numbers == f"{make_number(1002)},{make_number(1003)}"
    assert list(assessment.implementation_states.values_list("position", "level1", "level2", "custom_text", "amount_wan")) == [
        (0, "licensed", "ordinary_licence_signed", "", Decimal("30.00")),
        (1, "transferred", "custom", "已与企业洽谈", Decimal("50.00")),
    ]  # fmt: skip
    assert list(assessment.intents.values_list("level1", "level2", "custom_text")) == [
        ("license", "open_licence", ""), ("transfer", "equity", ""), ("self_apply", "custom", "校企共建中试线"),
    ]  # fmt: skip
    # Audit: one history row per patent and assessment, by the uploader, naming the job.
    history = patent.history.get()
    assert (history.history_type, history.history_user_id, history.history_change_reason) == (
        "+", admin.pk, f"import #{job.pk}",
    )  # fmt: skip
    assert assessment.history.get().history_user_id == admin.pk
    assert ImplementationStatus.history.filter(assessment_id=assessment.pk).count() == 2


def test_reupload_unchanged_then_corrected_updates_in_place(world):
    admin = world.users["institution_admin"]
    records = [make_record(i) for i in range(1, 6)]
    run_import(admin, workbook_bytes(records))
    history_before = Patent.history.count()

    again = run_import(admin, workbook_bytes(records))

    assert counts(again) == (ImportState.SUCCEEDED, 0, 0, 5, 0)
    assert Patent.history.count() == history_before  # nothing written, nothing audited

    records[2] = dataclasses.replace(records[2], title="一种改进的隔膜", price_band="negotiable")
    corrected = run_import(admin, workbook_bytes(records))

    assert counts(corrected) == (ImportState.SUCCEEDED, 0, 1, 4, 0)
    patent = Patent.objects.get(application_number=records[2].application_number)
    assert (patent.title, patent.assessment.price_band) == ("一种改进的隔膜", "negotiable")
    assert Patent.objects.filter(institution=world.uni).count() == 2 + 5  # world's two + five, no duplicates
    latest = patent.history.latest()
    assert (latest.history_type, latest.prev_record.title) == ("~", make_record(3).title)


def test_workbook_with_twenty_mistakes_lists_all_and_changes_nothing(world):
    admin = world.users["institution_admin"]
    run_import(admin, workbook_bytes([make_record(1)]))
    before = db_snapshot()
    good = [make_record(i) for i in range(1, 12)]
    data = workbook_bytes(good)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET_NAME]
    mistakes = {
        (4, "B"): "201910001001.9",  # wrong check digit
        (5, "K"): "可能",  # not 是/否
        (6, "L"): "已经卖了",  # unknown? custom level 1 is allowed as text: use the amount rule instead
        (7, "U"): "200万",  # not a price band
        (8, "V"): None,  # required contact missing
        (9, "W"): None,  # required phone missing
        (10, "X"): "差不多了",  # not a maturity
        (11, "Y"): "六星",  # not a star grade
        (12, "R"): "很多",  # fee standard not a number
        (13, "AA"): "不存在的行业",
        (14, "AC"): "不存在的战新",
    }
    for (row, column), value in mistakes.items():
        ws[f"{column}{row}"] = value
    ws["L6"] = "已许可"
    ws["M6"] = "已签订普通许可合同"
    ws["N6"] = "三十万"  # amount must be a number
    ws["M4"] = "已签订转让合同"  # a level-2 state of another level 1
    ws["Q5"] = "拟作价入股"  # an intent of another level 1 (row 5 intends 拟许可)
    ws["Z7"] = "x" * 501  # too long
    ws["S8"] = "南京"  # city not in XX省-XX市 form
    ws["E9"] = "很久"  # years maintained not a number
    ws["C13"] = "长" * 256  # title too long
    ws["T14"] = ",".join(f"企业{i}有限公司" for i in range(11))  # more than 10 intended enterprises
    ws["B11"] = ws["B4"].value  # the same number twice
    ws["I12"] = "123"  # a bundle number that is not an application number
    ws["H12"] = "组合"
    buffer = io.BytesIO()
    wb.save(buffer)

    job = run_import(admin, buffer.getvalue())

    assert job.state == ImportState.FAILED
    found = {(e["row"], e["column"]) for e in job.errors}
    expected = {(row, col) for (row, col) in mistakes} | {
        (6, "N"), (4, "M"), (5, "Q"), (7, "Z"), (8, "S"), (9, "E"), (11, "B"), (12, "I"), (13, "C"), (14, "T"),
    }  # fmt: skip
    expected.discard((6, "L"))
    assert len(expected) == 20
    assert found == expected
    assert job.error_count == len(job.errors) == 20
    assert all(e["message"] and e["message_en"] for e in job.errors)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 0)
    assert db_snapshot() == before
    # The marked copy highlights and comments exactly those cells.
    marked = openpyxl.load_workbook(job.error_file.path)[SHEET_NAME]
    for row, column in expected:
        cell = marked[f"{column}{row}"]
        assert cell.comment is not None, (row, column)
        assert cell.fill.fgColor.rgb.endswith("FFC7CE"), (row, column)
    assert marked["C4"].comment is None


def test_planning_errors_other_institution_and_unknown_college(world):
    admin = world.users["institution_admin"]
    before = db_snapshot()
    foreign = make_record(50, application_number=world.patent_far.application_number)
    unknown_college = make_record(51, org_unit="不存在的学院")

    job = run_import(admin, workbook_bytes([make_record(52), foreign, unknown_college]))

    assert job.state == ImportState.FAILED
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (5, "B", "other_institution"),
        (6, "G", "unknown_org_unit"),
    ]
    assert "远方大学" in job.errors[0]["message"] and "远方大学" in job.errors[0]["message_en"]
    assert db_snapshot() == before


def test_college_admin_imports_only_into_own_college(world):
    college_admin = world.users["college_admin"]
    other_college = make_record(60, org_unit="计算机学院")
    before = db_snapshot()
    refused = run_import(college_admin, workbook_bytes([make_record(61), other_college]))
    assert refused.state == ImportState.FAILED
    assert [(e["row"], e["column"], e["code"]) for e in refused.errors] == [(5, "G", "other_org_unit")]
    assert db_snapshot() == before

    job = run_import(college_admin, workbook_bytes([make_record(61), make_record(62, org_unit="")]))

    assert counts(job) == (ImportState.SUCCEEDED, 2, 0, 0, 0)
    imported = Patent.objects.filter(application_number__in=[make_number(1061), make_number(1062)])
    assert set(imported.values_list("org_unit_id", "assessment__review_state")) == {
        (world.college_a.pk, ReviewState.COLLEGE_APPROVED)
    }
    # A college admin cannot change a patent of another college by re-uploading it.
    before = db_snapshot()
    job = run_import(college_admin, workbook_bytes([make_record(70, application_number=world.patent_b.application_number,
                                                                org_unit="")]))  # fmt: skip
    assert [(e["column"], e["code"]) for e in job.errors] == [("B", "other_org_unit")]
    assert db_snapshot() == before


def test_dry_run_counts_and_writes_nothing(world):
    admin = world.users["institution_admin"]
    run_import(admin, workbook_bytes([make_record(1)]))
    before = db_snapshot()

    job = run_import(admin, workbook_bytes([make_record(1), make_record(2)]), dry_run=True)

    assert counts(job) == (ImportState.SUCCEEDED, 1, 0, 1, 0)
    assert job.message_en == "Dry run: the file is valid; nothing was written"
    assert db_snapshot() == before


def test_export_then_reimport_is_exact(world):
    admin = world.users["institution_admin"]
    records = [MULTI_ROW, make_record(2, org_unit="计算机学院"), make_record(3, fiscally_funded=False, value_stars=1,
                                                                            products_advantages="", prospect="")]  # fmt: skip
    run_import(admin, workbook_bytes(records))
    # One of them was since edited by hand and saved back unchanged: it has no fingerprint of the last import.
    Patent.objects.filter(application_number=records[1].application_number).update(import_fingerprint="")
    mine = Patent.objects.filter(application_number__in=[r.application_number for r in records]).order_by("pk")
    exported = workbook_bytes(inventory_records(mine))

    # Reading the export gives back exactly what was imported …
    back = read_inventory(io.BytesIO(exported))
    assert back.errors == []
    strip = lambda r: dataclasses.replace(r, row=0, rows=[])  # noqa: E731
    by_number = {r.application_number: strip(r) for r in back.records}
    for record in records:
        # Intents that give no R–W of their own carry the patent's (issue #9: terms per intent).
        assert by_number[record.application_number] == strip(resolve_intent_terms(copy.deepcopy(record)))
    # … and re-importing it changes nothing, including the patent without a stored fingerprint.
    before = db_snapshot()
    job = run_import(admin, exported)
    assert counts(job) == (ImportState.SUCCEEDED, 0, 0, 3, 0)
    assert db_snapshot() == before


def test_only_admins_can_start_an_import(world):
    for role in ("inventor", "enterprise", "provincial_bureau", "ministry", "expert"):
        with pytest.raises(PermissionDenied):
            inventory_import_start(user=world.users[role], upload=upload(workbook_bytes([make_record(1)])))
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("notes.txt", b"hello", "not_xlsx"),
        ("inventory.xlsx", b"not a zip at all", "not_xlsx"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "not_xlsx"),
    ],
)
def test_obviously_wrong_files_are_refused_before_a_job_exists(world, name, data, code):
    with pytest.raises(ValidationError) as excinfo:
        inventory_import_start(user=world.users["institution_admin"], upload=upload(data, name))
    assert excinfo.value.code == code
    assert ImportJob.objects.count() == 0


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><workbook>&lol3;</workbook>'
)


@pytest.mark.parametrize(
    "build, code",
    [
        (lambda good: zip_bytes({"a.txt": b"just a zip"}), None),
        (lambda good: with_member(good, "xl/workbook.xml", BILLION_LAUGHS), "unsafe_xml"),
        (lambda good: with_member(good, "xl/media/huge.bin", b"\0" * (400 * 1024 * 1024)), "too_large"),
        (lambda good: good[: len(good) // 2], None),
    ],
    ids=["zip-without-workbook", "billion-laughs", "zip-bomb", "truncated"],
)
def test_hostile_or_broken_files_are_rejected_cleanly(world, build, code):
    admin = world.users["institution_admin"]
    before = db_snapshot()
    data = build(workbook_bytes([make_record(1)]))

    job = run_import(admin, data)

    assert job.state == ImportState.REJECTED
    assert job.message and job.message_en
    if code == "too_large":
        assert "解压" in job.message or "压缩" in job.message
    assert db_snapshot() == before


def test_too_many_rows_is_rejected(world, settings):
    settings.INVENTORY_MAX_ROWS = 3
    job = run_import(world.users["institution_admin"], workbook_bytes([make_record(i) for i in range(1, 5)]))
    assert job.state == ImportState.REJECTED
    assert "3" in job.message and Patent.objects.filter(application_number=make_number(1001)).count() == 0


# -- REST --------------------------------------------------------------------------------------------------------------


def test_rest_upload_follow_and_read_errors(world, django_capture_on_commit_callbacks):
    client = token_client(world.users["institution_admin"])
    bad = make_record(1, price_band="200万")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/inventory-imports/", {"file": upload(workbook_bytes([bad])), "dry_run": "false"},
                               format="multipart")  # fmt: skip
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["state"] == "queued"
    assert len(callbacks) == 1  # the task is dispatched once the job row is committed
    inventory_import_process(job_id)  # what the worker does

    job = client.get(f"/api/inventory-imports/{job_id}/").json()
    assert (job["state"], job["error_count"], job["progress_percent"]) == ("failed", 1, 100)
    errors = client.get(f"/api/inventory-imports/{job_id}/errors/").json()
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(4, "U", "200万")]
    marked = client.get(f"/api/inventory-imports/{job_id}/error-workbook/")
    assert marked.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(b"".join(marked.streaming_content)))["错误清单"].max_row == 2


def test_rest_client_gets_a_token_downloads_the_template_and_imports(world, django_capture_on_commit_callbacks):
    import random

    client = APIClient(REMOTE_ADDR=f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.7")  # its own throttle key
    refused = client.post("/api/auth/token/", {"username": "institution_admin", "password": "wrong"}, format="json")
    assert refused.status_code == 400 and "token" not in refused.json()
    assert not AuthToken.objects.filter(user=world.users["institution_admin"]).exists()
    response = client.post(
        "/api/auth/token/", {"username": "institution_admin", "password": "pw-institution_admin"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=world.users["institution_admin"])
    assert token[: len(stored.token_key)] == stored.token_key and token != stored.digest
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    template = client.get("/api/inventory-template/")
    assert template.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    filled = io.BytesIO()
    # The platform's own writer fills rows 4+ of the downloaded template's layout.
    write_inventory(filled, [make_record(serial) for serial in (1, 2, 3)])
    assert workbook.sheetnames[0] == openpyxl.load_workbook(io.BytesIO(filled.getvalue())).sheetnames[0]
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/api/inventory-imports/", {"file": upload(filled.getvalue())}, format="multipart")
    assert response.status_code == 202
    inventory_import_process(response.json()["id"])  # what the worker does
    job = client.get(f"/api/inventory-imports/{response.json()['id']}/").json()
    assert (job["state"], job["created_count"], job["error_count"]) == ("succeeded", 3, 0)
    assert Patent.objects.filter(application_number__in=[make_number(1000 + s) for s in (1, 2, 3)]).count() == 3


def test_rest_refuses_bad_uploads_and_other_institutions_jobs(world):
    admin = token_client(world.users["institution_admin"])
    response = admin.post("/api/inventory-imports/", {"file": upload(b"nope", "x.xlsx")}, format="multipart")
    assert response.status_code == 400
    assert "xlsx" in response.json()["file"][0]
    assert ImportJob.objects.count() == 0
    job = inventory_import_start(user=world.users["institution_admin"], upload=upload(workbook_bytes([make_record(1)])))
    for role, status in (("college_admin", 404), ("provincial_bureau", 404), ("enterprise", 404),
                         ("national_admin", 200), ("institution_admin", 200)):  # fmt: skip
        assert token_client(world.users[role]).get(f"/api/inventory-imports/{job.pk}/").status_code == status, role
    response = token_client(world.users["enterprise"]).post(
        "/api/inventory-imports/", {"file": upload(workbook_bytes([make_record(1)]))}, format="multipart"
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1


def test_template_download_imports_cleanly_when_filled(world, client):
    client.force_login(world.users["college_admin"])
    response = client.get("/api/inventory-template/")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb[SHEET_NAME]
    row = ["1", make_number(1090), "一种隔膜", "有效", 2, "张三", "材料学院", None, None, None, "是", "尚未实施", None,
           None, None, "拟许可", "拟普通许可", 10, "江苏省-南京市", None, "0-10万", "王老师", "13800000000",
           "样品、实验阶段", "三星", "隔膜产品", "制造业", "前景好", "新材料产业", "H01M"]  # fmt: skip
    for col, value in enumerate(row, start=1):
        ws.cell(row=4, column=col, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)

    job = run_import(world.users["college_admin"], buffer.getvalue())

    assert counts(job) == (ImportState.SUCCEEDED, 1, 0, 0, 0)
    assert Patent.objects.get(application_number=make_number(1090)).assessment.maturity == "sample"
