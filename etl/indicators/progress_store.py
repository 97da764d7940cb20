"""Progress rows in the warehouse: read facts, lists, plans and directions; write ``sdg.indicator_progress``.

One row per indicator, region and assessed year: for every (indicator, region) with facts, each year
from its base year (the region's list, else ``base_year``) through the latest year any fact has, using
the facts up to that year; the latest value may be older than the year (the form still shows it).
Re-running with unchanged inputs rewrites identical rows and keeps ``computed_at``; rows whose inputs
are gone are deleted. Run it inside the caller's transaction (``engine.begin()``): all or nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.indicators.progress import Baseline, assessed_points, escap, statcan
from etl.indicators.progress_note import progress_note
from etl.indicators.progress_settings import ProgressSettings, load_progress_settings
from etl.quality.settings import is_percent

_CHUNK = 2000

_FACTS = """
SELECT indicator_code, kato_code, year, value FROM sdg.indicator_value
WHERE value IS NOT NULL AND (CAST(:year AS integer) IS NULL OR year <= :year)
"""
_INDICATORS = "SELECT code, direction, unit_ru, unit_kk, decimals FROM sdg.indicator"
# one line per region and indicator: the one with a target, then with a baseline, then the first
_TARGETS = """
SELECT DISTINCT ON (kato_code, indicator_code) kato_code, indicator_code, baseline_year, baseline_value,
       target_year, target_value
FROM sdg.appendix1_item WHERE indicator_code IS NOT NULL
ORDER BY kato_code, indicator_code, target_value IS NULL, baseline_value IS NULL, row_no
"""
# the plan view (explicit plans and derived straight paths) when a later migration provides it
_PLANS_VIEW = "SELECT kato_code, indicator_code, year, value, derived FROM sdg.plan_line"
_PLANS_TABLE = "SELECT kato_code, indicator_code, year, value, false AS derived FROM sdg.plan_value"

_COLUMNS = {
    "indicator_code": "text",
    "kato_code": "text",
    "year": "integer",
    "method": "text",
    "direction": "smallint",
    "base_year": "integer",
    "base_value": "numeric",
    "base_source": "text",
    "latest_year": "integer",
    "latest_value": "numeric",
    "points": "integer",
    "target_year": "integer",
    "target_value": "numeric",
    "target_source": "text",
    "plan_value": "numeric",
    "cagr_actual": "double precision",
    "cagr_required": "double precision",
    "ratio": "double precision",
    "growth": "double precision",
    "limit_coefficient": "double precision",
    "category": "text",
    "reason": "text",
    "escap_current_status": "double precision",
    "escap_projection": "text",
    "escap_projected_value": "double precision",
    "escap_api": "double precision",
    "escap_gap": "double precision",
    "escap_category": "text",
    "escap_reason": "text",
    "inputs": "jsonb",
}
_KEY = ("indicator_code", "kato_code", "year")
_RECORD = ", ".join(f"{c} {t}" for c, t in _COLUMNS.items())
_UPSERT = f"""
INSERT INTO sdg.indicator_progress AS p ({", ".join(_COLUMNS)})
SELECT {", ".join(_COLUMNS)} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORD})
ON CONFLICT (indicator_code, kato_code, year) DO UPDATE
SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in _KEY)},
    computed_at = CASE WHEN p.inputs = EXCLUDED.inputs THEN p.computed_at ELSE now() END
"""
_DELETE_STALE = """
DELETE FROM sdg.indicator_progress AS p
WHERE (CAST(:year AS integer) IS NULL OR p.year = :year)
  AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(indicator_code text, kato_code text,
                  year integer)
                  WHERE k.indicator_code = p.indicator_code AND k.kato_code = p.kato_code AND k.year = p.year)
"""


@dataclass(frozen=True)
class IndicatorInfo:
    direction: int | None
    unit_ru: str
    unit_kk: str
    decimals: int

    @property
    def percent(self) -> bool:
        return is_percent(self.unit_ru)


@dataclass(frozen=True)
class RegionList:
    """The region's Appendix 1 line for an indicator: baseline and target as listed (None when empty)."""

    baseline_year: int | None = None
    baseline_value: float | None = None
    target_year: int | None = None
    target_value: float | None = None


def compute_progress(conn: Connection, year: int | None = None) -> int:
    """Assess progress for ``year`` (or every year) from the warehouse; return the rows written."""
    settings = load_progress_settings()
    facts = _facts(conn, year)
    indicators = _indicators(conn)
    lists = _lists(conn)
    plans = _plans(conn)
    last_year = max((y for cell in facts.values() for y in cell), default=None)
    rows = []
    for (code, kato), cell in sorted(facts.items()):
        info = indicators[code]
        region_list = lists.get((kato, code), RegionList())
        for assessed in _assessed_years(cell, region_list, settings, year, last_year):
            plan = plans.get((kato, code, assessed))
            rows.append(progress_row(code, kato, assessed, cell, info, region_list, plan, settings))
    _write(conn, rows, year)
    return len(rows)


def _assessed_years(
    cell: Mapping[int, float], region_list: RegionList, s: ProgressSettings, year: int | None, last_year: int | None
) -> Iterator[int]:
    start = region_list.baseline_year if region_list.baseline_year is not None else s.base_year
    first = max(start, min(cell))
    if year is not None:
        if year >= first:
            yield year
        return
    yield from range(first, (last_year or first) + 1)


