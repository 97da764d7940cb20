"""The DAGs under Airflow's own processes (issue 11): api-server, scheduler, dag-processor, triggerer with their
metadata on PostgreSQL, driven through the REST API as an operator would; first with the LocalExecutor, then
with the CeleryExecutor on Redis and two workers. See docs/decisions/real-scheduler-test.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_stack import base_env, free_port, listening, migrate_metadata, running_stack
from sdg_airflow.sources import queues
from sqlalchemy import text

from etl.warehouse.admin import database_url, run_admin

INGEST = "sdg_ingest_taldau"  # 15 series in two chunks (its pool has two slots), served by the replay server
FACTS = "sdg_indicator_facts"
REPORT = "sdg_annual_reporting"
YEAR = 2025  # the year the bundled Taldau samples cover
WORKERS = ("worker-a", "worker-b")
BROKER = "redis://127.0.0.1:6379/5"  # a database of its own, flushed before and after


@pytest.fixture(scope="module")
def metadata_template(pg_server_url: str, tmp_path_factory) -> Iterator[str]:
    """An Airflow metadata database migrated once (with the SDG pools), cloned for each test."""
    name = f"sdg_airflow_tmpl_{os.getpid()}"
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run_admin(pg_server_url, f'CREATE DATABASE "{name}"')
    try:
        home = tmp_path_factory.mktemp("airflow-migrate")
        migrate_metadata(base_env(home, database_url(pg_server_url, name), "LocalExecutor", free_port()))
        shutil.rmtree(home)
        yield name
    finally:
        run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def metadata_url(pg_server_url: str, metadata_template: str) -> Iterator[str]:
    """A fresh, migrated metadata database for one stack."""
    name = f"{metadata_template}_{os.urandom(3).hex()}"
    run_admin(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{metadata_template}"')
    yield database_url(pg_server_url, name)
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sdg_env(warehouse_url: str, replay: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The pipeline's settings for the stack: the test's warehouse and data folder, every source local.

    Taldau is the replay server of the bundled samples; the other sources point at the same server and an
    empty inbox, so a DAG that starts unpaused never reaches the Internet. Also checks that nothing was
    written to the developer's ~/airflow.
    """
    home_airflow = Path.home() / "airflow"
    existed = home_airflow.exists()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    replay_base = replay.rsplit("/", 1)[0]
    yield {
        "SDG_WAREHOUSE_URL": warehouse_url,
        "SDG_DATA_DIR": os.environ["SDG_DATA_DIR"],
        "SDG_TALDAU_URL": replay,
        "SDG_OPENSDG_URL": f"{replay_base}/opensdg",
        "SDG_SDMX_URL": f"{replay_base}/sdmx",
        "SDG_UNSD_URL": f"{replay_base}/unsd",
        "SDG_FILES_INBOX": str(inbox),
    }
    assert existed or not home_airflow.exists(), "the stack wrote to ~/airflow instead of its own AIRFLOW_HOME"


@pytest.fixture
def redis_db(tmp_path) -> Iterator[str]:
    """The broker URL, its Redis database empty before and after the test: the server at 127.0.0.1:6379 (CI's),
    else a private ``redis-server`` started for the test; a machine with neither skips the Celery test, saying so."""
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
        url, server = BROKER, None
    except redis.exceptions.ConnectionError:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no Redis at 127.0.0.1:6379 and no redis-server to start (CI has one; Debian: redis-server)")
        port = free_port()
        server = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/5"
        _wait_for_redis(url)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        yield url
        client.flushdb()
    finally:
        client.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=20)


def _wait_for_redis(url: str, seconds: float = 20.0) -> None:
    import redis

    deadline = time.monotonic() + seconds
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def assert_stopped(stack) -> None:
    """Nothing the stack started still runs, its API port is free and its AIRFLOW_HOME is gone."""
    assert stack.leftovers() == {}
    assert not listening(stack.api_port)
    assert not stack.home.exists()


@pytest.mark.airflow
def test_local_executor_runs_ingestion_then_facts_on_the_asset_then_the_forms(metadata_url, sdg_env, engine, tmp_path):
    with running_stack(tmp_path / "airflow", metadata_url, "LocalExecutor", sdg_env) as stack:
        stack.set_paused(FACTS, False)  # before the ingestion: its asset event must find the consumer active
        stack.wait_for_success(INGEST, stack.trigger_and_unpause(INGEST))

        facts_run = stack.wait_for_run_of_type(FACTS, "asset_triggered")  # nobody triggers it
        assert facts_run["state"] == "success", stack.task_logs(FACTS, facts_run["dag_run_id"])
        with engine.connect() as conn:
            facts = conn.execute(text("SELECT count(*) FROM sdg.indicator_value WHERE year = :y"), {"y": YEAR})
            assert facts.scalar() > 0

        report_run = stack.trigger_and_unpause(REPORT, {"year": YEAR})
        stack.wait_for_success(REPORT, report_run)
        issued = stack.xcom(REPORT, report_run, "issue_forms")
    assert_stopped(stack)

    assert issued["year"] == YEAR and issued["forms"] > 0 and issued["facts"] > 0
    with engine.connect() as conn:
        forms = conn.execute(
            text("SELECT kato_code, path FROM sdg.report WHERE kind = 'appendix2' AND year = :y"), {"y": YEAR}
        ).all()
    assert len({kato for kato, _ in forms}) == issued["forms"]
    assert all(Path(path).is_file() for _, path in forms)
    assert all(Path(path).is_relative_to(sdg_env["SDG_DATA_DIR"]) for _, path in forms)


@pytest.mark.airflow
def test_celery_executor_spreads_the_ingestion_over_two_workers(metadata_url, sdg_env, redis_db, engine, tmp_path):
    celery = {
        "AIRFLOW__CELERY__BROKER_URL": redis_db,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql://" + metadata_url.split("://", 1)[1],
    }
    with running_stack(tmp_path / "airflow", metadata_url, "CeleryExecutor", {**sdg_env, **celery}) as stack:
        workers = [stack.start_celery_worker(name, queues()) for name in WORKERS]
        for worker in workers:  # both listen before the chunks are queued: each takes one (one slot each)
            stack.wait_for(lambda w=worker: " ready." in w.log.read_text(errors="replace"), f"{worker.name} ready")
        run_id = stack.trigger_and_unpause(INGEST)
        stack.wait_for_success(INGEST, run_id)
        task_instances = stack.task_instances(INGEST, run_id)
        declared = stack.xcom(INGEST, run_id, "declared_series")
    assert_stopped(stack)

    chunks = [ti for ti in task_instances if ti["task_id"] == "ingest"]
    assert len(chunks) >= 2
    assert {ti["hostname"] for ti in chunks} == set(WORKERS), [(ti["map_index"], ti["hostname"]) for ti in chunks]
    assert {ti["hostname"] for ti in task_instances if ti["hostname"]} == set(WORKERS)  # none ran elsewhere
    with engine.connect() as conn:
        loaded = conn.execute(
            text(
                "SELECT count(DISTINCT s.series_key) FROM sdg.series s JOIN sdg.observation o USING (series_id) "
                "WHERE s.source = 'taldau'"
            )
        ).scalar()
    assert len(declared) == len(chunks) and loaded == sum(len(keys) for keys in declared)
