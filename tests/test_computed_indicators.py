"""Computed indicators: formulas over operand series, from the catalogue file to the facts in the warehouse.

Every number here is SYNTHETIC (``tests/fixtures/computed/``: five made-up indicators, four responsible-body
submitters, their formulas and their reports in the files template). The golden values are worked out by
hand in the comments; rounding is half-up to the indicator's decimals (3.99.1: 2, 3.99.2: 1, 11.99.1: 1,
1.99.1 and 1.99.2: 0).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError
from etl.catalogue.formulas import Formula, load_formulas
from etl.catalogue.model import load_indicators, load_regions, load_series
from etl.catalogue.units import load_units
from etl.indicators.compute import compute_indicator_values
from etl.indicators.formulas import OperandValue, evaluate
from etl.jobs import ingest, prepare_warehouse
from etl.sources.observations import round_half_up

FIXTURES = Path(__file__).parent / "fixtures" / "computed"
VITAL, POPULATION, ALMATY = "files:vital_dept", "files:population_dept", "files:almaty_health"
ASTANA, ALMATY_CITY, ABAI = "710000000", "750000000", "100000000"
AKMOLA, AKTOBE, KARAGANDA, ATYRAU = "110000000", "150000000", "350000000", "230000000"
IMR, DEATH_RATE, URBAN, AGES, INCREASE = "3.99.1", "3.99.2", "11.99.1", "1.99.1", "1.99.2"


def build_catalogue(target: Path, formulas: str | None = None) -> Path:
    """The repository's catalogue with the fixture indicators and submitters added, and a formulas.csv."""
    folder = target / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    _append(folder / "indicators.csv", (FIXTURES / "indicators.csv").read_text(encoding="utf-8").splitlines()[1:])
    _append(folder / "series" / "files.csv", (FIXTURES / "series_files.csv").read_text(encoding="utf-8").splitlines())
    text_ = formulas if formulas is not None else (FIXTURES / "formulas.csv").read_text(encoding="utf-8")
    (folder / "formulas.csv").write_text(text_, encoding="utf-8")
    return folder