def progress_row(
    code: str,
    kato: str,
    year: int,
    facts: Mapping[int, float],
    info: IndicatorInfo,
    region_list: RegionList,
    plan: tuple[float, bool] | None,
    s: ProgressSettings,
) -> dict:
    """One ``sdg.indicator_progress`` row (as a dict) for a region, indicator and assessed year."""
    baseline = Baseline(region_list.baseline_year, region_list.baseline_value)
    points, base_source = assessed_points(facts, year, baseline, s)
    target = region_list.target_value
    target_year = region_list.target_year or s.target_year
    sc = statcan(points, info.direction, target, target_year, s, info.percent)
    es = escap(points, target, target_year, s, info.percent)
    inputs = {
        "points": [[y, v] for y, v in points],
        "appendix1": {
            "baseline_year": region_list.baseline_year,
            "baseline_value": region_list.baseline_value,
            "target_year": region_list.target_year,
            "target_value": region_list.target_value,
        },
        "direction": info.direction,
        "unit_ru": info.unit_ru,
        "unit_kk": info.unit_kk,
        "percent": info.percent,
        "decimals": info.decimals,
        "plan": None if plan is None else {"value": plan[0], "derived": plan[1]},
        "settings": s.used_by(target is not None),
    }
    return {
        "indicator_code": code,
        "kato_code": kato,
        "year": year,
        "method": sc.method,
        "direction": info.direction,
        "base_year": points[0][0] if points else None,
        "base_value": points[0][1] if points else None,
        "base_source": base_source,
        "latest_year": points[-1][0] if points else None,
        "latest_value": points[-1][1] if points else None,
        "points": len(points),
        "target_year": target_year,
        "target_value": target,
        "target_source": "region" if target is not None else "default",
        "plan_value": None if plan is None else plan[0],
        "cagr_actual": sc.cagr_actual,
        "cagr_required": sc.cagr_required,
        "ratio": sc.ratio,
        "growth": sc.growth,
        "limit_coefficient": sc.limit_coefficient,
        "category": sc.category,
        "reason": sc.reason,
        "escap_current_status": es.current_status,
        "escap_projection": es.projection,
        "escap_projected_value": es.projected_value,
        "escap_api": es.api,
        "escap_gap": es.gap,
        "escap_category": es.category,
        "escap_reason": es.reason,
        "inputs": inputs,
    }


def _write(conn: Connection, rows: list[dict], year: int | None) -> None:
    keys = [{k: r[k] for k in _KEY} for r in rows]
    conn.execute(text(_DELETE_STALE), {"year": year, "keys": json.dumps(keys)})
    for start in range(0, len(rows), _CHUNK):
        conn.execute(text(_UPSERT), {"rows": json.dumps(rows[start : start + _CHUNK], allow_nan=False)})


def _facts(conn: Connection, year: int | None) -> dict[tuple[str, str], dict[int, float]]:
    cells: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for code, kato, fact_year, value in conn.execute(text(_FACTS), {"year": year}):
        cells[(code, kato)][fact_year] = float(value)
    return cells


def _indicators(conn: Connection) -> dict[str, IndicatorInfo]:
    return {
        code: IndicatorInfo(None if direction is None else int(direction), unit_ru or "", unit_kk or "", int(decimals))
        for code, direction, unit_ru, unit_kk, decimals in conn.execute(text(_INDICATORS))
    }


def _lists(conn: Connection) -> dict[tuple[str, str], RegionList]:
    return {
        (kato, code): RegionList(base_year, _float(base_value), target_year, _float(target_value))
        for kato, code, base_year, base_value, target_year, target_value in conn.execute(text(_TARGETS))
    }


def _plans(conn: Connection) -> dict[tuple[str, str, int], tuple[float, bool]]:
    has_view = conn.execute(text("SELECT to_regclass('sdg.plan_line') IS NOT NULL")).scalar()
    rows = conn.execute(text(_PLANS_VIEW if has_view else _PLANS_TABLE))
    return {(kato, code, year): (float(value), bool(derived)) for kato, code, year, value, derived in rows}


def _float(value) -> float | None:
    return None if value is None else float(value)


# --- reading back, for the forms and the national extract ------------------------------------------------

_READ = """
SELECT p.*, v.value AS fact
FROM sdg.indicator_progress AS p
LEFT JOIN sdg.indicator_value AS v
       ON v.indicator_code = p.indicator_code AND v.kato_code = p.kato_code AND v.year = p.year
WHERE p.kato_code = :kato AND p.year = :year
"""


def load_progress(conn: Connection, kato_code: str, year: int) -> dict[str, dict]:
    """indicator code → stored progress row (a dict, with ``fact`` = that year's Fact or None)."""
    return {
        r["indicator_code"]: dict(r) for r in conn.execute(text(_READ), {"kato": kato_code, "year": year}).mappings()
    }


def progress_notes(conn: Connection, kato_code: str, year: int, language: str = "ru") -> dict[str, str]:
    """indicator code → the explanation text of a region's form for ``year`` (Fact vs the stored plan)."""
    return {
        code: progress_note(row, row["fact"], row["plan_value"], language)
        for code, row in load_progress(conn, kato_code, year).items()
    }
