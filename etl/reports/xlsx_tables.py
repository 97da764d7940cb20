"""Flat, filterable tables in a workbook sheet (title, subtitle, header row, one row per record).

Shared by the national extract and Appendix 1: the same fonts and borders as the forms, row heights set
from the longest wrapped cell (LibreOffice would overlap wrapped rows otherwise), a filter on the header,
fit to the page width; and the reader that gets the records back by their headers.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from etl.reports.appendix2_xlsx import BORDER, FONT_NAME, HEADER_FILL, fit_row_height

HEADER_ROW = 4


def heading(ws: Worksheet, title: str, subtitle: str) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(name=FONT_NAME, size=13, bold=True)
    ws.cell(row=2, column=1, value=subtitle).font = Font(name=FONT_NAME, size=11, italic=True)


def table(
    ws: Worksheet,
    headers: tuple[str, ...],
    rows: list[list[Any]],
    widths: tuple[int, ...],
    decimals: list[int] | None = None,
) -> None:
    font, bold = Font(name=FONT_NAME, size=11), Font(name=FONT_NAME, size=11, bold=True)
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill, cell.border = bold, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=HEADER_ROW + offset, column=col, value=value)
            cell.font, cell.border = font, BORDER
            number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            # numbers centred: right-aligned they run into the next column's left-aligned text when printed
            horizontal = "center" if number else None
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str), horizontal=horizontal)
            if isinstance(value, float) and decimals:
                cell.number_format = "0" if decimals[offset - 1] == 0 else "0." + "0" * decimals[offset - 1]
        fit_row_height(ws, HEADER_ROW + offset, widths)  # LibreOffice would overlap wrapped rows otherwise
    fit_row_height(ws, HEADER_ROW, widths)
    last = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(rows), 1)}"
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def records(ws: Worksheet, headers: tuple[str, ...], path: Path) -> list[dict[str, Any]]:
    """The rows under the header row as dicts keyed by header; the header row must be exactly ``headers``."""
    found = tuple(ws.cell(row=HEADER_ROW, column=col).value for col in range(1, len(headers) + 1))
    if found != headers:
        raise ValueError(f"{path} ({ws.title}): row {HEADER_ROW} has headers {found}, expected {headers}")
    rows = ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(headers), values_only=True)
    filled = (values for values in rows if any(v is not None for v in values))
    return [dict(zip(headers, map(plain, values), strict=True)) for values in filled]


def plain(value: Any) -> Any:
    """Numbers as exact Decimals of what the cell shows (openpyxl gives floats)."""
    return Decimal(str(value)) if isinstance(value, float) else value
