"""Import jobs that nothing strands: cancel and retry (service, API, page), superseded attempts, the stale sweep, files
of blank formatted rows, the streamed error workbook and bilingual upload errors."""

from __future__ import annotations

import io
import os
import threading
from datetime import timedelta

import openpyxl
import pytest
from conftest import api_client, make_record, upload, workbook_bytes
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook

import inventory.jobs as jobs
from evaluations.record import SHEET_NAME
from institutions.choices import Role
from institutions.models import User
from inventory.choices import ImportState
from inventory.jobs import inventory_import_process, inventory_import_sweep
from inventory.models import ImportJob
from inventory.reader import read_inventory
from inventory.services import inventory_import_cancel, inventory_import_start
from inventory.sheetscan import trim_blank_runs
from inventory.writer import ERROR_FILL_COLOR, ERROR_SHEET_NAME, ROWS_SHEET_NAME
from patentpool.models import Patent


def start(user, data: bytes) -> ImportJob:
    return inventory_import_start(user=user, upload=upload(data))


def state(job_id: int) -> tuple:
    job = ImportJob.objects.get(pk=job_id)
    return job.state, job.attempt, job.cancel_requested


# -- cancel and retry through the API ---------------------------------------------------------------------------------


def test_cancel_a_queued_job_then_retry_it_as_a_new_attempt(world):
    admin = world.users["institution_admin"]
    client = api_client(admin)
    job = start(admin, workbook_bytes([make_record(i) for i in range(1, 6)]))

    response = client.post(f"/api/inventory-imports/{job.pk}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["state_display"], body["can_retry"], body["can_cancel"]) == (
        "cancelled", "已取消", True, False,
    )  # fmt: skip
    assert (body["message"], body["message_en"]) == ("已取消，未写入任何数据", "Cancelled; nothing was written")
    # The queued message arrives later: the job is final, nothing is imported.
    inventory_import_process(job.pk, 1)
    assert state(job.pk) == (ImportState.CANCELLED, 1, False)
    assert Patent.objects.filter(institution=world.uni).count() == 2

    response = client.post(f"/api/inventory-imports/{job.pk}/retry/")

    assert response.status_code == 202
    assert (response.json()["state"], response.json()["attempt"], response.json()["message"]) == ("queued", 2, "")
    inventory_import_process(job.pk, 1)  # the old attempt's message, redelivered: superseded, does nothing
    assert state(job.pk) == (ImportState.QUEUED, 2, False)
    inventory_import_process(job.pk, 2)
    job.refresh_from_db()
    assert (job.state, job.attempt, job.created_count) == (ImportState.SUCCEEDED, 2, 5)
    assert Patent.objects.filter(institution=world.uni).count() == 2 + 5


def test_final_jobs_refuse_cancel_and_succeeded_ones_refuse_retry(world):
    admin = world.users["institution_admin"]
    client = api_client(admin)
    job = start(admin, workbook_bytes([make_record(1)]))
    inventory_import_process(job.pk)

    cancel = client.post(f"/api/inventory-imports/{job.pk}/cancel/")
    retry = client.post(f"/api/inventory-imports/{job.pk}/retry/")

    assert (cancel.status_code, retry.status_code) == (400, 400)
    assert cancel.json()["detail"] == ["“已完成”的导入不能取消 / An import that is “succeeded” cannot be cancelled"]
    assert retry.json()["detail"] == ["“已完成”的导入不能重试 / An import that is “succeeded” cannot be retried"]
    assert state(job.pk) == (ImportState.SUCCEEDED, 1, False)


