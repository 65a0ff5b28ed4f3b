"""The permission matrix: role × object × action, over selectors, pages, exports and the API.

A denied change must leave the row and its history exactly as they were.
"""

from __future__ import annotations

import io

import pytest
from conftest import ROLES, token_client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.selectors import enterprise_list
from institutions.selectors import institution_list
from library.selectors import resource_library_list
from patentpool.models import Patent
from patentpool.selectors import patent_can_assess, patent_can_edit_facts, patent_list
from transfers.selectors import deal_list

# Which of the world's patents each role sees in the base library.
BASE_VISIBLE = {
    "national_admin": {"a", "b", "institute", "far"},
    "institution_admin": {"a", "b"},
    "college_admin": {"a"},
    "inventor": {"a"},
    "enterprise": set(),
    "expert": set(),
    "provincial_bureau": {"a", "b", "institute"},
    "ministry": {"a", "b", "far"},
}
# Whose self-assessment a role may fill …
ASSESSABLE = {
    "national_admin": {"a", "b", "institute", "far"},
    "institution_admin": {"a", "b"},
    "college_admin": {"a"},
    "inventor": {"a"},
    "enterprise": set(),
    "expert": set(),
    "provincial_bureau": set(),
    "ministry": set(),
}
# … and whose base-library facts (title, college, type, numbers, dates, holder) it may correct: the admins only.
EDITABLE = {**ASSESSABLE, "inventor": set()}
RESOURCE_VISIBLE = {"a", "far"}  # approved patents: every signed-in role browses the resource library
INSTITUTIONS_VISIBLE = {
    "national_admin": {"uni", "institute", "far_uni"},
    "institution_admin": {"uni"},
    "college_admin": {"uni"},
    "inventor": {"uni"},
    "enterprise": set(),
    "expert": set(),
    "provincial_bureau": {"uni", "institute"},
    "ministry": {"uni", "far_uni"},
}
DEALS_VISIBLE = {  # by patent
    "national_admin": {"a", "far"},
    "institution_admin": {"a"},
    "college_admin": {"a"},
    "inventor": {"a"},
    "enterprise": {"a"},  # the deal it is party to
    "expert": set(),
    "provincial_bureau": {"a"},
    "ministry": {"a", "far"},
}
ENTERPRISES_VISIBLE = {
    "national_admin": {"测试科技有限公司", "别家有限公司"},
    "enterprise": {"测试科技有限公司"},
    "provincial_bureau": {"别家有限公司"},
}


def patents_by_key(world) -> dict[str, Patent]:
    return {"a": world.patent_a, "b": world.patent_b, "institute": world.patent_institute, "far": world.patent_far}


def keys_of(world, patents) -> set[str]:
    by_pk = {p.pk: k for k, p in patents_by_key(world).items()}
    return {by_pk[p.pk] for p in patents}


def login(client, world, role):
    client.force_login(world.users[role])
    return client


# -- selectors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_base_library_scope(world, role):
    assert keys_of(world, patent_list(user=world.users[role])) == BASE_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_resource_library_open_to_every_role(world, role):
    assert keys_of(world, resource_library_list(user=world.users[role])) == RESOURCE_VISIBLE


