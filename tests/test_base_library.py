"""The base library list for an institution: every filter, sorting, flat query count, adding a patent by hand."""

from __future__ import annotations

import datetime

import pytest
from conftest import api_client, make_number
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from evaluations.choices import ReviewState
from evaluations.models import ConversionIntent, SelfAssessment
from patentpool.models import Patent
from reference.models import IndustryCode


@pytest.fixture
def many(world):
    """60 more patents of the university's college A, varied enough for every filter."""
    c26 = IndustryCode.objects.get(code="C26")
    section_i = IndustryCode.objects.get(code="I")
    for i in range(60):
        patent = Patent.objects.create(
            application_number=make_number(5000 + i, year=2015 + i % 5, type_digit="12"[i % 2]),
            patent_type=["invention", "utility_model"][i % 2],
            title=f"专利{i:02d}",
            inventors="王五" if i % 3 == 0 else "赵六",
            grant_date=datetime.date(2016 + i % 5, 3, 1),
            years_maintained=i % 10,
            institution=world.uni,
            org_unit=world.college_a,
            fiscally_funded=i % 4 == 0,
            ipc_subclass="H01M" if i % 2 else "G06F",
        )
        if i % 2 == 0:
            assessment = SelfAssessment.objects.create(
                patent=patent,
                review_state=[ReviewState.SUBMITTED, ReviewState.APPROVED, ReviewState.DRAFT][i % 3],
                maturity=["sample", "legacy_concept", "mass_production"][i % 3],
                value_stars=1 + i % 5,
                industry=c26 if i % 4 == 0 else section_i,
            )
            ConversionIntent.objects.create(assessment=assessment, position=0, level1="license")
            if i % 6 == 0:
                ConversionIntent.objects.create(
                    assessment=assessment, position=1, level1="license", level2="open_licence"
                )
    return world


def api(world, role="institution_admin") -> APIClient:
    return api_client(world.users[role])


def numbers(response) -> set[str]:
    return {row["application_number"] for row in response.json()["results"]}


def expected(**filters) -> set[str]:
    return set(Patent.objects.filter(**filters).values_list("application_number", flat=True))


@pytest.mark.parametrize(
    "params, filters",
    [
        ({"patent_type": "utility_model"}, {"institution__name": "测试大学", "patent_type": "utility_model"}),
        ({"grant_year": 2018}, {"institution__name": "测试大学", "grant_date__year": 2018}),
        ({"years_min": 7}, {"institution__name": "测试大学", "years_maintained__gte": 7}),
        ({"fiscally_funded": "true"}, {"institution__name": "测试大学", "fiscally_funded": True}),
        ({"review_state": "submitted"}, {"institution__name": "测试大学", "assessment__review_state": "submitted"}),
        ({"stars": 3}, {"institution__name": "测试大学", "assessment__value_stars": 3}),
        ({"ipc": "h01"}, {"institution__name": "测试大学", "ipc_subclass__startswith": "H01"}),
        ({"industry": "C26"}, {"institution__name": "测试大学", "assessment__industry__code": "C26"}),
        ({"industry": "I"}, {"institution__name": "测试大学", "assessment__industry__section": "I"}),
        ({"q": "王五"}, {"institution__name": "测试大学", "inventors__contains": "王五"}),
    ],
)
def test_filters_page_and_api_agree(client, many, params, filters):
    want = expected(**filters)
    assert want  # the fixture covers every filter
    assert numbers(api(many).get("/api/patents/", {**params, "page_size": 200})) == want
    client.force_login(many.users["institution_admin"])
    body = client.get("/patents/", {**params, "page_size": 200}).content.decode()
    assert {n for n in expected(institution__name="测试大学") if n in body} == want


def test_maturity_counts_legacy_values_under_their_stage(many):
    got = numbers(api(many).get("/api/patents/", {"maturity": "sample", "page_size": 200}))
    assert got == expected(assessment__maturity__in=["sample", "legacy_concept"], institution__name="测试大学")


def test_intent_filter_does_not_duplicate(many):
    response = api(many).get("/api/patents/", {"intent": "license", "page_size": 200})
    rows = [row["application_number"] for row in response.json()["results"]]
    assert len(rows) == len(set(rows)) == 30
    assert response.json()["count"] == 30


def test_assessed_filter(many):
    assessed = numbers(api(many).get("/api/patents/", {"assessed": "true", "page_size": 200}))
    assert assessed == expected(assessment__review_state__in=["submitted", "approved"], institution__name="测试大学")
    not_assessed = numbers(api(many).get("/api/patents/", {"assessed": "false", "page_size": 200}))
    assert assessed.isdisjoint(not_assessed)
    assert len(assessed) + len(not_assessed) == Patent.objects.filter(institution=many.uni).count()


def test_ordering(many):
    rows = api(many).get("/api/patents/", {"ordering": "title", "page_size": 5}).json()["results"]
    assert [r["title"] for r in rows] == sorted(
        Patent.objects.filter(institution=many.uni).values_list("title", flat=True)
    )[:5]


def test_college_admin_list_is_scoped_even_with_filters(many):
    got = numbers(api(many, "college_admin").get("/api/patents/", {"org_unit": many.college_b.pk}))
    assert got == set()


@pytest.mark.parametrize("url", ["/patents/", "/api/patents/", "/library/", "/api/resource-library/"])
def test_query_count_does_not_grow_with_page_size(client, many, url):
    client.force_login(many.users["institution_admin"])
    client.get(url, {"page_size": 5})  # warm any cache (the library caches its facet counts)
    counts = []
    for size in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_add_patent_by_hand_and_refuse_duplicates(client, world):
    client.force_login(world.users["college_admin"])
    response = client.post("/patents/new/", {
        "application_number": "ZL 2020 1 0000777." + "x", "title": "一种新专利", "inventors": "张三",
        "legal_status": "valid", "org_unit": world.college_a.pk,
    })  # fmt: skip
    assert response.status_code == 200  # wrong check digit: the form says exactly what is wrong
    assert "校验位" in response.content.decode()
    number = make_number(777, year=2020)
    response = client.post("/patents/new/", {"application_number": number.replace(".", ""), "title": "一种新专利",
                                              "inventors": "张三", "legal_status": "valid"})  # fmt: skip
    patent = Patent.objects.get(application_number=number)
    assert response.status_code == 302 and response["Location"] == f"/patents/{patent.pk}/"
    assert (patent.institution_id, patent.org_unit_id, patent.patent_type) == (world.uni.pk, world.college_a.pk,
                                                                               "invention")  # fmt: skip
    count = Patent.objects.count()
    response = client.post("/patents/new/", {"application_number": "CN" + number, "title": "重复", "inventors": "x",
                                             "legal_status": "valid"})  # fmt: skip
    body = response.content.decode()
    assert f'href="/patents/{patent.pk}/"' in body and 'id="duplicate"' in body
    assert Patent.objects.count() == count
    # A number held by another institution is refused too, naming the holder but not linking to it.
    response = client.post("/patents/new/", {"application_number": world.patent_far.application_number,
                                             "title": "x", "inventors": "x", "legal_status": "valid"})  # fmt: skip
    body = response.content.decode()
    assert "远方大学" in body and f"/patents/{world.patent_far.pk}/" not in body
    assert Patent.objects.count() == count
    client.force_login(world.users["provincial_bureau"])
    assert client.get("/patents/new/").status_code == 403
