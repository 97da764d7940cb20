"""Plans: a filled template (CSV or XLSX) into catalogue/plans.csv and the warehouse, rejected files named
cell by cell and leaving the catalogue byte-for-byte unchanged, and the straight path of ``sdg.plan_line``.

The files written here are synthetic, in the shipped template's real format (templates/plans.xlsx/.csv).
"""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError, Row
from etl.catalogue.plans import PLANS_SHEET, import_plans, plan_record, sync_plan_paths
from etl.catalogue.sheet_import import ImportRejected

TEMPLATES = config.PROJECT_ROOT / "templates"
ASTANA, ALMATY, ABAI = "710000000", "750000000", "100000000"


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A private copy of the catalogue with a known plans.csv (three blocks: Astana 2025, Almaty 2025, Almaty 2026)."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.catalogue_dir(), folder)
    (folder / "plans.csv").write_text(
        "kato_code,indicator_code,year,value\n"
        f"{ASTANA},1.2.1,2025,3.5\n"
        f"{ASTANA},8.5.2,2025,4.4\n"
        f"{ALMATY},8.5.2,2025,4.6\n"
        f"{ALMATY},8.5.2,2026,4.5\n",
        encoding="utf-8",
    )
    return folder


def _plans(folder: Path) -> list[tuple[str, str, str, str]]:
    with (folder / "plans.csv").open(encoding="utf-8", newline="") as handle:
        return [(r["kato_code"], r["indicator_code"], r["year"], r["value"]) for r in csv.DictReader(handle)]


def _xlsx(tmp_path: Path, rows: list[list[object]], name: str = "plans_filled.xlsx") -> Path:
    """The shipped template with ``rows`` typed in from row 2, as a person would fill it."""
    book = load_workbook(TEMPLATES / "plans.xlsx")
    sheet = book[PLANS_SHEET]
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    path = tmp_path / name
    book.save(path)
    return path


def test_template_headers_are_bilingual_with_instructions():
    book = load_workbook(TEMPLATES / "plans.xlsx")
    assert book.sheetnames == [PLANS_SHEET, "Инструкция - Нұсқаулық"]
    header = [c.value for c in book[PLANS_SHEET][1]]
    assert header == [
        "Код КАТО / ҚАТО коды",
        "Регион / Өңір",
        "Код индикатора / Индикатор коды",
        "Наименование индикатора / Индикатордың атауы",
        "Год / Жыл",
        "План / Жоспар",
    ]
    assert (TEMPLATES / "plans.csv").read_text(encoding="utf-8-sig").strip() == ";".join(header)
    notes = [r[0] for r in book["Инструкция - Нұсқаулық"].iter_rows(values_only=True) if r[0]]
    assert any("Пустая ячейка «План»" in line for line in notes)
    assert any("«Жоспар» ұяшығы бос болса" in line for line in notes)


def test_csv_replaces_only_the_region_years_it_covers(tmp_path, catalogue):
    # Russian Excel's CSV: ';' separated, decimal comma, a thousands space; the CSV template's header
    source = tmp_path / "astana_2025.csv"
    header = (TEMPLATES / "plans.csv").read_text(encoding="utf-8-sig").strip()
    source.write_text(
        f"{header}\n"
        f"{ASTANA};г. Астана;3.2.1;;2025;7,25\n"
        f"{ASTANA};г. Астана;8.5.2;;2025;4\n"
        f"{ASTANA};;3.1.1;;2027;1 234,5\n",
        encoding="utf-8-sig",
    )
    result = import_plans(source, catalogue)
    assert _plans(catalogue) == [
        (ASTANA, "3.2.1", "2025", "7.25"),  # in place of the block it replaces; 1.2.1 of 2025 is gone
        (ASTANA, "8.5.2", "2025", "4"),
        (ASTANA, "3.1.1", "2027", "1234.5"),
        (ALMATY, "8.5.2", "2025", "4.6"),  # other blocks untouched, in their place
        (ALMATY, "8.5.2", "2026", "4.5"),
    ]
    assert result.covered == ((ASTANA, "2025"), (ASTANA, "2027"))
    assert (result.rows, result.removed, result.kept, result.changed) == (3, 2, 2, True)
    again = import_plans(source, catalogue)  # the same file twice: nothing to rewrite
    assert (again.changed, again.removed, again.rows) == (False, 3, 3)


