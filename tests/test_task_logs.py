"""Task logs say what a task did, at INFO, in the files Airflow's Logs tab reads.

The DAGs run as a deployment runs them: ``airflow dags test --use-executor`` hands each task to the LocalExecutor,
whose supervisor forks the task and writes its log under ``[logging] base_log_folder``; the task talks to a real
``airflow api-server`` (the Execution API). Both are started through ``scripts/env.sh`` with no log level of
the caller's, so the level the scripts configure is the one tested. What the logs must say is checked against
the warehouse: each series' snapshots, rows loaded, rows held in quarantine and why; the facts computed; the
files issued. The held row is SYNTHETIC: a share of 150 % in a copy of one Taldau sample.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from etl import config

ROOT = Path(__file__).resolve().parents[1]
#: seconds for the API server to answer, and for one DAG run
START_TIMEOUT, RUN_TIMEOUT = 120, 600
HELD_KEY, HELD_FILE = "taldau:704460:p7", "704460-p7-d67.json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _via_env_sh(*args: str) -> list[str]:
    """``airflow <args>`` with the environment ``scripts/env.sh`` sets up (the caller's settings win, as there)."""
    return ["bash", "-c", 'source scripts/env.sh && exec airflow "$@"', "airflow", *args]


@pytest.fixture
def airflow_env(airflow_db, tmp_path) -> dict[str, str]:
    """The environment of the API server and of the DAG runs: shared secrets, logs in ``tmp_path/logs``."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AIRFLOW__LOGGING__LOGGING_LEVEL", "AIRFLOW_CONFIG")}
    env.update(
        AIRFLOW_HOME=airflow_db,
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(tmp_path / "logs"),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(32),
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(_free_port()),
        SDG_TEST_API_PORT=str(port),
    )
    return env


@pytest.fixture
def api_server(airflow_env, tmp_path) -> Iterator[str]:
    """A real ``airflow api-server`` in its own process group; stopped (its group killed if need be) at the end."""
    port = airflow_env["SDG_TEST_API_PORT"]
    out = (tmp_path / "api-server.log").open("wb")
    server = subprocess.Popen(
        _via_env_sh("api-server", "--host", "127.0.0.1", "--port", port, "--workers", "1"),
        cwd=ROOT,
        env=airflow_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        end = time.monotonic() + START_TIMEOUT
        while not _healthy(port):
            if server.poll() is not None or time.monotonic() > end:
                pytest.fail("api-server did not come up:\n" + (tmp_path / "api-server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop_group(server)
        out.close()


def _healthy(port: str) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group; SIGKILL if it is still there after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _run_dag(env: dict[str, str], dag_id: str, *args: str) -> None:
    """``airflow dags test <dag_id> --use-executor``: tasks through the LocalExecutor, logs written to files."""
    done = subprocess.run(
        _via_env_sh("dags", "test", dag_id, "--use-executor", *args),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        start_new_session=True,
    )
    assert done.returncode == 0, f"{dag_id} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _task_log(logs: Path, dag_id: str, task_id: str) -> list[dict]:
    """Every record of the task's log files (all map indexes), as Airflow wrote them (one JSON object a line)."""
    files = sorted((logs / f"dag_id={dag_id}").glob(f"run_id=*/task_id={task_id}/**/attempt=*.log"))
    assert files, f"no log file of {dag_id}.{task_id} under {logs}"
    return [json.loads(line) for path in files for line in path.read_text().splitlines() if line.startswith("{")]


def _events(records: list[dict], logger: str, level: str = "info") -> list[str]:
    return [r["event"] for r in records if r.get("logger") == logger and r.get("level") == level]


@pytest.fixture
def served_with_a_bad_share(tmp_path, monkeypatch) -> Iterator[None]:
    """The Taldau samples served over HTTP, one share set to 150 % (a critical failure of that row only)."""
    from etl.sources.replay import ReplayServer

    root = tmp_path / "served"
    shutil.copytree(config.SAMPLES_DIR / "taldau", root / "taldau")
    target = root / "taldau" / "GetIndexData" / HELD_FILE
    rows = json.loads(target.read_text(encoding="utf-8-sig"))
    period = next(p for r in rows for p in r["periods"] if re.fullmatch(r"\d+(,\d+)?", p["value"].strip()))
    period["value"] = "150,0"
    target.write_bytes(b"\xef\xbb\xbf" + json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    with ReplayServer(root) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        yield


@pytest.mark.airflow
def test_task_logs_show_series_rows_snapshots_quarantines_facts_and_files(
    airflow_env, api_server, warehouse_url, engine, served_with_a_bad_share, tmp_path
):
    env = {**airflow_env, **{k: v for k, v in os.environ.items() if k.startswith("SDG_")}}
    logs = tmp_path / "logs"
    # tasks whose logs this test does not read are marked done, not run (the warehouse is migrated already)
    _run_dag(env, "sdg_ingest_taldau", "--mark-success-pattern", "prepare_warehouse")
    skipped = "prepare_warehouse|check_facts|issue_appendix1|issue_national_extract|deliver"
    _run_dag(env, "sdg_annual_reporting", "-c", json.dumps({"year": 2025}), "--mark-success-pattern", skipped)

    ingest = _task_log(logs, "sdg_ingest_taldau", "ingest")
    said = "\n".join(_events(ingest, "etl.ingest.run"))
    with engine.connect() as conn:
        snapshots = conn.execute(text("SELECT series_key, snapshot_id, storage_path FROM sdg.snapshot")).all()
        counted = "SELECT s.series_key, count(*) FROM sdg.observation o JOIN sdg.series s USING (series_id) GROUP BY 1"
        rows = dict(conn.execute(text(counted)).all())
        quarantine_id = conn.execute(
            text("SELECT quarantine_id FROM sdg.quarantine WHERE series_key = :k"), {"k": HELD_KEY}
        ).scalar_one()
        facts = conn.execute(text("SELECT count(*) FROM sdg.indicator_value WHERE year = 2025")).scalar_one()
        issued = conn.execute(text("SELECT kind, path FROM sdg.report WHERE year = 2025")).all()
    assert snapshots and rows
    for key, snapshot_id, path in snapshots:  # each answer kept: its id and file
        assert f"{key}: snapshot {snapshot_id} (new, " in said and f"): {path}" in said, key
    for key, count in rows.items():
        assert re.search(rf"{re.escape(key)}: {count} rows loaded \(\d+ new, 0 revised\)", said), key
    held = [e for e in _events(ingest, "etl.ingest.run", "warning") if e.startswith(f"{HELD_KEY}: 1 rows held back")]
    assert len(held) == 1 and f"[{quarantine_id}]" in held[0] and "failed for 1 rows" in held[0]
    assert not _events(ingest, "great_expectations._docs_decorators"), "GX chatter is kept out of task logs"

    computed = _events(_task_log(logs, "sdg_annual_reporting", "compute_facts"), "etl.indicators.compute")
    assert any(e.startswith(f"indicator values of 2025: {facts} cells") for e in computed) and facts > 0

    forms = _task_log(logs, "sdg_annual_reporting", "issue_forms")
    files = [e for e in _events(forms, "etl.reports.issuing") if e.startswith("issued appendix2 ")]
    printed = {path for kind, path in issued if kind == "appendix2"}
    assert len(files) == len(printed) == 20
    assert {e.rsplit(": ", 1)[1] for e in files} == printed
    summary = _events(forms, "etl.jobs")
    assert any(e.startswith("20 Appendix 2 forms for 2025") for e in summary)
