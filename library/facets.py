"""Classification facets of the conversion resource library (专利转化资源库).

The library is classified the way the work plan asks: industry (GB/T 4754 门类 → 大类), technology maturity (the
4-step scale; the older 6-step values count under their stage), industrialization prospect (value stars), strategic
emerging industry (2018 top level; a 2021 class counts under its parent), province and institution, plus conversion
intent and price band. Facets are counts per class over the current filter, computed with a handful of GROUP BY
queries and cached for a few minutes under the normalized filter.

Large results are counted on a fixed sample (PostgreSQL): the self-assessments whose id is a multiple of
``SAMPLE_MODULUS``, read from their own small partial index (evaluations.0014). When the sample says the filter
holds ``APPROX_FROM`` patents or more, its counts × ``SAMPLE_MODULUS`` are the facets (marked ``approximate``, shown
as 约…); below, the exact counts are computed. The first request of a broad filter thus reads 1/16 of the library
instead of all of it (bench/list_bench.py, cold), and a narrow filter stays exact.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import types
from collections import Counter

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import BigIntegerField, BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.choices import (
    MATURITY_STAGE,
    MATURITY_STAGES,
    IntentLevel1,
    Maturity,
    PriceBand,
    ValueStars,
)
from evaluations.models import ConversionIntent
from institutions.models import Institution
from patentpool.models import Patent
from reference.choices import IndustryLevel, SEIEdition
from reference.models import IndustryCode, SEIClass

from .filtersets import ResourceFilterSet
from .rules import idle_fiscal_patents, idle_fiscal_q, is_truthy
from .selectors import resource_library_list

# -- facets --------------------------------------------------------------------------------------------------------

FACET_TTL = 300  # seconds
FACET_KEY_VERSION = 3
# The sample: self-assessments with id % SAMPLE_MODULUS == 0 (the partial index assessment_library_sample of
# evaluations.0014 has the same condition). From APPROX_FROM patents on (estimated from the sample) the sample's counts,
# scaled, are the facets: ≥ 3,125 sampled patents, so the total is within about ±3.6 % (2σ) and a class of 1 % of
# the result within about ±35 %. 50k, not more: 门类 C + 小批量生产 is ≈ 72k patents at national scale.
SAMPLE_MODULUS = 16
APPROX_FROM = 50_000
# Below this many patents the list runs its own COUNT(*) (exact, cheap); from it on, the paginator takes the total
# of the cached facets (≤ FACET_TTL old) instead of counting a national-scale set on every page.
EXACT_COUNT_BELOW = 10_000
INSTITUTION_FACET_SIZE = 15


def normalized_filter(filterset: ResourceFilterSet) -> list[list[str]]:
    """The filter's declared, valid, non-empty values in a canonical form (unknown parameters are ignored, so they
    cannot multiply cache entries)."""
    filterset.form.is_valid()  # cleans; an invalid field is left out of cleaned_data, exactly as the filtering does
    data = filterset.form.cleaned_data
    items = []
    for name in sorted(filterset.filters):
        value = data.get(name)
        if value is None or value == "" or value == []:
            continue
        text = str(value).strip()
        if name in ("section", "division", "industry_class"):
            text = text.upper()
        elif name == "fiscal_idle":
            if not is_truthy(text):
                continue
            text = "1"
        if text:
            items.append([name, text])
    return items


def facet_cache_key(filterset: ResourceFilterSet) -> str:
    """A cache key for the facets of a filter: the normalized filter; plus the database (tests, the bench and the
    site may share one Redis) and the day (the fiscal-idle rule moves daily).

    Entries are not invalidated on writes: at national scale reviews are saved every few seconds, and dropping every
    cached facet on each would leave nothing cached. A review decision shows in the counts within ``FACET_TTL``.

    The library is the same for every signed-in role (``resource_library_list``), so the user is not part of the key;
    if the library is ever scoped per user, add the scope here.
    """
    payload = json.dumps(
        [
            connection.settings_dict.get("NAME"),
            timezone.localdate().isoformat(),
            normalized_filter(filterset),
        ],
        ensure_ascii=False,
    )
    return f"library-facets:v{FACET_KEY_VERSION}:" + hashlib.sha1(payload.encode()).hexdigest()


# The columns the classification facets count, one GROUP BY (or one grouping set) each.
FACET_COLUMNS = (
    "assessment__industry_id",
    "assessment__maturity",
    "assessment__value_stars",
    "assessment__price_band",
    "assessment__sei_class_id",
    "institution_id",
)


def _dimension_counts(base: QuerySet[Patent], today: datetime.date, grouping_sets: bool) -> list[Counter]:
    """For each of FACET_COLUMNS, the number of patents of ``base`` per value; then the number of fiscal-idle ones.

    On PostgreSQL one scan answers all of them: ``GROUP BY GROUPING SETS ((c0), (c1), …)`` over the filtered rows,
    the fiscal-idle rule being one more (boolean) column whose NOT EXISTS PostgreSQL hashes once (``GROUPING()`` says
    which set a result row belongs to). Elsewhere, one GROUP BY per column and a COUNT.
    """
    width = len(FACET_COLUMNS)
    counts = [Counter() for _ in range(width + 1)]
    if base.query.is_empty():  # e.g. a search without a word: nothing to count, and no SQL for it
        return counts
    if grouping_sets:
        rows = base.annotate(
            fiscal_idle_flag=ExpressionWrapper(idle_fiscal_q(today), output_field=BooleanField())
        ).values_list(*FACET_COLUMNS, "fiscal_idle_flag")
        sql, params = rows.query.sql_with_params()
        cols = ", ".join(f"c{i}" for i in range(width + 1))
        sets = ", ".join(f"(c{i})" for i in range(width + 1))
        with connections[base.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {cols}, GROUPING({cols}), COUNT(*) FROM ({sql}) AS facet_rows({cols}) "
                f"GROUP BY GROUPING SETS ({sets})",
                params,
            )
            for *values, mask, n in cursor.fetchall():
                for i in range(width + 1):
                    if not mask & (1 << (width - i)):  # bit set = column i aggregated away in this row
                        counts[i][values[i]] += n
    else:
        for i, column in enumerate(FACET_COLUMNS):
            for value, n in base.values_list(column).annotate(n=Count("pk")):
                counts[i][value] += n
        counts[width][True] = idle_fiscal_patents(base, today).count()
    return counts


def _intent_counts(base: QuerySet[Patent]) -> Counter:
    """Patents of ``base`` per intent; a patent with several intents of one kind counts once under it.

    Distinct (assessment, level1) pairs come straight off intent_assessment_level1_idx in order, so PostgreSQL
    neither hashes the patents nor sorts for a COUNT(DISTINCT) (bench/list_bench.py, cold facets).
    """
    pairs = (
        ConversionIntent.objects.filter(assessment_id__in=base.values("assessment__id"))
        .order_by()
        .values_list("assessment_id", "level1")
        .distinct()
    )
    sql, params = pairs.query.sql_with_params()
    with connections[base.db].cursor() as cursor:
        cursor.execute(f"SELECT pairs.level1, COUNT(*) FROM ({sql}) AS pairs GROUP BY pairs.level1", params)
        return Counter({level1: n for level1, n in cursor.fetchall() if level1})


def _sampled(base: QuerySet[Patent]) -> QuerySet[Patent]:
    # An integer mod() compared with an integer: the same expression as the partial index's predicate (Django's
    # default numeric output would compare numerics, and PostgreSQL would not use the index).
    sample = Mod(F("assessment__id"), SAMPLE_MODULUS, output_field=BigIntegerField())
    return base.alias(_facet_sample=sample).filter(_facet_sample=0)


def compute_facets(
    qs: QuerySet[Patent],
    today: datetime.date | None = None,
    *,
    grouping_sets: bool | None = None,
    approx_from: int | None = None,
) -> dict:
    """Counts per class over ``qs`` (the filtered library), as plain data that can be cached.

    Queries: on PostgreSQL first the sample's counts (see the module docstring; ``approx_from`` overrides
    ``APPROX_FROM``, 0 = never approximate); when the filter is smaller than that, the exact classification and
    fiscal-idle counts (one scan, see ``_dimension_counts``) and the intents; and three small lookups for the names of
    the industries, SEI classes and institutions seen.
    """
    today = today or timezone.localdate()
    base = qs.order_by()
    postgres = connections[base.db].vendor == "postgresql"
    if grouping_sets is None:
        grouping_sets = postgres
    approx_from = APPROX_FROM if approx_from is None else approx_from
    dimensions = intent = None
    if postgres and approx_from and grouping_sets:
        sample = _sampled(base)
        dimensions = _dimension_counts(sample, today, grouping_sets)
        if sum(dimensions[5].values()) * SAMPLE_MODULUS >= approx_from:
            intent = _intent_counts(sample)
            dimensions = [_scaled(c) for c in dimensions]
            intent = _scaled(intent)
        else:
            dimensions = None
    approximate = dimensions is not None
    if dimensions is None:
        dimensions = _dimension_counts(base, today, grouping_sets)
    industry_ids, maturities, star_counts, price, sei_ids, institution_ids, idle = dimensions

    # Industry: the stored class may be a 门类, a 大类 or deeper; count it under its 门类 and (if any) its 大类.
    sections: Counter = Counter()
    divisions: Counter = Counter()
    names: dict[str, str] = {}
    if any(industry_ids):
        rows = IndustryCode.objects.filter(
            Q(pk__in=[pk for pk in industry_ids if pk]) | Q(level__in=(IndustryLevel.SECTION, IndustryLevel.DIVISION))
        ).values_list("pk", "code", "name", "level")
        code_of = {pk: code for pk, code, _name, _level in rows}
        names = {
            code: name for _pk, code, name, level in rows if level in (IndustryLevel.SECTION, IndustryLevel.DIVISION)
        }
        for pk, n in industry_ids.items():
            code = code_of.get(pk)
            if not code:
                continue
            sections[code[0]] += n
            if len(code) >= 3:
                divisions[code[:3]] += n

    # Maturity: legacy values count under their 4-step stage.
    maturity: Counter = Counter()
    for value, n in maturities.items():
        if value:
            maturity[str(MATURITY_STAGE.get(value, value))] += n

    # SEI: a 2021 class counts under its 2018 parent.
    sei: Counter = Counter()
    sei_names: dict[str, str] = {}
    if any(sei_ids):
        rows = list(SEIClass.objects.values_list("pk", "edition", "code", "name", "parent__code"))
        top_of = {pk: (code if edition == SEIEdition.SEI_2018 else parent) for pk, edition, code, _name, parent in rows}
        sei_names = {code: name for _pk, edition, code, name, _parent in rows if edition == SEIEdition.SEI_2018}
        for pk, n in sei_ids.items():
            top = top_of.get(pk)
            if top:
                sei[top] += n

    # Institutions, and provinces through them.
    province: Counter = Counter()
    province_names: dict[str, str] = {}
    institutions = []
    if institution_ids:
        for pk, name, prov_code, prov_name in Institution.objects.filter(pk__in=list(institution_ids)).values_list(
            "pk", "name", "province__code", "province__name"
        ):
            n = institution_ids[pk]
            province[prov_code] += n
            province_names[prov_code] = prov_name
            institutions.append((pk, name, n))
    institutions.sort(key=lambda row: (-row[2], row[1]))

    total = sum(institution_ids.values())
    if intent is None:
        intent = _intent_counts(base) if total else Counter()
    fiscal_idle = idle.get(True, 0)

    def ordered(counter, order):
        return [[key, counter[key]] for key in order if counter.get(key)]

    return {
        "total": total,
        "approximate": approximate,
        "section": [[c, names.get(c, c), n] for c, n in sorted(sections.items())],
        "division": [[c, names.get(c, c), n] for c, n in sorted(divisions.items())],
        "maturity": ordered(maturity, [s.value for s in MATURITY_STAGES]),
        "stars": ordered(star_counts, [5, 4, 3, 2, 1]),
        "sei": [[c, sei_names.get(c, c), n] for c, n in sorted(sei.items())],
        "province": [[c, province_names[c], n] for c, n in sorted(province.items())],
        "institution": [list(row) for row in institutions[:INSTITUTION_FACET_SIZE]],
        "institution_count": len(institutions),
        "intent": ordered(intent, [c.value for c in IntentLevel1]),
        "price_band": ordered(price, [c.value for c in PriceBand]),
        "fiscal_idle": fiscal_idle,
    }


def _scaled(counter: Counter) -> Counter:
    return Counter({key: n * SAMPLE_MODULUS for key, n in counter.items()})


def library_facets(filterset: ResourceFilterSet) -> dict:
    """``compute_facets`` of the filtered library, cached for ``FACET_TTL`` seconds under the normalized filter."""
    key = facet_cache_key(filterset)
    facets = cache.get(key)
    if facets is None:
        facets = compute_facets(filterset.qs)
        cache.set(key, facets, FACET_TTL)
    return facets


def warm_library_facets(param_sets=({},)) -> int:
    """Recompute and cache the facets of the given filters (default: the unfiltered library, the landing page), so
    that no visitor pays for the cold computation — seconds at national scale. Meant for a periodic task running a
    little more often than FACET_TTL. Returns the number of entries written."""
    from django.http import QueryDict

    # The library is the same for every signed-in role; any active account reads it.
    reader = types.SimpleNamespace(is_authenticated=True, is_active=True)
    written = 0
    for params in param_sets:
        data = QueryDict(mutable=True)
        data.update(params)
        filterset = ResourceFilterSet(data, queryset=resource_library_list(user=reader))
        cache.set(facet_cache_key(filterset), compute_facets(filterset.qs), FACET_TTL)
        written += 1
    return written


# -- presenting facets as bars -------------------------------------------------------------------------------------

_LABELS = {
    "maturity": dict(Maturity.choices),
    "stars": dict(ValueStars.choices),
    "intent": dict(IntentLevel1.choices),
    "price_band": dict(PriceBand.choices),
}


def facet_groups(facets: dict, params) -> list[dict]:
    """The facets as groups of bars for the template: label, count, bar width (% of the group's largest count),
    whether the class is the selected one, and the query string that selects (or, when selected, clears) it."""

    def link(param: str, value, *, also_clear=()) -> str:
        q = params.copy()
        for key in ("page", "export", *also_clear):
            q.pop(key, None)
        if str(q.get(param, "")) == str(value):
            q.pop(param, None)
        else:
            q[param] = value
        return q.urlencode()

    def group(param, title, rows, *, also_clear=()):
        if not rows:
            return None
        top = max(n for *_, n in rows) or 1
        bars = []
        for row in rows:
            value, label, n = (row[0], row[1], row[-1]) if len(row) == 3 else (row[0], None, row[-1])
            if label is None:
                label = _LABELS.get(param, {}).get(value, value)
            elif param in ("section", "division", "sei"):
                label = f"{value} {label}"
            bars.append(
                {
                    "value": value,
                    "label": label,
                    "count": n,
                    "width": max(1, round(100 * n / top)) if n else 0,
                    "selected": str(params.get(param, "")).upper() == str(value).upper(),
                    "query": link(param, value, also_clear=also_clear),
                }
            )
        return {"param": param, "title": title, "bars": bars}

    section = str(params.get("section", "")).strip().upper()
    groups = [
        group("section", _("国民经济行业门类"), facets["section"], also_clear=("division",)),
        group(
            "division",
            _("行业大类"),
            [row for row in facets["division"] if row[0].startswith(section)] if section else [],
        ),
        group("maturity", _("技术成熟度"), facets["maturity"]),
        group("stars", _("产业化前景（价值星级）"), facets["stars"]),
        group("sei", _("战略性新兴产业"), facets["sei"]),
        group("province", _("省份"), facets["province"]),
        group("institution", _("单位"), facets["institution"]),
        group("intent", _("转化意愿"), facets["intent"]),
        group("price_band", _("意向价格"), facets["price_band"]),
    ]
    return [g for g in groups if g]
