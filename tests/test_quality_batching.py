"""Many series validated in one Great Expectations run give each series exactly its own outcomes.

The ingest validates a chunk of series together (``run_suite_parts``) because a GX run costs the same
whatever its rows. These tests hold that shortcut to the one-by-one truth: every crafted defect of
``test_quality_suites`` (synthetic frames), validated among the others, fails for the same rows, with the
same counts and samples, as when validated alone, and the good frames stay clean.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from etl.quality.observations import INDEX_COLUMNS, prepare_observations, prepare_parts
from etl.quality.runner import run_suite, run_suite_frame, run_suite_parts
from tests.test_quality_suites import ADDITIVE, OBS_CASES, REGIONS, good_observations

#: cases about the whole table (columns, row count) are grouped apart by the gate; the rest are row defects
ROW_CASES = [case for case in OBS_CASES if not case[0].startswith("expect_table_")]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SDG_DATA_DIR", str(tmp_path))


def _key(outcome) -> tuple:
    return (
        outcome.expectation_type,
        outcome.column,
        outcome.success,
        outcome.unexpected_count,
        outcome.failing_row_ids,
        tuple(map(repr, outcome.sample)),
    )


@pytest.mark.slow
def test_each_part_gets_the_outcomes_it_gets_alone():
    frames = [good_observations()] + [mutate(good_observations()) for _, _, mutate in ROW_CASES]
    frames.append(good_observations())
    prepared = [prepare_observations(frame, REGIONS, ADDITIVE) for frame in frames]
    params = prepared[0][1]
    assert all(p == params for _, p in prepared)  # one group: one GX run for all of them

    together = run_suite_parts("observations", [p for p, _ in prepared], params, index_columns=INDEX_COLUMNS)
    alone = [run_suite("observations", p, params, index_columns=INDEX_COLUMNS) for p, _ in prepared]

    assert len(together) == len(frames)
    for i, (mine, truth) in enumerate(zip(together, alone, strict=True)):
        assert [_key(o) for o in mine] == [_key(o) for o in truth], f"part {i} differs from its own run"
    failed = [[(o.expectation_type, o.column) for o in part if not o.success] for part in together]
    assert failed[0] == [] and failed[-1] == []
    for (expectation, column, _), part in zip(ROW_CASES, failed[1:-1], strict=True):
        assert (expectation, column) in part, f"{expectation}({column}) lost in the batch"


def test_a_failing_row_is_reported_with_its_own_position_in_its_own_part():
    bad = good_observations()
    bad.at[2, "kato_code"] = "999999999"
    parts = [prepare_observations(f, REGIONS, ADDITIVE)[0] for f in (good_observations(), bad, good_observations())]
    params = prepare_observations(bad, REGIONS, ADDITIVE)[1]

    outcomes = run_suite_parts("observations", parts, params, index_columns=INDEX_COLUMNS)

    def known_regions(part):
        (hit,) = [o for o in part if o.column == "kato_code" and o.expectation_type.endswith("be_in_set")]
        return hit

    assert known_regions(outcomes[0]).success and known_regions(outcomes[2]).success
    failing = known_regions(outcomes[1])
    assert not failing.success and failing.failing_row_ids == (2,) and failing.unexpected_count == 1
    assert failing.sample[0]["kato_code"] == "999999999" and failing.sample[0]["row_id"] == 2
    assert failing.element_count == len(bad)


def test_no_parts_no_run():
    assert run_suite_parts("observations", [], {}) == []


def test_an_empty_frame_alone_fails_the_row_count_warning():
    empty = pd.DataFrame(columns=good_observations().columns)
    prepared, params = prepare_observations(empty, REGIONS, ADDITIVE)
    (outcomes,) = run_suite_parts("observations", [prepared], params, index_columns=INDEX_COLUMNS)
    (count,) = [o for o in outcomes if o.expectation_type == "expect_table_row_count_to_be_between"]
    assert not count.success


@pytest.mark.slow
def test_helpers_computed_for_many_series_at_once_equal_each_series_alone():
    """``prepare_parts`` (the ingest's path) judges each series by its own settings and its own rows only."""
    frames = [good_observations()] + [mutate(good_observations()) for _, _, mutate in ROW_CASES]
    frames.append(good_observations())
    kinds = [ADDITIVE, replace(ADDITIVE, additive=False, kind="index"), replace(ADDITIVE, max_orders_off=1)]
    qualities = [kinds[i % len(kinds)] for i in range(len(frames))]
    units = [None if i % 2 else "процент" for i in range(len(frames))]

    together, params = prepare_parts(frames, REGIONS, qualities, units)
    outcomes = run_suite_frame("observations", together, len(frames), params, index_columns=INDEX_COLUMNS)

    for i, frame in enumerate(frames):
        alone, own_params = prepare_observations(frame, REGIONS, qualities[i], units[i])
        assert own_params == params
        mine = together[together["batch_part"] == i].drop(columns="batch_part").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.drop(columns="batch_part"), check_dtype=False)
        truth = run_suite("observations", alone, params, index_columns=INDEX_COLUMNS)
        assert [_key(o) for o in outcomes[i]] == [_key(o) for o in truth], f"part {i} differs from its own run"
