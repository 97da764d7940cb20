"""Ingest one Taldau series: fetch → snapshot (raw kept) → parse → load with vintages.

The snapshot is recorded in its own transaction before parsing, so a response that cannot be parsed
is still kept, with the reason, for a person to inspect. Parse and load share one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import snapshots
from etl.catalogue.model import Series
from etl.sources.taldau.client import TaldauClient
from etl.sources.taldau.parse import SOURCE, parse_index_data
from etl.warehouse.observations import load_observations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    series_key: str
    snapshot_id: int
    sha256: str
    status: str  # loaded | unchanged
    rows: int = 0
    inserted: int = 0
    revised: int = 0
    unmapped_terms: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def ingest_series(engine: Engine, series: Series, client: TaldauClient | None = None) -> IngestResult:
    """Fetch and load one series; a source or parse failure raises after keeping the raw answer."""
    client = client or TaldauClient()
    fetched = client.get_index_data(series.taldau_index_id, series.taldau_period_id, series.taldau_dics)
    with engine.begin() as conn:
        snap = snapshots.record(conn, fetched, SOURCE, series.series_key)
    if snap.already_loaded:
        log.info(
            "%s: snapshot %s unchanged (sha256 %s…), nothing to load",
            series.series_key,
            snap.snapshot_id,
            snap.sha256[:12],
        )
        return IngestResult(series.series_key, snap.snapshot_id, snap.sha256, "unchanged")
    try:
        with engine.begin() as conn:
            result = _parse_and_load(conn, series, fetched.content, fetched.url, snap, fetched.fetched_at)
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE sdg.snapshot SET load_error = :e WHERE snapshot_id = :s"),
                {"e": str(exc)[:2000], "s": snap.snapshot_id},
            )
        raise
    return result


def _parse_and_load(conn: Connection, series: Series, content: bytes, url: str, snap, fetched_at) -> IngestResult:
    parsed = parse_index_data(
        content,
        url=url,
        period_id=series.taldau_period_id,
        dics=series.taldau_dics,
        total_terms=series.taldau_total_terms,
        region_terms=region_terms(conn),
        unit=series.unit_ru or None,
    )
    if parsed.unmapped_terms:
        log.warning(
            "%s: %d region terms without a KATO alias were skipped: %s",
            series.series_key,
            len(parsed.unmapped_terms),
            parsed.unmapped_terms,
        )
    series_id = conn.execute(
        text("SELECT series_id FROM sdg.series WHERE series_key = :k"), {"k": series.series_key}
    ).scalar_one()
    loaded = load_observations(
        conn, parsed.frame, series_id=series_id, snapshot_id=snap.snapshot_id, valid_from=fetched_at
    )
    conn.execute(
        text("UPDATE sdg.snapshot SET loaded_at = now(), rows_parsed = :n, load_error = NULL WHERE snapshot_id = :s"),
        {"n": loaded.rows, "s": snap.snapshot_id},
    )
    log.info(
        "%s: %d rows (%d new, %d revised, %d unchanged)",
        series.series_key,
        loaded.rows,
        loaded.inserted,
        loaded.revised,
        loaded.unchanged,
    )
    return IngestResult(
        series.series_key,
        snap.snapshot_id,
        snap.sha256,
        "loaded",
        loaded.rows,
        loaded.inserted,
        loaded.revised,
        len(parsed.unmapped_terms),
    )


def region_terms(conn: Connection) -> dict[int, str]:
    """Taldau region term id → KATO code, from the catalogue's aliases."""
    rows = conn.execute(text("SELECT alias, kato_code FROM sdg.region_alias WHERE scheme = 'taldau_term'"))
    return {int(alias): kato for alias, kato in rows}
