"""Search (common.search and the libraries' FilterSets): the tokenizer against its plain definition; what a query
finds (symbols, Greek, μm, 5G, LED, numbers in any written form, inventors); and the order — a title hit before a
text hit, more terms in the title before fewer, the same in the HTML library and both APIs."""

from __future__ import annotations

import datetime
import itertools
import random
import re
import unicodedata
import uuid

import pytest
from django.db import connection

from common.search import CJK, GREEK, search_query, search_terms, search_tokens
from evaluations.choices import Maturity, PriceBand, ReviewState
from evaluations.models import SelfAssessment
from patentpool.choices import PatentType
from patentpool.models import Patent
from reference.appno import ApplicationNumber
from reference.models import IndustryCode
from tests.conftest import api_client, make_number

# -- the tokenizer ---------------------------------------------------------------------------------------------------

_PLAIN_RUN = re.compile(rf"[{CJK}]+|[{GREEK}]+|[^\W_{CJK}{GREEK}]+|[^\w\s]")


def plain_tokens(text: str) -> list[str]:
    """The definition: NFKC, lower case; CJK runs as overlapping bigrams (a lone character as itself), Greek runs and
    other letter/digit runs whole, a non-ASCII symbol as ``sym<hex>``, everything else a separator."""
    out = []
    for run in _PLAIN_RUN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if re.match(rf"[{CJK}]", run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif run[0].isalnum():
            out.append(run)
        elif not run.isascii() and unicodedata.category(run)[0] == "S":
            out.append(f"sym{ord(run):x}")
    return out


def test_tokens_equal_the_plain_definition_on_random_text():
    rng = random.Random(2026)
    alphabet = "一种锂电池隔膜制备方法ＡＢＣ１２３abcXYZ-./ ，。！\t\n　Ⅻ①ﬁ㍿가각éαβγΩµ±°≤℃_|"
    for _ in range(20000):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(4)]
        parts = [" ".join(plain_tokens(t)) for t in texts]
        expected = "|".join(parts) if any(parts) else ""
        assert search_tokens(*texts) == expected, texts


def test_examples():
    assert search_tokens("一种锂电池隔膜") == "一种 种锂 锂电 电池 池隔 隔膜|||"
    assert search_tokens("ＬｉＦｅＰＯ４ 电池", "H01M-10/05") == "lifepo4 电池|h01m 10 05||"
    assert search_tokens("γδT细胞", "10µm的4G/5G LED", "±0.5℃", "王小明，李四") == (
        "γδ t 细胞|10 μ m 的 4g 5g led|symb1 0 5 symb0 c|王小 小明 李四"
    )
    assert search_tokens("", "", "", "") == ""
    assert search_query("锂电池 隔膜") == "(锂电 <-> 电池) & (隔膜)"
    assert search_query("μm β- 5G") == "(μ <-> m) & (β) & (5g)"
    assert search_query("- ， 。") == ""
    assert search_terms("µm") == search_terms("μm") == [["μ", "m"]]  # the micro sign is μ after NFKC


# -- a small library -------------------------------------------------------------------------------------------------

SERIAL = itertools.count(8100)


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def add(world, title, *, stars=3, products="", prospect="", inventors="", number=None) -> Patent:
    patent = Patent.objects.create(
        application_number=number or make_number(next(SERIAL)),
        patent_type=PatentType.INVENTION,
        title=title,
        inventors=inventors,
        grant_date=datetime.date(2020, 5, 1),
        institution=world.uni,
        org_unit=world.college_a,
    )
    SelfAssessment.objects.create(
        patent=patent,
        review_state=ReviewState.APPROVED,
        maturity=Maturity.SAMPLE,
        value_stars=stars,
        price_band=PriceBand.NEGOTIABLE,
        industry=IndustryCode.objects.get(code="C38"),
        products_advantages=products,
        prospect=prospect,
        contact_name="联系人",
        contact_phone="13900000000",
        search_text=search_tokens(title, products, prospect, inventors),
    )
    return patent


@pytest.fixture
def shelf(world):
    """Patents whose order for a query is known; higher stars on the weaker hits, so that relevance must win."""
    w = world
    w.shelf = {
        "sensor_title": add(w, "一种压力传感器的制备方法", stars=1),
        "sensor_text": add(w, "一种巡检机器人", stars=5, products="配有多个传感器", prospect="机器人市场广阔"),
        "sensor_prospect": add(w, "一种机械臂", stars=4, prospect="可用于传感器封装"),
        "both_in_title": add(w, "一种锂电池隔膜", stars=1),
        "one_in_title": add(w, "一种锂电池", stars=5, products="含陶瓷隔膜"),
        "none_in_title": add(w, "一种储能装置", stars=5, products="锂电池隔膜"),
        "gamma_delta": add(w, "γδT细胞的扩增方法"),
        "alpha": add(w, "一种α-淀粉酶"),
        "beta": add(w, "β-内酰胺类化合物"),
        "micron": add(w, "厚度10µm的薄膜"),  # the micro sign, as Excel files often have it
        "antenna": add(w, "一种4G/5G通信天线"),
        "led": add(w, "LED灯驱动电路"),
        "thermo": add(w, "温控装置", products="控温精度±0.5℃"),
        "inventor": add(w, "一种催化剂", inventors="王小明，李四"),
        "numbered": add(w, "一种光纤", number="201910866666.8"),
    }
    return w


