"""The units of work that DAG tasks and the ``sdg`` command call, one function per task.

Each takes and returns small, JSON-safe values (keys, counts, paths), never frames: Airflow passes
them through XCom, and the CLI prints them.
"""

from __future__ import annotations

import logging
from datetime import date

from etl import config
from etl.catalogue.model import Series, load_series
from etl.warehouse.connection import get_engine

log = logging.getLogger(__name__)


def default_reporting_year(today: date | None = None) -> int:
    """The year whose report is being prepared: the previous year in Jan–Feb (deadlines 15 Jan, 1 Feb)."""
    today = today or date.today()
    return today.year - 1 if today.month <= 2 else today.year


def prepare_warehouse(url: str | None = None) -> dict:
    """Apply pending migrations and mirror the catalogue files; safe to run before every job."""
    from etl.catalogue.sync import sync_catalogue
    from etl.delivery import load_recipients
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
    return {"migrations_applied": applied, **synced.__dict__, "recipients": len(recipients)}


def series_keys(source: str) -> list[str]:
    """The declared series of one source, from ``catalogue/series/<source>.csv``."""
    return [s.series_key for s in load_series() if s.source == source]


def _series(series_key: str) -> Series:
    for item in load_series():
        if item.series_key == series_key:
            return item
    raise KeyError(f"series {series_key!r} is not declared in {config.catalogue_dir() / 'series'}")


def ingest(source: str, series_key: str, url: str | None = None, **source_options: object) -> dict:
    """Fetch, snapshot, parse and load one declared series of ``source``."""
    from etl.ingest.run import ingest_series
    from etl.sources.registry import get_source

    series = _series(series_key)
    if series.source != source:
        raise ValueError(f"series {series_key!r} belongs to source {series.source!r}, not {source!r}")
    return ingest_series(get_engine(url), series, get_source(source, **source_options)).as_dict()


def compute_facts(year: int | None = None, url: str | None = None) -> int:
    """Recompute indicator values (facts) for one year, or every year when ``year`` is None, and the progress
    assessments built on them, in one transaction."""
    from etl.indicators.compute import compute_indicator_values
    from etl.indicators.progress_store import compute_progress

    with get_engine(url).begin() as conn:
        facts = compute_indicator_values(conn, year)
        assessed = compute_progress(conn, year)
    log.info("%s indicator values, %s progress assessments computed", facts, assessed)
    return facts


def issue_forms(year: int, status: str = "draft", url: str | None = None, regions: list[str] | None = None) -> dict:
    """Issue the Appendix 2 forms of ``year`` for every region (or the given ones)."""
    from etl.reports.appendix2 import issue_appendix2

    issued = issue_appendix2(get_engine(url), year, regions, status)
    folder = config.reports_dir() / str(year) / "appendix2"
    return {
        "year": year,
        "forms": len(issued),
        "new_versions": sum(r.new for r in issued),
        "folder": str(folder),
        "paths": [str(r.path) for r in issued],
    }


def issue_appendix1(year: int, url: str | None = None) -> dict:
    """Issue each region's Appendix 1 list (indicators, classification, baseline, target) for ``year``."""
    from etl.reports.appendix1 import issue_appendix1

    issued = issue_appendix1(get_engine(url), year)
    return {"year": year, "lists": len(issued), "new_versions": sum(r.new for r in issued),
            "folder": str(config.reports_dir() / str(year) / "appendix1")}  # fmt: skip


def issue_national_extract(year: int, status: str = "draft", url: str | None = None) -> dict:
    """Issue the national extract of ``year`` (every region's Appendix 2 indicators, with their coverage)."""
    from etl.reports.national_extract import issue_national_extract

    issued, extract = issue_national_extract(get_engine(url), year, status)
    return {
        "year": year,
        "version": issued.version,
        "new": issued.new,
        "path": str(issued.path),
        "sha256": issued.sha256,
        "regions": len(extract.regions),
        "regions_ready": len(extract.regions) - len(extract.problems()),
    }


