"""The one validator of a self-assessment (自评) in the national format, shared by the importer and the form.

Two layers, both pure functions over plain values (no database, no settings, no translation machinery):

* **Readers** turn what a person typed (a cell, a form field) into the typed values of an
  :class:`~institutions.inventory_format.InventoryRecord`: official labels into codes, '是/否' into bools, text into
  Decimals. They are forgiving only where the reading is unambiguous (``5星`` or ``★★★★★`` for 五星, ``0-10万元`` for
  ``0-10万``, ``制造业`` or ``C`` for the 门类 C) and raise :class:`FieldError` otherwise. ``parse_*`` read one value;
  :func:`implementation_from_cells` and :func:`intent_from_cells` read one row's L–O and P–Q.
* :func:`validate_record` checks the rules of the format over one patent's typed values and returns every
  :class:`Problem` it finds (it never stops at the first). Each problem names the field key of
  ``inventory_format.COLUMNS`` (hence the column letter) and, for the multi-row parts, which implementation state or
  intent it is about.

Decisions where the national template is silent:

* Skip rule: when any implementation state is 即将放弃专利权 / 涉及权属纠纷 / 其他不适宜转化的情况, columns P onwards
  (intents, price, contact, maturity, stars, scenario) are not required; whatever is filled there is still validated,
  because it is stored and shown.
* The evaluation-report state (实用新型专利、外观设计专利已有专利权评价报告) on an invention patent is an error: CNIPA
  issues 专利权评价报告 only for utility models and designs.
* Level 2 (M, Q) is optional. Free text that is not an option is a custom description where the level 1 allows
  自定义; a known option of another level 1 is an error (not custom text). The placeholder
  “自定义（请勿勾选，请直接填写）” picked without any text of one's own is an error: the template asks for the text.
* Column N must stay blank for states that take nothing there (尚未实施, the three skip states); for a free-text
  (custom) level 1 it may hold an amount.
* Amounts and fees are 万元, ≥ 0, at most two decimals.
* A bundle (H–J) needs its application numbers (I) and a name (H); duplicates in I are dropped silently.
* With 一星/二星, or with stars unknown, Z and AB are not required; with three stars or more they are.
* ``fiscally_funded is None`` means column K was left blank (a required column).
* 无, 暂无, /, -, —, N/A, 不适用 and 无需填写 read as blank in every column (so 无 in a required column is "required").
* 战新分类 takes the nine top-level names, the 2021 classes' names, the codes, and a code with its name
  (``1 新一代信息技术产业``, ``1.5 人工智能``): a 2018 top-level code '1'–'9' or a 2021 code such as '1.5' (人工智能 is
  1.5, kept at its level). 国民经济行业分类 takes GB/T 4754 codes or names of any level, several per patent
  (``I6571 | I6572``), each kept at its own level.
* R–W belong to the conversion intent on their row; a patent with intents is checked intent by intent (U–W required
  for each unless a skip state applies). A patent whose rows leave L onward blank (``assessment_blank``) is only
  inventoried: its self-assessment is not checked.
* 意向合作城市: each item is 省级-地级 with a real province-level name (full or short: 浙江省 / 浙江, 广西壮族自治区 /
  广西, 新疆生产建设兵团); ``浙江省杭州市`` without the dash is split after the province name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evaluations.choices import (
    AMOUNT_STATES,
    IMPLEMENTATION_LEVEL2_BY_LEVEL1,
    INTENT_LEVEL2_BY_LEVEL1,
    MATURITY_STAGES,
    PRODUCT_NAME_STATES,
    SKIP_REST_STATES,
    ImplementationLevel1,
    ImplementationLevel2,
    IntentLevel1,
    IntentLevel2,
    Maturity,
    PriceBand,
    ValueStars,
)
from evaluations.record import (
    COLUMN_BY_KEY,
    INTENT_TERM_KEYS,
    MAX_BUNDLE_NUMBERS,
    MAX_INTENDED_ENTERPRISES,
    ImplementationEntry,
    IntentEntry,
    InventoryRecord,
)
from patentpool.choices import LegalStatus, PatentType
from reference.appno import ApplicationNumber, ApplicationNumberError
from reference.files import read_reference_csv

__all__ = [
    "AMOUNT_MAX",
    "FEE_MAX",
    "GBT4754_CODES",
    "GBT4754_SECTIONS",
    "IMPLEMENTATION_KEYS",
    "INTENT_KEYS",
    "INTENT_TERMS",
    "SEI_2018_TOP_LEVEL",
    "SEI_2021_CODES",
    "FieldError",
    "Problem",
    "has_terms",
    "implementation_from_cells",
    "intent_from_cells",
    "is_blank_placeholder",
    "parse_application_number",
    "parse_bool",
    "parse_bundle_numbers",
    "parse_cities",
    "parse_decimal",
    "parse_enterprises",
    "parse_industry_section",
    "parse_legal_status",
    "parse_maturity",
    "parse_price_band",
    "parse_sei_class",
    "parse_value_stars",
    "parse_years_maintained",
    "split_list",
    "validate_record",
]

# Field keys whose problems point at one implementation state / one intent (Problem.entry indexes the list).
IMPLEMENTATION_KEYS = frozenset({"impl_level1", "impl_level2", "impl_value", "impl_remark"})
INTENT_KEYS = frozenset({"intent_level1", "intent_level2"})
# R–W: problems of these keys with an ``entry`` are about that intent's terms; without one, about the patent's.
INTENT_TERMS = frozenset(INTENT_TERM_KEYS)

# The database columns behind the amounts (evaluations.models): DecimalField(14, 2) and DecimalField(12, 2).
AMOUNT_MAX = Decimal("999999999999.99")
_CENT = Decimal("0.01")
FEE_MAX = Decimal("9999999999.99")
CUSTOM_TEXT_MAX = 255  # ImplementationStatus.custom_text / ConversionIntent.custom_text
YEARS_MAINTAINED_MAX = 25  # a 20-year term plus at most 5 years of term compensation

# GB/T 4754-2017 门类 (as the template's hidden sheet 其他 lists them) and the 战略性新兴产业分类 (2018) top level with
# the 2021 classes (a 2021 name reads as that class, kept at its level): from the same shipped files the reference
# tables are loaded from. Column AA takes codes of every level of GB/T 4754 (GBT4754_CODES).
GBT4754_SECTIONS: dict[str, str] = {
    row["code"]: row["name"] for row in read_reference_csv("gbt4754_2017_industry_codes.csv") if row["level"] == "门类"
}
GBT4754_CODES: dict[str, str] = {
    row["code"]: row["name"] for row in read_reference_csv("gbt4754_2017_industry_codes.csv")
}
SEI_2018_TOP_LEVEL: dict[str, str] = {row["code"]: row["name"] for row in read_reference_csv("sei_2018_top_level.csv")}
SEI_2021_CODES: dict[str, str] = {row["sei_code"]: row["sei_name"] for row in read_reference_csv("sei_2021_codes.csv")}

# Province-level divisions for 意向合作城市 ("XX省-XX市"): full name → short name.
_PROVINCES: dict[str, str] = {
    "北京市": "北京",
    "天津市": "天津",
    "河北省": "河北",
    "山西省": "山西",
    "内蒙古自治区": "内蒙古",
    "辽宁省": "辽宁",
    "吉林省": "吉林",
    "黑龙江省": "黑龙江",
    "上海市": "上海",
    "江苏省": "江苏",
    "浙江省": "浙江",
    "安徽省": "安徽",
    "福建省": "福建",
    "江西省": "江西",
    "山东省": "山东",
    "河南省": "河南",
    "湖北省": "湖北",
    "湖南省": "湖南",
    "广东省": "广东",
    "广西壮族自治区": "广西",
    "海南省": "海南",
    "重庆市": "重庆",
    "四川省": "四川",
    "贵州省": "贵州",
    "云南省": "云南",
    "西藏自治区": "西藏",
    "陕西省": "陕西",
    "甘肃省": "甘肃",
    "青海省": "青海",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "新疆生产建设兵团": "兵团",
    "台湾省": "台湾",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
_PROVINCE_NAMES = frozenset(_PROVINCES) | frozenset(_PROVINCES.values()) - {"兵团"}
# Longest first, so that 新疆生产建设兵团 wins over 新疆 when a city is written without the dash.
_PROVINCE_PREFIXES = sorted(_PROVINCE_NAMES, key=len, reverse=True)


# --------------------------------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One broken rule, tied to a field key of ``inventory_format.COLUMNS``.

    ``entry`` is the index into ``implementation_states`` (keys L–O) or ``intents`` (keys P–Q) when the problem is
    about one of them, None when it is about the patent as a whole.
    """

    key: str
    message: str
    message_en: str
    code: str = "invalid"
    entry: int | None = None

    @property
    def column(self) -> str:
        """The column letter in the national layout, e.g. 'N'."""
        return COLUMN_BY_KEY[self.key].letter