def library_order(world, params, role="enterprise") -> list[int]:
    from django.test import Client

    client = Client()
    client.force_login(world.users[role])
    response = client.get("/library/", {**params, "page_size": 200})
    assert response.status_code == 200
    return [p.pk for p in response.context["page"]]


def api_order(world, url, params, role="enterprise") -> list[int]:
    response = api_client(world.users[role]).get(url, {**params, "page_size": 200})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def ids(world, *names) -> list[int]:
    return [world.shelf[n].pk for n in names]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking needs PostgreSQL")


@postgres_only
def test_title_hit_before_text_hit_in_html_and_api(shelf):
    expected = ids(shelf, "sensor_title", "sensor_text", "sensor_prospect")  # stars 1, 5, 4
    assert library_order(shelf, {"q": "传感器"}) == expected
    assert api_order(shelf, "/api/resource-library/", {"q": "传感器"}) == expected


@postgres_only
def test_more_terms_in_the_title_first(shelf):
    # The world's 一种锂电池隔膜的制备方法 (4 stars) ties with 一种锂电池隔膜 (1 star) on relevance: stars break the tie.
    expected = [shelf.patent_a.pk, *ids(shelf, "both_in_title", "one_in_title", "none_in_title")]  # stars 4, 1, 5, 5
    for q in ("锂电池 隔膜", "隔膜 锂电池"):
        assert library_order(shelf, {"q": q}) == expected
        assert api_order(shelf, "/api/resource-library/", {"q": q}) == expected


@postgres_only
def test_an_explicit_ordering_overrides_relevance(shelf):
    by_stars = ids(shelf, "sensor_text", "sensor_prospect", "sensor_title")
    assert library_order(shelf, {"q": "传感器", "ordering": "-stars"}) == by_stars
    assert api_order(shelf, "/api/resource-library/", {"q": "传感器", "ordering": "-stars"}) == by_stars


def test_base_library_ranks_title_hits_first_in_html_and_api(shelf):
    # The base library matches number, title or inventors; a title hit comes first, then the usual order.
    inventor_hit = add(shelf, "一种电池", inventors="传感器")  # an odd name, but it shows the order
    expected = [shelf.shelf["sensor_title"].pk, inventor_hit.pk]
    from django.test import Client

    client = Client()
    client.force_login(shelf.users["institution_admin"])
    response = client.get("/patents/", {"q": "传感器", "page_size": 200})
    assert [p.pk for p in response.context["page"]] == expected
    assert api_order(shelf, "/api/patents/", {"q": "传感器"}, role="institution_admin") == expected


@pytest.mark.parametrize(
    "q, names",
    [
        ("γδ", ["gamma_delta"]),
        ("α", ["alpha"]),
        ("β-", ["beta"]),
        ("μm", ["micron"]),  # Greek mu
        ("µm", ["micron"]),  # micro sign
        ("10μm", ["micron"]),
        ("5G", ["antenna"]),
        ("4g/5g", ["antenna"]),
        ("LED", ["led"]),
        ("led", ["led"]),
        ("±0.5", ["thermo"]),
        ("℃", ["thermo"]),
        ("王小明", ["inventor"]),
        ("小明", ["inventor"]),
    ],
)
def test_symbols_greek_units_and_inventors(shelf, q, names):
    assert sorted(library_order(shelf, {"q": q})) == sorted(ids(shelf, *names))
    assert sorted(api_order(shelf, "/api/resource-library/", {"q": q})) == sorted(ids(shelf, *names))


@pytest.mark.parametrize("q", ["-", "，", "。。", "（）", "_"])
def test_a_query_without_words_finds_nothing_not_everything(shelf, q):
    assert library_order(shelf, {"q": q}) == []
    assert api_order(shelf, "/api/resource-library/", {"q": q}) == []


@pytest.mark.parametrize(
    "q",
    ["201910866666.8", "ZL201910866666.8", "2019108666668", "CN201910866666.8", "zl 2019 1086 6666.8"],
)
def test_an_application_number_in_any_form_finds_its_patent(shelf, q):
    assert ApplicationNumber.is_valid(q)
    expected = ids(shelf, "numbered")
    assert library_order(shelf, {"q": q}) == expected
    assert api_order(shelf, "/api/resource-library/", {"q": q}) == expected
    assert api_order(shelf, "/api/patents/", {"q": q}, role="institution_admin") == expected


@pytest.mark.parametrize("q", ["CN110813200B", "cn 110813200 b", "110813200B", "CN110813200"])
def test_a_publication_number_in_any_form_finds_its_patent(shelf, q):
    Patent.objects.filter(pk=shelf.shelf["numbered"].pk).update(publication_number="CN110813200B")
    expected = ids(shelf, "numbered")
    assert library_order(shelf, {"q": q}) == expected
    assert api_order(shelf, "/api/resource-library/", {"q": q}) == expected
    assert api_order(shelf, "/api/patents/", {"q": q}, role="institution_admin") == expected
    assert library_order(shelf, {"q": "CN110813201B"}) == []  # another number finds nothing
