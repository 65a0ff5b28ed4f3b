"""Deals in a real headless Chromium, from a fresh demo: an institution registers an ordinary licence with entry fee +
royalty, sees the schedule, records a payment and the CNIPA recording; a standing open licence refuses an exclusive
licence; an enterprise takes the open licence in one action; the patent's state and the institution's counts follow."""

from __future__ import annotations

import datetime

import pytest
from conftest import ensure_reference_data, sign_in
from django.core.management import call_command

from enterprises.models import Enterprise
from institutions.models import User
from patentpool.models import Patent
from transfers import rules
from transfers.models import Deal, OpenLicenceDeclaration

pytestmark = pytest.mark.browser


@pytest.fixture
def live_demo(transactional_db):
    ensure_reference_data()
    call_command("generate_demo_data", patents=400, seed=11)


def _count(page, selector: str) -> int:
    return int(page.locator(selector).inner_text())


def test_deals_day(browser, live_server, live_demo):
    today = datetime.date.today()
    admin = User.objects.get(username="inst_admin")
    declaration = OpenLicenceDeclaration.objects.get(status="active")
    patent = (
        Patent.objects.filter(institution=admin.institution, deals__isnull=True, assessment__review_state="approved",
                              open_licence_declarations__isnull=True)
        .exclude(assessment__implementation_states__level1="licensed").order_by("pk").first()
    )  # fmt: skip
    licensee = Enterprise.objects.exclude(pk=User.objects.get(username="enterprise").enterprise_id).order_by("pk")[0]

    # 1. The institution registers an ordinary licence with entry fee + running royalty.
    page = sign_in(browser, live_server, "inst_admin", "demo12345")
    page.click("#nav-deals")
    page.wait_for_url("**/deals/")
    before = {k: _count(page, f"#count-{k}") for k in ("deals", "licence-recordings", "implemented")}
    page.goto(f"{live_server.url}/patents/{patent.pk}/")
    page.click("#register-deal-link")
    page.select_option("#id_kind", value="ordinary_licence")
    page.fill("#id_enterprise_code", licensee.credit_code)
    page.fill("#id_contract_date", str(today - datetime.timedelta(days=60)))
    page.fill("#id_term_start", str(today - datetime.timedelta(days=60)))
    page.fill("#id_term_end", str(today + datetime.timedelta(days=3 * 365)))
    page.select_option("#id_payment_method", value="entry_fee_royalty")
    page.fill("#id_entry_fee_wan", "15")
    page.fill("#id_royalty_rate", "4")
    page.fill("#id_royalty_base", "产品销售额")
    page.fill("#id_first_due_date", str(today - datetime.timedelta(days=30)))
    page.fill("#id_inventor_reward_share", "70")
    page.click("#register-deal")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/deals1.png", full_page=True)
    rows = page.locator("#schedule tbody tr").all_inner_texts()
    assert len(rows) == 4  # the entry fee and three yearly royalties
    assert "入门费" in rows[0] and "15.00" in rows[0] and "已逾期" in rows[0]
    assert all("提成费" in r and "产品销售额 × 4%" in r and "按实际计算" in r for r in rows[1:])
    # … records the entry fee received, and the CNIPA recording.
    page.fill("#payment_paid_on", str(today - datetime.timedelta(days=25)))
    page.fill("#payment_amount_wan", "15")
    page.click("#submit-payment")
    page.wait_for_load_state()
    assert "已支付" in page.locator("#schedule tbody tr").first.inner_text()
    assert "10.50" in page.locator("#schedule tbody tr").first.inner_text()  # the inventors' 70 % is noted
    page.fill("#recording_number", "X2026320000777")
    page.fill("#recording_recorded_on", str(today - datetime.timedelta(days=10)))
    page.click("#submit-recording")
    page.wait_for_load_state()
    assert "X2026320000777" in page.locator("#recording").inner_text()
    deal = Deal.objects.get(patent=patent)
    assert (deal.recording_status, deal.registration_number) == ("recorded", "X2026320000777")

    # 2. A standing open licence refuses an exclusive licence, saying why; nothing is written.
    page.goto(f"{live_server.url}/patents/{declaration.patent_id}/deals/new/")
    page.select_option("#id_kind", value="exclusive_licence")
    page.fill("#id_counterparty", "某独占被许可企业")
    page.fill("#id_contract_date", str(today))
    page.fill("#id_term_end", str(today + datetime.timedelta(days=365)))
    page.select_option("#id_payment_method", value="lump_sum")
    page.fill("#id_amount_wan", "100")
    page.click("#register-deal")
    page.wait_for_load_state()
    assert rules.OPEN_BLOCKS_EXCLUSIVE in page.locator("#form-errors").inner_text()
    assert page.input_value("#id_amount_wan") == "100"  # the input is kept
    assert not Deal.objects.filter(patent_id=declaration.patent_id).exists()
    page.close()

    # 3. The demo enterprise takes the open licence in one action.
    page = sign_in(browser, live_server, "enterprise", "demo12345")
    page.click("#nav-open-licences")
    row = page.locator(f"#declaration-{declaration.pk}")
    row.locator("input[name=accept]").check()
    row.locator(f"#take-{declaration.pk}").click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/deals3.png", full_page=True)
    assert "开放许可" in page.locator("h1").inner_text()
    assert len(page.locator("#schedule tbody tr").all()) == 3  # 2 万元 a year for three years
    page.close()

    # 4. The patent's state and the institution's counts follow.
    page = sign_in(browser, live_server, "inst_admin", "demo12345")
    page.goto(f"{live_server.url}/patents/{declaration.patent_id}/")
    assert "已签订开放许可合同" in page.locator("#assessment").inner_text()
    assert "开放许可" in page.locator("#deal-rows").inner_text()
    page.goto(f"{live_server.url}/patents/{patent.pk}/")
    assert "已签订普通许可合同" in page.locator("#assessment").inner_text()
    page.click("#nav-deals")
    page.wait_for_url("**/deals/")
    assert _count(page, "#count-deals") == before["deals"] + 2
    assert _count(page, "#count-licence-recordings") == before["licence-recordings"] + 1
    assert _count(page, "#count-implemented") == before["implemented"] + 2
    page.close()