@pytest.mark.parametrize("username", ["inventor", "enterprise", "provincial_bureau", "far_admin", "college_b_admin"])
def test_out_of_scope_users_get_404_and_change_nothing(world, username):
    if username == "far_admin":
        user = User.objects.create(username=username, role=Role.INSTITUTION_ADMIN, institution=world.far_uni)
    elif username == "college_b_admin":
        user = User.objects.create(
            username=username, role=Role.COLLEGE_ADMIN, institution=world.uni, org_unit=world.college_b
        )
    else:
        user = world.users[username]
    job = start(world.users["college_admin"], workbook_bytes([make_record(1)]))
    client = api_client(user)

    responses = [
        client.post(f"/api/inventory-imports/{job.pk}/{action}/").status_code for action in ("cancel", "retry")
    ]

    assert responses == [404, 404]
    assert state(job.pk) == (ImportState.QUEUED, 1, False)


def test_national_admin_sees_jobs_but_may_not_change_them(world):
    job = start(world.users["institution_admin"], workbook_bytes([make_record(1)]))
    response = api_client(world.users["national_admin"]).post(f"/api/inventory-imports/{job.pk}/cancel/")
    assert response.status_code == 403
    assert state(job.pk) == (ImportState.QUEUED, 1, False)


def test_cancel_while_validating_stops_at_the_next_chunk(world, monkeypatch):
    admin = world.users["institution_admin"]
    job = start(admin, workbook_bytes([make_record(i) for i in range(1, 6)]))
    real_plan = jobs.plan_import

    def plan_then_cancel(job_, records):  # the uploader presses cancel while the worker is planning
        inventory_import_cancel(user=admin, job_id=job_.pk)
        assert state(job_.pk) == (ImportState.VALIDATING, 1, True)
        return real_plan(job_, records)

    monkeypatch.setattr(jobs, "plan_import", plan_then_cancel)
    inventory_import_process(job.pk)

    job.refresh_from_db()
    assert (job.state, job.created_count, job.message_en) == (
        ImportState.CANCELLED,
        0,
        "Cancelled; nothing was written",
    )
    assert Patent.objects.filter(institution=world.uni).count() == 2


def in_another_connection(action):
    """Run ``action`` in a thread of its own: its own database connection, committed on its own (like a web request or
    the beat's sweep while the worker's apply transaction is open)."""
    failures = []

    def run():
        try:
            action()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert failures == []


@pytest.mark.committed
def test_cancel_during_the_apply_rolls_it_back(live_world, monkeypatch):
    admin = live_world.users["institution_admin"]
    job = start(admin, workbook_bytes([make_record(i) for i in range(1, 6)]))
    real_apply = jobs.apply_import

    def apply_then_cancel(job_, plan):
        real_apply(job_, plan)
        assert Patent.objects.filter(institution=live_world.uni).count() == 2 + 5  # written, not committed
        in_another_connection(lambda: inventory_import_cancel(user=admin, job_id=job_.pk))

    monkeypatch.setattr(jobs, "apply_import", apply_then_cancel)
    inventory_import_process(job.pk)

    job.refresh_from_db()
    assert (job.state, job.created_count, job.cancel_requested) == (ImportState.CANCELLED, 0, True)
    assert Patent.objects.filter(institution=live_world.uni).count() == 2
    assert Patent.history.filter(history_change_reason=f"import #{job.pk}").count() == 0


