"""Airflow connections as the pipeline's settings: ``sdg_warehouse``, ``taldau`` and ``smtp_default``.

``etl`` reads plain environment variables (``SDG_WAREHOUSE_URL``, ``SDG_TALDAU_URL``). In Airflow the
operators keep such settings in Connections (or a secrets backend); this callback copies them into the
task's environment before it runs, unless the environment already names them.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

#: Airflow connection id → environment variable ``etl`` reads, and how to turn the one into the other.
CONNECTIONS = {"sdg_warehouse": "SDG_WAREHOUSE_URL", "taldau": "SDG_TALDAU_URL"}
#: The SMTP connection alerts go through; it fills several ``SDG_SMTP_*`` variables (see ``smtp_env_from``).
SMTP_CONNECTION = "smtp_default"


def warehouse_url_from(conn: Any) -> str:
    """A SQLAlchemy URL from a Postgres connection (``postgres://`` is spelt ``postgresql://`` there)."""
    uri = conn.get_uri()
    return "postgresql://" + uri.split("://", 1)[1] if uri.startswith("postgres://") else uri


def http_base_from(conn: Any) -> str:
    """``scheme://host[:port][/path]`` from an HTTP connection (``schema`` holds the scheme)."""
    scheme = conn.schema or "https"
    host = (conn.host or "").rstrip("/")
    if "://" in host:
        scheme, host = host.split("://", 1)
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}"


def smtp_env_from(conn: Any) -> dict[str, str]:
    """``SDG_SMTP_*`` / ``SDG_ALERT_*`` values from an SMTP connection (extras as the SMTP provider spells them).

    ``from_email`` gives the sender, ``disable_tls`` turns STARTTLS off, and a ``recipients`` extra
    (comma-separated) may name who gets alerts.
    """
    extra = conn.extra_dejson or {}
    values = {
        "SDG_SMTP_HOST": conn.host or "",
        "SDG_SMTP_PORT": str(conn.port or ""),
        "SDG_SMTP_USER": conn.login or "",
        "SDG_SMTP_PASSWORD": conn.password or "",
        "SDG_SMTP_STARTTLS": "false" if str(extra.get("disable_tls", False)).lower() == "true" else "true",
        "SDG_ALERT_FROM": extra.get("from_email") or "",
        "SDG_ALERT_RECIPIENTS": extra.get("recipients") or "",
    }
    return {k: v for k, v in values.items() if v}


class ConnectionLookupError(RuntimeError):
    """An Airflow connection could not be looked up (a secrets backend failed or refused): not "not defined"."""


def lookup(conn_id: str) -> Any | None:
    """The Airflow connection ``conn_id``, or None when no backend defines it.

    Only "not found" means absent (the ``etl`` defaults then apply: embedded warehouse, public Taldau, no
    mail). Any other failure raises :class:`ConnectionLookupError` naming the connection, so a secrets-backend
    outage fails the task instead of quietly starting an embedded PostgreSQL on a worker. Airflow's Task SDK
    skips a backend that raises (logged at debug level) and then reports "not found", so a not-found is
    confirmed by asking each configured backend once more and letting its error through.
    """
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return _ask_each_backend(conn_id)
    except Exception as exc:
        raise ConnectionLookupError(f"Airflow connection {conn_id!r}: lookup failed: {_described(exc)}") from exc


def _ask_each_backend(conn_id: str) -> Any | None:
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    for backend in ensure_secrets_backend_loaded():
        try:
            conn = backend.get_connection(conn_id=conn_id)
        except Exception as exc:
            name = type(backend).__name__
            message = f"Airflow connection {conn_id!r}: secrets backend {name} failed: {_described(exc)}"
            raise ConnectionLookupError(message) from exc
        if conn is not None:  # defined after all (it appeared between the two lookups)
            return conn
    return None


def _described(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _already_set(env: str) -> bool:
    """Whether the task's own environment names ``env``: it then wins over the connection."""
    return bool(os.environ.get(env))


def _export(env: str, value: str) -> None:
    """Hand a connection's value to ``etl``, which reads its settings from the environment (``etl.config``)."""
    os.environ[env] = value


def _apply_smtp(applied: dict[str, str]) -> None:
    if _already_set("SDG_SMTP_HOST"):
        return
    conn = lookup(SMTP_CONNECTION)
    if conn is None:  # not defined: alerts are logged as not sent
        return
    for env, value in smtp_env_from(conn).items():
        if not _already_set(env):
            _export(env, value)
            applied[env] = SMTP_CONNECTION
    log.info("SDG_SMTP_* taken from Airflow connection %r", SMTP_CONNECTION)  # never the values


def apply_connections(context: Any = None) -> dict[str, str]:
    """``pre_execute`` hook of every task: export the defined connections as ``SDG_*`` variables; return what was set.

    A connection that is not defined leaves the ``etl`` default; one that cannot be looked up fails the task.
    """
    converters = {"sdg_warehouse": warehouse_url_from, "taldau": http_base_from}
    applied: dict[str, str] = {}
    for conn_id, env in CONNECTIONS.items():
        if _already_set(env):
            continue
        conn = lookup(conn_id)
        if conn is None:  # not defined: the etl defaults apply (embedded warehouse, public Taldau)
            continue
        _export(env, converters[conn_id](conn))
        applied[env] = conn_id
        log.info("%s taken from Airflow connection %r", env, conn_id)
    _apply_smtp(applied)
    return applied
