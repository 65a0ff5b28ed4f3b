"""The lists on a phone (390 × 844): the page never scrolls sideways; a wide table scrolls inside its wrapper."""

from __future__ import annotations

import pytest
from conftest import set_state

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("username", "path"),
    [("institution_admin", "/patents/"), ("institution_admin", "/library/"), ("college_admin", "/todo/")],
)
def test_lists_fit_a_390_px_screen(browser, live_server, live_world, tmp_path, username, path):
    set_state(live_world.patent_a, "submitted")  # something on the college admin's to-do list
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}{path}")
    page.screenshot(path=tmp_path / "list.png", full_page=True)
    assert page.locator("table.grid tbody tr").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
