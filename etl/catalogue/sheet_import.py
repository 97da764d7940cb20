"""People-filled CSV/XLSX files into checked cells, and catalogue CSVs rewritten atomically.

Shared by the plans and activities imports. The rules match the files source (``etl/sources/files``):
XLSX (the named data sheet, else the first) or CSV in UTF-8 separated by ``,``, ``;`` or tabs; row 1
is the header and row numbers are the ones people see. Every problem names file, sheet, row, column
(and the cell address in XLSX); all of them are gathered before anything is written, and the catalogue
file is replaced by one ``os.replace`` so nobody ever reads half of it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from etl.catalogue.files import CatalogueError

MAX_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 100_000
MAX_PROBLEMS = 30
CSV_DELIMITERS = (";", ",", "\t")
MIN_YEAR = 1991
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_KATO = re.compile(r"\d{9}")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class CellError(ValueError):
    """One cell does not hold what its column needs; the message says what was expected and found."""


class ImportRejected(CatalogueError):
    """A file was refused as a whole; ``problems`` lists every bad cell (up to a limit)."""

    def __init__(self, file_name: str, problems: list[str], count: int) -> None:
        shown = f", first {len(problems)} shown" if count > len(problems) else ""
        super().__init__(f"{file_name} was not imported ({count} problem(s){shown}): " + "; ".join(problems))
        self.problems = problems
        self.count = count


@dataclass(frozen=True)
class ImportResult:
    """What an import did to the catalogue file."""

    source: Path  #: the imported file
    catalogue_file: Path  #: the catalogue CSV that now holds the rows
    rows: int  #: rows written from the imported file
    covered: tuple[tuple[str, ...], ...]  #: the blocks the file replaced, e.g. (kato_code, year)
    removed: int  #: rows of those blocks the catalogue held before
    kept: int  #: rows of other blocks, left as they were
    changed: bool  #: False when the catalogue already held exactly these rows (nothing rewritten)


@dataclass(frozen=True)
class Field:
    """A column of an import template: the catalogue key, the headers people may use, whether it is kept."""

    key: str
    titles: tuple[str, ...]  #: the first is the template's header; the key itself is accepted too
    required: bool = False  #: the header must have this column
    stored: bool = True  #: False for reference columns (a region's name) that are read but not kept
    hint_ru: str = ""
    hint_kk: str = ""

    @property
    def title(self) -> str:
        return self.titles[0]


#: the region's KATO code: the first column of every regional template (plans, activities, the planning register)
KATO_FIELD = Field(
    "kato_code",
    ("Код КАТО / ҚАТО коды", "Код КАТО", "ҚАТО коды"),
    required=True,
    hint_ru="9 цифр, например 710000000 (ячейка в текстовом формате)",
    hint_kk="9 цифр, мысалы 710000000 (ұяшық мәтіндік пішімде)",
)

#: the national indicator's number, as in ``catalogue/indicators.csv`` (plans, the planning register)
INDICATOR_FIELD = Field(
    "indicator_code",
    ("Код индикатора / Индикатор коды", "Код индикатора", "Индикатор коды"),
    required=True,
    hint_ru="номер национального индикатора ЦУР из каталога, например 3.2.1",
    hint_kk="каталогтағы ТДМ ұлттық индикаторының нөмірі, мысалы 3.2.1",
)


@dataclass
class Sheet:
    """The header and the non-empty numbered rows of one file (or of one sheet of a workbook)."""

    file_name: str
    sheet: str | None  #: None for CSV
    header: list[object]
    rows: list[tuple[int, list[object]]]


@dataclass
class Problems:
    """Everything wrong with one file, each naming where; raised together so it is fixed in one go."""

    sheet: Sheet
    limit: int = MAX_PROBLEMS
    items: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, column: int | None, title: str, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(f"{self.where(row, column, title)}: {message}")

    def where(self, row: int, column: int | None, title: str) -> str:
        parts = [self.sheet.file_name]
        if self.sheet.sheet is not None:
            parts.append(f"sheet «{self.sheet.sheet}»")
        parts.append(f"row {row}")
        cell = f" ({column_letter(column)}{row})" if self.sheet.sheet is not None and column is not None else ""
        parts.append(f"column «{title}»{cell}")
        return ", ".join(parts)

    def raise_if_any(self) -> None:
        if self.count:
            raise ImportRejected(self.sheet.file_name, self.items, self.count)


def column_letter(position: int) -> str:
    """Excel's letter of a 0-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheet(path: Path, data_sheet: str) -> Sheet:
    """Open a CSV or XLSX by its extension; refuse anything that cannot be read unambiguously."""
    name = path.name
    if not path.is_file():
        raise CatalogueError(f"{path}: no such file")
    content = path.read_bytes()
    if len(content) > MAX_BYTES:
        raise CatalogueError(f"{name}: {len(content)} bytes is over the {MAX_BYTES} byte limit")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(content, name, data_sheet)
    if suffix == ".csv":
        return _sheet(name, None, _csv(content, name))
    if suffix == ".xls":
        raise CatalogueError(f"{name}: old binary Excel (.xls) is not accepted; save it as .xlsx")
    raise CatalogueError(f"{name}: expected a .xlsx or .csv file, got {suffix or 'no extension'!r}")