def _append(path: Path, lines: list[str]) -> None:
    body = path.read_text(encoding="utf-8-sig")
    path.write_text(body.rstrip("\r\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def load_catalogue_formulas(folder: Path) -> dict[tuple[str, str], Formula]:
    """What ``sync_catalogue`` checks and stores, without a warehouse."""
    indicators = load_indicators(folder)
    series = load_series(folder, {i.code for i in indicators})
    formulas = load_formulas(
        folder,
        {i.code: i for i in indicators},
        {s.series_key: s for s in series},
        load_units(folder),
        {r.kato_code for r in load_regions(folder)},
    )
    return {(f.indicator_code, f.kato_code): f for f in formulas}


# --- 1. pure evaluation -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def formulas(tmp_path_factory) -> dict[tuple[str, str], Formula]:
    return load_catalogue_formulas(build_catalogue(tmp_path_factory.mktemp("pure")))


def published(raw: str, observation_id: int = 1, snapshot_id: int = 1) -> OperandValue:
    """An operand's observation as the files source stores it: '-' missing, 'x' suppressed, else a number."""
    if raw.strip() in ("", "-"):
        return OperandValue(None, "missing", raw, observation_id, snapshot_id)
    if raw.strip() == "x":
        return OperandValue(None, "suppressed", raw, observation_id, snapshot_id)
    return OperandValue(Decimal(raw.replace(" ", "").replace(",", ".")), "A", raw, observation_id, snapshot_id)


def run(formula: Formula, *raws: str | None, year: int = 2022, decimals: int = 2):
    values = {i: None if raw is None else published(raw, i) for i, raw in enumerate(raws, start=1)}
    return evaluate(formula, values, year, decimals)


def test_ratio_times_1000_rounds_half_up(formulas):
    imr = formulas[(IMR, "*")]
    assert imr.factor == 1000 and [op.scale for op in imr.operands] == [1, 1]
    # 123 / 45 678 = 0.0026927…; 45 678 × 0.00269 = 122.874, 0.126 / 45 678 = 0.0000028 → 2.6928 → 2.69
    outcome = run(imr, "123", "45678")
    assert (str(outcome.value), outcome.status, outcome.explanation_ru) == ("2.69", "final", "")
    # 469 / 200 000 × 1000 = 2.345 exactly: half-up gives 2.35 (banker's rounding would give 2.34)
    assert str(run(imr, "469", "200 000").value) == "2.35"
    # 58 / 19 000 × 1000 = 3.0526… → 3.05; 150 / 50 000 × 1000 = 3 → 3.00 (the indicator's two decimals)
    assert str(run(imr, "58", "19000").value) == "3.05"
    assert str(run(imr, "150", "50000").value) == "3.00"


def test_per_capita_converts_population_in_thousands(formulas):
    rate = formulas[(DEATH_RATE, "*")]
    # units.csv: тыс.человек = 1000 × человек, so the population operand is scaled by 1000
    assert rate.factor == 100000 and [op.scale for op in rate.operands] == [1, 1000]
    # 2802 / (800 × 1000) × 100 000 = 2802 / 8 = 350.25 → 350.3 (half-up); 2803 / 8 = 350.375 → 350.4
    assert str(run(rate, "2802", "800", decimals=1).value) == "350.3"
    assert str(run(rate, "2803", "800", decimals=1).value) == "350.4"
    # 6020 / 602 000 × 100 000 = 1000 → 1000.0
    assert str(run(rate, "6020", "602,0", decimals=1).value) == "1000.0"


def test_share_sum_and_difference(formulas):
    share = formulas[(URBAN, "*")]
    assert share.factor == 100 and [op.scale for op in share.operands] == [1, 1]
    # 763.6 / 800 × 100 = 95.45 exactly → 95.5 half-up
    assert str(run(share, "763,6", "800", decimals=1).value) == "95.5"
    ages = formulas[(AGES, "*")]
    assert [op.role for op in ages.operands] == ["term"] * 3 and [op.scale for op in ages.operands] == [1000] * 3
    # (210.5 + 502.25 + 87.1255) thousand = 799.8755 thousand = 799 875.5 persons → 799 876
    assert run(ages, "210,5", "502,25", "87,1255", decimals=0).value == Decimal(799876)
    increase = formulas[(INCREASE, "*")]
    # 45 678 − 2802 = 42 876; 2000 − 2802 = −802
    assert run(increase, "45678", "2802", decimals=0).value == Decimal(42876)
    assert run(increase, "2000", "2802", decimals=0).value == Decimal(-802)


def test_round_half_up_is_not_bankers_rounding():
    assert round_half_up(Decimal("2.345"), 2) == Decimal("2.35")
    assert round_half_up(Decimal("2.5"), 0) == Decimal(3)
    assert round_half_up(Decimal("2.344999"), 2) == Decimal("2.34")
    assert str(round_half_up(Decimal("-2.345"), 2)) == "-2.35"  # half away from zero, as published
    assert str(round_half_up(Decimal("-0.004"), 2)) == "0.00"  # no "-0.00" on a form


def test_operand_dims_are_stored_as_observations_key_them(tmp_path):
    # written with spaces, ';', out of order and with a total: the observations' key is sorted and drops '_T'
    text_ = edit(3, "INDICATOR=births_live", "SEX=_T; INDICATOR = births_live").replace(
        "INDICATOR=pop_urban", "URBANISATION=U|INDICATOR=pop_urban"
    )
    loaded = load_catalogue_formulas(build_catalogue(tmp_path, text_))
    assert loaded[(IMR, "*")].operands[1].dims == "INDICATOR=births_live"
    assert loaded[(URBAN, "*")].operands[0].dims == "INDICATOR=pop_urban|URBANISATION=U"


def test_division_by_zero_is_empty_and_names_the_zero_operand(formulas):
    outcome = run(formulas[(IMR, "*")], "5", "0")
    assert (outcome.value, outcome.status) == (None, "missing")
    assert outcome.explanation_ru == "Не рассчитано: деление на нуль (знаменатель: родившиеся живыми) за 2022 год"
    assert outcome.explanation_kk == "Есептелмеді: 2022 жылғы бөлімі нөлге тең (тірі туылғандар)"
    # a zero population (after scaling) is the same case
    per_capita = run(formulas[(DEATH_RATE, "*")], "10", "0,0", year=2023, decimals=1)
    assert per_capita.value is None
    assert per_capita.explanation_ru == (
        "Не рассчитано: деление на нуль (численность населения: численность населения) за 2023 год"
    )


def test_missing_operand_is_named_in_russian_and_kazakh(formulas):
    imr = formulas[(IMR, "*")]
    for absent in (None, "-"):  # no observation at all, or one published as '-'
        outcome = run(imr, "40", absent, year=2021)
        assert (outcome.value, outcome.status) == (None, "missing")
        assert outcome.explanation_ru == "Не рассчитано: нет данных (знаменатель: родившиеся живыми) за 2021 год"
        assert outcome.explanation_kk == "Есептелмеді: 2021 жылғы деректер жоқ (бөлімі: тірі туылғандар)"
    # the first operand that fails is the one named: here the second term of a sum
    ages = run(formulas[(AGES, "*")], "210,5", None, "87,1255", decimals=0)
    assert ages.explanation_ru == "Не рассчитано: нет данных (слагаемое: население 16-62 лет) за 2022 год"


def test_suppressed_operand_gives_suppressed_status(formulas):
    outcome = run(formulas[(IMR, "*")], "x", "21000", year=2023)
    assert (outcome.value, outcome.status) == (None, "suppressed")
    assert outcome.explanation_ru == (
        "Не рассчитано: значение конфиденциально (x) (числитель: умершие в возрасте до 1 года) за 2023 год"
    )
    assert outcome.explanation_kk == "Есептелмеді: 2023 жылғы алымы құпия (x) (1 жасқа дейін қайтыс болғандар)"


# --- 2. through the warehouse -------------------------------------------------------------------------------

FACTS = """
SELECT indicator_code, kato_code, year, value, value_text, status, unit, observation_ids, snapshot_ids, formula,
       explanation_ru, explanation_kk, inputs, computed_at
FROM sdg.indicator_value ORDER BY indicator_code, kato_code, year
"""
OBSERVATION = """
SELECT o.observation_id, o.snapshot_id FROM sdg.observation o JOIN sdg.series s USING (series_id)
WHERE s.series_key = :key AND o.dims = :dims AND o.kato_code = :kato AND o.period_end = make_date(:year, 12, 31)
  AND o.valid_to IS NULL
"""


@pytest.fixture
def loaded(engine, tmp_path, monkeypatch) -> Path:
    """The fixture catalogue synced by ``prepare_warehouse``, the fixture reports ingested, facts computed."""
    folder = build_catalogue(tmp_path)
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(folder))
    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURES / "inbox", inbox)
    monkeypatch.setenv("SDG_FILES_INBOX", str(inbox))
    assert prepare_warehouse()["formulas"] == 6
    for key in (VITAL, POPULATION, ALMATY):
        assert ingest("files", key)["status"] == "loaded"
    with engine.begin() as conn:
        compute_indicator_values(conn)
    return folder


