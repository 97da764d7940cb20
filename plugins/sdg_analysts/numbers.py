"""Numbers as the page shows them: the indicator's decimals (``etl.exports.numbers.plain``), a decimal comma."""

from __future__ import annotations

from decimal import Decimal


def shown(value: Decimal | float | int | None, decimals: int) -> str:
    """``3,5`` for 3.50 at one decimal; '' for no value."""
    from etl.exports.numbers import plain

    if value is None:
        return ""
    return plain(Decimal(str(value)), decimals).replace(".", ",")
