"""Ingest one declared series from any source: fetch → snapshots (raw kept) → parse → check → load.

Snapshots are recorded in their own transactions before anything is parsed, so a response that cannot
be parsed is still kept, with the reason, for a person to inspect. Parsing and loading every new
snapshot of the series share one transaction: a failure leaves nothing partial in the warehouse.
An unchanged answer (same sha256 for the same series) was loaded before and is not even parsed, unless
a person released the rows the gate held back from it: then it is read again and exactly those load.

:func:`ingest_many` runs a night's series in chunks: each series is fetched and parsed on its own (a failure
is that series' error, recorded, and the next goes on), the chunk's parsed answers are validated together
in one Great Expectations run (its cost is per run, not per row), then each series loads in its own
transaction. :func:`ingest_series` is the same for one series, raising its error.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field, fields

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.catalogue.files import CatalogueError
from etl.ingest import snapshots
from etl.quality.gate import Batch
from etl.quality.notify import send_queued
from etl.quality.outcome import ExpectationOutcome
from etl.runtime.failures import is_transient
from etl.sources.base import ParseResult, RegionLookup, Source
from etl.sources.deadline import series_deadline
from etl.sources.errors import DeadlineExceeded, SourceError
from etl.sources.http import Fetched
from etl.sources.series import Series
from etl.warehouse.observations import load_observations
from etl.warehouse.parse_warnings import record_parse_warnings

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
    #: rows the parser skipped or doubts, by kind (stored on the snapshot: ``sdg.snapshot.parse_warnings``)
    parse_warnings: dict[str, int] = field(default_factory=dict)
    #: status ``failed``: what went wrong (type and message, naming source and URL), and whether a retry may help
    error: str | None = None
    retryable: bool = False
    exception: Exception | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {f.name: copy(getattr(self, f.name)) for f in fields(self) if f.name != "exception"}

    def fail(self, exc: Exception) -> None:
        self.status, self.exception = "failed", exc
        named = isinstance(exc, SourceError)  # its message already names source, URL and reason
        self.error = (str(exc) if named else f"{type(exc).__name__}: {exc}")[:2000]
        self.retryable = is_transient(exc)  # the one rule the DAGs' retry policy applies too


#: series validated together in one GX run (and fetched before any of them loads)
CHUNK = 50


@dataclass
class _Work:
    """One series on its way through a chunk: what was fetched and parsed, and its result so far."""

    series: Series
    source: Source
    result: IngestResult
    pending: list[tuple[snapshots.Snapshot, Fetched]] = field(default_factory=list)
    frames: list[pd.DataFrame] = field(default_factory=list)
    parsed: list[ParseResult] = field(default_factory=list)
    outcomes: list[list[ExpectationOutcome]] = field(default_factory=list)


def ingest_series(engine: Engine, series: Series, source: Source) -> IngestResult:
    """Fetch and load one series; a source, parse or load failure raises after keeping the raw answers."""
    (result,) = ingest_many(engine, [(series, source)])
    if result.exception is not None:
        raise result.exception
    return result


def ingest_many(
    engine: Engine,
    todo: list[tuple[Series, Source]],
    *,
    chunk: int = CHUNK,
    done: Callable[[IngestResult], None] | None = None,
    budget: float | None = None,
) -> list[IngestResult]:
    """Ingest every series; each one's failure is its result (status ``failed``), never the others' end.

    ``done`` is called with each result as soon as its series is finished (progress bars, logs). With a
    ``budget`` (seconds), a series not yet fetched when it is spent is not started: it fails as a transient
    ``DeadlineExceeded``, so a caller with a time limit (an Airflow task) returns in time and a retry
    takes the rest (the series done before are unchanged then, and cost nothing).
    """
    results: list[IngestResult] = []
    before = dict(STAGE_SECONDS)
    stop_at = None if budget is None else time.monotonic() + budget
    for start in range(0, len(todo), chunk):
        for result in _ingest_chunk(engine, todo[start : start + chunk], stop_at, budget):
            results.append(result)
            if done is not None:
                done(result)
    spent = {k: round(v - before.get(k, 0), 2) for k, v in STAGE_SECONDS.items()}
    log.info("ingest: %d series; seconds by stage: %s", len(results), spent)
    return results


def _ingest_chunk(
    engine: Engine, todo: list[tuple[Series, Source]], stop_at: float | None = None, budget: float | None = None
) -> Iterator[IngestResult]:
    work = [_Work(series, source, IngestResult(series.series_key, series.source)) for series, source in todo]
    with _stage("fetch"):
        for item in work:
            if stop_at is not None and time.monotonic() >= stop_at:
                reason = f"not fetched: the run's time budget of {budget:g} s was spent on the series before it"
                _fail(engine, item, DeadlineExceeded(item.series.source, item.series.series_key, reason))
                continue
            _guarded(engine, item, _fetch)
    with _stage("parse"):
        with engine.connect() as conn:
            regions = RegionLookup.from_connection(conn)
        for item in work:
            _guarded(engine, item, lambda _engine, it: _parse_all(it, regions))
    with _stage("validate"):
        _validate(engine, [item for item in work if item.frames])
    for item in work:
        if item.frames:
            with _stage("load"):
                _guarded(engine, item, _load)
        yield item.result


#: seconds spent in each stage by this process (the benchmark and the run's closing log line read it)
STAGE_SECONDS: defaultdict[str, float] = defaultdict(float)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS[name] += time.perf_counter() - started


def _guarded(engine: Engine, item: _Work, step: Callable[[Engine, _Work], None]) -> None:
    """Run one step of one series; an exception becomes that series' recorded failure."""
    if item.result.status == "failed":
        return
    try:
        step(engine, item)
    except Exception as exc:  # noqa: BLE001 - any failure is this series' alone; it is recorded and reported
        _fail(engine, item, exc)


