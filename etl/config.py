"""Where things live and which servers to talk to, decided in one place from the environment.

Every setting has a local default so a newcomer's clone works with nothing configured: the warehouse
is an embedded PostgreSQL under ``var/``, snapshots and reports are files under ``var/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

#: The repository root (``etl`` is installed in editable mode, so this is the checkout).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = PROJECT_ROOT / "catalogue"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SQL_DIR = PROJECT_ROOT / "sql"

#: Production Taldau API base; tests and the demo point ``SDG_TALDAU_URL`` at a replay server.
DEFAULT_TALDAU_URL = "https://taldau.stat.gov.kz"


#: the catalogue edition a run's step reads, while one is in use (:func:`reading_catalogue`)
_EDITION: ContextVar[Path | None] = ContextVar("sdg_catalogue_edition", default=None)


def catalogue_dir() -> Path:
    """The catalogue a step reads: the run's edition while one is in use (the files as the run's sync stored
    them in the warehouse, see ``etl.catalogue.edition``), else the edited files (:func:`catalogue_files_dir`)."""
    return _EDITION.get() or catalogue_files_dir()


def catalogue_files_dir() -> Path:
    """The catalogue people edit: the repository's ``catalogue/`` unless ``SDG_CATALOGUE_DIR`` names another
    (a staging copy, or a test's reduced one). Syncs and imports read and write here."""
    return Path(os.environ.get("SDG_CATALOGUE_DIR") or CATALOGUE_DIR)


@contextmanager
def reading_catalogue(folder: Path) -> Iterator[Path]:
    """Within the block (and this thread or task), :func:`catalogue_dir` is ``folder``."""
    token = _EDITION.set(folder)
    try:
        yield folder
    finally:
        _EDITION.reset(token)


def data_dir() -> Path:
    """Root of local runtime data (embedded PostgreSQL, snapshots, reports); ``SDG_DATA_DIR`` overrides."""
    path = Path(os.environ.get("SDG_DATA_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_dir() -> Path:
    """``SDG_SNAPSHOT_DIR``, else ``<data_dir>/snapshots``: the raw answers of the sources, as fetched."""
    return Path(os.environ.get("SDG_SNAPSHOT_DIR") or data_dir() / "snapshots")


def reports_dir() -> Path:
    """``SDG_REPORTS_DIR``, else ``<data_dir>/reports``: the issued forms and extracts."""
    return Path(os.environ.get("SDG_REPORTS_DIR") or data_dir() / "reports")


def taldau_url() -> str:
    """``SDG_TALDAU_URL``, else the production Taldau API: the base of every Taldau request."""
    return (os.environ.get("SDG_TALDAU_URL") or DEFAULT_TALDAU_URL).rstrip("/")


#: UN SDG API production base; tests and the demo point ``SDG_UNSD_URL`` at a replay server.
DEFAULT_UNSD_URL = "https://unstats.un.org/sdgapi"
#: The statistics office's Open SDG data repository (raw files of its default branch).
DEFAULT_OPENSDG_URL = "https://raw.githubusercontent.com/kazstat/sdg-data-kazstat/master"


def unsd_url() -> str:
    """``SDG_UNSD_URL``, else the public UN SDG API: the base of ``Series/Data`` requests."""
    return (os.environ.get("SDG_UNSD_URL") or DEFAULT_UNSD_URL).rstrip("/")


def opensdg_url() -> str:
    """``SDG_OPENSDG_URL`` (an HTTP(S) base of the raw files, or a local clone), else the office's published
    repository."""
    return (os.environ.get("SDG_OPENSDG_URL") or DEFAULT_OPENSDG_URL).rstrip("/")


def sdmx_url() -> str | None:
    """``SDG_SDMX_URL``: the SDMX REST endpoint base. No default: None until one is configured, and then SDMX
    series cannot be fetched (the client says so)."""
    return os.environ.get("SDG_SDMX_URL") or None


def files_inbox() -> Path:
    """``SDG_FILES_INBOX``, else ``<data_dir>/inbox``: where responsible bodies drop their files.

    The default folder is created empty, so a fresh clone has nothing to do; a configured one is never
    created: if it is missing (an unmounted share), reading it is an error.
    """
    configured = os.environ.get("SDG_FILES_INBOX")
    if configured:
        return Path(configured)
    default = data_dir() / "inbox"
    default.mkdir(exist_ok=True)
    return default


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

    if chromium_off():
        return None
    raw = os.environ.get("SDG_CHROMIUM", "").strip()
    if raw:
        found = shutil.which(raw)
        if found is None:
            raise ValueError(f"SDG_CHROMIUM={raw!r}: no such program (a path to chromium, or 'off')")
        return found
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_off() -> bool:
    """``SDG_CHROMIUM=off`` (any case): the overview is written as HTML only, on purpose (default: printing on)."""
    return os.environ.get("SDG_CHROMIUM", "").strip().lower() == "off"


def configured_analyst_url() -> str | None:
    """``SDG_ANALYST_URL``: the analysts' page's own login (a member of ``sdg_analyst``); None (the default): the
    page uses the warehouse's URL and ``SET ROLE sdg_analyst``."""
    return os.environ.get("SDG_ANALYST_URL") or None


#: The SMTP port when ``SDG_SMTP_PORT`` is empty, and the sender when ``SDG_ALERT_FROM`` is.
DEFAULT_SMTP_PORT = 25
DEFAULT_ALERT_FROM = "sdg-pipeline@localhost"
#: How ``SDG_SMTP_STARTTLS`` may be spelt (empty: off); anything else is an error, not a silent "off".
_TRUE, _FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


def smtp_host() -> str:
    """``SDG_SMTP_HOST``: the mail server of alerts and deliveries; empty (the default): mail is logged as not sent."""
    return os.environ.get("SDG_SMTP_HOST", "").strip()


def smtp_port() -> int:
    """``SDG_SMTP_PORT``, else 25."""
    raw = os.environ.get("SDG_SMTP_PORT", "").strip()
    if not raw:
        return DEFAULT_SMTP_PORT
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"SDG_SMTP_PORT={raw!r}: expected a port number") from None
    if not 0 < port < 65536:
        raise ValueError(f"SDG_SMTP_PORT={raw!r}: expected a port number from 1 to 65535")
    return port


def smtp_user() -> str:
    """``SDG_SMTP_USER``: the login on the mail server; empty (the default): no login."""
    return os.environ.get("SDG_SMTP_USER", "")


def smtp_password() -> str:
    """``SDG_SMTP_PASSWORD``: the password of ``SDG_SMTP_USER`` (default empty); never logged."""
    return os.environ.get("SDG_SMTP_PASSWORD", "")


def smtp_starttls() -> bool:
    """``SDG_SMTP_STARTTLS`` (``1``/``true``/``yes`` or ``0``/``false``/``no``, any case): STARTTLS before the
    login; off by default."""
    raw = os.environ.get("SDG_SMTP_STARTTLS", "").strip()
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError(f"SDG_SMTP_STARTTLS={raw!r}: expected true or false (1/0, yes/no)")


def alert_from() -> str:
    """``SDG_ALERT_FROM``, else ``sdg-pipeline@localhost``: the sender of alerts and deliveries."""
    return os.environ.get("SDG_ALERT_FROM") or DEFAULT_ALERT_FROM


def alert_recipients() -> tuple[str, ...]:
    """``SDG_ALERT_RECIPIENTS``: who gets alerts, comma-separated; none by default (an alert is then not sent)."""
    return tuple(r.strip() for r in os.environ.get("SDG_ALERT_RECIPIENTS", "").split(",") if r.strip())
