"""The market side in a real headless Chromium: an enterprise rates a library patent with needs and a cooperation
wish, the institution answers, the enterprise reads the answer."""

from __future__ import annotations

import pytest
from conftest import sign_in

from market.models import MarketEvaluation

pytestmark = pytest.mark.browser


def test_enterprise_rates_and_the_institution_answers(browser, live_server, live_world, tmp_path):
    world = live_world

    # 1. The enterprise opens a library patent, sees the self-rating beside the (empty) market view, and rates it.
    page = sign_in(browser, live_server, "enterprise", "pw-enterprise")
    page.goto(f"{live_server.url}/library/{world.patent_a.pk}/")
    assert page.locator("#market-stars").inner_text() == "暂无市场评价"
    page.click("#rate-patent")
    page.select_option("#id_prospect_stars", label="二星")
    page.select_option("#id_cooperation", label="联合研发")
    page.check("input[name=improvement_needs][value=process]")
    page.fill("#id_improvement_text", "需要提高隔膜的量产一致性")
    page.click("#submit-evaluation")
    page.wait_for_load_state()
    # a two-star rating without reasons and a cooperation wish without a contact are refused, nothing written
    body = page.locator("#evaluation-form").inner_text()
    assert "一星、二星须选择低评原因" in body and "有合作意愿时请填写联系人和联系方式" in body
    assert MarketEvaluation.objects.count() == 0
    page.check("input[name=low_reasons][value=price]")
    page.fill("#id_contact_name", "赵经理")
    page.fill("#id_contact_phone", "13900000000")
    page.click("#submit-evaluation")
    page.wait_for_url("**/market/evaluations/")
    listed = page.locator("#evaluations").inner_text()
    assert "联合研发" in listed and "工艺放大/量产工艺" in listed and "价格过高" in listed
    page.screenshot(path=str(tmp_path / "rated.png"))
    page.close()
    evaluation = MarketEvaluation.objects.get()
    assert (evaluation.prospect_stars, evaluation.cooperation, evaluation.low_reasons) == (2, "joint_rd", ["price"])

    # 2. The institution admin sees the rating with the needs and answers it.
    page = sign_in(browser, live_server, "institution_admin", "pw-institution_admin")
    page.goto(f"{live_server.url}/market/evaluations/")
    row = page.locator("#evaluations tbody tr").first
    assert "需要提高隔膜的量产一致性" in row.inner_text() and "测试科技有限公司" in row.inner_text()
    row.locator("select[name=answer]").select_option("joint_rd")
    row.locator("input[name=answer_text]").fill("欢迎来校洽谈联合研发")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "提议联合研发" in page.locator("#evaluations").inner_text()
    page.goto(f"{live_server.url}/patents/{world.patent_a.pk}/")
    assert page.locator("#market-stars").inner_text().startswith("2.00")
    page.close()

    # 3. The enterprise reads the answer; its rating is now locked.
    page = sign_in(browser, live_server, "enterprise", "pw-enterprise")
    page.goto(f"{live_server.url}/market/patents/{world.patent_a.pk}/evaluate/")
    assert "提议联合研发" in page.locator("#answer").inner_text()
    assert page.locator("#evaluation-form").count() == 0
    page.close()
