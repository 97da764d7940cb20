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
    from etl.warehouse.migrate import migrate

    applied = migrate(url)
    with get_engine(url).begin() as conn:
        synced = sync_catalogue(conn)
    return {"migrations_applied": applied, **synced.__dict__}


def series_keys(source: str = "taldau") -> list[str]:
    """The declared series of one source, from the catalogue."""
    return [s.series_key for s in load_series() if s.source == source]


def _series(series_key: str) -> Series:
    for item in load_series():
        if item.series_key == series_key:
            return item
    raise KeyError(f"series {series_key!r} is not declared in {config.CATALOGUE_DIR / 'series.csv'}")


def ingest_taldau(series_key: str, url: str | None = None, taldau_url: str | None = None) -> dict:
    """Fetch, snapshot, parse and load one Taldau series."""
    from etl.ingest.taldau import ingest_series
    from etl.sources.taldau.client import TaldauClient

    result = ingest_series(get_engine(url), _series(series_key), TaldauClient(taldau_url))
    return result.as_dict()


def compute_facts(year: int | None = None, url: str | None = None) -> int:
    """Recompute indicator values (facts) for one year, or every year when ``year`` is None."""
    from etl.indicators.compute import compute_indicator_values

    with get_engine(url).begin() as conn:
        return compute_indicator_values(conn, year)


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
