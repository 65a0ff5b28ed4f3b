"""Validation of the 18-character unified social credit code (统一社会信用代码, GB 32100-2015)."""

from django.core.exceptions import ValidationError

# GB 32100-2015 alphabet: digits and capital letters without I, O, Z, S, V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码应为 18 位，收到 %(n)s 位 / A credit code has 18 characters, got %(n)s",
            code="bad_length",
            params={"n": len(code)},
        )
    bad = [ch for ch in code if ch not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            "统一社会信用代码含非法字符 %(ch)s / Invalid character %(ch)s in credit code",
            code="bad_characters",
            params={"ch": bad[0]},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位应为 %(expected)s，而不是 %(got)s / Check character should be %(expected)s, not %(got)s",
            code="bad_check_char",
            params={"expected": expected, "got": code[17]},
        )
