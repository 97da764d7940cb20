"""The units of work that DAG tasks and the ``sdg`` command call, one function per task.

Each takes and returns small, JSON-safe values (keys, counts, paths), never frames: Airflow passes
them through XCom, and the CLI prints them.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import text

from etl import config
from etl.catalogue.edition import reading_edition
from etl.catalogue.model import load_series
from etl.sources.series import Series
from etl.warehouse.connection import get_engine

if TYPE_CHECKING:  # pandas and every source's client are imported only when a task ingests
    from etl.sources.base import Source

log = logging.getLogger(__name__)

Job = TypeVar("Job", bound=Callable[..., Any])


def on_catalogue_edition(job: Job) -> Job:
    """Run ``job`` on the catalogue edition the last sync stored (``etl.catalogue.edition``), so every task of a
    run reads the same catalogue whatever happens to the files meanwhile; ``url`` names the warehouse."""
    signature = inspect.signature(job)

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        url = signature.bind(*args, **kwargs).arguments.get("url")
        with reading_edition(get_engine(url)):
            return job(*args, **kwargs)

    return cast(Job, run)


def default_reporting_year(today: date | None = None) -> int:
    """The year whose report is being prepared: the previous year in Jan–Feb (deadlines 15 Jan, 1 Feb)."""
    today = today or date.today()
    return today.year - 1 if today.month <= 2 else today.year


def prepare_warehouse(url: str | None = None) -> dict:
    """Apply pending migrations and mirror the catalogue files; safe to run before every job."""
    from etl.catalogue.sync import sync_catalogue
    from etl.delivery.send import load_recipients
    from etl.quality.catalogue import check_catalogue
    from etl.quality.outcome import QualityFailure
    from etl.warehouse.migrate import migrate

    recipients = load_recipients()  # a bad recipients file stops the run here, not at delivery time
    applied = migrate(url)
    with get_engine(url).begin() as conn:
        synced = sync_catalogue(conn)
        decision = check_catalogue(conn)
        if not decision.load:  # raising rolls the sync back: a broken catalogue never reaches the warehouse
            raise QualityFailure(decision, "catalogue")
    log.info(
        "warehouse ready: migrations applied %s; catalogue %s; %d recipients",
        applied or "none",
        synced.__dict__,
        len(recipients),
    )
    return {"migrations_applied": applied, **synced.__dict__, "recipients": len(recipients)}


@on_catalogue_edition
def series_keys(source: str) -> list[str]:
    """The declared series of one source, from ``catalogue/series/<source>.csv``."""
    return [s.series_key for s in load_series() if s.source == source]


def _series(series_key: str, declared: dict[str, Series] | None = None) -> Series:
    """The declared series ``series_key`` (from ``declared`` when the caller read the catalogue already)."""
    declared = declared if declared is not None else {s.series_key: s for s in load_series()}
    if series_key in declared:
        return declared[series_key]
    raise KeyError(f"series {series_key!r} is not declared in {config.catalogue_dir() / 'series'}")


@on_catalogue_edition
def ingest(source: str, series_key: str, url: str | None = None, **source_options: object) -> dict:
    """Fetch, snapshot, parse and load one declared series of ``source``."""
    from etl.ingest.run import ingest_series
    from etl.sources.registry import get_source

    series = _series(series_key)
    if series.source != source:
        raise ValueError(f"series {series_key!r} belongs to source {series.source!r}, not {source!r}")
    return ingest_series(get_engine(url), series, get_source(source, **source_options)).as_dict()


@on_catalogue_edition
def ingest_batch(
    keys: list[str],
    url: str | None = None,
    done: Callable[[dict], None] | None = None,
    budget: float | None = None,
    **source_options: object,
) -> list[dict]:
    """Fetch, snapshot, parse and load many declared series: validated together, each failure its own.

    Returns one result per key (status ``failed`` with ``error`` for a series that could not be ingested;
    a source that cannot even be set up fails each of its series; with a ``budget`` in seconds, the series not
    started when it is spent fail as transient, see ``ingest_many``). Ends the run: Data Docs are rendered once
    for the whole run and quality results past their retention are pruned.
    """
    from etl.ingest.run import IngestResult, ingest_many
    from etl.sources.registry import get_source

    todo, failed = [], []
    sources: dict[str, Source] = {}
    declared = {s.series_key: s for s in load_series()}  # read once: 273 reads cost seconds
    for series in (_series(k, declared) for k in keys):
        try:
            if series.source not in sources:
                sources[series.source] = get_source(series.source, **source_options)
            todo.append((series, sources[series.source]))
        except Exception as exc:  # noqa: BLE001 - e.g. a source without its endpoint: each series says so
            result = IngestResult(series.series_key, series.source)
            result.fail(exc)
            failed.append(result)
    for result in failed:
        log.error("%s: FAILED: %s", result.series_key, result.error)
        if done is not None:
            done(result.as_dict())
    report = None if done is None else (lambda r: done(r.as_dict()))
    results = failed + ingest_many(get_engine(url), todo, done=report, budget=budget)
    finish_ingest_run(url)
    log.info(
        "%d series ingested: %s; %d rows loaded, %d held in quarantine",
        len(results),
        dict(Counter(r.status for r in results)),
        sum(r.rows for r in results),
        sum(r.held_rows for r in results),
    )
    order = {k: i for i, k in enumerate(keys)}
    return sorted((r.as_dict() for r in results), key=lambda r: order[r["series_key"]])


def finish_ingest_run(url: str | None = None) -> None:
    """Once per run, not per series: render Data Docs, prune old quality results (a failure here only warns)."""
    from etl.quality.runner import STATS, build_data_docs
    from etl.quality.store import prune_results

    try:
        if STATS["validations"]:  # an unchanged night validated nothing: no GX import, no rendering
            build_data_docs()
        with get_engine(url).begin() as conn:
            pruned = prune_results(conn, config.quality_retention_days())
        if pruned:
            log.info("pruned %d quality results older than %d days", pruned, config.quality_retention_days())
    except Exception:  # noqa: BLE001 - the data is loaded; a docs or pruning problem must not fail the run
        log.warning("Data Docs or quality-result pruning failed after the ingest run", exc_info=True)


@on_catalogue_edition
def compute_facts(year: int | None = None, url: str | None = None) -> int:
    """Recompute indicator values (facts) for one year, or every year when ``year`` is None, and the progress
    assessments built on them, in one transaction."""
    from etl.indicators.compute import compute_indicator_values
    from etl.indicators.progress_store import compute_progress
    from etl.indicators.series_breaks import detect_series_breaks

    with get_engine(url).begin() as conn:
        facts = compute_indicator_values(conn, year)
        breaks = detect_series_breaks(conn)  # from every year's facts: the splits' years are rarely the one computed
        assessed = compute_progress(conn, year)
    log.info("%s indicator values, %s series breaks, %s progress assessments computed", facts, len(breaks), assessed)
    return facts


@on_catalogue_edition
def issue_forms(
    year: int,
    status: str = "draft",
    url: str | None = None,
    regions: list[str] | None = None,
    allow_empty: bool = False,
) -> dict:
    """Issue the Appendix 2 forms of ``year`` for every region (or the given ones).

    A region whose form would carry no Fact at all is left out (listed under ``empty``) unless ``allow_empty``;
    when no form has a single Fact, :class:`~etl.reports.issuing.EmptyReport` is raised and nothing is issued.
    Once a form is final, a changed one comes out as amended (``status`` then only applies before a final).
    """
    from etl.reports.appendix2 import issue_forms_of_year
    from etl.reports.issuing import EmptyReport

    engine = get_engine(url)
    if not allow_empty:
        with engine.connect() as conn:
            probe = _facts_of_forms(conn, year, regions)
        if probe[0] == 0:
            raise EmptyReport(
                f"no Fact is filled in any of the {probe[1]} indicator rows of the Appendix 2 forms for {year}: "
                f"nothing issued (sdg compute --year {year}; --allow-empty issues them anyway, never delivered)"
            )
    run = issue_forms_of_year(engine, year, regions, status, allow_empty=allow_empty)
    from etl.reports.form_rows import write_missing_form_rows  # each form's rows as CSV and JSON beside it

    row_files = write_missing_form_rows(engine, year)
    folder = config.reports_dir() / str(year) / "appendix2"
    log.info(
        "%d Appendix 2 forms for %d in %s (%d new versions, %d amended); Fact in %d of %d rows; no Fact: %s",
        len(run.issued),
        year,
        folder,
        sum(r.new for r in run.issued),
        sum(r.new and r.status == "amended" for r in run.issued),
        run.facts,
        run.rows,
        run.empty or "none",
    )
    return {
        "year": year,
        "forms": len(run.issued),
        "new_versions": sum(r.new for r in run.issued),
        "amended": sum(r.new and r.status == "amended" for r in run.issued),
        "facts": run.facts,
        "indicator_rows": run.rows,
        "empty": run.empty,
        "folder": str(folder),
        "paths": [str(r.path) for r in run.issued],
        "row_files": row_files,
    }


def _facts_of_forms(conn, year: int, regions: list[str] | None) -> tuple[int, int]:
    """(indicator rows with a numeric Fact, indicator rows) of the year's forms, before building any."""
    from sqlalchemy import text

    from etl.reports.appendix2 import regions_for_year

    sql = """
        SELECT count(v.value), count(*) FROM sdg.monitored_item AS a
        LEFT JOIN sdg.indicator_value AS v
               ON v.indicator_code = a.indicator_code AND v.kato_code = a.kato_code AND v.year = :y
        WHERE a.kato_code = ANY(:k)
    """
    codes = regions or regions_for_year(conn, year)
    filled, rows = conn.execute(text(sql), {"y": year, "k": codes}).one()
    return int(filled), int(rows)