def test_xlsx_imported_mirrored_and_read_back(tmp_path, catalogue, engine):
    path = _xlsx(
        tmp_path,
        [
            [ALMATY, "г. Алматы", "8.5.2", "Уровень безработицы", 2026, 4.2],  # numeric cells as Excel stores them
            [ALMATY, None, "3.2.1", None, "2026", "6,5"],  # text cells
            [ALMATY, None, "1.2.1", None, 2026, None],  # no plan: covered, nothing stored
        ],
    )
    with engine.begin() as conn:
        result = import_plans(path, catalogue, conn=conn)
    assert result.covered == ((ALMATY, "2026"),)
    assert _plans(catalogue)[-2:] == [(ALMATY, "8.5.2", "2026", "4.2"), (ALMATY, "3.2.1", "2026", "6.5")]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT kato_code, indicator_code, year, value FROM sdg.plan_value ORDER BY 1, 3, 2")
        ).all()
    assert [tuple(r) for r in stored] == [
        (ASTANA, "1.2.1", 2025, Decimal("3.5")),
        (ASTANA, "8.5.2", 2025, Decimal("4.4")),
        (ALMATY, "8.5.2", 2025, Decimal("4.6")),
        (ALMATY, "3.2.1", 2026, Decimal("6.5")),
        (ALMATY, "8.5.2", 2026, Decimal("4.2")),
    ]


def test_rejected_xlsx_names_every_cell_and_changes_nothing(tmp_path, catalogue, engine):
    before = (catalogue / "plans.csv").read_bytes()
    with engine.connect() as conn:
        stored_before = conn.execute(text("SELECT count(*), sum(value) FROM sdg.plan_value")).one()
    path = _xlsx(
        tmp_path,
        [
            [ASTANA, None, "3.2.1", None, 2026, "7,1%"],  # row 2: not a number
            [ABAI, None, "3.2.1", None, 2021, "5"],  # row 3: Abai exists from 2022
            ["71000000", None, "9.9.9", None, "20026", "1.000,5"],  # row 4: four bad cells
            [ASTANA, None, "3.2.1", None, 2026, "7"],  # row 5: repeats row 2
            [ASTANA, None, "3.2.1", None, 2027, True],  # row 6: a checkbox is no number
        ],
    )
    with pytest.raises(ImportRejected) as caught, engine.begin() as conn:
        import_plans(path, catalogue, conn=conn)
    where = f"{path.name}, sheet «{PLANS_SHEET}», row"
    assert caught.value.problems == [
        f"{where} 2, column «План / Жоспар» (F2): expected a number, got '7,1%'",
        f"{where} 3, column «Код КАТО / ҚАТО коды» (A3): область Абай ({ABAI}) did not exist in 2021",
        f"{where} 4, column «Код КАТО / ҚАТО коды» (A4): expected a 9-digit KATO code, got '71000000' "
        "(format the column as text so leading zeros are kept)",
        f"{where} 4, column «Год / Жыл» (E4): expected a year (four digits), got '20026'",
        f"{where} 4, column «План / Жоспар» (F4): expected a number, got '1.000,5' "
        "(use one decimal separator and no thousands separator)",
        f"{where} 4, column «Код индикатора / Индикатор коды» (C4): '9.9.9' is not in catalogue/indicators.csv",
        f"{where} 5, column «Код индикатора / Индикатор коды» (C5): repeats row 2 (same region, indicator and year)",
        f"{where} 6, column «План / Жоспар» (F6): expected a number, got True",
    ]
    assert (catalogue / "plans.csv").read_bytes() == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(value) FROM sdg.plan_value")).one() == stored_before


def test_header_problems_reject_before_rows(tmp_path, catalogue):
    before = (catalogue / "plans.csv").read_bytes()
    source = tmp_path / "plans.csv"
    source.write_text("Код КАТО,Год,План,Комментарий,,\n710000000,2025,1,,,oops\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_plans(source, catalogue)
    assert caught.value.problems[0].startswith("plans.csv, row 1, column «Комментарий»: unknown column")
    assert caught.value.problems[1:] == [
        "plans.csv, row 1, column «Код индикатора / Индикатор коды»: required column is missing from the header row",
        "plans.csv, row 2, column «#6 (no header)»: value 'oops' in a column without a header",
    ]
    assert (catalogue / "plans.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Код КАТО;Год\n".encode("cp1251"), re.escape("not UTF-8 (byte 0xca at position 0; probably Windows-1251)")),
        (b"", "row 1 should be the template's header row, but it is empty"),
    ],
)
def test_unreadable_csv_is_refused_with_a_reason(tmp_path, catalogue, content, reason):
    source = tmp_path / "plans.csv"
    source.write_bytes(content)
    with pytest.raises(CatalogueError, match=reason):
        import_plans(source, catalogue)


