"""Ingest one declared series from any source: fetch → snapshots (raw kept) → parse → check → load.

Snapshots are recorded in their own transactions before anything is parsed, so a response that cannot
be parsed is still kept, with the reason, for a person to inspect. Parsing and loading every new
snapshot of the series share one transaction: a failure leaves nothing partial in the warehouse.
An unchanged answer (same sha256 for the same series) was loaded before and is not even parsed.
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
    status: str = "unchanged"  # loaded | unchanged | quarantined (kept, not loaded, alert sent)
    snapshots: list[int] = field(default_factory=list)
    new_snapshots: int = 0
    rows: int = 0
    inserted: int = 0
    revised: int = 0
    unmapped_regions: int = 0
    skipped_rows: int = 0
    warnings: int = 0
    quarantines: list[int] = field(default_factory=list)

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
            result.snapshots.append(snap.snapshot_id)
            if not snap.already_loaded:
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
    """Parse every new answer, check it, and load them all, or none when any is quarantined."""
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
    for snap, fetched, frame in checked:
        loaded = load_observations(
            conn, frame, series_id=series_id, snapshot_id=snap.snapshot_id, valid_from=fetched.fetched_at
        )
        conn.execute(
            text(
                "UPDATE sdg.snapshot SET loaded_at = now(), rows_parsed = :n, load_error = NULL WHERE snapshot_id = :s"
            ),
            {"n": loaded.rows, "s": snap.snapshot_id},
        )
        result.rows += loaded.rows
        result.inserted += loaded.inserted
        result.revised += loaded.revised
    result.status = "loaded"
    result.warnings = sum(len(d.warnings) for d in decisions)
    log.info("%s: %d rows (%d new, %d revised)", series.series_key, result.rows, result.inserted, result.revised)


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
