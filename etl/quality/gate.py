"""The gate before a load: run the observations suite, record it, and hold back what is critically bad.

The ingest path calls :func:`check_observations` inside its load transaction, right before
``load_observations``. A critical failure about rows (a column expectation naming its failing rows) holds
back only those rows: ``held_row_ids`` lists them and the caller loads the others. A failure about the
batch (table expectations: columns, row count; a check that names no rows; or every row failing) holds
it all and ``load`` is False; the caller must then commit (not raise), so the quarantine row and the
results persist. A person releases a quarantine with :func:`release_quarantine`; the next ingest of that
snapshot passes the gate, loads every row and the run records that it was a release.
"""

from __future__ import annotations

import fnmatch
import json
import logging
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.quality import store
from etl.quality.notify import notify
from etl.quality.observations import INDEX_COLUMNS, RegionValidity, prepare_parts, suite_parameters
from etl.quality.outcome import ExpectationOutcome, GateDecision, split
from etl.quality.settings import IndicatorQuality, combine, load_quality_settings

log = logging.getLogger(__name__)
DATASET = "observations"
MAX_FAILING_ROWS = 1000
#: held rows listed in an alert's body (all of them are in sdg.quarantine.failing_rows)
ALERT_ROWS = 50


@dataclass(frozen=True)
class Batch:
    """One parsed snapshot of a series, as the gate sees it."""

    frame: pd.DataFrame
    series_key: str
    source: str
    snapshot_id: int
    unit: str | None = None


def check_observations(
    conn: Connection, frame: pd.DataFrame, *, series_key: str, source: str, snapshot_id: int, unit: str | None
) -> GateDecision:
    """Validate one parsed snapshot (columns ``OBSERVATION_COLUMNS``); record and decide what to load."""
    batch = Batch(frame, series_key, source, snapshot_id, unit)
    return decide(conn, batch, validate_batches(conn, [batch])[0])


def validate_batches(conn: Connection, batches: list[Batch]) -> list[list[ExpectationOutcome]]:
    """The suite's outcomes for each batch, from as few GX runs as possible.

    Batches whose columns agree (every series of a source) share one run, whatever their settings (those are
    helper columns). Empty answers (a platform file with no rows yet) all have the same outcomes, so they
    are validated once per process and the outcomes reused. Records nothing, so it may run before, and
    outside, the transaction that loads each series.
    """
    from etl.quality.runner import run_suite_frame

    regions = region_validity(conn)
    settings = load_quality_settings()
    qualities = [_series_quality(conn, b.series_key, settings) for b in batches]
    params = suite_parameters(regions)
    groups: dict[str, list[int]] = {}
    for i, b in enumerate(batches):
        key = json.dumps([params, list(b.frame.columns), b.frame.empty], sort_keys=True, default=str)
        groups.setdefault(key, []).append(i)
    outcomes: list[list[ExpectationOutcome]] = [[] for _ in batches]
    for key, members in groups.items():
        if batches[members[0]].frame.empty and key in _EMPTY_OUTCOMES:
            found = [_EMPTY_OUTCOMES[key]] * len(members)
        else:
            frames = [batches[i].frame for i in members]
            units = [batches[i].unit for i in members]
            frame, params = prepare_parts(frames, regions, [qualities[i] for i in members], units)
            found = run_suite_frame(DATASET, frame, len(members), params, index_columns=INDEX_COLUMNS)
            if frame.empty:
                _EMPTY_OUTCOMES[key] = found[0]
        for i, part_outcomes in zip(members, found, strict=True):
            outcomes[i] = list(part_outcomes)
    return outcomes


#: outcomes of an empty answer by (suite parameters, columns): the same for every empty answer
_EMPTY_OUTCOMES: dict[str, list[ExpectationOutcome]] = {}


def decide(conn: Connection, batch: Batch, outcomes: list[ExpectationOutcome]) -> GateDecision:
    """Record the run and decide: load all, load but the held rows, or hold the batch (quarantine)."""
    critical, warnings = split(outcomes)
    snapshot_id, series_key, frame = batch.snapshot_id, batch.series_key, batch.frame
    released = store.released_quarantine(conn, snapshot_id, DATASET)
    held = held_rows(critical, len(frame)) if critical and released is None else ()
    decision = "load" if not critical else "released" if released else "partial" if held else "quarantine"
    info = store.RunInfo(DATASET, len(frame), decision, batch.source, series_key, snapshot_id)
    run_id = store.record_run(conn, info, outcomes)
    for outcome in warnings:
        log.warning("%s snapshot %s: %s", series_key, snapshot_id, outcome.describe())
    if decision == "load":
        if released is not None:  # released, and now passing (e.g. the catalogue was corrected): loaded too
            store.mark_loaded(conn, released, run_id)
        return GateDecision(True, run_id, critical, warnings, quarantine_id=released, released=released is not None)
    if decision == "released" and released is not None:  # "released" means a released quarantine: never None
        store.mark_loaded(conn, released, run_id)
        log.warning(
            "%s snapshot %s: loaded despite critical failures (quarantine %s released)",
            series_key,
            snapshot_id,
            released,
        )
        return GateDecision(True, run_id, critical, warnings, quarantine_id=released, released=True)
    return _quarantine(conn, run_id, info, frame, critical, warnings, held)


def held_rows(critical: list[ExpectationOutcome], row_count: int) -> tuple[int, ...]:
    """Positions of the rows to hold back when every critical failure is about rows; () when it is the batch.

    About the batch: a table expectation (columns, row count), a check the suite marks ``"scope": "batch"``
    (a republic total contradicting its regions, a unit changing within a cut: no row alone is wrong), a check
    that names no rows or fewer than it counts (it raised, or the list was cut), or failures that cover every
    row (nothing would load).
    """
    ids: set[int] = set()
    for o in critical:
        if o.expectation_type.startswith("expect_table_") or o.scope == "batch" or not o.failing_row_ids:
            return ()
        if o.unexpected_count is not None and len(set(o.failing_row_ids)) < o.unexpected_count:
            return ()
        ids.update(o.failing_row_ids)
    return tuple(sorted(ids)) if len(ids) < row_count else ()


def _quarantine(
    conn: Connection,
    run_id: int,
    info: store.RunInfo,
    frame: pd.DataFrame,
    critical: list[ExpectationOutcome],
    warnings: list[ExpectationOutcome],
    held: tuple[int, ...],
) -> GateDecision:
    ids = list(held) or sorted({i for o in critical for i in o.failing_row_ids})[:MAX_FAILING_ROWS]
    failing = _failing_rows(frame, ids, critical)
    quarantine_id, new = store.quarantine(conn, run_id, info, critical, failing, held_count=len(held) or None)
    what = f"{len(held)} of {info.row_count} rows held back" if held else "quarantined"
    for outcome in critical:
        log.error("%s snapshot %s %s: %s", info.series_key, info.snapshot_id, what, outcome.describe())
    if new:  # one alert per quarantined snapshot, not one per nightly retry
        notify(
            conn,
            run_id,
            DATASET,
            f"{info.series_key} (snapshot {info.snapshot_id})",
            critical,
            _action(quarantine_id, info.row_count, failing if held else None),
        )
    return GateDecision(bool(held), run_id, critical, warnings, quarantine_id=quarantine_id, held_row_ids=held)


def _failing_rows(frame: pd.DataFrame, ids: list[int], critical: list[ExpectationOutcome]) -> list[dict]:
    """The failing rows as stored in ``sdg.quarantine.failing_rows``: values, position and the failed checks."""
    if not ids:
        return []
    why: dict[int, list[str]] = {}
    for o in critical:
        for i in o.failing_row_ids:
            why.setdefault(i, []).append(o.column or o.expectation_type)
    rows = frame.reset_index(drop=True).iloc[ids].assign(row_id=ids).to_dict("records")
    return [{**row, "failed": why.get(row["row_id"], [])} for row in rows]


def _action(quarantine_id: int, row_count: int, held: list[dict] | None) -> str:
    """The alert's 'Action' line; for a row hold, followed by the held rows (region, period, dims, value)."""
    if held is None:
        return f"not loaded; kept in sdg.quarantine #{quarantine_id} until released"
    lines = [
        f"{len(held)} of {row_count} rows held back in sdg.quarantine #{quarantine_id} until released; "
        f"the other {row_count - len(held)} rows loaded. Held rows:"
    ]
    for row in held[:ALERT_ROWS]:
        cut = {k: row.get(k) for k in ("kato_code", "period_start", "period_end", "dims", "value_text")}
        lines.append(f"    {json.dumps(cut, ensure_ascii=False, default=str)} failed: {', '.join(row['failed'])}")
    if len(held) > ALERT_ROWS:
        lines.append(f"    ... and {len(held) - ALERT_ROWS} more (sdg.quarantine #{quarantine_id})")
    return "\n".join(lines)


def release_quarantine(engine: Engine, quarantine_id: int, released_by: str, note: str) -> None:
    """Let a quarantined batch (or its held rows) through: the next ingest of its snapshot loads it.

    A snapshot whose other rows were loaded is re-read by that ingest because its quarantine is released
    and not yet loaded (``etl.ingest.run``); the rows loaded before are unchanged, so exactly the held ones
    are added.
    """
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


def _series_quality(conn: Connection, series_key: str, settings: dict[str, IndicatorQuality]) -> IndicatorQuality:
    """Settings of the indicators the series feeds and of series patterns it matches (the strictest of each)."""
    codes = conn.execute(
        text("SELECT indicator_code FROM sdg.indicator_series WHERE series_key = :k ORDER BY 1"), {"k": series_key}
    ).scalars()
    found = [settings[c] for c in codes if c in settings]
    found += [q for pattern, q in settings.items() if ":" in pattern and fnmatch.fnmatchcase(series_key, pattern)]
    return combine(found)