@pytest.mark.committed
def test_a_job_swept_while_applying_is_rolled_back_not_finished(live_world, monkeypatch):
    admin = live_world.users["institution_admin"]
    job = start(admin, workbook_bytes([make_record(i) for i in range(1, 4)]))
    real_apply = jobs.apply_import
    swept = []

    def apply_then_swept(job_, plan):
        real_apply(job_, plan)

        def sweep():
            ImportJob.objects.filter(pk=job_.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
            swept.extend(inventory_import_sweep(stale_seconds=60))

        in_another_connection(sweep)

    monkeypatch.setattr(jobs, "apply_import", apply_then_swept)
    inventory_import_process(job.pk)

    job.refresh_from_db()
    assert swept == [job.pk]
    assert (job.state, job.created_count) == (ImportState.STALE, 0)
    assert Patent.objects.filter(institution=live_world.uni).count() == 2


# -- the page ---------------------------------------------------------------------------------------------------------


def test_page_buttons_cancel_and_retry(world):
    admin = world.users["institution_admin"]
    browser = Client()
    browser.force_login(admin)
    job = start(admin, workbook_bytes([make_record(1), make_record(2)]))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.VALIDATING, heartbeat_at=timezone.now())

    page = browser.get(f"/inventory/import/{job.pk}/").content.decode()
    assert 'id="cancel"' in page and 'id="retry"' not in page
    response = browser.post(f"/inventory/import/{job.pk}/cancel/")
    assert (response.status_code, response["Location"]) == (302, f"/inventory/import/{job.pk}/")
    assert state(job.pk) == (ImportState.VALIDATING, 1, True)
    page = browser.get(f"/inventory/import/{job.pk}/").content.decode()
    assert 'id="cancel-requested"' in page and 'id="cancel"' not in page

    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.STALE, finished_at=timezone.now())
    page = browser.get(f"/inventory/import/{job.pk}/").content.decode()
    assert 'id="retry"' in page and "已中断" in page
    response = browser.post(f"/inventory/import/{job.pk}/retry/")
    assert response.status_code == 302
    assert state(job.pk) == (ImportState.QUEUED, 2, False)
    inventory_import_process(job.pk, 2)
    assert state(job.pk) == (ImportState.SUCCEEDED, 2, False)
    page = browser.get(f"/inventory/import/{job.pk}/").content.decode()
    assert 'id="retry"' not in page and 'id="cancel"' not in page and 'id="attempt"' in page

    # A refused action on the page: a message, nothing changed.
    response = browser.post(f"/inventory/import/{job.pk}/retry/", follow=True)
    assert "不能重试" in response.content.decode()
    assert state(job.pk) == (ImportState.SUCCEEDED, 2, False)
    assert browser.get(f"/inventory/import/{job.pk}/retry/").status_code == 405


def test_page_actions_of_another_institution_are_404(world):
    job = start(world.users["institution_admin"], workbook_bytes([make_record(1)]))
    other = User.objects.create(username="far_admin", role=Role.INSTITUTION_ADMIN, institution=world.far_uni)
    browser = Client()
    browser.force_login(other)
    assert browser.post(f"/inventory/import/{job.pk}/cancel/").status_code == 404
    assert state(job.pk) == (ImportState.QUEUED, 1, False)


# -- the sweep --------------------------------------------------------------------------------------------------------


def test_sweep_marks_only_stranded_jobs_and_cancels_pending_cancels(world):
    admin = world.users["institution_admin"]
    old = timezone.now() - timedelta(minutes=10)
    stranded = start(admin, workbook_bytes([make_record(1)]))
    fresh = start(admin, workbook_bytes([make_record(2)]))
    cancelling = start(admin, workbook_bytes([make_record(3)]))
    queued = start(admin, workbook_bytes([make_record(4)]))
    ImportJob.objects.filter(pk=stranded.pk).update(state=ImportState.APPLYING, heartbeat_at=old)
    ImportJob.objects.filter(pk=fresh.pk).update(state=ImportState.VALIDATING, heartbeat_at=timezone.now())
    ImportJob.objects.filter(pk=cancelling.pk).update(
        state=ImportState.VALIDATING, heartbeat_at=old, cancel_requested=True
    )
    ImportJob.objects.filter(pk=queued.pk).update(created_at=old)

    assert sorted(inventory_import_sweep()) == sorted([stranded.pk, cancelling.pk])
    assert inventory_import_sweep() == []  # once only

    assert state(stranded.pk)[0] == ImportState.STALE
    assert state(fresh.pk)[0] == ImportState.VALIDATING
    assert state(cancelling.pk)[0] == ImportState.CANCELLED
    assert state(queued.pk)[0] == ImportState.QUEUED