def deliver(year: int, kinds: tuple[str, ...] | None = None, url: str | None = None) -> dict:
    """Send the newest issued reports of ``year`` to their catalogue recipients; raise if any delivery failed."""
    from etl.delivery import KINDS, DeliveryFailed, deliver_reports

    summary = deliver_reports(get_engine(url), year, kinds or KINDS)
    if summary.failed:
        failed = "; ".join(summary.failed)
        raise DeliveryFailed(f"{len(summary.failed)} deliveries failed ({len(summary.sent)} sent meanwhile): {failed}")
    return summary.as_dict()


class DeadlineMissed(RuntimeError):
    """A report deadline has passed with reports not ready (the alert e-mail names them)."""


def check_deadlines(
    year: int | None = None, today: date | None = None, url: str | None = None, raise_overdue: bool = True
) -> dict:
    """Readiness for the order's deadlines; alerts when one is close; raises once one is missed."""
    from etl.deadlines import check_deadlines

    year = year if year is not None else default_reporting_year(today)
    checks, alert = check_deadlines(get_engine(url), year, today)
    result = {
        "year": year,
        "deadlines": [
            {"kind": c.kind, "due": c.due.isoformat(), "days_left": c.days_left, "reports": c.reports,
             "not_ready": len(c.gaps), "gaps": [f"{g.name}: {g.problem}" for g in c.gaps]}
            for c in checks
        ],
        "alert": None if alert is None else {"sent": alert.sent, "detail": alert.detail},
    }  # fmt: skip
    overdue = [c for c in checks if c.overdue]
    result["overdue"] = [c.kind for c in overdue]
    if overdue and raise_overdue:
        listed = "; ".join(f"{c.kind} due {c.due}: {len(c.gaps)} of {c.reports} not ready" for c in overdue)
        raise DeadlineMissed(f"reporting year {year}: {listed}")
    return result


def changed_series(results: list[dict]) -> int:
    """How many ingested series brought new or revised values (0: nothing downstream needs to run)."""
    return sum(1 for r in results if r and (r.get("inserted") or r.get("revised")))


class IncompleteIngestion(RuntimeError):
    """Some declared series did not load tonight; the others did, and are kept."""


def check_all_ingested(keys: list[str], results: list[dict]) -> None:
    """Fail loudly, after the others have loaded, when any declared series is missing from the results."""
    done = {r["series_key"] for r in results if r}
    missing = [k for k in keys if k not in done]
    if missing:
        raise IncompleteIngestion(f"{len(missing)} of {len(keys)} series failed to ingest: {missing}")


def resolve_reporting_year(year: int | str | None) -> int:
    """The reporting year from a DAG param or CLI flag; empty means the default for today."""
    if year in (None, ""):
        return default_reporting_year()
    value = int(year)
    if not 2000 <= value <= date.today().year:
        raise ValueError(f"reporting year {value} is outside 2000..{date.today().year}")
    return value


def quarantined(url: str | None = None) -> list[dict]:
    """Batches held back by critical quality failures, newest first, with a one-line reason each."""
    from sqlalchemy import text

    sql = """
        SELECT quarantine_id, series_key, snapshot_id, row_count, created_at,
               (SELECT string_agg(coalesce(r->>'expectation', r->>'expectation_type', 'check')
                                  || '(' || coalesce(r->>'column', '') || '): ' || coalesce(r->>'why', ''), '; ')
                  FROM jsonb_array_elements(reasons) AS r) AS reasons
        FROM sdg.quarantine WHERE status = 'quarantined' ORDER BY created_at DESC
    """
    with get_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


def release(quarantine_id: int, released_by: str, note: str, url: str | None = None) -> dict:
    """Release a quarantined batch (after a fix or a decision) and load it by re-ingesting its series."""
    from sqlalchemy import text

    from etl.quality.gate import release_quarantine

    engine = get_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT source, series_key FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": quarantine_id}
        ).one_or_none()
    if row is None:
        raise LookupError(f"quarantine {quarantine_id} does not exist")
    release_quarantine(engine, quarantine_id, released_by, note)
    return ingest(row.source, row.series_key, url)
