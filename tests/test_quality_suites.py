"""Every expectation of the four suites fails on a crafted bad batch and passes on a good one.

Synthetic frames only (no warehouse): the observations helpers get the catalogue's region validity.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from etl.catalogue.model import load_regions
from etl.quality.observations import INDEX_COLUMNS, RegionValidity, prepare_observations
from etl.quality.runner import DATASETS, load_suite_dict, run_suite
from etl.quality.settings import IndicatorQuality
from etl.reports.forms import Appendix2Form, FormRow

REGIONS = {r.kato_code: RegionValidity(r.valid_from, r.valid_to) for r in load_regions()}
ADDITIVE = IndicatorQuality(max_yoy_change_pct=50, additive=True)


@pytest.fixture(autouse=True, scope="module")
def _data_dir(tmp_path_factory):
    """Data Docs of these runs go to a temporary folder, not the checkout's var/."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SDG_DATA_DIR", str(tmp_path_factory.mktemp("var")))
    yield
    mp.undo()


def obs(kato: str, year: int, value: str | None, unit: str = "человек", status: str = "A") -> dict:
    return {
        "kato_code": kato,
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
        "frequency": "A",
        "dims": "",
        "value": Decimal(value) if value is not None else None,
        "value_text": value or "-",
        "obs_status": status if value is not None or status != "A" else "missing",
        "unit": unit,
    }


def good_observations() -> pd.DataFrame:
    """Abai from 2022 only, South Kazakhstan until 2018; regions sum to the national total."""
    rows = []
    for year, (abai, akmola) in {2022: ("100", "200"), 2023: ("110", "210")}.items():
        rows += [obs("100000000", year, abai), obs("110000000", year, akmola)]
        rows.append(obs("000000000", year, str(int(abai) + int(akmola))))
    rows.append(obs("510000000", 2017, "50"))
    rows.append(obs("190000000", 2023, None, status="suppressed"))
    return pd.DataFrame(rows)


def _set(row: int, **values):
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        for column, value in values.items():
            frame.at[row, column] = value
        return frame

    return mutate


def _append(*rows: dict):
    return lambda frame: pd.concat([frame, pd.DataFrame(list(rows))], ignore_index=True)


OBS_CASES = [
    ("expect_table_columns_to_match_set", None, lambda f: f.drop(columns=["unit"])),
    ("expect_table_row_count_to_be_between", None, lambda f: f.iloc[0:0]),
    *[
        ("expect_column_values_to_not_be_null", c, _set(0, **{c: None}))
        for c in ("kato_code", "period_start", "period_end", "frequency", "dims", "obs_status", "value_text")
    ],
    ("expect_column_values_to_match_regex", "kato_code", _set(0, kato_code="1000")),
    ("expect_column_values_to_be_in_set", "kato_code", _set(1, kato_code="999999999")),
    ("expect_column_values_to_be_in_set", "back_calculated", _append(obs("100000000", 2020, "90"))),
    ("expect_column_values_to_be_in_set", "region_valid_for_period", _append(obs("510000000", 2019, "40"))),
    ("expect_column_values_to_be_in_set", "frequency", _set(0, frequency="Y")),
    ("expect_column_values_to_be_in_set", "obs_status", _set(0, obs_status="weird")),
    ("expect_column_values_to_be_in_set", "value_ok", _set(0, value=None)),
    ("expect_column_values_to_be_in_set", "period_ok", _set(0, period_start=date(2024, 1, 1))),
    ("expect_column_values_to_be_between", "period_year", _append(obs("110000000", 1985, "5"))),
    (
        "expect_compound_columns_to_be_unique",
        "kato_code,period_start,period_end,dims",
        _append(obs("110000000", 2023, "210")),
    ),
    ("expect_column_values_to_be_between", "percent_value", _set(0, unit="процент", value=Decimal("120"))),
    ("expect_column_values_to_be_between", "nonnegative_value", _set(0, value=Decimal("-5"))),
    ("expect_column_values_to_not_be_in_set", "obs_status", _append(obs("110000000", 2021, None, status="invalid"))),
    ("expect_column_pair_values_a_to_be_greater_than_b", "yoy_change_pct", _set(4, value=Decimal("400"))),
    ("expect_column_values_to_be_between", "regional_sum_gap_pct", _set(5, value=Decimal("350"))),
]


def _failed(outcomes, expectation: str, column: str | None):
    hits = [o for o in outcomes if o.expectation_type == expectation and o.column == column]
    assert hits, f"{expectation}({column}) is not in the suite"
    return [o for o in hits if not o.success]


def _run_observations(frame: pd.DataFrame, quality: IndicatorQuality = ADDITIVE):
    prepared, params = prepare_observations(frame, REGIONS, quality)
    return run_suite("observations", prepared, params, index_columns=INDEX_COLUMNS)


