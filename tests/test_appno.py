"""Tests for reference.appno: Chinese patent application numbers."""

import csv
import dataclasses
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reference.appno import (
    PATENT_TYPE_BY_DIGIT,
    ApplicationNumber,
    ApplicationNumberError,
    normalize_application_number,
)

REFERENCE_CSV = (
    Path(__file__).resolve().parents[1] / "reference" / "reference_data" / "cn_application_number_check_examples.csv"
)


def _reference_rows() -> list[dict[str, str]]:
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _this_year_in_china() -> int:
    return datetime.now(timezone(timedelta(hours=8))).year


def _error(value: object) -> ApplicationNumberError:
    with pytest.raises(ApplicationNumberError) as excinfo:
        ApplicationNumber.parse(value)
    return excinfo.value


# --- written forms -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "201710601862.3",
        "CN201710601862.3",
        "ZL201710601862.3",
        "zl 201710601862.3",
        "cn201710601862.3",
        "ZL 2017 1 0601862.3",
        "2017 1 0601862.3",
        "2017106018623",
        "201710601862 3",
        "201710601862-3",
        "201710601862 - 3",
        "201710601862。3",
        "２０１７１０６０１８６２．３",
        "ＣＮ２０１７１０６０１８６２．３",
        "ＺＬ２０１７１０６０１８６２．３",
        "２０１７１０６０１８６２－３",
        "  201710601862.3  ",
        "\u00a0201710601862.3\u00a0",
        "\u3000201710601862.3\t\n",
        "\u200b201710601862.3\ufeff",
        "'2017106018623",
        "2017106018623.0",
        2017106018623,
        2017106018623.0,
        201710601862.3,
    ],
)
def test_written_forms_parse_to_the_same_value(value):
    number = ApplicationNumber.parse(value)

    assert number == ApplicationNumber(year=2017, type_digit="1", serial="0601862", check="3")
    assert str(number) == "201710601862.3"
    assert number.digits == "2017106018623"
    assert normalize_application_number(value) == "201710601862.3"


@pytest.mark.parametrize(
    "value",
    [
        "200710308494.X",
        "200710308494.x",
        "200710308494x",
        "CN200710308494-x",
        "２００７１０３０８４９４．ｘ",
    ],
)
def test_check_digit_x_in_any_case_or_width(value):
    number = ApplicationNumber.parse(value)

    assert number.check == "X"
    assert str(number) == "200710308494.X"
    assert number.digits == "200710308494X"


def test_parse_returns_an_application_number_unchanged():
    number = ApplicationNumber.parse("201710601862.3")

    assert ApplicationNumber.parse(number) is number
    assert normalize_application_number(number) == "201710601862.3"


def test_equal_numbers_hash_equal():
    forms = ["201710601862.3", "ZL 2017 1 0601862.3", 2017106018623, 201710601862.3]

    assert len({ApplicationNumber.parse(v) for v in forms}) == 1


# --- the reference examples --------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda row: row["formatted"])
def test_reference_examples(row):
    number = ApplicationNumber.parse(row["formatted"])

    assert ApplicationNumber.check_digit(row["body"]) == row["computed_check"]
    assert str(number) == row["formatted"]
    assert number.digits == row["body"] + row["computed_check"]
    assert number.type_digit == row["type_digit"]
    assert number.check == row["computed_check"]
    assert ApplicationNumber.parse(row["body"] + row["computed_check"]) == number


def test_reference_file_has_all_twelve_rows():
    assert len(_reference_rows()) == 12


def test_brief_illustrative_number_with_check_7_is_rejected():
    # The reference file's first row notes that the brief's 201910123456.7 is invalid: the check digit is X.
    error = _error("201910123456.7")

    assert error.code == "bad_check_digit"
    assert error.message == "申请号 201910123456.7 的校验位应为 X，而不是 7"
    assert error.message_en == "The check digit of application number 201910123456.7 should be X, not 7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("89103229.2", "0"),  # 360docs example, noted as invalid in the reference file
        ("202310123456.7", "6"),  # common fake example
        ("202310123456.8", "6"),
    ],
)
def test_invalid_examples_from_the_wild_are_rejected(value, expected):
    error = _error(value)

    assert error.code == "bad_check_digit"
    assert error.message.startswith(f"申请号 {value} 的校验位应为 {expected}，")


