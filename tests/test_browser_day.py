"""The tech-transfer office's working day in a real headless Chromium."""

from __future__ import annotations

import pytest
from conftest import sign_in

from evaluations.models import SelfAssessment
from institutions.choices import Role
from institutions.models import User

pytestmark = pytest.mark.browser


def test_the_whole_day(browser, live_server, live_world, tmp_path):
    world = live_world
    other_inventor = User.objects.create(username="inventor_b", role=Role.INVENTOR, institution=world.uni,
                                         org_unit=world.college_b)  # fmt: skip
    other_inventor.set_password("pw-inventor_b")
    other_inventor.save()
    SelfAssessment.objects.filter(patent=world.patent_a).delete()  # not yet self-assessed

    # 1. The college admin filters the college's patents, fills a self-assessment with the dependent lists, submits.
    page = sign_in(browser, live_server, "college_admin", "pw-college_admin")
    page.click("text=存量专利基础库")
    page.fill("input[name=q]", "锂电池")
    page.click("#apply-filters")
    page.wait_for_load_state()
    page.screenshot(path=tmp_path / "day1.png")
    page.click(f"text={world.patent_a.application_number}")
    page.click("#edit-assessment")
    page.select_option("#impl-0-level1", label="已许可")
    level2 = page.locator("#impl-0-level2 option").all_inner_texts()
    assert "已签订普通许可合同" in level2 and "已签订转让合同" not in level2  # the list follows level 1
    page.select_option("#impl-0-level2", label="已签订普通许可合同")
    page.fill("#impl-0-value", "30")
    page.select_option("#intent-0-level1", label="拟转让")
    assert "拟普通许可" not in page.locator("#intent-0-level2 option").all_inner_texts()
    page.select_option("#intent-0-level2", label="拟作价入股")
    page.select_option("#id_fiscally_funded", label="是")
    page.select_option("#id_price_band", label="20-30万")
    page.fill("#id_contact_name", "刘老师")
    page.fill("#id_contact_phone", "025-88886666")
    page.select_option("#id_maturity", label="小批量生产、工程应用阶段")
    page.select_option("#id_value_stars", label="四星")
    page.fill("#id_products_advantages", "高孔隙率锂电池隔膜，热收缩率低于 2%")
    page.select_option("#id_industry_section", value="C")
    page.fill("#id_prospect", "动力电池与储能")
    page.click("#save-assessment")
    page.wait_for_url(f"**/patents/{world.patent_a.pk}/")
    page.click("#review-submit")
    page.wait_for_load_state()
    assert page.locator("#review-state").inner_text() == "待单位审核"
    page.close()

    # 2. The institution admin finds it among the records waiting for approval and approves it.
    page = sign_in(browser, live_server, "institution_admin", "pw-institution_admin")
    page.click("#nav-todo")
    page.wait_for_load_state()
    page.screenshot(path=tmp_path / "day2.png")
    page.click(f"text={world.patent_a.application_number}")
    page.click("#review-approve")
    page.wait_for_load_state()
    assert page.locator("#review-state").inner_text() == "已入转化资源库"
    assert page.goto(f"{live_server.url}/patents/{world.patent_far.pk}/").status == 404  # another institution's
    page.close()

    # 3. The patent is in the resource library under its industry and maturity, for an enterprise.
    page = sign_in(browser, live_server, "enterprise", "pw-enterprise")
    page.goto(f"{live_server.url}/library/?section=C&maturity=small_batch")
    listed = page.locator("table.grid tbody").inner_text()
    assert world.patent_a.application_number in listed and world.patent_far.application_number in listed
    page.goto(f"{live_server.url}/library/?section=I")
    assert world.patent_a.application_number not in page.content()
    page.goto(f"{live_server.url}/library/?q=锂电池 隔膜")
    assert world.patent_a.application_number in page.content()
    page.close()

    # 4. An inventor of another college cannot open it.
    page = sign_in(browser, live_server, "inventor_b", "pw-inventor_b")
    response = page.goto(f"{live_server.url}/patents/{world.patent_a.pk}/")
    assert response.status == 404
    page.close()

    # 5. A returned record shows its comment to the college admin.
    page = sign_in(browser, live_server, "institution_admin", "pw-institution_admin")
    page.goto(f"{live_server.url}/patents/{world.patent_a.pk}/")
    page.fill("#review-comment", "请补充性能指标的测试条件")
    page.click("#review-return")
    page.wait_for_load_state()
    page.close()
    page = sign_in(browser, live_server, "college_admin", "pw-college_admin")
    page.goto(f"{live_server.url}/patents/{world.patent_a.pk}/")
    assert page.locator("#return-comment").inner_text() == "退回意见：请补充性能指标的测试条件"
    assert page.locator("#review-state").inner_text() == "已退回"
    page.close()
