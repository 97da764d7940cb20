"""Issue 9, point 3: magnitude is checked for every unit kind, and a value orders of magnitude off its series is held.

Frames are synthetic observations in the canonical columns (the parsers' output); the gate tests run on the
real warehouse. Worked out by hand: 12.5, 13.1, 12.9, 1e300 -> log10 1.097, 1.117, 1.111, 300; the median of
a cut of four is the mean of the middle two (1.114), so only 1e300 is >= 3 orders off (298.9).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from etl.catalogue.model import load_regions
from etl.quality.observations import INDEX_COLUMNS, RegionValidity, prepare_observations
from etl.quality.runner import run_suite
from etl.quality.settings import (
    DEFAULT_MAX_ORDERS_OFF,
    MAX_AMOUNT,
    MAX_COUNT,
    IndicatorQuality,
    combine,
    load_quality_settings,
    value_bounds,
)

REGIONS = {r.kato_code: RegionValidity(r.valid_from, r.valid_to) for r in load_regions()}
FETCHED = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """Data Docs of these runs go to a temporary folder, not the checkout's var/."""
    monkeypatch.setenv("SDG_DATA_DIR", str(tmp_path / "var"))


def obs(year: int, value: str, unit: str = "человек", kato: str = "110000000", dims: str = "") -> dict:
    return {
        "kato_code": kato,
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
        "frequency": "A",
        "dims": dims,
        "value": Decimal(value),
        "value_text": value,
        "obs_status": "A",
        "unit": unit,
    }


def around_12_5(last: str = "1e300", unit: str = "человек") -> pd.DataFrame:
    values = ["12.5", "13.1", "12.9", last]
    return pd.DataFrame([obs(2020 + i, v, unit) for i, v in enumerate(values)])


def failing(frame: pd.DataFrame, quality: IndicatorQuality, column: str) -> tuple[int, ...]:
    prepared, params = prepare_observations(frame, REGIONS, quality)
    outcomes = run_suite("observations", prepared, params, index_columns=INDEX_COLUMNS)
    (outcome,) = [o for o in outcomes if o.column == column]
    assert outcome.severity == "critical"
    return outcome.failing_row_ids


# ---- orders of magnitude off the series' history ----------------------------------------------------------


@pytest.mark.slow
def test_1e300_among_values_around_12_5_fails_magnitude_alone():
    frame = around_12_5()
    prepared, _ = prepare_observations(frame, REGIONS, IndicatorQuality(kind="other"))
    assert prepared["magnitude_ok"].tolist() == [True, True, True, False]
    assert prepared["log10_off_median"].iloc[3] == pytest.approx(300 - 1.114, abs=0.01)
    assert failing(frame, IndicatorQuality(kind="other"), "magnitude_ok") == (3,)
    assert failing(frame, IndicatorQuality(kind="other"), "value_bounds_ok") == ()  # 'other' has no unit bound


def test_values_4_orders_off_are_held_and_2_orders_off_are_not():
    other = IndicatorQuality(kind="other")
    assert failing(around_12_5("125000"), other, "magnitude_ok") == (3,)  # 4 orders above: held
    assert failing(around_12_5("0.00125"), other, "magnitude_ok") == (3,)  # 4 orders below: held
    assert failing(around_12_5("1250"), other, "magnitude_ok") == ()  # 2 orders: a jump, not an error
    # a thousandfold unit error sits on the limit: held only when >= 1000 x the cut's median (13.0 here)
    assert failing(around_12_5("13500"), other, "magnitude_ok") == (3,)


def test_cuts_are_judged_apart_and_zeros_and_missing_values_pass():
    rows = [obs(2020 + i, v) for i, v in enumerate(["12.5", "13", "0", "14"])]  # Akmola, a zero among them
    rows += [obs(2020 + i, v, kato="710000000") for i, v in enumerate(["90000", "91000", "95000"])]  # Astana
    rows += [obs(2020 + i, v, dims="SEX=F") for i, v in enumerate(["0.01", "0.012"])]  # another cut of Akmola
    rows.append({**obs(2024, "1"), "value": None, "value_text": "x", "obs_status": "suppressed"})
    prepared, _ = prepare_observations(pd.DataFrame(rows), REGIONS, IndicatorQuality(kind="other"))
    assert prepared["magnitude_ok"].all()
    assert prepared["log10_off_median"].isna().tolist() == [False, False, True, False, *[False] * 5, True]


