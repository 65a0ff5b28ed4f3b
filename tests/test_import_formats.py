"""Issue #9: the base library a real inventory needs, fees per intent, classification columns as real files write
them, and the patent-database export as a second import kind. Files are built here, in the shapes real ones have."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from conftest import make_number, make_record, token_client, upload, workbook_bytes
from test_inventory_reader import patent, template_book, write

from evaluations.models import ConversionIntent, SelfAssessment
from inventory.choices import ImportState
from inventory.jobs import inventory_import_process
from inventory.models import ImportJob
from inventory.services import inventory_import_start
from patentpool.models import Patent


def run_import(user, data: bytes, *, name: str = "inventory.xlsx", **options) -> ImportJob:
    job = inventory_import_start(user=user, upload=upload(data, name), **options)
    inventory_import_process(job.pk)
    job.refresh_from_db()
    return job


def test_reimport_keeps_the_date_a_patent_entered_the_library(world):
    admin = world.users["institution_admin"]
    numbers = [make_number(1841), make_number(1842)]
    run_import(admin, workbook_bytes([make_record(841), make_record(842)]))
    entered = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
    Patent.objects.filter(application_number__in=numbers).update(created_at=entered)

    job = run_import(admin, workbook_bytes([make_record(841, title="一种改进的隔膜"), make_record(842)]))

    assert (job.state, job.created_count, job.updated_count, job.unchanged_count) == (ImportState.SUCCEEDED, 0, 1, 1)
    assert sorted(Patent.objects.filter(application_number__in=numbers).values_list("title", "created_at")) == [
        ("一种改进的隔膜", entered), ("一种锂电池隔膜的制备方法842", entered),
    ]  # fmt: skip


def test_reimport_keeps_the_date_a_patent_entered_the_resource_library(world):
    admin = world.users["institution_admin"]
    run_import(admin, workbook_bytes([make_record(843)]))
    approved = dt.datetime(2024, 4, 30, 8, 0, tzinfo=dt.UTC)
    SelfAssessment.objects.filter(patent__application_number=make_number(1843)).update(approved_at=approved)

    job = run_import(admin, workbook_bytes([make_record(843, prospect="储能市场")]))

    assert (job.state, job.updated_count) == (ImportState.SUCCEEDED, 1)
    a = SelfAssessment.objects.get(patent__application_number=make_number(1843))
    assert (a.prospect, a.review_state, a.approved_at) == ("储能市场", "approved", approved)


def xlsx(tmp_path, rows, *, extra_headers: dict[str, str] | None = None) -> bytes:
    """A national template with ``rows`` from row 4 and, optionally, extra header cells on row 3 (letter → text)."""
    book = template_book()
    for letter, text in (extra_headers or {}).items():
        book["批量导入"][f"{letter}3"] = text
    return write(tmp_path, rows, book=book).read_bytes()


BLANK_ASSESSMENT = dict.fromkeys(
    ("L", "P", "Q", "U", "V", "W", "X", "Y", "Z", "AA", "AB", "AC", "AD")
)  # every self-assessment cell of patent() left blank


def test_inventory_now_assess_later(world, tmp_path):
    # given: the platform's own export of patents nobody has assessed yet (L onward blank), re-uploaded
    admin = world.users["institution_admin"]
    data = xlsx(tmp_path, [patent(801, **BLANK_ASSESSMENT), patent(802, **BLANK_ASSESSMENT), patent(803)])

    job = run_import(admin, data)

    assert (job.state, job.created_count, job.inventory_only_count, job.error_count) == (ImportState.SUCCEEDED, 3, 2, 0)
    only = Patent.objects.filter(application_number__in=[make_number(801), make_number(802)])
    assert sorted(only.values_list("title", "fiscally_funded")) == [("一种锂电池隔膜的制备方法，及其应用", True)] * 2
    assert SelfAssessment.objects.filter(patent__in=only).count() == 0
    assert SelfAssessment.objects.filter(patent__application_number=make_number(803)).count() == 1
    # the same file again: nothing to do
    again = run_import(admin, data)
    assert (again.state, again.created_count, again.updated_count, again.unchanged_count) == ("succeeded", 0, 0, 3)
    # an export of them re-imports unchanged, and the result page and API show the counter
    from inventory.export import inventory_records

    exported = workbook_bytes(inventory_records(only.order_by("pk")))
    third = run_import(admin, exported)
    assert (third.state, third.unchanged_count, third.inventory_only_count) == ("succeeded", 2, 0)
    client = token_client(admin)
    assert client.get(f"/api/inventory-imports/{job.pk}/").json()["inventory_only_count"] == 2
    page = client_for(admin).get(f"/inventory/import/{job.pk}/")
    assert '<b id="inventory-only">2</b>' in page.content.decode()


def test_inventory_only_row_keeps_an_existing_assessment(world, tmp_path):
    admin = world.users["institution_admin"]
    run_import(admin, xlsx(tmp_path, [patent(811)]))
    assessment = SelfAssessment.objects.get(patent__application_number=make_number(811))
    before = (
        assessment.value_stars,
        assessment.price_band,
        ConversionIntent.objects.filter(assessment=assessment).count(),
    )

    job = run_import(admin, xlsx(tmp_path, [patent(811, C="一种锂电池隔膜的改进制备方法", **BLANK_ASSESSMENT)]))

    assert (job.state, job.updated_count, job.inventory_only_count) == ("succeeded", 1, 1)
    assessment.refresh_from_db()
    after = (
        assessment.value_stars,
        assessment.price_band,
        ConversionIntent.objects.filter(assessment=assessment).count(),
    )
    assert after == before == (4, "10-20", 1)
    assert Patent.objects.get(application_number=make_number(811)).title == "一种锂电池隔膜的改进制备方法"


def test_partly_filled_assessment_is_still_checked_completely(world, tmp_path):
    admin = world.users["institution_admin"]
    cells = {**BLANK_ASSESSMENT, "X": "通过中试"}  # one assessment cell filled: the whole part is required

    job = run_import(admin, xlsx(tmp_path, [patent(821, **cells)]))

    assert job.state == ImportState.FAILED
    assert sorted((e["column"], e["code"]) for e in job.errors) == [
        ("L", "required"), ("P", "required"), ("U", "required"), ("V", "required"), ("W", "required"),
        ("Y", "required"),
    ]  # fmt: skip
    assert not Patent.objects.filter(application_number=make_number(821)).exists()


def test_orphan_continuation_row_is_not_a_patent(world, tmp_path):
    admin = world.users["institution_admin"]
    job = run_import(admin, xlsx(tmp_path, [{"P": "拟转让", "Q": "拟转让"}, patent(831), patent(832)]))
    assert (job.state, job.patents_in_file, job.error_count) == (ImportState.FAILED, 2, 1)
    assert job.errors[0]["code"] == "orphan_continuation"


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------------------------------
# Fees, prices and contacts belong to the intent


def test_each_intent_keeps_its_own_fee_price_and_contact(world, tmp_path):
    admin = world.users["institution_admin"]
    rows = [
        patent(851, R=5, S="浙江省-杭州市", U="0-10万", V="王老师", W="13800000000"),
        {"P": "拟转让", "Q": "拟转让", "R": "80万", "T": "某某科技有限公司", "U": "70-80万", "V": "李老师",
         "W": "13900000000"},
        {"P": "拟许可", "Q": "拟开放许可"},  # R–W blank: the first row's
    ]  # fmt: skip

    job = run_import(admin, xlsx(tmp_path, rows))

    assert (job.state, job.created_count, job.patents_in_file) == (ImportState.SUCCEEDED, 1, 1)
    intents = ConversionIntent.objects.filter(assessment__patent__application_number=make_number(851))
    assert list(intents.order_by("position").values_list(
        "level2", "fee_standard_wan", "intended_cities", "intended_enterprises", "price_band", "contact_name",
        "contact_phone",
    )) == [
        ("ordinary_licence", Decimal("5.00"), "浙江省-杭州市", "", "0-10", "王老师", "13800000000"),
        ("transfer", Decimal("80.00"), "", "某某科技有限公司", "70-80", "李老师", "13900000000"),
        ("open_licence", Decimal("5.00"), "浙江省-杭州市", "", "0-10", "王老师", "13800000000"),
    ]  # fmt: skip
    # the assessment's copy is the first intent's (the library's list, filters and facets read it)
    a = SelfAssessment.objects.get(patent__application_number=make_number(851))
    assert (a.fee_standard_wan, a.price_band, a.contact_name) == (Decimal("5.00"), "0-10", "王老师")

    # exported back: each intent's terms on its own row, and the export re-imports unchanged
    from inventory.export import inventory_records
    from inventory.reader import read_inventory

    exported = workbook_bytes(inventory_records(Patent.objects.filter(application_number=make_number(851))))
    sheet = openpyxl.load_workbook(io.BytesIO(exported))["批量导入"]
    assert [[sheet[f"{c}{r}"].value for c in "PRUVW"] for r in (4, 5, 6)] == [
        ["拟许可", 5, "0-10万", "王老师", "13800000000"],
        ["拟转让", 80, "70-80万", "李老师", "13900000000"],
        ["拟许可", None, None, None, None],
    ]
    assert read_inventory(io.BytesIO(exported)).errors == []
    again = run_import(admin, exported)
    assert (again.state, again.unchanged_count) == ("succeeded", 1)


def test_an_intents_terms_are_validated_at_its_own_row(world, tmp_path):
    admin = world.users["institution_admin"]
    rows = [patent(861), {"P": "拟转让", "R": "很多", "U": "200万", "V": "李老师", "W": "无电话"}]
    before = Patent.objects.count()

    job = run_import(admin, xlsx(tmp_path, rows))

    assert job.state == ImportState.FAILED
    assert sorted((e["row"], e["column"], e["code"]) for e in job.errors) == [
        (5, "R", "not_a_number"), (5, "U", "invalid_choice"), (5, "W", "invalid_contact"),
    ]  # fmt: skip
    assert Patent.objects.count() == before


def test_terms_without_an_intent_on_a_continuation_row_are_refused(world, tmp_path):
    admin = world.users["institution_admin"]
    job = run_import(admin, xlsx(tmp_path, [patent(862), {"L": "尚未实施", "R": 3}]))
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [(5, "R", "terms_without_intent")]


def test_data_migration_moves_the_assessment_terms_onto_every_intent(transactional_db):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    old = [("evaluations", "0012_reference_moved"), ("patentpool", "0005_reference_models_moved")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    # given: one assessment with the terms on it and two intents, as before issue #9
    Institution = apps.get_model("institutions", "Institution")
    Province = apps.get_model("reference", "Province")
    Industry = apps.get_model("reference", "IndustryCode")
    province = Province.objects.create(code="99", name="测试省", short_name="测")
    institution = Institution.objects.create(name="迁移测试大学", province=province)
    industry = Industry.objects.create(code="Z", level="section", section="Z", name="测试门类")
    patent = apps.get_model("patentpool", "Patent").objects.create(
        application_number="201910000001.9", patent_type="invention", title="t", institution=institution
    )
    assessment = apps.get_model("evaluations", "SelfAssessment").objects.create(
        patent=patent, fee_standard_wan=Decimal("7.5"), price_band="0-10", contact_name="王老师",
        contact_phone="13800000000", intended_cities="江苏省-南京市", industry=industry,
    )  # fmt: skip
    Intent = apps.get_model("evaluations", "ConversionIntent")
    Intent.objects.create(assessment=assessment, position=0, level1="license")
    Intent.objects.create(assessment=assessment, position=1, level1="transfer")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    intents = ConversionIntent.objects.filter(assessment_id=assessment.pk).order_by("position")
    assert (
        list(intents.values_list("fee_standard_wan", "price_band", "contact_name", "intended_cities"))
        == [(Decimal("7.50"), "0-10", "王老师", "江苏省-南京市")] * 2
    )
    assert list(SelfAssessment.objects.get(pk=assessment.pk).industries.values_list("code", flat=True)) == ["Z"]


# ---------------------------------------------------------------------------------------------------------------------
# The base library a real inventory needs


def test_lapsed_patents_stay_in_the_base_library_but_leave_the_resource_library(world, tmp_path):
    from dashboards.selectors import institution_progress_table
    from institutions.models import Institution
    from library.selectors import resource_library_list

    admin = world.users["institution_admin"]
    rows = [patent(871), patent(872, D="期限届满"), patent(873, D="未缴年费专利权终止，等恢复"), patent(874, D="放弃")]
    run_import(admin, xlsx(tmp_path, rows))
    numbers = [make_number(n) for n in (871, 872, 873, 874)]
    assert sorted(Patent.objects.filter(application_number__in=numbers).values_list("legal_status", flat=True)) == [
        "abandoned", "expired", "lapsed", "valid",
    ]  # fmt: skip
    library = resource_library_list(user=admin)
    assert sorted(library.filter(application_number__in=numbers).values_list("application_number", flat=True)) == [
        make_number(871)
    ]
    mine = institution_progress_table(institutions=Institution.objects.filter(pk=admin.institution_id))
    in_library_before = mine[0]["in_library"]
    # the valid one lapses later: it leaves the library and the convertible count, and keeps its history
    run_import(admin, xlsx(tmp_path, [patent(871, D="失效")]))
    assert not library.filter(application_number=make_number(871)).exists()
    mine = institution_progress_table(institutions=Institution.objects.filter(pk=admin.institution_id))
    assert mine[0]["in_library"] == in_library_before - 1
    lapsed = Patent.objects.get(application_number=make_number(871))
    assert [h.legal_status for h in lapsed.history.order_by("history_id")] == ["valid", "lapsed"]


def test_co_owners_are_kept(world, tmp_path):
    admin = world.users["institution_admin"]
    headers = {"AE": "专利权人"}
    run_import(
        admin, xlsx(tmp_path, [patent(881, AE="清华大学；深圳市某某科技有限公司"), patent(882)], extra_headers=headers)
    )
    by_number = dict(Patent.objects.filter(application_number__in=[make_number(881), make_number(882)])
                     .values_list("application_number", "patentees"))  # fmt: skip
    assert by_number == {make_number(881): "清华大学；深圳市某某科技有限公司", make_number(882): admin.institution.name}
    # a file without the column (the national layout) keeps the stored co-owners
    job = run_import(admin, xlsx(tmp_path, [patent(881, C="一种改进的隔膜")]))
    assert (job.state, job.updated_count) == ("succeeded", 1)
    assert Patent.objects.get(application_number=make_number(881)).patentees == "清华大学；深圳市某某科技有限公司"


def test_extra_fact_columns_after_ad_are_read(world, tmp_path):
    admin = world.users["institution_admin"]
    headers = {
        "AE": "授权日",
        "AF": "申请日",
        "AG": "公开(公告)号",
        "AH": "申请人",
        "AI": "IPC主分类号",
        "AJ": "IPC分类号",
    }
    row = patent(891, AE="2021年3月5日", AF=43466, AG="CN 110813200 B", AH="某大学|某公司", AI="H01M 50/40",
                 AJ="H01M50/40 | H01M50/403 | C08J5/18")  # fmt: skip

    job = run_import(admin, xlsx(tmp_path, [row], extra_headers=headers))

    assert job.state == ImportState.SUCCEEDED, job.errors
    p = Patent.objects.get(application_number=make_number(891))
    assert (p.grant_date, p.application_date, p.publication_number, p.patentees) == (
        dt.date(2021, 3, 5), dt.date(2019, 1, 1), "CN110813200B", "某大学|某公司",
    )  # fmt: skip
    assert (p.ipc_main, p.ipc_others, p.ipc_subclass) == ("H01M 50/40", "H01M50/40; H01M50/403; C08J5/18", "H01M")
    bad = run_import(admin, xlsx(tmp_path, [patent(892, AE="去年")], extra_headers=headers))
    assert [(e["column"], e["code"]) for e in bad.errors] == [("AE", "invalid_date")]


# ---------------------------------------------------------------------------------------------------------------------
# The classification columns as real files write them


def test_industry_codes_of_every_level_and_sei_2021(world, tmp_path):
    admin = world.users["institution_admin"]
    rows = [
        patent(901, AA="I6571 | I6572 | I6579", AC="1.5 人工智能"),
        patent(902, AA="C3491", AC="1 新一代信息技术产业"),
        patent(903, AA="C39", AC="人工智能"),
        patent(904, AA="C 制造业", AC="新材料产业"),
        patent(905, AA="计算机、通信和其他电子设备制造业"),  # a 大类 name
    ]
    job = run_import(admin, xlsx(tmp_path, rows))
    assert job.state == ImportState.SUCCEEDED, job.errors
    got = {
        a.patent.application_number: ([c.code for c in a.industries.order_by("code")], a.industry.code,
                                             a.sei_class.edition, a.sei_class.code)
        for a in SelfAssessment.objects.filter(patent__application_number__in=[make_number(n) for n in range(901, 906)])
        .select_related("patent", "industry", "sei_class").prefetch_related("industries")
    }  # fmt: skip
    assert got == {
        make_number(901): (["I6571", "I6572", "I6579"], "I6571", "2021", "1.5"),
        make_number(902): (["C3491"], "C3491", "2018", "1"),
        make_number(903): (["C39"], "C39", "2021", "1.5"),
        make_number(904): (["C"], "C", "2018", "3"),
        make_number(905): (["C39"], "C39", "2018", "3"),
    }
    bad = run_import(admin, xlsx(tmp_path, [patent(906, AA="C9999 | 制造", AC="1.9 人工智能")]))
    assert sorted((e["column"], e["code"]) for e in bad.errors) == [("AA", "invalid_choice"), ("AC", "invalid_choice")]
    assert "C9999" in bad.errors[0]["message"] and "制造" in bad.errors[0]["message"]


# ---------------------------------------------------------------------------------------------------------------------
# A second import kind: the patent-database export

DB_HEADERS = ["公开(公告)号", "申请号", "标题", "[标]当前申请(专利权)人", "发明人", "申请日", "授权日", "IPC分类号",
              "简单法律状态", "专利类型", "技术领域", "国民经济行业分类号", "战略新兴产业分类"]  # fmt: skip


def db_row(serial: int, **cells) -> list:
    values = {
        "公开(公告)号": f"CN11081{serial:04d}B",
        "申请号": f"CN{make_number(serial)}",
        "标题": f"一种二维层状过渡金属纳米片凝胶的制备方法{serial}",
        "[标]当前申请(专利权)人": "清华大学深圳国际研究生院 | 深圳市某某科技有限公司",
        "发明人": "张三 | 李四",
        "申请日": "2019-09-12",
        "授权日": "2021-03-05",
        "IPC分类号": "C08L83/07 | C08K9/06 | C09K5/14",
        "简单法律状态": "有效",
        "专利类型": "授权发明",
        "技术领域": "发明涉及化工领域",
        "国民经济行业分类号": "C2922 | C2911",
        "战略新兴产业分类": "3 新材料产业",
    }
    values.update(cells)
    return [values[h] for h in DB_HEADERS]


def db_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "专利列表"
    sheet.append(DB_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def db_csv(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DB_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def test_database_export_creates_and_updates_base_library_records(world):
    admin = world.users["institution_admin"]
    # an assessed patent of the institution, which the export must not touch
    run_import(admin, workbook_bytes([make_record(950)]))
    assessed = SelfAssessment.objects.get(patent__application_number=make_number(1950))
    assessed_before = (assessed.review_state, assessed.price_band, assessed.value_stars, assessed.updated_at)
    Patent.objects.filter(application_number=make_number(1950)).update(
        created_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    )
    rows = [db_row(951), db_row(952, 简单法律状态="失效", 专利类型="实用新型", 申请号=f"CN{make_number(952, type_digit='2')}"),
            db_row(1950, 标题="一种锂电池隔膜的制备方法950", 授权日="2020年1月2日")]  # fmt: skip

    job = run_import(admin, db_xlsx(rows), name="export.xlsx", kind="patent_database")

    assert (job.state, job.kind, job.created_count, job.updated_count, job.inventory_only_count) == (
        ImportState.SUCCEEDED, "patent_database", 2, 1, 3,
    )  # fmt: skip
    new = Patent.objects.get(application_number=make_number(951))
    assert (new.publication_number, new.title, new.patentees, new.inventors, new.application_date, new.grant_date,
            new.ipc_main, new.ipc_others, new.ipc_subclass, new.legal_status, new.patent_type, new.fiscally_funded,
            new.org_unit_id) == (
        "CN110810951B", "一种二维层状过渡金属纳米片凝胶的制备方法951",
        "清华大学深圳国际研究生院 | 深圳市某某科技有限公司", "张三 | 李四", dt.date(2019, 9, 12), dt.date(2021, 3, 5),
        "C08L83/07", "C08K9/06; C09K5/14", "C08L", "valid", "invention", False, None,
    )  # fmt: skip
    assert not SelfAssessment.objects.filter(patent=new).exists()
    lapsed = Patent.objects.get(application_number=make_number(952, type_digit="2"))
    assert (lapsed.legal_status, lapsed.patent_type) == ("lapsed", "utility_model")
    old = Patent.objects.get(application_number=make_number(1950))
    assert (old.grant_date, old.org_unit.name, old.fiscally_funded, old.created_at) == (
        dt.date(2020, 1, 2),
        "材料学院",
        True,
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
    )
    assessed.refresh_from_db()
    assert (assessed.review_state, assessed.price_band, assessed.value_stars, assessed.updated_at) == assessed_before
    # the same export again changes nothing
    again = run_import(admin, db_xlsx(rows), name="export.xlsx", kind="patent_database")
    assert (again.state, again.unchanged_count) == ("succeeded", 3)


def test_database_export_as_csv_is_detected_from_its_headers(world):
    admin = world.users["institution_admin"]
    data = db_csv([db_row(961), db_row(962)], encoding="gb18030")
    job = run_import(admin, data, name="导出.csv")
    assert (job.state, job.kind, job.created_count) == (ImportState.SUCCEEDED, "patent_database", 2)
    # a CSV with errors gets its marked copy too
    bad = run_import(admin, db_csv([db_row(965, 申请日="=1+1")]), name="bad.csv")
    assert [(e["row"], e["column"], e["code"]) for e in bad.errors] == [(2, "F", "invalid_date")]
    marked = openpyxl.load_workbook(bad.error_file.open("rb"))
    assert (marked["CSV"]["F2"].value, marked["CSV"]["F2"].fill.fgColor.rgb[-6:]) == ("=1+1", "FFC7CE")
    # an xlsx export without a kind is told from its headers too; the national workbook stays national
    job = run_import(admin, db_xlsx([db_row(963)]), name="export.xlsx")
    assert (job.state, job.kind, job.created_count) == (ImportState.SUCCEEDED, "patent_database", 1)
    job = run_import(admin, workbook_bytes([make_record(964)]))
    assert (job.state, job.kind) == (ImportState.SUCCEEDED, "national")


def test_database_export_errors_write_nothing(world):
    admin = world.users["institution_admin"]
    before = Patent.objects.count()
    rows = [db_row(971), db_row(972, 申请号="CN201910000972.0", 授权日="去年"), db_row(973, 简单法律状态="审中"),
            db_row(974, 专利类型="实用新型"), db_row(971)]  # fmt: skip

    job = run_import(admin, db_xlsx(rows), name="export.xlsx", kind="patent_database")

    assert job.state == ImportState.FAILED
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (3, "B", "bad_check_digit"), (3, "G", "invalid_date"), (4, "I", "invalid_choice"), (5, "J", "mismatch"),
        (6, "B", "duplicate"),
    ]  # fmt: skip
    assert (job.patents_in_file, job.rejected_count) == (5, 4)
    assert Patent.objects.count() == before
    assert job.error_file  # the marked copy of the upload


def test_database_export_over_the_api_with_kind(world):
    admin = world.users["institution_admin"]
    client = token_client(admin)
    response = client.post(
        "/api/inventory-imports/",
        {"file": upload(db_csv([db_row(981)]), "export.csv"), "kind": "patent_database"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "patent_database"
    refused = client.post(
        "/api/inventory-imports/", {"file": upload(db_csv([db_row(982)]), "export.csv"), "kind": "other"},
        format="multipart",
    )  # fmt: skip
    assert refused.status_code == 400
    assert ImportJob.objects.filter(original_name="export.csv").count() == 1


def test_the_dev_set_imports_as_a_database_export(world, tmp_path):
    """The 1,008 real rows of the shared development set, as the database wrote them (skipped when absent)."""
    import csv
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "shared" / "reference" / "labelled_patents_dev.csv"
    if not source.exists():
        pytest.skip("the shared development set is not here")
    with source.open(encoding="utf-8") as handle:
        real = list(csv.DictReader(handle))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["申请号", "公开(公告)号", "专利类型", "法律状态", "标题", "技术领域", "IPC分类号", "国民经济行业分类号"]
    )
    for row in real:
        sheet.append([row["application_number"], row["publication_number"], row["patent_type"], row["legal_status"],
                      row["title"], row["technical_field"], row["ipc"], row["gbt4754"]])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)

    job = run_import(world.users["institution_admin"], buffer.getvalue(), name="all.xlsx")

    assert (job.state, job.kind, job.created_count, job.error_count) == ("succeeded", "patent_database", 1008, 0)
    assert Patent.objects.filter(legal_status="lapsed", institution=world.users["institution_admin"].institution,
                                 publication_number__startswith="CN").count() == 4  # fmt: skip


def test_library_filters_by_every_level_a_code_counting_under_its_ancestors(world, tmp_path):
    from library.facets import compute_facets
    from library.filtersets import ResourceFilterSet
    from library.selectors import resource_library_list

    admin = world.users["institution_admin"]
    rows = [patent(991, AA="I6571 | C3914"), patent(992, AA="I6579"), patent(993, AA="C39"), patent(994, AA="I")]
    assert run_import(admin, xlsx(tmp_path, rows)).state == ImportState.SUCCEEDED
    numbers = [make_number(n) for n in (991, 992, 993, 994)]
    library = resource_library_list(user=admin).filter(application_number__in=numbers)

    def found(**params) -> list[str]:
        qs = ResourceFilterSet(params, queryset=library).qs
        return sorted(n[6:12] for n in qs.values_list("application_number", flat=True))

    assert found(section="I") == ["000991", "000992", "000994"]
    assert found(section="C") == ["000991", "000993"]
    assert found(division="I65") == ["000991", "000992"]
    assert found(division="C39") == ["000991", "000993"]
    assert found(industry_class="I657") == ["000991", "000992"]  # a 中类
    assert found(industry_class="I6571") == ["000991"]  # a 小类
    assert found(industry_class="C3914") == ["000991"]
    assert found(industry_class="C99999") == []
    # facets count each patent's main industry (its first code), under its 门类 and 大类
    facets = compute_facets(library)
    assert {code: n for code, _name, n in facets["section"]} == {"I": 3, "C": 1}


# ---------------------------------------------------------------------------------------------------------------------
# Terms per intent in the assessment form and on the patent page


def test_form_takes_a_fee_and_contact_per_intent_and_the_patent_page_shows_them(client, world):
    from test_assessment_form import url, valid_data

    patent, user = world.patent_b, world.users["institution_admin"]
    client.force_login(user)
    data = valid_data(**{"intent-1-fee": "88", "intent-1-price_band": "80-90", "intent-1-contact_name": "李老师",
                         "intent-1-contact_phone": "13900000000"})  # fmt: skip

    response = client.post(url(patent), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    intents = ConversionIntent.objects.filter(assessment__patent=patent).order_by("position")
    assert list(intents.values_list("fee_standard_wan", "price_band", "contact_name", "contact_phone",
                                    "intended_cities")) == [
        (Decimal("20.00"), "10-20", "王老师", "025-83790000", "江苏省-南京市,浙江省-杭州市"),
        (Decimal("88.00"), "80-90", "李老师", "13900000000", ""),
    ]  # fmt: skip
    page = client.get(f"/patents/{patent.pk}/").content.decode()
    assert "88.00" in page and "80-90万" in page and "李老师 13900000000" in page
    form = client.get(url(patent)).content.decode()
    assert 'name="intent-1-fee" inputmode="decimal" value="88.00"' in form
    assert 'name="intent-1-contact_name" value="李老师"' in form


def test_form_reports_a_bad_intent_term_at_its_row_and_saves_nothing(client, world):
    from test_assessment_form import url, valid_data

    patent, user = world.patent_b, world.users["institution_admin"]
    client.force_login(user)
    data = valid_data(**{"intent-1-fee": "很多", "intent-1-contact_phone": "无电话", "intent-1-contact_name": "李老师",
                         "intent-1-price_band": "80-90"})  # fmt: skip

    response = client.post(url(patent), data)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="errorlist"') >= 2 and "不是数字" in body and "应包含电话号码或电子邮箱" in body
    assert not SelfAssessment.objects.filter(patent=patent).exists()
