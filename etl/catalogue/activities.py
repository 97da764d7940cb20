"""Activities (the «Мероприятия*» block of Appendix 2): the import of the template responsible bodies and
district initiative groups fill into ``catalogue/activities.csv``, and the checks of that file.

A block is a region's activities of one year, or a district's (the order's footnote: an initiative group
fills the block where a district has no indicators of its own). Importing a file replaces exactly the
blocks (region, year, district) it holds; every other row of the catalogue stays as it was.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue.files import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DISTRICT_COLUMNS,
    ACTIVITY_FILE_COLUMNS,
    ACTIVITY_KK_COLUMNS,
    CatalogueError,
    Row,
)
from etl.catalogue.mirror import replace_rows
from etl.catalogue.model import Region, load_regions
from etl.catalogue.sheet_import import (
    KATO_FIELD,
    CellError,
    Checker,
    Field,
    ImportResult,
    check_file,
    clean_text,
    format_number,
    parse_kato,
    parse_number,
    parse_year,
    required_text,
    write_merged,
)

ACTIVITIES_FILE = "activities.csv"
#: the data sheet of ``templates/activities.xlsx`` (else the first sheet is read)
ACTIVITIES_SHEET = "Мероприятия"
MAX_DISTRICT_LENGTH = 150
_ROW_NO = re.compile(r"\d{1,4}(\.\d{1,4}){0,3}")
_LETTER = re.compile(r"[^\W\d_]")

#: Columns of the template. Russian texts have Russian headers and Kazakh texts Kazakh ones (the Kazakh
#: sheet of Appendix 2 prints the Russian text where the Kazakh one is left empty).
ACTIVITY_FIELDS: tuple[Field, ...] = (
    KATO_FIELD,
    Field(
        "region",
        ("Регион / Өңір", "Регион", "Өңір"),
        stored=False,
        hint_ru="для справки (не проверяется)",
        hint_kk="анықтама үшін (тексерілмейді)",
    ),
    Field(
        "district_ru",
        ("Район",),
        hint_ru="район (город) инициативной группы; пусто — мероприятия региона",
        hint_kk="бастамашыл топтың ауданы (қаласы), орысша; бос — өңірдің іс-шаралары",
    ),
    Field(
        "district_kk",
        ("Аудан",),
        hint_ru="то же на казахском (только вместе с «Район»)",
        hint_kk="қазақша атауы («Район» бағанымен бірге)",
    ),
    Field(
        "year",
        ("Отчетный год / Есепті жыл", "Отчетный год", "Есепті жыл", "Год / Жыл", "Год", "Жыл"),
        required=True,
        hint_ru="отчётный год, четыре цифры",
        hint_kk="есепті жыл, төрт цифр",
    ),
    Field(
        "row_no",
        ("№ п/п / Р/с №", "№ п/п", "Р/с №"),
        required=True,
        hint_ru="номер строки в блоке: 1, 2, 2.1",
        hint_kk="блоктағы жол нөмірі: 1, 2, 2.1",
    ),
    Field(
        "name_ru",
        ("Наименование мероприятия", "Наименование"),
        required=True,
        hint_ru="обязательно",
        hint_kk="орысша атауы, міндетті",
    ),
    Field("name_kk", ("Іс-шараның атауы", "Атауы"), hint_ru="на казахском", hint_kk="қазақша"),
    Field("responsible_ru", ("Ответственные",), hint_ru="исполнитель", hint_kk="орысша"),
    Field("responsible_kk", ("Жауаптылар",), hint_ru="на казахском", hint_kk="қазақша"),
    Field("source_ru", ("Источник информации",), hint_ru="например: отчёт управления", hint_kk="орысша"),
    Field("source_kk", ("Ақпарат көзі",), hint_ru="на казахском", hint_kk="қазақша"),
    Field(
        "unit_ru",
        ("Единица измерения",),
        hint_ru="обязательно, если указан план или факт",
        hint_kk="орысша; жоспар не факт болса, міндетті",
    ),
    Field("unit_kk", ("Өлшем бірлігі",), hint_ru="на казахском", hint_kk="қазақша"),
    Field(
        "plan_value",
        ("План / Жоспар", "План", "Жоспар"),
        hint_ru="число, можно с десятичной запятой",
        hint_kk="сан, ондық үтірмен болады",
    ),
    Field("fact_value", ("Факт",), hint_ru="число, можно с десятичной запятой", hint_kk="сан, ондық үтірмен болады"),
    Field("note_ru", ("Пояснения при необходимости", "Пояснения"), hint_ru="пояснения", hint_kk="орысша"),
    Field(
        "note_kk", ("Қажет болған жағдайда түсіндірмелер", "Түсіндірмелер"), hint_ru="на казахском", hint_kk="қазақша"
    ),
)


def import_activities(path: Path, catalogue_dir: Path | None = None, conn: Connection | None = None) -> ImportResult:
    """Check every cell of a filled activities template (CSV or XLSX), then replace the blocks
    (region, year, district) it holds in ``activities.csv`` in one step; with ``conn``, mirror it too.

    Raises :class:`~etl.catalogue.sheet_import.ImportRejected` naming every bad cell; then nothing changed.
    """
    folder = catalogue_dir or config.catalogue_files_dir()
    rows, covered = read_activity_file(path, folder)
    resync = (lambda merged: replace_activities(conn, _records(merged, folder))) if conn is not None else None
    return write_merged(folder / ACTIVITIES_FILE, ACTIVITY_FILE_COLUMNS, rows, covered, _block, resync, path)


def read_activity_file(
    path: Path, catalogue_dir: Path | None = None
) -> tuple[list[dict[str, str]], set[tuple[str, ...]]]:
    """The rows of an activities file in catalogue form, and the (kato_code, year, district_ru) it covers."""
    regions = {r.kato_code: r for r in load_regions(catalogue_dir)}
    sheet, checker = check_file(path, ACTIVITIES_SHEET, ACTIVITY_FIELDS)
    last_year = date.today().year + 1
    parsers = {
        "kato_code": parse_kato,
        "district_ru": parse_district,
        "district_kk": parse_district,
        "year": lambda cell: parse_year(cell, last_year),
        "row_no": parse_row_no,
        "name_ru": required_text,
        "plan_value": parse_number,
        "fact_value": parse_number,
    }
    seen: dict[tuple, int] = {}
    districts: dict[tuple[str, str], tuple[str, int]] = {}
    rows: list[dict[str, str]] = []
    for number, cells in sheet.rows:
        before = checker.problems.count
        values = checker.read(number, cells, parsers)
        _consistent(number, values, regions, districts, checker)
        key = tuple(values.get(k) for k in ("kato_code", "year", "district_ru", "row_no"))
        if None not in key and seen.setdefault(key, number) != number:
            checker.bad(number, "row_no", f"repeats row {seen[key]} (same region, year, district and №)")
        if checker.problems.count > before:
            continue
        rows.append(_catalogue_row(values))
    checker.problems.raise_if_any()
    return rows, {_block(row) for row in rows}


def parse_district(cell: object) -> str:
    """A district's name as written (empty: the region's own block); it must read as a name."""
    name = clean_text(cell)
    if name and not _LETTER.search(name):
        raise CellError(f"expected a district's name, got {name!r}")
    if len(name) > MAX_DISTRICT_LENGTH:
        raise CellError(f"a district's name of {len(name)} characters is longer than {MAX_DISTRICT_LENGTH}")
    return name


def parse_row_no(cell: object) -> str:
    """The row's number in the block as printed: ``1``, ``2``, ``2.1``."""
    value = required_text(cell)
    if not _ROW_NO.fullmatch(value):
        raise CellError(f"expected a row number such as 1, 2 or 2.1, got {value!r}")
    return value


