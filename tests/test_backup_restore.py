"""Back up and restore the warehouse exactly as docs/operations.md says, and check nothing was lost.

A loaded warehouse (the Taldau samples ingested, facts computed) is dumped with ``pg_dump -Fc`` to a file,
restored with ``pg_restore`` from that file into a fresh database created with ``createdb`` on the same server,
and compared: the row count of every table, the numbering of every sequence, and a checksum of the
observations (every column of every row, in key order). The fresh database is dropped with ``dropdb`` at the end,
also when the test fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl.warehouse.admin import database_url

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"
TIMEOUT = 300

TABLES = """
SELECT table_schema || '.' || table_name FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""
SEQUENCES = "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences ORDER BY 1"
CHECKSUM = "SELECT count(*), md5(string_agg(o::text, E'\\n' ORDER BY o.observation_id)) FROM sdg.observation AS o"


def _run(*args: str, stdin=None, stdout=None) -> None:
    done = subprocess.run(args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr.decode(errors='replace')[-2000:]}"


def _state(url: str) -> dict:
    """Rows of every table, every sequence's position, and the observations' checksum."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = list(conn.execute(text(TABLES)).scalars())
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
            sequences = dict(conn.execute(text(SEQUENCES)).all())
            checksum = tuple(conn.execute(text(CHECKSUM)).one())
    finally:
        engine.dispose()
    return {"counts": counts, "sequences": sequences, "checksum": checksum}


@pytest.fixture
def fresh_database(pg_server_url) -> Iterator[str]:
    """``createdb`` a new database on the warehouse's server; ``dropdb --force`` it afterwards, whatever happened."""
    name = f"sdg_restored_{os.getpid()}"
    server = database_url(pg_server_url, "postgres")
    _run("dropdb", "--if-exists", "--force", "--maintenance-db", server, name)
    _run("createdb", "--maintenance-db", server, name)
    try:
        yield database_url(pg_server_url, name)
    finally:
        _run("dropdb", "--if-exists", "--force", "--maintenance-db", server, name)


def test_the_documented_commands_are_the_ones_tested():
    """The doc backs up and restores with the same programs and options this test runs."""
    doc = DOC.read_text(encoding="utf-8")
    for command in ("pg_dump -Fc", "createdb", "pg_restore --exit-on-error --no-owner", "dropdb --force"):
        assert command in doc, command


def test_dump_and_restore_into_a_fresh_database_keeps_every_row(facts, warehouse_url, fresh_database, tmp_path):
    before = _state(warehouse_url)
    assert before["counts"]["sdg.observation"] > 0 and before["counts"]["sdg.indicator_value"] > 0
    assert before["checksum"][0] == before["counts"]["sdg.observation"]

    dump = tmp_path / "sdg.dump"
    with dump.open("wb") as out:  # as in the doc: pg_dump writes the archive to stdout, redirected to a file
        _run("pg_dump", "-Fc", "--dbname", warehouse_url, stdout=out)
    assert dump.read_bytes()[:5] == b"PGDMP"  # the custom format, not a plain SQL script
    with dump.open("rb") as archive:  # and pg_restore reads it from stdin
        _run("pg_restore", "--exit-on-error", "--no-owner", "--dbname", fresh_database, stdin=archive)

    after = _state(fresh_database)
    assert after["counts"] == before["counts"]
    assert after["sequences"] == before["sequences"]
    assert after["checksum"] == before["checksum"]
