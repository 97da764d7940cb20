"""The suites guard the catalogue sync and every issued form, not only the loads."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from etl import config
from etl.jobs import issue_forms, prepare_warehouse
from etl.quality.outcome import QualityFailure

_CHECKSUM = "SELECT count(*), md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), '')) FROM sdg.indicator t"


def test_a_catalogue_failing_its_suite_is_not_synced(engine, tmp_path, monkeypatch):
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    with (folder / "indicators.csv").open("a", encoding="utf-8") as handle:  # synthetic bad row
        handle.write("three,3,3.x,Показатель,Көрсеткіш,Indicator,процент,пайыз,1,1,Управление,Бюро,Басқарма,Бюро,\n")
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(folder))
    with engine.connect() as conn:
        before = conn.execute(text(_CHECKSUM)).one()
    with pytest.raises(QualityFailure, match="catalogue: .*code"):
        prepare_warehouse()
    with engine.connect() as conn:
        assert conn.execute(text(_CHECKSUM)).one() == before


def test_a_form_failing_its_suite_is_not_issued(facts, engine):
    with engine.begin() as conn:  # synthetic damage behind the catalogue's back: a unit goes missing
        conn.execute(text("UPDATE sdg.indicator SET unit_ru = '' WHERE code = '3.2.1'"))
    with pytest.raises(QualityFailure, match=r"appendix2_form 2025 \(20 regions checked together") as failure:
        issue_forms(2025)
    (failed,) = failure.value.decision.critical
    assert failed.column == "row_complete" and failed.unexpected_count == 20  # 3.2.1's line in every form
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.report")).scalar() == 0
