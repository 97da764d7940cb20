"""Region splits as knowledge: the parent's series break detected and stored, explained in the form, and not
mistaken for a suspicious jump by the year-on-year check (issue 9, point 2).

Every number here is SYNTHETIC (made up to sit on either side of the tolerances), in the real shapes: parsed
observation frames as the sources' parsers produce them, facts in ``sdg.indicator_value``, forms as issued.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError
from etl.catalogue.model import load_regions
from etl.catalogue.region_changes import load_region_changes
from etl.indicators.series_breaks import BREAK_TOLERANCE_PCT, detect_series_breaks
from etl.quality.observations import INDEX_COLUMNS, RegionValidity, prepare_observations
from etl.quality.runner import run_suite
from etl.quality.settings import IndicatorQuality

EAST, ABAI, ALMATY_REG, ZHETYSU, KARAGANDA = "630000000", "100000000", "190000000", "330000000", "350000000"
SOUTH, TURKESTAN, SHYMKENT = "510000000", "610000000", "790000000"
REGIONS = {r.kato_code: RegionValidity(r.valid_from, r.valid_to) for r in load_regions()}


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """Data Docs and issued forms go to a temporary folder, not the checkout's var/."""
    monkeypatch.setenv("SDG_DATA_DIR", str(tmp_path / "var"))


# ---- the catalogue's knowledge ----------------------------------------------------------------------------


