"""Chinese patent application numbers (申请号) as a value type.

Three formats exist, told apart by length and year:

* since 2003-10-01: ``YYYY T NNNNNNN . C`` — 12 digits and a check digit, e.g. ``201710601862.3``;
* 1989 to 2003-09: ``YY T NNNNN . C`` — 8 digits and a check digit, e.g. ``95115608.X``;
* 1985–1988: ``YY T NNNNN`` — 8 digits without a check digit, e.g. ``86100001``.

``T`` is the type: 1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model. The check digit
is the sum of the digits times the weights 2,3,4,5,6,7,8,9,2,3,4,5, modulo 11; 10 is written X.

Input is read forgivingly where the reading is unambiguous (prefixes CN/ZL, spaces anywhere, full-width characters,
lowercase x, a hyphen or 。 instead of the dot, Excel numbers) and strictly everywhere else: a wrong check digit is
always an error, and a publication number (CN + digits + kind code) is refused rather than guessed at.
"""

from __future__ import annotations

import math
import operator
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = [
    "PATENT_TYPE_BY_DIGIT",
    "ApplicationNumber",
    "ApplicationNumberError",
    "normalize_application_number",
]

PATENT_TYPE_BY_DIGIT: dict[str, str] = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "invention",  # PCT application entering the Chinese national phase
    "9": "utility_model",  # PCT application entering the Chinese national phase
}

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_FIRST_12_DIGIT_YEAR = 2003
# CNIPA's calendar is Beijing time (no DST), so "this year" flips at midnight there, not on the server's clock.
_CHINA_TZ = timezone(timedelta(hours=8))

# Full-width ASCII (U+FF01–U+FF5E) as typed with a Chinese IME, mapped to ASCII.
_TRANSLATION = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Ideographic full stops are what a Chinese IME produces for "."; every dash-like character is read as a hyphen.
_TRANSLATION.update({ord("。"): ".", ord("｡"): "."})
_TRANSLATION.update(dict.fromkeys((*range(8208, 8214), 8722), "-"))
# Zero-width characters arrive with text copied from web pages and are invisible in a spreadsheet cell.
_TRANSLATION.update(dict.fromkeys((8203, 8204, 8205, 8288, 65279)))

_SEPARATORS = ".-"
_ALLOWED = frozenset("0123456789X" + _SEPARATORS)
# CN (or a bare number) + 7–9 digits + kind code (A, B, C, U, Y, S, and D for old designs), optional digit.
_PUBLICATION_RE = re.compile(r"\d{7,9}[ABCDSUY]\d?")
_ONE_DECIMAL_RE = re.compile(r"\d+\.\d")
_FLOAT_TEXT_RE = re.compile(r"(?:\d{9}|\d{13})\.0")
_MAX_SHOWN = 40
_CANONICAL_RE = re.compile(r"(\d{4})([12389])(\d{7})\.([0-9X])")
_DIGITS = "0123456789"


class ApplicationNumberError(ValueError):
    """An input that is not a valid application number, with a stable code and bilingual messages."""

    def __init__(self, code: str, value: object, message: str, message_en: str) -> None:
        # All four go to args so that the exception survives pickling.
        super().__init__(code, value, message, message_en)
        self.code = code
        self.value = value
        self.message = message
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message} / {self.message_en}"


