"""Runs end in bounded time and stop cleanly: the CLI and Airflow against series whose servers stall.

Real processes and real local servers (``slow_servers``): the national platform's sample files for the
series that answer, a trickle (a byte every 0.5 s for ever) or silence for those that stall.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from slow_servers import SlowServer, elapsed_since
from sqlalchemy import text

from etl import config

ROOT = Path(__file__).resolve().parents[1]
SDG = Path(sys.executable).parent / "sdg"
OK, SLEEPS, TRICKLES, MISSING = "opensdg:1-2-1", "opensdg:3-2-1", "opensdg:9-2-1", "opensdg:16-6-2-2"
STALLS = {"indicator_3-2-1.csv": "sleep", "indicator_9-2-1.csv": "trickle", "indicator_16-6-2-2.csv": "404"}


def _catalogue(tmp_path: Path, keys: set[str]) -> Path:
    """The catalogue with the national platform cut to ``keys``."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    path = folder / "series" / "opensdg.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for row in rows if row["series_key"] in keys]
    assert {row["series_key"] for row in kept} == keys
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return folder


def _loaded(engine) -> set[str]:
    sql = "SELECT DISTINCT series_key FROM sdg.series JOIN sdg.observation USING (series_id)"
    with engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def _stop(process: subprocess.Popen, within: float) -> tuple[str, str, float]:
    """SIGTERM, then wait at most ``within`` seconds (killed and failed if it does not stop)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running {within} s after SIGTERM\n{err[-3000:]}")
    return out, err, elapsed_since(started)


def test_sdg_ingest_stops_cleanly_on_sigterm(engine, monkeypatch):
    """Blocked on a silent server (60 s request deadline), ``sdg ingest`` stops within seconds of SIGTERM:
    one line, exit 143, no traceback; what was committed (the first series' raw answer) is kept."""
    with SlowServer({"indicator_3-2-1.csv": "sleep"}) as server:
        monkeypatch.setenv("SDG_OPENSDG_URL", server.url_for("opensdg"))
        process = subprocess.Popen(
            [str(SDG), "ingest", "--source", "opensdg", "--series", OK, SLEEPS],
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.arrived("indicator_3-2-1.csv", timeout=120), "the stalling series was never fetched"
            time.sleep(0.5)  # inside the blocked read
            out, err, took = _stop(process, within=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert took < 5, err
    assert process.returncode == 143, err
    assert "stopped by SIGTERM" in err and "rolled back" in err
    assert "Traceback" not in err + out
    assert SLEEPS not in _loaded(engine)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT series_key FROM sdg.snapshot")).scalars().all()
    assert kept == [OK]  # the answer that came is kept raw; the stalled series left nothing


@pytest.mark.airflow
def test_ingest_dag_with_stalling_series_ends_in_bounded_time(airflow_db, engine, monkeypatch, tmp_path, capfd):
    """A trickling and a silent series (plus a 404) in one run of ``sdg_ingest_opensdg``: each stalled fetch
    ends at its deadline and its chunk (one series each here: the pool has four slots) is retried as
    transient (2 retries), the 404 is not retried, the good series loads, and the run ends failed, naming
    them, well within a bound. The chunk tasks end with their results; the closing check fails the run."""
    from airflow.dag_processing.dagbag import DagBag

    from etl.jobs import series_keys

    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(_catalogue(tmp_path, {OK, SLEEPS, TRICKLES, MISSING})))
    monkeypatch.setenv("SDG_REQUEST_DEADLINE", "1.5")
    monkeypatch.setenv("SDG_SERIES_DEADLINE", "3")
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["sdg_ingest_opensdg"]
    dag.get_task("ingest").retry_delay = timedelta(seconds=1)  # the production 2 minutes, shortened for the test
    with SlowServer(STALLS) as server:
        monkeypatch.setenv("SDG_OPENSDG_URL", server.url_for("opensdg"))
        started = time.monotonic()
        run = dag.test()
        took = elapsed_since(started)

    assert took < 120, f"the run took {took:.0f} s"
    assert str(getattr(run.state, "value", run.state)) == "failed"
    keys = series_keys("opensdg")
    tis = {ti.map_index: ti for ti in run.get_task_instances() if ti.task_id == "ingest"}
    state = {keys[i]: str(getattr(ti.state, "value", ti.state)) for i, ti in tis.items()}
    tries = {keys[i]: ti.try_number for i, ti in tis.items()}
    assert state == dict.fromkeys((OK, SLEEPS, TRICKLES, MISSING), "success")
    closing = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
    assert closing["check_all_loaded"] == "failed"
    assert tries[SLEEPS] == tries[TRICKLES] == 3  # transient: the first try and two retries
    assert tries[MISSING] == 1  # a 404 is not retried
    assert _loaded(engine) == {OK}
    requests = {name: sum(name in path for path in server.requests) for name in STALLS}
    assert requests["indicator_3-2-1.csv"] == requests["indicator_9-2-1.csv"] == 3
    output = "".join(capfd.readouterr())
    for name in ("indicator_3-2-1.csv", "indicator_9-2-1.csv"):
        assert f"/opensdg/data/{name}: " in output and "request deadline of 1.5 s" in output
    assert "3 of 4 series failed to ingest" in output


@pytest.mark.airflow
def test_airflow_dags_test_stops_on_sigterm(airflow_db, warehouse_url, engine, tmp_path):
    """``airflow dags test`` blocked in a silent series' fetch stops within seconds of SIGTERM (the task
    runner's own handler would only call ``on_kill`` and carry on)."""
    catalogue = _catalogue(tmp_path, {OK, SLEEPS})
    log = tmp_path / "dags-test.log"
    with SlowServer({"indicator_3-2-1.csv": "sleep"}) as server, log.open("w") as sink:
        env = {**os.environ, "SDG_CATALOGUE_DIR": str(catalogue), "SDG_OPENSDG_URL": server.url_for("opensdg")}
        command = [sys.executable, "-m", "airflow", "dags", "test", "sdg_ingest_opensdg"]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
        try:
            while not server.arrived("indicator_3-2-1.csv", timeout=1):
                assert process.poll() is None, f"ended before the stalling fetch:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)  # inside the blocked read
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            took = elapsed_since(started)
        finally:
            if process.poll() is None:
                process.kill()
    output = log.read_text()
    assert took < 10, output[-3000:]
    assert process.returncode != 0
    assert "stopped by SIGTERM during ingest" in output
    assert SLEEPS not in _loaded(engine)
    with engine.connect() as conn:
        assert SLEEPS not in conn.execute(text("SELECT series_key FROM sdg.snapshot")).scalars().all()
