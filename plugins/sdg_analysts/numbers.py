"""Numbers as the page shows them: as the form prints them (``etl.exports.numbers.for_reader``)."""

from __future__ import annotations

from decimal import Decimal


def shown(value: Decimal | float | int | None, decimals: int) -> str:
    """``3,50`` for 3.5 at two decimals, as in the form's cell; '' for no value."""
    from etl.exports.numbers import for_reader

    return "" if value is None else for_reader(value, decimals, thousands="")
