"""The gate before a load: run the observations suite, record it, and quarantine a critically bad batch.

The ingest path calls :func:`check_observations` inside its load transaction, right before
``load_observations``, and skips the load when ``load`` is False. It must then commit (not raise), so
the quarantine row and the results persist. A person releases a batch with :func:`release_quarantine`;
the next ingest of that snapshot passes the gate and the run records that it was a release.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import replace

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.quality import store
from etl.quality.notify import notify
from etl.quality.observations import INDEX_COLUMNS, RegionValidity, prepare_observations
from etl.quality.outcome import ExpectationOutcome, GateDecision, split
from etl.quality.settings import IndicatorQuality, load_quality_settings

log = logging.getLogger(__name__)
DATASET = "observations"
MAX_FAILING_ROWS = 1000


def check_observations(
    conn: Connection, frame: pd.DataFrame, *, series_key: str, source: str, snapshot_id: int, unit: str | None
) -> GateDecision:
    """Validate one parsed snapshot (columns ``OBSERVATION_COLUMNS``); record and decide whether to load it."""
    from etl.quality.runner import run_suite

    prepared, params = prepare_observations(frame, region_validity(conn), _series_quality(conn, series_key), unit)
    outcomes = run_suite(DATASET, prepared, params, index_columns=INDEX_COLUMNS)
    critical, warnings = split(outcomes)
    released = store.released_quarantine(conn, snapshot_id, DATASET) if critical else None
    decision = "quarantine" if critical and released is None else ("released" if critical else "load")
    info = store.RunInfo(DATASET, len(frame), decision, source, series_key, snapshot_id)
    run_id = store.record_run(conn, info, outcomes)
    for outcome in warnings:
        log.warning("%s snapshot %s: %s", series_key, snapshot_id, outcome.describe())
    if decision == "load":
        return GateDecision(True, run_id, critical, warnings)
    if decision == "released":
        store.mark_loaded(conn, released, run_id)
        log.warning("%s snapshot %s: loaded despite critical failures (quarantine %s released)", series_key,
                    snapshot_id, released)  # fmt: skip
        return GateDecision(True, run_id, critical, warnings, quarantine_id=released, released=True)
    return _quarantine(conn, run_id, info, frame, critical, warnings)


def _quarantine(
    conn: Connection,
    run_id: int,
    info: store.RunInfo,
    frame: pd.DataFrame,
    critical: list[ExpectationOutcome],
    warnings: list[ExpectationOutcome],
) -> GateDecision:
    ids = sorted({i for o in critical for i in o.failing_row_ids})[:MAX_FAILING_ROWS]
    failing = frame.reset_index(drop=True).iloc[ids].assign(row_id=ids).to_dict("records") if ids else []
    quarantine_id, new = store.quarantine(conn, run_id, info, critical, failing)
    for outcome in critical:
        log.error("%s snapshot %s quarantined: %s", info.series_key, info.snapshot_id, outcome.describe())
    if new:  # one alert per quarantined snapshot, not one per nightly retry
        notify(conn, run_id, DATASET, f"{info.series_key} (snapshot {info.snapshot_id})", critical,
               f"not loaded; kept in sdg.quarantine #{quarantine_id} until released")  # fmt: skip
    return GateDecision(False, run_id, critical, warnings, quarantine_id=quarantine_id)


def release_quarantine(engine: Engine, quarantine_id: int, released_by: str, note: str) -> None:
    """Let a quarantined batch through: the next ingest of its snapshot loads it."""
    with engine.begin() as conn:
        updated = conn.execute(
            text(
                """
                UPDATE sdg.quarantine
                SET status = 'released', released_at = now(), released_by = :by, release_note = :note
                WHERE quarantine_id = :q AND status = 'quarantined'
                """
            ),
            {"q": quarantine_id, "by": released_by, "note": note},
        ).rowcount
    if not updated:
        raise LookupError(f"quarantine {quarantine_id} does not exist or was already released")
    log.info("quarantine %s released by %s: %s", quarantine_id, released_by, note)


def region_validity(conn: Connection) -> dict[str, RegionValidity]:
    rows = conn.execute(text("SELECT kato_code, valid_from, valid_to FROM sdg.region"))
    return {r.kato_code: RegionValidity(r.valid_from, r.valid_to) for r in rows}


def _series_quality(conn: Connection, series_key: str) -> IndicatorQuality:
    """Settings of the indicators the series feeds and of series patterns it matches (strictest threshold wins;
    back-calculation holds if any setting says so)."""
    codes = conn.execute(
        text("SELECT indicator_code FROM sdg.indicator_series WHERE series_key = :k ORDER BY 1"), {"k": series_key}
    ).scalars()
    settings = load_quality_settings()
    found = [settings[c] for c in codes if c in settings]
    found += [q for pattern, q in settings.items() if ":" in pattern and fnmatch.fnmatchcase(series_key, pattern)]
    if not found:
        return IndicatorQuality()
    strictest = min(found, key=lambda s: s.max_yoy_change_pct)
    kind = next((s.kind for s in found if s.bounded), found[0].kind)  # bounded if any setting says so
    return replace(strictest, back_calculated=any(s.back_calculated for s in found), kind=kind)