def facts(engine) -> dict[tuple[str, str, int], dict]:
    with engine.connect() as conn:
        return {(r["indicator_code"], r["kato_code"], r["year"]): dict(r) for r in conn.execute(text(FACTS)).mappings()}


def observation(engine, key: str, code: str, kato: str, year: int) -> tuple[int, int]:
    params = {"key": key, "dims": f"INDICATOR={code}", "kato": kato, "year": year}
    with engine.connect() as conn:
        return tuple(conn.execute(text(OBSERVATION), params).one())


def test_facts_per_region_and_year(engine, loaded):
    got = facts(engine)
    values = {cell: (row["value_text"], row["status"]) for cell, row in got.items() if cell[0] in (IMR, DEATH_RATE)}
    assert values == {
        (IMR, ASTANA, 2021): ("3.00", "final"),  # 150 / 50 000 × 1000
        (IMR, ASTANA, 2022): ("2.69", "final"),  # 123 / 45 678 × 1000 = 2.6928
        (IMR, ASTANA, 2023): ("2.35", "final"),  # 469 / "200 000" × 1000 = 2.345, half-up
        (IMR, ABAI, 2022): ("3.05", "final"),  # 58 / 19 000 × 1000 = 3.0526
        (IMR, ALMATY_CITY, 2022): ("5.00", "final"),  # the city's own numerator: 310 / 62 000 × 1000 (not 400 → 6.45)
        (IMR, AKMOLA, 2022): ("", "missing"),  # births published as '-'
        (IMR, AKTOBE, 2022): ("", "missing"),  # no births row
        (IMR, KARAGANDA, 2022): ("", "suppressed"),  # deaths published as 'x'
        (IMR, ATYRAU, 2022): ("", "missing"),  # births 0
        (DEATH_RATE, ASTANA, 2022): ("350.3", "final"),  # 2802 / 800 000 × 100 000 = 350.25
        (DEATH_RATE, ASTANA, 2023): ("350.4", "final"),  # 2803 / 800 000 × 100 000 = 350.375
        (DEATH_RATE, ABAI, 2022): ("1000.0", "final"),  # 6020 / 602 000 × 100 000
        (DEATH_RATE, KARAGANDA, 2022): ("", "missing"),  # population published in persons, not thousands
    }
    assert got[(IMR, ASTANA, 2022)]["value"] == Decimal("2.69")
    assert got[(IMR, ASTANA, 2022)]["unit"] == "на 1000 родившихся" and got[(IMR, ASTANA, 2022)]["formula"] == "ratio"
    assert got[(URBAN, ASTANA, 2022)]["value"] == Decimal("95.5")  # 763.6 / 800 × 100 = 95.45
    assert got[(AGES, ASTANA, 2022)]["value"] == Decimal(799876)  # (210.5 + 502.25 + 87.1255) × 1000 = 799 875.5
    assert got[(INCREASE, ASTANA, 2022)]["value"] == Decimal(42876)  # 45 678 − 2802
    assert got[(INCREASE, KARAGANDA, 2022)]["value"] == Decimal(18000)  # 21 000 − 3000
    # Abai exists from 2022-06-08: a value for 2022, and no row at all for 2021 (neither operand has one)
    assert not [cell for cell in got if cell[1] == ABAI and cell[2] < 2022]


