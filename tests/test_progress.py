"""Progress assessment: Statistics Canada (Open SDG) categories, ESCAP indices, settings, the note text,
and the rows ``compute_progress`` stores.

Every expected number is worked out by hand (the arithmetic is in the comments); the warehouse rows are
SYNTHETIC (test indicators T.1.1 and T.1.2 and their facts), inserted in the real tables' formats.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from sqlalchemy import text

from etl.indicators.progress import (
    Baseline,
    assessed_points,
    category_label,
    escap,
    limit_coefficient,
    project_cagr,
    project_weighted,
    statcan,
    weighted_slope,
)
from etl.indicators.progress_note import progress_note
from etl.indicators.progress_settings import ProgressSettings, ProgressSettingsError, load_progress_settings
from etl.indicators.progress_store import compute_progress, load_progress, progress_notes

S = ProgressSettings()
approx = pytest.approx


# --- the worked check of ../shared/notes/progress-methods.md -----------------------------------------------


def test_worked_check_on_track_with_target():
    # 12.04 (2015) -> 10.11 (2018), target 8.0 in 2030, decrease desirable.
    # CAGR_a = (10.11/12.04)^(1/3) - 1 = 0.839701^(1/3) - 1 = -0.056574
    # CAGR_r = (8/12.04)^(1/15) - 1 = 0.664452^(1/15) - 1 = -0.026885
    # R = (-1)(-0.056574)/0.026885 = 2.1043 >= 0.95: on track
    result = statcan([(2015, 12.04), (2018, 10.11)], -1, 8.0, 2030, S)
    assert result.method == "target"
    assert result.cagr_actual == approx(-0.056574, abs=1e-6)
    assert result.cagr_required == approx(-0.026885, abs=1e-6)
    assert result.ratio == approx(2.1043, abs=1e-4)
    assert result.category == "on_track"


def test_worked_check_escap_with_cagr_projection():
    # CS = (10.11 - 12.04)/(8 - 12.04) = 1.93/4.04 = 0.477723
    # x̂_2030 = 10.11·(1 + CAGR_a)^12 = 12.04·0.839701^5 = 12.04·0.417467 = 5.02631
    # API = (5.02631 - 12.04)/(8 - 12.04) = 1.73606 (on track); gap = |8 - 5.02631|/4.04 = 0.73606
    result = escap([(2015, 12.04), (2018, 10.11)], 8.0, 2030, S)
    assert result.current_status == approx(0.477723, abs=1e-6)
    assert result.projection == "cagr"
    assert result.projected_value == approx(5.02631, abs=1e-5)
    assert result.api == approx(1.73606, abs=1e-5)
    assert result.gap == approx(0.73606, abs=1e-5)
    assert result.category == "on_track"


def test_worked_check_deterioration_and_runaway_cagr_projection():
    # 1.2.1: 2.7 % (2015) -> 4.3 % (2018), halving target 1.35 in 2030, decrease desirable.
    # CAGR_a = (4.3/2.7)^(1/3) - 1 = 0.167799; CAGR_r = 0.5^(1/15) - 1 = -0.045158; R = -0.167799/0.045158 = -3.7158
    result = statcan([(2015, 2.7), (2018, 4.3)], -1, 1.35, 2030, S, percent=True)
    assert result.ratio == approx(-3.7158, abs=1e-4)
    assert result.category == "deterioration"
    # plain CAGR carries it to 2.7·(4.3/2.7)^5 = 2.7·10.24527 = 27.662 % by 2030
    assert project_cagr([(2015, 2.7), (2018, 4.3)], 2030) == approx(27.662, abs=1e-3)


# --- Statistics Canada bands with a target -------------------------------------------------------------------

# base 100 (2015), target 200 (2030), increase desirable: CAGR_r = 2^(1/15) - 1 = 0.047294
# latest in 2020: CAGR_a = (x/100)^(1/5) - 1


@pytest.mark.parametrize(
    ("latest", "ratio", "category"),
    [
        (130.0, 0.053874 / 0.047294, "on_track"),  # 1.3^0.2 - 1 = 0.053874, R = 1.1391
        (120.0, 0.037137 / 0.047294, "acceleration_needed"),  # 1.2^0.2 - 1 = 0.037137, R = 0.7852
        (105.0, 0.009806 / 0.047294, "limited_progress"),  # 1.05^0.2 - 1 = 0.009806, R = 0.2073
        (95.0, -0.010206 / 0.047294, "deterioration"),  # 0.95^0.2 - 1 = -0.010206, R = -0.2158
    ],
)
def test_ratio_bands(latest, ratio, category):
    result = statcan([(2015, 100.0), (2020, latest)], 1, 200.0, 2030, S)
    assert result.ratio == approx(ratio, abs=1e-4)
    assert result.category == category


def test_target_achieved_beats_the_ratio():
    result = statcan([(2015, 100.0), (2020, 210.0)], 1, 200.0, 2030, S)
    assert (result.category, result.ratio) == ("target_achieved", None)
    # a decrease desirable: at or below the target
    assert statcan([(2015, 12.0), (2019, 8.0)], -1, 8.0, 2030, S).category == "target_achieved"


def test_ratio_cut_offs_are_settings():
    # R = 0.7852 is "acceleration needed" at 0.95, "on track" when on track starts at 0.75
    relaxed = ProgressSettings(ratio_on_track=0.75)
    assert statcan([(2015, 100.0), (2020, 120.0)], 1, 200.0, 2030, relaxed).category == "on_track"


# --- without a target --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "direction", "category"),
    [
        (100 * 1.02**4, 1, "on_track"),  # g = 2 % >= 1.5 %
        (100 * 1.01**4, 1, "acceleration_needed"),  # 0.5 % <= 1 % < 1.5 %
        (100 * 1.002**4, 1, "limited_progress"),  # 0 <= 0.2 % < 0.5 %
        (100 * 1.02**4, -1, "deterioration"),  # decrease desirable: g = -2 %
        (100 * 0.98**4, -1, "on_track"),  # decrease desirable: g = -(-2 %) = 2 %
    ],
)
def test_growth_bands_without_target(latest, direction, category):
    result = statcan([(2015, 100.0), (2019, latest)], direction, None, 2030, S)
    assert result.method == "no_target"
    assert abs(result.growth) == approx(abs((latest / 100) ** 0.25 - 1), abs=1e-9)
    assert result.category == category


def test_percent_near_100_scales_the_positive_cut_offs():
    # C = 1 - 0.9^4.44 = 1 - e^(4.44·ln 0.9) = 1 - e^(-0.467801) = 1 - 0.626379 = 0.373621
    assert limit_coefficient(90.0, 100.0, 4.44) == approx(0.373621, abs=1e-6)
    # 90 % -> 93 % in 4 years: g = (93/90)^(1/4) - 1 = 0.0082311; on track from 1.5 %·C = 0.56043 %
    points = [(2015, 90.0), (2019, 93.0)]
    scaled = statcan(points, 1, None, 2030, S, percent=True)
    assert scaled.growth == approx(0.0082311, abs=1e-7)
    assert scaled.limit_coefficient == approx(0.373621, abs=1e-6)
    assert scaled.category == "on_track"
    assert statcan(points, 1, None, 2030, S, percent=False).category == "acceleration_needed"
    assert statcan(points, 1, None, 2030, ProgressSettings(percent_limit_scaling=False), True).category == (
        "acceleration_needed"
    )
    # a base on the limit: C = 0, holding it is on track
    assert statcan([(2015, 100.0), (2019, 100.0)], 1, None, 2030, S, percent=True).category == "on_track"


# --- edge cases ---------------------------------------------------------------------------------------------------


def test_fewer_than_two_points_gives_no_category():
    result = statcan([(2018, 4.3)], -1, 1.35, 2030, S)
    assert (result.category, result.reason, result.ratio) == (None, "fewer_points", None)
    assert escap([(2018, 4.3)], 1.35, 2030, S).reason == "fewer_points"
    assert statcan([], 1, None, 2030, S).reason == "fewer_points"


def test_zero_base_is_replaced_by_0_001():
    # (0.032 / 0.001)^(1/5) - 1 = 32^(0.2) - 1 = 2 - 1 = 1.0: +100 % a year
    result = statcan([(2015, 0.0), (2020, 0.032)], 1, None, 2030, S)
    assert result.growth == approx(1.0, abs=1e-12)
    assert result.category == "on_track"


def test_zero_target_is_replaced_by_0_001():
    # base 1 (2015), target 0 -> 0.001 in 2018: CAGR_r = 0.001^(1/3) - 1 = -0.9; latest 0.5 (2016): CAGR_a = -0.5
    # R = (-1)(-0.5)/0.9 = 0.5556: limited progress
    result = statcan([(2015, 1.0), (2016, 0.5)], -1, 0.0, 2018, S)
    assert result.cagr_required == approx(-0.9, abs=1e-12)
    assert result.ratio == approx(0.5 / 0.9, abs=1e-12)
    assert result.category == "limited_progress"


def test_negative_values_flip_the_direction_and_mixed_signs_are_refused():
    # -10 -> -5 with an increase desirable: CAGR_a = 0.5 - 1 = -0.5, s = -1, g = (-1)(1)(-0.5) = 0.5: on track
    result = statcan([(2015, -10.0), (2016, -5.0)], 1, None, 2030, S)
    assert (result.growth, result.category) == (approx(0.5), "on_track")
    mixed = statcan([(2015, -1.0), (2016, 2.0)], 1, None, 2030, S)
    assert (mixed.category, mixed.reason) == (None, "mixed_signs")


def test_direction_not_set_gives_no_statcan_category_but_escap_indices():
    points = [(2015, 12.04), (2018, 10.11)]
    result = statcan(points, None, 8.0, 2030, S)
    assert (result.category, result.reason, result.ratio) == (None, "direction_not_set", None)
    # ESCAP measures the distance covered towards the target: no direction needed
    assert escap(points, 8.0, 2030, S).current_status == approx(0.477723, abs=1e-6)
    assert escap(points, None, 2030, S).reason == "no_target"
    assert escap([(2015, 8.0), (2018, 9.0)], 8.0, 2030, S).reason == "target_equals_base"


def test_target_equal_to_base_and_missed_is_deterioration():
    result = statcan([(2015, 8.0), (2018, 9.0)], -1, 8.0, 2030, S)
    assert (result.category, result.ratio) == ("deterioration", None)


# --- ESCAP projections and categories ------------------------------------------------------------------------------


def test_weighted_slope_by_hand():
    # x 0,1,2; y 0,1,3; weights 1,2,3: mean x = 8/6, mean y = 11/6, Sxy = 16/3, Sxx = 10/3, slope = 1.6
    assert weighted_slope([(0, 0.0), (1, 1.0), (2, 3.0)]) == approx(1.6, abs=1e-12)


def test_weighted_log_projection():
    # ln x = 0, 1, 3 in 2015..2017: slope 1.6, so ln x̂_2020 = 3 + 1.6·3 = 7.8
    points = [(2015, 1.0), (2016, math.e), (2017, math.e**3)]
    assert project_weighted(points, 2020, bounded=False) == approx(math.exp(7.8), rel=1e-9)
    # two points: the same as carrying the CAGR on (120·1.2^2 = 172.8)
    assert project_weighted([(2015, 100.0), (2020, 120.0)], 2030, bounded=False) == approx(172.8, rel=1e-9)
    assert project_cagr([(2015, 100.0), (2020, 120.0)], 2030) == approx(172.8, rel=1e-9)


def test_weighted_logit_projection_for_percentages():
    # 50 % (logit 0) in 2015, 100/(1+e^-1) = 73.106 % (logit 1) in 2016: slope 1, logit 3 in 2018 -> 95.257 %
    points = [(2015, 50.0), (2016, 100 / (1 + math.exp(-1)))]
    result = escap(points, 90.0, 2018, S, percent=True)
    assert result.projection == "weighted_logit"
    assert result.projected_value == approx(100 / (1 + math.exp(-3)), rel=1e-9)  # 95.2574
    # API = (95.2574 - 50)/(90 - 50) = 1.13144
    assert result.api == approx((100 / (1 + math.exp(-3)) - 50) / 40, rel=1e-9)
    assert result.category == "on_track"
    assert escap(points, 90.0, 2018, ProgressSettings(escap_projection="cagr"), percent=True).projection == "cagr"


def test_escap_categories_and_the_on_track_cut_off():
    # base 100, target 200 in 2030; 100 -> 120 in 2020: x̂ = 172.8, API = 72.8/100 = 0.728
    points = [(2015, 100.0), (2020, 120.0)]
    assert escap(points, 200.0, 2030, S).api == approx(0.728, rel=1e-9)
    assert escap(points, 200.0, 2030, S).category == "acceleration_needed"
    assert escap(points, 160.0, 2030, S).category == "on_track"  # API = 72.8/60 = 1.2133
    # API = 72.8/80 = 0.91: on track only where the cut-off is 0.9
    assert escap(points, 180.0, 2030, S).category == "acceleration_needed"
    assert escap(points, 180.0, 2030, ProgressSettings(escap_on_track_api=0.9)).category == "on_track"
    assert escap([(2015, 100.0), (2020, 90.0)], 200.0, 2030, S).category == "regressing"  # API < 0


# --- which points count ---------------------------------------------------------------------------------------------


def test_base_year_2015_or_the_first_later_year_and_the_listed_baseline():
    facts = {2012: 5.0, 2016: 6.0, 2018: 7.0, 2020: 8.0}
    assert assessed_points(facts, 2018, Baseline(), S) == ([(2016, 6.0), (2018, 7.0)], "fact")
    assert assessed_points(facts, 2018, Baseline(year=2012), S) == ([(2012, 5.0), (2016, 6.0), (2018, 7.0)], "fact")
    assert assessed_points(facts, 2018, Baseline(2015, 5.5), S) == (
        [(2015, 5.5), (2016, 6.0), (2018, 7.0)],
        "appendix1",
    )


# --- settings file --------------------------------------------------------------------------------------------------


def test_settings_defaults_and_overrides(tmp_path):
    assert load_progress_settings(tmp_path) == ProgressSettings()  # no file: defaults
    (tmp_path / "progress.csv").write_text(
        "setting,value,comment\nescap_on_track_api,0.9,one implementation\nescap_projection,cagr,\n", encoding="utf-8"
    )
    settings = load_progress_settings(tmp_path)
    assert (settings.escap_on_track_api, settings.escap_projection, settings.ratio_on_track) == (0.9, "cagr", 0.95)


def test_shipped_settings_are_the_documented_defaults():
    assert load_progress_settings() == ProgressSettings()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("ratio_on_track,abc,\n", "progress.csv, line 2, column 'value': ratio_on_track must be a number, got 'abc'"),
        ("bogus,1,\n", "progress.csv, line 2, column 'setting': unknown setting 'bogus'"),
        ("min_points,2,\nmin_points,3,\n", "progress.csv, line 3, column 'setting': 'min_points' given twice"),
        ("ratio_acceleration,0.99,\n", "ratio_limited <= ratio_acceleration <= ratio_on_track"),
        ("escap_projection,linear,\n", "escap_projection must be one of"),
    ],
)
def test_settings_errors_name_line_and_column(tmp_path, rows, message):
    (tmp_path / "progress.csv").write_text("setting,value,comment\n" + rows, encoding="utf-8")
    with pytest.raises(ProgressSettingsError) as caught:
        load_progress_settings(tmp_path)
    assert message in str(caught.value)


# --- the explanation text -------------------------------------------------------------------------------------------


def _row(category=None, reason="", unit_ru="процент", unit_kk="пайыз", decimals=1):
    inputs = {"unit_ru": unit_ru, "unit_kk": unit_kk, "percent": unit_ru == "процент", "decimals": decimals}
    return {"category": category, "reason": reason, "inputs": inputs}


def test_note_in_percentage_points_ru_and_kk():
    row = _row("acceleration_needed")
    assert progress_note(row, Decimal("3.3"), Decimal("4.5"), "ru") == "ниже плана на 1,2 п.п.; темп недостаточен"
    assert progress_note(row, Decimal("3.3"), Decimal("4.5"), "kk") == "жоспардан 1,2 п.т. төмен; қарқын жеткіліксіз"
    assert progress_note(row, 5.0, 4.5, "ru") == "выше плана на 0,5 п.п.; темп недостаточен"


def test_note_in_the_indicators_unit_and_other_cases():
    row = _row("deterioration", unit_ru="на 1000 родившихся", unit_kk="1000 туылғанға", decimals=2)
    assert (
        progress_note(row, Decimal("8.25"), Decimal("7.5"), "ru") == "выше плана на 0,75 на 1000 родившихся; ухудшение"
    )
    assert (
        progress_note(row, Decimal("8.25"), Decimal("7.5"), "kk") == "жоспардан 0,75 (1000 туылғанға) жоғары; нашарлау"
    )
    assert progress_note(row, Decimal("7.5"), Decimal("7.5"), "ru") == "на уровне плана; ухудшение"
    assert progress_note(row, Decimal("7.5"), None, "kk") == "нашарлау"
    assert progress_note(None, Decimal("7.5"), Decimal("7"), "ru", unit="процент") == "выше плана на 0,5 п.п."
    no_direction = _row(reason="direction_not_set")
    assert progress_note(no_direction, None, None, "ru") == "динамика не оценена: не задано желательное направление"
    assert progress_note(no_direction, None, None, "kk", with_reason=False) == ""
    assert category_label("target_achieved", "kk") == "нысаналы мәнге қол жеткізілді"


# --- the warehouse --------------------------------------------------------------------------------------------------

ASTANA, ALMATY, REPUBLIC = "710000000", "750000000", "000000000"

_INDICATOR = """
INSERT INTO sdg.indicator (code, goal, target, name_ru, name_kk, name_en, unit_ru, unit_kk, direction, decimals,
                           responsible_ru, source_ru, responsible_kk, source_kk)