@on_catalogue_edition
def issue_appendix1(year: int, url: str | None = None) -> dict:
    """Issue each region's Appendix 1 list (indicators, classification, baseline, target) for ``year``."""
    from etl.reports.appendix1 import issue_appendix1

    issued = issue_appendix1(get_engine(url), year)
    log.info("%d Appendix 1 lists for %d (%d new versions)", len(issued), year, sum(r.new for r in issued))
    return {
        "year": year,
        "lists": len(issued),
        "new_versions": sum(r.new for r in issued),
        "folder": str(config.reports_dir() / str(year) / "appendix1"),
    }


@on_catalogue_edition
def issue_national_extract(year: int, status: str = "draft", url: str | None = None, allow_empty: bool = False) -> dict:
    """Issue the national extract of ``year`` (every region's Appendix 2 indicators, with their coverage)."""
    from etl.reports.national_extract import issue_national_extract
    from etl.reports.overview_issue import write_overview

    engine = get_engine(url)
    issued, extract = issue_national_extract(engine, year, status, allow_empty=allow_empty)
    log.info(
        "national extract %d v%d (%s, %s): %s",
        year,
        issued.version,
        issued.status,
        "new" if issued.new else "unchanged",
        issued.path,
    )
    overview = write_overview(engine, year, extract)  # the working body's overview travels with the extract
    for why in overview.skipped:
        log.info("overview of %s: %s", year, why)
    return {
        "year": year,
        "version": issued.version,
        "status": issued.status,
        "facts": sum(region.facts for region in extract.regions),
        "new": issued.new,
        "path": str(issued.path),
        "sha256": issued.sha256,
        "regions": len(extract.regions),
        "regions_ready": len(extract.regions) - len(extract.problems()),
        "overview": overview.as_dict(),
    }


