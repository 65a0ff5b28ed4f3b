"""Classify a patent into GB/T 4754-2017 小类 and SEI 2021 level-2 classes from its IPC codes and its text.

IPC first: each code is looked up at its most specific prefix in the concordance (subgroup, main group, subclass);
the main (first) code weighs most, since databases and CNIPA's tables classify by it. Text second: jieba words of the
title and technical field scored (BM25) against keyword profiles of the classes, mixed in with a smaller weight; it
decides alone only when there is no IPC code. Pure functions: tables are read once from files, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .ipc import parse_ipc
from .tables import gbt_codes, gbt_concordance, sei_codes, sei_concordance
from .text import gbt_index, sei_index, tokenize

Table = dict[str, dict[str, float]]
Ranking = list[tuple[str, float]]

# Weight of the n-th IPC code (0 = main code); later codes only break ties and fill gaps.
SECONDARY_WEIGHT = 0.15
# How far the text may lift an IPC candidate (GB/T) or add to the IPC scores (SEI); alone it decides without IPC.
TEXT_WEIGHT_GBT = 0.3
TEXT_WEIGHT_SEI = 1.0
TEXT_TOP = 20  # text candidates kept per query: the long tail of weak matches is noise
MAX_GBT = 10
MAX_SEI = 3


@dataclass(frozen=True)
class Classification:
    """Ranked classes, best first, with scores (shares of the total, 0–1), and why."""

    gbt4754: Ranking = field(default_factory=list)  # 小类, e.g. [('C3841', 0.41), ...]
    sections: Ranking = field(default_factory=list)  # 门类
    divisions: Ranking = field(default_factory=list)  # 大类
    groups: Ranking = field(default_factory=list)  # 中类
    sei_2021: Ranking = field(default_factory=list)  # level 2, e.g. [('1.5', 0.7), ...]
    reason: str = ""

    def codes(self, level: str = "gbt4754", n: int | None = None) -> list[str]:
        return [code for code, _ in getattr(self, level)[:n]]


def _lookup(table: Table, code: str) -> tuple[str, dict[str, float]] | None:
    """The entry of the longest table prefix of ``code`` (subgroup 'A61B5/02', main group 'A61B5/', 'A61B')."""
    for end in range(len(code), 2, -1):
        weights = table.get(code[:end])
        if weights:
            return code[:end], weights
    return None


def merge_official(shipped: Table, pairs: Iterable[tuple[str, str]]) -> Table:
    """The shipped table with official (IPC prefix, 小类) pairs on top: where an official prefix matches, it wins.

    Official prefixes come as the loader stores them ('A01B1/' for a main group with its subgroups, 'C01B'); each
    gets its 小类 with equal weight. Shipped rows under or beside them stay for codes the official table lacks.
    """
    official: dict[str, list[str]] = defaultdict(list)
    for prefix, code in pairs:
        prefix = prefix.replace(" ", "").upper().rstrip("*")
        if prefix and code not in official[prefix]:
            official[prefix].append(code)
    if not official:
        return shipped
    merged = dict(shipped)
    for prefix, codes in official.items():
        merged[prefix] = {code: 1.0 / len(codes) for code in codes}
        # A shipped, more specific prefix must not hide the official one: drop those below it.
        for key in [key for key in merged if key != prefix and key.startswith(prefix) and key not in official]:
            del merged[key]
    return merged


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {code: score / total for code, score in scores.items()} if total > 0 else {}


def _from_ipc(codes: list[str], table: Table, relative: bool = True) -> tuple[dict[str, float], list[str]]:
    scores: dict[str, float] = defaultdict(float)
    used = []
    for position, code in enumerate(codes):
        found = _lookup(table, code)
        if found is None:
            continue
        prefix, weights = found
        weight = 1.0 if position == 0 else SECONDARY_WEIGHT / position
        # Relative to the code's best class, not its total: a main code whose industry spans fifteen 小类 must still
        # outweigh a secondary code that points at one.
        best = max(weights.values()) if relative else sum(weights.values())
        for klass, share in weights.items():
            scores[klass] += weight * share / best
        used.append(f"{code}→{prefix}")
    return _normalised(scores), used


def _from_text(words: list[str], index) -> tuple[dict[str, float], dict[str, set[str]]]:
    scores, matched = index.scores(words)
    top = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:TEXT_TOP]
    return _normalised(dict(top)), matched


def _rerank(ipc: dict[str, float], text: dict[str, float], text_weight: float) -> dict[str, float]:
    """GB/T: the text re-ranks the IPC candidates (up to 1 + text_weight times) and never adds classes of its own.

    IPC mass is often spread evenly over many 小类 (a subclass made by a whole 中类); the text picks among them
    without moving mass to other 门类/大类, which the IPC evidence decides far better.
    """
    if not ipc:
        return text
    if not text:
        return ipc
    best = max(text.values())
    return _normalised({code: score * (1 + text_weight * text.get(code, 0.0) / best) for code, score in ipc.items()})


def _combine(ipc: dict[str, float], text: dict[str, float], text_weight: float) -> dict[str, float]:
    """SEI: IPC and text distributions added; SEI classes follow the invention's use, which the text often names."""
    if not ipc:
        return text
    combined = dict(ipc)
    for code, score in text.items():
        combined[code] = combined.get(code, 0.0) + text_weight * score
    return _normalised(combined)


