"""The review chain: inventor fills → college admin reviews → institution admin approves (or returns with a comment);
bulk actions all-or-nothing; every step recorded with who and when."""

from __future__ import annotations

import pytest
from conftest import make_number, make_record, set_state
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.choices import ReviewState
from evaluations.models import ConversionIntent, ReviewEvent, SelfAssessment
from evaluations.services import assessment_save, assessment_set_intent, assessment_transition, patent_set_org_unit
from library.selectors import resource_library_list
from patentpool.models import Patent


def fill(world, patent, role="college_admin", **overrides):
    record = make_record(0, application_number=patent.application_number, **overrides)
    return assessment_save(user=world.users[role], patent_id=patent.pk, record=record)


def state_of(patent) -> str:
    return SelfAssessment.objects.get(patent=patent).review_state


def snapshot():
    return (
        sorted(SelfAssessment.objects.values_list("patent_id", "review_state", "review_comment")),
        sorted(Patent.objects.values_list("pk", "org_unit_id")),
        ConversionIntent.objects.count(),
        ReviewEvent.objects.count(),
        SelfAssessment.history.count(),
    )


def test_full_chain_with_audit(world):
    inventor, college, admin = (world.users[r] for r in ("inventor", "college_admin", "institution_admin"))
    patent = world.patent_a
    set_state(patent, ReviewState.DRAFT)

    fill(world, patent, role="inventor")
    assert state_of(patent) == ReviewState.DRAFT
    assessment_transition(user=inventor, patent_ids=[patent.pk], action="submit")
    assert state_of(patent) == ReviewState.SUBMITTED
    assessment_transition(user=college, patent_ids=[patent.pk], action="college_approve")
    assert state_of(patent) == ReviewState.COLLEGE_APPROVED
    assessment_transition(user=admin, patent_ids=[patent.pk], action="approve")
    assert state_of(patent) == ReviewState.APPROVED
    assert patent.pk in set(resource_library_list(user=world.users["enterprise"]).values_list("pk", flat=True))

    events = list(ReviewEvent.objects.filter(assessment__patent=patent).order_by("at", "id"))
    assert [(e.action, e.from_state, e.to_state, e.actor.username) for e in events] == [
        ("fill", "draft", "draft", "inventor"),
        ("submit", "draft", "submitted", "inventor"),
        ("college_approve", "submitted", "college_approved", "college_admin"),
        ("approve", "college_approved", "approved", "institution_admin"),
    ]
    reasons = list(SelfAssessment.history.filter(patent_id=patent.pk).order_by("history_date", "history_id")
                   .values_list("history_user__username", "review_state"))  # fmt: skip
    assert reasons[-3:] == [("inventor", "submitted"), ("college_admin", "college_approved"),
                            ("institution_admin", "approved")]  # fmt: skip


def test_return_needs_a_comment_and_shows_it(world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_b, role="institution_admin")
    assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="approve")
    before = snapshot()
    with pytest.raises(ValidationError):
        assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="return", comment="  ")
    assert snapshot() == before

    assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="return", comment="请补充性能指标")

    assessment = SelfAssessment.objects.get(patent=world.patent_b)
    assert (assessment.review_state, assessment.review_comment) == (ReviewState.RETURNED, "请补充性能指标")
    assert world.patent_b.pk not in set(resource_library_list(user=admin).values_list("pk", flat=True))


def test_admin_may_fill_and_approve_directly(world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_b, role="institution_admin")
    assert state_of(world.patent_b) == ReviewState.DRAFT
    assert assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="approve") == 1
    assert state_of(world.patent_b) == ReviewState.APPROVED


@pytest.mark.parametrize(
    "role, action",
    [
        ("inventor", "approve"),
        ("inventor", "college_approve"),
        ("college_admin", "approve"),
        ("enterprise", "submit"),
        ("provincial_bureau", "approve"),
        ("ministry", "return"),
        ("expert", "approve"),
    ],
)
def test_roles_cannot_take_steps_not_theirs(world, role, action):
    fill(world, world.patent_a)
    set_state(world.patent_a, ReviewState.SUBMITTED)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        assessment_transition(user=world.users[role], patent_ids=[world.patent_a.pk], action=action, comment="x")
    assert snapshot() == before


