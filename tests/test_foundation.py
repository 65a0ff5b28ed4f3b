"""Milestones and progress, roles tied to organisations, credit codes, the demo generator, the compose file."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import make_credit_code
from django.core.exceptions import ValidationError
from django.core.management import call_command

from dashboards.models import Milestone
from dashboards.selectors import institution_progress_table, inventory_progress, milestone_list_for_institution
from enterprises.validators import validate_credit_code
from evaluations.choices import ReviewState
from evaluations.models import SelfAssessment
from institutions.choices import Role
from institutions.models import Institution, User
from library.selectors import resource_library_list
from patentpool.models import Patent
from patentpool.selectors import patent_list

ROOT = Path(__file__).resolve().parents[1]


def test_milestones_apply_by_ip_status(world):
    pilot = milestone_list_for_institution(institution=world.uni, metric="inventory_coverage")
    other = milestone_list_for_institution(institution=world.institute, metric="inventory_coverage")
    assert [(m.due_date.isoformat(), m.target_share) for m in pilot] == [
        ("2024-06-30", Decimal("1.0000")),
        ("2024-12-31", Decimal("1.0000")),
    ]
    assert [(m.due_date.isoformat(), m.target_share) for m in other] == [
        ("2024-06-30", Decimal("0.3000")),
        ("2024-12-31", Decimal("1.0000")),
    ]


def test_province_milestone_applies_only_in_its_province(world):
    Milestone.objects.create(
        code="p32-coverage", title="省内目标", due_date=datetime.date(2025, 6, 30), metric="inventory_coverage",
        scope="province", province=world.p1, target_share=Decimal("0.8"),
    )  # fmt: skip
    assert "p32-coverage" in [
        m.code for m in milestone_list_for_institution(institution=world.uni, metric="inventory_coverage")
    ]
    assert "p32-coverage" not in [
        m.code for m in milestone_list_for_institution(institution=world.far_uni, metric="inventory_coverage")
    ]


def test_inventory_progress_counts_and_reads_targets_from_data(world):
    # given: the university has 2 valid patents, one approved (inventoried), one without assessment
    progress = inventory_progress(institution=world.uni, today=datetime.date(2024, 7, 1))
    assert (progress.valid_stock, progress.inventoried, progress.in_library, progress.awaiting_review) == (2, 1, 1, 0)
    assert progress.coverage == Decimal("0.5")
    assert [(c.milestone.due_date.isoformat(), c.met, c.overdue) for c in progress.checks] == [
        ("2024-06-30", False, True),
        ("2024-12-31", False, False),
    ]
    # when: a national admin lowers the June target to 50 %
    Milestone.objects.filter(code="2024-06-30-inventory-ip-demo-pilot").update(target_share=Decimal("0.5"))
    progress = inventory_progress(institution=world.uni, today=datetime.date(2024, 7, 1))
    # then: the same figure now meets it
    assert [(c.met, c.overdue) for c in progress.checks] == [(True, False), (False, False)]


def test_inventory_progress_uses_declared_stock_and_college_scope(world):
    SelfAssessment.objects.create(patent=world.patent_b, review_state=ReviewState.SUBMITTED)
    Institution.objects.filter(pk=world.uni.pk).update(valid_stock=8)
    world.uni.refresh_from_db()
    progress = inventory_progress(institution=world.uni)
    assert (progress.valid_stock, progress.inventoried, progress.awaiting_review) == (8, 2, 1)
    assert progress.coverage_percent == "25.0"
    college = inventory_progress(institution=world.uni, org_unit_id=world.college_b.pk)
    assert (college.valid_stock, college.inventoried, college.in_library) == (1, 1, 0)


@pytest.mark.parametrize(
    "fields, error_field",
    [
        ({"role": Role.INSTITUTION_ADMIN}, "institution"),
        ({"role": Role.COLLEGE_ADMIN, "institution": "uni"}, "org_unit"),
        ({"role": Role.ENTERPRISE}, "enterprise"),
        ({"role": Role.PROVINCIAL_BUREAU}, "province"),
        ({"role": Role.MINISTRY}, "authority"),
        ({"role": Role.COLLEGE_ADMIN, "institution": "institute", "org_unit": "college_a"}, "org_unit"),
    ],
)
def test_role_requires_its_organisation(world, fields, error_field):
    resolved = {
        k: {"uni": world.uni, "institute": world.institute, "college_a": world.college_a}.get(v, v)
        for k, v in fields.items()
    }
    user = User(username="someone", password="x", **resolved)
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert error_field in excinfo.value.message_dict


def test_credit_code_check_character():
    validate_credit_code(make_credit_code(7))
    validate_credit_code("91350100M000100Y43")  # a published example code
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91350100M000100Y44")
    assert excinfo.value.code == "bad_check_char"
    assert excinfo.value.params == {"expected": "3", "got": "4"}
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91350100M00010")
    assert excinfo.value.code == "bad_length"


@pytest.mark.django_db
def test_demo_generator_builds_a_scoped_world(capsys):
    call_command("generate_demo_data", patents=1200, seed=7)
    out = capsys.readouterr().out
    assert Patent.objects.count() == 1200
    assert "college_admin" in out and "demo12345" in out
    assert Institution.objects.count() == 24
    assert Institution.objects.values("province").distinct().count() == 6
    # one login per role, each tied to its organisation
    users = {u.username: u for u in User.objects.all()}
    assert {u.role for u in users.values()} == set(Role.values)
    for user in users.values():
        user.full_clean()
    college_admin = users["college_admin"]
    seen = patent_list(user=college_admin)
    assert seen.count() == Patent.objects.filter(org_unit=college_admin.org_unit).count() > 0
    assert set(seen.values_list("org_unit", flat=True)) == {college_admin.org_unit_id}
    assert patent_list(user=users["inventor"]).count() == 12
    assert patent_list(user=users["enterprise"]).count() == 0
    # every application number is valid and unique
    from reference.appno import ApplicationNumber

    numbers = list(Patent.objects.values_list("application_number", flat=True))
    assert len(set(numbers)) == 1200
    assert all(str(ApplicationNumber.parse(n)) == n for n in numbers)
    # the market side: enterprises across provinces, the enterprise login has pushes with reasons
    from enterprises.models import Enterprise
    from matching.models import Push

    assert Enterprise.objects.count() == 300
    assert Enterprise.objects.values("province").distinct().count() > 6
    assert Enterprise.objects.filter(status="pending").count() > 0
    assert Push.objects.filter(enterprise=users["enterprise"].enterprise, status="new").count() > 0
    assert all(p.reason for p in Push.objects.all()[:50])
    # patents are coherent: title, IPC and declared industry come from one topic
    from seed.topics import TOPICS

    def coherent(p) -> bool:
        return any(
            any(subject in p.title for subject in t.subjects)
            and p.ipc_subclass in {code[:4] for code in t.ipc}
            and p.assessment.industry.code in {code[:3] for code in t.gbt}
            for t in TOPICS
        )

    assessed = list(Patent.objects.filter(assessment__isnull=False).select_related("assessment__industry"))
    assert len(assessed) > 500 and all(coherent(p) for p in assessed)
    # running it again with --if-empty adds nothing
    call_command("generate_demo_data", patents=1200, if_empty=True)
    assert Patent.objects.count() == 1200


def test_compose_file_runs_the_whole_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"web", "worker", "beat", "db", "redis"}
    worker = compose["services"]["worker"]
    assert worker["command"].startswith("celery -A config worker")
    assert compose["services"]["beat"]["command"].startswith("celery -A config beat")
    env = compose["services"]["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")


def test_admin_site_is_for_national_admins_only(client, world):
    client.force_login(world.users["national_admin"])
    assert client.get("/admin/dashboards/milestone/").status_code == 200
    milestone = Milestone.objects.get(code="2024-06-30-inventory-other-institutions")
    response = client.post(
        f"/admin/dashboards/milestone/{milestone.pk}/change/",
        {
            "code": milestone.code, "title": milestone.title, "due_date": "2024-06-30", "metric": milestone.metric,
            "scope": milestone.scope, "province": "", "target_share": "0.4", "target_count": "", "source": "edited",
        },
    )  # fmt: skip
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.target_share == Decimal("0.4000")
    for role in ("institution_admin", "provincial_bureau", "ministry"):
        client.force_login(world.users[role])
        assert client.get("/admin/dashboards/milestone/").status_code == 302  # to the admin login


def test_milestone_without_a_figure_is_never_overdue(world):
    Milestone.objects.create(
        code="staged", title="阶段性成效", due_date=datetime.date(2024, 3, 31), metric="inventory_coverage",
        scope="ip_demo_pilot",
    )  # fmt: skip
    progress = inventory_progress(institution=world.uni, today=datetime.date(2025, 1, 1))
    staged = [c for c in progress.checks if c.milestone.code == "staged"]
    assert [(c.met, c.overdue, c.measurable) for c in staged] == [(False, False, False)]


def test_college_progress_matches_per_college_figures(world, client):
    from dashboards.selectors import college_progress_list

    SelfAssessment.objects.create(patent=world.patent_b, review_state=ReviewState.SUBMITTED)
    units = [world.college_a, world.college_b]
    grouped = {unit.pk: p for unit, p in college_progress_list(institution=world.uni, units=units)}
    for unit in units:
        single = inventory_progress(institution=world.uni, org_unit_id=unit.pk)
        got = grouped[unit.pk]
        assert (got.valid_stock, got.inventoried, got.in_library, got.awaiting_review) == (
            single.valid_stock, single.inventoried, single.in_library, single.awaiting_review,
        )  # fmt: skip
    client.force_login(world.users["institution_admin"])
    body = client.get("/").content.decode()
    assert "材料学院" in body and "计算机学院" in body


def test_in_library_counts_only_what_the_resource_library_shows(world):
    # patent_a is approved and in the library; a skip state (e.g. about to be abandoned) takes it out of the library
    # while it stays inventoried.
    before = inventory_progress(institution=world.uni)
    assert (before.inventoried, before.in_library) == (1, 1)
    SelfAssessment.objects.filter(patent=world.patent_a).update(convertible=False)
    after = inventory_progress(institution=world.uni)
    assert (after.inventoried, after.in_library) == (1, 0)
    row = next(r for r in institution_progress_table(institutions=Institution.objects.filter(pk=world.uni.pk)))
    assert (row["inventoried"], row["in_library"]) == (1, 0)
    assert not resource_library_list(user=world.users["enterprise"]).filter(pk=world.patent_a.pk).exists()