def _ranked(scores: dict[str, float], n: int | None = None) -> Ranking:
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(code, round(score, 4)) for code, score in ranked[:n] if score > 0]


def _rollup(scores: dict[str, float], length: int) -> Ranking:
    """A 小类's score counts under its ancestors: 'C' (length 1), 'C38' (3), 'C384' (4)."""
    totals: dict[str, float] = defaultdict(float)
    for code, score in scores.items():
        totals[code[:length]] += score
    return _ranked(totals)


def classify(
    ipc_codes: str | Iterable[str] | None,
    text: str = "",
    *,
    extra_pairs: Iterable[tuple[str, str]] | None = None,
    gbt_table: Table | None = None,
    sei_table: Table | None = None,
    use_text: bool = True,
) -> Classification:
    """Rank GB/T 4754 小类 (and their 门类/大类/中类) and SEI 2021 level-2 classes for one patent.

    ``ipc_codes``: codes in any usual form, main code first (a '|'-separated string or a list). ``text``: title,
    technical field, products, prospects. ``extra_pairs``: official (IPC prefix, 小类) pairs that take precedence
    over the shipped concordance (see classification.concordance). ``gbt_table``/``sei_table`` replace the shipped
    tables (cross-validation).
    """
    codes = parse_ipc(list(ipc_codes) if ipc_codes is not None and not isinstance(ipc_codes, str) else ipc_codes)
    gbt_tab = gbt_table if gbt_table is not None else gbt_concordance()
    if extra_pairs is not None:
        gbt_tab = merge_official(gbt_tab, extra_pairs)
    sei_tab = sei_table if sei_table is not None else sei_concordance()

    gbt_ipc, used = _from_ipc(codes, gbt_tab)
    sei_ipc, _ = _from_ipc(codes, sei_tab)
    words = tokenize(text) if use_text and text else []
    gbt_text, gbt_matched = _from_text(words, gbt_index()) if words else ({}, {})
    sei_text, sei_matched = _from_text(words, sei_index()) if words else ({}, {})
    gbt = _rerank(gbt_ipc, gbt_text, TEXT_WEIGHT_GBT)
    # Roll-ups weigh each code by its share of the total instead: an industry spread over many 小类 then counts
    # once per code, not once per 小类 (the better 门类/大类 ranking in cross-validation).
    shares = _rerank(_from_ipc(codes, gbt_tab, relative=False)[0], gbt_text, TEXT_WEIGHT_GBT)
    sei = _combine(sei_ipc, sei_text, TEXT_WEIGHT_SEI)

    ranked = _ranked(gbt, MAX_GBT)
    sei_ranked = _ranked(sei, MAX_SEI)
    return Classification(
        gbt4754=ranked,
        sections=_rollup(shares, 1),
        divisions=_rollup(shares, 3),
        groups=_rollup(shares, 4),
        sei_2021=sei_ranked,
        reason=_reason(used, ranked, sei_ranked, gbt_matched, sei_matched),
    )


def _reason(used, ranked, sei_ranked, gbt_matched, sei_matched) -> str:
    """One line, Chinese first: which IPC prefixes and which words led to the top classes."""
    if not ranked and not sei_ranked:
        return "无IPC与文本依据 / no IPC code or text to classify"
    parts = []
    if used:
        parts.append(f"IPC {', '.join(used[:3])}")
    if ranked:
        top = ranked[0][0]
        words = sorted(gbt_matched.get(top, ()))[:4]
        parts.append(f"{top} {gbt_codes()[top]['name']}" + (f"（关键词 {'、'.join(words)}）" if words else ""))
    if sei_ranked:
        top = sei_ranked[0][0]
        words = sorted(sei_matched.get(top, ()))[:4]
        parts.append(f"战新 {top} {sei_codes()[top]}" + (f"（关键词 {'、'.join(words)}）" if words else ""))
    return "; ".join(parts)