def test_empty_facts_explain_which_operand(engine, loaded):
    got = facts(engine)
    for kato in (AKMOLA, AKTOBE):
        row = got[(IMR, kato, 2022)]
        assert row["value"] is None
        assert row["explanation_ru"] == ("Не рассчитано: нет данных (знаменатель: родившиеся живыми) за 2022 год")
        assert row["explanation_kk"] == ("Есептелмеді: 2022 жылғы деректер жоқ (бөлімі: тірі туылғандар)")
    suppressed = got[(IMR, KARAGANDA, 2022)]
    assert suppressed["explanation_ru"] == (
        "Не рассчитано: значение конфиденциально (x) (числитель: умершие в возрасте до 1 года) за 2022 год"
    )
    assert suppressed["explanation_kk"] == ("Есептелмеді: 2022 жылғы алымы құпия (x) (1 жасқа дейін қайтыс болғандар)")
    # the operands' labels of formulas.csv name them (stored with the operands)
    assert got[(IMR, ATYRAU, 2022)]["explanation_ru"] == (
        "Не рассчитано: деление на нуль (знаменатель: родившиеся живыми) за 2022 год"
    )
    wrong_unit = got[(DEATH_RATE, KARAGANDA, 2022)]
    assert wrong_unit["explanation_ru"] == (
        "Не рассчитано: единица «человек» вместо «тыс.человек» "
        "(численность населения: численность населения) за 2022 год"
    )
    assert wrong_unit["explanation_kk"] == (
        "Есептелмеді: 2022 жылғы халық саны (халық саны) «человек» бірлігінде жарияланған, «тыс.человек» күтіледі"
    )
    assert all(row["explanation_ru"] == "" for row in got.values() if row["value"] is not None)