@pytest.mark.committed
def test_two_sweepers_at_once_mark_each_job_exactly_once(live_world):
    admin = live_world.users["institution_admin"]
    old = timezone.now() - timedelta(minutes=10)
    ids = [start(admin, workbook_bytes([make_record(i)])).pk for i in range(1, 21)]
    ImportJob.objects.filter(pk__in=ids).update(state=ImportState.APPLYING, heartbeat_at=old)
    # A live worker finishing job 0 holds its row lock: the sweepers skip it.
    finishing, done = threading.Event(), threading.Event()

    def worker_finishing():
        from django.db import transaction

        with transaction.atomic():
            ImportJob.objects.select_for_update().get(pk=ids[0])
            finishing.set()
            done.wait(30)
        connection.close()

    holder = threading.Thread(target=worker_finishing)
    holder.start()
    finishing.wait(10)
    results: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def sweeper(slot):
        barrier.wait()
        results[slot] = inventory_import_sweep()
        connections.close_all()

    threads = [threading.Thread(target=sweeper, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    done.set()
    holder.join(30)

    marked = results[0] + results[1]
    assert sorted(marked) == sorted(ids[1:])  # each exactly once, the locked one by neither
    assert ImportJob.objects.filter(pk__in=ids, state=ImportState.STALE).count() == 19
    assert state(ids[0])[0] == ImportState.APPLYING


def test_sweep_removes_orphaned_copies_only(world, settings, tmp_path):
    settings.INVENTORY_TEMP_DIR = str(tmp_path)
    admin = world.users["institution_admin"]
    running = start(admin, workbook_bytes([make_record(1)]))
    finished = start(admin, workbook_bytes([make_record(2)]))
    ImportJob.objects.filter(pk=running.pk).update(state=ImportState.VALIDATING, heartbeat_at=timezone.now())
    ImportJob.objects.filter(pk=finished.pk).update(state=ImportState.SUCCEEDED)
    live = tmp_path / f"job{running.pk}-a1-x.xlsx"
    old_attempt = tmp_path / f"job{running.pk}-a0-x.xlsx"
    orphan = tmp_path / f"job{finished.pk}-a1-x.xlsx"
    gone = tmp_path / "job999999-a1-x.xlsx"
    for path in (live, old_attempt, orphan, gone):
        path.write_bytes(b"x")

    inventory_import_sweep()

    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_the_job_removes_its_local_copy_however_it_ends(world, settings, tmp_path):
    settings.INVENTORY_TEMP_DIR = str(tmp_path)
    admin = world.users["institution_admin"]
    good = start(admin, workbook_bytes([make_record(1)]))
    bad = start(admin, workbook_bytes([make_record(2, price_band="200万")]))
    broken = start(admin, b"PK\x03\x04 not really a zip")
    for job in (good, bad, broken):
        inventory_import_process(job.pk)
    assert [state(j.pk)[0] for j in (good, bad, broken)] == [
        ImportState.SUCCEEDED, ImportState.FAILED, ImportState.REJECTED,
    ]  # fmt: skip
    assert list(tmp_path.iterdir()) == []


# -- blank formatted rows ---------------------------------------------------------------------------------------------

YELLOW = PatternFill("solid", start_color="FFFFFF00", end_color="FFFFFF00")


def blank_rows_workbook(records, blank_rows: int, *, then=None) -> bytes:
    """The platform's workbook of ``records``, then ``blank_rows`` formatted rows holding only a space in every column
    (what calamine has to keep, unlike a cell with a style alone), then optionally one more patent."""
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(records)))
    ws = wb[SHEET_NAME]
    first = 4 + len(records)
    for row in range(first, first + blank_rows):
        for column in range(1, 31):
            cell = ws.cell(row, column, " ")
            cell.fill = YELLOW
    if then is not None:
        source = openpyxl.load_workbook(io.BytesIO(workbook_bytes([then])))[SHEET_NAME]
        for column, cell in enumerate(source[4], start=1):
            ws.cell(first + blank_rows, column, cell.value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_long_blank_tail_is_cut_off_before_calamine_loads_the_sheet(tmp_path):
    source = tmp_path / "job7-a1-upload.xlsx"
    source.write_bytes(blank_rows_workbook([make_record(i) for i in range(1, 4)], 2500))

    with open(source, "rb") as handle:
        trimmed = trim_blank_runs(handle, max_blank_run=1000, temp_dir=str(tmp_path), prefix="job7-a1-trimmed-")
    try:
        assert trimmed.runs == {SHEET_NAME: (7, 2500)}
        with CalamineWorkbook.from_path(trimmed.path) as book:
            assert book.get_sheet_by_name(SHEET_NAME).height == 6  # title, two headers, three patents
        with CalamineWorkbook.from_path(str(source)) as book:
            assert book.get_sheet_by_name(SHEET_NAME).height == 6 + 2500  # what calamine would have built
    finally:
        os.unlink(trimmed.path)

    parsed = read_inventory(source)

    assert (parsed.total_rows, len(parsed.records), parsed.errors) == (3, 3, [])
    assert parsed.blank_run == (7, 2500)
    assert [p.name for p in tmp_path.iterdir()] == [source.name]  # the reader removed its trimmed copy


def test_a_short_blank_run_is_read_through():
    parsed = read_inventory(blank_rows_workbook([make_record(1)], 900, then=make_record(2)))
    assert (parsed.total_rows, len(parsed.records), parsed.errors, parsed.blank_run) == (2, 2, [], None)


def test_data_after_a_long_run_of_blank_rows_is_refused_not_dropped(world):
    job = start(world.users["institution_admin"], blank_rows_workbook([make_record(1)], 1200, then=make_record(2)))
    inventory_import_process(job.pk)
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.REJECTED, 0)
    assert job.message.startswith("工作表“批量导入”第 5 行起有连续 1200 行空行，但第 1205 行还有内容。")
    assert "stops reading at 1000 consecutive blank rows" in job.message_en
    assert Patent.objects.filter(institution=world.uni).count() == 2


