"""The conversion resource library: Chinese search, classification filters, facet counts, the fiscal-idle rule, role
visibility, a flat query count and the Excel export."""

from __future__ import annotations

import datetime
import importlib
import io
import itertools
import re
import uuid

import pytest
from conftest import ROLES, api_client, make_number
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from common.search import search_tokens
from evaluations.choices import ImplementationLevel1, IntentLevel1, IntentLevel2, Maturity, PriceBand, ReviewState
from evaluations.models import ConversionIntent, ImplementationStatus, SelfAssessment
from institutions.choices import Authority, InstitutionKind
from institutions.models import Institution
from library.facets import compute_facets, facet_cache_key
from library.filtersets import ResourceFilterSet
from library.rules import idle_cutoff, idle_fiscal_patents
from library.selectors import resource_library_list
from patentpool.choices import PatentType
from patentpool.models import Patent
from reference.models import IndustryCode, Province, SEIClass

SERIAL = itertools.count(7000)


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A private in-memory cache per test: cached facets of one test's world never leak into another's."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def index(assessment: SelfAssessment) -> None:
    """What every write path does: keep the search text of title, products/advantages and prospect."""
    patent = assessment.patent
    assessment.search_text = search_tokens(
        patent.title, assessment.products_advantages, assessment.prospect, patent.inventors
    )
    assessment.save(update_fields=["search_text"])


def add(
    world,
    title,
    *,
    institution=None,
    industry="C38",
    maturity=Maturity.SAMPLE,
    stars=3,
    sei=None,
    price=PriceBand.NEGOTIABLE,
    products="",
    prospect="",
    intents=(),
    states=(),
    fiscal=False,
    grant=datetime.date(2020, 5, 1),
    review=ReviewState.APPROVED,
    convertible=True,
    assessed=True,
    patent_type=PatentType.INVENTION,
) -> Patent:
    institution = institution or world.uni
    patent = Patent.objects.create(
        application_number=make_number(next(SERIAL), type_digit="1" if patent_type == PatentType.INVENTION else "2"),
        patent_type=patent_type,
        title=title,
        grant_date=grant,
        institution=institution,
        fiscally_funded=fiscal,
    )
    if not assessed:
        return patent
    assessment = SelfAssessment.objects.create(
        patent=patent,
        review_state=review,
        convertible=convertible,
        maturity=maturity,
        value_stars=stars,
        price_band=price,
        industry=IndustryCode.objects.get(code=industry) if industry else None,
        sei_class=sei,
        products_advantages=products,
        prospect=prospect,
        contact_name="联系人" + title[-2:],
        contact_phone="13900000000",
    )
    index(assessment)
    for position, (level1, level2) in enumerate(intents):
        ConversionIntent.objects.create(assessment=assessment, position=position, level1=level1, level2=level2)
    for position, level1 in enumerate(states):
        ImplementationStatus.objects.create(assessment=assessment, position=position, level1=level1)
    return patent


def sei(code: str, edition: str = "2018") -> SEIClass:
    return SEIClass.objects.get(edition=edition, code=code)