@on_catalogue_edition
def deliver(year: int, kinds: tuple[str, ...] | None = None, url: str | None = None) -> dict:
    """Send the newest issued reports of ``year`` to their catalogue recipients; raise if any delivery failed."""
    from etl.delivery.send import KINDS, DeliveryFailed, deliver_reports

    summary = deliver_reports(get_engine(url), year, kinds or KINDS)
    log.info("deliveries for %d: %d sent, %d failed", year, len(summary.sent), len(summary.failed))
    if summary.failed:
        failed = "; ".join(summary.failed)
        raise DeliveryFailed(f"{len(summary.failed)} deliveries failed ({len(summary.sent)} sent meanwhile): {failed}")
    return summary.as_dict()


class DeadlineMissed(RuntimeError):
    """A report deadline has passed with reports not ready (the alert e-mail names them)."""


@on_catalogue_edition
def check_deadlines(
    year: int | None = None, today: date | None = None, url: str | None = None, raise_overdue: bool = True
) -> dict:
    """Readiness for the order's deadlines; alerts when one is close; raises once one is missed."""
    from etl.delivery.deadlines import check_deadlines

    year = year if year is not None else default_reporting_year(today)
    checks, alert = check_deadlines(get_engine(url), year, today)
    result = {
        "year": year,
        "deadlines": [
            {
                "kind": c.kind,
                "due": c.due.isoformat(),
                "days_left": c.days_left,
                "reports": c.reports,
                "not_ready": len(c.gaps),
                "gaps": [f"{g.name}: {g.problem}" for g in c.gaps],
            }
            for c in checks
        ],
        "alert": None if alert is None else {"sent": alert.sent, "detail": alert.detail},
    }
    overdue = [c for c in checks if c.overdue]
    result["overdue"] = [c.kind for c in overdue]
    if overdue and raise_overdue:
        listed = "; ".join(f"{c.kind} due {c.due}: {len(c.gaps)} of {c.reports} not ready" for c in overdue)
        raise DeadlineMissed(f"reporting year {year}: {listed}")
    return result


