"""Calendar quarters, the unit every figure is counted in (CNIPA counts per province every quarter)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter, e.g. 2025Q4 (October to December 2025)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2025Q4`` (case and spaces forgiven); a clear bilingual error otherwise."""
        match = QUARTER_RE.match(text or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError(_("季度格式应为 2025Q4 / A quarter is written like 2025Q4: %(text)s") % {"text": text})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        following = self.next()
        return following.start - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def year_before(self) -> Quarter:
        return Quarter(self.year - 1, self.number)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last``, both included."""
    result, quarter = [], first
    while quarter <= last:
        result.append(quarter)
        quarter = quarter.next()
    return result


@dataclass(frozen=True)
class Period:
    """A closed date range that flow figures (deals, pushes …) are counted in."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def of(cls, quarter: Quarter, *, until: datetime.date | None = None) -> Period:
        """The quarter, or the part of it up to ``until`` (the live current quarter)."""
        end = quarter.end if until is None else min(quarter.end, until)
        return cls(quarter.start, end)