@dataclass(frozen=True, slots=True)
class ApplicationNumber:
    """A valid Chinese patent application number; ``str()`` gives the canonical form."""

    year: int
    type_digit: str
    serial: str
    check: str | None

    def __post_init__(self) -> None:
        # Direct construction must not produce a value that parse() would refuse.
        fields = (self.year, self.type_digit, self.serial, self.check)
        well_typed = (
            type(self.year) is int
            and isinstance(self.type_digit, str)
            and isinstance(self.serial, str)
            and len(self.serial) in (5, 7)
            and (self.check is None or isinstance(self.check, str))
        )
        body = self._body if well_typed else ""
        if len(body) not in (8, 12) or not (body.isascii() and body.isdigit()):
            raise ApplicationNumberError(
                "bad_format",
                self,
                f"申请号字段不合法：{fields!r}",
                f"Invalid application number fields: {fields!r}",
            )
        if _interpret(body, self.check, self, numeric=False) != fields:
            raise ApplicationNumberError(
                "bad_format",
                self,
                f"申请号字段相互矛盾：{fields!r}",
                f"Inconsistent application number fields: {fields!r}",
            )

    @classmethod
    def parse(cls, value: object) -> ApplicationNumber:
        """Read an application number from text or an Excel number; raise ApplicationNumberError if invalid."""
        if isinstance(value, cls):
            return value
        # Fast path for the form almost every row uses (``201710601862.3``, as text or as an Excel number): a
        # 12-digit body with a plausible year, a known type and the right check digit. Anything else, or anything
        # wrong, takes the full path below, which also words the error.
        text = value if value.__class__ is str else repr(value) if value.__class__ is float else None
        if text is not None:
            match = _CANONICAL_RE.fullmatch(text)
            if match is not None:
                year, check = int(match[1]), match[4]
                computed = sum(map(operator.mul, map(int, text[:12]), _WEIGHTS)) % 11
                if _FIRST_12_DIGIT_YEAR <= year <= _current_year() and check == (
                    "X" if computed == 10 else _DIGITS[computed]
                ):
                    return cls._trusted(year, match[2], match[3], check)
        body, check, numeric = _lex(value)
        return cls._trusted(*_interpret(body, check, value, numeric=numeric))

    @classmethod
    def _trusted(cls, year: int, type_digit: str, serial: str, check: str | None) -> ApplicationNumber:
        # _interpret has just checked every field; skipping __post_init__'s second check halves the cost of a
        # parse, which matters at 100,000 rows per import.
        number = object.__new__(cls)
        object.__setattr__(number, "year", year)
        object.__setattr__(number, "type_digit", type_digit)
        object.__setattr__(number, "serial", serial)
        object.__setattr__(number, "check", check)
        return number

    @classmethod
    def is_valid(cls, value: object) -> bool:
        """Whether ``parse(value)`` would succeed."""
        try:
            cls.parse(value)
        except ApplicationNumberError:
            return False
        return True

    @staticmethod
    def check_digit(digits: str) -> str:
        """The check digit ('0'–'9' or 'X') of an 8- or 12-digit body."""
        if not (isinstance(digits, str) and len(digits) in (8, 12) and digits.isascii() and digits.isdigit()):
            raise ValueError(f"check_digit() needs 8 or 12 ASCII digits, got {digits!r}")
        remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 11
        return "X" if remainder == 10 else str(remainder)

    def __str__(self) -> str:
        return self._body if self.check is None else f"{self._body}.{self.check}"

    @property
    def _body(self) -> str:
        year_text = str(self.year) if len(self.serial) == 7 else f"{self.year % 100:02d}"
        return year_text + self.type_digit + self.serial

    @property
    def patent_type(self) -> str:
        """'invention', 'utility_model' or 'design' (PCT national-phase numbers count as their kind)."""
        return PATENT_TYPE_BY_DIGIT[self.type_digit]

    @property
    def is_pct(self) -> bool:
        """Whether this is a PCT application entering the Chinese national phase (type 8 or 9)."""
        return self.type_digit in ("8", "9")

    @property
    def digits(self) -> str:
        """The canonical form without the dot, e.g. '2017106018623'."""
        return self._body + (self.check or "")


def normalize_application_number(value: object) -> str:
    """The canonical form of ``value``; raise ApplicationNumberError if it is not a valid application number."""
    return str(ApplicationNumber.parse(value))


_year_seen: list[float | int] = [0.0, 0]  # (monotonic time of the reading, year)


def _current_year() -> int:
    """This year in Beijing time, read from the clock at most once a minute (it is asked for on every parse)."""
    now = time.monotonic()
    if now - _year_seen[0] > 60:
        _year_seen[:] = [now, datetime.now(_CHINA_TZ).year]
    return int(_year_seen[1])