def _xlsx(content: bytes, name: str, data_sheet: str) -> Sheet:
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        raise CatalogueError(f"{name}: not a readable XLSX workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:
            raise CatalogueError(f"{name}: workbook unpacks to {unzipped} bytes, over the limit")
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except CatalogueError:
        raise
    except Exception as exc:  # zipfile and openpyxl raise many kinds for a broken workbook
        raise CatalogueError(f"{name}: not a readable XLSX workbook: {type(exc).__name__}: {exc}") from exc
    try:
        sheet = book[data_sheet] if data_sheet in book.sheetnames else book.worksheets[0]
        rows: list[list[object]] = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
        title = sheet.title
    except Exception as exc:
        raise CatalogueError(f"{name}: the data sheet cannot be read: {exc}") from exc
    finally:
        book.close()
    return _sheet(name, title, rows)


def _csv(content: bytes, name: str) -> list[list[object]]:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CatalogueError(f"{name}: file is UTF-16 (Excel's 'Unicode text'); save it as CSV UTF-8")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{name}: not UTF-8 (byte 0x{content[exc.start]:02x} at position {exc.start}; probably Windows-1251); "
            "save it as 'CSV UTF-8' or send .xlsx"
        ) from exc
    if "\x00" in text:
        raise CatalogueError(f"{name}: contains NUL bytes; not a text CSV file")
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise CatalogueError(f"{name}: broken CSV: {exc}") from exc


def _sheet(name: str, title: str | None, rows: list[list[object]]) -> Sheet:
    where = f"{name}, sheet «{title}»" if title is not None else name
    if not rows or not any(filled(c) for c in rows[0]):
        raise CatalogueError(f"{where}: row 1 should be the template's header row, but it is empty")
    if len(rows) > MAX_ROWS:
        raise CatalogueError(f"{where}: more than {MAX_ROWS} rows; split the file")
    numbered = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(filled(c) for c in row)]
    return Sheet(name, title, rows[0], numbered)


def filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def normalise_title(raw: object) -> str:
    """Header cells as people type them: case, spaces, non-breaking spaces and ё do not matter."""
    return _SPACES.sub(" ", text_of(raw)).strip().lower().replace("ё", "е")


def header_positions(sheet: Sheet, fields: Iterable[Field], problems: Problems) -> dict[str, int]:
    """Column positions by key. Unknown, repeated or missing required columns, and values under a column
    without a header, reject the file before any row is read."""
    fields = tuple(fields)
    titles = {normalise_title(t): f for f in fields for t in (*f.titles, f.key)}
    positions: dict[str, int] = {}
    for pos, raw in enumerate(sheet.header):
        title = normalise_title(raw)
        if not title:
            continue
        found = titles.get(title)
        if found is None:
            known = ", ".join(f"«{f.title}»" for f in fields)
            problems.add(1, pos, str(raw).strip(), f"unknown column; the template has {known}")
        elif found.key in positions:
            problems.add(1, pos, str(raw).strip(), f"column «{found.title}» appears twice")
        else:
            positions[found.key] = pos
    for f in fields:
        if f.required and f.key not in positions:
            problems.add(1, None, f.title, "required column is missing from the header row")
    headed = set(positions.values())
    for row, cells in sheet.rows:
        for pos, cell in enumerate(cells):
            if filled(cell) and pos not in headed and not normalise_title(_at(sheet.header, pos)):
                problems.add(
                    row, pos, f"#{pos + 1} (no header)", f"value {text_of(cell)!r} in a column without a header"
                )
    problems.raise_if_any()
    return positions


def _at(cells: list[object], pos: int) -> object:
    return cells[pos] if pos < len(cells) else None