def test_two_values_over_six_orders_apart_hold_both_and_max_orders_off_widens_the_limit():
    frame = pd.DataFrame([obs(2020, "12.5"), obs(2021, "1e7")])
    assert failing(frame, IndicatorQuality(kind="other"), "magnitude_ok") == ()  # 2.95 orders each side
    frame = pd.DataFrame([obs(2020, "12.5"), obs(2021, "1e8")])
    assert failing(frame, IndicatorQuality(kind="other"), "magnitude_ok") == (0, 1)  # 3.45 each: which is wrong?
    platform = IndicatorQuality(kind="other", max_orders_off=6)
    assert failing(around_12_5("12500"), platform, "magnitude_ok") == ()
    assert failing(around_12_5(), platform, "magnitude_ok") == (3,)


# ---- bounds per unit kind ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "kind", "upper"),
    [
        ("на 1000 родившихся", "", 1000.0),  # rate per N: at most N (units.csv, by text)
        ("PER_100000_POP", "rate", 100000.0),  # ... or by the platform's code
        ("человек", "", MAX_COUNT),  # counts in base units
        ("тыс.человек", "count", MAX_COUNT / 1000),  # thousands of persons
        ("млн.тенге", "money", MAX_AMOUNT / 1e6),  # money
        ("тыс.гектар", "", MAX_AMOUNT / 1000),  # other amounts
        ("штук в неизвестной единице", "count", MAX_COUNT),  # a unit units.csv lacks: by the indicator's kind
        ("штук в неизвестной единице", "money", MAX_AMOUNT),
        ("штук в неизвестной единице", "rate", None),  # ... no bound to guess
        ("процент", "share", None),  # 0..100 is percent_value's own expectation
        ("на 1000 родившихся", "index", None),  # indices and changes are exempt from defaults
    ],
)
def test_default_upper_bound_per_unit_and_kind(unit, kind, upper):
    lower, got = value_bounds(unit, IndicatorQuality(kind=kind))
    assert pd.isna(lower)
    assert (pd.isna(got) and upper is None) or got == upper


def test_overrides_replace_the_defaults_and_apply_to_any_kind():
    low, high = value_bounds("на 1000 родившихся", IndicatorQuality(kind="rate", max_value=200))
    assert pd.isna(low) and high == 200
    index = IndicatorQuality(kind="index", min_value=50, max_value=200)
    assert value_bounds("в процентах к предыдущему году", index) == (50, 200)


def test_rate_above_its_base_and_count_beyond_any_population_are_held_per_row():
    rates = pd.DataFrame([obs(2020 + i, v, "на 1000 родившихся") for i, v in enumerate(["8.1", "7.9", "1500"])])
    assert failing(rates, IndicatorQuality(kind="rate"), "value_bounds_ok") == (2,)
    counts = pd.DataFrame([obs(2020, "2e12"), obs(2021, "3e12"), obs(2022, "2.5e12")])  # persons; same magnitude
    assert failing(counts, IndicatorQuality(kind="count"), "value_bounds_ok") == (0, 1, 2)
    assert failing(counts, IndicatorQuality(kind="count"), "magnitude_ok") == ()
    overridden = pd.DataFrame([obs(2020 + i, v, "на 1000 родившихся") for i, v in enumerate(["8.1", "250", "1"])])
    assert failing(overridden, IndicatorQuality(kind="rate", min_value=2, max_value=200), "value_bounds_ok") == (1, 2)


# ---- catalogue/quality.csv -----------------------------------------------------------------------------


