"""The canonical observation row every source is parsed into, and the value forms statistics use.

Statistics offices publish values as text: ``"12,5"`` (decimal comma), ``"x"`` (suppressed to protect
confidentiality), ``"-"`` or an empty cell (no data). A value is never guessed: text that is not one of
these forms is kept verbatim with status ``invalid`` so a person can see it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

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


class ParsedValue(NamedTuple):
    """A published value read: a tuple, because a million of them are made per load (docs/performance.md)."""

    value: Decimal | None
    status: str
    text: str


def parse_value(raw: object) -> ParsedValue:
    """Read one published value: decimal comma, thousands spaces, ``x``, ``-`` and empty."""
    text = raw if type(raw) is str else "" if raw is None else str(raw)
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
            return ParsedValue(None, INVALID, text)
    try:
        return ParsedValue(Decimal(candidate), AVAILABLE, text)
    except InvalidOperation:
        return ParsedValue(None, INVALID, text)


def dims_key(dims: dict[str, str]) -> str:
    """Canonical text key of a disaggregation; totals (``_T``) are left out, so all-totals is ``''``."""
    return "|".join(f"{k}={v}" for k, v in sorted(dims.items()) if v not in ("", "_T"))
