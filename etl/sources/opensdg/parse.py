"""Open SDG ``data/indicator_<id>.csv`` files into canonical observations.

A file has a ``Year`` column, any number of disaggregation columns (SDMX SDG concept names:
``UNIT_MEASURE``, ``SEX``, ``AGE``, ``URBANISATION``, ``SERIES``, ``REF_AREA``, ...) and ``Value``;
an empty disaggregation cell (or SDMX ``_T``) means the total. What the real repository contains, and what we do:

- ``REF_AREA`` ``KZxx`` codes become KATO codes through the ``opensdg`` region aliases; an empty cell
  (or no such column) is the Republic (``000000000``). Codes without an alias (cities, monitoring
  posts) are counted in ``unmapped_regions`` and their rows are skipped, never loaded under a guess.
- ``UNIT_MEASURE`` (or the older Open SDG name ``Units``) gives the unit code and is also kept in the
  dims: eight real files mix units for otherwise identical cuts (e.g. 9-2-1: USD and percent).
- ``GeoCode`` only links a row to the map layer (``regions.geojson``, 17 polygons of 2018): it is not
  loaded, but a row whose ``GeoCode`` is not its ``REF_AREA``'s polygon (:data:`MAP_LAYER_CODES`) is
  counted as a ``geocode_contradiction`` warning (the real data links most regions' rows to KZ03, Akmola).
- Header columns with an empty name (trailing commas) are ignored when every cell under them is
  empty; a value under one is an error.
- A row with more cells than the header is an error naming the line, the header's columns and the
  extra cells, whether or not they are empty: which cell is out of place cannot be known. The usual
  cause is a decimal comma (``2020,,45,5`` under ``Year,SEX,Value``), and the message says so;
  a value is never read from a misaligned row (docs/decisions/no-silent-wrong-values.md).
- ``Year`` must be a plain four-digit year (annual, 1 Jan - 31 Dec); anything else is an error.
- A row with fewer cells than the header is skipped and counted (the real data has five such rows,
  e.g. a total row that lost its empty ``REF_AREA`` cell): which cell is missing cannot be known.
  It is also a ``short_row`` warning, stored with the snapshot with its count and first lines.
  A last line without a line break must be complete (every cell, a non-empty ``Value``), else the
  body was cut off in transfer: an error. A cut exactly at a line end, or inside a number, cannot be
  seen in the bytes (HTTP ``Content-Length`` checks catch transfer cuts).
- The same cut (region, year, dims) twice: identical values are loaded once (extras counted);
  different values are loaded once as ``invalid`` with the conflicting texts and line numbers in
  ``value_text`` - the source contradicts itself and we do not pick a winner.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from etl.sources.base import ParseResult
from etl.sources.errors import SourceError
from etl.sources.observations import INVALID, OBSERVATION_COLUMNS, ParsedValue, check_text, dims_key, read_value

SOURCE = "opensdg"
NATIONAL_KATO = "000000000"
YEAR, VALUE, REF_AREA, UNIT_MEASURE = "Year", "Value", "REF_AREA", "UNIT_MEASURE"
#: Unit column names: SDMX and the older Open SDG one; both are read as ``UNIT_MEASURE``.
UNIT_COLUMNS = (UNIT_MEASURE, "Units")
GEOCODE = "GeoCode"
#: Columns that are neither a dimension nor data: Open SDG's map-layer link.
IGNORED_COLUMNS = frozenset({GEOCODE})
#: ``REF_AREA`` -> the map-layer polygons (``kzCode`` of the platform's ``regions.geojson``, 2018 borders)
#: its ``GeoCode`` may name. South Kazakhstan links to Turkestan region's polygon (KZ10, its successor); the
#: 2022 regions, which the layer lacks, to the polygon of the region they were split from. A total row
#: (no ``REF_AREA``) names none; ``REF_AREA`` codes not listed here (cities, posts) are not judged.
MAP_LAYER_CODES: dict[str, frozenset[str]] = {
    code: frozenset(geo.split())
    for code, geo in {
        "": "", "KZALM": "KZ01", "KZALA": "KZ02", "KZAKM": "KZ03", "KZAKT": "KZ04", "KZNS": "KZ05",
        "KZATY": "KZ06", "KZZAP": "KZ07", "KZMAN": "KZ09", "KZYUZ": "KZ10", "KZONT": "KZ10", "KZPAV": "KZ11",
        "KZKAR": "KZ12", "KZKUS": "KZ13", "KZKZY": "KZ14", "KZVOS": "KZ15", "KZSEV": "KZ16", "KZZHA": "KZ17",
        "KZSHY": "KZ18", "KZABY": "KZ15", "KZZHS": "KZ01", "KZULU": "KZ12",
    }.items()
}  # fmt: skip
_DIM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_YEAR = re.compile(r"^\d{4}$")

#: Categories of rows read but not loaded as observations of their own.
SHORT_ROW = "short_row"
#: Warning kind (``ParseResult.warnings``): a ``GeoCode`` that is not the polygon of the row's ``REF_AREA``.
GEOCODE_CONTRADICTION = "geocode_contradiction"
UNMAPPED_REGION = "unmapped_region"
IDENTICAL_DUPLICATE = "identical_duplicate"
CONFLICTING_DUPLICATE = "conflicting_duplicate"


@dataclass
class OpenSdgParseResult(ParseResult):
    """A :class:`ParseResult` with the count of data rows read and why some of them are not loaded."""

    rows_read: int = 0
    skipped: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class _Layout:
    """Where each role sits in the header."""

    width: int
    year: int
    value: int
    unit: int | None
    area: int | None
    geo: int | None
    names: tuple[str, ...]
    dims: tuple[tuple[str, int], ...]
    stray: tuple[int, ...]


@dataclass
class _Row:
    line: int
    kato: str
    year: int
    dims: str
    unit: str
    parsed: ParsedValue


def parse_indicator_csv(
    content: bytes, *, url: str, regions: dict[str, str], unit: str | None = None
) -> OpenSdgParseResult:
    """Parse one indicator CSV; ``regions`` maps ``KZxx`` codes to KATO. SourceError names URL and reason."""
    text = decode_csv(content, url)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise SourceError(SOURCE, url, f"malformed CSV at line {reader.line_num}: {exc}") from exc
    if not records:
        raise SourceError(SOURCE, url, "no header line")
    layout = _layout(records[0][1], url)
    result = OpenSdgParseResult()
    rows: list[_Row] = []
    last = len(records) - 1
    for index, (line, cells) in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in cells):
            continue
        result.rows_read += 1
        cut_off = index == last and not text.endswith(("\n", "\r"))
        row = _row(cells, line, layout, regions, result, url, cut_off)
        if row is not None:
            rows.append(row)
    result.frame = _frame(_dedupe(rows, result), unit)
    result.skipped_rows = sum(result.skipped.values())
    return result


def decode_csv(content: bytes, url: str) -> str:
    """Bytes to text; an HTML page, an empty body or bytes that are not UTF-8 are errors."""
    if not content.strip():
        raise SourceError(SOURCE, url, "answered an empty body")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(SOURCE, url, f"not UTF-8 text at byte {exc.start}: {exc.reason}") from exc
    if text.lstrip().startswith("<"):
        raise SourceError(SOURCE, url, "answered an HTML page instead of CSV: " + " ".join(text.split())[:120])
    return text


def _layout(header: list[str], url: str) -> _Layout:
    names = [name.strip().lstrip("\ufeff").strip() for name in header]
    named = [n for n in names if n]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated:
        raise SourceError(SOURCE, url, f"header repeats columns {repeated}: {header}")
    for required in (YEAR, VALUE):
        if required not in names:
            raise SourceError(SOURCE, url, f"header lacks the {required!r} column: {header}")
    units = [i for i, n in enumerate(names) if n in UNIT_COLUMNS]
    if len(units) > 1:
        raise SourceError(SOURCE, url, f"header has two unit columns {UNIT_COLUMNS}: {header}")
    special = {YEAR, VALUE, REF_AREA, *UNIT_COLUMNS, *IGNORED_COLUMNS, ""}
    dims = tuple((n, i) for i, n in enumerate(names) if n not in special)
    bad = [n for n, _ in dims if not _DIM_NAME.match(n)]
    if bad:
        raise SourceError(SOURCE, url, f"unexpected column names {bad} (expected SDMX-like names): {header}")
    return _Layout(
        width=len(names),
        year=names.index(YEAR),
        value=names.index(VALUE),
        unit=units[0] if units else None,
        area=names.index(REF_AREA) if REF_AREA in names else None,
        geo=names.index(GEOCODE) if GEOCODE in names else None,
        names=tuple(names),
        dims=dims,
        stray=tuple(i for i, n in enumerate(names) if not n),
    )


def _row(
    cells: list[str],
    line: int,
    layout: _Layout,
    regions: dict[str, str],
    result: OpenSdgParseResult,
    url: str,
    cut_off: bool,
) -> _Row | None:
    if cut_off:
        _check_last_line(cells, line, layout, url)
    if len(cells) < layout.width:
        _short_row(cells, line, layout, result)
        return None
    _check_extra_cells(cells, line, layout, url)
    _check_geocode(cells, line, layout, result)
    kato = _kato(cells, layout, regions, result)
    if kato is None:
        return None
    unit = cells[layout.unit].strip() if layout.unit is not None else ""
    dims = {name: cells[i].strip() for name, i in layout.dims}
    dims[UNIT_MEASURE] = unit
    _check_dims(dims, line, url)
    year = _year(cells[layout.year], line, url)
    value = read_value(cells[layout.value], SOURCE, url, f"line {line}, column {VALUE}")  # BadValueError if bad
    return _Row(line, kato, year, dims_key(dims), unit, value)


def _check_last_line(cells: list[str], line: int, layout: _Layout, url: str) -> None:
    """A last line without a line end must be complete, else the body was cut off in transfer."""
    if len(cells) < layout.width or not cells[layout.value].strip():
        reason = f"last line {line} has {len(cells)} of {layout.width} cells" + (
            "" if len(cells) < layout.width else " and an empty Value"
        )
        raise SourceError(SOURCE, url, f"truncated body: {reason} and no line end")


def _short_row(cells: list[str], line: int, layout: _Layout, result: OpenSdgParseResult) -> None:
    result.skipped[SHORT_ROW] += 1
    note = f"line {line}: {len(cells)} of {layout.width} cells, skipped: {cells}"
    result.notes.append(note)
    result.warn(SHORT_ROW, note)


def _check_extra_cells(cells: list[str], line: int, layout: _Layout, url: str) -> None:
    """A row wider than the header, or a value under a nameless header column, is an error naming both."""
    if len(cells) > layout.width:
        extra = {i + 1: cells[i] for i in range(layout.width, len(cells))}
        filled = [i for i in range(layout.width, len(cells)) if cells[i].strip()]
        what = (
            f"value {cells[filled[0]]!r} in column {filled[0] + 1}, which has no header name"
            if filled
            else (f"extra empty cells {sorted(extra)}")
        )
        raise SourceError(
            SOURCE,
            url,
            f"line {line}: {len(cells)} cells under a header of {layout.width} columns {list(layout.names)}: {what}; "
            f"cells beyond the header {extra} (decimal comma? this file separates cells by ',': write 45.5, "
            "not 45,5); no value is read from a misaligned row",
        )
    stray = [i for i in layout.stray if cells[i].strip()]
    if stray:
        raise SourceError(
            SOURCE, url, f"line {line}: value {cells[stray[0]]!r} in column {stray[0] + 1}, which has no header name"
        )


def _check_geocode(cells: list[str], line: int, layout: _Layout, result: OpenSdgParseResult) -> None:
    """Count a row whose map link names another region's polygon than its ``REF_AREA`` (not loaded either way)."""
    geo = cells[layout.geo].strip() if layout.geo is not None else ""
    area = cells[layout.area].strip() if layout.area is not None else ""
    accepted = MAP_LAYER_CODES.get(area)
    if geo and accepted is not None and geo not in accepted:
        result.warn(GEOCODE_CONTRADICTION, f"line {line}: REF_AREA {area or '(total)'!r} but GeoCode {geo!r}")


