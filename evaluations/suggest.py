"""Suggested AA 国民经济行业分类 and AC 战新分类 of a patent, from ``classification.classify`` (its IPC codes and texts).

Most institutions leave AA and AC blank. The form and the import then fill them with the classifier's suggestion,
stored on the assessment with ``industries_suggested`` / ``sei_suggested`` set, so that the library filters, counts
and matches by them, while the national format (form values, export, completeness check) still reads them as blank:
a suggestion is the platform's, not the institution's declaration, until the institution saves it.

AA: one code at the deepest level the classifier is sure of — the best 小类 when it holds at least SURE_SHARE of the
evidence, else the best 中类, else the best 大类 (an IPC subclass often spreads evenly over a whole 中类's 小类, and a
guessed 小类 would look more precise than it is). AC: the best SEI 2021 level-2 class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from classification.classifier import classify
from classification.ipc import parse_ipc

SURE_SHARE = 0.4  # share of the classifier's evidence a class needs to be suggested at its level


@dataclass(frozen=True)
class Suggestion:
    industry: str = ""  # a GB/T 4754 code at any level ('C38', 'C3841'), '' when there is nothing to go on
    sei: str = ""  # a SEI 2021 level-2 code ('3.3'), ''


def ipc_text(*values: str) -> list[str]:
    """The IPC codes of a patent, main first, from any of its IPC fields ('H01M10/0525 | H01M4/62', 'H01M 电池')."""
    return parse_ipc(" | ".join(value for value in values if value))


def suggest(ipc_codes: Iterable[str], text: str = "") -> Suggestion:
    """The suggested AA code and AC class for a patent with these IPC codes (main first) and text."""
    codes = list(ipc_codes)
    if not codes and not text.strip():
        return Suggestion()
    result = classify(codes, text)
    industry = ""
    for ranking in (result.gbt4754, result.groups):
        if ranking and ranking[0][1] >= SURE_SHARE:
            industry = ranking[0][0]
            break
    else:
        industry = result.divisions[0][0] if result.divisions else ""
    return Suggestion(industry=industry, sei=result.sei_2021[0][0] if result.sei_2021 else "")


class SuggestionCache:
    """Suggestions for many patents (an import) from their IPC codes alone: each distinct IPC set is classified once."""

    def __init__(self):
        self._seen: dict[tuple[str, ...], Suggestion] = {}

    def get(self, ipc_codes: Iterable[str]) -> Suggestion:
        key = tuple(ipc_codes)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = suggest(key)
        return found


def patent_text(title: str, products: str = "", prospect: str = "") -> str:
    return " ".join(part for part in (title, products, prospect) if part)


def suggest_for_patent(patent, assessment=None) -> Suggestion:
    """The suggestion for a stored patent (its IPC fields, title and the assessment's products and prospect)."""
    ipc = ipc_text(patent.ipc_main, patent.ipc_others, assessment.ipc_field if assessment is not None else "")
    if not ipc and patent.ipc_subclass:
        ipc = ipc_text(patent.ipc_subclass)
    text = patent_text(
        patent.title,
        assessment.products_advantages if assessment is not None else "",
        assessment.prospect if assessment is not None else "",
    )
    return suggest(ipc, text)


def form_suggestion(patent, record) -> Suggestion:
    """What the self-assessment form suggests for the AA / AC that ``record`` (the stored national-format record)
    leaves blank: the stored suggestion when the import made one, else the classifier's now; '' where the
    institution's own value stands."""
    if record.industry_section and record.sei_class:
        return Suggestion()
    assessment = getattr(patent, "assessment", None)
    stored = Suggestion(
        industry=assessment.industry.code
        if assessment and assessment.industries_suggested and assessment.industry_id
        else "",
        sei=assessment.sei_class.code if assessment and assessment.sei_suggested and assessment.sei_class_id else "",
    )
    fresh = suggest_for_patent(patent, assessment) if not (stored.industry and stored.sei) else Suggestion()
    return Suggestion(
        industry="" if record.industry_section else (stored.industry or fresh.industry),
        sei="" if record.sei_class else (stored.sei or fresh.sei),
    )
