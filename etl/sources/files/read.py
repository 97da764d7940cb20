"""Bytes of a dropped file into rows of cells: XLSX through openpyxl, CSV through the csv module.

Only what can be read unambiguously is accepted: XLSX (the first sheet, or «Данные»), and CSV in UTF-8
(with or without BOM) separated by ``,``, ``;`` (Russian Excel's default) or tabs. Anything else is
rejected with a reason a person at a responsible body can act on (e.g. "save as CSV UTF-8").
Row numbers are the ones people see: the header is row 1.

A CSV row with more or fewer cells than the header row rejects the file, each such row named with its
cell count and the columns concerned: a cell out of place would otherwise load under the wrong column
or be dropped. The usual cause is a decimal comma in a comma-separated file (``…,45,5,…``): the
message says so; such a value must be quoted (``"45,5"``) or the file saved with ``;``
(docs/decisions/no-silent-wrong-values.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from etl.sources.errors import SourceError
from etl.sources.files.template import DATA_SHEET

SOURCE = "files"
MAX_BYTES = 20 * 1024 * 1024
#: an XLSX is a zip; refuse archives that would inflate beyond this (zip bombs)
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 100_000
#: rows of the wrong width named in one error (the count says how many there are)
MAX_WIDTH_PROBLEMS = 20
CSV_DELIMITERS = (";", ",", "\t")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class Table:
    """The header row and the numbered data rows of one file."""

    header: list[object]
    rows: Iterator[tuple[int, list[object]]]


def read_table(content: bytes, file_name: str, url: str) -> Table:
    """Open a dropped file by its extension; raise :class:`SourceError` naming the file and the reason."""
    if len(content) > MAX_BYTES:
        raise SourceError(SOURCE, url, f"{file_name}: {len(content)} bytes is over the {MAX_BYTES} byte limit")
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(content, file_name, url)
    if suffix == ".csv":
        return _csv(content, file_name, url)
    if suffix == ".xls":
        raise SourceError(SOURCE, url, f"{file_name}: old binary Excel (.xls) is not accepted; save it as .xlsx")
    raise SourceError(SOURCE, url, f"{file_name}: expected a .xlsx or .csv file, got {suffix or 'no extension'!r}")


def _xlsx(content: bytes, file_name: str, url: str) -> Table:
    from openpyxl import load_workbook

    _check_zip(content, file_name, url)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        reason = f"{file_name}: not a readable XLSX workbook: {type(exc).__name__}: {exc}"
        raise SourceError(SOURCE, url, reason) from exc
    sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
    try:
        rows: list[list[object]] = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
    except Exception as exc:
        raise SourceError(SOURCE, url, f"{file_name}: sheet {sheet.title!r} cannot be read: {exc}") from exc
    finally:
        book.close()
    return _table(rows, file_name, url)


def _check_zip(content: bytes, file_name: str, url: str) -> None:
    if not content.startswith(b"PK\x03\x04"):
        raise SourceError(SOURCE, url, f"{file_name}: not a readable XLSX workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise SourceError(SOURCE, url, f"{file_name}: not a readable XLSX workbook (broken zip: {exc})") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise SourceError(SOURCE, url, f"{file_name}: workbook unpacks to {unzipped} bytes, over the limit")


def _csv(content: bytes, file_name: str, url: str) -> Table:
    text = _decode(content, file_name, url)
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows: list[list[object]] = [list(r) for r in itertools.islice(reader, MAX_ROWS + 1)]
    except csv.Error as exc:
        raise SourceError(SOURCE, url, f"{file_name}: broken CSV: {exc}") from exc
    _check_widths(rows, delimiter, file_name, url)
    return _table(rows, file_name, url)


def _check_widths(rows: list[list[object]], delimiter: str, file_name: str, url: str) -> None:
    """Every non-blank row has exactly the header's number of cells, else the file is rejected naming the rows."""
    if not rows:
        return
    header = [str(h).strip() for h in rows[0]]
    bad = [
        _width_problem(number, row, header, delimiter)
        for number, row in enumerate(rows[1:], start=2)
        if len(row) != len(header) and any(_filled(c) for c in row)
    ]
    if bad:
        shown = f", first {MAX_WIDTH_PROBLEMS} shown" if len(bad) > MAX_WIDTH_PROBLEMS else ""
        head = f"{file_name}: {len(bad)} row(s) do not have the header's {len(header)} cells{shown}: "
        raise SourceError(SOURCE, url, head + "; ".join(bad[:MAX_WIDTH_PROBLEMS]))


def _width_problem(number: int, row: list[object], header: list[str], delimiter: str) -> str:
    if len(row) > len(header):
        extra = ", ".join(f"column {i + 1} {row[i]!r}" for i in range(len(header), len(row)))
        hint = (
            " (decimal comma? in a comma-separated file write 45.5, put 45,5 in quotes, or save with ';')"
            if delimiter == ","
            else f" (a {delimiter!r} inside a cell? put that cell in quotes)"
        )
        return f"row {number} has {len(row)} cells, beyond the header: {extra}{hint}"
    missing = ", ".join(f"«{h}»" if h else f"column {i + 1}" for i, h in enumerate(header) if i >= len(row))
    return f"row {number} has {len(row)} cells, missing: {missing}"


def _decode(content: bytes, file_name: str, url: str) -> str:
    if content.startswith(_UTF16_BOMS):
        raise SourceError(SOURCE, url, f"{file_name}: file is UTF-16 (Excel's 'Unicode text'); save it as CSV UTF-8")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            SOURCE,
            url,
            f"{file_name}: not UTF-8 (byte 0x{content[exc.start]:02x} at position {exc.start}; "
            "probably Windows-1251); save it as 'CSV UTF-8' or send .xlsx",
        ) from exc
    if "\x00" in text:
        raise SourceError(SOURCE, url, f"{file_name}: contains NUL bytes; not a text CSV file")
    return text


def _table(rows: list[list[object]], file_name: str, url: str) -> Table:
    if not rows or not any(_filled(c) for c in rows[0]):
        raise SourceError(SOURCE, url, f"{file_name}: row 1 should be the template's header row, but it is empty")
    if len(rows) > MAX_ROWS:
        raise SourceError(SOURCE, url, f"{file_name}: more than {MAX_ROWS} rows; split the report")
    numbered = ((number, row) for number, row in enumerate(rows[1:], start=2) if any(_filled(c) for c in row))
    return Table(header=rows[0], rows=numbered)


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""
