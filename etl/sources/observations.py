"""The canonical observation row every source is parsed into, and the value forms statistics use.

Statistics offices publish values as text: ``"12,5"`` (decimal comma), ``"x"`` (suppressed to protect
confidentiality), ``"-"`` or an empty cell (no data). A value is never guessed: text that is not one of
these forms is kept verbatim with status ``invalid`` so a person can see it.

Some text is not a value at all but a broken answer: a number that no float or PostgreSQL ``numeric``
can hold (``Infinity``, ``NaN``, ``1e400``, ``1e-20000``) or a control character (NUL, ...). Those raise
:class:`BadValue`; the parser adds where it was and raises :class:`~etl.sources.errors.BadValueError`,
an error of that series (docs/decisions/bad-values.md).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from etl.sources.errors import BadValueError

#: Columns of a parsed observation frame, in load order.
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "kato_code",
    "period_start",
    "period_end",
    "frequency",
    "dims",
    "value",
    "value_text",
    "obs_status",
    "unit",
)

SUPPRESSED = "suppressed"
MISSING = "missing"
INVALID = "invalid"
AVAILABLE = "A"

_SUPPRESSED_FORMS = {"x", "х"}  # Latin and Cyrillic "x" both occur
_MISSING_FORMS = {"", "-", "–", "—", "..", "...", "…", "null", "none", "n/a"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
#: Control characters (Unicode Cc) other than tab, line feed and carriage return: never part of a value
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NON_FINITE = frozenset({"inf", "infinity", "nan", "snan"})
#: Decimal exponents (``Decimal.adjusted()``) a value may have: float64's normal range, which the quality
#: gate and the facts compute in; 1e400 would be inf there and 1e-400 zero. PostgreSQL ``numeric`` holds it.
MAX_EXPONENT = 307
MIN_EXPONENT = -307
#: Digits PostgreSQL ``numeric`` keeps after the decimal point (beyond it COPY fails: "value overflows")
MAX_SCALE = 16383
#: Numbers up to this many characters cannot reach MAX_SCALE with an exponent within the bounds above
_SHORT_NUMBER = 1000


class ParsedValue(NamedTuple):
    """A published value read: a tuple, because a million of them are made per load (docs/performance.md)."""

    value: Decimal | None
    status: str
    text: str


class BadValue(ValueError):
    """A published value that is not a value (non-finite, out of range, control characters): says what, not where."""


def parse_value(raw: object) -> ParsedValue:
    """Read one published value: decimal comma, thousands spaces, ``x``, ``-`` and empty.

    Raises :class:`BadValue` for a number no float or ``numeric`` can hold, or control characters in the text.
    """
    text = raw if type(raw) is str else "" if raw is None else str(raw)
    if not text.isprintable():  # C-fast; only tabs, no-break spaces and the like go on to the regex
        _check_characters(text)
    token = text.strip()
    if len(token) < 5:  # every suppressed or missing form is short
        lowered = token.lower()
        if lowered in _SUPPRESSED_FORMS:
            return ParsedValue(None, SUPPRESSED, text)
        if lowered in _MISSING_FORMS:
            return ParsedValue(None, MISSING, text)
    candidate = token.replace(" ", "").replace(",", ".")  # the common forms, without a regex
    if _NUMBER.match(candidate) is None:
        candidate = _SPACES.sub("", token).replace(",", ".")  # no-break and narrow spaces, apostrophes
        if _NUMBER.match(candidate) is None:
            return _not_a_number(text, candidate)
    try:
        number = Decimal(candidate)
    except InvalidOperation:
        return ParsedValue(None, INVALID, text)
    if not MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT or len(candidate) > _SHORT_NUMBER:
        _check_range(number, text)
    return ParsedValue(number, AVAILABLE, text)


def _check_characters(text: str) -> None:
    found = _CONTROL.search(text)
    if found is not None:
        char = found.group()
        raise BadValue(
            f"{_show(text)} contains the control character U+{ord(char):04X} at position {found.start() + 1}"
        )


def _not_a_number(text: str, candidate: str) -> ParsedValue:
    """Text kept as ``invalid``, unless it spells a non-finite number (``Infinity``, ``NaN``, a float ``inf``)."""
    if candidate.lstrip("+-").lower() in _NON_FINITE:
        raise BadValue(f"{_show(text)} is not a finite number")
    return ParsedValue(None, INVALID, text)


def _check_range(number: Decimal, text: str) -> None:
    exponent = number.adjusted()
    if exponent > MAX_EXPONENT:
        raise BadValue(f"{_show(text)} is not a finite number (decimal exponent {exponent}, at most {MAX_EXPONENT})")
    if exponent < MIN_EXPONENT:
        raise BadValue(f"{_show(text)} is out of range (decimal exponent {exponent}, at least {MIN_EXPONENT})")
    scale = -int(number.as_tuple().exponent)
    if scale > MAX_SCALE:
        raise BadValue(f"{_show(text)} has {scale} digits after the decimal point (at most {MAX_SCALE})")


def _show(text: str) -> str:
    """The text for a message: quoted with escapes, cut to 80 characters."""
    return repr(text) if len(text) <= 80 else repr(text[:80]) + f"... ({len(text)} characters)"


def read_value(raw: object, source: str, url: str, where: str, series: str | None = None) -> ParsedValue:
    """:func:`parse_value` for a parser that knows where the value was: a bad value is a :class:`BadValueError`."""
    try:
        return parse_value(raw)
    except BadValue as exc:
        raise BadValueError(source, url, f"{where}: {exc}", series=series) from None


def text_problem(value: str) -> str | None:
    """What is wrong with a text field (dimension code, unit): a control character, or None."""
    if value.isprintable():
        return None
    try:
        _check_characters(value)
    except BadValue as exc:
        return str(exc)
    return None


def check_text(value: str, source: str, url: str, where: str, series: str | None = None) -> str:
    """A text field (dimension code, unit) without control characters, else a :class:`BadValueError`."""
    problem = text_problem(value)
    if problem is not None:
        raise BadValueError(source, url, f"{where}: {problem}", series=series)
    return value


def dims_key(dims: dict[str, str]) -> str:
    """Canonical text key of a disaggregation; totals (``_T``) are left out, so all-totals is ``''``."""
    return "|".join(f"{k}={v}" for k, v in sorted(dims.items()) if v not in ("", "_T"))


def round_half_up(value: Decimal | float | int, decimals: int) -> Decimal:
    """Round as statistics offices publish (2.45 → 2.5, half away from zero), not banker's rounding; never a
    negative zero (−0.004 → 0.00, not −0.00 on a form). Floats go through their text, so 2.675 stays 2.675.

    The one rounding rule: facts, the forms' cells, exports and every page print values through it.
    """
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded
