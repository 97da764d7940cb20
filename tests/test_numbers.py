"""One rounding rule and one way of writing numbers for readers and for other systems; one axis rule for charts.

Hand-worked cases: each expected string is what the forms print for the value at the indicator's decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from etl.exports.numbers import NBSP, for_reader, plain
from etl.reports.axis import nice_ticks
from etl.sources.observations import round_half_up


@pytest.mark.parametrize(
    ("value", "decimals", "reader", "bare", "plain_text"),
    [
        (Decimal("1234.5"), 2, f"1{NBSP}234,50", "1234,50", "1234.5"),
        (Decimal("2.45"), 1, "2,5", "2,5", "2.5"),  # half away from zero, not to even
        (Decimal("-2.45"), 1, "-2,5", "-2,5", "-2.5"),
        (Decimal("-0.004"), 2, "0,00", "0,00", "0"),  # never a negative zero
        (2.675, 2, "2,68", "2,68", "2.68"),  # a float through its text, not its binary value 2.67499…
        (Decimal("1234567"), 0, f"1{NBSP}234{NBSP}567", "1234567", "1234567"),
        (7, 1, "7,0", "7,0", "7"),
    ],
)
def test_a_value_is_written_at_its_decimals(value, decimals, reader, bare, plain_text):
    assert for_reader(value, decimals) == reader
    assert for_reader(value, decimals, thousands="") == bare
    assert plain(Decimal(str(value)), decimals) == plain_text
    rounded = round_half_up(value, decimals)
    assert (
        rounded == Decimal(plain_text)
        and rounded.as_tuple().exponent == -decimals
        and rounded.is_signed() == (rounded < 0)  # a zero is never -0
    )


def test_the_pages_and_the_change_list_print_as_the_form_does():
    from etl.reports.amendments import shown as change_cell
    from etl.reports.overview_svg import number as overview_number

    assert change_cell(Decimal("3.5"), "", 2) == "3,50" and change_cell(None, "x", 2) == "x"
    assert overview_number(Decimal("1234.5"), 1) == f"1{NBSP}234,5" and overview_number(None, 1) == "—"


@pytest.mark.parametrize(
    ("low", "high", "intervals", "multiples"),
    [
        (0, 97, 5, (1, 2, 5)),
        (12.3, 12.3, 5, (1, 2, 5)),
        (-3, 41, 4, (1, 2, 2.5, 5)),
        (0.02, 0.31, 4, (1, 2, 2.5, 5)),
        (1500, 98000, 5, (1, 2, 5)),
    ],
)
def test_axis_ticks_cover_the_range_in_round_steps(low, high, intervals, multiples):
    ticks = nice_ticks(low, high, intervals, multiples)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and ticks[0] <= low and ticks[-1] >= high
    (step,) = steps
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {*multiples, 10}
    assert len(ticks) - 1 <= intervals * 2 + 1