def test_provenance_lists_every_operand(engine, loaded):
    got = facts(engine)
    deaths = observation(engine, VITAL, "deaths_u1", ASTANA, 2022)
    births = observation(engine, VITAL, "births_live", ASTANA, 2022)
    astana = got[(IMR, ASTANA, 2022)]
    assert astana["observation_ids"] == [deaths[0], births[0]]
    assert astana["snapshot_ids"] == [deaths[1]] and deaths[1] == births[1]  # one report file, one snapshot
    listed = [(i["role"], i["series_key"], i["dims"], i["value_text"], i["observation_id"]) for i in astana["inputs"]]
    assert listed == [
        ("numerator", VITAL, "INDICATOR=deaths_u1", "123", deaths[0]),
        ("denominator", VITAL, "INDICATOR=births_live", "45678", births[0]),
    ]
    # the city's override: numerator from the city's own report, denominator from the general one
    city_deaths = observation(engine, ALMATY, "deaths_u1", ALMATY_CITY, 2022)
    city_births = observation(engine, VITAL, "births_live", ALMATY_CITY, 2022)
    almaty = got[(IMR, ALMATY_CITY, 2022)]
    assert almaty["observation_ids"] == [city_deaths[0], city_births[0]]
    assert almaty["snapshot_ids"] == sorted({city_deaths[1], city_births[1]}) and city_deaths[1] != city_births[1]
    assert [(i["series_key"], i["value_text"]) for i in almaty["inputs"]] == [(ALMATY, "310"), (VITAL, "62000")]
    # an absent operand is listed with nothing observed; a suppressed one with its observation
    aktobe = got[(IMR, AKTOBE, 2022)]
    assert aktobe["observation_ids"] == [observation(engine, VITAL, "deaths_u1", AKTOBE, 2022)[0]]
    assert aktobe["inputs"][1] == {
        "position": 2,
        "role": "denominator",
        "series_key": VITAL,
        "dims": "INDICATOR=births_live",
        "observation_id": None,
        "snapshot_id": None,
        "value_text": None,
        "status": "absent",
    }
    karaganda = got[(IMR, KARAGANDA, 2022)]
    assert [(i["value_text"], i["status"]) for i in karaganda["inputs"]] == [("x", "suppressed"), ("21000", "A")]
    # per capita: the population operand comes from the other submitter's snapshot
    population = observation(engine, POPULATION, "pop_total", ASTANA, 2022)
    rate = got[(DEATH_RATE, ASTANA, 2022)]
    assert rate["observation_ids"] == [observation(engine, VITAL, "deaths_total", ASTANA, 2022)[0], population[0]]
    assert rate["snapshot_ids"] == sorted({deaths[1], population[1]})
    assert [(i["role"], i["value_text"]) for i in rate["inputs"]] == [("numerator", "2802"), ("population", "800")]


