"""One way to reach the warehouse, whether it is a configured server or the embedded default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from etl import config

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_ENGINES: dict[str, Engine] = {}


def warehouse_url() -> str:
    """``SDG_WAREHOUSE_URL`` when set, else the embedded server (started on first use)."""
    url = config.configured_warehouse_url()
    if url:
        return url
    from etl.warehouse import embedded

    return embedded.start()


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine per URL, created on first use."""
    from sqlalchemy import create_engine

    url = url or warehouse_url()
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(sqlalchemy_url(url), pool_pre_ping=True)
    return _ENGINES[url]


def sqlalchemy_url(url: str) -> str:
    """Pin the psycopg2 driver (COPY goes through its ``copy_expert``); SQLAlchemy 2.1 defaults to psycopg 3."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def dispose_all() -> None:
    """Close pooled connections (tests drop databases, which open sessions would block)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
