"""DAGs: they parse without errors or heavy imports, are wired as designed, and really run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.sources.registry import SOURCES as REGISTRY

ROOT = Path(__file__).resolve().parents[1]
SOURCES = tuple(REGISTRY)  # the table of sources; tests/test_sources_table.py pins its rows
DAG_IDS = {
    *(f"sdg_ingest_{s}" for s in SOURCES),
    "sdg_indicator_facts",
    "sdg_annual_reporting",
    "sdg_deadline_watchdog",
}
DAG_FILES = ("sdg_ingest", "sdg_indicator_facts", "sdg_annual_reporting", "sdg_deadline_watchdog")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dagbag_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert DAG_IDS <= set(dagbag.dag_ids)


def _schedule(dag) -> str:
    """A cron schedule as written, an asset schedule as the names of its assets."""
    if isinstance(dag.schedule, str):
        return dag.schedule
    return "assets: " + ", ".join(sorted(a.name for a in dag.schedule.objects))


def _expected_schedules() -> dict[str, str]:
    return {
        **{f"sdg_ingest_{s}": spec.cron for s, spec in REGISTRY.items()},
        "sdg_indicator_facts": "assets: " + ", ".join(sorted(f"sdg_observations_{s}" for s in SOURCES)),
        "sdg_annual_reporting": "0 6 5 1 *",  # 5 January: drafts ten days before the 15 January deadline
        "sdg_deadline_watchdog": "0 9 * * *",
    }


EXPECTED_SCHEDULES = _expected_schedules()


def test_every_dag_is_scheduled_tagged_and_not_catching_up(dagbag):
    assert set(EXPECTED_SCHEDULES) == DAG_IDS
    for dag_id in DAG_IDS:
        dag = dagbag.dags[dag_id]
        assert _schedule(dag) == EXPECTED_SCHEDULES[dag_id], dag_id
        assert dag.catchup is False, dag_id
        assert "sdg" in dag.tags, dag_id
        assert dag.doc_md, f"{dag_id} has no docstring for the UI"


#: DAGs that must run with nobody watching: live (not paused) as soon as the dag-processor first stores them.
#: The annual report too: its 5 January run issues only drafts, which the regions need before 15 January.
UNATTENDED = DAG_IDS


def test_every_dag_has_owner_tags_docs_and_failure_alerts(dagbag):
    from sdg_airflow.task_policy import OWNER, notify_failure, on_task_end

    for dag_id in DAG_IDS:
        dag = dagbag.dags[dag_id]
        assert dag.owner == OWNER == "sdg-data", dag_id
        assert dag.tags and dag.doc_md and len(dag.doc_md) > 200, dag_id  # a page in the UI, not a title
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            assert notify_failure in callbacks, f"{dag_id}.{task.task_id} fails in silence"
            assert callbacks[-1] is on_task_end, f"{dag_id}.{task.task_id}: the SIGTERM stop must come last"
            assert task.owner == OWNER, f"{dag_id}.{task.task_id}"


def test_unattended_dags_are_not_paused_on_creation(dagbag):
    assert UNATTENDED <= DAG_IDS
    for dag_id in UNATTENDED:
        assert dagbag.dags[dag_id].is_paused_upon_creation is False, dag_id


@pytest.mark.parametrize("source", SOURCES)
def test_ingest_tasks_run_on_their_source_queue(dagbag, source):
    """Celery workers may serve one source each; the light tasks stay on the default queue."""
    dag = dagbag.dags[f"sdg_ingest_{source}"]
    assert dag.get_task("ingest").queue == REGISTRY[source].queue == f"sdg_{source}"
    assert {t.queue for t in dag.tasks if t.task_id != "ingest"} == {"default"}


@pytest.mark.parametrize("source", SOURCES)
def test_ingest_dag_structure(dagbag, source):
    dag = dagbag.dags[f"sdg_ingest_{source}"]
    downstream = {t.task_id: t.downstream_task_ids for t in dag.tasks}
    assert downstream["prepare_warehouse"] == {"declared_series"}
    assert downstream["declared_series"] == {"ingest", "check_all_loaded"}
    assert downstream["ingest"] == {"announce_changes", "check_all_loaded"}
    assert [a.name for a in dag.get_task("announce_changes").outlets] == [f"sdg_observations_{source}"]
    assert dag.get_task("ingest").pool == f"sdg_{source}"


def test_facts_follow_every_source(dagbag):
    """Indicator facts are recomputed when any source announces new observations."""
    facts = dagbag.dags["sdg_indicator_facts"]
    names = {asset.name for asset in facts.timetable.asset_condition.objects}
    assert names == {f"sdg_observations_{s}" for s in SOURCES}


HEAVY = ("pandas", "openpyxl", "great_expectations", "etl.jobs", "etl.warehouse.connection")
PARSE_PROBE = """
import runpy, sys
sys.path[:0] = ["dags", "plugins"]
for name in sys.argv[1:]:
    runpy.run_path(f"dags/{name}.py")