def write_quality(folder: Path, *rows: str) -> Path:
    (folder / "quality.csv").write_text(
        "indicator_code,max_yoy_change,additive,kind,min_value,max_value,max_orders_off\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return folder


def test_quality_csv_reads_the_new_columns(tmp_path):
    settings = load_quality_settings(write_quality(tmp_path, '3.2.1,60,0,rate,0,"200,5",', "9.9.9,50,0,money,,,4"))
    assert settings["3.2.1"] == IndicatorQuality(60, False, "rate", 0.0, 200.5, None)
    assert settings["9.9.9"].orders_off_limit == 4 and settings["3.2.1"].orders_off_limit == DEFAULT_MAX_ORDERS_OFF


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("3.2.1,60,0,rate,abc,,", "quality.csv, line 2, column min_value: 'abc' is not a finite number"),
        ("3.2.1,60,0,rate,,inf,", "quality.csv, line 2, column max_value: 'inf' is not a finite number"),
        ("3.2.1,60,0,rate,10,5,", "quality.csv, line 2, column min_value: 10 is above max_value 5"),
        ("3.2.1,60,0,rate,,,0", "quality.csv, line 2, column max_orders_off: 0 is not above 0"),
        ("3.2.1,60,0,cash,,,", "quality.csv, line 2: kind 'cash' is not one of"),
    ],
)
def test_quality_csv_errors_name_file_line_and_column(tmp_path, row, message):
    with pytest.raises(ValueError, match=message):
        load_quality_settings(write_quality(tmp_path, row))


def test_shipped_quality_csv_reads_and_the_platform_gets_six_orders():
    settings = load_quality_settings()
    assert settings["opensdg:*"].max_orders_off == 6
    assert all(q.orders_off_limit == DEFAULT_MAX_ORDERS_OFF for k, q in settings.items() if k != "opensdg:*")


def test_combine_takes_the_strictest_of_each_setting():
    got = combine(
        [
            IndicatorQuality(60, False, "rate", None, 500, None),
            IndicatorQuality(100, False, "other", 1, 200, 6),
            IndicatorQuality(50, True, "", 0, None, 4),
        ]
    )
    assert got == IndicatorQuality(50, True, "rate", 1, 200, 4)
    assert combine([]) == IndicatorQuality()


# ---- the gate holds exactly those rows ---------------------------------------------------------------


@pytest.fixture
def platform_series(engine) -> tuple[str, int]:
    """A national-platform series no indicator setting covers: ``opensdg:*`` (kind other, 6 orders) applies."""
    settings = load_quality_settings()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.series_key, s.series_id, array_remove(array_agg(m.indicator_code), NULL) AS codes "
                "FROM sdg.series s LEFT JOIN sdg.indicator_series m USING (series_key) "
                "WHERE s.source = 'opensdg' GROUP BY 1, 2 ORDER BY 1"
            )
        ).all()
    return next((r.series_key, r.series_id) for r in rows if not set(r.codes) & set(settings))


def test_the_gate_holds_1e300_and_loads_the_values_around_12_5(engine, platform_series):
    from etl.quality.gate import check_observations
    from etl.warehouse.observations import load_observations

    key, series_id = platform_series
    frame = around_12_5(unit="PT")
    with engine.begin() as conn:
        snap = conn.execute(
            text(
                "INSERT INTO sdg.snapshot (source, series_key, sha256, url, fetched_at, http_status, size_bytes, "
                "storage_path) VALUES ('opensdg', :k, repeat('a', 64), 'http://test/', :t, 200, 1, '/dev/null') "
                "RETURNING snapshot_id"
            ),
            {"k": key, "t": FETCHED},
        ).scalar_one()
        decision = check_observations(conn, frame, series_key=key, source="opensdg", snapshot_id=snap, unit=None)
        assert decision.load and decision.held_row_ids == (3,)
        assert {o.column for o in decision.critical} == {"magnitude_ok"}
        load_observations(conn, frame.drop(index=[3]), series_id=series_id, snapshot_id=snap, valid_from=FETCHED)
    with engine.connect() as conn:
        loaded = conn.execute(
            text("SELECT value_text FROM sdg.observation WHERE series_id = :s ORDER BY period_start"), {"s": series_id}
        ).scalars()
        held = conn.execute(
            text("SELECT failing_rows FROM sdg.quarantine WHERE quarantine_id = :q"), {"q": decision.quarantine_id}
        ).scalar_one()
    assert list(loaded) == ["12.5", "13.1", "12.9"]
    assert [(r["value_text"], r["failed"]) for r in held] == [("1e300", ["magnitude_ok"])]