def test_good_observations_pass_every_expectation():
    outcomes = _run_observations(good_observations())
    assert [o.describe() for o in outcomes if not o.success] == []
    assert len(outcomes) == len(load_suite_dict("observations")["expectations"])


@pytest.mark.slow
@pytest.mark.parametrize(("expectation", "column", "mutate"), OBS_CASES, ids=[f"{c[0]}-{c[1]}" for c in OBS_CASES])
def test_bad_observations_fail_the_expectation(expectation, column, mutate):
    outcomes = _run_observations(mutate(good_observations()))
    failed = _failed(outcomes, expectation, column)
    assert failed, [o.describe() for o in outcomes if not o.success]
    assert failed[0].unexpected_count != 0


def test_a_new_region_before_it_existed_is_a_back_calculated_warning_for_every_series():
    frame = _append(obs("100000000", 2020, "90"))(good_observations())
    outcomes = _run_observations(frame, IndicatorQuality(max_yoy_change_pct=1000))
    assert not _failed(outcomes, "expect_column_values_to_be_in_set", "region_valid_for_period")
    (flagged,) = _failed(outcomes, "expect_column_values_to_be_in_set", "back_calculated")
    assert flagged.severity == "warning" and flagged.failing_row_ids == (len(good_observations()),)


def test_failing_sample_names_the_rows():
    outcomes = _run_observations(_append(obs("510000000", 2019, "40"))(good_observations()))
    (failed,) = _failed(outcomes, "expect_column_values_to_be_in_set", "region_valid_for_period")
    assert failed.unexpected_count == 1
    assert failed.sample[0]["kato_code"] == "510000000" and failed.sample[0]["period_start"] == "2019-01-01"
    assert failed.failing_row_ids == (len(good_observations()),)
    assert failed.severity == "critical" and "2018" in failed.why


# ---- indicator values (cells) ---------------------------------------------------------------------------


def good_cells() -> pd.DataFrame:
    from etl.quality.facts import prepare_cells

    rows = [
        ("1.2.1", "110000000", 2025, Decimal("3.5"), "final", "процент", True, True),
        ("3.2.1", "110000000", 2025, None, "suppressed", "на 1000 родившихся", True, True),
        ("3.2.1", "100000000", 2025, Decimal("7.1"), "final", "на 1000 родившихся", True, True),
    ]
    columns = ["indicator_code", "kato_code", "year", "value", "status", "unit", "expected", "region_valid_for_year"]
    return prepare_cells(pd.DataFrame(rows, columns=columns))


def _cells(**changes):
    def make() -> pd.DataFrame:
        from etl.quality.facts import prepare_cells

        frame = good_cells().drop(columns=["row_id", "value_num", "percent_value", "cell_filled"])
        for column, value in changes.items():
            frame.at[0, column] = value
        return prepare_cells(frame)

    return make


FACT_CASES = [
    ("expect_table_columns_to_match_set", None, lambda: good_cells().drop(columns=["status"])),
    ("expect_column_values_to_not_be_null", "indicator_code", _cells(indicator_code=None)),
    ("expect_column_values_to_not_be_null", "kato_code", _cells(kato_code=None)),
    ("expect_column_values_to_not_be_null", "year", _cells(year=None)),
    ("expect_compound_columns_to_be_unique", "indicator_code,kato_code,year", _cells(indicator_code="3.2.1")),
    ("expect_column_values_to_be_in_set", "status", _cells(status="guess")),
    ("expect_column_values_to_be_in_set", "region_valid_for_year", _cells(region_valid_for_year=False)),
    ("expect_column_values_to_be_between", "percent_value", _cells(value=Decimal("101"))),
    ("expect_column_values_to_be_between", "value_num", _cells(value=Decimal("-1"))),
    ("expect_column_values_to_be_in_set", "cell_filled", _cells(value=None, status=None)),
]


def test_good_cells_pass():
    outcomes = run_suite("indicator_values", good_cells())
    assert [o.describe() for o in outcomes if not o.success] == []


@pytest.mark.parametrize(("expectation", "column", "make"), FACT_CASES, ids=[f"{c[0]}-{c[1]}" for c in FACT_CASES])
def test_bad_cells_fail(expectation, column, make):
    assert _failed(run_suite("indicator_values", make()), expectation, column)


# ---- Appendix 2 form -------------------------------------------------------------------------------------


def good_form(**first_row) -> Appendix2Form:
    base = dict(number="1", name="1.2.1 Доля", responsible="Управление", source="БНС", unit="процент", year=2025)
    rows = [
        FormRow(**{**base, "fact": Decimal("3.5"), **first_row}),
        FormRow(**{**base, "number": "2", "fact_text": "x", "note": "конфиденциально"}),
        FormRow(**{**base, "number": "3", "note": "Нет данных за 2025 год"}),
    ]
    return Appendix2Form("110000000", "Акмолинская область", "Ақмола облысы", 2025, indicators=rows)


