"""The provincial data interface: only the province's library patents, an exact cursor, tombstones."""

from __future__ import annotations

import io

import pytest
from conftest import make_number, token_client
from market_helpers import return_workbook
from openpyxl import load_workbook
from rest_framework.test import APIClient

from evaluations.choices import ReviewState
from evaluations.models import SelfAssessment
from patentpool.models import Patent

URL = "/api/province-feed/patents/"


def _approve(patent):
    SelfAssessment.objects.update_or_create(patent=patent, defaults={"review_state": ReviewState.APPROVED})


def _pull(client, since=0, size=2):
    seen, pages = [], 0
    while True:
        body = client.get(URL, {"since": since, "page_size": size}).json()
        seen.extend(body["results"])
        since, pages = body["next_since"], pages + 1
        if not body["has_more"]:
            return seen, since, pages


def test_only_the_province_and_an_exact_cursor(world):
    # given: five library patents in P1 (a + four more at the university), one in P2
    extra = []
    for n in range(4):
        patent = Patent.objects.create(application_number=make_number(50 + n), patent_type="invention",
                                       title=f"专利{n}", institution=world.uni)  # fmt: skip
        _approve(patent)
        extra.append(patent)
    client = token_client(world.users["provincial_bureau"])
    items, cursor, pages = _pull(client)
    ids = [i["patent_id"] for i in items]
    assert sorted(ids) == sorted([world.patent_a.pk] + [p.pk for p in extra])  # not far, not unapproved b
    assert len(ids) == len(set(ids)) == 5 and pages == 3
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    assert all(i["action"] == "upsert" and i["record"]["application_number"] == i["application_number"] for i in items)
    # nothing new: an empty page at the same cursor
    again = client.get(URL, {"since": cursor}).json()
    assert (again["results"], again["next_since"], again["has_more"]) == ([], cursor, False)
    # when: one patent changes, one leaves the library, one is deleted
    Patent.objects.get(pk=extra[0].pk).save()
    SelfAssessment.objects.filter(patent=extra[1]).update(review_state=ReviewState.RETURNED)
    SelfAssessment.objects.filter(patent=extra[2]).delete()
    Patent.objects.filter(pk=extra[2].pk).delete()
    changes, _cursor, _pages = _pull(client, since=cursor)
    # then: exactly those, in order, the removals as tombstones
    assert [(c["patent_id"], c["action"]) for c in changes] == [
        (extra[0].pk, "upsert"), (extra[1].pk, "delete"), (extra[2].pk, "delete")]  # fmt: skip
    assert changes[1]["record"] is None and changes[2]["application_number"] == extra[2].application_number


def test_national_admin_names_a_province_and_bureau_cannot(world):
    admin = token_client(world.users["national_admin"])
    assert admin.get(URL).status_code == 404
    body = admin.get(URL, {"province": world.p2.code}).json()
    assert [i["patent_id"] for i in body["results"]] == [world.patent_far.pk]
    bureau = token_client(world.users["provincial_bureau"])
    assert bureau.get(URL, {"province": world.p2.code}).status_code == 404


@pytest.mark.parametrize("query", [{"since": "-1"}, {"since": "abc"}, {"page_size": "0"}, {"page_size": "501"}])
def test_bad_cursor_is_a_clear_400(world, query):
    response = token_client(world.users["provincial_bureau"]).get(URL, query)
    assert response.status_code == 400
    assert set(response.json()) <= {"since", "page_size"}


def test_session_is_not_enough_token_required(world):
    client = APIClient()
    client.force_login(world.users["provincial_bureau"])
    assert client.get(URL).status_code in (401, 403)


def test_bulk_download_national_layout(world):
    response = token_client(world.users["provincial_bureau"]).get(URL + "bulk/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [sheet.cell(r, 2).value for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value]
    assert numbers == [world.patent_a.application_number]


# -- the push back of enterprise evaluations ---------------------------------------------------------------------------

EVALUATIONS = "/api/province-feed/evaluations/"


def _return_file(rows: list[dict]) -> io.BytesIO:
    buffer = io.BytesIO(return_workbook(rows))
    buffer.name = "return.xlsx"
    return buffer


def test_evaluations_pushed_back_through_the_feed(world):
    from enterprises.models import Enterprise
    from market.jobs import evaluation_import_process
    from market.models import MarketEvaluation
    from market.workbook import SHEET

    _approve(world.patent_a)
    bureau = token_client(world.users["provincial_bureau"])
    template = bureau.get(EVALUATIONS)
    assert template.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(template.streaming_content)))[SHEET]
    listed = {ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)}
    assert world.patent_a.application_number in listed and world.patent_far.application_number not in listed

    local = Enterprise.objects.filter(province=world.p1).first()
    row = {"application_number": world.patent_a.application_number, "credit_code": local.credit_code,
           "prospect_stars": "四星", "cooperation": "许可", "contact_name": "钱经理", "contact_phone": "13800000001"}  # fmt: skip
    # Refused: not a bureau (the institution admin), a file that is not a workbook, no token — nothing written.
    refused = token_client(world.users["institution_admin"]).post(EVALUATIONS, {"file": _return_file([row])})
    assert refused.status_code == 403
    not_xlsx = io.BytesIO(b"not a workbook")
    not_xlsx.name = "return.xlsx"
    bad = bureau.post(EVALUATIONS, {"file": not_xlsx})
    assert bad.status_code == 400 and "xlsx" in str(bad.json())
    session = APIClient()
    session.force_login(world.users["provincial_bureau"])
    assert session.post(EVALUATIONS, {"file": _return_file([row])}).status_code == 401
    assert MarketEvaluation.objects.count() == 0

    accepted = bureau.post(EVALUATIONS, {"file": _return_file([row])})
    assert accepted.status_code == 202
    job = evaluation_import_process(accepted.json()["id"])  # what the worker runs once the upload commits
    assert (job.state, job.created_count, job.error_count) == ("succeeded", 1, 0)
    rating = MarketEvaluation.objects.get()
    assert (rating.patent_id, rating.enterprise_id, rating.prospect_stars) == (world.patent_a.pk, local.pk, 4)
    jobs = bureau.get(f"{EVALUATIONS}jobs/").json()
    assert [(j["id"], j["state"]) for j in jobs] == [(job.pk, "succeeded")]
    assert token_client(world.users["institution_admin"]).get(f"{EVALUATIONS}jobs/").status_code == 403