#: series per mapped ingest task: many share a GX run, and a retry repeats few
INGEST_CHUNK = 50
#: seconds a mapped ingest task starts new series for (18 min); the rest of its execution_timeout (30 min) is for the
#: series in progress (its own 300 s deadline, parse, gate, load) and the run's end
INGEST_TASK_BUDGET = 18 * 60.0


def series_chunks(source: str, slots: int = 1, size: int = INGEST_CHUNK) -> list[list[str]]:
    """The declared series of ``source`` in chunks for mapped tasks: at most ``size`` each, and at least
    ``slots`` of them (when there are that many series) so that every slot of the source's pool works."""
    keys = series_keys(source)
    if not keys:
        return []
    count = max(min(slots, len(keys)), -(-len(keys) // size))
    step = -(-len(keys) // count)
    return [keys[i : i + step] for i in range(0, len(keys), step)]


class RetryLater(RuntimeError):
    """Some series of a chunk failed in a way a later try may cure; the others are loaded and stay loaded."""


def ingest_chunk(keys: list[str], last_try: bool, budget: float | None = INGEST_TASK_BUDGET) -> list[dict]:
    """A mapped ingest task's work: ingest ``keys`` together; raise :class:`RetryLater` while tries remain and
    a series failed transiently (the retry repeats only what did not load: the rest is unchanged by then).

    Deterministic failures (a 4xx, a wrong shape, a bad value) are never retried: they are in the results,
    and the run's closing check names them.
    """
    results = ingest_batch(keys, budget=budget)
    transient = [r for r in results if r["status"] == "failed" and r["retryable"]]
    if transient and not last_try:
        named = "; ".join(f"{r['series_key']}: {r['error']}" for r in transient)
        raise RetryLater(f"{len(transient)} of {len(keys)} series may pass on a later try: {named}")
    return results


def changed_series_since(source: str, since: datetime, url: str | None = None) -> int:
    """How many series of ``source`` got new or revised values fetched at or after ``since``.

    Read from the warehouse, not from task results: a retried task reports the series an earlier try
    loaded as unchanged, yet they changed in this run.
    """
    sql = """
        SELECT count(DISTINCT o.series_id) FROM sdg.observation o JOIN sdg.series s USING (series_id)
        WHERE s.source = :source AND o.valid_from >= :since
    """
    with get_engine(url).connect() as conn:
        return int(conn.execute(text(sql), {"source": source, "since": since}).scalar_one())


def changed_series(results: list[dict]) -> int:
    """How many ingested series brought new or revised values (0: nothing downstream needs to run)."""
    return sum(1 for r in results if r and (r.get("inserted") or r.get("revised")))


class IncompleteIngestion(RuntimeError):
    """Some declared series did not load tonight; the others did, and are kept."""


def check_all_ingested(keys: list[str], results: list[dict]) -> None:
    """Fail loudly, after the others have loaded, naming each declared series that failed, whose whole answer
    is held in quarantine, or that has no result (its task never finished). Held rows alone are logged: the
    rest of their series loaded, and the quarantine alert went out."""
    by_key = {r["series_key"]: r for r in results if r}
    problems = []
    for key in keys:
        r = by_key.get(key)
        if r is None:
            problems.append(f"{key}: no result (its task did not finish)")
        elif r["status"] == "failed":
            problems.append(f"{key}: {r['error']}")
        elif r["status"] == "quarantined":
            problems.append(f"{key}: whole answer held in quarantine {r['quarantines']}")
        elif r.get("held_rows"):
            log.warning("%s: %d rows held in quarantine %s", key, r["held_rows"], r["quarantines"])
    if problems:
        raise IncompleteIngestion(
            f"{len(problems)} of {len(keys)} series failed to ingest:\n  " + "\n  ".join(problems)
        )


#: the time zone the reporting calendar (and the DAGs' schedules) is kept in
REPORTING_TZ = "Asia/Almaty"


def resolve_reporting_year(year: int | str | None, logical_date: datetime | None = None) -> int:
    """The reporting year from a DAG param or CLI flag. Empty: the year before the run's logical date (in
    Almaty) when the run has one, so that a scheduled or catch-up run in January 2026 reports 2025 whenever it
    actually runs; a manual run without a logical date reports the year being reported today."""
    if year in (None, ""):
        if logical_date is not None:
            from zoneinfo import ZoneInfo

            return logical_date.astimezone(ZoneInfo(REPORTING_TZ)).year - 1
        return default_reporting_year()
    value = int(year)
    if not 2000 <= value <= date.today().year:
        raise ValueError(f"reporting year {value} is outside 2000..{date.today().year}")
    return value


def quarantined(url: str | None = None) -> list[dict]:
    """Held rows and batches waiting for a decision, newest first: scope ('rows': ``held_count`` of ``row_count``
    held, the rest loaded; 'batch': all held) and a one-line reason each."""
    sql = """
        SELECT quarantine_id, series_key, snapshot_id, row_count, scope, held_count, created_at,
               (SELECT string_agg(coalesce(r->>'expectation', r->>'expectation_type', 'check')
                                  || '(' || coalesce(r->>'column', '') || '): ' || coalesce(r->>'why', ''), '; ')
                  FROM jsonb_array_elements(reasons) AS r) AS reasons
        FROM sdg.quarantine WHERE status = 'quarantined' ORDER BY created_at DESC
    """
    with get_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


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
        result = ingest(held.source, held.series_key, url)
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


@on_catalogue_edition
def check_facts(year: int, url: str | None = None) -> dict:
    """Check the facts of ``year`` before forms are issued; raise :class:`QualityFailure` on a critical failure.

    The run, its results and the alert are committed before raising, so the evidence outlives the failed task.
    """
    from etl.quality.facts import check_indicator_values, empty_cells
    from etl.quality.notify import send_queued
    from etl.quality.outcome import QualityFailure
    from etl.quality.runner import build_data_docs

    engine = get_engine(url)
    with engine.begin() as conn:
        decision = check_indicator_values(conn, year)
    send_queued(engine)  # the alert, after the run it reports is committed
    docs = build_data_docs()
    empty = empty_cells(decision)
    for outcome in decision.warnings:
        log.warning("%s", outcome.describe())
    if not decision.load:
        raise QualityFailure(decision, f"indicator_values {year}")
    return {
        "year": year,
        "run_id": decision.run_id,
        "warnings": len(decision.warnings),
        "empty_cells": len(empty),
        "data_docs": str(docs),
    }