def _shown(text: str) -> str:
    """The input as quoted back in a message, cut short so a pasted paragraph does not flood the page."""
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _lex(value: object) -> tuple[str, str | None, bool]:
    """Split raw input into (digit body, check character or None, came from a number)."""
    # NaN is how pandas spells an empty cell.
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ApplicationNumberError("empty", value, "申请号为空", "The application number is empty")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _unsupported(value)
    if isinstance(value, int):
        if value < 0:
            raise _unsupported(value)
        return _lex_text(str(value), value, numeric=True)
    if isinstance(value, float):
        if value < 0 or math.isinf(value):
            raise _unsupported(value)
        if value.is_integer():
            return _lex_text(str(int(value)), value, numeric=True)
        # repr() is the shortest text that round-trips; a 13-significant-digit number always fits in a double.
        text = repr(value)
        if not _ONE_DECIMAL_RE.fullmatch(text):
            raise ApplicationNumberError(
                "bad_format",
                value,
                f"数值 {_shown(text)} 不是申请号：以数字形式保存的申请号小数点后只能有 1 位校验位",
                f"The number {_shown(text)} is not an application number: "
                "stored as a number, it must have exactly one digit after the decimal point",
            )
        return _lex_text(text, value, numeric=True)
    return _lex_text(value, value, numeric=False)


def _unsupported(value: object) -> ApplicationNumberError:
    return ApplicationNumberError(
        "unsupported_value",
        value,
        f"无法把 {_shown(repr(value))} 当作申请号读取：应为文本或非负数字",
        f"Cannot read {_shown(repr(value))} as an application number: expected text or a non-negative number",
    )


def _lex_text(text: str, value: object, *, numeric: bool) -> tuple[str, str | None, bool]:
    shown = _shown(text.strip())
    cleaned = "".join(text.translate(_TRANSLATION).split())
    # Excel's "store as text" apostrophe, kept literally by some CSV exports.
    cleaned = cleaned.removeprefix("'")
    if cleaned[:2].upper() in ("CN", "ZL"):
        rest = cleaned[2:]
        prefix = cleaned[:2].upper()
    else:
        rest, prefix = cleaned, ""
    if not rest:
        raise ApplicationNumberError("empty", value, "申请号为空", "The application number is empty")

    upper = rest.upper()
    if not numeric and _FLOAT_TEXT_RE.fullmatch(upper):
        # str() of an Excel number that was read as a float; 9 or 13 characters are already complete, so the
        # trailing ".0" cannot be a check digit.
        rest, upper = rest[:-2], upper[:-2]
    # CN + 9 digits is a post-2004 publication number whose kind code was dropped; as an old 8+1 application
    # number it would start with a year 10–39, which does not exist.
    if _PUBLICATION_RE.fullmatch(upper) or (
        prefix == "CN" and len(upper) == 9 and upper.isdigit() and upper[0] in "123"
    ):
        raise ApplicationNumberError(
            "publication_number",
            value,
            f"{shown} 看起来是公开（公告）号，不是申请号；申请号为 12 位数字加校验位，例如 201710601862.3",
            f"{shown} looks like a publication number, not an application number; "
            "an application number is 12 digits plus a check digit, e.g. 201710601862.3",
        )

    bad = list(dict.fromkeys(c for c in rest if c.upper() not in _ALLOWED))
    if bad:
        raise ApplicationNumberError(
            "bad_characters",
            value,
            f"申请号 {shown} 中有无效字符：" + "、".join(f"“{c}”" for c in bad),
            f"Application number {shown} contains invalid characters: " + ", ".join(f'"{c}"' for c in bad),
        )

    separators = [i for i, c in enumerate(upper) if c in _SEPARATORS]
    if len(separators) > 1 or (separators and separators[0] < len(upper) - 2):
        raise ApplicationNumberError(
            "bad_format",
            value,
            f"申请号 {shown} 的格式不对：小数点只能有一个，且只能紧挨在最后一位校验位之前",
            f"Application number {shown} is malformed: a single dot may appear only right before the final check digit",
        )
    if separators:
        body, check = upper[: separators[0]], upper[separators[0] + 1 :] or None
    elif upper.endswith("X") or len(upper) in (9, 13):
        body, check = upper[:-1], upper[-1]
    else:
        # 8 or 12 characters without a separator: the check digit is missing (or, for 1985–88, not needed).
        body, check = upper, None
    if "X" in body:
        raise ApplicationNumberError(
            "bad_format",
            value,
            f"申请号 {shown} 的格式不对：X 只能作为最后一位校验位",
            f"Application number {shown} is malformed: X can only be the final check digit",
        )
    if len(body) not in (8, 12):
        count = len(body) + (check is not None)
        raise ApplicationNumberError(
            "bad_length",
            value,
            f"申请号 {shown} 的位数不对（共 {count} 位）：应为 12 位数字加 1 位校验位，"
            "2003 年 10 月 1 日前为 8 位数字加 1 位校验位",
            f"Application number {shown} has the wrong length ({count} character{'' if count == 1 else 's'}): "
            "expected 12 digits plus a check digit, or 8 digits plus a check digit before 2003-10-01",
        )
    return body, check, numeric