def text_of(cell: object) -> str:
    """A cell as text the way a person typed it: whole floats without ``.0``, None as empty."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def clean_text(cell: object) -> str:
    """A text cell with its runs of spaces and line breaks made single spaces (CSV stays one line a row)."""
    return _SPACES.sub(" ", text_of(cell)).strip()


def parse_number(cell: object) -> Decimal | None:
    """A number typed with a decimal comma or point and spaces between thousands; empty is None."""
    if isinstance(cell, bool):
        raise CellError(f"expected a number, got {cell}")
    if isinstance(cell, datetime | date | time):
        raise CellError(f"expected a number, got the date {cell} (Excel converted it; format the column as text)")
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError(f"expected a number, got {cell}")
        return Decimal(int(cell)) if cell.is_integer() else Decimal(repr(cell))
    raw = text_of(cell).strip()
    if not raw:
        return None
    compact = _SPACES.sub("", raw)
    if "," in compact and "." in compact and re.fullmatch(r"[+-]?[\d.,]+", compact):
        raise CellError(f"expected a number, got {raw!r} (use one decimal separator and no thousands separator)")
    compact = compact.replace(",", ".")
    if not _NUMBER.fullmatch(compact):
        raise CellError(f"expected a number, got {raw!r}")
    return Decimal(compact)


def parse_year(cell: object, last: int) -> int:
    """A four-digit year between 1991 and ``last``."""
    raw = text_of(cell).strip()
    if isinstance(cell, bool) or not re.fullmatch(r"\d{4}", raw):
        raise CellError(f"expected a year (four digits), got {raw!r}")
    year = int(raw)
    if not MIN_YEAR <= year <= last:
        raise CellError(f"year {year} is out of range {MIN_YEAR}–{last}")
    return year


def parse_kato(cell: object) -> str:
    """A 9-digit KATO code, with a hint when Excel dropped its leading zeros."""
    code = text_of(cell).strip()
    if not _KATO.fullmatch(code):
        hint = " (format the column as text so leading zeros are kept)" if code.isdigit() else ""
        raise CellError(f"expected a 9-digit KATO code, got {code!r}{hint}")
    return code


def format_number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def read_catalogue_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a catalogue CSV as stored (missing file: no header, no rows)."""
    if not path.exists():
        return [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
        return list(reader.fieldnames or []), rows


def merge_blocks(
    existing: list[dict[str, str]],
    imported: list[dict[str, str]],
    covered: set[tuple[str, ...]],
    block: Callable[[dict[str, str]], tuple[str, ...]],
) -> tuple[list[dict[str, str]], int]:
    """The catalogue's rows with every covered block replaced by the imported rows; other rows keep their
    place and text. The imported rows go where the first replaced row was (else at the end)."""
    merged: list[dict[str, str]] = []
    placed = False
    removed = 0
    for row in existing:
        if block(row) in covered:
            removed += 1
            if not placed:
                merged.extend(imported)
                placed = True
            continue
        merged.append(row)
    if not placed:
        merged.extend(imported)
    return merged, removed


def render_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({c: row.get(c, "") for c in columns} for row in rows)
    return buffer.getvalue()


def replace_file(path: Path, content: str) -> None:
    """Write ``content`` next to ``path`` and move it over in one step: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass
class Checker:
    """Reads one row's cells by column key, each through its parser, recording every bad cell."""

    fields: tuple[Field, ...]
    positions: dict[str, int]
    problems: Problems

    def read(self, row: int, cells: list[object], parsers: Mapping[str, Callable[[object], object]]) -> dict:
        """The row's good values by key (None for absent columns); a bad cell is recorded and left out."""
        values: dict[str, object] = {}
        for f in self.fields:
            pos = self.positions.get(f.key)
            cell = _at(cells, pos) if pos is not None else None
            try:
                values[f.key] = parsers.get(f.key, clean_text)(cell)
            except CellError as exc:
                self.bad(row, f.key, str(exc))
        return values

    def bad(self, row: int, key: str, message: str) -> None:
        title = next(f.title for f in self.fields if f.key == key)
        self.problems.add(row, self.positions.get(key), title, message)


def required_text(cell: object) -> str:
    value = clean_text(cell)
    if not value:
        raise CellError("value required")
    return value


def check_file(path: Path, data_sheet: str, fields: tuple[Field, ...]) -> tuple[Sheet, Checker]:
    """Open a file and check its header; the checker then reads its rows."""
    sheet = read_sheet(path, data_sheet)
    problems = Problems(sheet)
    return sheet, Checker(fields, header_positions(sheet, fields, problems), problems)


def write_merged(
    target: Path,
    columns: tuple[str, ...],
    imported: list[dict[str, str]],
    covered: set[tuple[str, ...]],
    block: Callable[[dict[str, str]], tuple[str, ...]],
    resync: Callable[[list[dict[str, str]]], object] | None = None,
    source: Path | None = None,
) -> ImportResult:
    """Replace the covered blocks of a catalogue CSV with the imported rows, atomically.

    ``resync`` (given the merged rows) runs first, inside the caller's transaction: when it fails the file
    is untouched, and when the file cannot be replaced the exception rolls the transaction back.
    """
    header, existing = read_catalogue_csv(target)
    merged, removed = merge_blocks(existing, imported, covered, block)
    content = render_csv([*columns, *(c for c in header if c not in columns)], merged)
    before = target.read_text(encoding="utf-8") if target.exists() else None
    if resync is not None:
        resync(merged)
    if content != before:
        replace_file(target, content)
    return ImportResult(
        source=source or target,
        catalogue_file=target,
        rows=len(imported),
        covered=tuple(sorted(covered)),
        removed=removed,
        kept=len(existing) - removed,
        changed=content != before,
    )
