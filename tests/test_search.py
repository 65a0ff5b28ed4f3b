"""Tests for common.search's tokenizer: the fast bigram code against the plain definition."""

from __future__ import annotations

import random
import re
import unicodedata

from common.search import CJK, search_query, search_tokens

_PLAIN_TOKEN = re.compile(rf"[{CJK}]+|[a-z0-9]+(?:[.\-/][a-z0-9]+)*")


def plain_tokens(text: str) -> list[str]:
    """The definition: NFKC, lower case; CJK runs as overlapping bigrams (a lone character as itself), words whole."""
    out = []
    for run in _PLAIN_TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if re.match(rf"[{CJK}]", run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def test_tokens_equal_the_plain_definition_on_random_text():
    rng = random.Random(2026)
    alphabet = "一种锂电池隔膜制备方法ＡＢＣ１２３abcXYZ-./ ，。！\t\n　Ⅻ①ﬁ㍿가각é"
    for _ in range(20000):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3)]
        expected = " ".join(" ".join(plain_tokens(t)) for t in texts if t)
        assert search_tokens(*texts) == expected, texts


def test_examples():
    assert search_tokens("一种锂电池隔膜") == "一种 种锂 锂电 电池 池隔 隔膜"
    assert search_tokens("ＬｉＦｅＰＯ４ 电池", "H01M-10/05") == "lifepo4 电池 h01m-10/05"
    assert search_query("锂电池 隔膜") == "(锂电 <-> 电池) & (隔膜)"
