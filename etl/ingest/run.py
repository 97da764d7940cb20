"""Ingest one declared series from any source: fetch → snapshots (raw kept) → parse → check → load.

Snapshots are recorded in their own transactions before anything is parsed, so a response that cannot
be parsed is still kept, with the reason, for a person to inspect. Parsing and loading every new
snapshot of the series share one transaction: a failure leaves nothing partial in the warehouse.
An unchanged answer (same sha256 for the same series) was loaded before and is not even parsed, unless
a person released the rows the gate held back from it: then it is read again and exactly those load.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import snapshots
from etl.catalogue.model import Series
from etl.sources.base import RegionLookup, Source
from etl.sources.http import Fetched
from etl.warehouse.observations import load_observations

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    series_key: str
    source: str
    #: loaded | partial (loaded but ``held_rows`` held in quarantine) | unchanged | quarantined (nothing loaded)
    status: str = "unchanged"
    snapshots: list[int] = field(default_factory=list)
    new_snapshots: int = 0
    rows: int = 0
    inserted: int = 0
    revised: int = 0
    unmapped_regions: int = 0
    skipped_rows: int = 0
    warnings: int = 0
    quarantines: list[int] = field(default_factory=list)
    #: rows of the new snapshots held back by row-level quarantine (not loaded until released)
    held_rows: int = 0
    #: current values of the series flagged back-calculated by this load (a region before it existed)
    back_calculated: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def ingest_series(engine: Engine, series: Series, source: Source) -> IngestResult:
    """Fetch and load one series; a source, parse or load failure raises after keeping the raw answers."""
    result = IngestResult(series.series_key, series.source)
    pending: list[tuple[snapshots.Snapshot, Fetched]] = []
    try:
        for fetched in source.fetch(series):
            with engine.begin() as conn:
                snap = snapshots.record(conn, fetched, series.source, series.series_key)
                reload = snap.already_loaded and _release_pending(conn, snap.snapshot_id)
            result.snapshots.append(snap.snapshot_id)
            if not snap.already_loaded or reload:
                pending.append((snap, fetched))
    except Exception as exc:  # e.g. page 3 of 5 failed: the pages kept so far say why they were not loaded
        if pending:
            _record_error(engine, [snap.snapshot_id for snap, _ in pending], exc)
        raise
    if not pending:
        log.info("%s: every answer unchanged since it was loaded; nothing to do", series.series_key)
        return result
    result.new_snapshots = len(pending)
    try:
        with engine.begin() as conn:
            _parse_and_load(conn, series, source, pending, result)
    except Exception as exc:
        _record_error(engine, [snap.snapshot_id for snap, _ in pending], exc)
        raise
    return result


def _parse_and_load(
    conn: Connection,
    series: Series,
    source: Source,
    pending: list[tuple[snapshots.Snapshot, Fetched]],
    result: IngestResult,
) -> None:
    """Parse every new answer, check it, and load them all but their held rows, or none when a batch is held."""
    regions = RegionLookup.from_connection(conn)
    checked = [(snap, fetched, _parse(source, fetched, series, regions, result)) for snap, fetched in pending]
    decisions = [_gate(conn, series, snap, frame) for snap, _, frame in checked]
    if not all(d.load for d in decisions):
        result.status = "quarantined"
        result.quarantines = [d.quarantine_id for d in decisions if d.quarantine_id and not d.load]
        log.error("%s: quarantined by critical quality failures (quarantine %s); nothing loaded",
                  series.series_key, result.quarantines)  # fmt: skip
        return
    series_id = _series_id(conn, series)
    for (snap, fetched, frame), decision in zip(checked, decisions, strict=True):
        kept = frame.reset_index(drop=True).drop(index=list(decision.held_row_ids))
        loaded = load_observations(
            conn, kept, series_id=series_id, snapshot_id=snap.snapshot_id, valid_from=fetched.fetched_at
        )
        conn.execute(
            text(
                "UPDATE sdg.snapshot SET loaded_at = now(), rows_parsed = :n, load_error = NULL WHERE snapshot_id = :s"
            ),
            {"n": len(frame), "s": snap.snapshot_id},
        )
        result.rows += loaded.rows
        result.inserted += loaded.inserted
        result.revised += loaded.revised
        result.held_rows += len(decision.held_row_ids)
    result.back_calculated = flag_back_calculated(conn, series_id)
    result.quarantines = [d.quarantine_id for d in decisions if d.held_row_ids]
    result.status = "partial" if result.held_rows else "loaded"
    result.warnings = sum(len(d.warnings) for d in decisions)
    log.info("%s: %d rows (%d new, %d revised); %d held back in quarantine %s", series.series_key, result.rows,
             result.inserted, result.revised, result.held_rows, result.quarantines)  # fmt: skip


def _release_pending(conn: Connection, snapshot_id: int) -> bool:
    """Whether a person released rows held back from this (loaded) snapshot that are not loaded yet."""
    return conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM sdg.quarantine WHERE snapshot_id = :s AND status = 'released' "
            "AND loaded_run_id IS NULL)"
        ),
        {"s": snapshot_id},
    ).scalar_one()


def flag_back_calculated(conn: Connection, series_id: int) -> int:
    """Flag current values of a region for a period that ended before the region was founded (the rule of
    ``etl.quality.observations.back_calculated`` and migration 0012); returns how many were newly flagged."""
    return conn.execute(
        text(
            """
            UPDATE sdg.observation AS o SET back_calculated = true
            FROM sdg.region AS r
            WHERE o.series_id = :s AND o.valid_to IS NULL AND NOT o.back_calculated AND o.obs_status <> 'missing'
              AND r.kato_code = o.kato_code AND r.valid_from IS NOT NULL AND o.period_end < r.valid_from
            """
        ),
        {"s": series_id},
    ).rowcount


def _parse(source: Source, fetched: Fetched, series: Series, regions: RegionLookup, result: IngestResult):
    parsed = source.parse(fetched, series, regions)
    if parsed.unmapped_regions:
        log.warning("%s: %d region codes without a KATO alias were skipped: %s", series.series_key,
                    len(parsed.unmapped_regions), parsed.unmapped_regions)  # fmt: skip
    result.unmapped_regions += len(parsed.unmapped_regions)
    result.skipped_rows += parsed.skipped_rows
    return parsed.frame


def _gate(conn: Connection, series: Series, snap: snapshots.Snapshot, frame):
    """Great Expectations on the batch before it may be loaded (imported here: it is heavy)."""
    from etl.quality.gate import check_observations

    return check_observations(
        conn, frame, series_key=series.series_key, source=series.source, snapshot_id=snap.snapshot_id,
        unit=series.unit_ru or None,
    )  # fmt: skip


def _series_id(conn: Connection, series: Series) -> int:
    """The warehouse id of a declared series (registered here if the catalogue was not synced yet)."""
    row = conn.execute(text("SELECT series_id FROM sdg.series WHERE series_key = :k"), {"k": series.series_key})
    found = row.scalar()
    if found is not None:
        return found
    return conn.execute(
        text("INSERT INTO sdg.series (series_key, source, unit) VALUES (:k, :s, :u) RETURNING series_id"),
        {"k": series.series_key, "s": series.source, "u": series.unit_ru or None},
    ).scalar_one()


def _record_error(engine: Engine, snapshot_ids: list[int], exc: Exception) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE sdg.snapshot SET load_error = :e WHERE snapshot_id = ANY(:ids)"),
            {"e": f"{type(exc).__name__}: {exc}"[:2000], "ids": snapshot_ids},
        )