print(",".join(m for m in %r if m in sys.modules))
"""


@pytest.mark.slow
def test_dag_files_import_no_heavy_libraries_at_parse_time():
    """Heavy libraries load inside tasks only: parsing stays fast for the dag-processor."""
    probe = PARSE_PROBE % (HEAVY,)
    out = subprocess.run(
        [sys.executable, "-c", probe, *DAG_FILES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def _state(run) -> str:
    return str(getattr(run.state, "value", run.state))


@pytest.mark.airflow
def test_ingest_then_report_dag_runs_end_to_end(dagbag, airflow_db, warehouse_url, replay, engine, tmp_path):
    ingest = dagbag.dags["sdg_ingest_taldau"].test()
    assert _state(ingest) == "success"
    with engine.connect() as conn:
        series = conn.execute(text("SELECT count(DISTINCT series_id) FROM sdg.observation")).scalar()
        loaded = conn.execute(text("SELECT count(*) FROM sdg.snapshot WHERE loaded_at IS NOT NULL")).scalar()
    assert series == loaded == len(list((ROOT / "samples/taldau/GetIndexData").glob("*.json")))

    report = dagbag.dags["sdg_annual_reporting"].test(run_conf={"year": 2025})
    assert _state(report) == "success"
    with engine.connect() as conn:
        reports = conn.execute(
            text("SELECT kato_code, path FROM sdg.report WHERE kind = 'appendix2' AND year = 2025")
        ).all()
    assert len(reports) == 20
    assert all(Path(path).is_file() for _, path in reports)
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in report.get_task_instances()}
    assert states["issue_national_extract"] == "success"


@pytest.mark.airflow
def test_second_ingest_run_announces_nothing(dagbag, airflow_db, warehouse_url, replay):
    dag = dagbag.dags["sdg_ingest_taldau"]
    assert _state(dag.test()) == "success"
    second = dag.test()
    assert _state(second) == "success"
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in second.get_task_instances()}
    assert states["announce_changes"] == "skipped"


@pytest.mark.airflow
def test_settings_come_from_airflow_connections(dagbag, airflow_db, warehouse_url, replay, engine, monkeypatch):
    """With no SDG_* variables, the tasks find the warehouse and Taldau through Airflow connections."""
    import json

    monkeypatch.delenv("SDG_WAREHOUSE_URL")
    monkeypatch.delenv("SDG_TALDAU_URL")
    monkeypatch.setenv("AIRFLOW_CONN_SDG_WAREHOUSE", warehouse_url.replace("postgresql://", "postgres://", 1))
    conn = {"conn_type": "http", "host": replay}  # host with scheme and path: http://127.0.0.1:<port>/taldau
    monkeypatch.setenv("AIRFLOW_CONN_TALDAU", json.dumps(conn))
    run = dagbag.dags["sdg_ingest_taldau"].test()
    assert _state(run) == "success"
    with engine.connect() as conn_:
        loaded = conn_.execute(text("SELECT count(*) FROM sdg.snapshot WHERE loaded_at IS NOT NULL")).scalar()
    assert loaded == len(list((ROOT / "samples/taldau/GetIndexData").glob("*.json")))


@pytest.mark.airflow
def test_one_failing_series_fails_alone_and_the_others_load(
    dagbag, airflow_db, warehouse_url, engine, monkeypatch, capfd, smtp
):
    """A 404 on one series (SYNTHETIC fault) is not retried (no chunk task is); a 500 on another is retried
    inside the fetch; every other series loads, the asset is announced, and the run ends failed, naming it,
    in an e-mail to the alert recipients too."""
    from etl.jobs import series_keys
    from etl.sources.replay import Faults, ReplayServer

    broken, flaky = "taldau:703870:p7", "taldau:704460:p7"
    faults = Faults({"703870": ["404"] * 50, "GetIndexData/704460": ["500"]})
    with ReplayServer(faults=faults) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        run = dagbag.dags["sdg_ingest_taldau"].test()

    assert _state(run) == "failed"
    tis = run.get_task_instances()
    ingest_states = [str(getattr(ti.state, "value", ti.state)) for ti in tis if ti.task_id == "ingest"]
    keys = series_keys("taldau")
    assert len(ingest_states) == 2 and set(ingest_states) == {"success"}  # two chunks: the pool has two slots
    assert all(ti.try_number <= 1 for ti in tis if ti.task_id == "ingest")  # a 4xx is not retried by Airflow
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in tis if ti.task_id != "ingest"}
    assert states["announce_changes"] == "success" and states["check_all_loaded"] == "failed"
    output = "".join(capfd.readouterr())
    assert f"1 of {len(keys)} series failed to ingest" in output
    assert f"{broken}: taldau: http" in output and "HTTP 404" in output
    with engine.connect() as conn:
        loaded = set(
            conn.execute(
                text("SELECT DISTINCT series_key FROM sdg.series JOIN sdg.observation USING (series_id)")
            ).scalars()
        )
    assert loaded == set(keys) - {broken}
    assert flaky in loaded and sum(1 for path in faults.requests if "GetIndexData/704460" in path) >= 2
    subjects = [message["Subject"] for _, message in smtp.messages]
    assert subjects == ["[SDG pipeline] sdg_ingest_taldau.check_all_loaded failed"]  # the one failed task, once
    recipients, alert = smtp.messages[0]
    assert recipients == ["data-team@example.kz", "akimat@example.kz"]
    assert f"{broken}: taldau: http" in alert.get_content() and "IncompleteIngestion" in alert.get_content()
