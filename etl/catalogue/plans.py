"""Plan values per region, indicator and year: the import of a filled template into ``catalogue/plans.csv``,
the checks of that file when it is mirrored, and the opt-in straight paths (``catalogue/plan_paths.csv``).

A file covers the (region, year) pairs of its rows; importing it replaces the catalogue's plans of exactly
those pairs. A row with an empty plan keeps its pair covered but sets no plan, which is how a plan is
withdrawn (the straight path, where opted in, then stands in for it in ``sdg.plan_line``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue.files import ALL_REGIONS, PLAN_COLUMNS, PLAN_PATH_COLUMNS, CatalogueError, Row, read_rows
from etl.catalogue.mirror import replace_rows
from etl.catalogue.model import Region, load_regions
from etl.catalogue.sheet_import import (
    INDICATOR_FIELD,
    KATO_FIELD,
    CellError,
    Checker,
    Field,
    ImportResult,
    check_file,
    format_number,
    parse_kato,
    parse_number,
    parse_year,
    required_text,
    write_merged,
)

PLANS_FILE = "plans.csv"
PLAN_PATHS_FILE = "plan_paths.csv"
#: the data sheet of ``templates/plans.xlsx`` (else the first sheet is read)
PLANS_SHEET = "Планы"
#: plans look ahead (Kazakhstan's strategy runs to 2050); beyond this a year is a typing error
LAST_PLAN_YEAR = 2100
#: ``linear``: the straight line from the Appendix 1 baseline to the target; ``none``: no derived plans
PLAN_PATH_METHODS = ("linear", "none")

PLAN_FIELDS: tuple[Field, ...] = (
    KATO_FIELD,
    Field(
        "region",
        ("Регион / Өңір", "Регион", "Өңір"),
        stored=False,
        hint_ru="наименование региона, для справки (не проверяется)",
        hint_kk="өңірдің атауы, анықтама үшін (тексерілмейді)",
    ),
    INDICATOR_FIELD,
    Field(
        "indicator_name",
        ("Наименование индикатора / Индикатордың атауы", "Наименование индикатора", "Индикатордың атауы"),
        stored=False,
        hint_ru="для справки (не проверяется)",
        hint_kk="анықтама үшін (тексерілмейді)",
    ),
    Field(
        "year",
        ("Год / Жыл", "Год", "Жыл"),
        required=True,
        hint_ru="год плана, четыре цифры",
        hint_kk="жоспар жылы, төрт цифр",
    ),
    Field(
        "value",
        ("План / Жоспар", "План", "Жоспар"),
        required=True,
        hint_ru="число, можно с десятичной запятой (12,5); пусто — плана нет",
        hint_kk="сан, ондық үтірмен болады (12,5); бос — жоспар жоқ",
    ),
)


def import_plans(path: Path, catalogue_dir: Path | None = None, conn: Connection | None = None) -> ImportResult:
    """Check every cell of a filled plans template (CSV or XLSX), then replace the plans of the
    (region, year) pairs it covers in ``plans.csv`` in one step; with ``conn``, mirror the result too.

    Raises :class:`~etl.catalogue.sheet_import.ImportRejected` naming every bad cell; then nothing changed.
    """
    folder = catalogue_dir or config.catalogue_files_dir()
    rows, covered = read_plan_file(path, folder)
    resync = (lambda merged: replace_plans(conn, _records(merged, folder))) if conn is not None else None
    return write_merged(folder / PLANS_FILE, PLAN_COLUMNS, rows, covered, _block, resync, source=path)


def read_plan_file(path: Path, catalogue_dir: Path | None = None) -> tuple[list[dict[str, str]], set[tuple[str, ...]]]:
    """The rows of a plans file in catalogue form, and the (kato_code, year) pairs it covers."""
    regions = {r.kato_code: r for r in load_regions(catalogue_dir)}
    codes = indicator_codes(catalogue_dir)
    sheet, checker = check_file(path, PLANS_SHEET, PLAN_FIELDS)
    parsers = {
        "kato_code": parse_kato,
        "indicator_code": required_text,
        "year": lambda cell: parse_year(cell, LAST_PLAN_YEAR),
        "value": parse_number,
    }
    seen: dict[tuple, int] = {}
    rows: list[dict[str, str]] = []
    covered: set[tuple[str, ...]] = set()
    for number, cells in sheet.rows:
        before = checker.problems.count
        values = checker.read(number, cells, parsers)
        _known(number, values, regions, codes, checker)
        key = (values.get("kato_code"), values.get("indicator_code"), values.get("year"))
        if None not in key and seen.setdefault(key, number) != number:
            checker.bad(number, "indicator_code", f"repeats row {seen[key]} (same region, indicator and year)")
        if checker.problems.count > before:
            continue
        covered.add((values["kato_code"], str(values["year"])))
        if values["value"] is not None:
            value = format_number(values["value"])
            code, year = values["indicator_code"], str(values["year"])
            rows.append({"kato_code": values["kato_code"], "indicator_code": code, "year": year, "value": value})
    checker.problems.raise_if_any()
    return rows, covered


def indicator_codes(folder: Path | None = None) -> set[str]:
    """The codes of ``indicators.csv`` (only the codes: the rest of the file is checked when it is mirrored)."""
    return {row.text("code") for row in read_rows("indicators.csv", ("code",), folder)}


def _known(number: int, values: dict, regions: dict[str, Region], codes: set[str], checker: Checker) -> None:
    """Checks against the catalogue, for the cells that parsed: the region existed that year, the indicator is known."""
    kato, year, code = values.get("kato_code"), values.get("year"), values.get("indicator_code")
    region = regions.get(kato) if kato else None
    if kato and region is None:
        checker.bad(number, "kato_code", f"{kato!r} is not a region in catalogue/regions.csv")
    elif region is not None and year is not None and not region.valid_in(year):
        checker.bad(number, "kato_code", f"{region.name_ru} ({kato}) did not exist in {year}")
    if code and code not in codes:
        checker.bad(number, "indicator_code", f"{code!r} is not in catalogue/indicators.csv")


def _block(row: dict[str, str]) -> tuple[str, ...]:
    return (row.get("kato_code", "").strip(), row.get("year", "").strip())


def plan_record(row: Row) -> dict:
    """One row of ``plans.csv`` for ``sdg.plan_value`` (``sync_catalogue`` calls this for every row)."""
    record = {
        "kato_code": row.text("kato_code"),
        "indicator_code": row.text("indicator_code"),
        "year": row.integer("year"),
        "value": row.decimal("value"),
    }
    try:
        parse_year(str(record["year"]), LAST_PLAN_YEAR)
    except CellError as exc:
        raise CatalogueError(f"{row.where('year')}: {exc}") from exc
    return record


def _records(rows: list[dict[str, str]], folder: Path) -> list[dict]:
    path = folder / PLANS_FILE
    return [plan_record(Row(path, line, row, PLANS_FILE)) for line, row in enumerate(rows, start=2)]


def replace_plans(conn: Connection, records: list[dict]) -> int:
    """``sdg.plan_value`` becomes exactly ``records`` (in the caller's transaction)."""
    replace_rows(conn, "sdg.plan_value", records, ["kato_code", "indicator_code", "year", "value"])
    return len(records)


def load_plan_paths(folder: Path | None = None) -> list[dict[str, str]]:
    """The rules of ``plan_paths.csv`` (no file: none). The most specific rule for a region and indicator
    wins: both named, then the region, then the indicator, then ``*,*``."""
    folder = folder or config.catalogue_dir()
    if not (folder / PLAN_PATHS_FILE).exists():
        return []
    regions = {r.kato_code for r in load_regions(folder)}
    codes = indicator_codes(folder)
    rules: dict[tuple[str, str], int] = {}
    out: list[dict[str, str]] = []
    for row in read_rows(PLAN_PATHS_FILE, PLAN_PATH_COLUMNS, folder):
        rule = {c: row.text(c) for c in PLAN_PATH_COLUMNS}
        if rule["kato_code"] not in regions | {ALL_REGIONS}:
            raise CatalogueError(f"{row.where('kato_code')}: expected '*' or a KATO code of regions.csv")
        if rule["indicator_code"] not in codes | {ALL_REGIONS}:
            raise CatalogueError(f"{row.where('indicator_code')}: expected '*' or a code of indicators.csv")
        if rule["method"] not in PLAN_PATH_METHODS:
            raise CatalogueError(f"{row.where('method')}: expected one of {', '.join(PLAN_PATH_METHODS)}")
        key = (rule["kato_code"], rule["indicator_code"])
        if key in rules:
            raise CatalogueError(f"{row.where('indicator_code')}: repeats line {rules[key]}")
        rules[key] = row.line
        out.append(rule)
    return out


def sync_plan_paths(conn: Connection, folder: Path | None = None) -> int:
    """Mirror ``plan_paths.csv`` into ``sdg.plan_path`` (read by the view ``sdg.plan_line``)."""
    rules = load_plan_paths(folder)
    return replace_rows(conn, "sdg.plan_path", rules, ["kato_code", "indicator_code", "method"])
