"""Taldau period types and how a period's end date becomes a proper start/end/frequency."""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PeriodType:
    period_id: int
    frequency: str  # A, Q or M
    months: int
    cumulative: bool  # "с накоплением": from 1 January to the period end


#: Taldau's period ids (GetPeriodList / Search/GetPeriodNodes).
PERIOD_TYPES: dict[int, PeriodType] = {
    4: PeriodType(4, "M", 1, False),
    5: PeriodType(5, "Q", 3, False),
    7: PeriodType(7, "A", 12, False),
    8: PeriodType(8, "M", 1, True),
    9: PeriodType(9, "Q", 3, True),
}


@functools.lru_cache(maxsize=8192)  # every region repeats the same few hundred dates
def period_bounds(period_id: int, end_text: str) -> tuple[date, date]:
    """(start, end) of a period given Taldau's ``date`` field (``"31.12.2023"``, the last day)."""
    kind = PERIOD_TYPES.get(period_id)
    if kind is None:
        raise ValueError(f"unknown Taldau period id {period_id}; known: {sorted(PERIOD_TYPES)}")
    end = datetime.strptime(end_text.strip(), "%d.%m.%Y").date()
    if end.day != calendar.monthrange(end.year, end.month)[1] or end.month % kind.months:
        raise ValueError(f"{end_text!r} is not the last day of a period of type {period_id}")
    if kind.cumulative or kind.months == 12:
        start = date(end.year, 1, 1)
    else:
        month = end.month - kind.months + 1
        start = date(end.year, month, 1)
    return start, end
