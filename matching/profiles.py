"""What matching reads, computed once per change: a patent's classes, words and keys; an enterprise's likewise.

A patent's GB/T codes: the 小类 that ``classification.classify`` derives from its IPC codes and texts, kept under the
class the institution declared when it declared one (the national format declares a 门类: the classifier refines
it); the declared class alone when no derived class falls under it; the derived ones when nothing is declared.

Keys (the industry index): a patent is found under every ancestor of its codes down to the matching level
('C3841' → 'g:C', 'g:C38' at 大类 level), under its IPC subclasses ('i:H01M') and SEI classes ('s:3.1'); an
enterprise under each of its codes cut to the matching level ('C3841' → 'g:C38', 'C' → 'g:C') and its fields of
interest. So an enterprise code counts for every patent under it, and pairs sharing no key are never looked at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from classification.classifier import classify
from classification.ipc import parse_ipc
from classification.text import tokenize
from common.bulk import delete_where_in, insert_rows
from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise
from evaluations.choices import MATURITY_STAGE, Maturity
from evaluations.selectors import in_library_q
from patentpool.models import Patent

from .choices import ClassSource
from .models import EnterpriseMatchKey, EnterpriseProfile, PatentClasses, PatentMatchKey

GBT_LENGTHS = (1, 3, 4, 5)  # 门类 C, 大类 C38, 中类 C384, 小类 C3841
MAX_DERIVED = 3  # derived 小类 kept per patent
DERIVED_SHARE = 0.5  # … each at least this share of the best one
MAX_WORDS = 80
MATURITY_POINTS = {
    Maturity.SAMPLE: 2,
    Maturity.TRIAL_PRODUCTION: 4,
    Maturity.SMALL_BATCH: 6,
    Maturity.MASS_PRODUCTION: 8,
}


def match_level() -> int:
    """Length of a GB/T code at the matching level: 3 (大类) unless MATCHING_LEVEL_LENGTH says 1, 4 or 5."""
    return getattr(settings, "MATCHING_LEVEL_LENGTH", 3)


def _fingerprint(*parts) -> str:
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(tokenize(text)))[:MAX_WORDS]


def patent_keys(codes: Iterable[str], ipc: Iterable[str], sei: Iterable[str], level: int) -> set[str]:
    keys = {f"g:{code[:n]}" for code in codes for n in GBT_LENGTHS if n <= min(len(code), level)}
    return keys | {f"i:{code}" for code in ipc} | {f"s:{code}" for code in sei}


def primary_key(codes: list[str], keys: set[str], level: int) -> str:
    if codes:
        return f"g:{codes[0][: min(len(codes[0]), level)]}"
    return min(keys) if keys else ""


def enterprise_keys(codes: Iterable[str], interests: Iterable[str], level: int) -> set[str]:
    keys = {f"g:{code[: min(len(code), level)]}" for code in codes}
    # The level cut never leaves a 中类-length key: 'C384' at 大类 level is 'C38'.
    return keys | {(f"i:{code}" if code[:1].isalpha() else f"s:{code}") for code in interests}


def _top(ranking: list[tuple[str, float]], n: int) -> list[str]:
    if not ranking:
        return []
    best = ranking[0][1]
    return [code for code, score in ranking[:n] if score >= best * DERIVED_SHARE]


def _patent_row_classes(row: dict) -> dict:
    ipc_codes = parse_ipc(" | ".join(filter(None, [row["ipc_main"], row["ipc_others"]])))
    text = " ".join(filter(None, [row["title"], row["products"], row["prospect"]]))
    result = classify(ipc_codes, text)
    derived = _top(result.gbt4754, MAX_DERIVED)
    # A suggested AA (evaluations.suggest) is the classifier's own earlier answer, not a declaration to refine.
    declared = "" if row["industry_suggested"] else (row["industry"] or "")
    if declared:
        under = [code for code in derived if code.startswith(declared)]
        codes, source = (under, ClassSource.BOTH) if under else ([declared], ClassSource.DECLARED)
    else:
        codes, source = derived, ClassSource.DERIVED
    sei = _top(result.sei_2021, 2)
    if row["sei_edition"] == "2021" and row["sei"] and not row["sei_suggested"] and row["sei"] not in sei:
        sei = [row["sei"], *sei]
    subclasses = list(dict.fromkeys(code[:4] for code in ipc_codes))
    if row["ipc_subclass"] and row["ipc_subclass"] not in subclasses:
        subclasses.insert(0, row["ipc_subclass"])
    return {
        "codes": codes,
        "sei": sei,
        "ipc": subclasses[:5],
        "source": source,
        "reason": result.reason[:500],
        "words": _words(text),
    }


PATENT_FIELDS = {
    "id": "id",
    "title": "title",
    "ipc_main": "ipc_main",
    "ipc_others": "ipc_others",
    "ipc_subclass": "ipc_subclass",
    "province": "institution__province_id",
    "products": "assessment__products_advantages",
    "prospect": "assessment__prospect",
    "industry": "assessment__industry__code",
    "sei": "assessment__sei_class__code",
    "sei_edition": "assessment__sei_class__edition",
    "maturity": "assessment__maturity",
    "stars": "assessment__value_stars",
    "industry_suggested": "assessment__industries_suggested",
    "sei_suggested": "assessment__sei_suggested",
}


def refresh_patents(patent_ids: Iterable[int]) -> list[int]:
    """Recompute the classes and keys of these patents where their inputs changed; drop those that left the library.
    Returns the ids whose classes are new or changed (the ones to match again)."""
    ids = list(patent_ids)
    if not ids:
        return []
    level, now = match_level(), timezone.now()
    rows = list(Patent.objects.filter(in_library_q(), pk__in=ids).values(*PATENT_FIELDS.values()))
    known = dict(PatentClasses.objects.filter(pk__in=ids).values_list("pk", "fingerprint"))
    gone = set(known) - {row["id"] for row in rows}
    changed, class_rows, key_rows = [], [], []
    for raw in rows:
        row = {name: raw[column] for name, column in PATENT_FIELDS.items()}
        fingerprint = _fingerprint(level, *row.values())
        if known.get(row["id"]) == fingerprint:
            continue
        found = _patent_row_classes(row)
        stage = MATURITY_STAGE.get(row["maturity"]) if row["maturity"] else None
        changed.append(row["id"])
        keys = patent_keys(found["codes"], found["ipc"], found["sei"], level)
        class_rows.append(
            (
                row["id"],
                "|".join(found["codes"]),
                "|".join(found["sei"]),
                "|".join(found["ipc"]),
                found["source"],
                found["reason"],
                " ".join(found["words"]),
                MATURITY_POINTS.get(stage, 0),
                row["stars"] or 0,
                row["province"],
                primary_key(found["codes"], keys, level),
                fingerprint,
                now,
            )
        )
        key_rows += [(row["id"], key) for key in sorted(keys)]
    with transaction.atomic():
        stale = changed + list(gone)
        delete_where_in(PatentMatchKey, "patent_id", stale)
        delete_where_in(PatentClasses, "patent_id", stale)
        insert_rows(
            PatentClasses,
            [
                "patent_id",
                "gbt4754",
                "sei_2021",
                "ipc",
                "source",
                "reason",
                "words",
                "maturity_points",
                "stars",
                "province_id",
                "primary_key",
                "fingerprint",
                "computed_at",
            ],  # fmt: skip
            class_rows,
        )
        insert_rows(PatentMatchKey, ["patent_id", "key"], key_rows)
    return changed


def refresh_enterprises(enterprise_ids: Iterable[int]) -> list[int]:
    """Recompute the profiles and keys of these enterprises where they changed; drop those no longer approved."""
    ids = list(enterprise_ids)
    if not ids:
        return []
    level, now = match_level(), timezone.now()
    enterprises = (
        Enterprise.objects.filter(pk__in=ids, status=EnterpriseStatus.APPROVED)
        .select_related("main_industry")
        .prefetch_related("industries")
    )
    known = dict(EnterpriseProfile.objects.filter(pk__in=ids).values_list("pk", "fingerprint"))
    seen, changed, profile_rows, key_rows = set(), [], [], []
    for e in enterprises:
        seen.add(e.pk)
        codes = list(
            dict.fromkeys(
                ([e.main_industry.code] if e.main_industry_id else []) + sorted(c.code for c in e.industries.all())
            )
        )
        interests = e.interest_codes()
        fingerprint = _fingerprint(level, codes, interests, e.products, e.technical_needs, e.province_id)
        if known.get(e.pk) == fingerprint:
            continue
        changed.append(e.pk)
        words = _words(f"{e.products} {e.technical_needs}")
        profile_rows.append(
            (e.pk, "|".join(codes), "|".join(interests), " ".join(words), e.province_id, fingerprint, now)
        )
        key_rows += [(e.pk, key) for key in enterprise_keys(codes, interests, level)]
    gone = set(known) - seen
    with transaction.atomic():
        stale = changed + list(gone)
        delete_where_in(EnterpriseMatchKey, "enterprise_id", stale)
        delete_where_in(EnterpriseProfile, "enterprise_id", stale)
        insert_rows(
            EnterpriseProfile,
            ["enterprise_id", "codes", "interests", "words", "province_id", "fingerprint", "computed_at"],
            profile_rows,
        )
        insert_rows(EnterpriseMatchKey, ["enterprise_id", "key"], key_rows)
    return changed


def changed_patent_ids(since) -> list[int]:
    """Patents whose record or self-assessment changed after ``since`` (in the library or leaving it)."""
    return list(
        Patent.objects.filter(Q(updated_at__gt=since) | Q(assessment__updated_at__gt=since)).values_list(
            "pk", flat=True
        )
    )


def changed_enterprise_ids(since) -> list[int]:
    return list(Enterprise.objects.filter(updated_at__gt=since).values_list("pk", flat=True))