class FieldError(ValueError):
    """A value that cannot be read, with a stable code and messages in Chinese and English."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(code, message, message_en)
        self.code = code
        self.message = message
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message} / {self.message_en}"

    def to_problem(self, key: str, entry: int | None = None) -> Problem:
        return Problem(key, self.message, self.message_en, self.code, entry)


def _header(key: str) -> str:
    return COLUMN_BY_KEY[key].header


def _required(key: str, entry: int | None = None, *, why: str = "", why_en: str = "") -> Problem:
    return Problem(
        key,
        f"“{_header(key)}”必须填写{why}",
        f"“{_header(key)}” (column {COLUMN_BY_KEY[key].letter}) is required{why_en}",
        "required",
        entry,
    )


# --------------------------------------------------------------------------------------------------------------------
# Text helpers

# Full-width ASCII (and the ideographic / no-break space) as ASCII; zero-width characters dropped. Shared with the
# workbook reader's normalisers.
FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
FULLWIDTH.update({0x3000: " ", 0x00A0: " "})
# Hyphens and dashes U+2010–2015, minus U+2212, two- and three-em dashes, wave dash, small and small-form dashes.
_DASHES = dict.fromkeys((*range(0x2010, 0x2016), 0x2212, 0x2E3A, 0x2E3B, 0x301C, 0xFE58, 0xFE63), "-")
_DASHES.update({ord("~"): "-", ord("～"): "-"})
ZERO_WIDTH = dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))
# For matching typed values against labels: punctuation that people vary freely is dropped.
_KEY_DROP = {ord(c): None for c in "、,，;；/／·:：'\"“”‘’()（）[]【】《》<>「」*＊_"}
_KEY_TABLE = {**FULLWIDTH, **ZERO_WIDTH, **_KEY_DROP}
_LIST_SEPARATORS = re.compile(r"[,，、;；\n\r]+")

# Cells that mean "nothing here".
_BLANK_PLACEHOLDERS = frozenset({"无", "暂无", "/", "-", "--", "—", "——", "n/a", "na", "无需填写", "不适用"})
_PLACEHOLDER_MAX_LENGTH = 4


def _text(value: object) -> str:
    """Any cell value as stripped text; Excel numbers without a spurious '.0'."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


@functools.lru_cache(maxsize=8192)
def _key_of(text: str) -> str:
    folded = text.translate(_KEY_TABLE).translate(_DASHES)
    return "".join(folded.split()).lower()


def _key(value: object) -> str:
    """The form a typed value is matched in: half-width, no whitespace, no free punctuation, dashes unified."""
    return _key_of(_text(value))


def is_blank_placeholder(value: object) -> bool:
    """Whether a value is empty or one of the placeholders people write for 'nothing' (无, /, 无需填写 …)."""
    text = value.strip() if value.__class__ is str else _text(value)
    if not text:
        return True
    if len(text) > _PLACEHOLDER_MAX_LENGTH:
        return False
    return text in _BLANK_PLACEHOLDERS or _key_of(text) in _BLANK_PLACEHOLDERS


def split_list(value: object) -> list[str]:
    """Items of a comma-separated cell; full-width commas, 、, semicolons and line breaks separate too.

    The items themselves are kept as written (an enterprise's name keeps its full-width brackets).
    """
    return [item.strip() for item in _LIST_SEPARATORS.split(_text(value)) if item.strip()]


def _source_label(choice) -> str:
    """The untranslated label of a Choices member (its gettext msgid), without needing Django settings."""
    label = choice.label
    args = getattr(label, "_args", None)
    return args[0] if args else str(label)


def _quote(value: object, limit: int = 40) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------------------------------
# Vocabularies


