"""Facts of a reporting year before forms are issued: completeness as a warning, bad values as a stop;
results queryable and rendered as Data Docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from etl.jobs import check_facts
from etl.quality.facts import check_indicator_values, empty_cells
from etl.quality.outcome import QualityFailure

INSERT = """
INSERT INTO sdg.indicator_value (indicator_code, kato_code, year, value, value_text, status, unit)
VALUES (:code, :kato, 2025, :value, :value, 'final', 'процент')
"""


def test_empty_cells_are_a_warning_listing_each_cell(engine):
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"code": "1.2.1", "kato": "110000000", "value": 4.2})
        expected = conn.execute(
            text(
                "SELECT count(DISTINCT (a.kato_code, indicator_code)) FROM sdg.monitored_item a "
                "JOIN sdg.region r USING (kato_code) "
                "WHERE sdg.region_in_year(r.valid_from, r.valid_to, 2025)"  # South Kazakhstan's list is not due
            )
        ).scalar_one()
        decision = check_indicator_values(conn, 2025)
    assert decision.load and decision.critical == []
    cells = empty_cells(decision)
    assert len(cells) == expected - 1
    assert {"kato_code": "110000000", "indicator_code": "1.2.1"} not in cells
    assert {"kato_code": "100000000", "indicator_code": "1.2.1"} in cells


def test_critical_fact_failure_fails_the_task_naming_dataset_expectation_and_count(engine, warehouse_url):
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"code": "1.2.1", "kato": "110000000", "value": 130})
        conn.execute(text(INSERT), {"code": "3.1.2", "kato": "110000000", "value": -2})
    with pytest.raises(QualityFailure) as failure:
        check_facts(2025, warehouse_url)
    message = str(failure.value)
    assert "indicator_values 2025" in message
    assert "expect_column_values_to_be_between(percent_value) failed for 2 rows" in message
    with engine.connect() as conn:  # the evidence is committed although the task fails
        row = conn.execute(text("SELECT decision, critical_failed FROM sdg.quality_summary")).one()
    assert row == ("fail", 2)


def test_results_are_rendered_as_data_docs(engine, warehouse_url, tmp_path):
    from etl.quality.runner import build_data_docs

    result = check_facts(2025, warehouse_url)
    index = Path(result["data_docs"])
    assert index.is_file() and index.parent.name == "data_docs"
    html = index.read_text(encoding="utf-8")
    assert "indicator_values" in html
    rebuilt = build_data_docs(tmp_path / "docs")
    assert rebuilt.is_file() and "appendix2_form" in rebuilt.read_text(encoding="utf-8")