@pytest.mark.parametrize("role", ROLES)
def test_edit_permission(world, role):
    user = world.users[role]
    editable = {k for k, p in patents_by_key(world).items() if patent_can_edit_facts(user=user, patent=p)}
    assert editable == EDITABLE[role]
    assessable = {k for k, p in patents_by_key(world).items() if patent_can_assess(user=user, patent=p)}
    assert assessable == ASSESSABLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_patent_page_offers_the_edits_the_role_may_make(client, world, role):
    login(client, world, role)
    for key, patent in patents_by_key(world).items():
        response = client.get(f"/patents/{patent.pk}/")
        if key not in BASE_VISIBLE[role]:
            assert response.status_code == 404
            continue
        page = response.content.decode()
        assert (f'href="/patents/{patent.pk}/edit/"' in page) == (key in EDITABLE[role]), (role, key)
        assert (f'href="/patents/{patent.pk}/assessment/"' in page) == (key in ASSESSABLE[role]), (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_institution_scope(world, role):
    names = {"测试大学": "uni", "测试研究所": "institute", "远方大学": "far_uni"}
    assert {names[i.name] for i in institution_list(user=world.users[role])} == INSTITUTIONS_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_deal_scope(world, role):
    assert keys_of(world, [d.patent for d in deal_list(user=world.users[role])]) == DEALS_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_scope(world, role):
    assert {e.name for e in enterprise_list(user=world.users[role])} == ENTERPRISES_VISIBLE.get(role, set())


def test_inactive_user_sees_nothing(world):
    user = world.users["national_admin"]
    user.is_active = False
    user.save()
    assert patent_list(user=user).count() == 0
    assert resource_library_list(user=user).count() == 0


# -- pages -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_matrix(client, world, role):
    login(client, world, role)
    for key, patent in patents_by_key(world).items():
        response = client.get(f"/patents/{patent.pk}/")
        expected = 200 if key in BASE_VISIBLE[role] else 404
        assert response.status_code == expected, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_list_page_shows_only_own_world(client, world, role):
    login(client, world, role)
    response = client.get("/patents/")
    assert response.status_code == 200
    body = response.content.decode()
    shown = {k for k, p in patents_by_key(world).items() if p.application_number in body}
    assert shown == BASE_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_export_contains_exactly_the_visible_rows(client, world, role):
    login(client, world, role)
    response = client.get("/patents/?export=xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(min_row=2, values_only=True))
    numbers = {row[0] for row in rows}
    expected = {p.application_number for k, p in patents_by_key(world).items() if k in BASE_VISIBLE[role]}
    assert numbers == expected


@pytest.mark.parametrize("role", ROLES)
def test_resource_pages_for_every_role(client, world, role):
    login(client, world, role)
    assert client.get(f"/library/{world.patent_a.pk}/").status_code == 200
    assert client.get(f"/library/{world.patent_b.pk}/").status_code == 404  # not approved: not in the library


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_matrix_and_denied_changes_nothing(client, world, role):
    login(client, world, role)
    for key, patent in patents_by_key(world).items():
        before = Patent.objects.get(pk=patent.pk)
        history_before = patent.history.count()
        response = client.post(
            f"/patents/{patent.pk}/edit/",
            {
                "title": "改过的名称",
                "inventors": before.inventors,
                "patentees": "",
                "org_unit": before.org_unit_id or "",
            },
        )
        after = Patent.objects.get(pk=patent.pk)
        if key in EDITABLE[role]:
            assert response.status_code == 302, (role, key, response.content[:300])
            assert after.title == "改过的名称"
            assert patent.history.count() == history_before + 1
            latest = patent.history.latest()
            assert latest.history_user == world.users[role]
            assert latest.prev_record.title == before.title
        else:
            assert response.status_code in (403, 404), (role, key)
            assert after.title == before.title
            assert after.updated_at == before.updated_at
            assert patent.history.count() == history_before


def test_anonymous_is_sent_to_login(client, world):
    for url in ("/", "/patents/", f"/patents/{world.patent_a.pk}/", "/library/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_college_admin_cannot_move_patent_to_another_college(client, world):
    login(client, world, "college_admin")
    response = client.post(
        f"/patents/{world.patent_a.pk}/edit/",
        {"title": world.patent_a.title, "inventors": world.patent_a.inventors, "org_unit": world.college_b.pk},
    )
    assert response.status_code == 200  # the form says the college is not a valid choice
    assert Patent.objects.get(pk=world.patent_a.pk).org_unit_id == world.college_a.pk


# -- API -------------------------------------------------------------------------------------------------------------


def api_for(world, role) -> APIClient:
    return token_client(world.users[role])


@pytest.mark.parametrize("role", ROLES)
def test_api_list_and_detail_matrix(world, role):
    client = api_for(world, role)
    response = client.get("/api/patents/?page_size=100")
    assert response.status_code == 200
    numbers = {row["application_number"] for row in response.json()["results"]}
    expected = {p.application_number for k, p in patents_by_key(world).items() if k in BASE_VISIBLE[role]}
    assert numbers == expected
    assert response.json()["count"] == len(expected)
    for key, patent in patents_by_key(world).items():
        assert client.get(f"/api/patents/{patent.pk}/").status_code == (200 if key in BASE_VISIBLE[role] else 404)
    library = client.get("/api/resource-library/").json()
    assert {row["application_number"] for row in library["results"]} == {
        world.patent_a.application_number,
        world.patent_far.application_number,
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_patch_matrix_and_denied_changes_nothing(world, role):
    client = api_for(world, role)
    for key, patent in patents_by_key(world).items():
        before = Patent.objects.get(pk=patent.pk)
        history_before = patent.history.count()
        response = client.patch(f"/api/patents/{patent.pk}/", {"title": "接口改名"}, format="json")
        after = Patent.objects.get(pk=patent.pk)
        if key in EDITABLE[role]:
            assert response.status_code == 200, (role, key, response.content)
            assert response.json()["title"] == "接口改名"
            assert after.title == "接口改名"
            assert patent.history.count() == history_before + 1
        else:
            assert response.status_code in (403, 404), (role, key)
            assert (after.title, after.updated_at) == (before.title, before.updated_at)
            assert patent.history.count() == history_before


INVENTOR_REFUSAL = (
    "基础库信息（名称、学院、类型、号码、日期、权利人）由单位或学院管理员维护，发明人只填写自评 / "
    "Base-library facts (title, college, type, numbers, dates, holder) are kept by institution and college admins; "
    "an inventor fills the self-assessment only"
)


@pytest.mark.parametrize(
    "change", [{"org_unit": None}, {"title": "发明人改的名称"}, {"inventors": "王五"}, {"patentees": "别人"}]
)
def test_an_inventor_cannot_change_base_library_facts_through_the_api(world, change):
    # patent_a is approved: a changed title would show in the resource library at once
    if "org_unit" in change:
        change = {"org_unit": world.college_b.pk}
    before = Patent.objects.filter(pk=world.patent_a.pk).values().get()
    history_before = world.patent_a.history.count()
    response = api_for(world, "inventor").patch(f"/api/patents/{world.patent_a.pk}/", change, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": INVENTOR_REFUSAL}
    assert Patent.objects.filter(pk=world.patent_a.pk).values().get() == before
    assert world.patent_a.history.count() == history_before
    library = api_for(world, "enterprise").get(f"/api/resource-library/{world.patent_a.pk}/").json()
    assert (library["title"], library["org_unit"]) == (before["title"], before["org_unit_id"])


def test_an_inventor_cannot_open_or_post_the_edit_page(client, world):
    login(client, world, "inventor")
    before = Patent.objects.filter(pk=world.patent_a.pk).values().get()
    assert client.get(f"/patents/{world.patent_a.pk}/edit/").status_code == 403
    response = client.post(
        f"/patents/{world.patent_a.pk}/edit/",
        {"title": "发明人改的名称", "inventors": "王五", "org_unit": world.college_b.pk},
    )
    assert response.status_code == 403
    assert Patent.objects.filter(pk=world.patent_a.pk).values().get() == before
    # … while the self-assessment of the same patent is theirs to fill
    assert client.get(f"/patents/{world.patent_a.pk}/assessment/").status_code == 200


def test_the_facts_service_refuses_an_inventor(world):
    from django.core.exceptions import PermissionDenied

    from evaluations.services import patent_facts_update

    before = Patent.objects.filter(pk=world.patent_a.pk).values().get()
    with pytest.raises(PermissionDenied) as excinfo:
        patent_facts_update(user=world.users["inventor"], patent_id=world.patent_a.pk, data={"title": "新名称"})
    assert str(excinfo.value) == INVENTOR_REFUSAL
    assert Patent.objects.filter(pk=world.patent_a.pk).values().get() == before


def test_api_rejects_readonly_and_foreign_college(world):
    client = api_for(world, "institution_admin")
    far_college = world.far_uni.org_units.get()
    response = client.patch(f"/api/patents/{world.patent_a.pk}/", {"org_unit": far_college.pk}, format="json")
    assert response.status_code == 400
    assert "org_unit" in response.json()
    assert Patent.objects.get(pk=world.patent_a.pk).org_unit_id == world.college_a.pk


def test_api_requires_authentication(world):
    response = APIClient().get("/api/patents/")
    assert response.status_code in (401, 403)


def test_api_filters_match_page_filters(world):
    client = api_for(world, "national_admin")
    response = client.get("/api/patents/", {"q": "锂电池"})
    assert [row["application_number"] for row in response.json()["results"]] == [world.patent_a.application_number]
    response = client.get("/api/patents/", {"q": world.patent_b.application_number.replace(".", "")})
    assert [row["application_number"] for row in response.json()["results"]] == [world.patent_b.application_number]
    response = client.get("/api/patents/", {"review_state": "approved"})
    assert {row["application_number"] for row in response.json()["results"]} == {
        world.patent_a.application_number,
        world.patent_far.application_number,
    }


# -- pushes (matching) -----------------------------------------------------------------------------------------------

# Which of the world's two pushes each role sees: A → 测试科技有限公司 (P2), far → 别家有限公司 (P1).
PUSHES_VISIBLE = {
    "national_admin": {"a", "far"},
    "institution_admin": {"a"},
    "college_admin": {"a"},
    "inventor": {"a"},
    "enterprise": {"a"},  # its inbox
    "expert": set(),
    "provincial_bureau": {"a", "far"},  # a: its institution's patent; far: pushed to an enterprise of its province
    "ministry": {"a", "far"},
}


def make_pushes(world) -> dict:
    from enterprises.models import Enterprise
    from matching.models import Push

    other = Enterprise.objects.get(name="别家有限公司")
    return {
        "a": Push.objects.create(patent=world.patent_a, enterprise=world.enterprise, score=70, reason="行业匹配：C38"),
        "far": Push.objects.create(patent=world.patent_far, enterprise=other, score=60, reason="同省"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_push_scope(world, role):
    from matching.selectors import push_list

    pushes = make_pushes(world)
    names = {p.pk: k for k, p in pushes.items()}
    assert {names[p.pk] for p in push_list(user=world.users[role])} == PUSHES_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_push_pages_matrix(client, world, role):
    pushes = make_pushes(world)
    login(client, world, role)
    for key, push in pushes.items():
        expected = 200 if key in PUSHES_VISIBLE[role] else 404
        assert client.get(f"/inbox/{push.pk}/").status_code == expected, (role, key)
    listing = client.get("/pushes/")
    if role == "enterprise":
        assert listing.status_code == 302 and listing["Location"] == "/inbox/"
        assert client.get("/inbox/").status_code == 200
    elif role == "expert":
        assert listing.status_code == 403
    else:
        body = listing.content.decode()
        shown = {k for k, p in pushes.items() if p.reason in body}
        assert shown == PUSHES_VISIBLE[role], role


@pytest.mark.parametrize("role", ROLES)
def test_push_api_matrix_and_refused_answers_change_nothing(world, role):
    from matching.models import Push

    pushes = make_pushes(world)
    client = api_for(world, role)
    listed = client.get("/api/pushes/").json()["results"]
    assert {row["reason"] for row in listed} == {pushes[k].reason for k in PUSHES_VISIBLE[role]}
    for key, push in pushes.items():
        response = client.post(f"/api/pushes/{push.pk}/decline/", {"decline_reason": "price"}, format="json")
        after = Push.objects.get(pk=push.pk)
        if role == "enterprise" and key == "a":
            assert response.status_code == 200
            assert (after.status, after.decline_reason) == ("declined", "price")
        else:
            assert response.status_code == (403 if key in PUSHES_VISIBLE[role] else 404), (role, key)
            assert (after.status, after.decline_reason, after.responded_at) == ("new", "", None)
            assert after.history.count() == 1  # its creation only


def test_decline_without_reason_is_refused(world):
    from matching.models import Push

    push = make_pushes(world)["a"]
    response = api_for(world, "enterprise").post(f"/api/pushes/{push.pk}/decline/", {}, format="json")
    assert response.status_code == 400 and "decline_reason" in response.json()
    assert Push.objects.get(pk=push.pk).status == "new"


@pytest.mark.parametrize("role", ROLES)
def test_patent_page_shows_the_pushes_in_scope(client, world, role):
    pushes = make_pushes(world)
    login(client, world, role)
    response = client.get(f"/patents/{world.patent_a.pk}/")
    if "a" in BASE_VISIBLE[role]:
        assert response.status_code == 200
        assert ("测试科技有限公司" in response.content.decode()) == ("a" in PUSHES_VISIBLE[role])
    else:
        assert response.status_code == 404
    assert pushes["a"].status == "new"


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_registry_pages(client, world, role):
    login(client, world, role)
    listing = client.get("/enterprises/")
    expected = {"national_admin": 200, "provincial_bureau": 200, "enterprise": 302}.get(role, 403)
    assert listing.status_code == expected
    for enterprise in (world.enterprise,):
        visible = enterprise.name in ENTERPRISES_VISIBLE.get(role, set())
        assert client.get(f"/enterprises/{enterprise.pk}/").status_code == (200 if visible else 404)
    api = api_for(world, role).get("/api/enterprises/").json()["results"]
    assert {row["name"] for row in api} == ENTERPRISES_VISIBLE.get(role, set())


def test_page_and_api_route_names_do_not_collide():
    from django.urls import reverse

    # The API routers name their routes '<basename>-list'/'-detail'; the pages must not reuse those names.
    assert reverse("push-feedback") == "/pushes/"
    assert reverse("inbox-push", args=[1]) == "/inbox/1/"
    assert reverse("enterprise-registry") == "/enterprises/"
    assert reverse("push-list") == "/api/pushes/"
    assert reverse("enterprise-list") == "/api/enterprises/"


# -- deals: pages, actions and API ------------------------------------------------------------------------------------

DEAL_MANAGERS = {"national_admin", "institution_admin"}  # who changes deal_a (uni's); everyone else reads or nothing


def _deal_keys(world):
    from transfers.models import Deal

    return {"a": world.deal_a, "far": Deal.objects.get(patent=world.patent_far)}


@pytest.mark.parametrize("role", ROLES)
def test_deal_pages_matrix(client, world, role):
    login(client, world, role)
    for key, deal in _deal_keys(world).items():
        expected = 200 if key in DEALS_VISIBLE[role] else 404
        assert client.get(f"/deals/{deal.pk}/").status_code == expected, (role, key)
    response = client.get("/deals/?export=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.iter_rows(
        min_row=2, values_only=True))  # fmt: skip
    expected = {d.patent.application_number for k, d in _deal_keys(world).items() if k in DEALS_VISIBLE[role]}
    assert {row[0] for row in rows} == expected


@pytest.mark.parametrize("role", ROLES)
def test_deal_recording_matrix_and_denied_changes_nothing(client, world, role):
    from transfers.models import Deal

    login(client, world, role)
    deal = world.deal_a
    history_before = deal.history.count()
    response = client.post(
        f"/deals/{deal.pk}/",
        {"action": "recording", "status": "recorded", "number": "X-1", "recorded_on": "2025-04-01"},
    )
    after = Deal.objects.get(pk=deal.pk)
    if role in DEAL_MANAGERS:
        assert response.status_code == 302, (role, response.content[:300])
        assert (after.recording_status, after.registration_number) == ("recorded", "X-1")
        assert deal.history.count() == history_before + 1
    else:
        assert response.status_code == (403 if role in DEALS_VISIBLE and "a" in DEALS_VISIBLE[role] else 404), role
        assert (after.recording_status, after.registration_number) == ("none", "")
        assert deal.history.count() == history_before


@pytest.mark.parametrize("role", ROLES)
def test_deal_api_matrix(world, role):
    client = api_for(world, role)
    response = client.get("/api/deals/")
    assert response.status_code == 200
    numbers = {row["application_number"] for row in response.json()["results"]}
    expected = {d.patent.application_number for k, d in _deal_keys(world).items() if k in DEALS_VISIBLE[role]}
    assert numbers == expected
    for key, deal in _deal_keys(world).items():
        assert client.get(f"/api/deals/{deal.pk}/").status_code == (200 if key in DEALS_VISIBLE[role] else 404)
    before = world.deal_a.history.count()
    response = client.post(f"/api/deals/{world.deal_a.pk}/recording/",
                           {"status": "recorded", "number": "API-1", "recorded_on": "2025-04-02"}, format="json")  # fmt: skip
    if role in DEAL_MANAGERS:
        assert response.status_code == 200 and response.json()["registration_number"] == "API-1"
    else:
        assert response.status_code in (403, 404), role
        assert world.deal_a.history.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_deal_register_page_matrix(client, world, role):
    from transfers.models import Deal

    login(client, world, role)
    before = Deal.objects.count()
    response = client.post(
        f"/patents/{world.patent_b.pk}/deals/new/",
        {"kind": "ordinary_licence", "counterparty": "某公司", "contract_date": "2025-01-02", "term_end": "2027-01-01",
         "payment_method": "lump_sum", "amount_wan": "10"},
    )  # fmt: skip
    if role in DEAL_MANAGERS:
        assert response.status_code == 302, response.content[:500]
        assert Deal.objects.count() == before + 1
    else:
        assert response.status_code in (403, 404), role
        assert Deal.objects.count() == before


def test_enterprise_sees_industrialization_form_only_on_its_deal(client, world):
    login(client, world, "enterprise")
    response = client.post(
        f"/deals/{world.deal_a.pk}/",
        {"action": "industrialization", "patent": world.patent_a.pk, "product_name": "隔膜卷材",
         "started_on": "2025-05-01"},
    )  # fmt: skip
    assert response.status_code == 302
    assert world.deal_a.industrializations.get().product_name == "隔膜卷材"
    response = client.post(f"/deals/{world.deal_a.pk}/", {"action": "recording", "status": "pending"})
    assert response.status_code == 403
    assert client.get(f"/deals/{world.deal_a.pk}/dossier.zip").status_code == 404  # the institution's record


# -- dashboards and the provincial data interface ------------------------------------------------------------------

# The dashboard each role may open, and the drill-downs in and out of its reach (college_b belongs to uni).
DASHBOARD = {
    "national_admin": {"": 200, "?province=32": 200, "?province=44": 200, "?institution=FAR": 200, "?college=B": 200},
    "provincial_bureau": {"": 200, "?province=32": 200, "?province=44": 404, "?institution=FAR": 404,
                          "?institution=UNI": 200, "?college=B": 200},
    "ministry": {"": 200, "?province=32": 404, "?institution=FAR": 200, "?institution=INSTITUTE": 404},
    "institution_admin": {"": 200, "?college=B": 200, "?institution=FAR": 404, "?province=32": 404},
    "college_admin": {"": 200, "?college=B": 404, "?institution=UNI": 404},
    "inventor": {"": 403},
    "enterprise": {"": 403},
    "expert": {"": 403},
}  # fmt: skip
FEED = {"provincial_bureau": 200, "national_admin": 404}  # the national admin must name a province


def _dashboard_url(world, params):
    ids = {"FAR": world.far_uni.pk, "UNI": world.uni.pk, "INSTITUTE": world.institute.pk, "B": world.college_b.pk}
    for name, pk in ids.items():
        params = params.replace(f"={name}", f"={pk}")
    return "/dashboard/" + params


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_matrix(client, world, role):
    login(client, world, role)
    for params, expected in DASHBOARD[role].items():
        for export in ("", "export=rows"):
            url = _dashboard_url(world, params)
            if export:
                url += ("&" if "?" in url else "?") + export
            assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_shows_only_own_world(client, world, role):
    if DASHBOARD[role][""] != 200:
        return
    login(client, world, role)
    body = client.get("/dashboard/").content.decode()
    names = {"测试大学": "uni", "测试研究所": "institute", "远方大学": "far_uni"}
    shown = {key for name, key in names.items() if name in body}
    if role in ("institution_admin", "college_admin"):
        assert shown <= {"uni"}
    elif role == "national_admin":
        assert "江苏省" in body and "广东省" in body  # provinces, one level up from institutions
    else:
        assert shown == INSTITUTIONS_VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_province_feed_matrix(world, role):
    client = token_client(world.users[role])
    for url in ("/api/province-feed/patents/", "/api/province-feed/patents/bulk/"):
        assert client.get(url).status_code == FEED.get(role, 403), (role, url)
    if role == "provincial_bureau":
        ids = {row["patent_id"] for row in client.get("/api/province-feed/patents/").json()["results"]}
        assert ids == {world.patent_a.pk}  # P1's library only


def test_province_feed_refuses_writes(world):
    client = token_client(world.users["provincial_bureau"])
    assert client.post("/api/province-feed/patents/", {"since": 0}).status_code == 405


# -- inventory import jobs: retry and cancel ---------------------------------------------------------------------------

# What each role gets for cancel (a queued job) and retry (a cancelled job) of a college admin's import in college A.
IMPORT_ACTION_STATUS = {
    "national_admin": (403, 403),  # sees every job, changes none
    "institution_admin": (200, 202),
    "college_admin": (200, 202),
    "inventor": (404, 404),
    "enterprise": (404, 404),
    "expert": (404, 404),
    "provincial_bureau": (404, 404),
    "ministry": (404, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_import_job_cancel_and_retry_by_role(world, role):
    from conftest import make_record, upload, workbook_bytes

    from inventory.models import ImportJob
    from inventory.services import inventory_import_start

    job = inventory_import_start(user=world.users["college_admin"], upload=upload(workbook_bytes([make_record(1)])))
    client = token_client(world.users[role])
    cancel_expected, retry_expected = IMPORT_ACTION_STATUS[role]

    cancel = client.post(f"/api/inventory-imports/{job.pk}/cancel/")
    assert cancel.status_code == cancel_expected
    job.refresh_from_db()
    assert job.state == ("cancelled" if cancel_expected == 200 else "queued")

    ImportJob.objects.filter(pk=job.pk).update(state="cancelled")
    retry = client.post(f"/api/inventory-imports/{job.pk}/retry/")
    assert retry.status_code == retry_expected
    job.refresh_from_db()
    assert (job.state, job.attempt) == (("queued", 2) if retry_expected == 202 else ("cancelled", 1))
