"""Chart axes: round tick values, shared by the overview's charts and the analysts' page."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nice_ticks(low: float, high: float, intervals: int = 5, multiples: Sequence[float] = (1, 2, 5, 10)) -> list[float]:
    """Round ticks covering [low, high], about ``intervals`` apart: steps of one of ``multiples`` times a power of
    ten; a single value gets a range around it."""
    if high <= low:
        low, high = (low - 1, high + 1) if low == 0 else (low - abs(low) * 0.1, high + abs(high) * 0.1)
    raw = (high - low) / max(intervals, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (*multiples, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks
