"""Chinese text search without a dictionary: CJK runs become overlapping bigrams, other words lower-cased tokens;
results ranked by where the query's terms occur.

A document 「一种锂电池隔膜」 is stored as 「一种 种锂 锂电 电池 池隔 隔膜」; the query 「锂电池 隔膜」 becomes the
tsquery ``(锂电 <-> 电池) & (隔膜)`` (adjacent bigrams = the exact substring; every term must occur).

The stored text has four parts, ``title|products|prospect|inventors``; the generated column ``search_vector``
(evaluations.0013) weighs them A, B, C, D, and a GIN index over it finds the matches. Ranking is computed over the
matches only (``search_rank_order``): first the number of the query's terms found in the title (a title hit before a
text hit; both terms in the title before one), then ``ts_rank_cd`` over the weighted parts, then the caller's order.

Tokens (``_tokens``): NFKC, lower case; a CJK run → bigrams (a lone character as itself); a run of Greek letters →
one token (``γδ``, ``β``; NFKC turns the micro sign into μ); a run of other letters and digits → one token (``5g``,
``led``; ``4G/5G`` is ``4g 5g``, ``10μm`` is ``10 μ m``); a non-ASCII symbol (``±``, ``°``, ``≤``) → a token of its
own, spelled ``sym<hex>`` because PostgreSQL's parser drops symbols. Punctuation and ASCII symbols are separators.
Other databases fall back to substring matching.
"""

from __future__ import annotations

import operator
import re
import unicodedata

from django.db import NotSupportedError, connection
from django.db.models import Case, F, FloatField, Func, IntegerField, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import Col

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
GREEK = r"\u0370-\u03ff\u1f00-\u1fff"
# A CJK run | a Greek run | a run of other letters and digits | one non-ASCII character that is neither (a symbol or
# punctuation; ``_tokens`` keeps symbols).
TOKEN = re.compile(rf"[{CJK}]+|[{GREEK}]+|[^\W_{CJK}{GREEK}]+|[^\w\s\x00-\x7f]")
IS_CJK = re.compile(rf"[{CJK}]")
# Parts of the stored text, in order, with the weight evaluations.0013 gives each.
PARTS = ("title", "products", "prospect", "inventors")
PART_SEPARATOR = "|"  # an ASCII symbol: never inside a token


def _symbol_token(char: str) -> str:
    return f"sym{ord(char):x}"


def _tokens(text: str) -> list[str]:
    text = text or ""
    # Most text is already in NFKC (the quick check is far cheaper than normalising).
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for run in TOKEN.findall(text.lower()):
        if len(run) > 1:
            # Only a CJK run becomes bigrams; its first character tells (Greek and Latin runs start below U+3400).
            if run[0] >= "\u3400" and IS_CJK.match(run):
                out.extend(map(operator.add, run, run[1:]))
            else:
                out.append(run)
        elif run.isalnum():
            out.append(run)
        elif unicodedata.category(run)[0] == "S":
            out.append(_symbol_token(run))
    return out


def search_tokens(title: str = "", products: str = "", prospect: str = "", inventors: str = "") -> str:
    """The stored search text of a document: its four parts' tokens, ``|`` between parts ("" when all are empty)."""
    parts = [" ".join(_tokens(t)) if t else "" for t in (title, products, prospect, inventors)]
    return PART_SEPARATOR.join(parts) if any(parts) else ""


def search_terms(text: str) -> list[list[str]]:
    """The query's whitespace-separated terms, each as its tokens; terms without a token (punctuation) dropped."""
    return [tokens for tokens in (_tokens(term) for term in (text or "").split()) if tokens]


def _term_query(tokens: list[str], weight: str = "") -> str:
    suffix = f":{weight}" if weight else ""
    return "(" + " <-> ".join(t.replace("'", "") + suffix for t in tokens) + ")"


def search_query(text: str) -> str:
    """A tsquery: every whitespace-separated term must occur (as an exact substring); "" when no term has a token."""
    return " & ".join(_term_query(tokens) for tokens in search_terms(text))


