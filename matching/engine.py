"""Scoring a block of candidates: patents and enterprises that share one key of the industry index.

Score out of 100, the same for a pair whichever block it is scored in:
- class (up to 40): the deepest GB/T code the two share — 小类 40, 中类 34, 大类 28, 门类 16 — or 24 for a shared
  field of interest (IPC subclass, SEI class), whichever is more;
- text (up to 40): cosine of the patent's words (title, products, prospect) and the enterprise's (products, needs),
  each word weighed by jieba's IDF table, so rare technical words count and common ones barely;
- facts: technology maturity (2–8), value stars (1.6 each, up to 8), same province (4).
Pairs under ``MIN_SCORE`` are not pushed; a patent goes to at most ``PER_PATENT`` enterprises (its best across all its keys). The reason
names the shared class, the shared field, the best shared words and the province.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from classification.tables import gbt_codes

from .profiles import GBT_LENGTHS

CLASS_POINTS = {5: 40.0, 4: 34.0, 3: 28.0, 1: 16.0}
INTEREST_POINTS = 24.0
TEXT_POINTS = 40.0
STAR_POINTS = 1.6
SAME_PROVINCE_POINTS = 4.0
MIN_SCORE = 45.0
PER_PATENT = 10  # enterprises per patent
PER_ENTERPRISE = 30  # patents for a newly registered or edited enterprise
ENTERPRISE_SLICE = 4000  # enterprises scored at once (bounds the score matrix)
KEYWORDS_IN_REASON = 3


@functools.cache
def _idf():
    import jieba.analyse

    table = jieba.analyse.default_tfidf
    return table.idf_freq, table.median_idf


def idf(word: str) -> float:
    table, median = _idf()
    return table.get(word, median)


@dataclass(frozen=True)
class PatentRow:
    id: int
    codes: tuple[str, ...]
    fields: frozenset[str]  # 'i:H01M', 's:3.1'
    words: tuple[str, ...]
    facts: float  # maturity and stars points
    province_id: int | None

    @functools.cached_property
    def prefixes(self) -> frozenset[str]:
        return frozenset(_patent_prefixes(self.codes))

    @functools.cached_property
    def norm(self) -> float:
        return max(float(np.sqrt(sum(idf(w) ** 2 for w in self.words))), 1e-9)

    @functools.cached_property
    def ranked_words(self) -> tuple[str, ...]:
        """Its distinct words, rarest first (the order of the reason's keywords): ranked once per patent, not per
        pair."""
        return tuple(sorted(set(self.words), key=lambda w: (-idf(w), w)))


@dataclass(frozen=True)
class EnterpriseRow:
    id: int
    codes: tuple[str, ...]
    fields: frozenset[str]
    words: tuple[str, ...]
    province_id: int | None

    level: int = 3  # the matching level its codes are cut to

    @functools.cached_property
    def prefixes(self) -> frozenset[str]:
        return frozenset(_enterprise_prefixes(self.codes, self.level))

    @functools.cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)


def patent_row(patent_id, gbt4754, ipc, sei, words, maturity_points, stars, province_id) -> PatentRow:
    fields = {f"i:{c}" for c in ipc.split("|") if c} | {f"s:{c}" for c in sei.split("|") if c}
    return PatentRow(
        patent_id,
        tuple(c for c in gbt4754.split("|") if c),
        frozenset(fields),
        tuple(words.split()),
        float(maturity_points) + STAR_POINTS * stars,
        province_id,
    )


def enterprise_row(enterprise_id, codes, interests, words, province_id, level: int = 3) -> EnterpriseRow:
    fields = {(f"i:{c}" if c[:1].isalpha() else f"s:{c}") for c in interests.split("|") if c}
    return EnterpriseRow(
        enterprise_id,
        tuple(c for c in codes.split("|") if c),
        frozenset(fields),
        tuple(words.split()),
        province_id,
        level,
    )


def _patent_prefixes(codes) -> set[str]:
    return {code[:n] for code in codes for n in GBT_LENGTHS if n <= len(code)}


def _enterprise_prefixes(codes, level: int) -> set[str]:
    """An enterprise code counts for the patents under it, cut to the matching level at the coarsest."""
    return {code[:n] for code in codes for n in GBT_LENGTHS if min(len(code), level) <= n <= len(code)}


def _class_matrix(patents, enterprises, level: int) -> np.ndarray:
    points = np.zeros((len(patents), len(enterprises)), dtype=np.float32)
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(patents):
        for prefix in p.prefixes:
            by_prefix[prefix].append(i)
    ent_prefix: dict[str, list[int]] = defaultdict(list)
    for j, e in enumerate(enterprises):
        for prefix in e.prefixes:
            ent_prefix[prefix].append(j)
    for prefix, cols in ent_prefix.items():
        rows = by_prefix.get(prefix)
        if rows:
            block = np.ix_(rows, cols)
            points[block] = np.maximum(points[block], CLASS_POINTS[len(prefix)])
    by_field: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(patents):
        for key in p.fields:
            by_field[key].append(i)
    ent_field: dict[str, list[int]] = defaultdict(list)
    for j, e in enumerate(enterprises):
        for key in e.fields:
            ent_field[key].append(j)
    for key, cols in ent_field.items():
        rows = by_field.get(key)
        if rows:
            block = np.ix_(rows, cols)
            points[block] = np.maximum(points[block], INTEREST_POINTS)
    return points


def _text_matrix(patents, enterprises) -> np.ndarray:
    vocabulary: dict[str, int] = {}
    for e in enterprises:
        for word in e.words:
            vocabulary.setdefault(word, len(vocabulary))
    if not vocabulary:
        return np.zeros((len(patents), len(enterprises)), dtype=np.float32)
    table, median = _idf()
    weights = np.array([table.get(w, median) for w in vocabulary], dtype=np.float32)
    ent = np.zeros((len(enterprises), len(vocabulary)), dtype=np.float32)
    for j, e in enumerate(enterprises):
        ent[j, [vocabulary[w] for w in e.words]] = 1.0
    ent *= weights
    ent /= np.maximum(np.linalg.norm(ent, axis=1, keepdims=True), 1e-9)
    pat = np.zeros((len(patents), len(vocabulary)), dtype=np.float32)
    norms = np.ones(len(patents), dtype=np.float32)
    for i, p in enumerate(patents):
        cols = [vocabulary[w] for w in p.words if w in vocabulary]
        if cols:
            pat[i, cols] = weights[cols]
        norms[i] = p.norm
    return (pat @ ent.T) / norms[:, None]


def score_matrix(patents: list[PatentRow], enterprises: list[EnterpriseRow], level: int) -> np.ndarray:
    scores = _class_matrix(patents, enterprises, level)
    candidates = scores > 0
    scores += TEXT_POINTS * _text_matrix(patents, enterprises)
    scores += np.array([p.facts for p in patents], dtype=np.float32)[:, None]
    patent_provinces = np.array([p.province_id or -1 for p in patents])
    enterprise_provinces = np.array([e.province_id or -2 for e in enterprises])
    # Added in float32 where the provinces match (bit for bit what adding the float64 0/4 matrix gave, without it).
    np.add(scores, SAME_PROVINCE_POINTS, out=scores, where=patent_provinces[:, None] == enterprise_provinces[None, :])
    scores[~candidates] = 0.0
    return scores


def best_per_patent(patents, enterprises, level: int, per_patent: int = PER_PATENT) -> list[tuple[int, int, float]]:
    """(patent index, enterprise index, score): each patent's best enterprises at or above MIN_SCORE.

    Enterprises are scored in slices so the matrix stays small; each slice's best are merged into a running best.
    """
    best_scores = np.full((len(patents), 0), -1.0, dtype=np.float32)
    best_cols = np.zeros((len(patents), 0), dtype=np.int64)
    for start in range(0, len(enterprises), ENTERPRISE_SLICE):
        part = enterprises[start : start + ENTERPRISE_SLICE]
        scores = score_matrix(patents, part, level)
        k = min(per_patent, len(part))
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        best_scores = np.concatenate([best_scores, top_scores], axis=1)
        best_cols = np.concatenate([best_cols, top + start], axis=1)
        if best_scores.shape[1] > per_patent:
            keep = np.argpartition(-best_scores, per_patent - 1, axis=1)[:, :per_patent]
            best_scores = np.take_along_axis(best_scores, keep, axis=1)
            best_cols = np.take_along_axis(best_cols, keep, axis=1)
    rows, slots = np.nonzero(best_scores >= MIN_SCORE)
    return [(int(i), int(best_cols[i, s]), float(best_scores[i, s])) for i, s in zip(rows, slots, strict=True)]


def best_per_enterprise(patents, enterprise: EnterpriseRow, level: int, limit: int = PER_ENTERPRISE):
    """(patent index, score): the enterprise's best patents at or above MIN_SCORE, best first."""
    scores = score_matrix(patents, [enterprise], level)[:, 0]
    order = np.argsort(-scores, kind="stable")[:limit]
    return [(int(i), float(scores[i])) for i in order if scores[i] >= MIN_SCORE]


@functools.lru_cache(maxsize=4096)
def _class_part(shared: frozenset[str]) -> str:
    """The reason's class part for a set of shared prefixes (few distinct sets: computed once each)."""
    code = max(shared, key=lambda c: (len(c), c))
    return f"行业匹配：{code} {gbt_codes().get(code, {}).get('name', '')}".rstrip()


def reason(patent: PatentRow, enterprise: EnterpriseRow, level: int) -> str:
    """行业匹配：C38 电气机械和器材制造业；关注领域：H01M；关键词：锂电池、隔膜；同省"""
    parts = []
    shared = patent.prefixes & enterprise.prefixes
    if shared:
        parts.append(_class_part(frozenset(shared)))
    fields = sorted(patent.fields & enterprise.fields)
    if fields:
        parts.append("关注领域：" + "、".join(key[2:] for key in fields[:3]))
    shared_words, ranked = enterprise.word_set, []
    for word in patent.ranked_words:
        if word in shared_words:
            ranked.append(word)
            if len(ranked) == KEYWORDS_IN_REASON:
                break
    if ranked:
        parts.append("关键词：" + "、".join(ranked))
    if patent.province_id is not None and patent.province_id == enterprise.province_id:
        parts.append("同省")
    return "；".join(parts)
