"""The observations gate on the real warehouse, with synthetic frames standing in for a parsed snapshot.

(The ingest path calls ``check_observations`` right before ``load_observations``; here the test plays
that caller.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import text

from etl.ingest.run import flag_back_calculated
from etl.quality.gate import check_observations, release_quarantine
from etl.quality.notify import send_queued
from etl.warehouse.observations import load_observations

FETCHED = datetime(2026, 3, 1, tzinfo=UTC)


def obs(kato: str, year: int, value: str) -> dict:
    return {
        "kato_code": kato,
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
        "frequency": "A",
        "dims": "",
        "value": Decimal(value),
        "value_text": value,
        "obs_status": "A",
        "unit": "процент",
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


GOOD = [obs("110000000", 2023, "10"), obs("110000000", 2024, "11"), obs("100000000", 2024, "12")]


@pytest.fixture
def series(engine) -> tuple[str, int]:
    """A percent series of the catalogue (its key and id)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                """
                SELECT s.series_key, s.series_id FROM sdg.series s
                JOIN sdg.indicator_series m ON m.series_key = s.series_key
                JOIN sdg.indicator i ON i.code = m.indicator_code
                WHERE i.unit_ru = 'процент' AND s.source = 'taldau' ORDER BY s.series_key LIMIT 1
                """
            )
        ).one()
    return row.series_key, row.series_id


def snapshot(conn, series_key: str, n: int) -> int:
    return conn.execute(
        text(
            """
            INSERT INTO sdg.snapshot (source, series_key, sha256, url, fetched_at, http_status, size_bytes,
                                      storage_path)
            VALUES ('taldau', :k, :sha, 'http://test/', :t, 200, 1, '/dev/null') RETURNING snapshot_id
            """
        ),
        {"k": series_key, "sha": f"{n:064x}", "t": FETCHED},
    ).scalar_one()


def gate_then_load(engine, series, rows, n: int):
    """What the ingest path does: gate, and load (all but the held rows) only when the gate says so."""
    key, series_id = series
    with engine.begin() as conn:
        snap = snapshot(conn, key, n) if isinstance(n, int) and n < 10_000 else n - 10_000
        decision = check_observations(
            conn, frame(*rows), series_key=key, source="taldau", snapshot_id=snap, unit="процент"
        )
        if decision.load:
            kept = frame(*rows).drop(index=list(decision.held_row_ids))
            load_observations(conn, kept, series_id=series_id, snapshot_id=snap, valid_from=FETCHED)
            flag_back_calculated(conn, series_id)
    send_queued(engine)  # as the ingest does once the load has committed
    return decision, snap


def checksum(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT md5(COALESCE(string_agg(o::text, '|' ORDER BY observation_id), '')) FROM sdg.observation o")
        ).scalar_one()


def test_good_batch_loads_and_results_are_stored(engine, series):
    decision, snap = gate_then_load(engine, series, GOOD, 1)
    assert decision.load and decision.critical == [] and decision.warnings == []
    with engine.connect() as conn:
        run = conn.execute(text("SELECT * FROM sdg.quality_run WHERE run_id = :r"), {"r": decision.run_id}).one()
        results = conn.execute(text("SELECT count(*) FROM sdg.quality_result WHERE run_id = :r"), {"r": run.run_id})
        loaded = conn.execute(text("SELECT count(*) FROM sdg.observation WHERE snapshot_id = :s"), {"s": snap})
        assert (run.dataset, run.decision, run.snapshot_id, run.series_key) == ("observations", "load", snap, series[0])
        assert results.scalar_one() > 20
        assert loaded.scalar_one() == 3


#: synthetic batch of 10 rows, 2 of them critically bad: South Kazakhstan after its abolition (2018-06-18) and
#: a share of 140 %. Worked out by hand: 8 load, those 2 are held.
TEN = [
    *[obs("110000000", year, str(year - 2009)) for year in range(2019, 2024)],  # Akmola 2019..2023: 10..14
    *[obs("100000000", year, str(year - 2002)) for year in range(2022, 2025)],  # Abai 2022..2024: 20..22
    obs("510000000", 2019, "30"),  # row 8: South Kazakhstan in 2019
    obs("110000000", 2024, "140"),  # row 9: 140 %
]


def current_rows(engine, series_id: int) -> list[tuple[str, int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kato_code, extract(year FROM period_start)::int, value_text FROM sdg.observation "
                "WHERE series_id = :s AND valid_to IS NULL ORDER BY 1, 2"
            ),
            {"s": series_id},
        )
        return [tuple(r) for r in rows]


