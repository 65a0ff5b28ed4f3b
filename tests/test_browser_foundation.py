"""Each role signs in through a real headless Chromium and sees only its own world."""

from __future__ import annotations

import pytest
from conftest import sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_college_admin_sees_own_college_only(browser, live_server, live_world):
    page = sign_in(browser, live_server, "college_admin", "pw-college_admin")
    assert page.locator("h1").first.inner_text() == "工作台"
    assert "测试大学" not in page.locator(".who").inner_text()  # the header shows the person, not the org
    page.click("text=存量专利基础库")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1
    assert live_world.patent_a.application_number in rows.first.inner_text()
    # The other college's patent is not there even by direct address.
    response = page.goto(f"{live_server.url}/patents/{live_world.patent_b.pk}/")
    assert response.status == 404
    page.close()


def test_bureau_sees_province_progress_and_cannot_edit(browser, live_server, live_world):
    page = sign_in(browser, live_server, "provincial_bureau", "pw-provincial_bureau")
    table = page.locator("section.card table.grid").first.inner_text()
    assert "测试大学" in table and "测试研究所" in table
    assert "远方大学" not in table
    page.goto(f"{live_server.url}/patents/{live_world.patent_a.pk}/")
    assert page.locator("text=修改").count() == 0
    response = page.goto(f"{live_server.url}/patents/{live_world.patent_a.pk}/edit/")
    assert response.status == 403
    page.close()


def test_enterprise_browses_library_in_english(browser, live_server, live_world):
    page = sign_in(browser, live_server, "enterprise", "pw-enterprise")
    assert page.locator("text=存量专利基础库").count() == 0  # no base library for enterprises
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    page.click("a[href='/library/']")
    page.wait_for_load_state()
    expect(page.locator("table.grid tbody tr")).to_have_count(2)
    assert page.locator("h1").inner_text() == "Conversion resource library"
    page.close()
