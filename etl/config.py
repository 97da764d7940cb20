"""Where things live and which servers to talk to, decided in one place from the environment.

Every setting has a local default so a newcomer's clone works with nothing configured: the warehouse
is an embedded PostgreSQL under ``var/``, snapshots and reports are files under ``var/``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (``etl`` is installed in editable mode, so this is the checkout).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = PROJECT_ROOT / "catalogue"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SQL_DIR = PROJECT_ROOT / "sql"

#: Production Taldau API base; tests and the demo point ``SDG_TALDAU_URL`` at a replay server.
DEFAULT_TALDAU_URL = "https://taldau.stat.gov.kz"


def catalogue_dir() -> Path:
    """The catalogue in use: the repository's ``catalogue/`` unless ``SDG_CATALOGUE_DIR`` names another
    (a staging copy, or a test's reduced one)."""
    return Path(os.environ.get("SDG_CATALOGUE_DIR") or CATALOGUE_DIR)


def data_dir() -> Path:
    """Root of local runtime data (embedded PostgreSQL, snapshots, reports); ``SDG_DATA_DIR`` overrides."""
    path = Path(os.environ.get("SDG_DATA_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_dir() -> Path:
    return Path(os.environ.get("SDG_SNAPSHOT_DIR") or data_dir() / "snapshots")


def reports_dir() -> Path:
    return Path(os.environ.get("SDG_REPORTS_DIR") or data_dir() / "reports")


def taldau_url() -> str:
    return (os.environ.get("SDG_TALDAU_URL") or DEFAULT_TALDAU_URL).rstrip("/")


#: Seconds one HTTP request may take in all (connect, headers, every byte of the body, retries and their waits).
DEFAULT_REQUEST_DEADLINE = 60.0
#: Seconds every request of one series may take together (a paged series makes many requests).
DEFAULT_SERIES_DEADLINE = 300.0


def request_deadline() -> float:
    """``SDG_REQUEST_DEADLINE`` seconds, else 60: no server can hold a request longer (see etl.sources.deadline)."""
    return _seconds("SDG_REQUEST_DEADLINE", DEFAULT_REQUEST_DEADLINE)


def series_deadline() -> float:
    """``SDG_SERIES_DEADLINE`` seconds, else 300: the budget of all requests of one series."""
    return _seconds("SDG_SERIES_DEADLINE", DEFAULT_SERIES_DEADLINE)


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a number of seconds") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"{name}={raw!r}: expected a positive, finite number of seconds")
    return value


def configured_warehouse_url() -> str | None:
    """The server named by ``SDG_WAREHOUSE_URL``, or None when the embedded default applies."""
    return os.environ.get("SDG_WAREHOUSE_URL") or None


#: days a per-expectation quality result is kept (a reporting cycle and a half); runs and quarantines stay
DEFAULT_QUALITY_RETENTION_DAYS = 550


def quality_retention_days() -> int:
    """``SDG_QUALITY_RETENTION_DAYS``: how long ``sdg.quality_result`` rows are kept (runs themselves stay)."""
    raw = os.environ.get("SDG_QUALITY_RETENTION_DAYS") or str(DEFAULT_QUALITY_RETENTION_DAYS)
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"SDG_QUALITY_RETENTION_DAYS must be a whole number of days, got {raw!r}") from None
    if days < 1:
        raise ValueError(f"SDG_QUALITY_RETENTION_DAYS must be at least 1, got {days}")
    return days


def boundary_file() -> Path | None:
    """``SDG_BOUNDARY_FILE``: a GeoJSON of the regions' borders for the overview's maps (no maps without one)."""
    raw = os.environ.get("SDG_BOUNDARY_FILE", "").strip()
    return Path(raw) if raw else None


def chromium() -> str | None:
    """The headless browser that prints the overview to PDF: ``SDG_CHROMIUM`` (a program, or ``off`` for no
    PDF), else ``chromium`` on the PATH; None when there is none."""
    import shutil

    raw = os.environ.get("SDG_CHROMIUM", "").strip()
    if raw.lower() == "off":
        return None
    if raw:
        found = shutil.which(raw)
        if found is None:
            raise ValueError(f"SDG_CHROMIUM={raw!r}: no such program (a path to chromium, or 'off')")
        return found
    return shutil.which("chromium") or shutil.which("chromium-browser")
