"""The sources as deployed: class, schedule, priority, pool and queue of each, pinned (issue 12, point 2).

These are the values before the sources became one table; the table must reproduce them exactly, as the DAGs,
the pools file, the worker queues and the catalogue see them (not as the table spells them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: name -> (module:Class, cron in Asia/Almaty, pool slots, default priority, what the DAG and pool say it fetches)
PINNED = {
    "taldau": (
        "etl.sources.taldau.source:TaldauSource",
        "0 2 * * *",
        2,
        10,
        "the Bureau of National Statistics' Taldau API",
    ),
    "files": (
        "etl.sources.files.source:FilesSource",
        "30 1 * * *",
        1,
        20,
        "CSV/XLSX reports dropped by responsible bodies into the inbox",
    ),
    "opensdg": (
        "etl.sources.opensdg.source:OpenSdgSource",
        "30 2 * * *",
        4,
        30,
        "the national SDG reporting platform (Open SDG data repository)",
    ),
    "sdmx": (
        "etl.sources.sdmx.source:SdmxSource",
        "0 3 * * *",
        2,
        40,
        "SDMX REST endpoints (SDMX-ML 2.1, SDMX-JSON, SDMX-CSV 2.0)",
    ),
    "unsd": (
        "etl.sources.unsd.source:UnsdSource",
        "0 4 * * 1",
        1,
        50,
        "the UN SDG Global Database API (weekly: it changes slowly)",
    ),
}
QUEUES = ["default", "sdg_taldau", "sdg_files", "sdg_opensdg", "sdg_sdmx", "sdg_unsd"]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.mark.parametrize("name", PINNED)
def test_each_source_has_its_class(name):
    from etl.sources.registry import source_class

    cls = source_class(name)
    assert f"{cls.__module__}:{cls.__name__}" == PINNED[name][0]


def test_series_take_their_source_priority():
    """A catalogue row without a ``priority`` column gets its source's (the shipped catalogue sets none)."""
    from etl.catalogue.model import load_series

    priorities = {}
    for series in load_series():
        priorities.setdefault(series.source, set()).add(series.priority)
    assert priorities == {name: {pinned[3]} for name, pinned in PINNED.items()}


def test_pools_file_and_queues():
    """What ``airflow-init`` imports as pools, and what a general Celery worker listens to, in this order."""
    from sdg_airflow.sources import pools, queues

    expected = {
        f"sdg_{name}": {"slots": slots, "description": f"SDG ingestion from {what}", "include_deferred": False}
        for name, (_, _, slots, _, what) in PINNED.items()
    }
    assert pools() == expected
    assert list(pools()) == [f"sdg_{name}" for name in PINNED]
    assert queues() == QUEUES
    printed = subprocess.run(
        [sys.executable, str(ROOT / "plugins/sdg_airflow/sources.py")], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(printed) == expected


@pytest.mark.parametrize("name", PINNED)
def test_ingest_dag_of_each_source(dagbag, name):
    _, cron, slots, _, what = PINNED[name]
    dag = dagbag.dags[f"sdg_ingest_{name}"]
    assert dag.schedule == cron
    assert set(dag.tags) == {"sdg", "ingestion", name}
    ingest = dag.get_task("ingest")
    assert (ingest.pool, ingest.queue, ingest.max_active_tis_per_dag) == (f"sdg_{name}", f"sdg_{name}", slots)
    assert [a.name for a in dag.get_task("announce_changes").outlets] == [f"sdg_observations_{name}"]
    assert f"from {what}:" in dag.doc_md
    assert f"(at least {slots}, one per slot of pool `sdg_{name}`, on Celery queue `sdg_{name}`)" in dag.doc_md


def test_only_these_sources_have_dags_and_assets(dagbag):
    ingest = {dag_id for dag_id in dagbag.dag_ids if dag_id.startswith("sdg_ingest_")}
    assert ingest == {f"sdg_ingest_{name}" for name in PINNED}
    facts = dagbag.dags["sdg_indicator_facts"]
    assert {a.name for a in facts.timetable.asset_condition.objects} == {f"sdg_observations_{n}" for n in PINNED}
