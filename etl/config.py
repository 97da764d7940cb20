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


def configured_warehouse_url() -> str | None:
    """The server named by ``SDG_WAREHOUSE_URL``, or None when the embedded default applies."""
    return os.environ.get("SDG_WAREHOUSE_URL") or None