# --- pre-2003 and 1985–1988 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "year", "type_digit", "serial", "check", "canonical"),
    [
        ("97101765.4", 1997, "1", "01765", "4", "97101765.4"),
        ("ZL95115608.X", 1995, "1", "15608", "X", "95115608.X"),
        ("zl 95115608x", 1995, "1", "15608", "X", "95115608.X"),
        ("951156 08-X", 1995, "1", "15608", "X", "95115608.X"),
        ("992000017", 1999, "2", "00001", "7", "99200001.7"),
        ("00100001.2", 2000, "1", "00001", "2", "00100001.2"),
        ("03100001.0", 2003, "1", "00001", "0", "03100001.0"),
        ("89103229.0", 1989, "1", "03229", "0", "89103229.0"),
    ],
)
def test_eight_digit_numbers_with_check_digit(value, year, type_digit, serial, check, canonical):
    number = ApplicationNumber.parse(value)

    assert (number.year, number.type_digit, number.serial, number.check) == (
        year,
        type_digit,
        serial,
        check,
    )
    assert str(number) == canonical
    assert number.digits == canonical.replace(".", "")


@pytest.mark.parametrize(
    ("value", "year", "type_digit", "serial", "canonical"),
    [
        ("86100001", 1986, "1", "00001", "86100001"),
        ("CN86100001", 1986, "1", "00001", "86100001"),
        ("85100001", 1985, "1", "00001", "85100001"),
        ("88300001", 1988, "3", "00001", "88300001"),
        (86100001, 1986, "1", "00001", "86100001"),
        (86100001.0, 1986, "1", "00001", "86100001"),
        ("86100001.", 1986, "1", "00001", "86100001"),
    ],
)
def test_1985_to_1988_numbers_have_no_check_digit(value, year, type_digit, serial, canonical):
    number = ApplicationNumber.parse(value)

    assert (number.year, number.type_digit, number.serial, number.check) == (
        year,
        type_digit,
        serial,
        None,
    )
    assert str(number) == canonical
    assert number.digits == canonical


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("86100001.3", "86100001"), ("861000013", "86100001"), ("88300001.6", "88300001")],
)
def test_1985_to_1988_number_with_a_correct_appended_check_digit_is_accepted_and_dropped(value, canonical):
    number = ApplicationNumber.parse(value)

    assert number.check is None
    assert str(number) == canonical


def test_1985_to_1988_number_with_a_wrong_appended_check_digit_is_rejected():
    error = _error("86100001.5")

    assert error.code == "bad_check_digit"
    assert error.message == ("申请号 86100001.5：1985—1988 年的申请号没有校验位，附加的 5 也与按规则算出的 3 不符")
    assert error.message_en == (
        "Application number 86100001.5: numbers from 1985–1988 have no check digit, "
        "and the appended 5 does not match the computed 3 either"
    )


# --- year bounds ---------------------------------------------------------------------------------------------------


def test_first_and_current_year_of_the_12_digit_form_are_accepted():
    this_year = _this_year_in_china()
    body = f"{this_year}10000001"

    current = ApplicationNumber.parse(body + ApplicationNumber.check_digit(body))

    assert str(ApplicationNumber.parse("200310100001.5")) == "200310100001.5"
    assert current.year == this_year


def test_next_year_is_rejected():
    this_year = _this_year_in_china()
    body = f"{this_year + 1}10000001"
    check = ApplicationNumber.check_digit(body)

    error = _error(body + check)

    assert error.code == "bad_year"
    assert error.message == (f"申请号 {body}.{check} 的年份 {this_year + 1} 不合理，应在 2003 至 {this_year} 之间")


