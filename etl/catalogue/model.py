"""Typed catalogue records read from the CSV files, checked for cross-file consistency."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from etl import config
from etl.catalogue.files import (
    INDICATOR_COLUMNS,
    REGION_COLUMNS,
    SERIES_COLUMNS,
    CatalogueError,
    Row,
    read_rows,
)
from etl.sources.registry import SOURCES, source_class
from etl.sources.series import Series

_KATO = re.compile(r"^\d{9}$")
#: A series maps to an indicator directly; computed indicators are formulas (``catalogue/formulas.csv``).
SERIES_FORMULAS = frozenset({"direct"})


@dataclass(frozen=True)
class Region:
    kato_code: str
    kind: str
    name_ru: str
    name_kk: str
    name_en: str
    iso3166_2: str
    opensdg_code: str
    taldau_term_id: int | None
    m49: str
    valid_from: date | None
    valid_to: date | None
    split_from_kato: str | None
    sort_order: int
    #: the name as a body's name needs it (genitive): «Акмолинской области», «города Астаны»; «Ақмола облысының»
    genitive_ru: str = ""
    genitive_kk: str = ""

    def valid_in(self, year: int) -> bool:
        """True when the region existed for at least part of ``year``: the same rule as the SQL function
        ``sdg.region_in_year`` (migration 0019), kept for records read from the catalogue files, not the database;
        tests/test_sql_rules.py checks they agree on the edge days."""
        starts = self.valid_from is None or self.valid_from <= date(year, 12, 31)
        ends = self.valid_to is None or self.valid_to >= date(year, 1, 1)
        return starts and ends


@dataclass(frozen=True)
class Indicator:
    code: str
    goal: int
    target: str
    name_ru: str
    name_kk: str
    name_en: str
    unit_ru: str
    unit_kk: str
    #: 1 an increase is desirable, -1 a decrease is, None not judged (no direction-dependent assessment)
    direction: int | None
    decimals: int
    responsible_ru: str
    source_ru: str
    responsible_kk: str
    source_kk: str
    opensdg_id: str
    #: the national platform's UNIT_MEASURE code, when the unit is one of units.csv
    unit_code: str = ""
    #: ``national`` (the country's own indicator) or ``global`` (a UN indicator)
    kind: str = "national"
    #: the platform's reporting status (complete, inprogress, notstarted, notapplicable)
    reporting_status: str = ""


def load_regions(folder: Path | None = None) -> list[Region]:
    regions = [_region(row) for row in read_rows("regions.csv", REGION_COLUMNS, folder)]
    codes = {r.kato_code for r in regions}
    for region in regions:
        if region.split_from_kato and region.split_from_kato not in codes:
            raise CatalogueError(f"regions.csv: {region.kato_code} split from unknown {region.split_from_kato}")
    _unique([r.kato_code for r in regions], "regions.csv", "kato_code")
    _unique([r.taldau_term_id for r in regions if r.taldau_term_id], "regions.csv", "taldau_term_id")
    return sorted(regions, key=lambda r: r.sort_order)


def load_indicators(folder: Path | None = None) -> list[Indicator]:
    indicators = [_indicator(row) for row in read_rows("indicators.csv", INDICATOR_COLUMNS, folder)]
    _unique([i.code for i in indicators], "indicators.csv", "code")
    return indicators


def load_series(folder: Path | None = None, indicator_codes: set[str] | None = None) -> list[Series]:
    """Every ``catalogue/series/<source>.csv``; the source checks its own columns."""
    folder = folder or config.catalogue_dir()
    files = sorted((folder / "series").glob("*.csv"))
    if not files:
        raise CatalogueError(f"no series files in {folder / 'series'} (expected <source>.csv)")
    series: list[Series] = []
    for path in files:
        if path.stem not in SOURCES:
            raise CatalogueError(f"{path.name}: no source named {path.stem!r}; known: {sorted(SOURCES)}")
        source = source_class(path.stem)
        columns = SERIES_COLUMNS + tuple(getattr(source, "columns", ()))
        for row in read_rows(f"series/{path.name}", columns, folder):
            series.append(_series(row, path.stem, source.series_params(row), indicator_codes))
    _unique([s.series_key for s in series], "series/*.csv", "series_key")
    return series


def _region(row: Row) -> Region:
    kato = row.text("kato_code")
    if not _KATO.match(kato):
        raise CatalogueError(f"{row.where('kato_code')}: expected 9 digits, got {kato!r}")
    return Region(
        kato_code=kato,
        kind=row.text("kind"),
        name_ru=row.text("name_ru"),
        name_kk=row.text("name_kk"),
        name_en=row.text("name_en"),
        iso3166_2=row.text("iso3166_2", required=False),
        opensdg_code=row.text("opensdg_code", required=False),
        taldau_term_id=row.integer("taldau_term_id", required=False),
        m49=row.text("m49", required=False),
        valid_from=_date(row, "valid_from"),
        valid_to=_date(row, "valid_to"),
        split_from_kato=row.text("split_from_kato", required=False) or None,
        sort_order=row.integer("sort_order") or 0,
        genitive_ru=_genitive(row, "genitive_ru", _GENITIVE_RU),
        genitive_kk=_genitive(row, "genitive_kk", _GENITIVE_KK),
    )


#: what a region's or city's genitive must contain: it replaces «области» / «Облыстың» in a body's name
_GENITIVE_RU = {"region": "области", "city": "города"}
_GENITIVE_KK = {"region": "облысының", "city": "қаласының"}


def _genitive(row: Row, column: str, marks: dict[str, str]) -> str:
    """Required for regions and cities (their local bodies are named with it), checked for the right noun."""
    kind = row.text("kind")
    value = row.text(column, required=kind in marks)
    if kind in marks and marks[kind] not in value.split():
        raise CatalogueError(f"{row.where(column)}: a {kind}'s genitive contains {marks[kind]!r}, got {value!r}")
    return value


def _indicator(row: Row) -> Indicator:
    direction = row.integer("direction", required=False)
    if direction not in (-1, 1, None):
        raise CatalogueError(f"{row.where('direction')}: expected 1, -1 or empty (not judged), got {direction}")
    kind = row.text("kind", required=False) or "national"
    if kind not in ("national", "global"):
        raise CatalogueError(f"{row.where('kind')}: expected national or global, got {kind!r}")
    return Indicator(
        code=row.text("code"),
        goal=row.integer("goal") or 0,
        target=row.text("target"),
        name_ru=row.text("name_ru"),
        name_kk=row.text("name_kk"),
        name_en=row.text("name_en"),
        # the platform lists indicators it has no data or unit for; a form showing one fails its suite
        unit_ru=row.text("unit_ru", required=False),
        unit_kk=row.text("unit_kk", required=False),
        direction=direction,
        decimals=row.integer("decimals") or 0,
        responsible_ru=row.text("responsible_ru"),
        source_ru=row.text("source_ru"),
        responsible_kk=row.text("responsible_kk"),
        source_kk=row.text("source_kk"),
        opensdg_id=row.text("opensdg_id", required=False),
        unit_code=row.text("unit_code", required=False),
        kind=kind,
        reporting_status=row.text("reporting_status", required=False),
    )


def _series(row: Row, source: str, params: dict[str, Any], indicator_codes: set[str] | None) -> Series:
    code = row.text("indicator_code", required=False) or None
    if code and indicator_codes is not None and code not in indicator_codes:
        key = row.text("series_key")
        raise CatalogueError(f"{row.where('indicator_code')}: {key} maps to unknown indicator {code!r}")
    formula = row.text("formula", required=False) or "direct"
    if formula not in SERIES_FORMULAS:
        raise CatalogueError(
            f"{row.where('formula')}: a series maps directly ('direct'), got {formula!r}; "
            "a computed indicator is a formula in catalogue/formulas.csv"
        )
    return Series(
        series_key=row.text("series_key"),
        source=source,
        indicator_code=code,
        dims=row.text("dims", required=False),
        formula=formula,
        scale=row.decimal("scale", required=False) or Decimal(1),
        unit_ru=row.text("unit_ru", required=False),
        params=params,
        # which source's value a fact takes when several have one: the source's, unless the row sets its own
        priority=row.integer("priority", required=False) or SOURCES[source].priority,
    )


def _date(row: Row, column: str) -> date | None:
    raw = row.text(column, required=False)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise CatalogueError(f"{row.where(column)}: expected a date YYYY-MM-DD, got {raw!r}") from exc


def _unique(values: list, file: str, column: str) -> None:
    dupes = {v for v, count in Counter(values).items() if count > 1}
    if dupes:
        raise CatalogueError(f"{file}: column {column!r} repeats {sorted(map(str, dupes))}")
