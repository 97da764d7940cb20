"""GX costs 5–6 s and ~230 MB to import: DAG files, ``etl.jobs`` and the gate module must not import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import runpy, sys, importlib
sys.path[:0] = ["dags", "plugins"]
kind, name = sys.argv[1:]
runpy.run_path(f"dags/{name}.py") if kind == "dag" else importlib.import_module(name)
print("great_expectations" in sys.modules, "pandas" in sys.modules)
"""


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("dag", "sdg_annual_reporting"),
        ("dag", "sdg_ingest"),
        ("module", "etl.jobs"),
        ("module", "etl.quality.gate"),
        ("module", "etl.runtime.mail"),
    ],
)
@pytest.mark.slow
def test_import_does_not_load_great_expectations(kind, name):
    out = subprocess.run([sys.executable, "-c", PROBE, kind, name], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    gx_loaded, _pandas = out.stdout.split()
    assert gx_loaded == "False"


def test_annual_reporting_dag_checks_facts_before_issuing_forms():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "sdg_annual_reporting.py"))
    assert bag.import_errors == {}
    dag = bag.dags["sdg_annual_reporting"]
    assert dag.get_task("compute_facts").downstream_task_ids == {"check_facts"}
    assert dag.get_task("check_facts").downstream_task_ids == {"issue_forms"}