# --- every error code with its message -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "message", "message_en"),
    [
        (None, "empty", "申请号为空", "The application number is empty"),
        (
            True,
            "unsupported_value",
            "无法把 True 当作申请号读取：应为文本或非负数字",
            "Cannot read True as an application number: expected text or a non-negative number",
        ),
        (
            "申请号201710601862.3",
            "bad_characters",
            "申请号 申请号201710601862.3 中有无效字符：“申”、“请”、“号”",
            'Application number 申请号201710601862.3 contains invalid characters: "申", "请", "号"',
        ),
        (
            "201710601862.3，201710117081.7",
            "bad_characters",
            "申请号 201710601862.3，201710117081.7 中有无效字符：“,”",
            'Application number 201710601862.3，201710117081.7 contains invalid characters: ","',
        ),
        (
            "2017.106018623",
            "bad_format",
            "申请号 2017.106018623 的格式不对：小数点只能有一个，且只能紧挨在最后一位校验位之前",
            (
                "Application number 2017.106018623 is malformed: "
                "a single dot may appear only right before the final check digit"
            ),
        ),
        (
            "2017X06018623",
            "bad_format",
            "申请号 2017X06018623 的格式不对：X 只能作为最后一位校验位",
            "Application number 2017X06018623 is malformed: X can only be the final check digit",
        ),
        (
            201710601862.35,
            "bad_format",
            "数值 201710601862.35 不是申请号：以数字形式保存的申请号小数点后只能有 1 位校验位",
            (
                "The number 201710601862.35 is not an application number: "
                "stored as a number, it must have exactly one digit after the decimal point"
            ),
        ),
        (
            "20171060186.3",
            "bad_length",
            (
                "申请号 20171060186.3 的位数不对（共 12 位）：应为 12 位数字加 1 位校验位，"
                "2003 年 10 月 1 日前为 8 位数字加 1 位校验位"
            ),
            (
                "Application number 20171060186.3 has the wrong length (12 characters): "
                "expected 12 digits plus a check digit, or 8 digits plus a check digit before 2003-10-01"
            ),
        ),
        (
            "2017406018623",
            "bad_type",
            "申请号 201740601862.3 的第 5 位（申请种类）为 4，应为 1、2、3、8 或 9",
            "Application number 201740601862.3 has the type digit 4 (position 5); expected 1, 2, 3, 8 or 9",
        ),
        (
            "97401765.4",
            "bad_type",
            "申请号 97401765.4 的第 3 位（申请种类）为 4，应为 1、2、3、8 或 9",
            "Application number 97401765.4 has the type digit 4 (position 3); expected 1, 2, 3, 8 or 9",
        ),
        (
            "200110601862.3",
            "bad_year",
            "申请号 200110601862.3 的年份 2001 早于 2003 年，但 2003 年 10 月 1 日之前的申请号是 8 位数字加校验位",
            (
                "Application number 200110601862.3 has the year 2001, "
                "but numbers filed before 2003-10-01 have 8 digits plus a check digit"
            ),
        ),
        (
            "04100001.1",
            "bad_year",
            "申请号 04100001.1 的年份 04 不合理：8 位申请号的年份应为 85—99 或 00—03",
            ("Application number 04100001.1 has an implausible year 04: 8-digit numbers have the year 85–99 or 00–03"),
        ),
        (
            "201710601862",
            "missing_check_digit",
            "申请号 201710601862 缺少校验位（按规则应为 3）",
            "Application number 201710601862 is missing its check digit (it would be 3)",
        ),
        (
            "97101765",
            "missing_check_digit",
            "申请号 97101765 缺少校验位（按规则应为 4）",
            "Application number 97101765 is missing its check digit (it would be 4)",
        ),
        (
            "201710601862.4",
            "bad_check_digit",
            "申请号 201710601862.4 的校验位应为 3，而不是 4",
            "The check digit of application number 201710601862.4 should be 3, not 4",
        ),
        (
            "CN112345678A",
            "publication_number",
            "CN112345678A 看起来是公开（公告）号，不是申请号；申请号为 12 位数字加校验位，例如 201710601862.3",
            (
                "CN112345678A looks like a publication number, not an application number; "
                "an application number is 12 digits plus a check digit, e.g. 201710601862.3"
            ),
        ),
    ],
)
def test_error_codes_and_messages(value, code, message, message_en):
    error = _error(value)

    assert error.code == code
    assert error.message == message
    assert error.message_en == message_en
    assert error.value is value
    assert str(error) == f"{message} / {message_en}"
    assert isinstance(error, ValueError)


