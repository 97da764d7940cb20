"""Numbers as text for other systems: plain decimal notation at a fixed precision, never an exponent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def plain(value: Decimal, decimals: int) -> str:
    """``value`` rounded half-up to ``decimals`` places, trailing zeros dropped: ``45.5``, not ``45.50`` or ``4.55E+1``.

    The national platform writes its numbers without trailing zeros in most files; a value the project
    computed follows that, at the indicator's published precision (``sdg.indicator.decimals``).
    """
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