FORM_CASES = [
    ("expect_table_row_count_to_be_between", None, lambda: Appendix2Form("110000000", "a", "b", 2025)),
    ("expect_column_values_to_not_be_null", "row_no", lambda: good_form(number="")),
    ("expect_compound_columns_to_be_unique", "form,block,row_no", lambda: good_form(number="2")),
    ("expect_column_values_to_be_in_set", "row_complete", lambda: good_form(responsible="")),
    ("expect_column_values_to_be_in_set", "fact_ok", lambda: good_form(fact=None)),
    ("expect_column_values_to_be_in_set", "report_year", lambda: good_form(year=2024)),
]


def test_good_form_passes():
    from etl.reports.form_checks import check_form

    decision = check_form(good_form())
    assert decision.load and decision.critical == [] and decision.warnings == []


@pytest.mark.parametrize(("expectation", "column", "make"), FORM_CASES, ids=[f"{c[0]}-{c[1]}" for c in FORM_CASES])
def test_bad_form_fails(expectation, column, make):
    from etl.reports.form_checks import check_form

    decision = check_form(make())
    assert not decision.load
    assert any(o.expectation_type == expectation and o.column == column for o in decision.critical)


def test_form_has_the_nine_columns_of_the_order():
    from etl.reports.form_checks import form_frame, suite_parameters

    form = good_form()
    outcomes = run_suite("appendix2_form", form_frame(form).drop(columns=["Ответственные"]), suite_parameters(form))
    assert _failed(outcomes, "expect_table_columns_to_match_set", None)


def test_kazakh_form_is_checked_under_kazakh_headers():

    from etl.reports.form_checks import check_form, form_frame, suite_parameters
    from etl.reports.forms import APPENDIX2_COLUMNS_KK, APPENDIX2_COLUMNS_RU

    form = replace(good_form(), language="kk")
    frame = form_frame(form)
    assert list(frame.columns[1:10]) == list(APPENDIX2_COLUMNS_KK)
    decision = check_form(form)
    assert decision.load and decision.critical == [] and decision.warnings == []
    # a Kazakh sheet headed with the Russian columns (or missing one of its own) is not the order's form
    russian = frame.rename(columns=dict(zip(APPENDIX2_COLUMNS_KK, APPENDIX2_COLUMNS_RU, strict=True)))
    for bad in (russian, frame.drop(columns=["Жауаптылар"])):
        assert _failed(
            run_suite("appendix2_form", bad, suite_parameters(form)), "expect_table_columns_to_match_set", None
        )
    bad_year = check_form(replace(form, indicators=[replace(form.indicators[0], year=2024), *form.indicators[1:]]))
    assert any(o.column == "report_year" for o in bad_year.critical)


# ---- the suites themselves -------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_suite_json_round_trips_and_every_expectation_says_why(dataset):
    import great_expectations as gx

    data = load_suite_dict(dataset)
    suite = gx.ExpectationSuite(**data)
    again = suite.to_json_dict()
    again.pop("id", None)
    assert json.loads(json.dumps(again)) == data
    for expectation in data["expectations"]:
        assert expectation["meta"]["severity"] in ("critical", "warning")
        assert expectation["meta"]["severity"] == expectation["severity"]
        assert expectation["meta"]["why"].strip()


@pytest.mark.parametrize("kind", ["index", "change", "balance", "other"])
def test_indices_and_changes_are_exempt_from_bounds(kind):
    """A growth index of 104 % or a change of -3 % is not a bad share: declared kinds skip those checks."""
    frame = good_observations()
    frame.at[0, "value"] = Decimal("-3")
    frame.at[1, "value"] = Decimal("104")
    frame["unit"] = "процент"
    outcomes = _run_observations(frame, IndicatorQuality(max_yoy_change_pct=1000, kind=kind))
    failed = {o.column for o in outcomes if not o.success and o.severity == "critical"}
    assert not failed & {"percent_value", "nonnegative_value"}
    strict = _run_observations(frame, IndicatorQuality(max_yoy_change_pct=1000, kind="share"))
    assert {"percent_value", "nonnegative_value"} <= {o.column for o in strict if not o.success}


def test_forms_checked_together_tell_regions_apart():
    """One suite run for many forms: the same row number in two regions' forms is fine, twice in one is not."""
    from etl.reports.form_checks import check_forms

    astana, almaty = replace(good_form(), kato_code="710000000"), replace(good_form(), kato_code="750000000")
    assert check_forms([astana, almaty]).load
    twice = replace(almaty, indicators=[*almaty.indicators, almaty.indicators[0]])
    decision = check_forms([astana, twice])
    assert not decision.load
    (failed,) = decision.critical
    assert failed.column == "form,block,row_no" and "750000000" in str(failed.sample)
    empty = replace(astana, indicators=[], activities=[])
    assert [o.why for o in check_forms([empty, almaty]).critical] == ["form 710000000 2025 (ru) has no line at all"]
