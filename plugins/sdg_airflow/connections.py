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


def _apply_smtp(applied: dict[str, str]) -> None:
    from airflow.sdk import BaseHook

    if os.environ.get("SDG_SMTP_HOST"):
        return
    try:
        conn = BaseHook.get_connection(SMTP_CONNECTION)
    except Exception:  # not defined: alerts are logged as not sent
        return
    for env, value in smtp_env_from(conn).items():
        if not os.environ.get(env):
            os.environ[env] = value
            applied[env] = SMTP_CONNECTION
    log.info("SDG_SMTP_* taken from Airflow connection %r", SMTP_CONNECTION)  # never the values


def apply_connections(context: Any = None) -> dict[str, str]:
    """``on_execute_callback``: export the defined connections as ``SDG_*`` variables; return what was set."""
    from airflow.sdk import BaseHook

    converters = {"sdg_warehouse": warehouse_url_from, "taldau": http_base_from}
    applied: dict[str, str] = {}
    for conn_id, env in CONNECTIONS.items():
        if os.environ.get(env):
            continue
        try:
            conn = BaseHook.get_connection(conn_id)
        except Exception:  # not defined: the etl defaults apply (embedded warehouse, public Taldau)
            continue
        os.environ[env] = converters[conn_id](conn)
        applied[env] = conn_id
        log.info("%s taken from Airflow connection %r", env, conn_id)
    _apply_smtp(applied)
    return applied