@pytest.fixture
def lib(world):
    """The world's two approved patents plus a varied set, enough for every classification."""
    for assessment in SelfAssessment.objects.all():
        index(assessment)
    gd = Province.objects.get(code="44")
    w = world
    w.institute_gd = Institution.objects.create(
        name="广东测试研究院", kind=InstitutionKind.RESEARCH_INSTITUTE, province=gd, authority=Authority.LOCAL
    )
    w.lib = {
        # In title: both words.
        "title_hit": w.patent_a,
        # In the scenario only: 锂电池 in products, 隔膜 in prospect.
        "scenario_hit": add(
            w,
            "一种储能装置",
            industry="C",  # a 门类 only
            maturity=Maturity.LEGACY_LAB_TESTED,  # counts as trial production
            stars=5,
            sei=sei("1.2", "2021"),  # a 2021 class: counts under 1
            price=PriceBand.OVER_100,
            products="适用于锂电池，循环寿命长",
            prospect="可替代进口隔膜",
            intents=[
                (IntentLevel1.LICENSE, IntentLevel2.ORDINARY_LICENCE),
                (IntentLevel1.LICENSE, IntentLevel2.OPEN_LICENCE),
            ],
            states=[ImplementationLevel1.NOT_IMPLEMENTED],
            fiscal=True,
            grant=datetime.date(2015, 1, 10),
        ),
        # Only one of the two words each: not found.
        "only_lithium": add(
            w,
            "一种锂电池电极材料",
            industry="C2611",  # a 小类: counts under 大类 C26
            maturity=Maturity.MASS_PRODUCTION,
            stars=2,
            sei=sei("3"),
            price=PriceBand.B0_10,
            intents=[(IntentLevel1.TRANSFER, IntentLevel2.TRANSFER)],
            states=[ImplementationLevel1.LICENSED],
            fiscal=True,
            grant=datetime.date(2015, 1, 10),
            institution=w.institute_gd,
        ),
        "only_membrane": add(
            w,
            "一种隔膜泵",
            industry="I65",
            maturity=Maturity.LEGACY_PRODUCIBLE,  # counts as mass production
            stars=3,
            sei=sei("1"),
            price=PriceBand.B0_10,
            products="用于化工输送",
            intents=[(IntentLevel1.SELF_APPLY, "")],
            institution=w.institute_gd,
            patent_type=PatentType.UTILITY_MODEL,
            grant=datetime.date(2022, 6, 1),
        ),
        # Contains both words but not approved / not convertible: never in the library.
        "submitted": add(w, "锂电池隔膜涂层", review=ReviewState.SUBMITTED),
        "unconvertible": add(w, "锂电池隔膜回收", convertible=False, states=[ImplementationLevel1.TO_ABANDON]),
    }
    return w


def pks(*patents) -> set[int]:
    return {p.pk for p in patents}


