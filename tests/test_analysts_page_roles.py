"""Database roles (sql/migrations/0017_roles.sql): the page reads as ``sdg_analyst`` and cannot write; the
loader role does a real ingest and compute; the roles' migration survives a concurrent first run elsewhere.

Roles belong to the whole server: a test that needs a role of its own (a login, the race) names it after its
process and drops it at the end, also on failure.
"""

from __future__ import annotations

import os
import threading
import time

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from etl import config
from etl.warehouse.admin import database_url, run_admin
from etl.warehouse.connection import dispose_all

#: read_only_sql_transaction and insufficient_privilege
READ_ONLY, DENIED = "25006", "42501"
WRITES = [
    "INSERT INTO sdg.plan_value VALUES ('710000000', '1.2.1', 2024, 1)",
    "UPDATE sdg.indicator SET name_ru = name_ru",
    "DELETE FROM sdg.quarantine",
    "CREATE TABLE sdg.analyst_scratch (id int)",
]


def _pgcode(error: DBAPIError) -> str:
    return getattr(error.orig, "pgcode", "")


def test_the_pages_connections_read_as_sdg_analyst_and_cannot_write(warehouse_url):
    from sdg_analysts.app import create_app

    engine = create_app(warehouse_url).state.analyst_engine()
    try:
        with engine.connect() as first, engine.connect() as second:  # two pooled connections, both the role
            for conn in (first, second):
                assert conn.execute(text("SELECT current_user")).scalar() == "sdg_analyst"
            assert first.execute(text("SELECT count(*) FROM sdg.region")).scalar() > 0
            assert second.execute(text("SELECT count(*) FROM sdg_meta.schema_migration")).scalar() >= 17
        for sql in WRITES:
            with engine.connect() as conn:  # the session is read-only ...
                with pytest.raises(DBAPIError) as read_only:
                    conn.execute(text(sql))
                assert _pgcode(read_only.value) == READ_ONLY, sql
            with engine.connect() as conn:  # ... and a read-write transaction is refused by the grants
                conn.execute(text("SET TRANSACTION READ WRITE"))
                with pytest.raises(DBAPIError, match="permission denied") as denied:
                    conn.execute(text(sql))
                assert _pgcode(denied.value) == DENIED, sql
        with engine.connect() as conn:  # a connection back from the pool is still the role
            assert conn.execute(text("SELECT current_user")).scalar() == "sdg_analyst"
    finally:
        engine.dispose()


def test_tables_of_later_migrations_are_readable_by_the_analyst(warehouse_url):
    from etl.warehouse.connection import get_engine

    with get_engine(warehouse_url).begin() as conn:  # as the migrator (the schemas' owner) would
        conn.execute(text("CREATE TABLE sdg.later_table (id int)"))
        conn.execute(text("CREATE VIEW sdg.later_view AS SELECT 1 AS one"))
        granted = conn.execute(
            text(
                "SELECT has_table_privilege('sdg_analyst', 'sdg.later_table', 'SELECT'),"
                " has_table_privilege('sdg_analyst', 'sdg.later_view', 'SELECT'),"
                " has_table_privilege('sdg_analyst', 'sdg.later_table', 'INSERT'),"
                " has_table_privilege('sdg_loader', 'sdg.later_table', 'INSERT'),"
                " has_schema_privilege('sdg_loader', 'sdg', 'CREATE')"
            )
        ).one()
    assert tuple(granted) == (True, True, False, True, False)


@pytest.fixture
def loader_login(pg_server_url, warehouse_url):
    """A login that is only a member of ``sdg_loader`` (trust auth: no password), dropped afterwards."""
    name = f"sdg_loader_login_{os.getpid()}"
    run_admin(pg_server_url, f'DROP ROLE IF EXISTS "{name}"')
    run_admin(pg_server_url, f'CREATE ROLE "{name}" LOGIN IN ROLE sdg_loader')
    try:
        from sqlalchemy.engine import make_url

        yield make_url(warehouse_url).set(username=name, password=None).render_as_string(hide_password=False)
    finally:
        dispose_all()
        run_admin(pg_server_url, f'DROP ROLE IF EXISTS "{name}"')


