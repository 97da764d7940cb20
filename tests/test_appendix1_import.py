"""An analyst's edited Appendix 1 XLSX back into the catalogue: issued, edited cell by cell with openpyxl (as in
Excel), imported, and the catalogue CSV, the warehouse and the re-issued file carry the edits; a bad file names
every bad cell and changes nothing; every accepted version is kept; a city's bodies stay the city's.

The catalogue is a copy of the real one in a temporary folder; the edited values are SYNTHETIC.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.catalogue.appendix1_import import Appendix1ImportError, import_appendix1
from etl.catalogue.sync import sync_catalogue
from etl.reports.appendix1 import issue_appendix1
from tests.appendix1_helpers import ASTANA, KK, RU, YEAR, edit_cells, read_csv, sheet_cells

HEALTH = ("Управление здравоохранения области", "Облыстың денсаулық сақтау басқармасы")


@pytest.fixture
def catalogue(engine, tmp_path: Path) -> Path:
    """A copy of the catalogue whose row-1 indicator has a known generic body, mirrored into the warehouse."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.catalogue_dir(), folder)
    first = next(r for r in read_csv(folder / "appendix1.csv") if r["row_no"] == "1")["indicator_code"]
    indicators = read_csv(folder / "indicators.csv")
    for row in indicators:
        if row["code"] == first:
            row["responsible_ru"], row["responsible_kk"] = HEALTH
    with (folder / "indicators.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(indicators[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(indicators)
    with engine.begin() as conn:
        sync_catalogue(conn, folder)
    return folder


def _issued(engine, version: int = 1) -> Path:
    issue_appendix1(engine, YEAR)
    return config.reports_dir() / str(YEAR) / "appendix1" / f"appendix1_{ASTANA}_{YEAR}_v{version}.xlsx"


def _own_rows(folder: Path) -> dict[str, dict[str, str]]:
    return {r["row_no"]: r for r in read_csv(folder / "appendix1.csv") if r["kato_code"] == ASTANA}


def test_edited_cells_reach_the_catalogue_the_warehouse_and_the_reissued_list(engine, catalogue, tmp_path):
    typical = {r["row_no"]: r for r in read_csv(catalogue / "appendix1.csv") if r["kato_code"] == "*"}
    with engine.begin() as conn:  # a Fact for row 2's baseline year: offered as a derived baseline
        conn.execute(
            text(
                "INSERT INTO sdg.indicator_value (indicator_code, kato_code, year, value, status) "
                "VALUES (:c, :k, 2015, 41.5, 'final')"
            ),
            {"c": typical["2"]["indicator_code"], "k": ASTANA},
        )
    issued = _issued(engine)
    assert sheet_cells(issued, RU, 15)[10] == "Управление здравоохранения города Астаны"
    new_class = "3" if not sheet_cells(issued, KK, 17)[4].startswith("3") else "1"
    edited = edit_cells(
        issued,
        tmp_path / "astana.xlsx",
        {
            f"{RU}!D15": "Доля населения города Астаны с доходами ниже ПМ",
            f"{KK}!D15": "Астана қаласының ЕТМ-нен төмен табысы бар халқының үлесі",
            f"{RU}!G15": "12,4",  # typed with a decimal comma
            f"{KK}!H15": 2023,  # the year changed on the Kazakh sheet only
            f"{RU}!I15": 6.2,
            f"{RU}!J15": 2030,
            f"{KK}!K15": "Астана қаласының қоғамдық денсаулық сақтау басқармасы",
            f"{KK}!E17": new_class,
        },
    )
    with engine.begin() as conn:
        result = import_appendix1(edited, catalogue, conn)
    assert (result.kato_code, result.version, result.new) == (ASTANA, 1, True)
    assert (result.issued_year, result.issued_version, len(result.cells)) == (YEAR, 1, 8)
    assert sorted(result.rows_changed) == ["1", "3"]

    own = _own_rows(catalogue)
    assert sorted(own) == ["1", "3"]
    empty_kk = {"regional_name_kk": "", "responsible_kk": ""}  # columns the import adds when the file lacks them
    assert own["1"] == {
        **empty_kk,
        **typical["1"],
        "kato_code": ASTANA,
        "regional_name_ru": "Доля населения города Астаны с доходами ниже ПМ",
        "regional_name_kk": "Астана қаласының ЕТМ-нен төмен табысы бар халқының үлесі",
        "baseline_value": "12.4",
        "baseline_year": "2023",
        "target_value": "6.2",
        "target_year": "2030",
        "responsible_kk": "Астана қаласының қоғамдық денсаулық сақтау басқармасы",
    }
    assert own["3"] == {**empty_kk, **typical["3"], "kato_code": ASTANA, "classification": new_class}
    assert {r for r in typical} == {r["row_no"] for r in read_csv(catalogue / "appendix1.csv") if r["kato_code"] == "*"}

    with engine.connect() as conn:
        line = (
            conn.execute(text("SELECT * FROM sdg.appendix1_line WHERE kato_code = :k AND row_no = '2'"), {"k": ASTANA})
            .mappings()
            .one()
        )
        assert (line["baseline_value"], line["baseline_derived"]) == (Decimal("41.5"), True)  # left alone: derived
        kept = conn.execute(text("SELECT * FROM sdg.appendix1_import")).mappings().one()
    assert (kept["kato_code"], kept["version"], kept["sha256"]) == (
        ASTANA,
        1,
        hashlib.sha256(edited.read_bytes()).hexdigest(),
    )
    assert kept["rows"] == list(own.values())
    assert {(c["address"], c["new"]) for c in kept["cells"]} >= {("G15", "12.4"), ("H15", "2023"), ("E17", new_class)}
    assert result.path.read_bytes() == edited.read_bytes()
    assert result.path.parent == config.data_dir() / "imports" / "appendix1"

    reissued = _issued(engine, version=2)
    ru, kk = sheet_cells(reissued, RU, 15), sheet_cells(reissued, KK, 15)
    assert ru[3:11] == [
        "Доля населения города Астаны с доходами ниже ПМ",
        ru[4],
        ru[5],
        12.4,
        2023,
        6.2,
        2030,
        "Управление здравоохранения города Астаны",
    ]
    assert kk[3] == "Астана қаласының ЕТМ-нен төмен табысы бар халқының үлесі"
    assert kk[6:11] == [12.4, 2023, 6.2, 2030, "Астана қаласының қоғамдық денсаулық сақтау басқармасы"]
    labels = {"1": ("1 – актуальный", "1 – өзекті"), "3": ("3 – мероприятия", "3 – іс-шаралар")}
    assert (sheet_cells(reissued, RU, 17)[4], sheet_cells(reissued, KK, 17)[4]) == labels[new_class]
    ws = load_workbook(reissued)[RU]
    assert (ws["G16"].value, ws["G16"].font.i) == (41.5, True)
    assert not (reissued.parent / f"appendix1_110000000_{YEAR}_v2.xlsx").exists()


def test_a_bad_file_names_every_bad_cell_and_changes_nothing(engine, catalogue, tmp_path):
    issued = _issued(engine)
    ws = load_workbook(issued)[RU]
    deleted, last = ws["A19"].value, ws.max_row
    cells = {
        f"{RU}!G15": "двенадцать",
        f"{KK}!H16": 1899,
        f"{RU}!E17": "4 – другое",
        f"{RU}!C18": "Другое название",
        **{f"{RU}!{col}19": None for col in "ABCDEFGHIJK"},  # a row of the list removed
        f"{RU}!I20": 1,
        f"{KK}!I20": 2,
        f"{KK}!B21": ws["B15"].value,
        f"{RU}!A{last + 1}": "99",  # a new row without a classification
        f"{RU}!B{last + 1}": ws["B15"].value,
    }
    edited = edit_cells(issued, tmp_path / "bad.xlsx", cells)
    before = (catalogue / "appendix1.csv").read_bytes()
    with pytest.raises(Appendix1ImportError) as caught, engine.begin() as conn:
        import_appendix1(edited, catalogue, conn)
    assert caught.value.errors == [
        "Приложение 1!G15: ожидается число",
        "Приложение 1!E17: ожидается классификация 1, 2 или 3",
        "Приложение 1!C18: столбец заполняется из каталога и не редактируется",
        f"Приложение 1: строка № {deleted} перечня отсутствует; строки перечня не удаляются",
        "1-қосымша!H16: жыл күтіледі: 1990–2100 аралығындағы бүтін сан",
        "1-қосымша!B21: жолдың ұлттық индикатор нөмірі өзгертілмейді; жаңа нөмірмен жол қосыңыз",
        "Приложение 1!I20: изменено иначе, чем 1-қосымша!I20",
        "1-қосымша!I20: Приложение 1!I20 ұяшығынан басқаша өзгертілген",
        f"Приложение 1!A{last + 1}: новой строке нужна классификация",
    ]
    assert "bad.xlsx: 9 error(s), nothing imported" in str(caught.value)
    assert (catalogue / "appendix1.csv").read_bytes() == before
    assert not (config.data_dir() / "imports").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.appendix1_import")).scalar() == 0
        assert (
            conn.execute(text("SELECT count(*) FROM sdg.appendix1_item WHERE target_value IS NOT NULL")).scalar() == 0
        )


def test_every_accepted_version_is_kept_and_the_same_file_is_not_applied_twice(engine, catalogue, tmp_path):
    issued = _issued(engine)
    first = edit_cells(issued, tmp_path / "first.xlsx", {f"{RU}!I15": 1})
    second = edit_cells(issued, tmp_path / "second.xlsx", {f"{RU}!I15": 2, f"{RU}!I16": 3})
    with engine.begin() as conn:
        assert import_appendix1(first, catalogue, conn).version == 1
    with engine.begin() as conn:
        assert import_appendix1(second, catalogue, conn).version == 2
    after_second = (catalogue / "appendix1.csv").read_bytes()
    with engine.begin() as conn:
        again = import_appendix1(first, catalogue, conn)
    assert (again.version, again.new, again.cells) == (1, False, ())
    assert (catalogue / "appendix1.csv").read_bytes() == after_second
    assert {k: r["target_value"] for k, r in _own_rows(catalogue).items()} == {"1": "2", "2": "3"}
    # without a connection: the CSV and the kept copy, no warehouse row
    third = edit_cells(issued, tmp_path / "third.xlsx", {f"{KK}!J15": 2030})
    assert import_appendix1(third, catalogue).version == 3
    assert _own_rows(catalogue)["1"]["target_year"] == "2030"
    kept = sorted((config.data_dir() / "imports" / "appendix1").glob("*.xlsx"))
    assert [p.name for p in kept] == [f"appendix1_{ASTANA}_import_v{v}.xlsx" for v in (1, 2, 3)]
    assert [p.read_bytes() for p in kept] == [f.read_bytes() for f in (first, second, third)]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version, sha256, rows FROM sdg.appendix1_import ORDER BY version")).all()
    assert [(v, s) for v, s, _ in rows] == [(1, _sha(first)), (2, _sha(second))]
    assert [r["target_value"] for r in rows[1][2]] == ["2", "3"]
    assert json.dumps(rows[0][2], ensure_ascii=False).count('"target_value": "1"') == 1


def test_a_file_that_was_not_issued_is_refused_whole(engine, catalogue, tmp_path):
    plain = tmp_path / "plain.xlsx"
    workbook = load_workbook(_issued(engine))
    del workbook["sdg_issued"]
    workbook.save(plain)
    with pytest.raises(Appendix1ImportError, match="sdg_issued"):
        import_appendix1(plain, catalogue)
    (tmp_path / "not.xlsx").write_text("kato_code,row_no\n")
    with pytest.raises(Appendix1ImportError, match="не книга XLSX"):
        import_appendix1(tmp_path / "not.xlsx", catalogue)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