def _label_map(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    mapping = {_key_of(_source_label(member)): member.value for member in choices}
    mapping.update({_key_of(member.value): member.value for member in choices})
    for text, code in (extra or {}).items():
        mapping[_key_of(text)] = code
    return mapping


_L1, _L2, _I1, _I2 = ImplementationLevel1, ImplementationLevel2, IntentLevel1, IntentLevel2
LABELS: dict[str, dict[str, str]] = {
    "impl_level1": {m.value: _source_label(m) for m in _L1},
    "impl_level2": {m.value: _source_label(m) for m in _L2},
    "intent_level1": {m.value: _source_label(m) for m in _I1},
    "intent_level2": {m.value: _source_label(m) for m in _I2},
    "maturity": {m.value: _source_label(m) for m in Maturity},
    "price_band": {m.value: _source_label(m) for m in PriceBand},
    "value_stars": {m.value: _source_label(m) for m in ValueStars},
    "legal_status": {m.value: _source_label(m) for m in LegalStatus},
}

_IMPL_L1 = _label_map(
    _L1,
    {
        # The wording of the template's own N header.
        "实用新型、外观设计专利已有专利权评价报告": _L1.EVALUATION_REPORT,
        "已有专利权评价报告": _L1.EVALUATION_REPORT,
    },
)
_IMPL_L2 = _label_map(
    _L2,
    {"已通过技术服务合同或开发合同约定由合作企业实现产业化": _L2.PARTNER_INDUSTRIALIZED},
)
_IMPL_L1.pop(_key_of("custom"))
_IMPL_L1.pop(_key_of("自定义"))
_IMPL_L2.pop(_key_of("custom"))
_IMPL_L2.pop(_key_of("自定义"))
_INTENT_L1 = _label_map(_I1, {"许可": _I1.LICENSE, "转让": _I1.TRANSFER, "自行应用或产业化": _I1.SELF_APPLY})
_INTENT_L1.update({_key_of("自行产业化"): _I1.SELF_APPLY, _key_of("拟自行产业化"): _I1.SELF_APPLY})
_INTENT_L2 = _label_map(_I2)
_INTENT_L2.pop(_key_of("custom"))
_INTENT_L2.pop(_key_of("自定义"))
# Either half of a current stage's label (「小批量生产」 for 「小批量生产、工程应用阶段」) names that stage alone.
_MATURITY = _label_map(
    Maturity,
    {half: member.value for member in MATURITY_STAGES for half in _source_label(member).split("、")},
)
_MATURITY_PROMPT = _key_of("请选择技术成熟度")

_IMPL_ALLOWED = {str(k.value): tuple(v.value for v in vs) for k, vs in IMPLEMENTATION_LEVEL2_BY_LEVEL1.items()}
_INTENT_ALLOWED = {str(k.value): tuple(v.value for v in vs) for k, vs in INTENT_LEVEL2_BY_LEVEL1.items()}
_SKIP_STATES = frozenset(s.value for s in SKIP_REST_STATES)
_AMOUNT_STATES = frozenset(s.value for s in AMOUNT_STATES)
_PRODUCT_NAME_STATES = frozenset(s.value for s in PRODUCT_NAME_STATES)

# 自定义, optionally followed by the template's (repeated) “（请勿勾选，请直接填写）” and a separator, then the text.
_CUSTOM_RE = re.compile(
    r"^自定义(?:\s*[(（]\s*请勿勾选\s*[,，]?\s*请直接填写\s*[)）])*[\s:：\-—,，、]*(.*)$", re.DOTALL
)


def _custom_text(text: str) -> str | None:
    """The user's own words if ``text`` is the 自定义 option (possibly with text after it), else None."""
    match = _CUSTOM_RE.match(text)
    return match.group(1).strip() if match else None


# --------------------------------------------------------------------------------------------------------------------
# Readers of single values


def parse_application_number(value: object) -> ApplicationNumber:
    """An application number in any written form (see patentpool.appno); FieldError if invalid."""
    try:
        return ApplicationNumber.parse(value.strip() if isinstance(value, str) else value)
    except ApplicationNumberError as exc:
        raise FieldError(exc.code, exc.message, exc.message_en) from None


_TRUE = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "是的"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "x", "不是"})