def test_reading_stops_at_a_long_run_of_pre_numbered_rows():
    """Rows with only 序号 have values (the sheet is not cut) but are not data: the reader stops after 1,000."""
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes([make_record(i) for i in range(1, 4)])))
    ws = wb[SHEET_NAME]
    for row in range(7, 7 + 2500):
        ws.cell(row, 1, row - 3)
    buffer = io.BytesIO()
    wb.save(buffer)
    parsed = read_inventory(buffer.getvalue())
    assert (parsed.total_rows, len(parsed.records), parsed.errors, parsed.blank_run) == (3, 3, [], (7, 1000))


def test_a_file_of_blank_formatted_rows_only_is_refused(world):
    admin = world.users["institution_admin"]
    job = start(admin, blank_rows_workbook([], 3000))
    inventory_import_process(job.pk)
    job.refresh_from_db()
    assert (job.state, job.total_rows, job.created_count) == (ImportState.REJECTED, 0, 0)
    assert job.message.startswith("文件没有数据行：表头之后从第 4 行起连续 3000 行都是空行")
    assert job.message_en.startswith("The file has no data rows: from row 4 on, 3000 consecutive rows")
    assert Patent.objects.filter(institution=world.uni).count() == 2


def test_an_empty_template_is_refused_with_a_bilingual_message(world):
    job = start(world.users["institution_admin"], workbook_bytes([]))
    inventory_import_process(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message, job.message_en) == (
        ImportState.REJECTED,
        "文件没有数据行：表头之下没有任何专利。请在模板的表头下（第 4 行起）填写数据后再上传",
        "The file has no data rows: there is no patent below the headers. Fill the template in below its headers "
        "(from row 4) and upload it again",
    )


# -- the error workbook of a big file ---------------------------------------------------------------------------------