def test_the_catalogue_knows_both_splits():
    splits = {(s.year, s.parent_kato): s for s in load_region_changes()}
    assert sorted(splits) == [(2018, SOUTH), (2022, ALMATY_REG), (2022, KARAGANDA), (2022, EAST)]
    south = splits[(2018, SOUTH)]  # renamed: Turkestan region carries the series on, Shymkent carved out
    assert (south.successor_kato, south.new_katos, south.split_date) == (TURKESTAN, (SHYMKENT,), date(2018, 6, 19))
    assert splits[(2022, EAST)].successor_kato == EAST and splits[(2022, EAST)].new_katos == (ABAI,)
    assert splits[(2022, ALMATY_REG)].new_katos == (ZHETYSU,)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2022-06-08,630000000,630000000,790000000,", "790000000 is valid from 2018-06-19, not 2022-06-08"),
        ("2022-06-08,630000000,630000000,330000000,", "regions.csv says 330000000 split from 190000000"),
        ("2022-06-08,630000000,610000000,100000000,", "630000000 must end on 2022-06-07"),
        ("2022-06-08,640000000,640000000,100000000,", "unknown KATO code '640000000'"),
        ("08.06.2022,630000000,630000000,100000000,", "expected an ISO date, got '08.06.2022'"),
    ],
)
def test_a_wrong_split_is_named_with_file_line_and_column(tmp_path, line, message):
    shutil.copy(config.catalogue_dir() / "regions.csv", tmp_path / "regions.csv")
    (tmp_path / "region_changes.csv").write_text(
        f"split_date,parent_kato,successor_kato,new_kato,note\n{line}\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="region_changes.csv, line 2, column") as caught:
        load_region_changes(tmp_path)
    assert message in str(caught.value)


# ---- the year-on-year check --------------------------------------------------------------------------------


def obs(kato: str, year: int, value: str) -> dict:
    """A parsed annual observation, as every source's parser returns it."""
    return {
        "kato_code": kato,
        "period_start": date(year, 1, 1),
        "period_end": date(year, 12, 31),
        "frequency": "A",
        "dims": "",
        "value": Decimal(value),
        "value_text": value,
        "obs_status": "A",
        "unit": "человек",
    }


#: a count series across the 2022 split: East Kazakhstan loses Abai (-43 %), Abai's first year against its
#: back-calculated 2021 (+47 %), then a genuine jump of East Kazakhstan in 2023 (+72 %); limit 40 %
SPLIT_SERIES = [
    obs(EAST, 2020, "1010"), obs(EAST, 2021, "1020"), obs(EAST, 2022, "580"), obs(EAST, 2023, "1000"),
    obs(ABAI, 2021, "300"), obs(ABAI, 2022, "440"), obs(ABAI, 2023, "450"),
    obs(SOUTH, 2017, "2900"), obs(TURKESTAN, 2017, "2000"), obs(TURKESTAN, 2018, "2030"), obs(SHYMKENT, 2018, "990"),
]  # fmt: skip


def _yoy_flagged(frame: pd.DataFrame) -> list[tuple[str, int]]:
    """(region, year) of the rows the observations suite's year-on-year expectation fails, through GX."""
    prepared, params = prepare_observations(frame, REGIONS, IndicatorQuality(max_yoy_change_pct=40, kind="count"))
    outcomes = run_suite("observations", prepared, params, index_columns=INDEX_COLUMNS)
    (yoy,) = [o for o in outcomes if o.column == "yoy_change_pct"]
    assert yoy.severity == "warning"
    return sorted((frame.at[i, "kato_code"], frame.at[i, "period_start"].year) for i in yoy.failing_row_ids)


def test_year_on_year_check_does_not_cry_wolf_at_a_split(monkeypatch):
    frame = pd.DataFrame(SPLIT_SERIES)
    genuine = (EAST, 2023)
    assert _yoy_flagged(frame) == [genuine]  # the split year of the parent and of Abai is a known break

    # the same check without the knowledge of splits (as it was before): the split itself is "a jump"
    monkeypatch.setattr("etl.quality.observations.region_changes", lambda: ())
    assert _yoy_flagged(frame) == [(ABAI, 2022), (EAST, 2022), genuine]


def test_a_jump_in_a_split_region_outside_the_split_year_still_fires():
    frame = pd.DataFrame(
        [obs(ABAI, 2022, "440"), obs(ABAI, 2023, "900"), obs(TURKESTAN, 2018, "2030"), obs(TURKESTAN, 2019, "100")]
    )
    assert _yoy_flagged(frame) == [(ABAI, 2023), (TURKESTAN, 2019)]


# ---- detection on the warehouse's facts --------------------------------------------------------------------


def _facts(conn, code: str, values: dict[tuple[str, int], str]) -> None:
    conn.execute(
        text(
            "INSERT INTO sdg.indicator_value (indicator_code, kato_code, year, value, value_text, status) "
            "VALUES (:c, :k, :y, :v, :v, 'final')"
        ),
        [{"c": code, "k": k, "y": y, "v": v} for (k, y), v in values.items()],
    )


def _stored(conn) -> dict[tuple[str, str, int], dict]:
    rows = conn.execute(text("SELECT * FROM sdg.series_break")).mappings()
    return {(r["indicator_code"], r["parent_kato"], r["break_year"]): dict(r) for r in rows}


def test_breaks_are_detected_stored_and_rewritten_idempotently(engine):
    additive = {"1.1.1": IndicatorQuality(additive=True)}
    with engine.begin() as conn:
        _facts(conn, "1.1.1", {
            (EAST, 2021): "1000", (EAST, 2022): "560", (ABAI, 2022): "420",  # 980 vs 1000: 2 %, a break
            (ALMATY_REG, 2021): "500", (ALMATY_REG, 2022): "505", (ZHETYSU, 2022): "200",  # history recalculated
            (KARAGANDA, 2020): "700",  # no value after the split: no series runs across it
            (SOUTH, 2017): "3000", (TURKESTAN, 2018): "2000", (SHYMKENT, 2018): "1030",  # 2018: renamed parent
        })  # fmt: skip
        _facts(conn, "1.4.2", {(EAST, 2015): "40.5", (EAST, 2023): "61.2"})  # a share: the known break, untested
        found = detect_series_breaks(conn, quality=additive)
        stored = _stored(conn)
    assert len(found) == len(stored) == 4
    east = stored[("1.1.1", EAST, 2022)]
    expected = (True, Decimal("1000"), Decimal("980"), Decimal("2.000"))
    assert (east["detected"], east["parent_before"], east["after_sum"], east["gap_pct"]) == expected
    assert east["new_katos"] == [ABAI] and east["successor_kato"] == EAST and east["tolerance_pct"] == 5
    almaty = stored[("1.1.1", ALMATY_REG, 2022)]
    assert almaty["detected"] is False and almaty["gap_pct"] == Decimal("41.000") > BREAK_TOLERANCE_PCT
    south = stored[("1.1.1", SOUTH, 2018)]
    assert (south["successor_kato"], south["new_katos"], south["detected"]) == (TURKESTAN, [SHYMKENT], True)
    assert south["successor_after"] == 2000 and south["new_after"] == 1030 and south["gap_pct"] == Decimal("1.000")
    share = stored[("1.4.2", EAST, 2022)]
    assert (share["additive"], share["detected"], share["gap_pct"], share["parent_before"]) == (False, None, None, None)
    assert ("1.1.1", KARAGANDA, 2022) not in stored

    with engine.begin() as conn:  # nothing changed: the same rows, not even a new detected_at
        detect_series_breaks(conn, quality=additive)
        assert _stored(conn) == stored
        conn.execute(text("DELETE FROM sdg.indicator_value WHERE indicator_code = '1.4.2' AND year = 2023"))
        detect_series_breaks(conn, quality=additive)  # a series no longer across the split: its break goes
        assert set(_stored(conn)) == set(stored) - {("1.4.2", EAST, 2022)}


# ---- the form explains it ----------------------------------------------------------------------------------

SERIES = "taldau:704460:p7"  # indicator 1.2.1, row 2 of every region's typical list (baseline year 2015)


def _load(engine, values: dict[tuple[str, int], str]) -> None:
    """Observations of the series through the real loader, as an ingest leaves them (back-calculated flagged)."""
    from etl.ingest.run import flag_back_calculated
    from etl.warehouse.observations import load_observations

    fetched = datetime(2026, 1, 10, tzinfo=UTC)
    rows = [{**obs(k, y, v), "unit": "процент"} for (k, y), v in values.items()]
    with engine.begin() as conn:
        series_id = conn.execute(text("SELECT series_id FROM sdg.series WHERE series_key = :k"), {"k": SERIES})
        series_id = series_id.scalar_one()
        snap = conn.execute(
            text(
                "INSERT INTO sdg.snapshot (source, series_key, sha256, url, fetched_at, http_status, size_bytes, "
                "storage_path) VALUES ('taldau', :k, :sha, 'http://test/', :t, 200, 1, '/dev/null') "
                "RETURNING snapshot_id"
            ),
            {"k": SERIES, "sha": "b" * 64, "t": fetched},
        ).scalar_one()
        load_observations(conn, pd.DataFrame(rows), series_id=series_id, snapshot_id=snap, valid_from=fetched)
        flag_back_calculated(conn, series_id)


def _note(path: Path, sheet: str, row_no: str, code: str = "1.2.1") -> str:
    """Column I («Пояснения…» / «…түсіндірмелер») of the indicator line numbered ``row_no``, read by openpyxl."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == row_no]
    assert rows, f"{path.name}!{sheet}: no line {row_no}"
    assert ws.cell(row=rows[0], column=2).value.startswith(code)
    return ws.cell(row=rows[0], column=9).value or ""


def test_the_form_says_the_parent_is_without_the_new_region(engine):
    from etl.jobs import compute_facts, issue_forms

    _load(engine, {
        (EAST, 2015): "12.0", (EAST, 2021): "10.0", (EAST, 2022): "11.5", (EAST, 2025): "9.0",
        (ABAI, 2015): "8.0", (ABAI, 2022): "8.5", (ABAI, 2025): "7.9",  # Abai 2015: back-calculated
        (SOUTH, 2015): "20.0", (TURKESTAN, 2015): "21.0", (TURKESTAN, 2025): "15.0",  # Turkestan 2015: recalculated
    })  # fmt: skip
    compute_facts()  # every year: the facts, then the breaks of 1.2.1 (a share: known, not tested)
    with engine.connect() as conn:
        breaks = {(k[1], k[2], b["detected"]) for k, b in _stored(conn).items()}
    assert breaks == {(EAST, 2022, None), (SOUTH, 2018, None)}

    issued = issue_forms(2025, regions=[EAST, ABAI, TURKESTAN])
    forms = {Path(p).name.split("_")[1]: Path(p) for p in issued["paths"]}
    ru, kk = _note(forms[EAST], "Приложение 2", "2"), _note(forms[EAST], "2-қосымша", "2")
    assert "с 2022 г. без учёта области Абай" in ru.split("; ")
    assert "2022 жылдан бастап Абай облысын есептемегенде" in kk.split("; ")
    assert "Абай" not in _note(forms[EAST], "Приложение 2", "1", "1.1.1")  # no Fact of 1.1.1: nothing compared
    # Abai's own history is on its own territory; Turkestan's baseline is the source's recalculation on its borders
    for kato in (ABAI, TURKESTAN):
        for sheet in ("Приложение 2", "2-қосымша"):
            assert "без учёта" not in _note(forms[kato], sheet, "2")
            assert "есептемегенде" not in _note(forms[kato], sheet, "2")

    before = issue_forms(2021, regions=[EAST])  # the form's year is before the split: nothing to explain
    assert "без учёта" not in _note(Path(before["paths"][0]), "Приложение 2", "2")
    assert issue_forms(2025, regions=[EAST])["new_versions"] == 0  # re-run: the same form, no new version


def test_a_given_baseline_of_the_old_territory_is_explained_for_a_renamed_parent(engine):
    from etl.jobs import compute_facts, issue_forms

    _load(engine, {(SOUTH, 2017): "20.0", (TURKESTAN, 2025): "15.0"})
    with engine.begin() as conn:  # the analyst gave South Kazakhstan's 2017 figure as Turkestan's baseline
        conn.execute(
            text(
                "UPDATE sdg.appendix1_item SET baseline_year = 2017, baseline_value = 20 "
                "WHERE kato_code = :k AND row_no = '2'"
            ),
            {"k": TURKESTAN},
        )
    compute_facts()
    path = Path(issue_forms(2025, regions=[TURKESTAN])["paths"][0])
    assert "с 2018 г. без учёта города Шымкента" in _note(path, "Приложение 2", "2").split("; ")
    assert "2018 жылдан бастап Шымкент қаласын есептемегенде" in _note(path, "2-қосымша", "2").split("; ")