def _fail(engine: Engine, item: _Work, exc: Exception) -> None:
    item.result.fail(exc)
    item.frames = []
    log.error("%s: FAILED: %s", item.series.series_key, item.result.error)
    log.debug("%s: failure detail", item.series.series_key, exc_info=exc)
    if item.pending:
        try:
            _record_error(engine, [snap.snapshot_id for snap, _ in item.pending], exc)
        except Exception:  # noqa: BLE001 - the database itself failing must not hide the first error
            log.exception("%s: could not record the load error on its snapshots", item.series.series_key)


def _fetch(engine: Engine, item: _Work) -> None:
    """Keep every answer as a snapshot (own transactions); queue the new ones (and released ones) to load.

    All requests of the series share one budget (``SDG_SERIES_DEADLINE``), so a slow paged source cannot hold
    the chunk for ever.
    """
    with series_deadline():
        for fetched in item.source.fetch(item.series):
            with engine.begin() as conn:
                snap = snapshots.record(conn, fetched, item.series.source, item.series.series_key)
                reload = snap.already_loaded and _release_pending(conn, snap.snapshot_id)
            item.result.snapshots.append(snap.snapshot_id)
            state = "released rows to load" if reload else "loaded before" if snap.already_loaded else "new"
            log.info(
                "%s: snapshot %s (%s, %d bytes from %s): %s",
                item.series.series_key,
                snap.snapshot_id,
                state,
                len(fetched.content),
                fetched.url,
                snap.path,
            )
            if not snap.already_loaded or reload:
                item.pending.append((snap, fetched))
    if not item.pending:
        log.info("%s: every answer unchanged since it was loaded; nothing to do", item.series.series_key)
    item.result.new_snapshots = len(item.pending)


def _parse_all(item: _Work, regions: RegionLookup) -> None:
    item.parsed = [_parse(item.source, fetched, item.series, regions, item.result) for _, fetched in item.pending]
    item.frames = [parsed.frame for parsed in item.parsed]


def _validate(engine: Engine, work: list[_Work]) -> None:
    """The chunk's parsed answers through the observations suite in as few GX runs as possible."""
    from etl.quality.gate import validate_batches

    batches = [
        _batch(item, snap, frame) for item in work for (snap, _), frame in zip(item.pending, item.frames, strict=True)
    ]
    try:
        with engine.connect() as conn:
            found = iter(validate_batches(conn, batches))
    except Exception as exc:  # noqa: BLE001 - e.g. a frame GX cannot read: every series of the chunk says so
        for item in work:
            _fail(engine, item, exc)
        return
    for item in work:
        item.outcomes = [next(found) for _ in item.frames]


