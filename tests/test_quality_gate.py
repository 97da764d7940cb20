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

from etl.quality.gate import check_observations, release_quarantine
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
    """What the ingest path does: gate, and load only when the gate says so."""
    key, series_id = series
    with engine.begin() as conn:
        snap = snapshot(conn, key, n) if isinstance(n, int) and n < 10_000 else n - 10_000
        decision = check_observations(
            conn, frame(*rows), series_key=key, source="taldau", snapshot_id=snap, unit="процент"
        )
        if decision.load:
            load_observations(conn, frame(*rows), series_id=series_id, snapshot_id=snap, valid_from=FETCHED)
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


def test_critical_failure_quarantines_and_leaves_the_warehouse_as_it_was(engine, series):
    gate_then_load(engine, series, GOOD, 1)
    before = checksum(engine)
    bad = [*GOOD, obs("100000000", 2020, "9"), obs("750000000", 2024, "140")]  # Abai before 2022; 140 %
    decision, snap = gate_then_load(engine, series, bad, 2)
    assert not decision.load and decision.quarantine_id
    assert {o.column for o in decision.critical} == {"region_valid_for_period", "percent_value"}
    assert checksum(engine) == before
    with engine.connect() as conn:
        q = conn.execute(text("SELECT * FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": decision.quarantine_id})
        q = q.one()
        summary = conn.execute(text("SELECT * FROM sdg.quality_summary WHERE run_id = :r"), {"r": decision.run_id})
        summary = summary.one()
        alert = conn.execute(text("SELECT sent, detail FROM sdg.quality_alert WHERE run_id = :r"), {"r": q.run_id})
        alert = alert.one()
    assert (q.status, q.snapshot_id, q.series_key, q.row_count) == ("quarantined", snap, series[0], 5)
    assert {r["column"] for r in q.reasons} == {"region_valid_for_period", "percent_value"}
    assert sorted((r["kato_code"], r["period_start"]) for r in q.failing_rows) == [
        ("100000000", "2020-01-01"),
        ("750000000", "2024-01-01"),
    ]
    assert summary.decision == "quarantine" and summary.quarantine_status == "quarantined"
    assert len(summary.failed_expectations) == 2
    assert alert == (False, "SDG_SMTP_HOST not configured")  # no SMTP here: recorded, load not crashed


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
    bad = [obs("100000000", 2020, "9")]
    first, snap = gate_then_load(engine, series, bad, 4)
    again, _ = gate_then_load(engine, series, bad, 10_000 + snap)  # an unreleased retry: same quarantine row
    assert not again.load and again.quarantine_id == first.quarantine_id
    with pytest.raises(LookupError):
        release_quarantine(engine, 987654, "analyst", "no such batch")
    release_quarantine(engine, first.quarantine_id, "a.analyst", "Taldau back-calculated Abai for 2020")
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