def api_pks(world, params, role="enterprise") -> set[int]:
    response = api_client(world.users[role]).get("/api/resource-library/", {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def filtered(params) -> set[int]:
    fs = ResourceFilterSet(params, queryset=resource_library_list(user=_any_user()))
    return set(fs.qs.values_list("pk", flat=True))


def _any_user():
    from institutions.models import User

    return User.objects.get(username="enterprise")


# -- search ---------------------------------------------------------------------------------------------------------


def test_search_finds_both_words_in_title_or_scenario(lib):
    L = lib.lib
    expected = pks(L["title_hit"], L["scenario_hit"])
    assert filtered({"q": "锂电池 隔膜"}) == expected
    assert filtered({"q": "  隔膜　锂电池 "}) == expected  # order, extra and full-width spaces
    assert api_pks(lib, {"q": "锂电池 隔膜"}) == expected


def test_search_single_words_and_phrases(lib):
    L = lib.lib
    assert filtered({"q": "锂电池"}) == pks(L["title_hit"], L["scenario_hit"], L["only_lithium"])
    assert filtered({"q": "隔膜"}) == pks(L["title_hit"], L["scenario_hit"], L["only_membrane"])
    assert filtered({"q": "锂电池隔膜"}) == pks(L["title_hit"])  # one term: the exact substring
    assert filtered({"q": "化工输送"}) == pks(L["only_membrane"])  # products/advantages
    assert filtered({"q": "钠电池"}) == set()
    assert filtered({"q": "泵"}) == pks(L["only_membrane"])  # one character: substring fallback
    assert filtered({"q": L["only_lithium"].application_number}) == pks(L["only_lithium"])


def test_search_follows_every_write_of_the_text(lib):
    """The stored vector (evaluations.0013) is PostgreSQL's to keep in step: a changed text is found at once, and
    the old words no longer are."""
    L = lib.lib
    assessment = SelfAssessment.objects.get(patent=L["only_lithium"])
    assessment.search_text = search_tokens("一种钠离子电池正极材料", "", "")
    assessment.save()
    assert filtered({"q": "钠离子"}) == pks(L["only_lithium"])
    assert L["only_lithium"].pk not in filtered({"q": "锂电池"})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            weighted = importlib.import_module("evaluations.migrations.0013_weighted_search_vector").WEIGHTED_VECTOR
            cursor.execute(
                f"SELECT count(*) FROM evaluations_selfassessment WHERE search_vector IS DISTINCT FROM {weighted}"
            )
            assert cursor.fetchone()[0] == 0


def test_search_page_shows_what_a_buyer_needs(client, lib):
    client.force_login(lib.users["enterprise"])
    html = client.get("/library/", {"q": "锂电池 隔膜"}).content.decode()
    assert "一种锂电池隔膜的制备方法" in html and "一种储能装置" in html
    assert "一种锂电池电极材料" not in html and "一种隔膜泵" not in html and "锂电池隔膜涂层" not in html
    for text in (
        "适用于锂电池，循环寿命长",  # problem solved / advantages
        "试生产、应用开发阶段（通过小试）",  # maturity: the stage, with the legacy wording
        "拟许可（拟普通许可）",  # intents
        "拟许可（拟开放许可）",
        "100万以上",  # price band
        "联系人装置",  # contact
        "13900000000",
        "测试大学",  # institution
        "C38",  # industry
    ):
        assert text in html, text


# -- filters --------------------------------------------------------------------------------------------------------


def test_every_filter(lib):
    L = lib.lib
    a, far = lib.patent_a, lib.patent_far
    cases = {
        "section": ({"section": "C"}, pks(a, far, L["scenario_hit"], L["only_lithium"])),
        "section lower case": ({"section": "i"}, pks(L["only_membrane"])),
        "section invalid": ({"section": "CC"}, set()),
        "division": ({"division": "C26"}, pks(far, L["only_lithium"])),  # C2611 is under C26
        "division C38": ({"division": "C38"}, pks(a)),
        "division invalid": ({"division": "C2"}, set()),
        "maturity legacy": ({"maturity": "trial_production"}, pks(L["scenario_hit"])),
        "maturity mass": ({"maturity": "mass_production"}, pks(L["only_lithium"], L["only_membrane"])),
        "maturity small batch": ({"maturity": "small_batch"}, pks(a, far)),
        "stars": ({"stars": "4"}, pks(a, far)),
        "stars 5": ({"stars": "5"}, pks(L["scenario_hit"])),
        "sei 2021 under 2018": ({"sei": "1"}, pks(L["scenario_hit"], L["only_membrane"])),
        "sei 3": ({"sei": "3"}, pks(L["only_lithium"])),
        "province 44": ({"province": "44"}, pks(far, L["only_lithium"], L["only_membrane"])),
        "province 32": ({"province": "32"}, pks(a, L["scenario_hit"])),
        "institution": ({"institution": str(lib.institute_gd.pk)}, pks(L["only_lithium"], L["only_membrane"])),
        "intent license": ({"intent": "license"}, pks(L["scenario_hit"])),
        "intent transfer": ({"intent": "transfer"}, pks(L["only_lithium"])),
        "intent self": ({"intent": "self_apply"}, pks(L["only_membrane"])),
        "price band": ({"price_band": "0-10"}, pks(L["only_lithium"], L["only_membrane"])),
        "price band 10-20": ({"price_band": "10-20"}, pks(a, far)),
        "fiscal idle": ({"fiscal_idle": "1"}, pks(L["scenario_hit"])),
        "fiscal idle off": (
            {"fiscal_idle": "0"},
            pks(a, far, L["scenario_hit"], L["only_lithium"], L["only_membrane"]),
        ),
        "patent type (base)": ({"patent_type": "utility_model"}, pks(L["only_membrane"])),
        "grant year (base)": ({"grant_year": "2015"}, pks(L["scenario_hit"], L["only_lithium"])),
        "combined": ({"section": "C", "maturity": "small_batch", "province": "44"}, pks(far)),
        "combined with search": ({"q": "锂电池", "province": "44"}, pks(L["only_lithium"])),
    }
    for name, (params, expected) in cases.items():
        assert filtered(params) == expected, name
        assert api_pks(lib, params) == expected, name


def test_html_filters_and_division_drilldown(client, lib):
    client.force_login(lib.users["expert"])
    html = client.get("/library/").content.decode()
    assert 'data-facet="section"' in html and 'data-facet="division"' not in html  # 大类 only after a 门类
    html = client.get("/library/", {"section": "C"}).content.decode()
    assert 'data-facet="division"' in html
    assert "C26 化学原料和化学制品制造业" in html and "C38 电气机械和器材制造业" in html
    assert "I65" not in html.split('data-facet="division"')[1].split("</section>")[0]
    html = client.get("/library/", {"section": "C", "division": "C26"}).content.decode()
    assert "一种固态电解质" in html and "一种锂电池电极材料" in html and "一种锂电池隔膜的制备方法" not in html


# -- facets ---------------------------------------------------------------------------------------------------------


def test_facet_counts_exact(lib):
    qs = ResourceFilterSet({}, queryset=resource_library_list(user=_any_user())).qs
    f = compute_facets(qs)
    assert f["total"] == 5
    assert [row[::2] for row in f["section"]] == [["C", 4], ["I", 1]]  # the 门类-only record counts under C
    assert [row[::2] for row in f["division"]] == [["C26", 2], ["C38", 1], ["I65", 1]]  # 小类 C2611 under C26
    assert dict(map(tuple, f["maturity"])) == {"trial_production": 1, "small_batch": 2, "mass_production": 2}
    assert [m for m, _ in f["maturity"]] == ["trial_production", "small_batch", "mass_production"]  # 4-step order
    assert f["stars"] == [[5, 1], [4, 2], [3, 1], [2, 1]]
    assert [row[::2] for row in f["sei"]] == [["1", 2], ["3", 1]]  # the 2021 class 1.2 counts under 1
    assert [row[::2] for row in f["province"]] == [["32", 2], ["44", 3]]
    assert sorted((row[0], row[2]) for row in f["institution"]) == sorted(
        [(lib.uni.pk, 2), (lib.far_uni.pk, 1), (lib.institute_gd.pk, 2)]
    )
    assert f["intent"] == [["license", 1], ["transfer", 1], ["self_apply", 1]]  # two licence intents count once
    assert f["price_band"] == [["0-10", 2], ["10-20", 2], ["100+", 1]]
    assert f["fiscal_idle"] == 1


def test_one_scan_and_one_group_by_per_class_agree(lib):
    if connection.vendor != "postgresql":
        pytest.skip("GROUPING SETS: PostgreSQL")
    for params in ({}, {"section": "C"}, {"q": "锂电池"}, {"province": "44", "stars": "3"}):
        qs = ResourceFilterSet(params, queryset=resource_library_list(user=_any_user())).qs
        with CaptureQueriesContext(connection) as ctx:
            one_scan = compute_facets(qs, grouping_sets=True, approx_from=0)
        assert sum("GROUPING SETS" in q["sql"] for q in ctx.captured_queries) == 1
        assert compute_facets(qs, grouping_sets=False) == one_scan, params


def test_large_results_are_counted_on_the_sample(client, sixty, monkeypatch):
    """From APPROX_FROM patents on, the facets are the counts of the fixed sample (assessment id % 16 == 0) × 16,
    marked approximate and shown as ≈; below it they are exact."""
    if connection.vendor != "postgresql":
        pytest.skip("the sample's partial index: PostgreSQL")
    import library.facets as facets

    qs = ResourceFilterSet({}, queryset=resource_library_list(user=sixty.users["expert"])).qs
    sampled = qs.filter(assessment__id__in=[a for a in qs.values_list("assessment__id", flat=True) if a % 16 == 0])
    n = sampled.count()
    assert n >= 1
    exact = compute_facets(qs)  # 60 patents: far below APPROX_FROM
    assert exact["approximate"] is False and exact["total"] == qs.count() == 66
    approx = compute_facets(qs, approx_from=16)
    assert approx["approximate"] is True
    assert approx["total"] == 16 * n
    assert {s: c for s, _name, c in approx["sei"]} == {
        s: 16 * c for s, _name, c in compute_facets(sampled, approx_from=0)["sei"]
    }
    assert approx["intent"] == [[k, 16 * c] for k, c in compute_facets(sampled, approx_from=0)["intent"]]
    # A sample too small for the threshold: exact counts.
    assert compute_facets(qs, approx_from=16 * n + 16)["approximate"] is False

    monkeypatch.setattr(facets, "APPROX_FROM", 16)
    client.force_login(sixty.users["expert"])
    html = client.get("/library/", {"page_size": 10}).content.decode()
    assert "分类数量为抽样估计的约数" in html
    bars = re.findall(r'<span class="bar-count">([^<]*)</span>', html)
    assert bars and all(b.startswith("≈") and int(b[1:]) % 16 == 0 for b in bars)


def test_facets_follow_the_current_filter(lib):
    qs = ResourceFilterSet({"section": "C", "q": "锂电池"}, queryset=resource_library_list(user=_any_user())).qs
    f = compute_facets(qs)
    assert f["total"] == 3
    assert [row[::2] for row in f["division"]] == [["C26", 1], ["C38", 1]]
    assert dict(map(tuple, f["maturity"])) == {"trial_production": 1, "small_batch": 1, "mass_production": 1}
    assert [row[::2] for row in f["province"]] == [["32", 2], ["44", 1]]


def test_facets_render_as_bars(client, lib):
    client.force_login(lib.users["ministry"])
    html = client.get("/library/").content.decode()
    section = html.split('data-facet="section"')[1].split("</section>")[0]
    assert 'style="width:100%"' in section and 'style="width:25%"' in section  # C 4 of 4, I 1 of 4
    assert "C 制造业" in section
    maturity = html.split('data-facet="maturity"')[1].split("</section>")[0]
    assert "试生产、应用开发阶段" in maturity and "样品、实验阶段" not in maturity  # empty classes are not shown
    assert 'href="?maturity=trial_production"' in maturity
    html = client.get("/library/", {"maturity": "trial_production"}).content.decode()
    maturity = html.split('data-facet="maturity"')[1].split("</section>")[0]
    assert 'class="selected"' in maturity and 'href="?"' in maturity  # clicking the selected class clears it


def test_facets_are_cached_under_the_normalized_filter(client, lib):
    client.force_login(lib.users["enterprise"])
    with CaptureQueriesContext(connection) as cold:
        client.get("/library/", {"section": "C", "maturity": "small_batch", "page": "1"})
    with CaptureQueriesContext(connection) as warm:  # same filter, other order, other page size: a cache hit
        client.get("/library/", {"maturity": "small_batch", "page_size": "25", "section": "c", "utm": "x"})
    assert len(cold.captured_queries) - len(warm.captured_queries) >= 4
    assert not any("GROUP BY" in q["sql"] for q in warm.captured_queries)

    def key(params):
        return facet_cache_key(ResourceFilterSet(params, queryset=Patent.objects.none()))

    assert key({"section": "C", "page": "3"}) == key({"section": "c", "junk": "1"})
    # An invalid value is ignored by the filtering and by the key alike: no filtered counts under another key.
    assert key({"section": "C", "maturity": "bogus"}) == key({"section": "C"}) != key({})
    assert key({"section": "C"}) != key({"section": "I"})
    assert key({"fiscal_idle": "0"}) == key({})


def test_warming_fills_the_cache_for_the_first_visitor(client, lib):
    from library.facets import warm_library_facets

    assert warm_library_facets([{}, {"section": "C"}]) == 2
    client.force_login(lib.users["enterprise"])
    for params in ({}, {"section": "C"}):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/library/", params)
        assert response.status_code == 200
        assert not any("GROUP BY" in q["sql"] for q in ctx.captured_queries), params
    assert response.context["facets"]["total"] == 4


def test_large_results_take_their_count_from_the_cached_facets(client, lib, monkeypatch):
    import library.views as views

    client.force_login(lib.users["enterprise"])
    client.get("/library/")  # facets cached: total 5
    with CaptureQueriesContext(connection) as exact:
        response = client.get("/library/")
    assert response.context["page"].paginator.count == 5
    assert any("COUNT(*)" in q["sql"] for q in exact.captured_queries)
    monkeypatch.setattr(views, "EXACT_COUNT_BELOW", 5)
    with CaptureQueriesContext(connection) as cached:
        response = client.get("/library/")
    assert response.context["page"].paginator.count == 5 and len(response.context["page"]) == 5
    assert not any("COUNT(" in q["sql"] for q in cached.captured_queries)
    assert len(cached.captured_queries) == len(exact.captured_queries) - 1


# -- fiscally funded, five years, not implemented -------------------------------------------------------------------

TODAY = datetime.date(2026, 3, 15)


def test_fiscal_idle_rule_exact(world):
    five = datetime.date(2021, 3, 15)  # exactly five years before TODAY
    N = ImplementationLevel1.NOT_IMPLEMENTED
    cases = {
        "exactly five years, no assessment": ({"fiscal": True, "grant": five, "assessed": False}, True),
        "exactly five years, not implemented": ({"fiscal": True, "grant": five, "states": [N]}, True),
        "exactly five years, assessment without states": ({"fiscal": True, "grant": five}, True),
        "older, several not-implemented states": (
            {"fiscal": True, "grant": datetime.date(2010, 1, 1), "states": [N, N]},
            True,
        ),
        "not in the library but idle": ({"fiscal": True, "grant": five, "review": ReviewState.DRAFT}, True),
        "one day short of five years": ({"fiscal": True, "grant": five + datetime.timedelta(days=1)}, False),
        "not fiscally funded": ({"fiscal": False, "grant": five, "states": [N]}, False),
        "licensed": ({"fiscal": True, "grant": five, "states": [ImplementationLevel1.LICENSED]}, False),
        "not implemented then transferred": (
            {"fiscal": True, "grant": five, "states": [N, ImplementationLevel1.TRANSFERRED]},
            False,
        ),
        "self-industrialized": (
            {"fiscal": True, "grant": five, "states": [ImplementationLevel1.SELF_INDUSTRIALIZED]},
            False,
        ),
        "no grant date": ({"fiscal": True, "grant": None, "states": [N]}, False),
    }
    made = {name: add(world, name, **kw) for name, (kw, _) in cases.items()}
    got = set(
        idle_fiscal_patents(Patent.objects.filter(pk__in=pks(*made.values())), TODAY).values_list("pk", flat=True)
    )
    assert got == {made[name].pk for name, (_, idle) in cases.items() if idle}
    # The world's own patents were granted 2020-05-01 but are not fiscally funded.
    assert not idle_fiscal_patents(Patent.objects.exclude(pk__in=got), TODAY).exists()


def test_fiscal_idle_cutoff_on_29_february():
    assert idle_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2023, 2, 28)
    assert idle_cutoff(datetime.date(2026, 1, 1)) == datetime.date(2021, 1, 1)


def test_fiscal_idle_badge_and_filter_on_the_page(client, lib):
    today = timezone.localdate()
    cutoff = idle_cutoff(today)
    boundary = add(lib, "一种边界专利", fiscal=True, grant=cutoff, states=[ImplementationLevel1.NOT_IMPLEMENTED])
    young = add(lib, "一种年轻专利", fiscal=True, grant=cutoff + datetime.timedelta(days=1))
    client.force_login(lib.users["provincial_bureau"])
    html = client.get("/library/", {"page_size": 100}).content.decode()
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in table.split('<tr class="entry">')[1:]}
    badge = 'class="badge idle"'
    assert badge in rows["一种边界专利"] and badge in rows["一种储能装置"]
    for title in ("一种年轻专利", "一种锂电池电极材料", "一种锂电池隔膜的制备方法", "一种隔膜泵"):
        assert badge not in rows[title], title
    assert api_pks(lib, {"fiscal_idle": "1"}) == pks(boundary, lib.lib["scenario_hit"])
    assert young.pk not in api_pks(lib, {"fiscal_idle": "true"})
    html = client.get("/library/", {"fiscal_idle": "1"}).content.decode()
    assert html.count('<tr class="entry">') == 2
    detail = client.get(f"/library/{boundary.pk}/").content.decode()
    assert badge in detail
    assert badge not in client.get(f"/library/{young.pk}/").content.decode()