class BigramMatch(Lookup):
    """``search_text__bigrams=<tsquery>``: the row's stored vector (the generated column ``search_vector`` beside
    ``search_text``, evaluations.0013) matches the query. PostgreSQL only.

    A lookup, not raw SQL, so that Django qualifies the column with whatever alias the table has in the query (a
    filtered queryset used as a subquery is re-aliased).
    """

    lookup_name = "bigrams"

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not isinstance(self.lhs, Col):
            raise NotSupportedError("search_text__bigrams needs PostgreSQL and a plain column")
        vector = _vector_sql(compiler, connection, self.lhs)
        rhs, params = self.process_rhs(compiler, connection)
        return f"{vector} @@ to_tsquery('simple'::regconfig, {rhs})", params


def _vector_sql(compiler, connection, col: Col) -> str:
    return f"{compiler.quote_name_unless_alias(col.alias)}.{connection.ops.quote_name('search_vector')}"


class _VectorExpression(Func):
    """SQL over the stored vector of the row that ``path`` (a ``search_text`` column) leads to; ``{vector}`` in
    ``sql`` is replaced by the aliased column, ``%s`` takes ``params``. PostgreSQL only."""

    def __init__(self, path: str, sql: str, params: list, output_field):
        super().__init__(F(path), output_field=output_field)
        self.sql, self.sql_params = sql, list(params)

    def as_sql(self, compiler, connection, **extra_context):
        (col,) = self.get_source_expressions()
        if connection.vendor != "postgresql" or not isinstance(col, Col):
            raise NotSupportedError("search ranking needs PostgreSQL and a plain column")
        return self.sql.replace("{vector}", _vector_sql(compiler, connection, col)), list(self.sql_params)


def search_rank_order(terms: list[list[str]], *, prefix: str = "assessment__") -> list:
    """``order_by`` keys that rank the matches of ``terms`` (PostgreSQL): the number of terms found in the title
    (weight A), then ``ts_rank_cd`` over the weighted parts. The caller appends its own order as the tie-break."""
    path = f"{prefix}search_text"
    title_sql = " + ".join(
        "(CASE WHEN {vector} @@ to_tsquery('simple'::regconfig, %s) THEN 1 ELSE 0 END)" for _ in terms
    )
    title_hits = _VectorExpression(path, title_sql, [_term_query(t, "A") for t in terms], IntegerField())
    query = " & ".join(_term_query(t) for t in terms)
    rank = _VectorExpression(path, "ts_rank_cd({vector}, to_tsquery('simple'::regconfig, %s))", [query], FloatField())
    return [title_hits.desc(), rank.desc()]


def substring_rank_order(text: str, *, title_field: str = "title") -> list:
    """``order_by`` keys for the substring fallback: the number of terms found in the title, more first."""
    terms = (text or "").split()
    hits = sum(
        (Case(When(**{f"{title_field}__icontains": term}, then=Value(1)), default=Value(0)) for term in terms),
        Value(0),
    )
    return [hits.desc()]


def search_filter(qs: QuerySet, text: str, *, prefix: str = "assessment__", fields=(), rank: bool = False) -> QuerySet:
    """Narrow ``qs`` to rows whose indexed text contains every term of ``text``; with ``rank``, order them by
    relevance (``search_rank_order``; the caller's tie-break order goes after, see ``ranked``).

    ``prefix`` leads from ``qs``'s model to the self-assessment (``assessment__`` from patents); ``fields`` are the
    texts the substring fallback searches (the first is the title). A query without any token (only punctuation)
    finds nothing: it must never return the whole library.
    """
    text = (text or "").strip()
    if not text:
        return qs
    terms = search_terms(text)
    if not terms:
        return qs.none()
    single_chars = any(len(t) == 1 and len(t[0]) == 1 and IS_CJK.match(t[0]) for t in terms)
    if connection.vendor == "postgresql" and not single_chars:
        qs = qs.filter(**{f"{prefix}search_text__bigrams": search_query(text)})
        return qs.order_by(*search_rank_order(terms, prefix=prefix)) if rank else qs
    # Substring fallback (SQLite, or a one-character term a bigram cannot match).
    for term in text.split():
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": term})
        qs = qs.filter(q)
    return qs.order_by(*substring_rank_order(text, title_field=fields[0])) if rank and fields else qs


def ranked(qs: QuerySet, tie_break) -> QuerySet:
    """``qs`` ordered by its relevance keys (set by ``search_filter(rank=True)``) and then ``tie_break``; or by
    ``tie_break`` alone when it has no order of its own."""
    keys = list(qs.query.order_by)
    return qs.order_by(*keys, *tie_break)
