"""Quality units of work for DAG tasks (kept apart from ``etl.jobs``, which others edit)."""

from __future__ import annotations

import logging

from sqlalchemy import text

from etl.warehouse.connection import get_engine

log = logging.getLogger(__name__)


class ReleaseNotLoaded(RuntimeError):
    """A quarantine is released (the decision is kept) but its rows did not load in the same command.

    Not rolled back: the decision stands and the next ingest of the series loads the rows while the source
    still returns that snapshot (docs/decisions/bad-values.md). The command exits non-zero and says so.
    """

    def __init__(self, quarantine_id: int, series_key: str, snapshot_id: int, reason: str) -> None:
        super().__init__(
            f"quarantine {quarantine_id} of {series_key} is released, but its rows are NOT loaded yet: {reason}. "
            f"They load at the next ingest of the series (sdg ingest --series {series_key}) if the source still "
            f"returns snapshot {snapshot_id}; run `sdg quality release {quarantine_id}` again to retry now"
        )
        self.quarantine_id = quarantine_id
        self.series_key = series_key


def release(quarantine_id: int, released_by: str, note: str, url: str | None = None) -> dict:
    """Release a quarantine and load its rows by re-ingesting the series; :class:`ReleaseNotLoaded` if they did not.

    Loaded means the quarantine's ``loaded_run_id`` is set, or its snapshot was among those this ingest loaded.
    A release recorded before whose rows never loaded (the source was down) is retried, not refused.
    """
    from etl import jobs
    from etl.quality.gate import release_quarantine
    from etl.sources.errors import SourceError

    engine = get_engine(url)
    held = _quarantine(engine, quarantine_id)
    if held.status == "released" and held.loaded_run_id is not None:
        raise LookupError(f"quarantine {quarantine_id} was already released and loaded")
    if held.status != "released":
        release_quarantine(engine, quarantine_id, released_by, note)
    else:
        log.warning("quarantine %s was released before but not loaded; retrying the load", quarantine_id)
    try:
        result = jobs.ingest(held.source, held.series_key, url)
    except Exception as exc:  # noqa: BLE001 - whatever stopped the load, the release stands and the operator is told
        if not isinstance(exc, SourceError | ValueError):
            log.exception("re-ingest of %s after releasing quarantine %s", held.series_key, quarantine_id)
        raise ReleaseNotLoaded(
            quarantine_id, held.series_key, held.snapshot_id, f"the re-ingest failed: {exc}"
        ) from exc
    if not _loaded(engine, quarantine_id, held.snapshot_id, result):
        reason = result.get("error") or (
            f"the source answered something else this time (snapshots {result['snapshots']}, status {result['status']})"
        )
        raise ReleaseNotLoaded(quarantine_id, held.series_key, held.snapshot_id, reason)
    return {**result, "quarantine_id": quarantine_id}


def _quarantine(engine, quarantine_id: int):
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT source, series_key, snapshot_id, status, loaded_run_id FROM sdg.quarantine "
                "WHERE quarantine_id = :q"
            ),
            {"q": quarantine_id},
        ).one_or_none()
    if row is None:
        raise LookupError(f"quarantine {quarantine_id} does not exist")
    return row


def _loaded(engine, quarantine_id: int, snapshot_id: int, result: dict) -> bool:
    with engine.connect() as conn:
        marked = conn.execute(
            text("SELECT loaded_run_id IS NOT NULL FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": quarantine_id}
        ).scalar_one()
    return marked or (snapshot_id in result["snapshots"] and result["status"] in ("loaded", "partial"))


def check_facts(year: int, url: str | None = None) -> dict:
    """Check the facts of ``year`` before forms are issued; raise :class:`QualityFailure` on a critical failure.

    The run, its results and the alert are committed before raising, so the evidence outlives the failed task.
    """
    from etl.quality.facts import check_indicator_values, empty_cells
    from etl.quality.outcome import QualityFailure
    from etl.quality.runner import build_data_docs

    with get_engine(url).begin() as conn:
        decision = check_indicator_values(conn, year)
    docs = build_data_docs()
    empty = empty_cells(decision)
    for outcome in decision.warnings:
        log.warning("%s", outcome.describe())
    if not decision.load:
        raise QualityFailure(decision, f"indicator_values {year}")
    return {"year": year, "run_id": decision.run_id, "warnings": len(decision.warnings), "empty_cells": len(empty),
            "data_docs": str(docs)}  # fmt: skip
