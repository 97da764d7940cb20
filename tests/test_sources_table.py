"""One table of sources (``etl/sources/registry.py``: SOURCES) and everything that derives from it (issue 12, point 2).

The values pinned here are those deployed before the sources became one table; the table must reproduce them
exactly, as the DAGs, the pools file, the worker queues and the catalogue see them (not as the table spells
them). Then: a row added to the table reaches all of those with no other edit, and no other module of etl/,
plugins/ or dags/ lists the sources by name.
"""

from __future__ import annotations

import ast
import json
import re
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


#: run in a fresh interpreter: one row more in the table before anything reads it, then everything that derives
#: from the table, as the DAG processor, ``airflow-init`` and the catalogue see it
NEW_SOURCE_PROBE = """
import dataclasses, json, shutil, sys
from pathlib import Path

sys.path[:0] = ["dags", "plugins"]
from etl.sources import registry

row = dataclasses.replace(
    registry.SOURCES["unsd"], name="newsrc", cron="15 5 * * *", slots=3, priority=45, what="a new test source"
)
registry.SOURCES["newsrc"] = row

from airflow.dag_processing.dagbag import DagBag
from sdg_airflow.sources import pools, queues
from etl.catalogue.model import load_series

bag = DagBag(dag_folder="dags")
dag = bag.dags["sdg_ingest_newsrc"]
ingest = dag.get_task("ingest")
facts = bag.dags["sdg_indicator_facts"]
catalogue = Path(sys.argv[1])
shutil.copytree("catalogue", catalogue)
unsd = (catalogue / "series" / "unsd.csv").read_text(encoding="utf-8")
(catalogue / "series" / "newsrc.csv").write_text(unsd.replace("unsd:", "newsrc:"), encoding="utf-8")
print(json.dumps({
    "errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "schedule": dag.schedule,
    "tags": sorted(dag.tags),
    "ingest": [ingest.pool, ingest.queue, ingest.max_active_tis_per_dag],
    "outlets": [a.name for a in dag.get_task("announce_changes").outlets],
    "doc": dag.doc_md,
    "facts": sorted(a.name for a in facts.timetable.asset_condition.objects),
    "pool": pools().get("sdg_newsrc"),
    "queues": queues(),
    "priorities": sorted({s.priority for s in load_series(catalogue) if s.source == "newsrc"}),
}))
"""


def test_a_source_added_to_the_table_shows_up_everywhere(tmp_path):
    """One row more and nothing else: its DAG, pool, queue, asset and priority follow."""
    run = subprocess.run(
        [sys.executable, "-c", NEW_SOURCE_PROBE, str(tmp_path / "catalogue")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["errors"] == {}
    assert seen["schedule"] == "15 5 * * *"
    assert seen["tags"] == ["ingestion", "newsrc", "sdg"]
    assert seen["ingest"] == ["sdg_newsrc", "sdg_newsrc", 3]
    assert seen["outlets"] == ["sdg_observations_newsrc"]
    assert "from a new test source:" in seen["doc"] and "catalogue/series/newsrc.csv" in seen["doc"]
    assert "sdg_observations_newsrc" in seen["facts"] and len(seen["facts"]) == len(PINNED) + 1
    assert seen["pool"] == {
        "slots": 3,
        "description": "SDG ingestion from a new test source",
        "include_deferred": False,
    }
    assert seen["queues"] == [*QUEUES, "sdg_newsrc"]
    assert seen["priorities"] == [45]


# --- nothing but the table names the sources ---------------------------------------------------------------------

TABLE = ROOT / "etl" / "sources" / "registry.py"
SCANNED = ("etl", "plugins", "dags")
#: a string that lists sources reads like ``default,sdg_taldau,sdg_files`` or ``taldau|files|opensdg``
_TOKENS = re.compile(r"[\s,;|/]+")
_PREFIXES = ("sdg_observations_", "sdg_ingest_", "sdg_")


def _names_in_text(text: str, names: set[str]) -> set[str]:
    found = set()
    for token in _TOKENS.split(text):
        for prefix in _PREFIXES:
            token = token.removeprefix(prefix)
        if token in names:
            found.add(token)
    return found


def lists_of_sources(source: str, names: set[str]) -> list[tuple[int, list[str]]]:
    """Literals that list sources by name: a tuple, list, set or dict keys holding two or more of them, or a string
    naming three or more as a list (prose such as "files" alone is an ordinary word)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            named = {i.value for i in items if isinstance(i, ast.Constant) and i.value in names}
            if len(named) >= 2:
                found.append((node.lineno, sorted(named)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named = _names_in_text(node.value, names)
            if len(named) >= 3:
                found.append((node.lineno, sorted(named)))
    return found


def test_the_scan_finds_the_lists_it_is_meant_to_find():
    names = set(PINNED)
    # the two lists the table replaced, and the queue list of docker-compose.yml, as code
    assert lists_of_sources('SOURCE_PRIORITY = {"taldau": 10, "files": 20, "opensdg": 30}', names)
    assert lists_of_sources('if source in ("sdmx", "unsd"):\n    pass', names)
    assert lists_of_sources('QUEUES = "default,sdg_taldau,sdg_files,sdg_opensdg"', names)
    assert not lists_of_sources('"""Reads the files of the opensdg repository."""\nCONN = {"taldau": "X"}', names)


def test_nothing_but_the_table_lists_the_sources():
    from etl.sources.registry import SOURCES

    names = set(SOURCES)
    assert names >= set(PINNED)
    offenders = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != TABLE and (found := lists_of_sources(path.read_text(encoding="utf-8"), names)):
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}, "declare per-source values in etl/sources/registry.py (SOURCES), not here"
