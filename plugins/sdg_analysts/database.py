"""The page's one way into the warehouse: a pooled engine whose every connection is the ``sdg_analyst`` role.

Why ``SET ROLE`` on each new connection: the page then cannot write even where it connects as a more
privileged user (the embedded server, trust auth in CI, one shared ``SDG_WAREHOUSE_URL``), and the role's
grants (sql/migrations/0017_roles.sql) decide what it may read. ``SDG_ANALYST_URL`` names a login of its own
(a member of ``sdg_analyst``) where operations give the page one; the session is also read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from etl import config

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: the read-only group role the migrations create
ANALYST_ROLE = "sdg_analyst"


def analyst_url() -> str:
    """``SDG_ANALYST_URL``, else ``SDG_WAREHOUSE_URL``, else the embedded warehouse (started on first use)."""
    url = config.configured_analyst_url()
    if url:
        return url
    from etl.warehouse.connection import warehouse_url

    return warehouse_url()


def analyst_engine(url: str | None = None) -> Engine:
    """A new pooled engine on ``url`` (default ``analyst_url()``) whose sessions run as ``sdg_analyst``, read-only."""
    from sqlalchemy import create_engine, event

    from etl.warehouse.connection import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(url or analyst_url()), pool_pre_ping=True, pool_size=4, max_overflow=4)

    @event.listens_for(engine, "connect")
    def _become_analyst(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {ANALYST_ROLE}")
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()  # a pool reset rolls back: the settings must be committed to last

    return engine
