"""The one validator of a market rating: the form, the API and the provincial workbook all read values through it.

Values come as people type them: codes or labels (``5`` / ``五星`` / ``★★★★★``, ``joint_rd`` / ``联合研发``), lists
separated by commas, 、 or | . Every problem is reported per field in Chinese and English; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from evaluations.choices import PriceBand, ValueStars

from .choices import Cooperation, ImprovementNeed, LowRatingReason

FIELDS = (
    "prospect_stars", "improvement_needs", "improvement_text", "cooperation", "low_reasons", "low_reason_text",
    "price_band", "contact_name", "contact_phone", "opinion",
)  # fmt: skip
MAX_LENGTHS = {
    "improvement_text": 500, "low_reason_text": 200, "contact_name": 64, "contact_phone": 64, "opinion": 2000,
}  # fmt: skip
LIST_SEPARATORS = re.compile(r"[,，、;；|\n]+")
STARS_BY_TEXT = {
    **{str(v): v for v in ValueStars.values},
    **{str(label): value for value, label in ValueStars.choices},
    **{"★" * v: v for v in ValueStars.values},
    **{f"{v}星": v for v in ValueStars.values},
}
LOW_STARS = 2  # one or two stars must say why


@dataclass
class FieldError:
    field: str
    message: str
    message_en: str


@dataclass
class Validated:
    """Clean values ready for the model, and every problem found."""

    values: dict = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def message_dict(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for error in self.errors:
            result.setdefault(error.field, []).append(f"{error.message} / {error.message_en}")
        return result


def _text(value, *, fold: bool = True) -> str:
    """A cell or field as text; ``fold`` applies NFKC (full-width digits, letters and stars) for codes and choices,
    never for the free texts people wrote."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return (unicodedata.normalize("NFKC", text) if fold else text).strip()


def _lookup(choices, text: str) -> str | None:
    """A choice's code from its code or its label (either language's label as stored), else None."""
    for value, label in choices:
        if text == str(value) or text == str(label):
            return value
    return None


def _as_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        items = [_text(v) for v in value]
    else:
        items = LIST_SEPARATORS.split(_text(value))
    return [item.strip() for item in items if item and item.strip()]


def validate_evaluation(data: dict, *, require_opinion: bool = False) -> Validated:
    """Check and clean one rating (``data`` may hold codes, labels or raw cell values for each of FIELDS)."""
    result = Validated()
    err = result.errors.append
    raw = {name: data.get(name) for name in FIELDS}

    for name in FIELDS:
        value = raw[name]
        if isinstance(value, str) and "\x00" in value:
            err(FieldError(name, "含有不可见的空字符（NUL）", "contains a NUL character"))
            raw[name] = value.replace("\x00", "")

    stars_text = _text(raw["prospect_stars"])
    stars = STARS_BY_TEXT.get(stars_text)
    if not stars_text:
        err(
            FieldError(
                "prospect_stars", "请选择产业化前景（一星至五星）", "choose the industrialization prospect (1–5)"
            )
        )
    elif stars is None:
        err(
            FieldError(
                "prospect_stars", f"「{stars_text}」不是一星至五星之一", f"'{stars_text}' is not one to five stars"
            )
        )
    result.values["prospect_stars"] = stars

    for name, choices in (("improvement_needs", ImprovementNeed.choices), ("low_reasons", LowRatingReason.choices)):
        codes = []
        for item in _as_list(raw[name]):
            code = _lookup(choices, item)
            if code is None:
                options = "、".join(str(label) for _, label in choices)
                err(FieldError(name, f"「{item}」不是可选项（{options}）", f"'{item}' is not an option"))
            elif code not in codes:
                codes.append(code)
        result.values[name] = codes

    cooperation_text = _text(raw["cooperation"])
    cooperation = _lookup(Cooperation.choices, cooperation_text)
    if not cooperation_text:
        err(FieldError("cooperation", "请选择合作意愿", "choose the willingness to cooperate"))
    elif cooperation is None:
        err(
            FieldError(
                "cooperation", f"「{cooperation_text}」不是合作意愿之一", f"'{cooperation_text}' is not a choice"
            )
        )
    result.values["cooperation"] = cooperation or ""

    price_text = _text(raw["price_band"])
    price = _lookup(PriceBand.choices, price_text) if price_text else ""
    if price is None:
        err(FieldError("price_band", f"「{price_text}」不是可选的价格区间", f"'{price_text}' is not a price band"))
    result.values["price_band"] = price or ""

    for name in ("improvement_text", "low_reason_text", "contact_name", "contact_phone", "opinion"):
        text = _text(raw[name], fold=False)
        if len(text) > MAX_LENGTHS[name]:
            err(
                FieldError(
                    name,
                    f"不能超过 {MAX_LENGTHS[name]} 个字（现 {len(text)} 字）",
                    f"at most {MAX_LENGTHS[name]} characters ({len(text)} given)",
                )
            )
        result.values[name] = text[: MAX_LENGTHS[name]]

    if stars is not None and stars <= LOW_STARS and not result.values["low_reasons"]:
        err(FieldError("low_reasons", "一星、二星须选择低评原因", "a one- or two-star rating needs its reasons"))
    if LowRatingReason.OTHER in result.values["low_reasons"] and not result.values["low_reason_text"]:
        err(FieldError("low_reason_text", "选择「其他」时请说明原因", "say what the other reason is"))
    if (
        cooperation
        and cooperation != Cooperation.NONE
        and not (result.values["contact_name"] and result.values["contact_phone"])
    ):
        err(
            FieldError("contact_name", "有合作意愿时请填写联系人和联系方式", "give a contact when willing to cooperate")
        )
    if require_opinion and not result.values["opinion"]:
        err(FieldError("opinion", "请填写专家意见", "write the expert opinion"))
    return result