def test_recompute_is_stable_and_a_removed_formula_leaves_no_stale_fact(engine, loaded):
    before = facts(engine)
    with engine.begin() as conn:
        compute_indicator_values(conn)
    assert facts(engine) == before  # every column, computed_at included
    with engine.begin() as conn:  # one year: the same cells of 2022, the other years untouched
        assert compute_indicator_values(conn, 2022) == len([cell for cell in before if cell[2] == 2022])
    assert facts(engine) == before

    kept = [
        line
        for line in (loaded / "formulas.csv").read_text(encoding="utf-8").splitlines()
        if not line.startswith(DEATH_RATE + ",")
    ]
    (loaded / "formulas.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert prepare_warehouse()["formulas"] == 5
    with engine.begin() as conn:
        compute_indicator_values(conn)
    after = facts(engine)
    assert {cell for cell in before if cell[0] == DEATH_RATE} and not [c for c in after if c[0] == DEATH_RATE]
    assert after == {cell: row for cell, row in before.items() if cell[0] != DEATH_RATE}


# --- 3. refused at load -------------------------------------------------------------------------------------

GOOD = (FIXTURES / "formulas.csv").read_text(encoding="utf-8").splitlines()


def edit(line: int, old: str, new: str) -> str:
    """The fixture formulas.csv with ``old`` replaced by ``new`` on one line (numbered as the error names it)."""
    lines = list(GOOD)
    assert old in lines[line - 1], (line, old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n"


def swapped(first: int, second: int) -> str:
    lines = list(GOOD)
    lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
    return "\n".join(lines) + "\n"


# lines of the fixture formulas.csv: 2-3 3.99.1 '*' (ratio), 4-5 its Almaty override, 6-7 3.99.2 (per_capita),
# 8-9 11.99.1 (share), 10-12 1.99.1 (sum), 13-14 1.99.2 (difference)
REFUSED = {
    # the old series-level 'per_1000' is not a formula
    "unknown formula": (edit(2, ",ratio,", ",per_1000,"), 2, "formula", "'per_1000' cannot be computed"),
    "operand names no declared series": (
        edit(3, "files:vital_dept", "files:registry_office"),
        3,
        "series_key",
        "no declared series 'files:registry_office'",
    ),
    # line 2 becomes the denominator (formula and factor stay on the group's first line)
    "roles in the wrong order": (
        edit(3, ",denominator,", ",numerator,").replace(",ratio,1000,numerator,", ",ratio,1000,denominator,", 1),
        2,
        "role",
        "takes operands (numerator, denominator) in this order, got ['denominator', 'numerator']",
    ),
    "a role the formula does not take": (edit(12, ",term,", ",minuend,"), 12, "role", "two or more 'term'"),
    "unit not in units.csv": (edit(3, ",человек,", ",душ,"), 3, "unit_ru", "unit 'душ' is not in units.csv"),
    "operand unit differs from the series": (
        edit(3, ",человек,", ",тыс.человек,"),
        3,
        "unit_ru",
        "files:vital_dept is published in 'человек', not 'тыс.человек'",
    ),
    "ratio × 1000 for a percent": (
        edit(8, ",share,,part,", ",ratio,1000,numerator,").replace(",,,total,", ",,,denominator,"),
        8,
        "factor",
        "ratio × 1000 gives a rate per 1000, but the indicator's unit is 'процент' (percent)",
    ),
    "sum of persons and tenge": (
        edit(12, "files:population_dept,INDICATOR=pop_63p,тыс.человек", "files:finance_dept,INDICATOR=budget,тенге"),
        12,
        "unit_ru",
        "sum of ['тенге'] cannot give the indicator's unit 'человек'",
    ),
    "per capita over tenge": (
        edit(7, "files:population_dept,INDICATOR=pop_total,тыс.человек", "files:finance_dept,INDICATOR=budget,тенге"),
        7,
        "unit_ru",
        "per_capita divides by a number of persons, not by 'тенге'",
    ),
    "a factor of zero": (edit(2, ",ratio,1000,", ",ratio,0,"), 2, "factor", "factor 0 does not fit formula 'ratio'"),
    "dims not DIMENSION=CODE": (
        edit(3, "INDICATOR=births_live", "INDICATOR births_live"),
        3,
        "dims",
        "expected DIMENSION=CODE pairs",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_formula_is_refused_at_load_and_nothing_reaches_the_warehouse(engine, tmp_path, monkeypatch, case):
    formulas, line, column, what = REFUSED[case]
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(build_catalogue(tmp_path, formulas)))
    with pytest.raises(CatalogueError) as caught:
        prepare_warehouse()
    assert f"formulas.csv, line {line}, column {column!r}: " in str(caught.value)
    assert what in str(caught.value)
    with engine.connect() as conn:
        new_series = conn.execute(text("SELECT count(*) FROM sdg.series WHERE series_key LIKE 'files:%_dept'"))
        assert new_series.scalar_one() == 2  # the repository's own health_dept and education_dept only
        assert conn.execute(text("SELECT count(*) FROM sdg.indicator WHERE code LIKE '%.99.%'")).scalar_one() == 0
        # only the repository's own formulas (3.4.2), none of the refused file's
        formulas = conn.execute(text("SELECT DISTINCT indicator_code FROM sdg.indicator_formula")).scalars().all()
        shipped = (config.CATALOGUE_DIR / "formulas.csv").read_text(encoding="utf-8").splitlines()[1:]
        assert sorted(formulas) == sorted({line.split(",")[0] for line in shipped})