VALUES (:code, 1, '1.2', 'Тест', 'Тест', 'Test', :unit_ru, :unit_kk, :direction, 1, 'У', 'И', 'У', 'И')
"""


def _fact(conn, code, kato, year, value):
    conn.execute(
        text(
            "INSERT INTO sdg.indicator_value (indicator_code, kato_code, year, value, status) "
            "VALUES (:c, :k, :y, :v, 'final') ON CONFLICT (indicator_code, kato_code, year) DO UPDATE SET value = :v"
        ),
        {"c": code, "k": kato, "y": year, "v": value},
    )


def _list_line(conn, code, kato, **values):
    conn.execute(
        text(
            "INSERT INTO sdg.appendix1_item (kato_code, row_no, indicator_code, classification, baseline_year, "
            "baseline_value, target_year, target_value) VALUES (:k, :row, :c, 1, :by, :bv, :ty, :tv)"
        ),
        {"k": kato, "row": f"T-{code}", "c": code, "by": None, "bv": None, "ty": None, "tv": None, **values},
    )


@pytest.fixture
def warehouse(engine):
    """SYNTHETIC: a percent indicator (decrease desirable) in Astana with its own target and a 2018 plan;
    a count (increase desirable) in Almaty without a list line and in the Republic with a listed baseline."""
    with engine.begin() as conn:
        conn.execute(text(_INDICATOR), {"code": "T.1.1", "unit_ru": "процент", "unit_kk": "пайыз", "direction": -1})
        conn.execute(text(_INDICATOR), {"code": "T.1.2", "unit_ru": "человек", "unit_kk": "адам", "direction": 1})
        for year, value in ((2015, 2.7), (2016, 3.5), (2018, 4.3)):
            _fact(conn, "T.1.1", ASTANA, year, value)
        _list_line(conn, "T.1.1", ASTANA, ty=2030, tv=1.35)
        conn.execute(text("INSERT INTO sdg.plan_value VALUES (:k, 'T.1.1', 2018, 3.1)"), {"k": ASTANA})
        _fact(conn, "T.1.2", ALMATY, 2016, 10.0)
        _fact(conn, "T.1.2", ALMATY, 2020, 10.8243216)  # 10·1.02^4
        _fact(conn, "T.1.2", REPUBLIC, 2019, 9.72405)  # 8·1.05^4 = 9.72405
        _list_line(conn, "T.1.2", REPUBLIC, by=2015, bv=8)
    return engine


def _rows(engine, year=None):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT * FROM sdg.indicator_progress WHERE CAST(:y AS integer) IS NULL OR year = :y "
                "ORDER BY indicator_code, kato_code, year"
            ),
            {"y": year},
        ).mappings()
        return {(r["indicator_code"], r["kato_code"], r["year"]): dict(r) for r in rows}


def test_compute_progress_rows_with_their_inputs(warehouse):
    with warehouse.begin() as conn:
        written = compute_progress(conn)
    rows = _rows(warehouse)
    # Astana 2015..2020 (the latest fact year anywhere), Almaty 2016..2020, Republic 2019..2020
    assert written == len(rows) == 6 + 5 + 2
    r = rows[("T.1.1", ASTANA, 2018)]
    assert (r["method"], r["direction"], r["base_year"], r["latest_year"], r["points"]) == ("target", -1, 2015, 2018, 3)
    assert (r["base_value"], r["latest_value"], r["target_value"], r["plan_value"]) == (
        Decimal("2.7"),
        Decimal("4.3"),
        Decimal("1.35"),
        Decimal("3.1"),
    )
    assert (r["target_source"], r["base_source"], r["target_year"]) == ("region", "fact", 2030)
    assert r["ratio"] == approx(-3.7158, abs=1e-4)  # as in the worked check
    assert (r["category"], r["reason"]) == ("deterioration", "")
    # CS = (4.3 - 2.7)/(1.35 - 2.7) = -1.18519; a rising trend projects above the base: regressing
    assert r["escap_current_status"] == approx(-1.185185, abs=1e-6)
    assert (r["escap_projection"], r["escap_category"]) == ("weighted_logit", "regressing")
    assert 4.3 < r["escap_projected_value"] < 100
    assert r["inputs"]["points"] == [[2015, 2.7], [2016, 3.5], [2018, 4.3]]
    assert r["inputs"]["plan"] == {"value": 3.1, "derived": False}
    assert r["inputs"]["settings"]["ratio_on_track"] == 0.95
    # 2017 and 2020 carry the latest fact: 2017 -> 2016 (3.5/2.7 - 1 = 0.296296, R = -0.2962963/0.0451584 = -6.5613)
    assert (rows[("T.1.1", ASTANA, 2017)]["latest_year"], rows[("T.1.1", ASTANA, 2020)]["latest_year"]) == (2016, 2018)
    assert rows[("T.1.1", ASTANA, 2017)]["ratio"] == approx(-6.5613, abs=1e-4)
    first = rows[("T.1.1", ASTANA, 2015)]
    assert (first["points"], first["category"], first["reason"]) == (1, None, "fewer_points")
    # Almaty: no list line -> base 2016 (first year with data from 2015), no target, g = 10.8243216/10 ^(1/4) - 1 = 2 %
    almaty = rows[("T.1.2", ALMATY, 2020)]
    assert (almaty["method"], almaty["target_source"], almaty["target_year"], almaty["base_year"]) == (
        "no_target",
        "default",
        2030,
        2016,
    )
    assert almaty["growth"] == approx(0.02, abs=1e-9)
    assert (almaty["category"], almaty["escap_reason"]) == ("on_track", "no_target")
    # Republic: the listed baseline 8 (2015) is the base point: (9.72405/8)^(1/4) - 1 = 5 %
    republic = rows[("T.1.2", REPUBLIC, 2019)]
    assert (republic["base_source"], republic["base_year"], republic["base_value"]) == ("appendix1", 2015, Decimal(8))
    assert republic["growth"] == approx(0.05, abs=1e-6)


def test_compute_progress_is_idempotent_and_follows_changed_inputs(warehouse):
    with warehouse.begin() as conn:
        compute_progress(conn)
    before = _rows(warehouse)
    with warehouse.begin() as conn:
        assert compute_progress(conn) == len(before)
    assert _rows(warehouse) == before  # same rows, same computed_at
    with warehouse.begin() as conn:
        _fact(conn, "T.1.1", ASTANA, 2018, 4.0)
        conn.execute(text("DELETE FROM sdg.indicator_value WHERE kato_code = :k"), {"k": ALMATY})
        compute_progress(conn)
    after = _rows(warehouse)
    assert not any(key[1] == ALMATY for key in after)  # its facts are gone, so are its rows
    for year in (2015, 2016, 2017):
        assert after[("T.1.1", ASTANA, year)]["computed_at"] == before[("T.1.1", ASTANA, year)]["computed_at"]
    changed = after[("T.1.1", ASTANA, 2018)]
    assert changed["latest_value"] == Decimal("4.0")
    assert changed["computed_at"] > before[("T.1.1", ASTANA, 2018)]["computed_at"]


def test_compute_progress_for_one_year(warehouse):
    with warehouse.begin() as conn:
        assert compute_progress(conn, 2018) == 2  # Astana and Almaty; the Republic's only fact is 2019
    assert set(_rows(warehouse)) == {("T.1.1", ASTANA, 2018), ("T.1.2", ALMATY, 2018)}
    assert _rows(warehouse)[("T.1.2", ALMATY, 2018)]["points"] == 1


def test_direction_not_set_in_the_warehouse(warehouse):
    with warehouse.begin() as conn:
        # the catalogue engineer's migration makes direction nullable; harmless when it already is
        conn.execute(text("ALTER TABLE sdg.indicator ALTER COLUMN direction DROP NOT NULL"))
        conn.execute(text("UPDATE sdg.indicator SET direction = NULL WHERE code = 'T.1.1'"))
        compute_progress(conn, 2018)
    row = _rows(warehouse, 2018)[("T.1.1", ASTANA, 2018)]
    assert (row["direction"], row["category"], row["reason"], row["ratio"]) == (None, None, "direction_not_set", None)
    assert (row["escap_category"], row["escap_current_status"]) == ("regressing", approx(-1.185185, abs=1e-6))
    with warehouse.connect() as conn:
        notes = progress_notes(conn, ASTANA, 2018, "ru")
    assert notes["T.1.1"] == "выше плана на 1,2 п.п.; динамика не оценена: не задано желательное направление"


def test_notes_from_stored_rows(warehouse):
    with warehouse.begin() as conn:
        compute_progress(conn)
    with warehouse.connect() as conn:
        stored = load_progress(conn, ASTANA, 2018)
        assert stored["T.1.1"]["fact"] == Decimal("4.3")
        # 4.3 - 3.1 = 1.2 percentage points above the plan; R < 0
        assert progress_notes(conn, ASTANA, 2018, "ru") == {"T.1.1": "выше плана на 1,2 п.п.; ухудшение"}
        assert progress_notes(conn, ASTANA, 2018, "kk") == {"T.1.1": "жоспардан 1,2 п.т. жоғары; нашарлау"}
        # 2019: no fact that year, no plan: the category of the carried 2018 value only
        assert progress_notes(conn, ASTANA, 2019, "ru") == {"T.1.1": "ухудшение"}