def test_bad_rows_are_held_the_rest_loads_and_release_loads_exactly_them(engine, series):
    decision, snap = gate_then_load(engine, series, TEN, 2)
    assert decision.load and decision.held_row_ids == (8, 9) and decision.quarantine_id
    assert {o.column for o in decision.critical} == {"region_valid_for_period", "percent_value"}
    good = [("100000000", 2022, "20"), ("100000000", 2023, "21"), ("100000000", 2024, "22")] + [
        ("110000000", y, str(y - 2009)) for y in range(2019, 2024)
    ]
    assert current_rows(engine, series[1]) == good  # 8 rows
    with engine.connect() as conn:
        q = conn.execute(text("SELECT * FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": decision.quarantine_id})
        q = q.one()
        summary = conn.execute(text("SELECT * FROM sdg.quality_summary WHERE run_id = :r"), {"r": decision.run_id})
        summary = summary.one()
        alert = conn.execute(text("SELECT sent, detail FROM sdg.quality_alert WHERE run_id = :r"), {"r": q.run_id})
        alert = alert.one()
    assert (q.status, q.scope, q.snapshot_id, q.series_key, q.row_count, q.held_count) == (
        "quarantined",
        "rows",
        snap,
        series[0],
        10,
        2,
    )
    assert {r["column"] for r in q.reasons} == {"region_valid_for_period", "percent_value"}
    assert [(r["row_id"], r["kato_code"], r["period_start"], r["failed"]) for r in q.failing_rows] == [
        (8, "510000000", "2019-01-01", ["region_valid_for_period"]),
        (9, "110000000", "2024-01-01", ["percent_value"]),
    ]
    assert summary.decision == "partial" and summary.quarantine_status == "quarantined"
    assert len(summary.failed_expectations) == 3  # the two critical ones and the +900 % year-on-year warning
    assert alert == (False, "SDG_SMTP_HOST not configured")  # no SMTP here: recorded, load not crashed

    before = checksum(engine)
    again, _ = gate_then_load(engine, series, TEN, 10_000 + snap)  # a re-run of the same snapshot
    assert again.held_row_ids == (8, 9) and again.quarantine_id == decision.quarantine_id
    assert checksum(engine) == before

    release_quarantine(engine, decision.quarantine_id, "a.analyst", "checked with the statistics office")
    released, _ = gate_then_load(engine, series, TEN, 10_000 + snap)
    assert released.load and released.released and released.held_row_ids == ()
    assert current_rows(engine, series[1]) == sorted([*good, ("510000000", 2019, "30"), ("110000000", 2024, "140")])
    with engine.connect() as conn:
        alerts = conn.execute(text("SELECT count(*) FROM sdg.quality_alert")).scalar_one()
        loaded_run = conn.execute(
            text("SELECT loaded_run_id FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": decision.quarantine_id}
        ).scalar_one()
    assert alerts == 1 and loaded_run == released.run_id


def test_a_failure_about_the_batch_still_holds_it_all(engine, series):
    gate_then_load(engine, series, GOOD, 1)
    before = checksum(engine)
    no_unit = [{k: v for k, v in row.items() if k != "unit"} for row in TEN]  # the loader needs every column
    decision, snap = gate_then_load(engine, series, no_unit, 5)
    assert not decision.load and decision.held_row_ids == () and decision.quarantine_id
    assert "expect_table_columns_to_match_set" in {o.expectation_type for o in decision.critical}
    assert checksum(engine) == before
    with engine.connect() as conn:
        q = conn.execute(text("SELECT * FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": decision.quarantine_id})
        q = q.one()
    assert (q.scope, q.row_count, q.held_count) == ("batch", 10, 10)


def test_every_row_failing_holds_the_batch(engine, series):
    decision, _ = gate_then_load(engine, series, [obs("510000000", 2019, "30"), obs("510000000", 2020, "31")], 6)
    assert not decision.load and decision.held_row_ids == ()
    with engine.connect() as conn:
        scope = conn.execute(text("SELECT scope, held_count FROM sdg.quarantine")).one()
    assert tuple(scope) == ("batch", 2)


def test_a_value_before_the_region_existed_loads_flagged_with_a_warning(engine, series):
    rows = [obs("100000000", 2021, "9"), obs("100000000", 2022, "10"), obs("610000000", 2017, "7")]
    rows += [obs("610000000", 2018, "8"), obs("110000000", 2021, "5")]  # Turkestan from 2018-06-19: 2018 is real
    decision, _ = gate_then_load(engine, series, rows, 7)
    assert decision.load and decision.critical == [] and decision.held_row_ids == ()
    (warning,) = [o for o in decision.warnings if o.column == "back_calculated"]
    assert warning.severity == "warning" and warning.unexpected_count == 2
    with engine.connect() as conn:
        flags = conn.execute(
            text(
                "SELECT kato_code, extract(year FROM period_start)::int, back_calculated FROM sdg.observation "
                "WHERE series_id = :s ORDER BY 1, 2"
            ),
            {"s": series[1]},
        ).all()
    assert [tuple(f) for f in flags] == [
        ("100000000", 2021, True),  # Abai before 2022-06-08
        ("100000000", 2022, False),
        ("110000000", 2021, False),
        ("610000000", 2017, True),  # Turkestan region before 2018-06-19
        ("610000000", 2018, False),
    ]


def test_warning_only_batch_loads_and_the_warning_is_stored(engine, series):
    jump = [obs("110000000", 2023, "10"), obs("110000000", 2024, "30")]  # +200 % > the indicator's threshold
    decision, snap = gate_then_load(engine, series, jump, 3)
    assert decision.load and decision.critical == []
    assert [o.column for o in decision.warnings] == ["yoy_change_pct"]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT severity, unexpected_count, sample FROM sdg.quality_result WHERE run_id = :r AND NOT success"),
            {"r": decision.run_id},
        ).one()
        loaded = conn.execute(text("SELECT count(*) FROM sdg.observation WHERE snapshot_id = :s"), {"s": snap})
        assert loaded.scalar_one() == 2
    assert stored.severity == "warning" and stored.unexpected_count == 1
    assert stored.sample[0]["kato_code"] == "110000000" and stored.sample[0]["yoy_change_pct"] == 200.0


def test_released_quarantine_loads_on_the_next_ingest(engine, series):
    bad = [obs("510000000", 2020, "9")]  # South Kazakhstan after 2018: its only row, so the whole batch
    first, snap = gate_then_load(engine, series, bad, 4)
    again, _ = gate_then_load(engine, series, bad, 10_000 + snap)  # an unreleased retry: same quarantine row
    assert not again.load and again.quarantine_id == first.quarantine_id
    with pytest.raises(LookupError):
        release_quarantine(engine, 987654, "analyst", "no such batch")
    release_quarantine(engine, first.quarantine_id, "a.analyst", "the statistics office confirmed the 2020 value")
    released, _ = gate_then_load(engine, series, bad, 10_000 + snap)
    assert released.load and released.released and released.quarantine_id == first.quarantine_id
    with engine.connect() as conn:
        q = conn.execute(text("SELECT * FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": first.quarantine_id})
        q = q.one()
        run = conn.execute(text("SELECT decision FROM sdg.quality_run WHERE run_id = :r"), {"r": released.run_id})
        loaded = conn.execute(text("SELECT count(*) FROM sdg.observation WHERE snapshot_id = :s"), {"s": snap})
        alerts = conn.execute(text("SELECT count(*) FROM sdg.quality_alert")).scalar_one()
        assert loaded.scalar_one() == 1
        assert run.scalar_one() == "released"
    assert (q.status, q.released_by, q.loaded_run_id) == ("released", "a.analyst", released.run_id)
    assert alerts == 1  # one alert per quarantined snapshot, not per retry


@pytest.fixture
def additive(series, tmp_path, monkeypatch):
    """The series marked additive (its regions sum to the republic) in a copy of the catalogue's quality.csv."""
    import shutil

    from etl import config

    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    with (folder / "quality.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{series[0]},50,1,share,,,\n")
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(folder))
    return series


def _quarantine_row(engine, quarantine_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT scope, row_count, held_count FROM sdg.quarantine WHERE quarantine_id = :q"),
            {"q": quarantine_id},
        ).one()


def _republic(total: str) -> list[dict]:
    return [obs("000000000", 2024, total), obs("110000000", 2024, "40"), obs("150000000", 2024, "30")]


def test_a_republic_total_that_agrees_with_its_regions_loads(engine, additive):
    decision, _ = gate_then_load(engine, additive, _republic("70.5"), 11)  # 0.7 % off: within the 1 % tolerance
    assert decision.load and decision.critical == [] and decision.held_row_ids == ()


def test_a_republic_total_that_contradicts_its_regions_holds_the_whole_batch(engine, additive):
    before = checksum(engine)
    decision, _ = gate_then_load(engine, additive, _republic("84"), 12)  # the regions sum to 70: 16.7 % off
    assert not decision.load and decision.held_row_ids == ()  # no single row is known to be the wrong one
    assert [o.column for o in decision.critical] == ["regional_sum_gap_pct"]
    assert {o.scope for o in decision.critical} == {"batch"}
    assert tuple(_quarantine_row(engine, decision.quarantine_id)) == ("batch", 3, 3)
    assert checksum(engine) == before


def test_the_sum_check_applies_only_to_additive_series(engine, series):
    decision, _ = gate_then_load(engine, series, _republic("84"), 13)
    assert decision.load and decision.critical == []


def test_a_unit_that_changes_within_a_cut_holds_the_whole_batch(engine, series):
    rows = [obs("110000000", 2022, "10"), obs("110000000", 2023, "11"), obs("150000000", 2023, "12")]
    rows += [{**obs("110000000", 2024, "12"), "unit": "тысяча человек"}]
    before = checksum(engine)
    decision, _ = gate_then_load(engine, series, rows, 14)
    assert not decision.load and decision.held_row_ids == ()
    assert [o.column for o in decision.critical] == ["unit_consistent"]
    assert sorted(decision.critical[0].failing_row_ids) == [0, 1, 3]  # Akmola's cut, not Aktobe's
    assert tuple(_quarantine_row(engine, decision.quarantine_id)) == ("batch", 4, 4)
    assert checksum(engine) == before


def test_unit_spelling_alone_is_no_change(engine, series):
    rows = [obs("110000000", 2023, "10"), {**obs("110000000", 2024, "11"), "unit": " Процент "}]
    decision, _ = gate_then_load(engine, series, rows, 15)
    assert decision.load and decision.critical == []
