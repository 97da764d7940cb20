"""Server-level statements (CREATE/DROP DATABASE) that must run outside a transaction, on ``postgres``."""

from __future__ import annotations


def database_url(url: str, name: str) -> str:
    """The same server URL pointing at database ``name``."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def run_admin(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement in autocommit on the server's ``postgres`` database; return its rows, if any."""
    import psycopg2

    conn = psycopg2.connect(database_url(url, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()