# -- who sees it ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_same_library(client, lib, role):
    expected = pks(
        lib.patent_a, lib.patent_far, *(lib.lib[k] for k in ("scenario_hit", "only_lithium", "only_membrane"))
    )
    client.force_login(lib.users[role])
    response = client.get("/library/", {"page_size": 100})
    assert response.status_code == 200
    shown = {p.pk for p in response.context["page"]}
    assert shown == expected
    assert response.context["facets"]["total"] == 5
    assert api_pks(lib, {}, role=role) == expected
    assert client.get(f"/library/{lib.lib['scenario_hit'].pk}/").status_code == 200
    assert client.get(f"/library/{lib.lib['submitted'].pk}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, lib):
    for url in ("/library/", "/library/?q=锂电池", f"/library/{lib.patent_a.pk}/", "/library/?export=xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert APIClient().get("/api/resource-library/").status_code in (401, 403)


# -- export ---------------------------------------------------------------------------------------------------------


def test_export_keeps_the_filter(client, lib):
    client.force_login(lib.users["enterprise"])
    response = client.get("/library/", {"q": "锂电池 隔膜", "export": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    numbers = {row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    assert numbers == {lib.patent_a.application_number, lib.lib["scenario_hit"].application_number}


# -- a page costs the same number of queries whatever its size ------------------------------------------------------


@pytest.fixture
def sixty(world):
    c26 = IndustryCode.objects.get(code="C26")
    year = timezone.localdate().year
    for i in range(64):
        patent = Patent.objects.create(
            application_number=make_number(8000 + i),
            patent_type=PatentType.INVENTION,
            title=f"一种锂电池隔膜{i:02d}",
            grant_date=datetime.date(year - 1 - i % 10, 3, 1),
            institution=world.uni if i % 2 else world.far_uni,
            fiscally_funded=i % 3 == 0,
        )
        assessment = SelfAssessment.objects.create(
            patent=patent,
            review_state=ReviewState.APPROVED,
            maturity=[Maturity.SAMPLE, Maturity.LEGACY_PILOT_TESTED][i % 2],
            value_stars=1 + i % 5,
            industry=c26,
            sei_class=sei("1.1", "2021") if i % 2 else sei("4"),
            price_band=PriceBand.B20_30,
        )
        index(assessment)
        ConversionIntent.objects.create(assessment=assessment, position=0, level1=IntentLevel1.LICENSE)
        ConversionIntent.objects.create(assessment=assessment, position=1, level1=IntentLevel1.TRANSFER)
        ImplementationStatus.objects.create(assessment=assessment, level1=ImplementationLevel1.NOT_IMPLEMENTED)
    return world


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "锂电池 隔膜", "section": "C", "maturity": "small_batch"}, {"fiscal_idle": "1", "intent": "license"}],
)
def test_query_count_is_flat(client, sixty, params):
    from django.core.cache import cache

    client.force_login(sixty.users["enterprise"])
    for warm in (False, True):
        counts = []
        for size in (10, 50):
            if not warm:
                cache.clear()  # the private locmem cache of this test
            else:
                client.get("/library/", {**params, "page_size": 25})
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/library/", {**params, "page_size": size})
            assert response.status_code == 200
            assert len(response.context["page"]) == min(size, response.context["page"].paginator.count)
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], (warm, counts)
    assert response.context["page"].paginator.count > 10


def test_first_page_of_sixty_is_full_and_ordered(client, sixty):
    client.force_login(sixty.users["expert"])
    response = client.get("/library/", {"page_size": 50})
    page = list(response.context["page"])
    assert len(page) == 50
    keys = [(-(p.assessment.value_stars or 0), -p.pk) for p in page]  # best prospect, then newest entry
    assert keys == sorted(keys)
