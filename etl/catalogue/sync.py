"""Mirror the catalogue files into the warehouse in one transaction (upserts: re-running changes nothing)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue import edition
from etl.catalogue.files import (
    ACTIVITY_COLUMNS,
    ALL_REGIONS,
    APPENDIX1_COLUMNS,
    PLAN_COLUMNS,
    CatalogueError,
    read_rows,
)
from etl.catalogue.formulas import Formula, load_formulas
from etl.catalogue.mirror import replace_rows
from etl.catalogue.model import Region, load_indicators, load_regions, load_series
from etl.catalogue.planning import sync_planning
from etl.catalogue.plans import sync_plan_paths
from etl.catalogue.units import load_units


@dataclass(frozen=True)
class SyncResult:
    regions: int
    indicators: int
    series: int
    appendix1_items: int
    plans: int
    activities: int
    formulas: int = 0
    plan_paths: int = 0
    planning_documents: int = 0


def sync_catalogue(conn: Connection, folder: Path | None = None) -> SyncResult:
    """Write every catalogue file to the warehouse; the caller's transaction makes it all-or-nothing.

    The files' bytes are stored too, as the edition later steps read (:mod:`etl.catalogue.edition`); files edited
    while the sync read them make it fail rather than store an edition the mirror does not match.
    """
    folder = folder or config.catalogue_files_dir()
    captured = edition.capture(folder)
    regions = load_regions(folder)
    indicators = load_indicators(folder)
    series = load_series(folder, {i.code for i in indicators})
    units = load_units(folder)
    _check_mapped_units(indicators, series, units)
    by_key = {s.series_key: s for s in series}
    formulas = load_formulas(folder, {i.code: i for i in indicators}, by_key, units, {r.kato_code for r in regions})
    _upsert_regions(conn, regions)
    _replace_aliases(conn, regions)
    _upsert(conn, "sdg.indicator", ("code",), [i.__dict__ for i in indicators])
    _upsert(
        conn,
        "sdg.series",
        ("series_key",),
        [
            {"series_key": s.series_key, "source": s.source, "params": json.dumps(s.params), "unit": s.unit_ru or None}
            for s in series
        ],
        casts={"params": "jsonb"},
    )
    conn.execute(text("DELETE FROM sdg.indicator_series"))
    mappings = [
        {
            "indicator_code": s.indicator_code,
            "series_key": s.series_key,
            "dims": s.dims,
            "formula": s.formula,
            "scale": s.scale,
            "priority": s.priority,
        }
        for s in series
        if s.indicator_code
    ]
    if mappings:
        conn.execute(
            text(
                "INSERT INTO sdg.indicator_series (indicator_code, series_key, dims, formula, scale, priority) "
                "VALUES (:indicator_code, :series_key, :dims, :formula, :scale, :priority)"
            ),
            mappings,
        )
    _replace_formulas(conn, formulas)
    # the typical list ('*') applies to every region, historical ones too: their old years' forms are filled
    listed = [r.kato_code for r in regions if r.kind != "country"]
    items = _appendix1_rows(folder, listed, {i.code for i in indicators})
    replace_rows(conn, "sdg.appendix1_item", items)
    plans = [_plan(row) for row in read_rows("plans.csv", PLAN_COLUMNS, folder)]
    replace_rows(conn, "sdg.plan_value", plans)
    activities = [_activity(row) for row in read_rows("activities.csv", ACTIVITY_COLUMNS, folder)]
    replace_rows(conn, "sdg.activity", activities)
    plan_paths = sync_plan_paths(conn, folder)
    planning = sync_planning(conn, folder)  # after regions, indicators and Appendix 1: it refers to them
    if edition.capture(folder).sha256 != captured.sha256:
        raise CatalogueError(f"the catalogue in {folder} changed while it was being synced; run the sync again")
    edition.store(conn, captured)
    return SyncResult(
        len(regions),
        len(indicators),
        len(series),
        len(items),
        len(plans),
        len(activities),
        len(formulas),
        plan_paths,
        planning,
    )


def _check_mapped_units(indicators: list, series: list, units) -> None:
    """A series mapped directly must be published in its indicator's unit (when it declares one)."""
    by_code = {i.code: i for i in indicators}
    for s in series:
        indicator = by_code.get(s.indicator_code or "")
        if indicator is None or not s.unit_ru:
            continue
        own = units.find(text=s.unit_ru)
        wanted = units.find(indicator.unit_code, indicator.unit_ru)
        if own is None or wanted is None or own.code != wanted.code:
            if " ".join(s.unit_ru.lower().split()) != " ".join(indicator.unit_ru.lower().split()):
                raise CatalogueError(
                    f"series/{s.source}.csv: {s.series_key} is published in {s.unit_ru!r}, but indicator "
                    f"{indicator.code} is in {indicator.unit_ru!r}; map it through a formula or fix the unit"
                )


