"""A college admin's import day in a real headless Chromium: download the template, fill it, upload it, watch it
import; a file with mistakes shows every error and changes nothing."""

from __future__ import annotations

import pytest
from conftest import make_number, sign_in
from openpyxl import load_workbook

from evaluations.record import SHEET_NAME
from inventory.models import ImportJob
from patentpool.models import Patent

pytestmark = pytest.mark.browser

ROW = ["1", None, "一种锂电池隔膜", "有效", 2, "张三", "材料学院", None, None, None, "是", "尚未实施", None, None, None,
       "拟许可", "拟普通许可", 10, "江苏省-南京市", None, "0-10万", "王老师", "13800000000", "样品、实验阶段", "三星",
       "隔膜产品", "制造业", "前景好", "新材料产业", "H01M"]  # fmt: skip


def fill(path, serials, *, bad_price_row=None):
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    for offset, serial in enumerate(serials):
        row = list(ROW)
        row[0], row[1] = str(offset + 1), make_number(serial)
        if bad_price_row == offset:
            row[20] = "200万"
        for col, value in enumerate(row, start=1):
            ws.cell(row=4 + offset, column=col, value=value)
    wb.save(path)


def test_college_admin_downloads_fills_uploads_and_watches(browser, live_server, live_world, celery_worker_threads,
                                                           tmp_path):  # fmt: skip
    page = sign_in(browser, live_server, "college_admin", "pw-college_admin")
    page.click("text=批量导入")
    with page.expect_download() as download:
        page.click("text=下载模板")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    fill(template, range(7001, 7041))

    page.set_input_files("input[name=file]", str(template))
    page.click("#upload")
    page.wait_for_url("**/inventory/import/*/")
    # The progress page polls the job until it is final, then shows the counts.
    page.wait_for_selector("#created", timeout=60_000)
    assert page.locator("#state").inner_text() == "已完成"
    assert page.locator("#created").inner_text() == "40"
    assert page.locator("#bar").get_attribute("style") == "width: 100%"
    assert Patent.objects.filter(org_unit=live_world.college_a).count() == 1 + 40

    # A second file with one mistake: the error is listed with row, column and value; nothing changes.
    bad = tmp_path / "bad.xlsx"
    download.value.save_as(bad)
    fill(bad, range(7101, 7111), bad_price_row=3)
    page.goto(f"{live_server.url}/inventory/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#upload")
    page.wait_for_selector("#errors", timeout=60_000)
    assert page.locator("#state").inner_text() == "校验未通过"
    cells = page.locator("#errors tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == ["7", "U", "200万"]
    assert "意向价格" in cells[3]
    assert page.locator("#error-workbook").count() == 1
    assert Patent.objects.filter(application_number__in=[make_number(s) for s in range(7101, 7111)]).count() == 0
    assert ImportJob.objects.count() == 2
    page.close()
