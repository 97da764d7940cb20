"""Mirroring a people-edited catalogue list into its warehouse table: the table becomes exactly the rows."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def replace_rows(conn: Connection, table: str, rows: list[dict], columns: list[str] | None = None) -> int:
    """``table`` holds exactly ``rows`` afterwards (in the caller's transaction: all or nothing).

    ``table`` and ``columns`` come from code, never from input; values are bound parameters.
    """
    conn.execute(text(f"DELETE FROM {table}"))
    if rows:
        names = columns or list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + c for c in names)})"
        conn.execute(text(sql), rows)
    return len(rows)
