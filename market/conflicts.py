"""The one conflict-of-interest rule of the expert library, used by every commission and by the suggestions.

An expert never rates a patent of their own employer, nor one they are an inventor of, nor one commissioned by an
enterprise they work for. "Works for" is the expert's account (its institution or enterprise) or, for experts without
an account of that kind, the employer's name as recorded in the library.
"""

from __future__ import annotations

import re

from patentpool.models import Patent

NAME_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _inventor_names(patent: Patent) -> set[str]:
    return {name for name in NAME_SEPARATORS.split(patent.inventors or "") if name}


def expert_conflict_reason(*, expert, patent: Patent, enterprise=None) -> tuple[str, str] | None:
    """Why ``expert`` may not rate ``patent`` (commissioned by ``enterprise`` when given), as (中文, English), or None."""
    user = expert.user
    employer = (expert.organisation or "").strip()
    if (user is not None and user.institution_id == patent.institution_id) or employer == patent.institution.name:
        return ("专家任职于该专利的权利人单位", "the expert works for the patent's institution")
    if (user is not None and patent.inventor_accounts.filter(pk=user.pk).exists()) or expert.name in _inventor_names(
        patent
    ):
        return ("专家是该专利的发明人", "the expert is an inventor of the patent")
    if enterprise is not None and (
        (user is not None and user.enterprise_id == enterprise.pk) or employer == enterprise.name
    ):
        return ("专家任职于委托企业", "the expert works for the commissioning enterprise")
    return None
