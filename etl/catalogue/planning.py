"""Paragraph 26 register: which SDG indicator is built into which regional planning document.

``catalogue/planning_documents.csv`` is the people-edited source of truth (one row per indicator in a
document: region, indicator, document name ru/kk, adoption date, item). :func:`sync_planning` mirrors it
into ``sdg.planning_document``; :func:`import_planning_register` takes an analyst's CSV/XLSX in the
template ``templates/planning_documents.xlsx``, checks every cell, and only then replaces the register
rows of the regions the file covers (other regions' rows are kept), writing the CSV in one step.
The figures built on it (share of class-1 indicators per region) are in ``planning_summary``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue.files import CatalogueError, Row, read_rows
from etl.catalogue.mirror import replace_rows
from etl.catalogue.model import Region, load_indicators, load_regions
from etl.catalogue.planning_summary import PlannedDocument, RegionIntegration, integration_summary
from etl.catalogue.sheet_import import (
    INDICATOR_FIELD,
    KATO_FIELD,
    CellError,
    Field,
    ImportRejected,
    ImportResult,
    check_file,
    clean_text,
    parse_kato,
    required_text,
    text_of,
    write_merged,
)

__all__ = [
    "CATALOGUE_FILE",
    "DATA_SHEET",
    "FIELDS",
    "INSTRUCTION_SHEET",
    "ImportResult",
    "PlannedDocument",
    "PlanningEntry",
    "RegionIntegration",
    "import_planning_register",
    "integration_summary",
    "load_planning",
    "sync_planning",
]

CATALOGUE_FILE = "planning_documents.csv"
#: the data sheet of ``templates/planning_documents.xlsx`` (else the first sheet is read)
DATA_SHEET = "Реестр"
INSTRUCTION_SHEET = "Инструкция"
MAX_SHOWN_ERRORS = 50
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

FIELDS: tuple[Field, ...] = (
    KATO_FIELD,
    INDICATOR_FIELD,
    Field(
        "document_ru",
        (
            "Наименование документа (рус.) / Құжаттың атауы (орыс тілінде)",
            "Наименование документа (рус.)",
            "Құжаттың атауы (орыс тілінде)",
        ),
        required=True,
        hint_ru="полное наименование документа системы государственного планирования региона",
        hint_kk="өңірдің мемлекеттік жоспарлау жүйесі құжатының толық атауы",
    ),
    Field(
        "document_kk",
        (
            "Наименование документа (каз.) / Құжаттың атауы (қазақ тілінде)",
            "Наименование документа (каз.)",
            "Құжаттың атауы (қазақ тілінде)",
        ),
        required=True,
        hint_ru="то же наименование на казахском языке",
        hint_kk="сол атау қазақ тілінде",
    ),
    Field(
        "adopted_on",
        ("Дата принятия / Қабылданған күні", "Дата принятия", "Қабылданған күні"),
        required=True,
        hint_ru="дата принятия (утверждения) документа: 15.03.2021 или 2021-03-15",
        hint_kk="құжаттың қабылданған (бекітілген) күні: 15.03.2021 немесе 2021-03-15",
    ),
    Field(
        "item",
        ("Пункт / Тармақ", "Пункт", "Тармақ"),
        required=True,
        hint_ru="пункт (раздел, целевой индикатор) документа, где учтён индикатор",
        hint_kk="индикатор ескерілген құжаттың тармағы (бөлімі, нысаналы индикаторы)",
    ),
    Field(
        "note", ("Примечание / Ескертпе", "Примечание", "Ескертпе"), hint_ru="необязательно", hint_kk="міндетті емес"
    ),
)
CSV_COLUMNS = tuple(f.key for f in FIELDS)


@dataclass(frozen=True)
class PlanningEntry:
    """One indicator built into one planning document of a region."""

    kato_code: str
    indicator_code: str
    document_ru: str
    document_kk: str
    adopted_on: date
    item: str
    note: str

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.kato_code, self.indicator_code, self.document_ru, self.adopted_on)

    def csv_row(self) -> dict[str, str]:
        return {**{c: getattr(self, c) for c in CSV_COLUMNS}, "adopted_on": self.adopted_on.isoformat()}


@dataclass(frozen=True)
class _Reference:
    """What cells are checked against: the catalogue's regions (not the Republic) and indicators."""

    regions: dict[str, Region]
    indicators: frozenset[str]
    today: date