def test_the_loader_role_ingests_and_computes_but_changes_no_schema(loader_login, replay, monkeypatch):
    from etl.jobs import compute_facts, ingest, series_keys
    from etl.warehouse.connection import get_engine

    monkeypatch.setenv("SDG_WAREHOUSE_URL", loader_login)
    key = series_keys("taldau")[0]
    assert ingest("taldau", key)["status"] == "loaded"
    assert compute_facts(2025) > 0
    with get_engine(loader_login).connect() as conn:
        assert conn.execute(text("SELECT session_user")).scalar().startswith("sdg_loader_login_")
        assert conn.execute(text("SELECT count(*) FROM sdg.observation")).scalar() > 0
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text("CREATE TABLE sdg.loader_scratch (id int)"))


def test_roles_migration_survives_a_concurrent_first_run_on_another_database(pg_server_url):
    """Two databases run the roles' migration at once while the roles do not exist yet: the second blocks on the
    first's uncommitted CREATE ROLE, then finds the role taken, and must still finish with its grants."""
    suffix = f"_race_{os.getpid()}"
    script = (config.SQL_DIR / "migrations" / "0017_roles.sql").read_text(encoding="utf-8")
    script = script.replace("sdg_loader", f"sdg_loader{suffix}").replace("sdg_analyst", f"sdg_analyst{suffix}")
    names = [f"sdg_roles{suffix}_{n}" for n in (1, 2)]
    roles = [f"sdg_loader{suffix}", f"sdg_analyst{suffix}"]
    for name in names:
        run_admin(pg_server_url, f'CREATE DATABASE "{name}"')
    first = second = None
    try:
        first, second = (psycopg2.connect(database_url(pg_server_url, name)) for name in names)
        for conn in (first, second):
            with conn.cursor() as cur:
                cur.execute("CREATE SCHEMA sdg; CREATE SCHEMA sdg_meta; CREATE TABLE sdg.t (id serial)")
            conn.commit()
        with first.cursor() as cur:
            cur.execute(script)  # roles created, not committed yet
        outcome: dict[str, object] = {}
        racer = threading.Thread(target=_run_script, args=(second, script, outcome), daemon=True)
        racer.start()
        _wait_until_blocked(pg_server_url, second.get_backend_pid(), racer)
        first.commit()
        racer.join(timeout=60)
        assert not racer.is_alive(), "the second migration did not finish after the first committed"
        assert outcome == {"ok": True}, outcome
        with second.cursor() as cur:
            cur.execute(
                "SELECT has_table_privilege(%s, 'sdg.t', 'SELECT'), has_table_privilege(%s, 'sdg.t', 'INSERT'),"
                " has_sequence_privilege(%s, 'sdg.t_id_seq', 'USAGE')",
                (roles[1], roles[0], roles[0]),
            )
            assert cur.fetchone() == (True, True, True)
    finally:
        for conn in (first, second):
            if conn is not None:
                conn.close()
        for name in names:
            run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles:
            run_admin(pg_server_url, f'DROP ROLE IF EXISTS "{role}"')


def _run_script(conn, script: str, outcome: dict) -> None:
    try:
        with conn.cursor() as cur:
            cur.execute(script)
        conn.commit()
        outcome["ok"] = True
    except Exception as exc:  # reported by the test, not lost in the thread
        conn.rollback()
        outcome["error"] = repr(exc)


def _wait_until_blocked(server_url: str, pid: int, racer: threading.Thread) -> None:
    """Until the racing session waits on a lock (the first one's new role), or it finished or failed early."""
    deadline = time.monotonic() + 60
    while racer.is_alive() and time.monotonic() < deadline:
        rows = run_admin(server_url, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))
        if rows and rows[0][0] == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError("the second migration never waited for the first one's CREATE ROLE")