def _replace_formulas(conn: Connection, formulas: list[Formula]) -> None:
    conn.execute(text("DELETE FROM sdg.indicator_formula"))  # operands go with them (ON DELETE CASCADE)
    if not formulas:
        return
    conn.execute(
        text(
            "INSERT INTO sdg.indicator_formula (indicator_code, kato_code, formula, factor, priority) "
            "VALUES (:indicator_code, :kato_code, :formula, :factor, :priority)"
        ),
        [
            {
                "indicator_code": f.indicator_code,
                "kato_code": f.kato_code,
                "formula": f.formula,
                "factor": f.factor,
                "priority": f.priority,
            }
            for f in formulas
        ],
    )
    conn.execute(
        text(
            "INSERT INTO sdg.indicator_operand (indicator_code, kato_code, position, role, series_key, dims, unit, "
            "scale, label_ru, label_kk) "
            "VALUES (:indicator_code, :kato_code, :position, :role, :series_key, :dims, :unit, :scale, :label_ru, "
            ":label_kk)"
        ),
        [
            {
                "indicator_code": f.indicator_code,
                "kato_code": f.kato_code,
                "position": o.position,
                "role": o.role,
                "series_key": o.series_key,
                "dims": o.dims,
                "unit": o.unit,
                "scale": o.scale,
                "label_ru": o.label_ru,
                "label_kk": o.label_kk,
            }
            for f in formulas
            for o in f.operands
        ],
    )


def _upsert_regions(conn: Connection, regions: list[Region]) -> None:
    columns = (
        "kato_code",
        "kind",
        "name_ru",
        "name_kk",
        "name_en",
        "genitive_ru",
        "genitive_kk",
        "valid_from",
        "valid_to",
        "sort_order",
    )
    rows = [{c: getattr(r, c) for c in columns} for r in regions]
    _upsert(conn, "sdg.region", ("kato_code",), rows)
    links = [{"kato_code": r.kato_code, "split_from_kato": r.split_from_kato} for r in regions]
    conn.execute(text("UPDATE sdg.region SET split_from_kato = :split_from_kato WHERE kato_code = :kato_code"), links)


def _replace_aliases(conn: Connection, regions: list[Region]) -> None:
    conn.execute(text("DELETE FROM sdg.region_alias"))
    rows = []
    for region in regions:
        for scheme, alias in (
            ("kato", region.kato_code),
            ("taldau_term", region.taldau_term_id),
            ("opensdg", region.opensdg_code),
            ("iso3166_2", region.iso3166_2),
            ("m49", region.m49),
            ("name_ru", region.name_ru),
        ):
            if alias:
                rows.append({"scheme": scheme, "alias": str(alias), "kato_code": region.kato_code})
    conn.execute(text("INSERT INTO sdg.region_alias VALUES (:scheme, :alias, :kato_code)"), rows)


def _appendix1_rows(folder: Path | None, current: list[str], codes: set[str]) -> list[dict]:
    items: dict[tuple[str, str], dict] = {}
    for row in read_rows("appendix1.csv", APPENDIX1_COLUMNS, folder):
        code = row.text("indicator_code", required=False) or None
        if code and code not in codes:
            raise CatalogueError(f"{row.where('indicator_code')}: unknown indicator {code!r}")
        classification = row.integer("classification")
        if classification not in (1, 2, 3):
            raise CatalogueError(f"{row.where('classification')}: expected 1, 2 or 3, got {classification}")
        kato, row_no = row.text("kato_code"), row.text("row_no")
        if not all(part.isascii() and part.isdigit() for part in row_no.split(".")):
            raise CatalogueError(f"{row.where('row_no')}: expected numbers joined by dots (3, 2.1), got {row_no!r}")
        if not code and not row.text("regional_name_ru", required=False):
            raise CatalogueError(f"{row.where('regional_name_ru')}: a row without an indicator needs its own name")
        item = {
            "row_no": row_no,
            "indicator_code": code,
            "regional_name_ru": row.text("regional_name_ru", required=False) or None,
            "classification": classification,
            "baseline_value": row.decimal("baseline_value", required=False),
            "baseline_year": row.integer("baseline_year", required=False),
            "target_value": row.decimal("target_value", required=False),
            "target_year": row.integer("target_year", required=False),
            "responsible_ru": row.text("responsible_ru", required=False) or None,
            # optional columns (an older file without them reads as empty): the Kazakh sheet's own texts
            "regional_name_kk": row.text("regional_name_kk", required=False) or None,
            "responsible_kk": row.text("responsible_kk", required=False) or None,
        }
        # a region's own line replaces the default ('*') line with the same row number
        for target in current if kato == ALL_REGIONS else [kato]:
            key = (target, row_no)
            if kato != ALL_REGIONS or key not in items:
                items[key] = {"kato_code": target, **item}
    return list(items.values())


def _plan(row) -> dict:
    from etl.catalogue.plans import plan_record  # checks shared with the plans import

    return plan_record(row)


def _activity(row) -> dict:
    from etl.catalogue.activities import activity_record  # checks shared with the activities import

    return activity_record(row)


def _upsert(
    conn: Connection, table: str, key: tuple[str, ...], rows: list[dict], casts: dict[str, str] | None = None
) -> None:
    if not rows:
        return
    casts = casts or {}
    columns = list(rows[0])
    values = ", ".join(f"CAST(:{c} AS {casts[c]})" if c in casts else f":{c}" for c in columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key) or f"{key[0]} = EXCLUDED.{key[0]}"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )
    conn.execute(text(sql), rows)