#: how a problem names its row: the row number of an imported sheet, or the Row of the catalogue file
_Handle = TypeVar("_Handle")


def load_planning(folder: Path | None = None) -> list[PlanningEntry]:
    """The checked rows of ``catalogue/planning_documents.csv``; every problem reported at once."""
    rows = list(read_rows(CATALOGUE_FILE, tuple(f.key for f in FIELDS if f.required), folder))
    return _check_catalogue(rows, _reference(folder))


def sync_planning(conn: Connection, folder: Path | None = None) -> int:
    """Mirror the register file into ``sdg.planning_document`` (run after regions and indicators)."""
    entries = load_planning(folder)
    _mirror(conn, entries)
    return len(entries)


def import_planning_register(
    path: Path, catalogue_dir: Path | None = None, conn: Connection | None = None
) -> ImportResult:
    """Check every cell of ``path`` (CSV or XLSX), then replace its regions' rows in the register file.

    The merged register is checked again as a whole before it is written; with ``conn`` it is also
    mirrored in the caller's transaction first, so a failure on either side leaves both as they were.
    Raises :class:`~etl.catalogue.sheet_import.ImportRejected` naming every bad cell.
    """
    folder = catalogue_dir or config.catalogue_files_dir()
    reference = _reference(folder)
    sheet, checker = check_file(Path(path), DATA_SHEET, FIELDS)
    parsers = _parsers(reference)
    parsed = []
    for number, cells in sheet.rows:
        values = checker.read(number, cells, parsers)
        if len(values) == len(FIELDS):  # a bad cell is recorded and left out: no cross-checks for its row
            parsed.append((number, values))
    entries = _entries(parsed, reference, checker.bad, lambda number: f"row {number}")
    checker.problems.raise_if_any()
    if not entries:
        raise ImportRejected(sheet.file_name, [f"{sheet.file_name}: no register rows below the header row"], 1)
    target = folder / CATALOGUE_FILE
    covered: set[tuple[str, ...]] = {(e.kato_code,) for e in entries}

    def resync(merged: list[dict[str, str]]) -> None:
        rows = [Row(target, line, data, CATALOGUE_FILE) for line, data in enumerate(merged, start=2)]
        checked = _check_catalogue(rows, reference)
        if conn is not None:
            _mirror(conn, checked)

    imported = [e.csv_row() for e in entries]
    return write_merged(target, CSV_COLUMNS, imported, covered, lambda row: (row["kato_code"],), resync, path)


def _reference(folder: Path | None) -> _Reference:
    regions = {r.kato_code: r for r in load_regions(folder) if r.kind != "country"}
    return _Reference(regions, frozenset(i.code for i in load_indicators(folder)), date.today())


def _check_catalogue(rows: list[Row], reference: _Reference) -> list[PlanningEntry]:
    """Rows of the catalogue file through the same checks as an import, errors named by line and column."""
    errors: list[str] = []
    parsers = _parsers(reference)
    parsed = []
    for row in rows:
        values = {}
        for f in FIELDS:
            try:
                values[f.key] = parsers[f.key](row.data.get(f.key))
            except CellError as exc:
                errors.append(f"{row.where(f.key)}: {exc}")
        if len(values) == len(FIELDS):
            parsed.append((row, values))
    entries = _entries(parsed, reference, lambda row, key, msg: errors.append(f"{row.where(key)}: {msg}"), _line)
    if errors:
        shown = "\n".join(f"  {e}" for e in errors[:MAX_SHOWN_ERRORS])
        more = f"\n  ... and {len(errors) - MAX_SHOWN_ERRORS} more" if len(errors) > MAX_SHOWN_ERRORS else ""
        raise CatalogueError(f"{CATALOGUE_FILE}: {len(errors)} problem(s):\n{shown}{more}")
    return entries