def test_2003_year_below_range_message():
    error = _error("198410601862.3")

    assert error.code == "bad_year"
    assert error.message.startswith("申请号 198410601862.3 的年份 1984 不合理，应在 2003 至 ")


def test_long_input_is_cut_short_in_the_message():
    error = _error("专利号" * 20)

    assert error.code == "bad_characters"
    assert error.message == "申请号 " + ("专利号" * 20)[:39] + "… 中有无效字符：“专”、“利”、“号”"


def test_error_survives_pickling():
    error = pickle.loads(pickle.dumps(_error("201710601862.4")))

    assert (error.code, error.value) == ("bad_check_digit", "201710601862.4")
    assert error.message == "申请号 201710601862.4 的校验位应为 3，而不是 4"


# --- empty ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000\u00a0", float("nan"), "CN", "ZL ", "'"])
def test_empty(value):
    error = _error(value)

    assert error.code == "empty"
    assert error.message == "申请号为空"
    assert error.message_en == "The application number is empty"
    assert ApplicationNumber.is_valid(value) is False


@pytest.mark.parametrize(
    "value",
    [True, False, -2017106018623, float("inf"), b"2017106018623", [2017106018623]],
)
def test_unsupported_values(value):
    assert _error(value).code == "unsupported_value"


# --- Excel numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        (2017106018623, "201710601862.3"),
        (201710601862.3, "201710601862.3"),
        (2017106018623.0, "201710601862.3"),
        (200710308494.0, None),  # check digit X cannot be stored as a number; see below
        (97101765.4, "97101765.4"),
        (971017654, "97101765.4"),
        # Excel drops a trailing ".0": a numeric body whose check digit is 0 is read as having had it.
        (200680002871, "200680002871.0"),
        (200680002871.0, "200680002871.0"),
        (89103229, "89103229.0"),
    ],
)
def test_excel_numbers(value, canonical):
    if canonical is None:
        error = _error(value)
        assert error.code == "missing_check_digit"
        assert error.message == "申请号 200710308494 缺少校验位（按规则应为 X）"
    else:
        assert normalize_application_number(value) == canonical


def test_text_body_without_check_digit_0_is_not_completed():
    # Only numbers can have lost a ".0"; typed text missing its check digit is an error even when it would be 0.
    error = _error("200680002871")

    assert error.code == "missing_check_digit"
    assert error.message == "申请号 200680002871 缺少校验位（按规则应为 0）"


def test_numeric_body_with_nonzero_check_digit_is_still_missing_it():
    error = _error(201710601862)

    assert error.code == "missing_check_digit"
    assert error.value == 201710601862


@pytest.mark.parametrize(
    ("value", "code"),
    [(201710601862.34, "bad_format"), (1e-05, "bad_format"), (2.5, "bad_length")],
)
def test_floats_that_are_not_application_numbers(value, code):
    assert _error(value).code == code


# --- publication numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "CN112345678A",
        "cn112345678a",
        "CN 112345678 A",
        "CN112345678B",
        "CN212345678U",
        "CN312345678S",
        "CN1034567C",
        "CN2034567Y",
        "CN85100001A",
        "112345678A",
        "ＣＮ１１２３４５６７８Ａ",
        "CN112345678",  # kind code dropped
    ],
)
def test_publication_numbers_are_rejected(value):
    error = _error(value)

    assert error.code == "publication_number"
    assert "looks like a publication number" in error.message_en
    assert "公开（公告）号" in error.message


# --- types --------------------------------------------------------------------------------------------------------


def test_patent_type_by_digit():
    assert PATENT_TYPE_BY_DIGIT == {
        "1": "invention",
        "2": "utility_model",
        "3": "design",
        "8": "invention",
        "9": "utility_model",
    }


