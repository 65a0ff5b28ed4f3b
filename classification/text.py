"""Chinese text → words (jieba) and a small BM25 index over keyword profiles of the classes."""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter

import jieba

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading on every process start

# Words that occur in any patent or class text and say nothing about the industry.
_STOPWORDS_TEXT = (
    "的 和 与 及 或 等 其 其他 以及 一种 一个 用于 基于 方法 装置 系统 设备 制造 生产 加工 制品 产品 包括 指 "
    "本发明 发明 涉及 技术 领域 属于 具体 具体地 尤其 特别 特别是 一种基于 及其 相关 方面 应用 使用 利用 通过 "
    "进行 实现 提供 所述 该 是 在 对 由 中 为 上 下 可 并 将 以 从 不 有 具有 服务 活动 专用 用 类 业 其它 "
    "未列明 不包括 包含 以外 之外 各种 一般 主要 本 此 这 种 个 后 前 时 分 多 新 型 式 性 化"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9\-]+|\d+[A-Za-z]+")


def tokenize(text: str) -> list[str]:
    """Content words of a text: jieba words of two or more characters, Latin terms upper-cased, stopwords removed."""
    if not text:
        return []
    words = []
    for word in jieba.lcut(text):
        word = word.strip()
        if not _WORD.fullmatch(word):
            continue
        word = word.upper() if word.isascii() else word
        if word not in STOPWORDS:
            words.append(word)
    return words


class BM25:
    """Okapi BM25 over a few thousand short class profiles; scores a query's words against every profile."""

    def __init__(self, profiles: dict[str, list[str]], k1: float = 1.2, b: float = 0.5):
        self.k1, self.b = k1, b
        self.docs = {code: Counter(words) for code, words in profiles.items() if words}
        self.lengths = {code: sum(counts.values()) for code, counts in self.docs.items()}
        self.average = sum(self.lengths.values()) / max(len(self.lengths), 1)
        frequency = Counter(word for counts in self.docs.values() for word in counts)
        n = len(self.docs)
        self.idf = {word: math.log(1 + (n - df + 0.5) / (df + 0.5)) for word, df in frequency.items()}
        self.postings: dict[str, list[str]] = {}
        for code, counts in self.docs.items():
            for word in counts:
                self.postings.setdefault(word, []).append(code)

    def scores(self, words: list[str]) -> tuple[dict[str, float], dict[str, set[str]]]:
        """{code: score} for profiles sharing a word with the query, and which query words each matched."""
        scores: dict[str, float] = {}
        matched: dict[str, set[str]] = {}
        for word in set(words):
            idf = self.idf.get(word)
            if idf is None:
                continue
            for code in self.postings[word]:
                tf = self.docs[code][word]
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lengths[code] / self.average))
                scores[code] = scores.get(code, 0.0) + idf * norm
                matched.setdefault(code, set()).add(word)
        return scores, matched


@functools.cache
def gbt_index() -> BM25:
    """Profiles of each GB/T 4754 小类: its name (thrice), notes, and its 中类 and 大类 names."""
    from .tables import gbt_codes

    codes = gbt_codes()
    profiles = {}
    for code, row in codes.items():
        if row["level"] != "小类":
            continue
        group, division = codes.get(code[:4], {}), codes.get(code[:3], {})
        text = " ".join(
            [row["name"]] * 3 + [row["remark"], group.get("name", ""), group.get("name", ""), division.get("name", "")]
        )
        profiles[code] = tokenize(re.sub(r"\[fixed:[^\]]*\]", "", text))
    return BM25(profiles)


@functools.cache
def sei_index() -> BM25:
    """Profiles of each SEI 2021 level-2 class: its name (twice) and the authored keywords in data/."""
    from .tables import SEI_KEYWORDS, read_csv, sei_codes

    keywords = {row["sei_code"]: row["keywords"] for row in read_csv(SEI_KEYWORDS)}
    profiles = {}
    for code, name in sei_codes().items():
        extra = keywords.get(code, "")
        # Keywords as written and as jieba splits them, so a query segmented either way meets them.
        words = tokenize(f"{name} {name}") + extra.upper().split() + tokenize(extra)
        profiles[code] = [word for word in words if word not in STOPWORDS]
    return BM25(profiles)
