"""Checks on the indicator catalogue as mirrored in the warehouse, with series mappings and quality settings."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.quality import store
from etl.quality.outcome import GateDecision, split
from etl.quality.settings import load_quality_settings

DATASET = "catalogue"

_INDICATORS = """
SELECT i.code, i.goal, i.unit_ru, NULLIF(i.responsible_ru, '') AS responsible_ru, NULLIF(i.source_ru, '') AS source_ru,
       (SELECT count(*) FROM sdg.indicator_series m WHERE m.indicator_code = i.code) AS series_count
FROM sdg.indicator AS i ORDER BY i.code
"""


def catalogue_frame(conn: Connection) -> pd.DataFrame:
    frame = pd.DataFrame(conn.execute(text(_INDICATORS)).mappings().all())
    settings = load_quality_settings()
    frame["max_yoy_change_pct"] = [settings[c].max_yoy_change_pct if c in settings else None for c in frame["code"]]
    frame.insert(0, "row_id", range(len(frame)))
    return frame


def check_catalogue(conn: Connection) -> GateDecision:
    """Validate the catalogue (indicators, mappings, thresholds) and record the run."""
    from etl.quality.runner import run_suite

    frame = catalogue_frame(conn)
    outcomes = run_suite(DATASET, frame, index_columns=("row_id", "code"))
    critical, warnings = split(outcomes)
    run_id = store.record_run(conn, store.RunInfo(DATASET, len(frame), "fail" if critical else "pass"), outcomes)
    return GateDecision(not critical, run_id, critical, warnings)