def parse_bool(value: object) -> bool | None:
    """是/否 (also Y/N, yes/no, TRUE/FALSE, 1/0, √/×); None when blank."""
    if isinstance(value, bool):
        return value
    if is_blank_placeholder(value):
        return None
    key = _key(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise FieldError(
        "invalid_choice", f"“{_quote(value)}”应为“是”或“否”", f"“{_quote(value)}” must be 是 (yes) or 否 (no)"
    )


_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def parse_decimal(value: object) -> Decimal | None:
    """A number of 万元: an Excel number, or text such as ``12.5``, ``12.5万``, ``12.5万元``, ``1,200``; None if blank.

    Range and precision are rules of :func:`validate_record`, not of reading.
    """
    if isinstance(value, bool):
        raise _not_a_number(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _not_a_number(value)
        # repr() is the shortest text that round-trips, so 0.1 stays 0.1 instead of 0.1000000000000000055…
        return Decimal(repr(value)).normalize() if not value.is_integer() else Decimal(int(value))
    if is_blank_placeholder(value):
        return None
    text = _text(value).translate(FULLWIDTH)
    text = "".join(text.split()).removeprefix("¥").removeprefix("￥").removeprefix("RMB")
    for suffix in ("万元人民币", "万元", "万"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    if _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        raise _not_a_number(value)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regular expression already guarantees a number
        raise _not_a_number(value) from None


def _not_a_number(value: object) -> FieldError:
    return FieldError(
        "not_a_number",
        f"“{_quote(value)}”不是数字：只填写以万元为单位的数字，例如 12.5",
        f"“{_quote(value)}” is not a number: write an amount in 万元 (10,000 yuan) as digits, e.g. 12.5",
    )


def parse_years_maintained(value: object) -> int | None:
    """维持年限: a whole number of years (``5``, ``5年``, 5.0); None when blank."""
    if isinstance(value, bool):
        raise _not_whole_years(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _not_whole_years(value)
    if is_blank_placeholder(value):
        return None
    text = "".join(_text(value).translate(FULLWIDTH).split()).removesuffix("年")
    if text.isascii() and text.isdigit():
        return int(text)
    if re.fullmatch(r"\d+\.0+", text):
        return int(text.split(".")[0])
    raise _not_whole_years(value)


def _not_whole_years(value: object) -> FieldError:
    return FieldError(
        "not_an_integer",
        f"维持年限“{_quote(value)}”应为整数年，例如 5",
        f"Years maintained “{_quote(value)}” must be a whole number, e.g. 5",
    )


_LEGAL_STATUS_EXACT = {
    **{_key_of(word): LegalStatus.VALID.value for word in ("有效", "授权", "专利权维持", "维持", "授权有效", "有权")},
    **{_key_of(m.value): m.value for m in LegalStatus},
    **{_key_of(_source_label(m)): m.value for m in LegalStatus},
}
# Checked in this order, on the labels patent databases and CNIPA's register use: 期限届满 before 有效 (有效期届满),
# a termination for unpaid fees (未缴年费专利权终止，等恢复) is a lapse, the unpaid-fee grace period alone is not;
# 部分无效 leaves the patent in force.
_LEGAL_STATUS_WORDS = (
    (("届满",), LegalStatus.EXPIRED.value),
    (("放弃",), LegalStatus.ABANDONED.value),
    (("驳回",), LegalStatus.REJECTED.value),
    (("撤回",), LegalStatus.WITHDRAWN.value),
    (("全部无效",), LegalStatus.INVALIDATED.value),
    (("部分无效",), LegalStatus.VALID.value),
    (("失效", "终止", "权利终止", "无效"), LegalStatus.LAPSED.value),
    (("未缴年费", "等年费", "年费滑", "滞纳"), LegalStatus.FEE_GRACE.value),
    (("有效", "权利恢复", "专利权恢复", "权利转移", "专利权转移"), LegalStatus.VALID.value),
)


def parse_legal_status(value: object) -> str:
    """法律状态 → LegalStatus code; blank counts as valid (the inventory is of valid patents)."""
    if is_blank_placeholder(value):
        return LegalStatus.VALID.value
    key = _key(value)
    code = _LEGAL_STATUS_EXACT.get(key)
    if code is not None:
        return code
    for words, code in _LEGAL_STATUS_WORDS:
        if any(word in key for word in words):
            return code
    raise FieldError(
        "invalid_choice",
        f"法律状态“{_quote(value)}”无法识别：应为“有效”“未缴年费（滞纳期）”“失效”“届满”“放弃”“全部无效”“驳回”或“撤回”"
        "（盘点的是已授权专利，审中的申请不入库）",
        f"Legal status “{_quote(value)}” is not recognised: expected 有效 (valid), 未缴年费（滞纳期） (fee grace "
        "period), 失效 (lapsed), 届满 (expired), 放弃 (abandoned), 全部无效 (invalidated), 驳回 (rejected) or 撤回 "
        "(withdrawn); the inventory is of granted patents, pending applications are not taken",
    )


_PRICE_BANDS = _label_map(PriceBand)
for _member in PriceBand:
    if _member.value not in (PriceBand.NEGOTIABLE, PriceBand.OVER_100):
        _low, _high = _member.value.split("-")
        for _form in (f"{_low}-{_high}", f"{_low}万-{_high}万", f"{_low}万元-{_high}万元", f"{_low}-{_high}万元"):
            _PRICE_BANDS[_key_of(_form)] = _member.value
for _form in ("面议", "价格面议", "协商", "面谈"):
    _PRICE_BANDS[_key_of(_form)] = PriceBand.NEGOTIABLE.value
for _form in ("100万元以上", "100以上", ">100万", ">100", "≥100万", "100万+", "100+万", "大于100万", "100万以上（含）"):
    _PRICE_BANDS[_key_of(_form)] = PriceBand.OVER_100.value


def parse_price_band(value: object) -> str:
    """意向价格 → PriceBand code; '' when blank. Accepts ``0～10万元``, ``0-10``, ``面议`` and the like."""
    if is_blank_placeholder(value):
        return ""
    code = _PRICE_BANDS.get(_key(value))
    if code is None:
        options = "、".join(LABELS["price_band"].values())
        raise FieldError(
            "invalid_choice",
            f"意向价格“{_quote(value)}”不是可选项：{options}",
            f"Price band “{_quote(value)}” is not one of the options: {options}",
        )
    return code


def parse_maturity(value: object) -> str:
    """技术成熟度 → Maturity code (current 4-step or old 6-step list); '' when blank or the '请选择…' prompt."""
    if is_blank_placeholder(value):
        return ""
    key = _key(value)
    if key == _MATURITY_PROMPT:
        return ""
    code = _MATURITY.get(key)
    if code is None:
        raise FieldError(
            "invalid_choice",
            f"技术成熟度“{_quote(value)}”不是可选项：样品、实验阶段 / 试生产、应用开发阶段 / 小批量生产、工程应用阶段 / "
            "批量生产、成熟应用阶段（或旧选项 技术构思、正在研发、已有样品、通过小试、通过中试、可以量产）",
            f"Technology maturity “{_quote(value)}” is not one of the options of the template",
        )
    return code


_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_STARS_RE = re.compile(r"([1-5一二两三四五])(?:颗)?星(?:级)?")


def parse_value_stars(value: object) -> int | None:
    """专利价值分级自评 → 1–5; None when blank. Accepts 五星, 5星, 5颗星, 5, ★★★★★ and ★★★☆☆ (three)."""
    if isinstance(value, bool):
        raise _bad_stars(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1 <= value <= 5:
            return int(value)
        raise _bad_stars(value)
    if is_blank_placeholder(value):
        return None
    key = _key(value)
    if key.isascii() and key.isdigit() and 1 <= int(key) <= 5 and len(key) == 1:
        return int(key)
    match = _STARS_RE.fullmatch(key)
    if match:
        digit = match.group(1)
        return int(digit) if digit.isdigit() else _CHINESE_DIGITS[digit]
    if key and set(key) <= {"★", "☆"} and "★" in key and (len(key) == 5 or "☆" not in key):
        filled = key.count("★")
        if key == "★" * filled + "☆" * (len(key) - filled) and filled <= 5:
            return filled
    raise _bad_stars(value)


def _bad_stars(value: object) -> FieldError:
    return FieldError(
        "invalid_choice",
        f"专利价值分级自评“{_quote(value)}”不是可选项：五星、四星、三星、二星、一星",
        f"Value rating “{_quote(value)}” is not one of 五星, 四星, 三星, 二星, 一星 (five to one stars)",
    )


_SECTIONS_BY_KEY = {_key_of(name): letter for letter, name in GBT4754_SECTIONS.items()}


def _industry_name_codes() -> dict[str, str]:
    """Every GB/T 4754 name → its code; a name several levels share (a 中类 with a single 小类) → the broadest."""
    codes: dict[str, str] = {}
    for code, name in GBT4754_CODES.items():
        key = _key_of(name)
        if key not in codes or len(code) < len(codes[key]):
            codes[key] = code
    return codes


_INDUSTRY_NAMES = _industry_name_codes()
_INDUSTRY_CODE_RE = re.compile(r"([A-Ta-t])(\d{2,4})?")
_INDUSTRY_SEPARATORS = re.compile(r"[|｜,，、;；\n\r]+")


def _industry_code(piece: str) -> str | None:
    """One GB/T 4754 code from one piece of column AA (``C3491``, ``C39``, ``C``, ``C 制造业``, ``制造业``, a 大类 or 小类
    name, ``制造业（C）``); None when it names none."""
    key = _key_of(piece)
    if not key:
        return None
    code = _INDUSTRY_NAMES.get(key)
    if code:
        return code
    match = _INDUSTRY_CODE_RE.match(key)
    if match:
        code = match.group(1).upper() + (match.group(2) or "")
        rest = key[match.end() :].lstrip("-.")
        if code in GBT4754_CODES and (not rest or _INDUSTRY_NAMES.get(rest) == code):
            return code
    # "制造业C", "制造业（C）": the name first, the code after it.
    match = re.search(r"([a-t])(\d{2,4})?$", key)
    if match:
        code = match.group(1).upper() + (match.group(2) or "")
        if code in GBT4754_CODES and _INDUSTRY_NAMES.get(key[: match.start()].rstrip("-.")) == code:
            return code
    return None


def parse_industry_section(value: object) -> str:
    """国民经济行业分类 → GB/T 4754 codes, each at its own level, ``|``-joined in the order given (duplicates dropped).

    Accepts codes of any level (``C``, ``C39``, ``C391``, ``C3491``), a code with its name (``C 制造业``), a name of any
    level (``制造业``, ``人工智能``'s 小类 …), several separated by ``|``, commas, 、 or semicolons
    (``I6571 | I6572 | I6579``). A piece that names no class is an error naming that piece.
    """
    if is_blank_placeholder(value):
        return ""
    text = _text(value)
    code = _industry_code(text)  # a whole name with commas in it (农、林、牧、渔业) is one class
    if code:
        return code
    codes, bad = [], []
    for piece in _INDUSTRY_SEPARATORS.split(text):
        if not piece.strip():
            continue
        code = _industry_code(piece)
        if code is None:
            bad.append(piece.strip())
        elif code not in codes:
            codes.append(code)
    if bad or not codes:
        shown = "、".join(_quote(b) for b in bad) or _quote(value)
        raise FieldError(
            "invalid_choice",
            f"国民经济行业分类“{shown}”不是 GB/T 4754-2017 的类别：填写门类、大类、中类或小类的代码或名称"
            "（如“C”“制造业”“C39”“C3491”），多个用“|”分隔",
            f"Industry “{shown}” is not a GB/T 4754-2017 class: give the code or name of a section, division, group "
            "or class (e.g. C, 制造业, C39, C3491), several separated by '|'",
        )
    return "|".join(codes)


_SEI_BY_KEY = {_key_of(name): code for code, name in SEI_2021_CODES.items()}
_SEI_BY_KEY.update({_key_of(name): code for code, name in SEI_2018_TOP_LEVEL.items()})  # a top-level name wins
_SEI_BY_KEY.update({_key_of(code): code for code in (*SEI_2018_TOP_LEVEL, *SEI_2021_CODES)})
_SEI_CODE_RE = re.compile(r"(\d(?:\.\d{1,2})?)\s*(.*)")


def parse_sei_class(value: object) -> str:
    """战新分类 → a 2018 top-level code ('1'–'9') or a 2021 code ('1.5'): the nine top-level names, the 2021 names,
    the codes, or a code with its name (``1 新一代信息技术产业``, ``1.5 人工智能``)."""
    if is_blank_placeholder(value):
        return ""
    if isinstance(value, float):  # 1.5 typed into a number cell
        value = repr(value)
    text = _text(value)
    code = _SEI_BY_KEY.get(_key(text))
    if code is None:
        match = _SEI_CODE_RE.fullmatch(text.translate(FULLWIDTH).strip())
        if match and match.group(1) in _SEI_BY_KEY:
            candidate = _SEI_BY_KEY[match.group(1)]
            name = match.group(2).strip()
            if not name[:1].isdigit() and (not name or _SEI_BY_KEY.get(_key_of(name)) == candidate):
                code = candidate
    if code is None:
        options = "、".join(SEI_2018_TOP_LEVEL.values())
        raise FieldError(
            "invalid_choice",
            f"战新分类“{_quote(value)}”不是战略性新兴产业分类的类别：一级类为 {options}，或 2021 版的代码与名称"
            "（如“1.5 人工智能”）",
            f"Strategic emerging industry “{_quote(value)}” is not a class: a top-level class ({options}) or a 2021 "
            "code and name (e.g. 1.5 人工智能)",
        )
    return code


def parse_bundle_numbers(value: object) -> list[str]:
    """组合专利信息 → canonical application numbers, duplicates dropped; FieldError naming every invalid one.

    Numbers are separated by commas (half- or full-width), 、, semicolons or line breaks; a piece that is not a
    number but splits on spaces into valid numbers is read as several.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(parse_application_number(value))]
    if is_blank_placeholder(value):
        return []
    numbers: list[str] = []
    bad: list[tuple[str, FieldError]] = []
    for piece in _LIST_SEPARATORS.split(_text(value)):
        piece = piece.strip()
        if not piece:
            continue
        try:
            numbers.append(str(parse_application_number(piece)))
        except FieldError as exc:
            parts = piece.split()
            if len(parts) > 1 and all(ApplicationNumber.is_valid(p) for p in parts):
                numbers.extend(str(ApplicationNumber.parse(p)) for p in parts)
            else:
                bad.append((piece, exc))
    if bad:
        raise FieldError(
            bad[0][1].code if len(bad) == 1 else "invalid_numbers",
            "组合专利信息中有无效的申请号：" + "；".join(exc.message for _, exc in bad),
            "Invalid application numbers in the bundle: " + "; ".join(exc.message_en for _, exc in bad),
        )
    return list(dict.fromkeys(numbers))


def _split_city(item: str) -> tuple[str, str] | None:
    if "-" in item:
        province, _, city = item.partition("-")
        return province.strip(), city.strip()
    for prefix in _PROVINCE_PREFIXES:
        if item.startswith(prefix) and len(item) > len(prefix):
            return prefix, item[len(prefix) :]
    return None


def parse_cities(value: object) -> str:
    """意向合作城市 → "省-市,省-市": full-width commas and dashes read as their ASCII forms, ``浙江省杭州市`` as
    ``浙江省-杭州市``. The province must be a province-level division (full or short name)."""
    if is_blank_placeholder(value):
        return ""
    items = []
    for item in split_list(_text(value).translate(FULLWIDTH).translate(_DASHES)):
        split = _split_city("".join(item.split()))
        items.append(f"{split[0]}-{split[1]}" if split else item)
    return ",".join(items)


def parse_enterprises(value: object) -> str:
    """意向合作企业 → names joined by ',' (full-width commas, 、 and semicolons separate too)."""
    if is_blank_placeholder(value):
        return ""
    return ",".join(split_list(value))


# --------------------------------------------------------------------------------------------------------------------
# Readers of one row's implementation state (L–O) and conversion intent (P–Q)


def implementation_from_cells(
    level1: object, level2: object = "", value: object = "", remark: object = ""
) -> tuple[ImplementationEntry | None, list[Problem]]:
    """Read columns L, M, N, O of one row. Returns (entry, problems); entry is None when L cannot be read.

    Labels become codes without checking that M belongs to L (that is :func:`validate_record`'s rule). N goes to
    ``amount_wan``, ``product_name`` or ``evaluation_result`` according to the state.
    """
    l1_text = _text(level1)
    if is_blank_placeholder(l1_text):
        if is_blank_placeholder(level2) and is_blank_placeholder(value) and is_blank_placeholder(remark):
            return None, []
        return None, [_required("impl_level1", why="（该行填写了实施状态的其他列）", why_en=" (this row fills M–O)")]
    l1, l2, custom_text, problem = _implementation_states(l1_text, _text(level2))
    if problem is not None:
        return None, [problem]
    remark_text = _text(remark)
    entry = ImplementationEntry(
        level1=l1,
        level2=l2,
        custom_text=custom_text,
        remark="" if is_blank_placeholder(remark_text) else remark_text,
    )
    problems: list[Problem] = []
    if not is_blank_placeholder(value):
        if l2 in _PRODUCT_NAME_STATES:
            entry.product_name = _text(value)
        elif l1 in _AMOUNT_STATES or l1 == _L1.CUSTOM:
            try:
                entry.amount_wan = parse_decimal(value)
            except FieldError as exc:
                problems.append(exc.to_problem("impl_value"))
        elif l1 == _L1.EVALUATION_REPORT:
            entry.evaluation_result = _text(value)
        else:
            problems.append(_n_not_expected(l1))
    return entry, problems


@functools.lru_cache(maxsize=4096)
def _implementation_states(l1_text: str, l2_text: str) -> tuple[str, str, str, Problem | None]:
    """(level1, level2, custom_text, problem) of a non-blank L and an M; cached, files repeat a few dozen pairs."""
    l1_key = _key_of(l1_text)
    code = _IMPL_L1.get(l1_key)
    custom_text = ""
    if code is not None:
        level1 = code
    else:
        custom = _custom_text(l1_text)
        if custom is None and (l1_key in _IMPL_L2 or l1_key in _INTENT_L1 or l1_key in _INTENT_L2):
            where = "M 列（二级状态描述）" if l1_key in _IMPL_L2 else "P、Q 列（转化意愿）"
            where_en = "column M (level 2)" if l1_key in _IMPL_L2 else "columns P–Q (conversion intent)"
            problem = Problem(
                "impl_level1",
                f"“{_quote(l1_text)}”不是一级实施状态，应填在{where}",
                f"“{_quote(l1_text)}” is not a level-1 implementation state; it belongs in {where_en}",
                "wrong_column",
            )
            return "", "", "", problem
        # 自定义 picked (maybe with text after it), or free text: the template's "type your own state here".
        level1, custom_text = _L1.CUSTOM.value, (custom if custom is not None else l1_text)

    level2 = ""
    if not is_blank_placeholder(l2_text):
        code2 = _IMPL_L2.get(_key_of(l2_text))
        if code2 is not None:
            level2 = code2
        elif level1 == _L1.CUSTOM:
            level2 = _L2.CUSTOM.value  # validate_record reports that a custom level 1 has no level 2
        else:
            custom2 = _custom_text(l2_text)
            level2, custom_text = _L2.CUSTOM.value, (custom2 if custom2 is not None else l2_text)
    return level1, level2, custom_text, None


def _n_not_expected(level1: str, entry: int | None = None) -> Problem:
    label = LABELS["impl_level1"].get(level1, level1)
    return Problem(
        "impl_value",
        f"一级实施状态为“{label}”时，“金额（万元）/评价结果/产品名称”应留空",
        f"Column N (amount / evaluation result / product name) must be blank for the state “{label}”",
        "not_expected",
        entry,
    )


def intent_from_cells(level1: object, level2: object = "") -> tuple[IntentEntry | None, list[Problem]]:
    """Read columns P, Q of one row. Returns (entry, problems); entry is None when P cannot be read."""
    l1, l2, custom_text, problem = _intent_states(_text(level1), _text(level2))
    if problem is not None:
        return None, [problem]
    if not l1:
        return None, []
    return IntentEntry(level1=l1, level2=l2, custom_text=custom_text), []


@functools.lru_cache(maxsize=4096)
def _intent_states(l1_text: str, l2_text: str) -> tuple[str, str, str, Problem | None]:
    """(level1, level2, custom_text, problem) of P and Q; level1 is '' when both are blank."""
    if is_blank_placeholder(l1_text):
        if is_blank_placeholder(l2_text):
            return "", "", "", None
        problem = _required("intent_level1", why="（该行填写了转化意愿（二级））", why_en=" (this row fills column Q)")
        return "", "", "", problem
    l1_key = _key_of(l1_text)
    code = _INTENT_L1.get(l1_key)
    if code is None:
        hint, hint_en = "", ""
        if l1_key in _INTENT_L2:
            hint, hint_en = "；这是二级转化意愿，应填在 Q 列", "; this is a level-2 intent and belongs in column Q"
        elif l1_key in _IMPL_L1 or l1_key in _IMPL_L2:
            hint, hint_en = (
                "；这是实施状态，应填在 L、M 列",
                "; this is an implementation state and belongs in columns L–M",
            )
        problem = Problem(
            "intent_level1",
            f"转化意愿（一级）“{_quote(l1_text)}”不是可选项：拟许可、拟转让、拟自行应用或产业化{hint}",
            f"Conversion intent “{_quote(l1_text)}” is not one of 拟许可, 拟转让, 拟自行应用或产业化{hint_en}",
            "wrong_column" if hint else "invalid_choice",
        )
        return "", "", "", problem
    if is_blank_placeholder(l2_text):
        return code, "", "", None
    code2 = _INTENT_L2.get(_key_of(l2_text))
    if code2 is not None:
        return code, code2, "", None
    custom = _custom_text(l2_text)
    return code, _I2.CUSTOM.value, (custom if custom is not None else l2_text), None


# --------------------------------------------------------------------------------------------------------------------
# The rules


def rules_out_conversion(states) -> bool:
    """Whether implementation states (anything with ``level1``) rule conversion out (about to be abandoned,
    disputed, unsuitable): such a patent is inventoried but never offered, and P onwards may stay blank."""
    return any(state.level1 in _SKIP_STATES for state in states)


def validate_record(record: InventoryRecord, *, patent_type: str | None = None) -> list[Problem]:
    """Every problem of one patent's self-assessment (roughly in column order); [] when it is complete and consistent.

    ``patent_type`` ('invention' / 'utility_model' / 'design') may be passed by a caller that has already parsed
    ``record.application_number``; then the number is taken as valid and not parsed again.
    """
    problems: list[Problem] = []
    add = problems.append

    # B and the basic columns
    if patent_type is None:
        if not record.application_number:
            add(_required("application_number"))
        else:
            try:
                patent_type = parse_application_number(record.application_number).patent_type
            except FieldError as exc:
                add(exc.to_problem("application_number"))
    _check_lengths(
        record,
        (
            "title",
            "inventors",
            "org_unit",
            "bundle_name",
            "bundle_description",
            "products_advantages",
            "prospect",
            "ipc_field",
        ),
        add,
    )
    if record.legal_status and record.legal_status not in LABELS["legal_status"]:
        add(_not_an_option("legal_status", record.legal_status))
    years = record.years_maintained
    if years is not None and not 0 <= years <= YEARS_MAINTAINED_MAX:
        add(
            Problem(
                "years_maintained",
                f"维持年限 {years} 不合理，应在 0 至 {YEARS_MAINTAINED_MAX} 之间",
                f"Years maintained {years} is implausible; expected 0 to {YEARS_MAINTAINED_MAX}",
                "out_of_range",
            )
        )
    _check_bundle(record, add)
    if record.fiscally_funded is None:
        add(_required("fiscally_funded"))
    if record.assessment_blank:
        # L onward left blank: the patent is inventoried and its self-assessment is left to fill.
        return problems

    # L–O
    if not record.implementation_states:
        add(_required("impl_level1"))
    for index, entry in enumerate(record.implementation_states):
        _check_implementation(entry, index, patent_type, add)
    # 即将放弃专利权 / 涉及权属纠纷 / 其他不适宜转化的情况: P onwards may be blank, but is validated when filled.
    skip = rules_out_conversion(record.implementation_states)

    # P–Q
    if not record.intents and not skip:
        add(_required("intent_level1"))
    for index, entry in enumerate(record.intents):
        _check_intent(entry, index, add)

    # R–W: each intent's own terms; an intent that gives none takes the patent's (its first row's, the form's block),
    # which are checked once, as are those of a patent without an intent.
    own = [index for index, entry in enumerate(record.intents) if has_terms(entry)]
    if len(own) < len(record.intents) or not record.intents:
        _check_terms(record, None, skip, add)
    for index in own:
        _check_terms(record.intents[index], index, skip, add)
    # X–AD
    if not record.maturity and not skip:
        add(_required("maturity"))
    if record.maturity and record.maturity not in LABELS["maturity"]:
        add(_not_an_option("maturity", record.maturity))
    stars = record.value_stars
    if stars is None:
        if not skip:
            add(_required("value_stars"))
    elif stars not in LABELS["value_stars"]:
        add(_not_an_option("value_stars", stars))
    elif stars >= 3 and not skip:
        for key in ("products_advantages", "prospect"):
            if not getattr(record, key):
                add(_required(key, why="（三星及以上）", why_en=" for three stars or more"))
    if record.industry_section and any(code not in GBT4754_CODES for code in record.industry_section.split("|")):
        add(_not_an_option("industry_section", record.industry_section))
    if record.sei_class and record.sei_class not in SEI_2018_TOP_LEVEL and record.sei_class not in SEI_2021_CODES:
        add(_not_an_option("sei_class", record.sei_class))
    return problems


def has_terms(entry: IntentEntry) -> bool:
    """Whether an intent gives any of R–W itself."""
    return any(value is not None and value != "" for value in entry.terms())


def _check_terms(terms, entry: int | None, skip: bool, add) -> None:
    """Columns R–W of one intent (``entry``), or of a patent without an intent (``entry`` None)."""
    for key in INTENT_TERM_KEYS:
        limit = COLUMN_BY_KEY[key].max_length
        value = getattr(terms, key)
        if limit is not None and value and len(value) > limit:
            add(_too_long(key, len(value), limit, entry))
    _check_decimal("fee_standard_wan", terms.fee_standard_wan, FEE_MAX, add, entry)
    if terms.intended_cities:
        _check_cities(terms.intended_cities, add, entry)
    if terms.intended_enterprises:
        names = split_list(terms.intended_enterprises)
        if len(names) > MAX_INTENDED_ENTERPRISES:
            add(
                Problem(
                    "intended_enterprises",
                    f"意向合作企业最多填写 {MAX_INTENDED_ENTERPRISES} 个，这里有 {len(names)} 个",
                    f"At most {MAX_INTENDED_ENTERPRISES} intended enterprises, found {len(names)}",
                    "too_many",
                    entry,
                )
            )
    for key in ("price_band", "contact_name", "contact_phone"):
        if not getattr(terms, key) and not skip:
            add(_required(key, entry))
    if terms.price_band and terms.price_band not in LABELS["price_band"]:
        add(_not_an_option("price_band", terms.price_band, entry))
    if terms.contact_phone and not _looks_like_contact(terms.contact_phone):
        add(
            Problem(
                "contact_phone",
                f"联系方式“{_quote(terms.contact_phone)}”应包含电话号码或电子邮箱",
                f"Contact “{_quote(terms.contact_phone)}” must contain a phone number or an e-mail address",
                "invalid_contact",
                entry,
            )
        )


def _not_an_option(key: str, value: object, entry: int | None = None) -> Problem:
    return Problem(
        key,
        f"“{_header(key)}”的值“{_quote(value)}”不是可选项",
        f"“{_quote(value)}” is not an option of “{_header(key)}” (column {COLUMN_BY_KEY[key].letter})",
        "invalid_choice",
        entry,
    )


def _too_long(key: str, length: int, limit: int, entry: int | None = None) -> Problem:
    return Problem(
        key,
        f"“{_header(key)}”最多 {limit} 个字符，这里有 {length} 个",
        f"“{_header(key)}” (column {COLUMN_BY_KEY[key].letter}) takes at most {limit} characters, found {length}",
        "too_long",
        entry,
    )


def _check_lengths(record: InventoryRecord, keys: Iterable[str], add) -> None:
    for key in keys:
        limit = COLUMN_BY_KEY[key].max_length
        value = getattr(record, key)
        if limit is not None and value and len(value) > limit:
            add(_too_long(key, len(value), limit))


def _check_decimal(key: str, value: Decimal | None, maximum: Decimal, add, entry: int | None = None) -> None:
    if value is None:
        return
    if not value.is_finite():
        add(Problem(key, "金额应为数字", "The amount must be a number", "not_a_number", entry))
    elif value < 0:
        add(
            Problem(
                key,
                f"“{_header(key)}”不能为负数（{value}）",
                f"“{_header(key)}” (column {COLUMN_BY_KEY[key].letter}) cannot be negative ({value})",
                "out_of_range",
                entry,
            )
        )
    elif value > maximum:
        add(
            Problem(
                key,
                f"“{_header(key)}”{value} 万元超出上限",
                f"“{_header(key)}” {value} (10,000 yuan) exceeds the maximum",
                "out_of_range",
                entry,
            )
        )
    elif value != value.quantize(_CENT):
        add(
            Problem(
                key,
                f"“{_header(key)}”最多保留两位小数（万元），这里是 {value}",
                f"“{_header(key)}” (column {COLUMN_BY_KEY[key].letter}) takes at most two decimals (万元), "
                f"found {value}",
                "too_precise",
                entry,
            )
        )


def _check_bundle(record: InventoryRecord, add) -> None:
    numbers = record.bundle_numbers
    if len(numbers) > MAX_BUNDLE_NUMBERS:
        add(
            Problem(
                "bundle_numbers",
                f"组合专利信息最多 {MAX_BUNDLE_NUMBERS} 个申请号，这里有 {len(numbers)} 个",
                f"A bundle holds at most {MAX_BUNDLE_NUMBERS} application numbers, found {len(numbers)}",
                "too_many",
            )
        )
    bad = [number for number in numbers if not ApplicationNumber.is_valid(number)]
    if bad:
        add(
            Problem(
                "bundle_numbers",
                "组合专利信息中有无效的申请号：" + "、".join(_quote(n) for n in bad),
                "Invalid application numbers in the bundle: " + ", ".join(_quote(n) for n in bad),
                "invalid_numbers",
            )
        )
    if (record.bundle_name or record.bundle_description) and not numbers:
        add(
            _required(
                "bundle_numbers", why="（填写了组合专利名称或描述）", why_en=" when a bundle is named or described"
            )
        )
    if numbers and not record.bundle_name:
        add(_required("bundle_name", why="（填写了组合专利信息）", why_en=" when bundle numbers are given"))


def _check_implementation(entry: ImplementationEntry, index: int, patent_type: str | None, add) -> None:
    allowed = _IMPL_ALLOWED.get(entry.level1)
    if allowed is None:
        add(_not_an_option("impl_level1", entry.level1, index))
        return
    l1_label = LABELS["impl_level1"][entry.level1]
    if entry.level1 == _L1.CUSTOM:
        if not entry.custom_text:
            add(_custom_missing("impl_level1", index))
        elif len(entry.custom_text) > CUSTOM_TEXT_MAX:
            add(_too_long("impl_level1", len(entry.custom_text), CUSTOM_TEXT_MAX, index))
    if entry.level1 == _L1.EVALUATION_REPORT and patent_type == PatentType.INVENTION:
        add(
            Problem(
                "impl_level1",
                "发明专利没有专利权评价报告：该状态只适用于实用新型专利和外观设计专利",
                "An invention patent has no patent right evaluation report: "
                "this state applies to utility models and designs only",
                "not_applicable",
                index,
            )
        )
    if entry.level2:
        if entry.level2 not in allowed:
            l2_label = LABELS["impl_level2"].get(entry.level2, entry.level2)
            if not allowed and entry.level1 == _L1.CUSTOM and entry.custom_text:
                # Free text in L is the template's "type your own state"; say so, or "自定义" puzzles whoever typed
                # a near-miss of a listed state.
                shown = _quote(entry.custom_text)
                add(
                    Problem(
                        "impl_level2",
                        f"一级实施状态“{shown}”不是列表中的选项，按自定义状态处理；自定义状态没有二级状态，"
                        "“二级状态描述”请留空（或填“无需填写”），或在一级实施状态中选择列表中的选项",
                        f"The state “{shown}” is not one of the listed states, so it counts as a custom state, which "
                        "has no level 2: leave column M blank (or write 无需填写), or pick a listed state in column L",
                        "not_expected",
                        index,
                    )
                )
            elif not allowed:
                add(
                    Problem(
                        "impl_level2",
                        f"一级实施状态“{l1_label}”没有二级状态，“二级状态描述”请留空（或填“无需填写”）",
                        f"The state “{l1_label}” has no level 2: leave column M blank (or write 无需填写)",
                        "not_expected",
                        index,
                    )
                )
            else:
                add(
                    Problem(
                        "impl_level2",
                        f"二级状态“{l2_label}”不属于一级实施状态“{l1_label}”",
                        f"The level-2 state “{l2_label}” does not belong to the level-1 state “{l1_label}”",
                        "mismatch",
                        index,
                    )
                )
            # What column N should hold depends on a level 2 that is wrong: nothing more to say about N.
            _check_remark(entry, index, add)
            return
        elif entry.level2 == _L2.CUSTOM and entry.level1 != _L1.CUSTOM:
            if not entry.custom_text:
                add(_custom_missing("impl_level2", index))
            elif len(entry.custom_text) > CUSTOM_TEXT_MAX:
                add(_too_long("impl_level2", len(entry.custom_text), CUSTOM_TEXT_MAX, index))

    # Column N
    product_state = entry.level1 == _L1.LICENSED and entry.level2 in _PRODUCT_NAME_STATES
    if product_state:
        if not entry.product_name:
            add(
                Problem(
                    "impl_value",
                    "已由被许可人或合作企业实现产业化时，须在“金额（万元）/评价结果/产品名称”填写产品名称",
                    "Column N must name the product when a licensee or partner has industrialized the patent",
                    "required",
                    index,
                )
            )
    elif entry.level1 in _AMOUNT_STATES:
        if entry.amount_wan is None:
            add(
                Problem(
                    "impl_value",
                    f"一级实施状态为“{l1_label}”时须在“金额（万元）/评价结果/产品名称”填写金额（万元，仅数字）",
                    f"Column N must hold the amount (万元, digits only) for the state “{l1_label}”",
                    "required",
                    index,
                )
            )
    elif entry.level1 == _L1.EVALUATION_REPORT and not entry.evaluation_result:
        add(
            Problem(
                "impl_value",
                "已有专利权评价报告时须在“金额（万元）/评价结果/产品名称”填写评价结果",
                "Column N must hold the evaluation result when a patent right evaluation report exists",
                "required",
                index,
            )
        )
    if entry.amount_wan is not None:
        if (entry.level1 in _AMOUNT_STATES and not product_state) or entry.level1 == _L1.CUSTOM:
            _check_decimal("impl_value", entry.amount_wan, AMOUNT_MAX, add, index)
        else:
            add(_n_not_expected(entry.level1, index))
    elif (entry.product_name and not product_state) or (
        entry.evaluation_result and entry.level1 != _L1.EVALUATION_REPORT
    ):
        add(_n_not_expected(entry.level1, index))
    text = entry.product_name or entry.evaluation_result
    if text and len(text) > COLUMN_BY_KEY["impl_value"].max_length:
        add(_too_long("impl_value", len(text), COLUMN_BY_KEY["impl_value"].max_length, index))
    _check_remark(entry, index, add)


def _check_remark(entry: ImplementationEntry, index: int, add) -> None:
    if entry.remark and len(entry.remark) > COLUMN_BY_KEY["impl_remark"].max_length:
        add(_too_long("impl_remark", len(entry.remark), COLUMN_BY_KEY["impl_remark"].max_length, index))


def _custom_missing(key: str, index: int) -> Problem:
    return Problem(
        key,
        f"“{_header(key)}”选择了“自定义”，请直接填写具体内容（不要勾选“自定义（请勿勾选，请直接填写）”）",
        f"“{_header(key)}” (column {COLUMN_BY_KEY[key].letter}) is 自定义 (custom) without any text: "
        "type the description itself",
        "custom_text_required",
        index,
    )


def _check_intent(entry: IntentEntry, index: int, add) -> None:
    allowed = _INTENT_ALLOWED.get(entry.level1)
    if allowed is None:
        add(_not_an_option("intent_level1", entry.level1, index))
        return
    if not entry.level2:
        return
    if entry.level2 not in allowed:
        l1_label = LABELS["intent_level1"][entry.level1]
        l2_label = LABELS["intent_level2"].get(entry.level2, entry.level2)
        add(
            Problem(
                "intent_level2",
                f"转化意愿（二级）“{l2_label}”不属于“{l1_label}”",
                f"The level-2 intent “{l2_label}” does not belong to “{l1_label}”",
                "mismatch",
                index,
            )
        )
    elif entry.level2 == _I2.CUSTOM:
        if not entry.custom_text:
            add(_custom_missing("intent_level2", index))
        elif len(entry.custom_text) > COLUMN_BY_KEY["intent_level2"].max_length:
            add(_too_long("intent_level2", len(entry.custom_text), COLUMN_BY_KEY["intent_level2"].max_length, index))


def _check_cities(text: str, add, entry: int | None = None) -> None:
    bad = _bad_cities(text)
    if bad:
        add(
            Problem(
                "intended_cities",
                "意向合作城市应写成“XX省-XX市”，多个城市用“,”分隔；无法识别：" + "、".join(_quote(b) for b in bad),
                "Intended cities must be written “province-city”, separated by commas; not understood: "
                + ", ".join(_quote(b) for b in bad),
                "invalid_format",
                entry,
            )
        )


@functools.lru_cache(maxsize=4096)
def _bad_cities(text: str) -> tuple[str, ...]:
    bad = []
    for item in text.split(","):
        province, dash, city = item.partition("-")
        if not dash or province not in _PROVINCE_NAMES or not city or "-" in city:
            bad.append(item)
    return tuple(bad)


_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


@functools.lru_cache(maxsize=4096)
def _looks_like_contact(text: str) -> bool:
    return sum(map(str.isdigit, text)) >= 7 or bool(_EMAIL_RE.search(text))
