"""The layout of one national-platform indicator file, read from the newest snapshot of it the warehouse keeps.

Ingest maps the file to canonical observations and loses what is only spelling: the column order, ``_T``
versus an empty cell for a total (both are the total, ``etl.sources.observations.dims_key``), ``UNIT_MEASURE``
versus the older ``Units`` header, ``GeoCode`` (not loaded), the line ending. To write a file the platform
recognises as its own, the export reads those back from the raw snapshot (kept with its sha256) and keys
each of its rows exactly as the parser does: (``REF_AREA`` code, year, dims key).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from etl.sources.observations import dims_key
from etl.sources.opensdg.parse import (
    GEOCODE,
    MAP_LAYER_CODES,
    REF_AREA,
    UNIT_COLUMNS,
    UNIT_MEASURE,
    VALUE,
    YEAR,
    decode_csv,
)

#: A row's key: (REF_AREA code, '' for the Republic; year; dims key as ``sdg.observation.dims``).
RowKey = tuple[str, int, str]


@dataclass
class Layout:
    """Header, the spelling of totals per column, the line ending, and the file's rows by key."""

    header: list[str]
    line_ending: str = "\n"
    #: per dimension column: how the file writes its total (``_T`` or an empty cell), the more frequent one
    totals: dict[str, str] = field(default_factory=dict)
    #: the file's data rows in order (cells as published); ``keys[i]`` is row i's key, None when it has none
    rows: list[list[str]] = field(default_factory=list)
    keys: list[RowKey | None] = field(default_factory=list)

    def index(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def build(self, key: RowKey, value_text: str) -> list[str]:
        """A new row for ``key`` in this layout: each column's code, its total spelling where the key has none."""
        area, year, dims = key
        codes = dict(part.split("=", 1) for part in dims.split("|") if part)
        unknown = sorted(set(codes) - set(self.dimension_columns()))
        if unknown:
            raise ValueError(f"dimensions {unknown} of cut {dims!r} are not columns of the file {self.header}")
        cells = []
        for name in self.header:
            if name == YEAR:
                cells.append(str(year))
            elif name == VALUE:
                cells.append(value_text)
            elif name == REF_AREA:
                cells.append(area)
            elif name == GEOCODE:
                cells.append(min(MAP_LAYER_CODES.get(area, frozenset()) or {""}))
            elif name in UNIT_COLUMNS:
                cells.append(codes.get(UNIT_MEASURE, ""))
            else:
                cells.append(codes.get(name, self.totals.get(name, "")))
        return cells

    def dimension_columns(self) -> list[str]:
        """Column names as dims keys name them (a ``Units`` column is ``UNIT_MEASURE``)."""
        names = [UNIT_MEASURE if n in UNIT_COLUMNS else n for n in self.header]
        return [n for n in names if n not in (YEAR, VALUE, REF_AREA, GEOCODE, "")]


def read_layout(content: bytes, url: str) -> Layout:
    """The layout of a published file (bytes of its snapshot); rows keyed as ``etl.sources.opensdg.parse`` keys them."""
    text = decode_csv(content, url)
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = [name.strip().lstrip("\ufeff").strip() for name in records[0]]
    layout = Layout(header=header, line_ending="\r\n" if "\r\n" in text else "\n")
    spellings: dict[str, Counter] = {}
    for cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        layout.rows.append(cells)
        layout.keys.append(_key(cells, header) if len(cells) >= len(header) else None)
        for name, cell in zip(header, cells, strict=False):
            if name not in (YEAR, VALUE, REF_AREA, GEOCODE, "", *UNIT_COLUMNS) and cell.strip() in ("", "_T"):
                spellings.setdefault(name, Counter())[cell.strip()] += 1
    layout.totals = {name: counts.most_common(1)[0][0] for name, counts in spellings.items()}
    return layout


def canonical_layout(dims_keys: set[str]) -> Layout:
    """A layout for an indicator with no platform file: Year, UNIT_MEASURE, other dims, REF_AREA, Value."""
    names = {part.split("=", 1)[0] for key in dims_keys for part in key.split("|") if part}
    middle = ([UNIT_MEASURE] if UNIT_MEASURE in names else []) + sorted(names - {UNIT_MEASURE})
    return Layout(header=[YEAR, *middle, REF_AREA, VALUE])


def _key(cells: list[str], header: list[str]) -> RowKey | None:
    named = dict(zip(header, (c.strip() for c in cells), strict=False))
    year = named.get(YEAR, "")
    if not (len(year) == 4 and year.isdigit()):
        return None
    dims = {n: v for n, v in named.items() if n not in (YEAR, VALUE, REF_AREA, GEOCODE, "", *UNIT_COLUMNS)}
    dims[UNIT_MEASURE] = next((named[n] for n in UNIT_COLUMNS if n in named), "")
    return named.get(REF_AREA, ""), int(year), dims_key(dims)
