"""Checks on the computed facts of a reporting year, before forms are issued from them.

One row per region × indicator cell: every cell Appendix 1 expects for the regions of that year, plus
every fact computed. Empty expected cells are the completeness warning, listed cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.quality import store
from etl.quality.notify import notify
from etl.quality.outcome import GateDecision, split
from etl.quality.settings import is_percent

DATASET = "indicator_values"
INDEX_COLUMNS = ("row_id", "kato_code", "indicator_code")

_CELLS = """
WITH regions AS (
    SELECT kato_code, sdg.region_in_year(valid_from, valid_to, :year) AS valid
    FROM sdg.region
),
expected AS (
    SELECT DISTINCT a.kato_code, a.indicator_code
    FROM sdg.monitored_item AS a JOIN regions AS r ON r.kato_code = a.kato_code AND r.valid
    WHERE a.indicator_code IS NOT NULL
),
facts AS (SELECT * FROM sdg.indicator_value WHERE year = :year)
SELECT COALESCE(f.indicator_code, e.indicator_code) AS indicator_code,
       COALESCE(f.kato_code, e.kato_code) AS kato_code, CAST(:year AS integer) AS year,
       f.value, f.status, COALESCE(f.unit, i.unit_ru) AS unit, e.kato_code IS NOT NULL AS expected,
       COALESCE(r.valid, false) AS region_valid_for_year
FROM facts AS f
FULL JOIN expected AS e ON e.kato_code = f.kato_code AND e.indicator_code = f.indicator_code
LEFT JOIN sdg.indicator AS i ON i.code = COALESCE(f.indicator_code, e.indicator_code)
LEFT JOIN regions AS r ON r.kato_code = COALESCE(f.kato_code, e.kato_code)
ORDER BY 2, 1
"""


def indicator_cells(conn: Connection, year: int) -> pd.DataFrame:
    """Region × indicator cells of ``year`` with their fact (if any) and the helper columns of the suite."""
    frame = pd.DataFrame(conn.execute(text(_CELLS), {"year": year}).mappings().all())
    if frame.empty:
        columns = ["indicator_code", "kato_code", "year", "value", "status", "unit", "expected"]
        frame = pd.DataFrame(columns=[*columns, "region_valid_for_year"])
    return prepare_cells(frame)


def prepare_cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    out.insert(0, "row_id", np.arange(len(out), dtype="int64"))
    out["value_num"] = pd.to_numeric(out["value"].astype(object), errors="coerce").astype("float64")
    out["percent_value"] = out["value_num"].where(out["unit"].map(is_percent).astype(bool))
    filled = out["value"].notna() | (out["status"] == "suppressed")
    out["cell_filled"] = (filled | ~out["expected"].astype(bool)).astype(bool)
    out["region_valid_for_year"] = out["region_valid_for_year"].astype(bool)
    return out


def check_indicator_values(conn: Connection, year: int) -> GateDecision:
    """Run the indicator-values suite on ``year``; record it; alert on a critical failure.

    ``load`` means "the forms may be issued from these facts".
    """
    from etl.quality.runner import run_suite

    cells = indicator_cells(conn, year)
    # every empty cell is listed (72 indicators × 20 regions and more), not a sample of them
    outcomes = run_suite(DATASET, cells, index_columns=INDEX_COLUMNS, sample_size=max(1000, len(cells)))
    critical, warnings = split(outcomes)
    info = store.RunInfo(DATASET, len(cells), "fail" if critical else "pass", year=year)
    run_id = store.record_run(conn, info, outcomes)
    if critical:
        notify(conn, run_id, DATASET, f"year {year}", critical, "forms of this year are not issued")
    return GateDecision(not critical, run_id, critical, warnings)


def empty_cells(decision: GateDecision) -> list[dict]:
    """The completeness warning's list of (region, indicator) cells still without a fact."""
    for outcome in decision.warnings:
        if outcome.column == "cell_filled":
            return [{"kato_code": s["kato_code"], "indicator_code": s["indicator_code"]} for s in outcome.sample]
    return []
