"""Flat, filterable tables in a workbook sheet (heading lines, header row, one row per record).

Shared by the national extract and Appendix 1: the same fonts and borders as the forms, row heights set
from the longest wrapped cell (LibreOffice would overlap wrapped rows otherwise), a filter on the header,
A4 landscape fit to the page width at a legible size (``print_layout``), the header repeated on every
printed page; and the reader that gets the records back by their headers.

Numbers are written as numbers with a fixed number of decimals (``Number``): the cell holds the value and a
format such as ``0.0``, so every value of an indicator shows the same decimals and the reader's locale shows
its own decimal separator (a comma in Kazakhstan).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from etl.reports.appendix2_xlsx import BORDER, FONT_NAME, HEADER_FILL
from etl.reports.print_layout import DocumentInfo, check_legible, fit_row, row_height, setup_page, wrapped_lines

#: the header row of a table with the default two heading lines (title, subtitle) and a blank row
HEADER_ROW = 4
#: type sizes (pt) of table cells and of the heading lines
BODY_PT, TITLE_PT, NOTE_PT = 10, 12, 10


@dataclass(frozen=True)
class Number:
    """A value printed with a fixed number of decimals (an indicator's published precision)."""

    value: Decimal | float | int
    decimals: int

    @property
    def number_format(self) -> str:
        decimals = max(0, min(int(self.decimals), 6))
        return "0" if decimals == 0 else "0." + "0" * decimals


def heading_lines(
    ws: Worksheet, lines: Sequence[tuple[str, float, bool]], widths: Sequence[float] | None, first_row: int = 1
) -> int:
    """(text, size, bold) lines from ``first_row`` down, each merged over the table and as tall as its text;
    return the next free row."""
    row = first_row
    for text, size, bold in lines:
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = Font(name=FONT_NAME, size=size, bold=bold)
        if widths:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            ws.row_dimensions[row].height = row_height(wrapped_lines(text, sum(widths), size, bold), size)
        row += 1
    return row


def table(
    ws: Worksheet,
    headers: tuple[str, ...],
    rows: list[list[Any]],
    widths: tuple[float, ...],
    decimals: list[int] | None = None,
    header_row: int = HEADER_ROW,
    info: DocumentInfo | None = None,
    language: str = "ru",
) -> int:
    """Write the header and the rows from ``header_row``; return the last row written.

    A ``Number`` cell gets its own decimals; a plain float gets its row's ``decimals`` (when given).
    """
    check_legible(widths, min(BODY_PT, NOTE_PT), f"sheet {ws.title!r}")
    font, bold = Font(name=FONT_NAME, size=BODY_PT), Font(name=FONT_NAME, size=BODY_PT, bold=True)
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=col, value=header)
        cell.font, cell.fill, cell.border = bold, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            number_format = None
            if isinstance(value, Number):
                number_format = value.number_format
                value = float(value.value)
            elif isinstance(value, float) and decimals:
                number_format = Number(value, decimals[offset - 1]).number_format
            cell = ws.cell(row=header_row + offset, column=col, value=value)
            cell.font, cell.border = font, BORDER
            number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            # numbers centred: right-aligned they run into the next column's left-aligned text when printed
            horizontal = "center" if number else None
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str), horizontal=horizontal)
            if number_format:
                cell.number_format = number_format
        fit_row(ws, header_row + offset, widths, BODY_PT)  # LibreOffice would overlap wrapped rows otherwise
    fit_row(ws, header_row, widths, BODY_PT, bold=True)
    last = get_column_letter(len(headers))
    last_row = header_row + max(len(rows), 1)
    ws.auto_filter.ref = f"A{header_row}:{last}{last_row}"
    ws.freeze_panes = f"C{header_row + 1}"
    setup_page(ws, f"{header_row}:{header_row}", info, language)
    return last_row


def records(
    ws: Worksheet, headers: tuple[str, ...], path: Path, header_row: int = HEADER_ROW, stop: int | None = None
) -> list[dict[str, Any]]:
    """The rows under the header row (up to ``stop``, excluded) as dicts keyed by header; the header row must
    be exactly ``headers``."""
    found = tuple(ws.cell(row=header_row, column=col).value for col in range(1, len(headers) + 1))
    if found != headers:
        raise ValueError(f"{path} ({ws.title}): row {header_row} has headers {found}, expected {headers}")
    max_row = None if stop is None else stop - 1
    rows = ws.iter_rows(min_row=header_row + 1, max_row=max_row, max_col=len(headers), values_only=True)
    filled = (values for values in rows if any(v is not None for v in values))
    return [dict(zip(headers, map(plain, values), strict=True)) for values in filled]


def plain(value: Any) -> Any:
    """Numbers as exact Decimals of what the cell shows (openpyxl gives floats)."""
    return Decimal(str(value)) if isinstance(value, float) else value
