"""The quarterly dashboards in a real headless Chromium, on a fresh demo world, for the four reading roles."""

from __future__ import annotations

import re

import pytest
from conftest import ensure_reference_data, sign_in

from seed.demo import DEMO_PASSWORD, DemoGenerator

pytestmark = pytest.mark.browser

CANVAS_HAS_INK = """(id) => {
  const canvas = document.querySelector('#' + id + ' canvas');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""


@pytest.fixture
def demo_world(transactional_db):
    ensure_reference_data()
    return DemoGenerator(patents=800).run()


@pytest.mark.parametrize("username", ["bureau", "ministry", "inst_admin", "admin"])
def test_dashboard_for_each_reader(browser, live_server, demo_world, username):
    page = sign_in(browser, live_server, username, DEMO_PASSWORD)
    page.click("#nav-dashboard")
    page.wait_for_load_state("networkidle")
    assert "季度看板" in page.locator("#board-title").inner_text()
    assert page.locator("#milestones tbody tr").count() >= 3
    statuses = set(page.locator("#milestones td[class^=status-]").all_inner_texts())
    assert statuses & {"已达成", "按进度", "落后", "已逾期"}
    # the charts draw on their canvases
    page.wait_for_function("() => document.querySelector('#chart-series canvas') !== null")
    assert page.evaluate(CANVAS_HAS_INK, "chart-series")
    assert page.evaluate(CANVAS_HAS_INK, "chart-coverage")
    # every number links to the list that produced it, and the list counts the same
    links = page.eval_on_selector_all(
        "a.figure-link", "els => els.map(e => [e.getAttribute('href'), e.dataset.code, e.dataset.value])"
    )
    assert len(links) >= 8
    board_url = page.url
    for href, code, value in links[:14]:
        page.goto(live_server.url + href)
        count = int(re.search(r"共 (\d+) 条", page.locator(".pager").first.inner_text()).group(1))
        assert count == int(value or 0), (username, code, href)
    # a table exports to Excel
    page.goto(board_url)
    with page.expect_download() as download:
        page.locator("#rows a.export").click()
    assert download.value.suggested_filename.endswith("-rows.xlsx")
    # drill down one level
    page.locator("a.drill").first.click()
    page.wait_for_load_state()
    assert page.locator("#board-title").count() == 1
    page.close()


def test_dashboard_at_390px(browser, live_server, demo_world):
    page = sign_in(browser, live_server, "bureau", DEMO_PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => document.querySelector('#chart-coverage canvas') !== null")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400
    page.close()
