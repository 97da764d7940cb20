"""Every task of every DAG has a time limit, and retries only what a retry can cure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag


def _tasks(dagbag):
    return [(dag_id, task) for dag_id, dag in sorted(dagbag.dags.items()) for task in dag.tasks]


def test_every_task_has_an_execution_timeout(dagbag):
    tasks = _tasks(dagbag)
    assert len(tasks) >= 20
    missing = [f"{dag_id}.{task.task_id}" for dag_id, task in tasks if not task.execution_timeout]
    assert missing == []
    too_long = [f"{d}.{t.task_id}" for d, t in tasks if t.execution_timeout > timedelta(hours=1)]
    assert too_long == []


def test_ingest_task_outlasts_its_series_deadline(dagbag):
    """The task limit is a backstop: a chunk stops starting series after its budget, and the series in
    progress then ends at its own deadline (300 s), both well before the task is killed."""
    from etl import config
    from etl.jobs import INGEST_TASK_BUDGET

    task = dagbag.dags["sdg_ingest_taldau"].get_task("ingest")
    assert task.execution_timeout.total_seconds() > INGEST_TASK_BUDGET + 2 * config.DEFAULT_SERIES_DEADLINE


def test_every_task_retries_only_transient_failures(dagbag):
    from sdg_airflow.task_policy import TransientOnly

    without = [f"{d}.{t.task_id}" for d, t in _tasks(dagbag) if not isinstance(t.retry_policy, TransientOnly)]
    assert without == []


@pytest.mark.parametrize(
    ("make", "action"),
    [
        (lambda: _source_error(retryable=False), "fail"),
        (lambda: ValueError("line 14, column Value: '1e400' is not a finite number"), "fail"),
        (lambda: KeyError("series"), "fail"),
        (lambda: _source_error(retryable=True), "default"),
        (lambda: TimeoutError("timed out"), "default"),
        (lambda: ConnectionError("reset"), "default"),
    ],
)
def test_retry_policy_fails_deterministic_errors_at_once(make, action):
    from sdg_airflow.task_policy import TransientOnly

    decision = TransientOnly().evaluate(make(), try_number=1, max_tries=3)
    assert decision.action.value == action


def _source_error(retryable: bool):
    from etl.sources.errors import SourceError

    return SourceError("taldau", "http://127.0.0.1/x", "HTTP 503" if retryable else "HTTP 404", retryable=retryable)


def test_callbacks_keep_connections_and_add_the_sigterm_stop(dagbag):
    from sdg_airflow.connections import apply_connections
    from sdg_airflow.task_policy import on_task_end, on_task_start

    for dag_id, task in _tasks(dagbag):
        # a mapped task keeps it among the arguments each mapped instance is built with
        hook = task.partial_kwargs.get("pre_execute") if hasattr(task, "partial_kwargs") else task._pre_execute_hook
        assert hook is apply_connections, f"{dag_id}.{task.task_id}"
        assert list(task.on_execute_callback) == [on_task_start], f"{dag_id}.{task.task_id}"
        assert on_task_end in list(task.on_failure_callback) and on_task_end in list(task.on_retry_callback)
