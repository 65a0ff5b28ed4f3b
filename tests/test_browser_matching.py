"""The market side end to end, with a real Celery worker and a real browser: an institution admin approves a patent;
the next matching pass (the beat's task, run by the worker) pushes it within a minute with a readable reason; the
enterprise sees it in its inbox, declines another with a reason; the institution sees both answers."""

from __future__ import annotations

import time

import pytest
from conftest import sign_in
from market_helpers import make_enterprise, market_world

from evaluations.choices import ReviewState
from evaluations.models import ConversionIntent, ImplementationStatus, SelfAssessment
from matching.models import Push

pytestmark = pytest.mark.browser


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.5)
    raise AssertionError("not within the time limit")


def test_approval_push_inbox_decline_and_feedback(browser, live_server, live_world, celery_worker_threads):
    world = live_world
    market_world(world)
    vision = make_enterprise(
        21, "江苏智能视觉有限公司", world.p1, "I6513", "工业视觉检测系统、图像识别、锂电池隔膜缺陷检测",
        interests="G06V", others=("C3841",),
    )  # fmt: skip
    user = world.users["enterprise"]
    user.enterprise = vision
    user.save()
    app = celery_worker_threads
    app.send_task("matching.match_incremental")
    wait_for(lambda: Push.objects.filter(enterprise=vision).exists(), timeout=120)
    assert set(Push.objects.filter(enterprise=vision).values_list("patent_id", flat=True)) == {world.patent_a.pk}

    # a college-approved record of patent B, complete for approval
    assessment = SelfAssessment.objects.create(
        patent=world.patent_b, review_state=ReviewState.COLLEGE_APPROVED, maturity="small_batch", value_stars=4,
        price_band="10-20", contact_name="王老师", contact_phone="13800000000",
        products_advantages="图像识别模型，缺陷检测准确率高", prospect="可用于工业视觉检测",
    )  # fmt: skip
    ImplementationStatus.objects.create(assessment=assessment, level1="not_implemented")
    ConversionIntent.objects.create(assessment=assessment, level1="license", level2="ordinary_licence")

    # the institution admin approves it in the browser
    admin = sign_in(browser, live_server, "institution_admin", "pw-institution_admin")
    admin.goto(f"{live_server.url}/patents/{world.patent_b.pk}/")
    admin.click("#review-approve")
    admin.wait_for_load_state()
    assert admin.locator("#review-state").inner_text() == "已入转化资源库"
    approved = time.monotonic()
    # the beat fires matching.match_incremental every 30 s; here the test fires one tick on the worker
    app.send_task("matching.match_incremental")
    pushed = wait_for(lambda: Push.objects.filter(patent=world.patent_b, enterprise=vision).exists())
    assert pushed - approved < 60
    push_b = Push.objects.get(patent=world.patent_b, enterprise=vision)
    assert push_b.reason == "行业匹配：I6513 应用软件开发；关注领域：G06V；关键词：图像识别、视觉、缺陷；同省"

    # the enterprise sees it in its inbox with the reason, opens it, and declines patent A with a reason
    page = sign_in(browser, live_server, "enterprise", "pw-enterprise")
    page.click("#nav-inbox")
    page.wait_for_load_state()
    row_b = page.locator(f"#push-{push_b.pk}")
    assert row_b.locator(".reason").inner_text() == push_b.reason
    assert row_b.locator(".status").inner_text() == "新推送"
    push_a = Push.objects.get(patent=world.patent_a, enterprise=vision)
    response = page.goto(f"{live_server.url}/inbox/{push_b.pk}/")
    assert response.status == 200, page.content()[:3000]
    assert page.locator("#push-status").inner_text() == "已查看"
    page.click("#nav-inbox")
    page.wait_for_load_state()
    page.select_option(f"#reason-{push_a.pk}", "outside_field")
    page.click(f"#decline-{push_a.pk}")
    page.wait_for_load_state()
    assert page.locator(f"#push-{push_a.pk} .status").inner_text() == "不感兴趣：不属于本企业领域"
    page.close()

    # the institution sees where its patents went and what came back
    response = admin.goto(f"{live_server.url}/pushes/")
    assert response.status == 200, admin.content()[:3000]
    table = admin.locator("#pushes").inner_text()
    assert "江苏智能视觉有限公司" in table
    assert "不属于本企业领域" in table and "已查看" in table
    assert "不属于本企业领域 1" in admin.locator("#decline-reasons").inner_text()
    admin.goto(f"{live_server.url}/patents/{world.patent_a.pk}/")
    section = admin.locator("#pushes").inner_text()
    assert "江苏智能视觉有限公司" in section and "不感兴趣" in section and "不属于本企业领域" in section
    admin.click("#nav-pushes")  # the navigation reaches the same page
    admin.wait_for_url("**/pushes/")
    assert admin.locator("h1").inner_text() == "推送与反馈"
    admin.close()
