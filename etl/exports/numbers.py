"""Numbers as text, rounded by the one rule (``etl.sources.observations.round_half_up``) at the indicator's
published decimals: plainly for other systems (a point, no exponent) or for a Russian or Kazakh reader (a comma)."""

from __future__ import annotations

from decimal import Decimal

from etl.sources.observations import round_half_up

#: no-break space: the thousands separator a Russian or Kazakh text uses, never broken across lines
NBSP = "\u00a0"


def plain(value: Decimal, decimals: int) -> str:
    """``value`` rounded half-up to ``decimals`` places, trailing zeros dropped: ``45.5``, not ``45.50`` or ``4.55E+1``.

    The national platform writes its numbers without trailing zeros in most files; a value the project
    computed follows that, at the indicator's published precision (``sdg.indicator.decimals``).
    """
    text = format(round_half_up(value, decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def for_reader(value: Decimal | float | int, decimals: int, thousands: str = NBSP) -> str:
    """``1 234,50`` for 1234.5 at two decimals: every decimal the indicator publishes, a decimal comma, thousands
    apart by ``thousands`` ('' for none), as a Russian or Kazakh reader writes it."""
    text = f"{round_half_up(value, decimals):,.{max(0, int(decimals))}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)