def _line(row: Row) -> str:
    return f"line {row.line}"


def _entries(
    parsed: Iterable[tuple[_Handle, dict]],
    reference: _Reference,
    bad: Callable[[_Handle, str, str], None],
    place: Callable[[_Handle], str],
) -> list[PlanningEntry]:
    """Checks across cells and rows: the region existed on the adoption date, no indicator twice in a
    document, one Kazakh name per document. ``bad(handle, column, message)`` records each problem."""
    entries: list[PlanningEntry] = []
    first_seen: dict[tuple, _Handle] = {}
    kazakh: dict[tuple, tuple[str, _Handle]] = {}
    for handle, values in parsed:
        entry = PlanningEntry(**values)
        region = reference.regions[entry.kato_code]
        if not _existed(region, entry.adopted_on):
            span = f"{region.valid_from or '…'} – {region.valid_to or '…'}"
            bad(handle, "adopted_on", f"{region.name_ru} ({region.kato_code}) did not exist then (valid {span})")
            continue
        if entry.key in first_seen:
            bad(
                handle,
                "indicator_code",
                f"indicator {entry.indicator_code} is already listed for this document "
                f"(same region, name and date) in {place(first_seen[entry.key])}",
            )
            continue
        first_seen[entry.key] = handle
        document = (entry.kato_code, entry.document_ru, entry.adopted_on)
        name_kk, other = kazakh.setdefault(document, (entry.document_kk, handle))
        if name_kk != entry.document_kk:
            bad(handle, "document_kk", f"the same document is named «{name_kk}» in {place(other)}")
        entries.append(entry)
    return entries


def _existed(region: Region, day: date) -> bool:
    started = region.valid_from is None or region.valid_from <= day
    return started and (region.valid_to is None or day <= region.valid_to)


def _parsers(reference: _Reference) -> dict[str, Callable[[object], object]]:
    def region(cell: object) -> str:
        code = parse_kato(required_text(cell))
        if code not in reference.regions:
            raise CellError(f"unknown region {code!r}: not a region or city of regions.csv")
        return code

    def indicator(cell: object) -> str:
        code = required_text(cell)
        if code not in reference.indicators:
            raise CellError(f"unknown indicator {code!r}: not in indicators.csv")
        return code

    def adopted(cell: object) -> date:
        day = _parse_date(cell)
        if day > reference.today:
            raise CellError(f"{day.isoformat()} is after today ({reference.today.isoformat()}): not adopted yet")
        return day

    return {
        "kato_code": region,
        "indicator_code": indicator,
        "document_ru": required_text,
        "document_kk": required_text,
        "adopted_on": adopted,
        "item": required_text,
        "note": clean_text,
    }


def _parse_date(cell: object) -> date:
    """A date cell, or text as ``15.03.2021`` (how people type it) or ISO ``2021-03-15`` (the catalogue's)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    raw = required_text(cell)
    dotted = _DOTTED_DATE.fullmatch(raw)
    try:
        if dotted:
            return date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
        if _ISO_DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass  # 31.02.2025 and the like: named below like any other bad date
    raise CellError(f"expected a date such as 15.03.2021 or 2021-03-15, got {text_of(cell)!r}")


def _mirror(conn: Connection, entries: list[PlanningEntry]) -> None:
    """The table mirrors the file exactly; the caller's transaction makes it all-or-nothing."""
    columns = [f.name for f in fields(PlanningEntry)]
    rows = [{**{c: getattr(e, c) for c in columns}, "note": e.note or None} for e in entries]
    replace_rows(conn, "sdg.planning_document", rows, columns)