def _interpret(body: str, check: str | None, value: object, *, numeric: bool) -> tuple[int, str, str, str | None]:
    """Check year, type and check digit of an 8- or 12-digit body; return the fields of an ApplicationNumber."""
    shown = body if check is None else f"{body}.{check}"
    current = _current_year()
    if len(body) == 12:
        year, type_digit, serial = int(body[:4]), body[4], body[5:]
        if 1985 <= year < _FIRST_12_DIGIT_YEAR:
            raise ApplicationNumberError(
                "bad_year",
                value,
                f"申请号 {shown} 的年份 {year} 早于 2003 年，但 2003 年 10 月 1 日之前的申请号是 8 位数字加校验位",
                f"Application number {shown} has the year {year}, but numbers filed before 2003-10-01 "
                "have 8 digits plus a check digit",
            )
        if not _FIRST_12_DIGIT_YEAR <= year <= current:
            raise ApplicationNumberError(
                "bad_year",
                value,
                f"申请号 {shown} 的年份 {year} 不合理，应在 2003 至 {current} 之间",
                f"Application number {shown} has an implausible year {year}; expected 2003 to {current}",
            )
        type_position = 5
    else:
        yy, type_digit, serial = int(body[:2]), body[2], body[3:]
        if 85 <= yy <= 99:
            year = 1900 + yy
        elif yy <= 3:
            year = 2000 + yy
        else:
            raise ApplicationNumberError(
                "bad_year",
                value,
                f"申请号 {shown} 的年份 {body[:2]} 不合理：8 位申请号的年份应为 85—99 或 00—03",
                f"Application number {shown} has an implausible year {body[:2]}: "
                "8-digit numbers have the year 85–99 or 00–03",
            )
        type_position = 3

    if type_digit not in PATENT_TYPE_BY_DIGIT:
        raise ApplicationNumberError(
            "bad_type",
            value,
            f"申请号 {shown} 的第 {type_position} 位（申请种类）为 {type_digit}，应为 1、2、3、8 或 9",
            f"Application number {shown} has the type digit {type_digit} (position {type_position}); "
            "expected 1, 2, 3, 8 or 9",
        )

    expected = ApplicationNumber.check_digit(body)
    if year <= 1988:
        # 1985–88 numbers have no check digit. Some databases append one computed by the later rule; accept it when
        # it is right (the canonical form still drops it), because a wrong one means a mistyped digit somewhere.
        if check is not None and check != expected:
            raise ApplicationNumberError(
                "bad_check_digit",
                value,
                f"申请号 {shown}：1985—1988 年的申请号没有校验位，附加的 {check} 也与按规则算出的 {expected} 不符",
                f"Application number {shown}: numbers from 1985–1988 have no check digit, and the appended "
                f"{check} does not match the computed {expected} either",
            )
        return year, type_digit, serial, None

    if check is None:
        # Excel drops a trailing ".0" from a number, so a numeric body whose check digit is 0 lost nothing else.
        if numeric and expected == "0":
            return year, type_digit, serial, "0"
        raise ApplicationNumberError(
            "missing_check_digit",
            value,
            f"申请号 {shown} 缺少校验位（按规则应为 {expected}）",
            f"Application number {shown} is missing its check digit (it would be {expected})",
        )
    if check != expected:
        raise ApplicationNumberError(
            "bad_check_digit",
            value,
            f"申请号 {shown} 的校验位应为 {expected}，而不是 {check}",
            f"The check digit of application number {shown} should be {expected}, not {check}",
        )
    return year, type_digit, serial, check
