"""The test tiers: database tests are marked by their fixtures, and the fast tier cannot quietly reach a database.

``bash scripts/test.sh --fast`` (pytest ``--fast``) runs ``not db and not airflow and not slow``. A test that
uses a database fixture must not be in it, and one that reaches a database anyway must fail there, not pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import AIRFLOW_FIXTURES, DB_FIXTURES, FAST_TIER

ROOT = Path(__file__).resolve().parents[1]

#: one test of each kind the tiers must tell apart, run under ``--fast`` with the suite's conftest as a plugin
SAMPLE = """
import pytest


def test_pure():
    assert sum([1, 2]) == 3


def test_with_a_warehouse(warehouse_url):
    assert warehouse_url


def test_with_facts_through_a_module_fixture(seeded):
    assert seeded


@pytest.fixture
def seeded(engine):
    return engine


@pytest.mark.slow
def test_marked_slow():
    assert True


def test_asking_for_the_warehouse_at_run_time(request):
    request.getfixturevalue("warehouse_url")


def test_reaching_the_warehouse_through_the_settings():
    from etl.warehouse.connection import get_engine

    with get_engine().connect():
        pass
"""


def _outcomes(junit: Path) -> dict[str, str]:
    """Test name -> passed / failed / error / skipped, from pytest's JUnit XML."""
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = kinds[0] if kinds else "passed"
    return outcomes


def test_the_fast_tier_leaves_database_tests_out_and_fails_those_that_hide_one(tmp_path):
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "--tb=short"]
    command += ["--rootdir", str(tmp_path), "-c", str(ROOT / "pyproject.toml"), f"--junitxml={junit}"]
    run = subprocess.run(
        [*command, "--fast", str(tmp_path / "test_sample.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # some tests failed
    assert "3 deselected" in output, output
    assert _outcomes(junit) == {
        "test_pure": "passed",
        "test_asking_for_the_warehouse_at_run_time": "failure",
        "test_reaching_the_warehouse_through_the_settings": "failure",
    }, output
    assert "test_asking_for_the_warehouse_at_run_time uses the database fixture" in output, output
    assert "is not marked db" in output, output
    assert "OperationalError" in output, output  # the settings point at a server that is not there


def test_this_session_runs_no_unmarked_database_test(request):
    """Every test selected here that uses a database fixture is marked ``db``; under ``--fast`` none is left."""
    assert {"db", "airflow", "slow"} <= {line.split(":")[0] for line in request.config.getini("markers")}
    items = request.session.items
    unmarked = [i.nodeid for i in items if set(i.fixturenames) & DB_FIXTURES and not i.get_closest_marker("db")]
    assert unmarked == []
    if request.config.getoption("fast"):
        assert FAST_TIER in request.config.option.markexpr
        tiered = [i.nodeid for i in items if any(i.get_closest_marker(m) for m in ("db", "airflow", "slow"))]
        assert tiered == []


def test_every_fixture_the_tiers_go_by_is_the_conftests():
    """A renamed fixture would leave its tests unmarked: each name the tiers go by must still be defined."""
    import conftest

    assert [name for name in sorted(DB_FIXTURES | AIRFLOW_FIXTURES) if not hasattr(conftest, name)] == []