@pytest.mark.parametrize(
    ("value", "patent_type", "is_pct"),
    [
        ("201710601862.3", "invention", False),
        ("202020123456.8", "utility_model", False),
        ("202130012345.X", "design", False),
        ("201880012345.5", "invention", True),
        ("201890123456.9", "utility_model", True),
        ("99200001.7", "utility_model", False),
        ("88300001", "design", False),
    ],
)
def test_patent_type_and_pct(value, patent_type, is_pct):
    number = ApplicationNumber.parse(value)

    assert number.patent_type == patent_type
    assert number.is_pct is is_pct


# --- check_digit, is_valid, construction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("201710601862", "3"),
        ("201910123456", "X"),
        ("200680002871", "0"),
        ("97101765", "4"),
        ("95115608", "X"),
        ("86100001", "3"),
    ],
)
def test_check_digit(digits, check):
    assert ApplicationNumber.check_digit(digits) == check


@pytest.mark.parametrize(
    "digits",
    [
        "",
        "2017106018",
        "2017106018623",
        "２０１７１０６０１８６２",
        "20171060186X",
        201710601862,
    ],
)
def test_check_digit_needs_8_or_12_ascii_digits(digits):
    with pytest.raises(ValueError, match="needs 8 or 12 ASCII digits"):
        ApplicationNumber.check_digit(digits)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("201710601862.3", True),
        ("CN201710601862.3", True),
        ("201710601862.4", False),
        ("CN112345678A", False),
        (None, False),
        (object(), False),
    ],
)
def test_is_valid(value, valid):
    assert ApplicationNumber.is_valid(value) is valid


def test_direct_construction_is_validated():
    assert str(ApplicationNumber(2017, "1", "0601862", "3")) == "201710601862.3"
    assert str(ApplicationNumber(1986, "1", "00001", None)) == "86100001"

    with pytest.raises(ApplicationNumberError) as wrong_check:
        ApplicationNumber(2017, "1", "0601862", "4")
    with pytest.raises(ApplicationNumberError) as wrong_century:
        ApplicationNumber(2089, "1", "00002", "X")
    with pytest.raises(ApplicationNumberError) as short_serial:
        ApplicationNumber(2017, "1", "601862", "3")
    with pytest.raises(ApplicationNumberError) as appended_check:
        ApplicationNumber(1986, "1", "00001", "3")

    assert wrong_check.value.code == "bad_check_digit"
    assert wrong_century.value.code == "bad_format"
    assert short_serial.value.code == "bad_format"
    assert appended_check.value.code == "bad_format"


def test_value_is_frozen():
    number = ApplicationNumber.parse("201710601862.3")

    with pytest.raises(dataclasses.FrozenInstanceError):
        number.check = "4"


def _full_path(value):
    """What parse() answers without its fast path: the lexer and interpreter every other form goes through."""
    from reference import appno

    body, check, numeric = appno._lex(value)
    return appno._interpret(body, check, value, numeric=numeric)


def test_fast_path_agrees_with_the_full_parser():
    import random

    rng = random.Random(4754)
    year_now = _this_year_in_china()
    checked = 0
    for _ in range(5000):
        year = rng.choice([2002, 2003, 2010, year_now, year_now + 1])
        body = f"{year}{rng.choice('1234589')}{rng.randint(0, 9_999_999):07d}"
        check = rng.choice([ApplicationNumber.check_digit(body), rng.choice("0123456789X")])
        text = f"{body}.{check}"
        for value in (text, float(text)) if check != "X" else (text,):
            try:
                expected = _full_path(value)
            except ApplicationNumberError as exc:
                with pytest.raises(ApplicationNumberError) as raised:
                    ApplicationNumber.parse(value)
                assert (raised.value.code, raised.value.message) == (exc.code, exc.message)
            else:
                number = ApplicationNumber.parse(value)
                assert (number.year, number.type_digit, number.serial, number.check) == expected
            checked += 1
    assert checked > 9000
