"""Quality settings from ``catalogue/quality.csv``, and the defaults when a row is absent.

Columns: ``indicator_code`` (an indicator code such as ``3.2.1``, or a series-key pattern such as
``opensdg:*`` for what belongs to how a source publishes); ``max_yoy_change`` (largest plausible
year-on-year relative change, in percent; default 50); ``additive`` (1 = regions sum to the national
total); ``kind`` (``share``, ``count``, ``rate``: values are never negative and shares lie
within 0..100 — the default; ``index``, ``change``, ``balance``, ``other``: values may be negative or
exceed 100 %, so those two checks do not apply); ``money`` is bounded like ``count``.
Values for a region before it existed (Abai before 2022) need no setting: every source's are loaded flagged
as back-calculated (docs/decisions/row-level-quarantine.md).

Magnitude (docs/decisions/no-silent-wrong-values.md): every value of a bounded kind also has an upper bound
from its unit (``catalogue/units.csv``, by code or Russian text): a rate per N at most N, a count at most
10^12 base units (persons, passenger trips, units; so 10^9 for thousands), an amount (money, tonnes, hectares)
at most 10^15 base units; a unit the table lacks is bounded by the ``kind`` (``count``, ``money``).
Optional columns ``min_value`` and ``max_value`` override the lower and upper bound of an indicator (they
apply to any kind, also to indices and changes); ``max_orders_off`` (default 3) is how many orders of
magnitude a value may lie from the median of its cut (``etl.quality.magnitude``). Errors name the file,
line and column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from math import isfinite, nan
from pathlib import Path

from etl import config
from etl.catalogue.units import Units, load_units

DEFAULT_MAX_YOY_CHANGE_PCT = 50.0
#: relative gap allowed between the sum of regions and the national total of an additive series
SUM_TOLERANCE_PCT = 1.0
FIRST_YEAR = 1990
COUNTRY_KATO = "000000000"
#: default upper bounds in base units (persons, units; tenge, dollars, tonnes, hectares)
MAX_COUNT = 1e12
#: orders of magnitude (log10) a value may lie from the median of its cut before it is held
DEFAULT_MAX_ORDERS_OFF = 3.0
MAX_AMOUNT = 1e15


@dataclass(frozen=True)
class IndicatorQuality:
    max_yoy_change_pct: float = DEFAULT_MAX_YOY_CHANGE_PCT
    additive: bool = False
    kind: str = ""
    #: explicit bounds of the values (``min_value``, ``max_value``); None: the kind's and unit's default
    min_value: float | None = None
    max_value: float | None = None
    #: ``max_orders_off`` when set (None: :data:`DEFAULT_MAX_ORDERS_OFF`)
    max_orders_off: float | None = None

    @property
    def orders_off_limit(self) -> float:
        return self.max_orders_off if self.max_orders_off is not None else DEFAULT_MAX_ORDERS_OFF

    @property
    def bounded(self) -> bool:
        """Whether the percent-bounds and non-negative checks apply (not for indices, changes, balances)."""
        return self.kind not in UNBOUNDED_KINDS


UNBOUNDED_KINDS = frozenset({"index", "change", "balance", "other"})
KINDS = frozenset({"", "share", "count", "rate", "money"}) | UNBOUNDED_KINDS
#: upper bound of a unit the unit table lacks, by the indicator's kind
_KIND_MAX = {"count": MAX_COUNT, "money": MAX_AMOUNT}


def combine(found: list[IndicatorQuality]) -> IndicatorQuality:
    """One series' settings from those of the indicators and patterns it matches: the strictest of each.

    The smallest year-on-year threshold, bounded if any setting is, the largest ``min_value`` and the smallest
    ``max_value``, the smallest ``max_orders_off`` set; no settings at all give the defaults.
    """
    if not found:
        return IndicatorQuality()
    mins = [q.min_value for q in found if q.min_value is not None]
    maxs = [q.max_value for q in found if q.max_value is not None]
    orders = [q.max_orders_off for q in found if q.max_orders_off is not None]
    return IndicatorQuality(
        max_yoy_change_pct=min(q.max_yoy_change_pct for q in found),
        additive=any(q.additive for q in found),
        kind=next((q.kind for q in found if q.bounded), found[0].kind),
        min_value=max(mins) if mins else None,
        max_value=min(maxs) if maxs else None,
        max_orders_off=min(orders) if orders else None,
    )


def value_bounds(unit: str | None, quality: IndicatorQuality) -> tuple[float, float]:
    """(lower, upper) bound of a value in ``unit`` for an indicator with ``quality``; ``nan``: none.

    The lower bound 0 of bounded kinds and the percent bound 100 are checked by their own expectations
    (``nonnegative_value``, ``percent_value``), so they are not repeated here.
    """
    lower = quality.min_value if quality.min_value is not None else nan
    upper = quality.max_value if quality.max_value is not None else nan
    if quality.max_value is None and quality.bounded:
        upper = _unit_max(unit, quality.kind)
    return lower, upper


def _unit_max(unit: str | None, kind: str) -> float:
    text = (unit or "").strip()
    found = _units(str(config.catalogue_dir())).find(code=text, text=text) if text else None
    if found is None:
        return _KIND_MAX.get(kind, nan)
    if found.kind == "rate" and found.per:
        return float(found.per)
    if found.kind in ("count", "amount"):
        return (MAX_COUNT if found.kind == "count" else MAX_AMOUNT) / float(found.multiplier)
    return nan


@lru_cache(maxsize=4)
def _units(folder: str) -> Units:
    """The unit table of a catalogue folder, read once per process (one lookup per distinct unit a run)."""
    return load_units(Path(folder))


def load_quality_settings(folder: Path | None = None) -> dict[str, IndicatorQuality]:
    """``indicator_code`` → settings; a missing file means defaults everywhere."""
    path = (folder or config.catalogue_dir()) / "quality.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r.get("indicator_code") or "").strip()]
    return {r["indicator_code"].strip(): _settings(r, path, line) for line, r in enumerate(rows, start=2)}


def _settings(row: dict, path: Path, line: int) -> IndicatorQuality:
    raw = (row.get("max_yoy_change") or "").strip().replace(",", ".")
    try:
        limit = float(raw) if raw else DEFAULT_MAX_YOY_CHANGE_PCT
    except ValueError as exc:
        raise ValueError(f"{path.name}, line {line}: max_yoy_change {raw!r} is not a number") from exc
    kind = (row.get("kind") or "").strip().lower()
    if kind not in KINDS:
        raise ValueError(f"{path.name}, line {line}: kind {kind!r} is not one of {sorted(k for k in KINDS if k)}")
    low, high = _number(row, "min_value", path, line), _number(row, "max_value", path, line)
    if low is not None and high is not None and low > high:
        raise ValueError(f"{path.name}, line {line}, column min_value: {low:g} is above max_value {high:g}")
    orders = _number(row, "max_orders_off", path, line)
    if orders is not None and orders <= 0:
        raise ValueError(f"{path.name}, line {line}, column max_orders_off: {orders:g} is not above 0")
    return IndicatorQuality(limit, _flag(row.get("additive")), kind, low, high, orders)


def _number(row: dict, column: str, path: Path, line: int) -> float | None:
    """An optional finite number (a decimal comma is accepted); errors name file, line and column."""
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        value = nan
    if not isfinite(value):
        raise ValueError(f"{path.name}, line {line}, column {column}: {raw!r} is not a finite number")
    return value


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes", "да")


def is_percent(unit: str | None) -> bool:
    """Units written for shares: "процент", "пайыз", "%", and the UN/SDMX codes "PERCENT", "PT"."""
    text = (unit or "").strip().lower()
    return "процент" in text or "пайыз" in text or "%" in text or "percent" in text or text == "pt"


def max_plausible_year(today: date | None = None) -> int:
    return (today or date.today()).year + 1
