"""Quarterly dashboards: figures, the lists behind them, milestones, snapshots that stay put, exports."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.choices import MilestoneStatus, SnapshotLevel
from dashboards.figures import compute_rows, rollup
from dashboards.metrics import REGISTRY
from dashboards.models import Milestone, QuarterSnapshot
from dashboards.quarters import Period, Quarter
from dashboards.scopes import Scope
from dashboards.selectors import board_get
from dashboards.snapshots import snapshot_quarter
from enterprises.models import Enterprise
from evaluations.choices import ImplementationLevel1, ImplementationLevel2, ReviewState
from evaluations.models import ImplementationStatus, SelfAssessment
from institutions.models import Institution
from patentpool.choices import LegalStatus
from patentpool.models import Patent
from transfers.choices import DealKind
from transfers.models import Deal

TODAY = timezone.localdate()
CURRENT = Quarter.of(TODAY)
PAST = CURRENT.previous()


def _register_deals(world):
    """Deal A recorded (licence) this quarter; a transfer of patent B registered last quarter."""
    Deal.objects.filter(pk=world.deal_a.pk).update(registered_on=CURRENT.start, registration_number="X1")
    Deal.objects.create(patent=world.patent_b, institution=world.uni, kind=DealKind.TRANSFER, counterparty="某公司",
                        contract_date=PAST.start, registered_on=PAST.start, amount_wan=50)  # fmt: skip


def test_quarter_parsing_and_bounds():
    assert Quarter.parse(" 2025q4 ") == Quarter(2025, 4)
    assert (Quarter(2025, 4).start, Quarter(2025, 4).end) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    assert Quarter(2025, 1).previous() == Quarter(2024, 4) and Quarter(2025, 1).year_before() == Quarter(2024, 1)
    with pytest.raises(ValueError, match="2025Q4"):
        Quarter.parse("2025-4")


def test_province_figures_exact(world):
    _register_deals(world)
    SelfAssessment.objects.create(patent=world.patent_institute, review_state=ReviewState.SUBMITTED)
    assessment = world.patent_a.assessment
    ImplementationStatus.objects.create(assessment=assessment, level1=ImplementationLevel1.LICENSED,
                                        level2=ImplementationLevel2.ORDINARY_LICENCE_SIGNED)  # fmt: skip
    scope = Scope(SnapshotLevel.PROVINCE, province=world.p1)
    rows = compute_rows(scope, Period.of(CURRENT, until=TODAY))
    total = rollup(rows.values())
    # P1: uni (a approved, b none), institute (submitted) → 3 valid, 2 inventoried, 1 in library (4 stars)
    assert {k: total[k] for k in ("valid_stock", "inventoried", "in_library", "good_prospects", "implemented")} == {
        "valid_stock": 3, "inventoried": 2, "in_library": 1, "good_prospects": 1, "implemented": 1}  # fmt: skip
    assert total["coverage"] == round(2 / 3, 6)
    assert total["implementation_rate"] == round(1 / 3, 6)
    assert (total["licence_recordings"], total["transfer_registrations"]) == (1, 0)  # the transfer was last quarter
    assert (total["pushes"], total["market_rated"], total["industrialized"]) == (0, 0, 0)  # counted, none yet
    assert all(m.available for m in REGISTRY.values())  # every figure has its data on the platform
    assert rows[world.uni.pk]["inventoried"] == 1 and rows[world.institute.pk]["inventoried"] == 1
    past = rollup(compute_rows(scope, Period.of(PAST)).values())
    assert (past["transfer_registrations"], past["licence_recordings"]) == (1, 0)


def test_market_and_industrialization_figures_and_their_lists(world, client):
    """Pushes and market ratings count patents (each once) by the date they happened; industrialization counts valid
    patents in production (declared or recorded on a deal); product filings count products; every linked list shows
    exactly the patents behind its number."""
    from market.models import MarketEvaluation
    from matching.models import Push
    from transfers.models import Industrialization

    e1, e2 = world.enterprise, Enterprise.objects.exclude(pk=world.enterprise.pk).first()
    Push.objects.create(patent=world.patent_a, enterprise=e1, score=0.9, reason="r")
    Push.objects.create(patent=world.patent_a, enterprise=e2, score=0.8, reason="r")  # same patent: counted once
    old = Push.objects.create(patent=world.patent_b, enterprise=e1, score=0.7, reason="r")
    Push.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(PAST.end, datetime.time(23, 59)))
    )
    Push.objects.create(patent=world.patent_far, enterprise=e1, score=0.7, reason="r")  # another province
    MarketEvaluation.objects.create(patent=world.patent_a, enterprise=e1, prospect_stars=4, cooperation="license")
    SelfAssessment.objects.filter(patent=world.patent_a).update(market_rating_count=1, market_stars=4)
    Industrialization.objects.create(deal=world.deal_a, patent=world.patent_a, product_name="隔膜", started_on=TODAY,
                                     product_filing_number="CP-1", filed_on=TODAY)  # fmt: skip
    Industrialization.objects.create(deal=world.deal_a, patent=world.patent_a, product_name="隔膜二", started_on=TODAY)
    institute = SelfAssessment.objects.create(patent=world.patent_institute, review_state=ReviewState.SUBMITTED)
    ImplementationStatus.objects.create(assessment=institute, level1=ImplementationLevel1.SELF_INDUSTRIALIZED)

    scope = Scope(SnapshotLevel.PROVINCE, province=world.p1)
    total = rollup(compute_rows(scope, Period.of(CURRENT, until=TODAY)).values())
    assert {k: total[k] for k in ("pushes", "market_ratings", "market_rated", "industrialized", "product_filings")} == {
        "pushes": 1, "market_ratings": 1, "market_rated": 1, "industrialized": 2, "product_filings": 1}  # fmt: skip
    assert total["market_rated_share"] == round(1 / total["in_library"], 6)
    assert total["industrialization_rate"] == round(2 / total["valid_patents"], 6)
    past = rollup(compute_rows(scope, Period.of(PAST)).values())
    assert (past["pushes"], past["market_ratings"], past["product_filings"]) == (1, 0, 0)

    board = board_get(scope=scope, quarter=CURRENT, today=TODAY)
    client.force_login(world.users["national_admin"])
    for code, expected in (("pushes", {world.patent_a.pk}), ("market_ratings", {world.patent_a.pk}),
                           ("industrialized", {world.patent_a.pk, world.patent_institute.pk})):  # fmt: skip
        link = board.links[code]
        assert link.startswith("/patents/?") and client.get(link).status_code == 200
        response = client.get(link.replace("/patents/", "/api/patents/", 1))  # the same filters, read as data
        assert {row["id"] for row in response.json()["results"]} == expected, code
    assert "product_filings" not in board.links  # products, not patents: no patent list adds up to it


def test_declared_stock_is_the_denominator(world):
    Institution.objects.filter(pk=world.uni.pk).update(valid_stock=10)
    world.uni.refresh_from_db()
    board = board_get(scope=Scope(SnapshotLevel.INSTITUTION, institution=world.uni), quarter=CURRENT, today=TODAY)
    assert (board.total["valid_stock"], board.total["inventoried"], board.total["coverage"]) == (10, 1, 0.1)
    assert "valid_stock" not in board.links  # a declared figure: no list adds up to it
    assert board.links["inventoried"] == f"/patents/?institution={world.uni.pk}&legal_status=valid&assessed=true"


def test_milestone_status_and_laggards(world):
    scope = Scope(SnapshotLevel.PROVINCE, province=world.p1)
    board = board_get(scope=scope, quarter=CURRENT, today=TODAY)
    checks = {c.milestone.code: c for c in board.checks}
    # 2024-06-30: pilot universities 100% — uni (pilot) has 1 of 2 inventoried: overdue; the institute (others ≥30%)
    # has 0 of 1: overdue.
    pilot = checks["2024-06-30-inventory-ip-demo-pilot"]
    assert (pilot.status, pilot.applicable, pilot.met_count, pilot.value) == (MilestoneStatus.OVERDUE, 1, 0, 0.5)
    others = checks["2024-06-30-inventory-other-institutions"]
    assert (others.status, others.applicable, others.met_count) == (MilestoneStatus.OVERDUE, 1, 0)
    assert checks["2024-12-31-enterprise-rating-all-institutions"].status == MilestoneStatus.OVERDUE  # none rated yet
    assert "52-2025-12-31-deals" not in checks  # Guizhou's target is not Jiangsu's
    assert [(lag.name, lag.missing) for lag in board.laggards] == [("测试大学", 1), ("测试研究所", 1)]
    # Once inventoried, the institute meets ≥30% and the later 100% too.
    SelfAssessment.objects.create(patent=world.patent_institute, review_state=ReviewState.SUBMITTED)
    board = board_get(scope=scope, quarter=CURRENT, today=TODAY)
    assert {c.milestone.code: c.status for c in board.checks}["2024-06-30-inventory-other-institutions"] == "met"
    assert [lag.name for lag in board.laggards] == ["测试大学"]


def test_provincial_deal_target_counts_from_its_start(world):
    guizhou = world.p1.__class__.objects.get(code="52")
    inst = Institution.objects.create(name="贵州测试大学", kind="university", province=guizhou, authority="local")
    patent = Patent.objects.create(application_number="201910000999.1", patent_type="invention", title="x",
                                   institution=inst)  # fmt: skip
    Deal.objects.create(patent=patent, institution=inst, kind=DealKind.OPEN_LICENCE, counterparty="甲",
                        contract_date=datetime.date(2024, 5, 1))  # fmt: skip
    board = board_get(scope=Scope(SnapshotLevel.PROVINCE, province=guizhou), quarter=CURRENT, today=TODAY)
    check = {c.milestone.code: c for c in board.checks}["52-2025-12-31-deals"]
    assert (check.value, check.target, check.status) == (1, 1000.0, MilestoneStatus.OVERDUE)


def _count_on_list(client, url) -> int:
    body = client.get(url).content.decode()
    return int(re.search(r"共 (\d+) 条", body).group(1))


@pytest.mark.parametrize(
    "role,params",
    [("national_admin", ""), ("national_admin", "?province=32"), ("provincial_bureau", ""), ("ministry", ""),
     ("institution_admin", ""), ("college_admin", ""), ("institution_admin", "?college=COLLEGE")],
)  # fmt: skip
def test_every_number_links_to_its_list(client, world, role, params):
    _register_deals(world)
    client.force_login(world.users[role])
    response = client.get("/dashboard/" + params.replace("COLLEGE", str(world.college_b.pk)))
    assert response.status_code == 200
    links = re.findall(
        r'href="([^"]+)" class="figure-link" data-code="(\w+)" data-value="([^"]*)"', response.content.decode()
    )
    assert len(links) >= 6
    for url, code, value in links:
        assert _count_on_list(client, url.replace("&amp;", "&")) == int(value or 0), (role, code, url)


def test_past_quarter_snapshot_stays_after_corrections(client, world):
    _register_deals(world)
    run = snapshot_quarter(quarter=PAST)
    assert (run.chunks_done, run.chunks_total, run.state) == (2, 2, "done")
    province_row = QuarterSnapshot.objects.get(year=PAST.year, quarter=PAST.number, key=f"prov:{world.p1.code}")
    before = dict(province_row.figures)
    assert (before["transfer_registrations"], before["inventoried"], before["in_library"]) == (1, 1, 1)
    # given: the data behind it is corrected afterwards
    Deal.objects.filter(patent=world.patent_b).delete()
    SelfAssessment.objects.filter(patent=world.patent_a).update(review_state=ReviewState.RETURNED)
    Patent.objects.filter(pk=world.patent_b.pk).update(legal_status=LegalStatus.LAPSED)
    # when: beat and the command run again
    assert snapshot_quarter(quarter=PAST) is None
    call_command("snapshot_quarter", str(PAST))
    # then: the sealed quarter shows what it showed
    province_row.refresh_from_db()
    assert province_row.figures == before
    board = board_get(scope=Scope(SnapshotLevel.PROVINCE, province=world.p1), quarter=PAST, today=TODAY)
    assert (board.source, board.total["transfer_registrations"], board.total["in_library"]) == ("snapshot", 1, 1)
    client.force_login(world.users["provincial_bureau"])
    body = client.get(f"/dashboard/?quarter={PAST}").content.decode()
    assert "已封存的季度快照" in body
    # while the live quarter moved on
    live = board_get(scope=Scope(SnapshotLevel.PROVINCE, province=world.p1), quarter=CURRENT, today=TODAY)
    assert live.total["in_library"] == 0
    # and --replace recomputes on purpose
    snapshot_quarter(quarter=PAST, replace=True)
    province_row = QuarterSnapshot.objects.get(year=PAST.year, quarter=PAST.number, key=f"prov:{world.p1.code}")
    assert (province_row.figures["transfer_registrations"], province_row.figures["in_library"]) == (0, 0)


def test_snapshot_records_the_quarter_a_milestone_was_met(world):
    SelfAssessment.objects.create(patent=world.patent_institute, review_state=ReviewState.SUBMITTED)
    snapshot_quarter(quarter=PAST)
    board = board_get(scope=Scope(SnapshotLevel.INSTITUTION, institution=world.institute), quarter=CURRENT, today=TODAY)
    met = {c.milestone.code: c.met_on for c in board.checks}
    assert met["2024-06-30-inventory-other-institutions"] == PAST.end


def test_current_quarter_cannot_be_sealed(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="has not ended"):
        call_command("snapshot_quarter", str(CURRENT))
    with pytest.raises(CommandError, match="2025Q4"):
        call_command("snapshot_quarter", "2025-Q9")
    assert QuarterSnapshot.objects.count() == 0


def test_chunks_shared_by_workers_count_once(world):
    from dashboards.snapshots import snapshot_province, snapshot_rollup, snapshot_run_start

    run = snapshot_run_start(quarter=PAST)
    assert snapshot_province(run_id=run.pk, province_id=world.p1.pk) is False
    assert snapshot_province(run_id=run.pk, province_id=world.p1.pk) is False  # delivered twice: counted once
    assert snapshot_province(run_id=run.pk, province_id=world.p2.pk) is True  # the last chunk rolls up
    snapshot_rollup(run_id=run.pk)
    levels = sorted(QuarterSnapshot.objects.filter(year=PAST.year, quarter=PAST.number).values_list("key", flat=True))
    assert "nation" in levels and "auth:moe" in levels and f"inst:{world.far_uni.pk}" in levels
    nation = QuarterSnapshot.objects.get(key="nation", year=PAST.year, quarter=PAST.number).figures
    assert (nation["valid_stock"], nation["in_library"]) == (4, 2)


@pytest.mark.parametrize("table,first_header", [("rows", "单位"), ("quarterly", "季度 / Quarter"),
                                                ("milestones", "截止日期"), ("laggards", "名称")])  # fmt: skip
def test_tables_export_to_excel(client, world, table, first_header):
    client.force_login(world.users["provincial_bureau"])
    response = client.get(f"/dashboard/?export={table}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(1, 1).value == first_header
    if table == "rows":
        names = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
        assert names == ["测试大学", "测试研究所", "合计 / Total"]


def test_province_report_workbook_layout(client, world):
    client.force_login(world.users["national_admin"])
    response = client.get(f"/dashboard/?province={world.p1.code}&export=report")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["季度数据", "各单位", "时间节点"]
    assert workbook["各单位"].cell(2, 1).value == "测试大学"
    assert client.get("/dashboard/?export=report").status_code == 404  # the national view is not a province


def test_bad_quarter_keeps_the_current_one(client, world):
    client.force_login(world.users["provincial_bureau"])
    response = client.get("/dashboard/?quarter=2025Q9")
    assert response.status_code == 200
    assert str(CURRENT) in response.content.decode()
    assert "2025Q4" in response.content.decode() or "季度格式" in response.content.decode()


def test_milestones_are_data(world):
    """A province adds its own target in the admin; the dashboard checks it without code."""
    Milestone.objects.create(code="32-coverage", title="江苏省盘点全覆盖", due_date=TODAY + datetime.timedelta(days=30),
                             metric="inventory_coverage", scope="province", province=world.p1, target_share=1)  # fmt: skip
    board = board_get(scope=Scope(SnapshotLevel.PROVINCE, province=world.p1), quarter=CURRENT, today=TODAY)
    check = {c.milestone.code: c for c in board.checks}["32-coverage"]
    assert (check.applicable, check.met_count, check.status) == (2, 0, MilestoneStatus.BEHIND)


def test_current_quarter_reads_fresh_provisional_rows_and_counts_live_when_stale(world):
    """National, ministry and (while fresh) provincial views of the current quarter read the rows beat refreshes;
    a province whose rows are older than two refreshes is counted live; institutions are always live."""
    snapshot_quarter(quarter=CURRENT, final=False)
    SelfAssessment.objects.create(patent=world.patent_institute, review_state=ReviewState.SUBMITTED)  # after the rows
    province = Scope(SnapshotLevel.PROVINCE, province=world.p1)
    fresh = board_get(scope=province, quarter=CURRENT, today=TODAY)
    assert (fresh.source, fresh.total["inventoried"]) == ("provisional", 1)
    national = board_get(scope=Scope(SnapshotLevel.NATIONAL), quarter=CURRENT, today=TODAY)
    assert national.source == "provisional"
    institute = board_get(scope=Scope(SnapshotLevel.INSTITUTION, institution=world.institute), quarter=CURRENT,
                          today=TODAY)  # fmt: skip
    assert (institute.source, institute.total["inventoried"]) == ("live", 1)
    QuarterSnapshot.objects.filter(final=False).update(taken_at=timezone.now() - datetime.timedelta(minutes=31))
    stale = board_get(scope=province, quarter=CURRENT, today=TODAY)
    assert (stale.source, stale.total["inventoried"]) == ("live", 2)


def test_a_dashboard_link_shows_its_filters_and_keeps_them(world, client):
    """The list a figure links to says which filters the link set, in labels, and keeps them as hidden fields so that
    filtering further stays inside the figure's patents; a link clears them."""
    client.force_login(world.users["national_admin"])
    response = client.get("/patents/?province=32&deal_kind=transfer,equity&pushed_from=2026-10-01&implemented=true")
    assert response.status_code == 200
    html = response.content.decode()
    chips = re.findall(r'<span class="chip" data-filter="(\w+)">([^<]+)</span>', html)
    assert chips == [("province", "省份：江苏省"), ("implemented", "已实施：是"), ("deal_kind", "转化方式（逗号分隔）：转让、作价入股"),
                     ("pushed_from", "推送日起：2026-10-01")]  # fmt: skip
    for name, value in (("province", "32"), ("deal_kind", "transfer,equity"), ("pushed_from", "2026-10-01")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    assert 'id="clear-link-filters"' in html and 'href="?"' in html
    assert 'id="link-filters"' not in client.get("/patents/?patent_type=invention").content.decode()
    # An institution is named for a reader who may see it; for another reader its id stays a number.
    named = client.get(f"/patents/?institution={world.uni.pk}").content.decode()
    assert f'<span class="chip" data-filter="institution">单位：{world.uni.name}</span>' in named
    client.force_login(world.users["provincial_bureau"])  # Jiangsu's bureau: 远方大学 is in Guangdong
    hidden = client.get(f"/patents/?institution={world.far_uni.pk}").content.decode()
    assert f'<span class="chip" data-filter="institution">单位：{world.far_uni.pk}</span>' in hidden
    assert world.far_uni.name not in hidden
