"""The open-licence rules (Patent Law arts. 50–52), in one place: which licensing actions a patent's state allows.

- A utility model or design declared open must carry its patent evaluation report (专利权评价报告).
- While a declaration stands, no exclusive or sole licence may be granted; a patent under an exclusive or sole licence
  in force cannot be declared open (nor take a further ordinary licence).
- Withdrawing a declaration leaves the licences already taken valid (nothing here ends them).
- There is no fee ceiling: CNIPA's fee guide is a way to estimate a fee, not a cap.

``refusal`` answers one (state, action) pair; the services ask it for every patent of a deal and the table test in
tests/test_open_licence_rules.py walks every case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from patentpool.choices import PatentType


class LicenceAction(models.TextChoices):
    DECLARE_OPEN = "declare_open", "声明开放许可"
    WITHDRAW_OPEN = "withdraw_open", "撤回开放许可声明"
    TAKE_OPEN = "take_open", "取得开放许可"
    ORDINARY = "ordinary_licence", "普通许可"
    SOLE = "sole_licence", "排他许可"
    EXCLUSIVE = "exclusive_licence", "独占许可"
    POOL = "patent_pool", "专利池"
    TRANSFER = "transfer", "转让/作价入股"


# The reasons, Chinese / English, exactly as users (and the tests) read them.
ALREADY_TRANSFERRED = (
    "该专利已转让或作价入股，本单位不能再许可或转让 / "
    "The patent has been transferred or contributed as equity; the institution can no longer license or transfer it"
)
ALREADY_DECLARED = "该专利已有有效的开放许可声明 / The patent already has an open-licence declaration in force"
NOT_DECLARED = "该专利没有有效的开放许可声明 / The patent has no open-licence declaration in force"
EXCLUSIVE_BLOCKS_OPEN = (
    "该专利存在有效的独占或排他许可，不能声明开放许可 / "
    "The patent is under an exclusive or sole licence in force and cannot be declared open"
)
OPEN_BLOCKS_EXCLUSIVE = (
    "开放许可声明有效期间，不能授予独占或排他许可 / "
    "While an open-licence declaration stands, no exclusive or sole licence can be granted"
)
EXCLUSIVE_BLOCKS_LICENCE = (
    "该专利已有有效的独占或排他许可，不能再授予其他许可 / "
    "The patent is under an exclusive or sole licence in force; no further licence can be granted"
)
REPORT_REQUIRED = (
    "实用新型、外观设计专利声明开放许可须提供专利权评价报告 / "
    "A utility model or design needs its patent evaluation report to be declared open"
)

LICENSING = {LicenceAction.ORDINARY, LicenceAction.SOLE, LicenceAction.EXCLUSIVE, LicenceAction.POOL}
EXCLUSIVE_ACTIONS = {LicenceAction.SOLE, LicenceAction.EXCLUSIVE}


@dataclass(frozen=True)
class LicenceState:
    """What the rules need to know about one patent."""

    patent_type: str = PatentType.INVENTION
    open_declared: bool = False  # an open-licence declaration is in force
    exclusive_in_force: bool = False  # a sole or exclusive licence is in force
    transferred: bool = False  # a transfer or equity deal moved the patent away
    evaluation_report: bool = False  # the declaration being made names an evaluation report


def refusal(state: LicenceState, action: str) -> str | None:
    """None when ``action`` is allowed in ``state``, else the reason (Chinese / English)."""
    if state.transferred and action != LicenceAction.WITHDRAW_OPEN:
        return ALREADY_TRANSFERRED
    if action == LicenceAction.DECLARE_OPEN:
        if state.open_declared:
            return ALREADY_DECLARED
        if state.exclusive_in_force:
            return EXCLUSIVE_BLOCKS_OPEN
        if state.patent_type in (PatentType.UTILITY_MODEL, PatentType.DESIGN) and not state.evaluation_report:
            return REPORT_REQUIRED
        return None
    if action in (LicenceAction.WITHDRAW_OPEN, LicenceAction.TAKE_OPEN):
        return None if state.open_declared else NOT_DECLARED
    if action in EXCLUSIVE_ACTIONS and state.open_declared:
        return OPEN_BLOCKS_EXCLUSIVE
    if action in LICENSING and state.exclusive_in_force:
        return EXCLUSIVE_BLOCKS_LICENCE
    return None