def _kato(cells: list[str], layout: _Layout, regions: dict[str, str], result: OpenSdgParseResult) -> str | None:
    code = cells[layout.area].strip() if layout.area is not None else ""
    if not code:
        return NATIONAL_KATO
    kato = regions.get(code)
    if kato is None:
        result.unmapped_regions.setdefault(code, "")
        result.skipped[UNMAPPED_REGION] += 1
    return kato


def _check_dims(dims: dict[str, str], line: int, url: str) -> None:
    for name, value in dims.items():
        if not value.isprintable():  # NUL and other control characters are an error (etl.sources.observations)
            check_text(value, SOURCE, url, f"line {line}, column {name}")
        if "|" in value or "=" in value:
            raise SourceError(SOURCE, url, f"line {line}: {name} value {value!r} contains '|' or '='")


def _year(raw: str, line: int, url: str) -> int:
    token = raw.strip()
    if not _YEAR.match(token):
        raise SourceError(SOURCE, url, f"line {line}: Year {raw!r} is not a plain four-digit year")
    return int(token)


def _dedupe(rows: list[_Row], result: OpenSdgParseResult) -> list[_Row]:
    """One row per (region, year, dims); see the module docstring for the rule."""
    groups: dict[tuple[str, int, str], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.kato, row.year, row.dims), []).append(row)
    kept = []
    for group in groups.values():
        kept.append(group[0] if len(group) == 1 else _merge(group, result))
    return kept


def _merge(group: list[_Row], result: OpenSdgParseResult) -> _Row:
    first = group[0]
    lines = [r.line for r in group]
    if len({(r.parsed.status, r.parsed.value) for r in group}) == 1:
        result.skipped[IDENTICAL_DUPLICATE] += len(group) - 1
        return first
    result.skipped[CONFLICTING_DUPLICATE] += len(group) - 1
    conflict = "; ".join(f"line {r.line}: {r.parsed.text.strip()!r}" for r in group)
    result.notes.append(f"lines {lines}: conflicting values for one cut, loaded as invalid: {conflict}")
    merged = ParsedValue(None, INVALID, f"conflicting values: {conflict}")
    return _Row(first.line, first.kato, first.year, first.dims, first.unit, merged)


def _frame(rows: list[_Row], unit: str | None) -> pd.DataFrame:
    records = [
        (
            r.kato,
            date(r.year, 1, 1),
            date(r.year, 12, 31),
            "A",
            r.dims,
            r.parsed.value,
            r.parsed.text,
            r.parsed.status,
            r.unit or unit,
        )
        for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(OBSERVATION_COLUMNS))