def test_college_admin_cannot_touch_another_college(world):
    fill(world, world.patent_b, role="institution_admin")
    assessment_transition(user=world.users["institution_admin"], patent_ids=[world.patent_b.pk], action="submit")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        assessment_transition(
            user=world.users["college_admin"], patent_ids=[world.patent_b.pk], action="college_approve"
        )
    with pytest.raises(PermissionDenied):
        fill(world, world.patent_b, role="college_admin")
    assert snapshot() == before


def test_bulk_is_all_or_nothing(world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_a, role="institution_admin")
    # patent_b has no self-assessment at all: it cannot go to review, so neither does patent_a.
    before = snapshot()
    with pytest.raises(ValidationError) as excinfo:
        assessment_transition(user=admin, patent_ids=[world.patent_a.pk, world.patent_b.pk], action="submit")
    assert any(world.patent_b.application_number in m for m in excinfo.value.messages)
    assert snapshot() == before
    # A foreign patent in the selection refuses the whole batch too.
    with pytest.raises(PermissionDenied):
        assessment_transition(user=admin, patent_ids=[world.patent_a.pk, world.patent_far.pk], action="submit")
    assert snapshot() == before


def test_inventor_cannot_edit_after_submitting(world):
    set_state(world.patent_a, ReviewState.DRAFT)
    fill(world, world.patent_a, role="inventor")
    assessment_transition(user=world.users["inventor"], patent_ids=[world.patent_a.pk], action="submit")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        fill(world, world.patent_a, role="inventor", contact_name="改名")
    assert snapshot() == before


def test_college_admin_edit_of_approved_needs_reapproval(world):
    fill(world, world.patent_a, role="college_admin")
    assert state_of(world.patent_a) == ReviewState.COLLEGE_APPROVED  # it was approved: an edit sends it back


def test_bulk_set_intent_and_college(world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_a, role="institution_admin")
    assessment_set_intent(user=admin, patent_ids=[world.patent_a.pk, world.patent_b.pk], level1="transfer",
                          level2="equity")  # fmt: skip
    for patent in (world.patent_a, world.patent_b):
        assert list(ConversionIntent.objects.filter(assessment__patent=patent).values_list("level1", "level2")) == [
            ("transfer", "equity")
        ]
    before = snapshot()
    with pytest.raises(ValidationError):
        assessment_set_intent(user=admin, patent_ids=[world.patent_a.pk], level1="transfer", level2="open_licence")
    with pytest.raises(PermissionDenied):
        assessment_set_intent(user=world.users["inventor"], patent_ids=[world.patent_a.pk], level1="license")
    with pytest.raises(PermissionDenied):
        patent_set_org_unit(user=world.users["college_admin"], patent_ids=[world.patent_a.pk],
                            org_unit_id=world.college_b.pk)  # fmt: skip
    far_college = world.far_uni.org_units.get()
    with pytest.raises(ValidationError):
        patent_set_org_unit(user=admin, patent_ids=[world.patent_a.pk], org_unit_id=far_college.pk)
    assert snapshot() == before

    patent_set_org_unit(user=admin, patent_ids=[world.patent_a.pk], org_unit_id=world.college_b.pk)
    assert Patent.objects.get(pk=world.patent_a.pk).org_unit_id == world.college_b.pk
    assert Patent.history.filter(id=world.patent_a.pk).latest().history_change_reason == "bulk:set-college"


# -- pages -------------------------------------------------------------------------------------------------------------


