"""The deadline watchdog: readiness of every report, an alert through a real SMTP server when a deadline is
close, a failure once it has passed, quiet otherwise. Reports come from the bundled SYNTHETIC Taldau
samples through the real pipeline; "today" is given explicitly so each case is a fixed calendar day.
"""

from __future__ import annotations

from datetime import date

import pytest

from etl.cli import main
from etl.jobs import (
    DeadlineMissed,
    check_deadlines,
    deliver,
    issue_forms,
    issue_national_extract,
)

YEAR = 2025


def _by_kind(result: dict) -> dict[str, dict]:
    return {d["kind"]: d for d in result["deadlines"]}


def test_far_from_a_deadline_nothing_is_sent(engine, smtp):
    result = check_deadlines(YEAR, today=date(2025, 11, 1))
    forms, extract = _by_kind(result)["appendix2"], _by_kind(result)["national_extract"]
    assert (forms["due"], forms["days_left"], forms["not_ready"], forms["reports"]) == ("2026-01-15", 75, 20, 20)
    assert (extract["due"], extract["not_ready"]) == ("2026-02-01", 1)
    assert result["alert"] is None and smtp.messages == []


def test_a_week_before_the_forms_are_due_the_alert_names_every_missing_region(engine, smtp):
    result = check_deadlines(YEAR, today=date(2026, 1, 10))
    assert result["alert"]["sent"] and result["overdue"] == []
    ((rcpt, message),) = smtp.messages
    assert rcpt == ["data-team@example.kz", "akimat@example.kz"]
    assert "срок 15.01.2026, осталось 5 дн., не готово 20 из 20" in message["Subject"]
    assert "сводные данные" not in message["Subject"]  # the extract is 22 days away: not yet pressing
    body = message.get_body(("plain",)).get_content()
    assert body.count(": не выпущен") == 20 and "город Астана: не выпущен" in body


def test_ready_means_final_and_delivered_to_every_recipient(facts, smtp):
    issue_forms(YEAR)
    gaps = _by_kind(check_deadlines(YEAR, today=date(2026, 1, 10)))["appendix2"]["gaps"]
    assert len(gaps) == 20 and all("только черновик (версия 1)" in gap for gap in gaps)
    issue_forms(YEAR, "final")
    gaps = _by_kind(check_deadlines(YEAR, today=date(2026, 1, 10)))["appendix2"]["gaps"]
    assert len(gaps) == 20 and all("версия 2 не доставлена: rwg-" in gap for gap in gaps)
    issue_national_extract(YEAR, "final")
    deliver(YEAR)
    before = len(smtp.messages)
    result = check_deadlines(YEAR, today=date(2026, 1, 31))
    assert [d["not_ready"] for d in result["deadlines"]] == [0, 0]
    assert result["alert"] is None and len(smtp.messages) == before


def test_after_the_deadline_the_check_fails_and_the_cli_says_overdue(engine, smtp, capsys):
    with pytest.raises(DeadlineMissed, match="appendix2 due 2026-01-15: 20 of 20 not ready"):
        check_deadlines(YEAR, today=date(2026, 1, 16))
    assert "просрочено на 1 дн." in smtp.messages[-1][1]["Subject"]
    assert main(["report", "deadlines", "--year", str(YEAR), "--today", "2026-01-16"]) == 1
    out = capsys.readouterr().out
    assert "appendix2         due 2026-01-15    -1 days left  0/20 ready" in out and "OVERDUE: appendix2" in out


@pytest.mark.airflow
def test_watchdog_dag_runs_quietly_out_of_season(airflow_db, warehouse_url, smtp):
    from airflow.dag_processing.dagbag import DagBag

    from etl import config

    dag = DagBag(dag_folder=str(config.PROJECT_ROOT / "dags")).dags["sdg_deadline_watchdog"]
    this_year = date.today().year  # its deadlines are next January and February: weeks away at least
    run = dag.test(run_conf={"year": this_year})
    assert str(getattr(run.state, "value", run.state)) == "success"
    assert smtp.messages == []