def _consistent(
    number: int,
    values: dict,
    regions: dict[str, Region],
    districts: dict[tuple[str, str], tuple[str, int]],
    checker: Checker,
) -> None:
    """Checks across the cells that parsed: known region of that year, a unit for numbers, one Kazakh name
    per district."""
    kato, year = values.get("kato_code"), values.get("year")
    region = regions.get(kato) if kato else None
    if kato and region is None:
        checker.bad(number, "kato_code", f"{kato!r} is not a region in catalogue/regions.csv")
    elif region is not None and year is not None and not region.valid_in(year):
        checker.bad(number, "kato_code", f"{region.name_ru} ({kato}) did not exist in {year}")
    has_number = values.get("plan_value") is not None or values.get("fact_value") is not None
    if has_number and not values.get("unit_ru"):
        checker.bad(number, "unit_ru", "value required when a plan or fact is given")
    _district(number, values, districts, checker)


def _district(number: int, values: dict, districts: dict[tuple[str, str], tuple[str, int]], checker: Checker) -> None:
    district, district_kk = values.get("district_ru"), values.get("district_kk")
    if district_kk and district == "":
        checker.bad(number, "district_ru", f"value required when «Аудан» is given ({district_kk!r})")
    elif district and district_kk is not None and values.get("kato_code"):
        first = districts.setdefault((values["kato_code"], district), (district_kk, number))
        if first[0] != district_kk:
            checker.bad(number, "district_kk", f"{district_kk!r} differs from {first[0]!r} in row {first[1]}")