def test_old_excel_is_refused(tmp_path, catalogue):
    source = tmp_path / "plans.xls"
    source.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CatalogueError, match=r"plans.xls: old binary Excel \(.xls\) is not accepted"):
        import_plans(source, catalogue)


def test_catalogue_plan_year_is_checked_at_sync(tmp_path):
    row = Row(tmp_path / "plans.csv", 3, {"kato_code": ASTANA, "indicator_code": "3.2.1", "year": "2200", "value": "1"})
    with pytest.raises(CatalogueError, match=r"plans.csv, line 3, column 'year': year 2200 is out of range 1991–2100"):
        plan_record(row)


def _appendix1_line(conn, kato: str, row_no: str, baseline: tuple[int, str], target: tuple[int, str]) -> None:
    conn.execute(
        text(
            "INSERT INTO sdg.appendix1_item (kato_code, row_no, indicator_code, classification, baseline_year, "
            "baseline_value, target_year, target_value) VALUES (:kato, :row_no, '3.2.1', 1, :by, :bv, :ty, :tv)"
        ),
        {"kato": kato, "row_no": row_no, "by": baseline[0], "bv": baseline[1], "ty": target[0], "tv": target[1]},
    )


def _plan_line(conn, kato: str) -> dict[int, tuple[Decimal, bool, str]]:
    rows = conn.execute(
        text(
            "SELECT year, value, derived, method FROM sdg.plan_line WHERE kato_code = :k AND indicator_code = '3.2.1'"
        ),
        {"k": kato},
    )
    return {r.year: (r.value, r.derived, r.method) for r in rows}


def test_straight_path_from_baseline_to_target(tmp_path, catalogue, engine):
    (catalogue / "plan_paths.csv").write_text(
        f"kato_code,indicator_code,method,note\n*,*,linear,every region\n{ABAI},3.2.1,none,Abai keeps its own plans\n",
        encoding="utf-8",
    )
    source = tmp_path / "almaty.csv"
    source.write_text(f"kato_code;indicator_code;year;value\n{ALMATY};3.2.1;2027;6,2\n", encoding="utf-8")
    with engine.begin() as conn:
        assert sync_plan_paths(conn, catalogue) == 2
        import_plans(source, catalogue, conn=conn)  # an explicit plan for one year of the path
        for kato in (ALMATY, ABAI):  # baseline 10.0 in 2020, target 5.0 in 2030: -0.5 a year
            _appendix1_line(conn, kato, "900", (2020, "10.0"), (2030, "5.0"))
        _appendix1_line(conn, ASTANA, "900", (2030, "10.0"), (2030, "5.0"))  # no years between: no path
    with engine.connect() as conn:
        almaty, abai, astana = (_plan_line(conn, k) for k in (ALMATY, ABAI, ASTANA))
    assert sorted(almaty) == list(range(2021, 2031))  # after the baseline year, up to the target year
    assert almaty[2021] == (Decimal("9.5"), True, "linear")
    assert almaty[2025] == (Decimal("7.5"), True, "linear")
    assert almaty[2027] == (Decimal("6.2"), False, "explicit")  # the explicit plan wins over the path (6.5)
    assert almaty[2030] == (Decimal("5"), True, "linear")
    assert abai == {}  # the region's own 'none' beats '*,*'
    assert astana == {}


def test_no_opt_in_no_derived_plans(engine):
    with engine.begin() as conn:
        _appendix1_line(conn, ALMATY, "900", (2020, "10.0"), (2030, "5.0"))
        assert conn.execute(text("SELECT count(*) FROM sdg.plan_line WHERE derived")).scalar() == 0
        explicit = conn.execute(text("SELECT count(*) FROM sdg.plan_line WHERE method = 'explicit'")).scalar()
        assert explicit == conn.execute(text("SELECT count(*) FROM sdg.plan_value")).scalar()


def test_plan_path_rule_must_name_known_things(catalogue, engine):
    (catalogue / "plan_paths.csv").write_text("kato_code,indicator_code,method\n*,3.2.1,curve\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"plan_paths.csv, line 2, column 'method': expected one of linear, none"):
        with engine.begin() as conn:
            sync_plan_paths(conn, catalogue)
