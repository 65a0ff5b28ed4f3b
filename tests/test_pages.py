"""Pages and forms people meet: filters that can match nothing, text the database refuses, error pages, the to-do
list's review and exports, the history shown in labels."""

from __future__ import annotations

import pytest
from conftest import api_client

# Each asks a question with no answer: an empty list, never a server error.
NOTHING_MATCHES = [
    "section=ZZ",
    "division=ZZZ",
    "grant_year=0",
    "grant_year=99999999999",
    "grant_year=-1",
    "grant_year=10000",
    "grant_year=2e16",
    "grant_year=-2e16",
    "years_min=99999999999",
    "years_max=-1",
    "org_unit=99999999999",
    "institution=99999999999999999999",
    "grant_year=2020.5",
]


def _expected(path: str, query: str) -> int:
    # The base library has no 门类/大类 filter: the parameter is not one of its filters and is ignored (4 patents).
    return 4 if "patents" in path and query.startswith(("section", "division")) else 0


@pytest.mark.parametrize("query", NOTHING_MATCHES)
@pytest.mark.parametrize("path", ["/library/", "/patents/"])
def test_a_filter_that_matches_nothing_answers_an_empty_page(client, world, path, query):
    client.force_login(world.users["national_admin"])
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == _expected(path, query)


@pytest.mark.parametrize("query", NOTHING_MATCHES)
@pytest.mark.parametrize("path", ["/api/patents/", "/api/resource-library/"])
def test_a_filter_that_matches_nothing_answers_an_empty_api_list(world, path, query):
    response = api_client(world.users["national_admin"]).get(f"{path}?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == _expected(path, query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("grant_year=abc", "请输入数字 / Enter a number"),
        ("grant_year=inf", "请输入数字 / Enter a number"),
        ("years_min=NaN", "请输入数字 / Enter a number"),
        ("stars=9", "“9”不是可选的值 / “9” is not one of the choices"),
        ("ordering=secret", "“secret”不是可选的值 / “secret” is not one of the choices"),
    ],
)
@pytest.mark.parametrize("path", ["/api/patents/", "/api/resource-library/"])
def test_a_malformed_filter_is_refused_in_both_languages(world, path, query, message):
    response = api_client(world.users["national_admin"]).get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(response.json().values()) == [[message]]


@pytest.mark.parametrize("query", ["grant_year=abc", "grant_year=inf", "stars=9", "ordering=secret"])
@pytest.mark.parametrize("path", ["/library/", "/patents/"])
def test_a_malformed_filter_on_a_page_is_left_out(client, world, path, query):
    client.force_login(world.users["national_admin"])
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == (2 if path == "/library/" else 4)