def test_a_big_failed_file_gets_the_streamed_workbook_of_its_bad_rows(world, settings):
    settings.INVENTORY_MARKED_COPY_MAX_ROWS = 2  # the file below counts as big
    records = [make_record(i) for i in range(1, 8)]
    records[4] = make_record(5, price_band="200万")
    job = start(world.users["institution_admin"], workbook_bytes(records))
    inventory_import_process(job.pk)
    job.refresh_from_db()

    assert (job.state, job.error_count) == (ImportState.FAILED, 1)
    wb = openpyxl.load_workbook(job.error_file.path)
    assert wb.sheetnames == [ROWS_SHEET_NAME, ERROR_SHEET_NAME]
    rows = wb[ROWS_SHEET_NAME]
    assert rows.max_row == 4  # title, two header rows, the one bad row (sheet row 8)
    assert rows["B4"].value == records[4].application_number
    assert rows["U4"].value == "200万" and rows["U4"].fill.fgColor.rgb == ERROR_FILL_COLOR
    assert rows["U4"].comment.text.startswith(job.errors[0]["message"])
    assert rows.cell(4, rows.max_column).value == 8  # the upload's row number
    marked = {c.coordinate for row in rows.iter_rows() for c in row if c.fill.fgColor.rgb == ERROR_FILL_COLOR}
    assert marked == {"U4"}
    listed = list(wb[ERROR_SHEET_NAME].iter_rows(values_only=True))
    assert listed[1][:3] == (8, "U", "200万")
    assert len(listed) == 2


# -- bilingual upload errors ------------------------------------------------------------------------------------------


def test_missing_and_empty_uploads_are_refused_in_both_languages(world):
    admin = world.users["institution_admin"]
    client = api_client(admin)
    missing = client.post("/api/inventory-imports/", {"dry_run": "false"}, format="multipart")
    empty = client.post("/api/inventory-imports/", {"file": upload(b"")}, format="multipart")
    assert (missing.status_code, empty.status_code) == (400, 400)
    assert missing.json() == {"file": ["请选择要上传的工作簿 / Choose a workbook to upload"]}
    assert empty.json() == {"file": ["上传的文件是空的（0 字节） / The uploaded file is empty (0 bytes)"]}

    browser = Client()
    browser.force_login(admin)
    page = browser.post("/inventory/import/", {"dry_run": ""}).content.decode()
    assert "请选择要上传的工作簿 / Choose a workbook to upload" in page
    page = browser.post("/inventory/import/", {"file": upload(b"")}).content.decode()
    assert "上传的文件是空的（0 字节） / The uploaded file is empty (0 bytes)" in page
    assert ImportJob.objects.count() == 0


@pytest.mark.committed
def test_cancel_interrupts_an_apply_that_is_waiting(live_world, settings):
    """The heartbeat thread sees the cancel and interrupts the apply's running statement (pg_cancel_backend): the job
    ends cancelled while the apply is still blocked, not when it would have finished."""
    import time

    import psycopg2

    from evaluations.models import ConversionIntent

    settings.INVENTORY_JOB_HEARTBEAT_SECONDS = 0.2
    admin = live_world.users["institution_admin"]
    job = start(admin, workbook_bytes([make_record(i) for i in range(1, 6)]))
    db = connection.settings_dict
    side = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
    with side.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {ConversionIntent._meta.db_table} IN EXCLUSIVE MODE")
    released = []

    def uploader_cancels():
        deadline = time.monotonic() + 30
        while ImportJob.objects.get(pk=job.pk).state != ImportState.APPLYING and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the apply is now waiting on the table lock
        inventory_import_cancel(user=admin, job_id=job.pk)
        time.sleep(10)
        released.append(time.monotonic())
        side.rollback()

    helper = threading.Thread(target=lambda: (uploader_cancels(), connection.close()))
    helper.start()
    try:
        inventory_import_process(job.pk)
        returned = time.monotonic()
    finally:
        helper.join(40)
        side.close()

    assert released and returned < released[0]  # it did not wait for the lock to go away
    job.refresh_from_db()
    assert (job.state, job.cancel_requested, job.created_count) == (ImportState.CANCELLED, True, 0)
    assert Patent.objects.filter(institution=live_world.uni).count() == 2
