"""Published value forms: numbers with decimal comma and thousands spaces, suppressed, missing, invalid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.sources.observations import AVAILABLE, INVALID, MISSING, SUPPRESSED, dims_key, parse_value

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", Decimal("12.5")),
        ("12,5", Decimal("12.5")),
        (" 1 234,5 ", Decimal("1234.5")),
        (f"1{NBSP}234,5", Decimal("1234.5")),
        (f"{NBSP}1{NNBSP}234{NBSP}567,25{NBSP}", Decimal("1234567.25")),
        ("123", Decimal("123")),
        ("-12,0", Decimal("-12")),
        ("+0,75", Decimal("0.75")),
        (",5", Decimal("0.5")),
        ("1e3", Decimal("1000")),
    ],
)
def test_numbers(raw, expected):
    parsed = parse_value(raw)
    assert parsed.status == AVAILABLE
    assert parsed.value == expected
    assert parsed.text == raw  # the published text is kept verbatim


def test_numbers_from_non_text():
    assert parse_value(7).value == Decimal(7)
    assert parse_value(7).status == AVAILABLE


@pytest.mark.parametrize("raw", ["x", "X", "х", "Х", " x "])  # Latin and Cyrillic
def test_suppressed(raw):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.status, parsed.text) == (None, SUPPRESSED, raw)


@pytest.mark.parametrize("raw", ["-", "", "  ", None, "—", "–", "..", "...", "…"])
def test_missing(raw):
    parsed = parse_value(raw)
    assert parsed.value is None
    assert parsed.status == MISSING
    assert parsed.text == ("" if raw is None else raw)


# "nan" and "inf" are not garbage but non-finite numbers: an error of the series (tests/test_bad_values.py)
@pytest.mark.parametrize("raw", ["12a", "1.2.3", "1,2,3", "abc", "12 %", "--5", "1,234.5", "xx", "0x1A", "infinite"])
def test_garbage_is_invalid_and_kept(raw):
    parsed = parse_value(raw)
    assert parsed.status == INVALID
    assert parsed.value is None
    assert parsed.text == raw


@pytest.mark.parametrize(
    ("dims", "key"),
    [
        ({}, ""),
        ({"SEX": "_T"}, ""),
        ({"SEX": "_T", "AGE": ""}, ""),
        ({"SEX": "F"}, "SEX=F"),
        ({"SEX": "F", "AGE": "Y15T24"}, "AGE=Y15T24|SEX=F"),
        ({"AGE": "Y15T24", "SEX": "F"}, "AGE=Y15T24|SEX=F"),
        ({"URBAN": "U", "SEX": "_T", "AGE": "Y0T4"}, "AGE=Y0T4|URBAN=U"),
    ],
)
def test_dims_key(dims, key):
    assert dims_key(dims) == key


def test_dims_key_does_not_depend_on_insertion_order():
    items = [("C", "3"), ("A", "1"), ("B", "2")]
    assert dims_key(dict(items)) == dims_key(dict(reversed(items))) == "A=1|B=2|C=3"