def _catalogue_row(values: dict) -> dict[str, str]:
    row = {column: values.get(column) or "" for column in ACTIVITY_FILE_COLUMNS}
    row["year"] = str(values["year"])
    row["plan_value"] = format_number(values["plan_value"])
    row["fact_value"] = format_number(values["fact_value"])
    return row


def _block(row: dict[str, str]) -> tuple[str, ...]:
    return tuple((row.get(c) or "").strip() for c in ("kato_code", "year", "district_ru"))


def activity_record(row: Row) -> dict:
    """One row of ``activities.csv`` for ``sdg.activity`` (``sync_catalogue`` calls this for every row)."""
    row_no = row.text("row_no")
    record = {
        "kato_code": row.text("kato_code"),
        "year": row.integer("year"),
        "row_no": row_no,
        "name_ru": row.text("name_ru"),
        "responsible_ru": row.text("responsible_ru", required=False),
        "source_ru": row.text("source_ru", required=False),
        "unit_ru": row.text("unit_ru", required=False),
        "plan_value": row.decimal("plan_value", required=False),
        "fact_value": row.decimal("fact_value", required=False),
        "note_ru": row.text("note_ru", required=False),
        **{column: row.text(column, required=False) for column in ACTIVITY_KK_COLUMNS + ACTIVITY_DISTRICT_COLUMNS},
    }
    if not _ROW_NO.fullmatch(row_no):
        raise CatalogueError(f"{row.where('row_no')}: expected a row number such as 1, 2 or 2.1")
    if record["district_kk"] and not record["district_ru"]:
        raise CatalogueError(f"{row.where('district_ru')}: value required when district_kk is given")
    return record


def _records(rows: list[dict[str, str]], folder: Path) -> list[dict]:
    path = folder / ACTIVITIES_FILE
    return [activity_record(Row(path, line, row, ACTIVITIES_FILE)) for line, row in enumerate(rows, start=2)]


def replace_activities(conn: Connection, records: list[dict]) -> int:
    """``sdg.activity`` becomes exactly ``records`` (in the caller's transaction)."""
    columns = list(ACTIVITY_COLUMNS + ACTIVITY_KK_COLUMNS + ACTIVITY_DISTRICT_COLUMNS)
    return replace_rows(conn, "sdg.activity", records, columns)
