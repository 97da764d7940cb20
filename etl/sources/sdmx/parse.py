"""SDMX observations into canonical rows: regions through the declared alias scheme, periods, statuses.

- ``REF_AREA`` → KATO through ``regions.kato(area_scheme, code)``; unknown codes are counted, not loaded.
- ``TIME_PERIOD``: ``2020`` (A), ``2020-Q1`` (Q), ``2020-01`` (M); any other form fails the answer.
  A ``FREQ`` dimension that disagrees with the period's form fails it too.
- ``OBS_VALUE`` through :func:`parse_value`, raw text kept; SDMX's encodings of "no value" (XML ``NaN``,
  JSON ``null``, empty CSV cell) are one form, the empty text.
- ``OBS_STATUS`` ``M``/``L``/``O``/``H`` (missing forms) → ``missing``; ``C``/``Q`` or ``OBS_CONF=C``
  (confidential, suppressed) → ``suppressed``; both keep the raw text and no number.
- ``UNIT_MEASURE`` is the unit; a ``UNIT_MULT`` other than 0 is NOT applied to the value (the published
  number is kept) but written into the unit text, e.g. ``PS ×10^3``, so nothing is guessed.
- dims: every dimension except REF_AREA, TIME_PERIOD, FREQ and those the series key fixes to one code
  (those identify the series); codes ``_T``, empty or the series' declared total code are left out.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections import Counter
from collections.abc import Mapping
from datetime import date

import pandas as pd

from etl.sources.base import ParseResult
from etl.sources.errors import BadValueError, SourceError
from etl.sources.observations import (
    MISSING,
    OBSERVATION_COLUMNS,
    SUPPRESSED,
    BadValue,
    check_text,
    dims_key,
    parse_value,
)
from etl.sources.sdmx.records import TIME_DIMENSION, Observations, RawObs

SOURCE = "sdmx"
AREA_DIMENSION = "REF_AREA"
FREQ_DIMENSION = "FREQ"
MISSING_STATUSES = frozenset({"M", "L", "O", "H"})
SUPPRESSED_STATUSES = frozenset({"C", "Q"})
NO_VALUE_FORMS = frozenset({"nan", "none", "null"})
#: attributes that become the stored unit text
UNIT_ATTRIBUTES = ("UNIT_MEASURE", "UNIT_MULT")

_ANNUAL = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_bounds(text: str) -> tuple[date, date, str]:
    """``2020`` / ``2020-Q1`` / ``2020-01`` → (start, end, frequency); ValueError for any other form."""
    if match := _ANNUAL.match(text):
        year = int(match.group(1))
        return date(year, 1, 1), date(year, 12, 31), "A"
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        last = quarter * 3
        return date(year, last - 2, 1), date(year, last, monthrange(year, last)[1]), "Q"
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        return date(year, month, 1), date(year, month, monthrange(year, month)[1]), "M"
    raise ValueError(f"unsupported TIME_PERIOD {text!r} (expected 2020, 2020-Q1 or 2020-01)")


def to_frame(
    observations: Observations,
    *,
    url: str,
    key: str,
    area_scheme: str,
    regions: Mapping[str, str],
    totals: Mapping[str, str] | None = None,
) -> ParseResult:
    """Canonical observations; ``regions`` maps the ``area_scheme`` codes to KATO."""
    kept = _disaggregations(observations.dimensions, key, totals or {}, url)
    result = ParseResult()
    records = []
    for index, obs in enumerate(observations.records):
        area = obs.key.get(AREA_DIMENSION)
        if area is None or TIME_DIMENSION not in obs.key:
            raise SourceError(SOURCE, url, f"observation {index} lacks {AREA_DIMENSION} or {TIME_DIMENSION}: {obs.key}")
        kato = regions.get(area)
        if kato is None:
            result.unmapped_regions[area] = f"{area_scheme} code"
            continue
        records.append(_record(obs, index, kato, kept, totals or {}, url))
    result.frame = pd.DataFrame.from_records(records, columns=list(OBSERVATION_COLUMNS))
    _check_unique(result.frame, url)
    units = sorted({u for u in result.frame["unit"].dropna().unique()})
    result.notes.append(f"{len(records)} observations, area scheme {area_scheme}, units {units}")
    return result


def _disaggregations(dimensions: list[str], key: str, totals: Mapping[str, str], url: str) -> list[str]:
    """Dimensions that go into ``dims``: the ones the key leaves open (wildcard or several codes)."""
    parts = key.split(".") if key not in ("", "all") else [""] * len(dimensions)
    if len(parts) != len(dimensions):
        raise SourceError(
            SOURCE, url, f"series key {key!r} has {len(parts)} positions; the answer has dimensions {dimensions}"
        )
    unknown = sorted(set(totals) - set(dimensions))
    if unknown:
        raise SourceError(SOURCE, url, f"declared totals name dimensions {unknown} not in the answer {dimensions}")
    fixed = {dim for dim, part in zip(dimensions, parts, strict=True) if part and "+" not in part}
    return [d for d in dimensions if d not in fixed and d not in (AREA_DIMENSION, FREQ_DIMENSION)]


def _record(obs: RawObs, index: int, kato: str, kept: list[str], totals: Mapping[str, str], url: str) -> tuple:
    period = obs.key[TIME_DIMENSION]
    try:
        start, end, frequency = period_bounds(period)
    except ValueError as exc:
        raise SourceError(SOURCE, url, f"{exc} in observation {obs.key}") from exc
    freq = obs.key.get(FREQ_DIMENSION)
    if freq is not None and freq != frequency:
        raise SourceError(SOURCE, url, f"FREQ {freq!r} does not match TIME_PERIOD {period!r}")
    dims = {d: ("_T" if obs.key.get(d, "") == totals.get(d) else obs.key.get(d, "")) for d in kept}
    try:
        value, text, status = _value(obs)
    except BadValue as exc:
        raise BadValueError(SOURCE, url, f"observation {index} {obs.key}, field OBS_VALUE: {exc}") from None
    _check_texts(obs, index, kept, url)
    return (kato, start, end, frequency, dims_key(dims), value, text, status, _unit(obs.attrs))


def _check_texts(obs: RawObs, index: int, kept: list[str], url: str) -> None:
    """The codes and unit attributes that are stored carry no control characters (JSON and CSV can hold them)."""
    for name in kept:
        check_text(obs.key.get(name, ""), SOURCE, url, f"observation {index}, dimension {name}")
    for name in UNIT_ATTRIBUTES:
        check_text(obs.attrs.get(name) or "", SOURCE, url, f"observation {index}, attribute {name}")


def _value(obs: RawObs) -> tuple:
    text = obs.value or ""
    if text.strip().lower() in NO_VALUE_FORMS:
        text = ""
    obs_status = obs.attrs.get("OBS_STATUS", "")
    if obs_status in SUPPRESSED_STATUSES or obs.attrs.get("OBS_CONF") == "C":
        return None, text, SUPPRESSED
    if obs_status in MISSING_STATUSES:
        return None, text, MISSING
    parsed = parse_value(text)
    return parsed.value, parsed.text, parsed.status


def _unit(attrs: Mapping[str, str]) -> str | None:
    unit = attrs.get("UNIT_MEASURE") or None
    mult = (attrs.get("UNIT_MULT") or "0").strip()
    if unit and mult != "0":
        return f"{unit} ×10^{mult}"
    return unit


def _check_unique(frame: pd.DataFrame, url: str) -> None:
    cuts = Counter(zip(frame["kato_code"], frame["period_start"], frame["period_end"], frame["dims"], strict=True))
    repeated = [cut for cut, n in cuts.items() if n > 1]
    if repeated:
        sample = ", ".join(f"{k} {s}..{e} [{d}]" for k, s, e, d in repeated[:5])
        raise SourceError(SOURCE, url, f"{len(repeated)} (region, period, dims) cuts repeat: {sample}")