def test_bulk_page_action_and_refusal_messages(client, world):
    client.force_login(world.users["institution_admin"])
    fill(world, world.patent_b, role="institution_admin")
    assert state_of(world.patent_b) == ReviewState.DRAFT
    response = client.post("/patents/bulk/", {"ids": [world.patent_b.pk], "action": "approve", "next": "/patents/"},
                           follow=True)  # fmt: skip
    assert state_of(world.patent_b) == ReviewState.APPROVED
    assert "已处理 1 件专利" in response.content.decode()

    before = snapshot()
    response = client.post("/patents/bulk/", {"ids": [world.patent_b.pk], "action": "return", "comment": "",
                                              "next": "/patents/"}, follow=True)  # fmt: skip
    assert "退回时必须填写意见" in response.content.decode()
    assert snapshot() == before


def test_detail_page_shows_return_comment_and_actions(client, world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_b, role="institution_admin")
    assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="submit")
    client.force_login(world.users["institution_admin"])
    page = client.get(f"/patents/{world.patent_b.pk}/").content.decode()
    assert 'id="review-approve"' in page and 'id="review-return"' in page and 'id="review-submit"' not in page

    response = client.post(f"/patents/{world.patent_b.pk}/review/", {"action": "return", "comment": "缺少产品信息"},
                           follow=True)  # fmt: skip
    body = response.content.decode()
    assert "退回意见：缺少产品信息" in body
    assert state_of(world.patent_b) == ReviewState.RETURNED


def test_todo_pages(client, world):
    set_state(world.patent_a, ReviewState.DRAFT)
    fill(world, world.patent_a, role="inventor")
    client.force_login(world.users["inventor"])
    SelfAssessment.objects.filter(patent=world.patent_a).update(review_state=ReviewState.RETURNED,
                                                                 review_comment="补充")  # fmt: skip
    body = client.get("/todo/").content.decode()
    assert world.patent_a.application_number in body and "补充" in body
    client.force_login(world.users["institution_admin"])
    set_state(world.patent_a, ReviewState.COLLEGE_APPROVED)
    body = client.get("/todo/").content.decode()
    assert world.patent_a.application_number in body and world.patent_b.application_number not in body
    client.force_login(world.users["enterprise"])
    assert client.get("/todo/").status_code == 404


def test_patent_page_shows_who_changed_what_from_what(client, world):
    admin = world.users["institution_admin"]
    fill(world, world.patent_b, role="institution_admin")
    fill(world, world.patent_b, role="institution_admin", contact_name="李老师")
    assessment_transition(user=admin, patent_ids=[world.patent_b.pk], action="approve")
    client.force_login(admin)
    body = client.get(f"/patents/{world.patent_b.pk}/").content.decode()
    assert "联系人：<del>王老师</del> → <ins>李老师</ins>" in body
    assert "审核状态：<del>待填写</del> → <ins>已入转化资源库</ins>" in body


def test_college_admin_submission_goes_straight_to_the_institution(world):
    set_state(world.patent_a, ReviewState.DRAFT)
    fill(world, world.patent_a, role="college_admin")
    assessment_transition(user=world.users["college_admin"], patent_ids=[world.patent_a.pk], action="submit")
    assert state_of(world.patent_a) == ReviewState.COLLEGE_APPROVED
    event = ReviewEvent.objects.filter(assessment__patent=world.patent_a).latest("at")
    assert (event.action, event.from_state, event.to_state) == ("submit", "draft", "college_approved")


def test_bulk_step_queries_do_not_grow_with_the_selection(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = world.users["institution_admin"]
    patents = [
        Patent.objects.create(
            application_number=make_number(600 + i), patent_type="invention", title=f"一种测试专利{i}",
            institution=world.uni, org_unit=world.college_a,
        )
        for i in range(8)
    ]  # fmt: skip
    for patent in patents:
        fill(world, patent, role="institution_admin")
        set_state(patent, ReviewState.DRAFT)
    counts = []
    for batch in (patents[:2], patents[2:]):
        with CaptureQueriesContext(connection) as queries:
            assert assessment_transition(user=admin, patent_ids=[p.pk for p in batch], action="approve") == len(batch)
        counts.append(len(queries))
    assert {state_of(p) for p in patents} == {ReviewState.APPROVED}
    # The checks read the whole selection at once; only the writes (assessment, history, event) are per patent.
    per_patent = (counts[1] - counts[0]) / 4
    assert per_patent <= 4, counts
