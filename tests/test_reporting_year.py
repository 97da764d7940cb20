"""The right year, or nothing (issue 10, point 2): a scheduled or catch-up run of the annual DAG reports the
year before its logical date; a form without a single Fact is issued only when asked and never delivered.

Facts come from the bundled SYNTHETIC Taldau samples (year 2025 only) through the real pipeline.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.cli import main
from etl.jobs import default_reporting_year, deliver, issue_forms, resolve_reporting_year
from etl.reports.issuing import EmptyReport

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("logical_date", "year"),
    [
        (datetime(2026, 1, 5, 1, 0, tzinfo=UTC), 2025),  # the schedule: 5 January 06:00 in Almaty
        (datetime(2026, 12, 31, 19, 30, tzinfo=UTC), 2026),  # already 1 January 2027 in Almaty
        (datetime(2027, 3, 1, tzinfo=UTC), 2026),
    ],
)
def test_the_year_before_the_logical_date_in_almaty(logical_date, year):
    assert resolve_reporting_year(None, logical_date) == year
    assert resolve_reporting_year(2024, logical_date) == 2024  # an explicit param wins


def test_a_manual_run_without_a_logical_date_keeps_todays_rule():
    assert resolve_reporting_year(None, None) == resolve_reporting_year("", None) == default_reporting_year()
    assert default_reporting_year(date(2026, 1, 20)) == 2025 and default_reporting_year(date(2026, 6, 1)) == 2026


def _reports(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT kind, year, status, facts_filled FROM sdg.report ORDER BY report_id")).all()


def test_no_fact_no_form_unless_asked_and_never_delivered(engine, smtp, capsys):
    assert main(["report", "issue", "--year", "2025"]) == 1
    err = capsys.readouterr().err
    assert "no Fact is filled in any of the" in err and "nothing issued" in err and "--allow-empty" in err
    assert _reports(engine) == []
    assert main(["report", "extract", "--year", "2025"]) == 1
    assert "would have no Fact" in capsys.readouterr().err

    assert main(["report", "issue", "--year", "2025", "--allow-empty"]) == 1  # issued as asked, still no Fact
    out = capsys.readouterr().out
    assert "20 forms for 2025 (20 new versions)" in out and "Fact filled in 0 of" in out
    assert "20 forms without a single Fact, issued anyway (--allow-empty), never delivered" in out
    assert {(kind, year, facts) for kind, year, _, facts in _reports(engine)} == {("appendix2", 2025, 0)}

    result = deliver(2025)
    assert result["sent"] == 0 and len(result["withheld"]) == 20 and smtp.messages == []
    assert all("no Fact filled" in why for why in result["withheld"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.delivery")).scalar() == 0


def test_regions_without_a_fact_are_left_out_and_named(facts, capsys):
    with pytest.raises(EmptyReport, match="no Fact is filled in any of the .* indicator rows of the .* forms for 2026"):
        issue_forms(2026)
    assert main(["report", "issue", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    filled = next(line for line in out.splitlines() if line.startswith("Fact filled in "))
    assert int(filled.split()[3]) > 0


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def _state(run) -> str:
    return str(getattr(run.state, "value", run.state))


@pytest.mark.airflow
def test_a_catch_up_run_in_january_reports_the_year_before(dagbag, airflow_db, facts, engine):
    import pendulum

    dag = dagbag.dags["sdg_annual_reporting"]
    run = dag.test(logical_date=pendulum.datetime(2026, 1, 5, 6, tz="Asia/Almaty"))
    assert _state(run) == "success"
    reports = [r for r in _reports(engine) if r.kind != "appendix1"]
    assert {year for _, year, _, _ in reports} == {2025}
    assert sum(kind == "appendix2" for kind, *_ in reports) == 20 and all(f > 0 for *_, f in reports if f is not None)

    # the year after has no Fact: the run fails at the forms, issues and delivers nothing
    empty = dag.test(logical_date=pendulum.datetime(2027, 1, 5, 6, tz="Asia/Almaty"))
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in empty.get_task_instances()}
    assert _state(empty) == "failed" and states["issue_forms"] in ("failed", "upstream_failed")
    assert states["deliver"] != "success"
    # (the Appendix 1 lists of 2026 are issued beside: lists of indicators, no Facts in them)
    assert {year for kind, year, _, _ in _reports(engine) if kind != "appendix1"} == {2025}
    with engine.connect() as conn:
        delivered = conn.execute(text("SELECT DISTINCT r.year FROM sdg.delivery JOIN sdg.report r USING (report_id)"))
        assert delivered.scalars().all() == [2025]
