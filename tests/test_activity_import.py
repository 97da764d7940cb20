"""Activities: the filled template (XLSX or CSV) of a responsible body or a district's initiative group into
catalogue/activities.csv and sdg.activity, block by block; rejected files named cell by cell, nothing changed.

The files written here are synthetic, in the shipped template's real format (templates/activities.xlsx).
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.catalogue.activities import ACTIVITIES_SHEET, ACTIVITY_FIELDS, import_activities
from etl.catalogue.files import ACTIVITY_FILE_COLUMNS
from etl.catalogue.sheet_import import ImportRejected
from etl.catalogue.sync import sync_catalogue

TEMPLATES = config.PROJECT_ROOT / "templates"
ASTANA, ALMATY, ABAI = "710000000", "750000000", "100000000"
TITLES = {f.key: f.title for f in ACTIVITY_FIELDS}


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A private catalogue whose activities.csv has the region block of Astana 2025 (rows 1, 2) in the old
    header (no district columns) and a district block of Almaty 2025."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.catalogue_dir(), folder)
    header = "kato_code,year,row_no,name_ru,responsible_ru,source_ru,unit_ru,plan_value,fact_value,note_ru,name_kk"
    (folder / "activities.csv").write_text(
        f"{header},district_ru\n"
        f"{ASTANA},2025,1,Открытие центров,Управление,Отчёт,единиц,4,3,,Орталықтар ашу,\n"
        f"{ASTANA},2025,2,Модернизация центра,Управление,Отчёт,объектов,1,1,,,\n"
        f"{ALMATY},2025,1,Озеленение дворов,Акимат района,Отчёт,дворов,10,12,,,Медеуский район\n",
        encoding="utf-8",
    )
    return folder


def _activities(folder: Path) -> list[dict[str, str]]:
    with (folder / "activities.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _xlsx(tmp_path: Path, rows: list[dict[str, object]], name: str = "activities_filled.xlsx") -> Path:
    """The shipped template with ``rows`` (column key -> value) typed in from row 2."""
    book = load_workbook(TEMPLATES / "activities.xlsx")
    sheet = book[ACTIVITIES_SHEET]
    positions = {f.key: pos for pos, f in enumerate(ACTIVITY_FIELDS, start=1)}
    for number, values in enumerate(rows, start=2):
        for key, value in values.items():
            sheet.cell(row=number, column=positions[key], value=value)
    path = tmp_path / name
    book.save(path)
    return path


def test_template_has_the_form_columns_in_both_languages():
    book = load_workbook(TEMPLATES / "activities.xlsx")
    assert book.sheetnames == [ACTIVITIES_SHEET, "Инструкция - Нұсқаулық"]
    header = [c.value for c in book[ACTIVITIES_SHEET][1]]
    assert header == [f.title for f in ACTIVITY_FIELDS]
    pairs = (
        ("Наименование мероприятия", "Іс-шараның атауы"),
        ("Ответственные", "Жауаптылар"),
        ("Источник информации", "Ақпарат көзі"),
        ("Единица измерения", "Өлшем бірлігі"),
        ("Пояснения при необходимости", "Қажет болған жағдайда түсіндірмелер"),
        ("Район", "Аудан"),
    )
    for ru, kk in pairs:
        assert ru in header and kk in header
    notes = [r[0] for r in book["Инструкция - Нұсқаулық"].iter_rows(values_only=True) if r[0]]
    assert any("инициативной группой в случае отсутствия индикаторов в районе" in line for line in notes)
    assert any("бастамашыл топ толтырады" in line for line in notes)


def test_xlsx_of_a_region_and_a_district_imported_and_read_back(tmp_path, catalogue, engine):
    path = _xlsx(
        tmp_path,
        [
            {
                "kato_code": ASTANA,
                "year": 2025,
                "row_no": "1",
                "name_ru": "Открытие  центров\nподдержки",
                "name_kk": "Қолдау орталықтарын ашу",
                "responsible_ru": "Управление молодёжной политики",
                "unit_ru": "единиц",
                "unit_kk": "бірлік",
                "plan_value": 5,
                "fact_value": "4,5",
                "note_ru": "Один центр перенесён",
                "note_kk": "Бір орталық ауыстырылды",
            },
            {
                "kato_code": ASTANA,
                "district_ru": "район Есиль",
                "district_kk": "Есіл ауданы",
                "year": "2025",
                "row_no": "1",
                "name_ru": "Благоустройство парка",
                "source_ru": "Отчёт акимата района",
                "unit_ru": "га",
                "plan_value": "1 200,75",
                "fact_value": 1100.5,
            },
            {
                "kato_code": ASTANA,
                "district_ru": "район Есиль",
                "district_kk": "Есіл ауданы",
                "year": 2025,
                "row_no": "1.1",
                "name_ru": "Посадка деревьев",
            },
        ],
    )
    with engine.begin() as conn:
        result = import_activities(path, catalogue, conn=conn)
    assert result.covered == ((ASTANA, "2025", ""), (ASTANA, "2025", "район Есиль"))
    assert (result.rows, result.removed, result.kept) == (3, 2, 1)
    rows = _activities(catalogue)
    assert list(rows[0]) == list(ACTIVITY_FILE_COLUMNS)  # the header gains the district columns
    assert [(r["kato_code"], r["district_ru"], r["row_no"], r["plan_value"], r["fact_value"]) for r in rows] == [
        (ASTANA, "", "1", "5", "4.5"),
        (ASTANA, "район Есиль", "1", "1200.75", "1100.5"),
        (ASTANA, "район Есиль", "1.1", "", ""),
        (ALMATY, "Медеуский район", "1", "10", "12"),  # another region's block is left as it was
    ]
    assert rows[0]["name_ru"] == "Открытие центров поддержки"  # runs of spaces and line breaks made one space
    assert (rows[0]["name_kk"], rows[0]["unit_kk"], rows[1]["district_kk"]) == (
        "Қолдау орталықтарын ашу",
        "бірлік",
        "Есіл ауданы",
    )
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT kato_code, district_ru, district_kk, row_no, plan_value, fact_value, unit_ru "
                "FROM sdg.activity WHERE kato_code = :k ORDER BY district_ru, row_no"
            ),
            {"k": ASTANA},
        ).all()
    assert [tuple(r) for r in stored] == [
        (ASTANA, "", "", "1", Decimal("5"), Decimal("4.5"), "единиц"),
        (ASTANA, "район Есиль", "Есіл ауданы", "1", Decimal("1200.75"), Decimal("1100.5"), "га"),
        (ASTANA, "район Есиль", "Есіл ауданы", "1.1", None, None, ""),
    ]


def test_csv_of_one_district_replaces_only_that_block(tmp_path, catalogue, engine):
    source = tmp_path / "medeu.csv"
    header = ";".join(
        TITLES[k]
        for k in ("kato_code", "district_ru", "year", "row_no", "name_ru", "unit_ru", "plan_value", "fact_value")
    )
    source.write_text(
        f"{header}\n{ALMATY};Медеуский район;2025;1;Озеленение дворов;дворов;10;11\n"
        f"{ALMATY};Медеуский район;2025;2;Ремонт арыков;км;2,5;2,5\n",
        encoding="utf-8",
    )
    before = _activities(catalogue)
    result = import_activities(source, catalogue)
    after = _activities(catalogue)
    assert [{k: r[k] for k in before[0]} for r in after[:2]] == before[:2]  # Astana's block as it was
    assert [(r["row_no"], r["name_ru"], r["fact_value"]) for r in after[2:]] == [
        ("1", "Озеленение дворов", "11"),
        ("2", "Ремонт арыков", "2.5"),
    ]
    assert (result.removed, result.kept) == (1, 2)
    with engine.begin() as conn:  # the rewritten file mirrors into the warehouse with the new key
        assert sync_catalogue(conn, catalogue).activities == 4
        keys = conn.execute(text("SELECT count(DISTINCT (kato_code, year, district_ru, row_no)) FROM sdg.activity"))
        assert keys.scalar() == 4


def test_rejected_file_names_every_cell_and_changes_nothing(tmp_path, catalogue, engine):
    before = (catalogue / "activities.csv").read_bytes()
    with engine.connect() as conn:
        stored_before = conn.execute(text("SELECT count(*), sum(plan_value) FROM sdg.activity")).one()
    path = _xlsx(
        tmp_path,
        [
            {"kato_code": ASTANA, "year": 2025, "row_no": "1", "name_ru": "", "unit_ru": "ед.", "plan_value": "4"},
            {"kato_code": ASTANA, "year": 2025, "row_no": "2", "name_ru": "Ремонт", "plan_value": "4,5 ед."},
            {"kato_code": ASTANA, "year": 2025, "row_no": "3", "name_ru": "Ремонт", "fact_value": 3},
            {"kato_code": ABAI, "year": 2020, "row_no": "a", "name_ru": "Ремонт"},
            {"kato_code": ASTANA, "district_kk": "Есіл ауданы", "year": 2025, "row_no": "4", "name_ru": "Ремонт"},
            {
                "kato_code": ASTANA,
                "district_ru": "район Есиль",
                "district_kk": "Есіл ауданы",
                "year": 2025,
                "row_no": "1",
                "name_ru": "Парк",
            },
            {
                "kato_code": ASTANA,
                "district_ru": "район Есиль",
                "district_kk": "Есиль",
                "year": 2025,
                "row_no": "1",
                "name_ru": "Сквер",
            },
            {"kato_code": ASTANA, "district_ru": "12345", "year": 2025, "row_no": "1", "name_ru": "Сквер"},
        ],
    )
    with pytest.raises(ImportRejected) as caught, engine.begin() as conn:
        import_activities(path, catalogue, conn=conn)
    where = f"{path.name}, sheet «{ACTIVITIES_SHEET}», row"
    assert caught.value.problems == [
        f"{where} 2, column «Наименование мероприятия» (G2): value required",
        f"{where} 3, column «План / Жоспар» (O3): expected a number, got '4,5 ед.'",
        f"{where} 4, column «Единица измерения» (M4): value required when a plan or fact is given",
        f"{where} 5, column «№ п/п / Р/с №» (F5): expected a row number such as 1, 2 or 2.1, got 'a'",
        f"{where} 5, column «Код КАТО / ҚАТО коды» (A5): область Абай ({ABAI}) did not exist in 2020",
        f"{where} 6, column «Район» (C6): value required when «Аудан» is given ('Есіл ауданы')",
        f"{where} 8, column «Аудан» (D8): 'Есиль' differs from 'Есіл ауданы' in row 7",
        f"{where} 8, column «№ п/п / Р/с №» (F8): repeats row 7 (same region, year, district and №)",
        f"{where} 9, column «Район» (C9): expected a district's name, got '12345'",
    ]
    assert (catalogue / "activities.csv").read_bytes() == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(plan_value) FROM sdg.activity")).one() == stored_before


def test_unknown_column_and_missing_required_column(tmp_path, catalogue):
    before = (catalogue / "activities.csv").read_bytes()
    source = tmp_path / "activities.csv"
    source.write_text("Код КАТО;Год;Наименование мероприятия;Статус\n710000000;2025;Ремонт;готово\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_activities(source, catalogue)
    assert caught.value.problems[0].startswith("activities.csv, row 1, column «Статус»: unknown column; the template")
    assert caught.value.problems[1:] == [
        "activities.csv, row 1, column «№ п/п / Р/с №»: required column is missing from the header row"
    ]
    assert (catalogue / "activities.csv").read_bytes() == before