def _batch(item: _Work, snap: snapshots.Snapshot, frame: pd.DataFrame) -> Batch:
    series = item.series
    return Batch(frame, series.series_key, series.source, snap.snapshot_id, series.unit_ru or None)


def _load(engine: Engine, item: _Work) -> None:
    with engine.begin() as conn:
        _decide_and_load(conn, item)
    send_queued(engine)  # the gate's alerts, now that the quarantine they report is committed


def _decide_and_load(conn: Connection, item: _Work) -> None:
    """Record each answer's gate decision and load them all but their held rows, or none when a batch is held."""
    from etl.quality.gate import decide

    series, result = item.series, item.result
    checked = [(snap, fetched, frame) for (snap, fetched), frame in zip(item.pending, item.frames, strict=True)]
    for (snap, _), parsed in zip(item.pending, item.parsed, strict=True):
        if parsed.warnings:
            record_parse_warnings(conn, snap.snapshot_id, parsed.warnings, parsed.warning_samples)
    decisions = [
        decide(conn, _batch(item, snap, frame), outcomes)
        for (snap, _, frame), outcomes in zip(checked, item.outcomes, strict=True)
    ]
    if not all(d.load for d in decisions):
        result.status = "quarantined"
        result.quarantines = [d.quarantine_id for d in decisions if d.quarantine_id and not d.load]
        log.error(
            "%s: quarantined by critical quality failures (quarantine %s); nothing loaded: %s",
            series.series_key,
            result.quarantines,
            "; ".join(o.describe() for d in decisions for o in d.critical),
        )
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
    result.quarantines = [d.quarantine_id for d in decisions if d.held_row_ids and d.quarantine_id is not None]
    result.status = "partial" if result.held_rows else "loaded"
    result.warnings = sum(len(d.warnings) for d in decisions)
    log.info(
        "%s: %d rows loaded (%d new, %d revised) from snapshots %s; %d held back in quarantine %s",
        series.series_key,
        result.rows,
        result.inserted,
        result.revised,
        [s.snapshot_id for s, _, _ in checked],
        result.held_rows,
        result.quarantines,
    )
    if result.held_rows:
        log.warning(
            "%s: %d rows held back in quarantine %s: %s",
            series.series_key,
            result.held_rows,
            result.quarantines,
            "; ".join(o.describe() for d in decisions for o in d.critical),
        )


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


def _parse(
    source: Source, fetched: Fetched, series: Series, regions: RegionLookup, result: IngestResult
) -> ParseResult:
    parsed = source.parse(fetched, series, regions)
    if parsed.unmapped_regions:
        log.warning(
            "%s: %d region codes without a KATO alias were skipped: %s",
            series.series_key,
            len(parsed.unmapped_regions),
            parsed.unmapped_regions,
        )
    result.unmapped_regions += len(parsed.unmapped_regions)
    result.skipped_rows += parsed.skipped_rows
    for kind, count in parsed.warnings.items():
        log.warning(
            "%s: %d rows %s (stored on the snapshot): %s",
            series.series_key,
            count,
            kind,
            parsed.warning_samples.get(kind, [])[:3],
        )
        result.parse_warnings[kind] = result.parse_warnings.get(kind, 0) + count
    return parsed


def _series_id(conn: Connection, series: Series) -> int:
    """The warehouse id of a declared series. The catalogue's sync is the one writer of ``sdg.series``: a series
    it has not mirrored yet is a catalogue not synced since the series was declared, said as such."""
    found = conn.execute(text("SELECT series_id FROM sdg.series WHERE series_key = :k"), {"k": series.series_key})
    series_id = found.scalar()
    if series_id is None:
        raise CatalogueError(
            f"series {series.series_key!r} is declared in catalogue/series/{series.source}.csv but not in the "
            "warehouse: the catalogue was not synced since; run `sdg db migrate` (the DAGs sync it first)"
        )
    return series_id


def _record_error(engine: Engine, snapshot_ids: list[int], exc: Exception) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE sdg.snapshot SET load_error = :e WHERE snapshot_id = ANY(:ids)"),
            {"e": f"{type(exc).__name__}: {exc}"[:2000], "ids": snapshot_ids},
        )
