"""Chinese text search without a dictionary: CJK runs become overlapping bigrams, other words lower-cased tokens.

A document 「一种锂电池隔膜」 is stored as 「一种 种锂 锂电 电池 池隔 隔膜」; the query 「锂电池 隔膜」 becomes the
tsquery ``锂电 <-> 电池 & 隔膜`` (adjacent bigrams = the exact substring). PostgreSQL answers it from a GIN index
over the stored column ``search_vector`` = ``to_tsvector('simple', search_text)`` (evaluations.0010); other databases
fall back to substring matching.
"""

from __future__ import annotations

import operator
import re
import unicodedata

from django.db import NotSupportedError, connection
from django.db.models import Lookup, Q, QuerySet
from django.db.models.expressions import Col

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{CJK}]+|[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
IS_CJK = re.compile(rf"[{CJK}]")


def _tokens(text: str) -> list[str]:
    text = text or ""
    # Most text is already in NFKC (the quick check is far cheaper than normalising).
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for run in TOKEN.findall(text.lower()):
        # TOKEN's second branch is ASCII only, so a run is CJK exactly when its first character is not ASCII.
        if run[0] > "\x7f" and len(run) > 1:
            out.extend(map(operator.add, run, run[1:]))
        else:
            out.append(run)
    return out


def search_tokens(*texts: str) -> str:
    """The stored search text of a document made of ``texts``."""
    return " ".join(" ".join(_tokens(t)) for t in texts if t)


def _term_query(term: str) -> str:
    tokens = _tokens(term)
    if not tokens:
        return ""
    return "(" + " <-> ".join(t.replace("'", "") for t in tokens) + ")"


def search_query(text: str) -> str:
    """A tsquery: every whitespace-separated term must occur (as an exact substring)."""
    parts = [_term_query(term) for term in text.split()]
    return " & ".join(p for p in parts if p)


class BigramMatch(Lookup):
    """``search_text__bigrams=<tsquery>``: the row's stored vector (the generated column ``search_vector`` beside
    ``search_text``, evaluations.0010) matches the query. PostgreSQL only.

    A lookup, not raw SQL, so that Django qualifies the column with whatever alias the table has in the query (a
    filtered queryset used as a subquery is re-aliased).
    """

    lookup_name = "bigrams"

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not isinstance(self.lhs, Col):
            raise NotSupportedError("search_text__bigrams needs PostgreSQL and a plain column")
        vector = f"{compiler.quote_name_unless_alias(self.lhs.alias)}.{connection.ops.quote_name('search_vector')}"
        rhs, params = self.process_rhs(compiler, connection)
        return f"{vector} @@ to_tsquery('simple'::regconfig, {rhs})", params


def search_filter(qs: QuerySet, text: str, *, prefix: str = "assessment__", fields=()) -> QuerySet:
    """Narrow ``qs`` to rows whose indexed text contains every term of ``text``.

    ``prefix`` leads from ``qs``'s model to the self-assessment (``assessment__`` from patents); ``fields`` are the
    texts the substring fallback searches.
    """
    text = (text or "").strip()
    if not text:
        return qs
    terms = text.split()
    single_chars = any(len(_tokens(t)) == 1 and len(t.strip()) == 1 and IS_CJK.match(t.strip()) for t in terms)
    if connection.vendor == "postgresql" and not single_chars:
        query = search_query(text)
        if not query:
            return qs
        return qs.filter(**{f"{prefix}search_text__bigrams": query})
    # Substring fallback (SQLite, or a one-character term a bigram cannot match).
    for term in terms:
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": term})
        qs = qs.filter(q)
    return qs
