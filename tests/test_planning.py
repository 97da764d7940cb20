"""Paragraph 26 register: the shipped file, imports from CSV and XLSX, refusals naming the cell, and the
per-region share of class-1 indicators built into planning documents, with golden values worked by hand.

Every register row, Appendix 1 list and file here is SYNTHETIC (made-up documents and dates) in the real
formats: the catalogue CSV, and the shipped XLSX template filled in with openpyxl.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError
from etl.catalogue.model import load_regions
from etl.catalogue.planning import (
    CATALOGUE_FILE,
    CSV_COLUMNS,
    DATA_SHEET,
    FIELDS,
    import_planning_register,
    integration_summary,
    load_planning,
    sync_planning,
)
from etl.catalogue.sheet_import import ImportRejected

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "planning_documents.xlsx"
ASTANA, ALMATY, ABAI, SHYMKENT = "710000000", "750000000", "100000000", "790000000"
PLAN_RU, PLAN_KK = "План развития (синтетический)", "Даму жоспары (синтетикалық)"
NEW_RU, NEW_KK = "Новый план (синтетический)", "Жаңа жоспар (синтетикалық)"
TITLES = [f.title for f in FIELDS]


def _row(kato, code, adopted, ru=PLAN_RU, kk=PLAN_KK, item="п. 1", note=""):
    return {
        "kato_code": kato,
        "indicator_code": code,
        "document_ru": ru,
        "document_kk": kk,
        "adopted_on": adopted,
        "item": item,
        "note": note,
    }


def _write_csv(path: Path, rows: list[dict], columns=CSV_COLUMNS, delimiter=",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row[key] for key in CSV_COLUMNS] for row in rows)
    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    """The shipped template with ``rows`` typed into its data sheet from row 2."""
    book = load_workbook(TEMPLATE)
    sheet = book[DATA_SHEET]
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    book.save(path)
    return path


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A copy of the catalogue whose register holds three synthetic rows (two Astana, one Almaty)."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.catalogue_dir(), folder)
    _write_csv(
        folder / CATALOGUE_FILE,
        [
            _row(ASTANA, "1.2.1", "2021-03-15"),
            _row(ASTANA, "3.2.1", "2021-03-15", item="п. 2"),
            _row(ALMATY, "3.1.1", "2021-04-02", note="keep me"),
        ],
    )
    return folder


def test_shipped_register_is_synthetic_and_syncs(engine):
    shipped = _read_csv(config.catalogue_dir() / CATALOGUE_FILE)
    assert shipped and all("синтетическ" in row["note"] for row in shipped)
    assert {row["kato_code"] for row in shipped} == {ASTANA, ALMATY}
    with engine.begin() as conn:
        assert sync_planning(conn) == len(shipped)
        stored = conn.execute(text("SELECT kato_code, indicator_code, adopted_on FROM sdg.planning_document")).all()
    expected = {(r["kato_code"], r["indicator_code"], date.fromisoformat(r["adopted_on"])) for r in shipped}
    assert set(stored) == expected


def test_template_headers_are_russian_and_kazakh():
    sheet = load_workbook(TEMPLATE)[DATA_SHEET]
    headers = [sheet.cell(row=1, column=n).value for n in range(1, len(FIELDS) + 1)]
    assert headers == TITLES
    assert sheet.cell(row=1, column=len(FIELDS) + 1).value is None
    assert headers[0] == "Код КАТО / ҚАТО коды" and headers[4] == "Дата принятия / Қабылданған күні"
    assert sheet["A2"].number_format == "@" and sheet["E2"].number_format == "DD.MM.YYYY"


def test_import_csv_replaces_only_the_regions_it_covers(catalogue, tmp_path):
    # Russian-only headers, semicolons and dotted dates: how Russian Excel saves a CSV
    source = _write_csv(
        tmp_path / "astana.csv",
        [
            _row(ASTANA, "8.5.2", "20.02.2024", ru=NEW_RU, kk=NEW_KK, item="Направление 1"),
            _row(ASTANA, "1.2.1", "20.02.2024", ru=NEW_RU, kk=NEW_KK, item="Направление 2", note="  две   строки "),
        ],
        columns=[f.titles[1] for f in FIELDS],
        delimiter=";",
    )
    result = import_planning_register(source, catalogue)
    assert (result.rows, result.covered, result.removed, result.kept, result.changed) == (2, ((ASTANA,),), 2, 1, True)
    rows = _read_csv(catalogue / CATALOGUE_FILE)
    assert [(r["kato_code"], r["indicator_code"], r["adopted_on"], r["note"]) for r in rows] == [
        (ASTANA, "8.5.2", "2024-02-20", ""),
        (ASTANA, "1.2.1", "2024-02-20", "две строки"),
        (ALMATY, "3.1.1", "2021-04-02", "keep me"),
    ]
    assert len(load_planning(catalogue)) == 3
    again = import_planning_register(source, catalogue)
    assert not again.changed and again.removed == 2


def test_import_xlsx_from_the_template_and_resync(catalogue, tmp_path, engine):
    source = _xlsx(
        tmp_path / "almaty.xlsx",
        [
            [ALMATY, "3.2.1", PLAN_RU, PLAN_KK, datetime(2023, 5, 4), "Раздел 3, индикатор 3.1", None],
            [int(ALMATY), "8.6.1", PLAN_RU, PLAN_KK, "04.05.2023", "Раздел 1,\nиндикатор 1.7", "заметка"],
        ],
    )
    with engine.begin() as conn:
        result = import_planning_register(source, catalogue, conn)
    assert (result.rows, result.covered, result.removed, result.kept) == (2, ((ALMATY,),), 1, 2)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT kato_code, indicator_code, adopted_on, item, note FROM sdg.planning_document ORDER BY 1, 2")
        ).all()
    assert [tuple(r) for r in stored] == [
        (ASTANA, "1.2.1", date(2021, 3, 15), "п. 1", None),
        (ASTANA, "3.2.1", date(2021, 3, 15), "п. 2", None),
        (ALMATY, "3.2.1", date(2023, 5, 4), "Раздел 3, индикатор 3.1", None),
        (ALMATY, "8.6.1", date(2023, 5, 4), "Раздел 1, индикатор 1.7", "заметка"),
    ]
    assert [r["kato_code"] for r in _read_csv(catalogue / CATALOGUE_FILE)] == [ASTANA, ASTANA, ALMATY, ALMATY]


def test_xlsx_with_bad_cells_is_refused_naming_each_and_nothing_changes(catalogue, tmp_path, engine):
    future = date.today() + timedelta(days=400)
    source = _xlsx(
        tmp_path / "bad.xlsx",
        [
            [ALMATY, "3.2.1", PLAN_RU, PLAN_KK, "04.05.2023", "п. 1", None],  # row 2: fine
            ["999999999", "3.2.1", PLAN_RU, PLAN_KK, "04.05.2023", "п. 1", None],  # row 3: no such region
            [ALMATY, "99.9.9", PLAN_RU, PLAN_KK, "04.05.2023", "п. 1", None],  # row 4: no such indicator
            [ALMATY, "8.6.1", PLAN_RU, PLAN_KK, "31.02.2025", "п. 1", None],  # row 5: no such day
            [ALMATY, "1.2.1", PLAN_RU, PLAN_KK, datetime(future.year, future.month, future.day), "п. 1", None],
            [ALMATY, "3.1.1", PLAN_RU, None, "04.05.2023", "п. 1", None],  # row 7: Kazakh name missing
            [ABAI, "3.1.1", PLAN_RU, PLAN_KK, "05.05.2021", "п. 1", None],  # row 8: Abai exists from 8 June 2022
            [ALMATY, "3.2.1", PLAN_RU, PLAN_KK, "04.05.2023", "п. 2", None],  # row 9: repeats row 2
            [ALMATY, "8.5.2", PLAN_RU, "Басқа атау", "04.05.2023", "п. 3", None],  # row 10: other Kazakh name
            [ALMATY, "8.6.1", PLAN_RU, PLAN_KK, "04.05.2023", None, "lost"],  # row 11: item missing
        ],
    )
    before = (catalogue / CATALOGUE_FILE).read_bytes()
    with engine.begin() as conn:
        sync_planning(conn, catalogue)
    with pytest.raises(ImportRejected) as caught, engine.begin() as conn:
        import_planning_register(source, catalogue, conn)
    message = str(caught.value)
    where = "bad.xlsx, sheet «Реестр», row {}, column «{}» ({}{})"
    expected = {
        (3, 0): "unknown region '999999999'",
        (4, 1): "unknown indicator '99.9.9'",
        (5, 4): "expected a date such as 15.03.2021 or 2021-03-15, got '31.02.2025'",
        (6, 4): f"{future.isoformat()} is after today",
        (7, 3): "value required",
        (8, 4): "область Абай (100000000) did not exist then (valid 2022-06-08 – …)",
        (9, 1): "indicator 3.2.1 is already listed for this document (same region, name and date) in row 2",
        (10, 3): f"the same document is named «{PLAN_KK}» in row 2",
        (11, 5): "value required",
    }
    for (row, column), problem in expected.items():
        assert f"{where.format(row, TITLES[column], 'ABCDEFG'[column], row)}: {problem}" in message
    assert caught.value.count == len(expected)
    assert "row 2," not in message.replace("in row 2", "")
    assert (catalogue / CATALOGUE_FILE).read_bytes() == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.planning_document")).scalar() == 3


def test_csv_header_problems_are_refused_before_any_row(catalogue, tmp_path):
    before = (catalogue / CATALOGUE_FILE).read_bytes()
    rows = [_row(ASTANA, "1.2.1", "2021-03-15")]
    columns = ["kato_code", "indicator_code", "document_ru", "Комментарий", "adopted_on", "item", "note"]
    source = _write_csv(tmp_path / "header.csv", rows, columns=columns)
    with pytest.raises(ImportRejected) as caught:
        import_planning_register(source, catalogue)
    message = str(caught.value)
    assert "header.csv, row 1, column «Комментарий»: unknown column" in message
    assert f"header.csv, row 1, column «{TITLES[3]}»: required column is missing from the header row" in message
    assert caught.value.count == 2
    assert (catalogue / CATALOGUE_FILE).read_bytes() == before


def test_empty_file_is_refused(catalogue, tmp_path):
    source = _write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(ImportRejected, match="empty.csv: no register rows below the header row"):
        import_planning_register(source, catalogue)


def test_catalogue_file_errors_name_line_and_column(catalogue, engine):
    _write_csv(
        catalogue / CATALOGUE_FILE,
        [
            _row(ASTANA, "1.2.1", "2021-03-15"),
            _row(ASTANA, "3.2.1", "15/03/2021"),
            _row("000000000", "3.2.1", "2021-03-15"),
        ],
    )
    with pytest.raises(CatalogueError) as caught, engine.begin() as conn:
        sync_planning(conn, catalogue)
    message = str(caught.value)
    assert "planning_documents.csv: 2 problem(s)" in message
    assert "planning_documents.csv, line 3, column 'adopted_on': expected a date" in message
    assert "planning_documents.csv, line 4, column 'kato_code': unknown region '000000000'" in message


def _set_lists(conn, lists: dict[str, list[tuple[str, int]]]) -> None:
    """Replace the Appendix 1 lists of the given regions by (indicator, classification) rows."""
    conn.execute(text("DELETE FROM sdg.appendix1_item WHERE kato_code = ANY(:k)"), {"k": list(lists)})
    rows = [
        {"kato": kato, "row_no": str(n), "code": code, "cls": cls}
        for kato, items in lists.items()
        for n, (code, cls) in enumerate(items, start=1)
    ]
    sql = "INSERT INTO sdg.appendix1_item (kato_code, row_no, indicator_code, classification) "
    conn.execute(text(sql + "VALUES (:kato, :row_no, :code, :cls)"), rows)


def test_share_of_class1_indicators_by_hand(catalogue, engine):
    # Astana: class 1 = 1.2.1, 3.1.1, 3.2.1, 8.5.2 (3.1.2 is class 2)
    # Almaty: class 1 = 1.2.1, 3.2.1, 8.6.1; Abai: no class-1 indicator; Shymkent: nothing registered
    lists = {
        ASTANA: [("1.2.1", 1), ("3.1.1", 1), ("3.1.2", 2), ("3.2.1", 1), ("8.5.2", 1)],
        ALMATY: [("1.2.1", 1), ("3.2.1", 1), ("8.6.1", 1), ("3.1.2", 2)],
        ABAI: [("3.1.2", 2), ("9.5.1", 2)],
        SHYMKENT: [("1.2.1", 1), ("3.2.1", 1)],
    }
    _write_csv(
        catalogue / CATALOGUE_FILE,
        [
            _row(ASTANA, "1.2.1", "2021-03-15"),
            _row(ASTANA, "3.2.1", "2021-03-15"),
            _row(ASTANA, "3.1.2", "2021-03-15"),  # class 2: does not count
            _row(ASTANA, "8.5.2", "2026-01-10", ru=NEW_RU, kk=NEW_KK),  # adopted after 2025
            _row(ALMATY, "3.2.1", "2023-05-04"),
            _row(ALMATY, "3.2.1", "2025-12-31", ru=NEW_RU, kk=NEW_KK),  # the same indicator twice counts once
            _row(ALMATY, "8.6.1", "2025-12-31", ru=NEW_RU, kk=NEW_KK),  # on the last day of 2025: counts
            _row(ABAI, "3.1.2", "2023-01-20"),
        ],
    )
    with engine.begin() as conn:
        _set_lists(conn, lists)
        assert sync_planning(conn, catalogue) == 8
        by_year = {year: {r.kato_code: r for r in integration_summary(conn, year)} for year in (2020, 2021, 2024, 2025)}

    def figures(year, kato):
        r = by_year[year][kato]
        return r.class1_count, r.integrated_count, r.share, r.integrated, r.not_integrated

    # 2025: Astana 2 of 4 (8.5.2's plan is from 2026); Almaty 2 of 3; Abai none to count; Shymkent 0 of 2
    assert figures(2025, ASTANA) == (4, 2, Decimal("0.5000"), ("1.2.1", "3.2.1"), ("3.1.1", "8.5.2"))
    assert figures(2025, ALMATY) == (3, 2, Decimal("0.6667"), ("3.2.1", "8.6.1"), ("1.2.1",))
    assert figures(2025, ABAI) == (0, 0, None, (), ())
    assert figures(2025, SHYMKENT) == (2, 0, Decimal("0.0000"), (), ("1.2.1", "3.2.1"))
    # 2024: Almaty's 2025-12-31 plan not yet adopted: 1 of 3; 2020: nothing adopted anywhere
    assert figures(2024, ALMATY) == (3, 1, Decimal("0.3333"), ("3.2.1",), ("1.2.1", "8.6.1"))
    assert figures(2020, ASTANA) == (4, 0, Decimal("0.0000"), (), ("1.2.1", "3.1.1", "3.2.1", "8.5.2"))
    assert figures(2021, ASTANA)[:3] == (4, 2, Decimal("0.5000"))
    # regions are those that existed in the year: Abai (from 8 June 2022) is not in 2021
    assert ABAI in by_year[2024] and ABAI not in by_year[2021]
    for year in (2021, 2025):
        assert set(by_year[year]) == {r.kato_code for r in load_regions() if r.kind != "country" and r.valid_in(year)}

    almaty = by_year[2025][ALMATY].documents
    assert [(d.document_ru, d.adopted_on, d.indicators) for d in almaty] == [
        (PLAN_RU, date(2023, 5, 4), (("3.2.1", "п. 1"),)),
        (NEW_RU, date(2025, 12, 31), (("3.2.1", "п. 1"), ("8.6.1", "п. 1"))),
    ]
    assert [d.document_kk for d in by_year[2024][ALMATY].documents] == [PLAN_KK]
    assert [d.indicators for d in by_year[2025][ABAI].documents] == [(("3.1.2", "п. 1"),)]
    assert [d.adopted_on for d in by_year[2025][ASTANA].documents] == [date(2021, 3, 15)]
