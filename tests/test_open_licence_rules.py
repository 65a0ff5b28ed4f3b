"""The open-licence rules (Patent Law arts. 50–52) as a table: patent state × action → allowed, or refused with the
exact reason."""

from __future__ import annotations

import pytest

from transfers import rules
from transfers.rules import LicenceAction as A
from transfers.rules import LicenceState

INV, UM, DES = "invention", "utility_model", "design"
FREE = LicenceState(patent_type=INV)
OPEN = LicenceState(patent_type=INV, open_declared=True)
EXCL = LicenceState(patent_type=INV, exclusive_in_force=True)
GONE = LicenceState(patent_type=INV, transferred=True)

CASES = [
    # (state, action, refusal or None)
    (FREE, A.DECLARE_OPEN, None),
    (OPEN, A.DECLARE_OPEN, rules.ALREADY_DECLARED),
    (EXCL, A.DECLARE_OPEN, rules.EXCLUSIVE_BLOCKS_OPEN),
    (GONE, A.DECLARE_OPEN, rules.ALREADY_TRANSFERRED),
    (LicenceState(patent_type=UM), A.DECLARE_OPEN, rules.REPORT_REQUIRED),
    (LicenceState(patent_type=DES), A.DECLARE_OPEN, rules.REPORT_REQUIRED),
    (LicenceState(patent_type=UM, evaluation_report=True), A.DECLARE_OPEN, None),
    (LicenceState(patent_type=DES, evaluation_report=True), A.DECLARE_OPEN, None),
    (LicenceState(patent_type=INV, evaluation_report=False), A.DECLARE_OPEN, None),  # inventions need no report
    (OPEN, A.WITHDRAW_OPEN, None),
    (FREE, A.WITHDRAW_OPEN, rules.NOT_DECLARED),
    (OPEN, A.TAKE_OPEN, None),
    (FREE, A.TAKE_OPEN, rules.NOT_DECLARED),
    (GONE, A.TAKE_OPEN, rules.ALREADY_TRANSFERRED),
    (OPEN, A.EXCLUSIVE, rules.OPEN_BLOCKS_EXCLUSIVE),
    (OPEN, A.SOLE, rules.OPEN_BLOCKS_EXCLUSIVE),
    (OPEN, A.ORDINARY, None),  # an ordinary licence beside the open licence is allowed
    (OPEN, A.POOL, None),
    (OPEN, A.TRANSFER, None),
    (FREE, A.EXCLUSIVE, None),
    (FREE, A.SOLE, None),
    (FREE, A.ORDINARY, None),
    (EXCL, A.EXCLUSIVE, rules.EXCLUSIVE_BLOCKS_LICENCE),
    (EXCL, A.SOLE, rules.EXCLUSIVE_BLOCKS_LICENCE),
    (EXCL, A.ORDINARY, rules.EXCLUSIVE_BLOCKS_LICENCE),
    (EXCL, A.POOL, rules.EXCLUSIVE_BLOCKS_LICENCE),
    (EXCL, A.TRANSFER, None),  # the licence survives a transfer
    (GONE, A.ORDINARY, rules.ALREADY_TRANSFERRED),
    (GONE, A.TRANSFER, rules.ALREADY_TRANSFERRED),
]


@pytest.mark.parametrize(("state", "action", "expected"), CASES)
def test_open_licence_rule(state, action, expected):
    assert rules.refusal(state, action) == expected


def test_reasons_are_bilingual_and_exact():
    assert rules.OPEN_BLOCKS_EXCLUSIVE == (
        "开放许可声明有效期间，不能授予独占或排他许可 / While an open-licence declaration stands, no exclusive or sole "
        "licence can be granted"
    )
    assert rules.REPORT_REQUIRED == (
        "实用新型、外观设计专利声明开放许可须提供专利权评价报告 / A utility model or design needs its patent "
        "evaluation report to be declared open"
    )
    for reason in (
        rules.ALREADY_TRANSFERRED, rules.ALREADY_DECLARED, rules.NOT_DECLARED, rules.EXCLUSIVE_BLOCKS_OPEN,
        rules.OPEN_BLOCKS_EXCLUSIVE, rules.EXCLUSIVE_BLOCKS_LICENCE, rules.REPORT_REQUIRED,
    ):  # fmt: skip
        chinese, english = reason.split(" / ")
        assert chinese and english.isascii()


def test_every_action_is_in_the_table():
    assert {action for _, action, _ in CASES} == set(A)
