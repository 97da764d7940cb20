"""How every issued workbook prints: A4 landscape, fit to the page width, legible, rows as tall as their text.

Why computed here rather than left to the spreadsheet: fitting a sheet to the page width shrinks it by the
ratio of the printable width to the columns' width, so a wide table prints in tiny type (the national
extract printed at 5 pt, the forms at 6.6 pt). Each sheet's columns are chosen so that its smallest font,
shrunk by that ratio, stays at least ``MIN_PRINTED_PT``; ``check_legible`` refuses a layout that would not.
Spreadsheets do not grow a row for wrapped text they did not lay out themselves (LibreOffice shows the
stored height), so ``row_height`` estimates the wrapped lines of each cell from its column width and font.

The constants are measured, not guessed: LibreOffice 7.4 renders a column of width ``w`` (Excel character
units, default font Calibri 11, metric-compatible Carlito) about ``w × 5.63`` pt wide (5.7 kept), and Times New Roman
(metric-compatible Liberation Serif) Cyrillic text averages 0.43–0.5 em a character (0.49 kept: a clipped
line is worse than a spare one); a PDF word box
is 1.3 × the font size tall. ``tests/test_print_layout.py`` renders every kind of workbook and checks.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

#: the smallest type size a reader should see on paper
MIN_PRINTED_PT = 8.0
#: A4 landscape, in points
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 841.89, 595.28
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.3, 0.45, 0.55
PRINTABLE_WIDTH_PT = PAGE_WIDTH_PT - 2 * 72 * MARGIN_SIDE_IN
#: points per Excel column-width unit as LibreOffice prints it (measured)
PT_PER_WIDTH_UNIT = 5.7
#: average advance of a Times New Roman character, in em (Cyrillic with Kazakh letters; bold a little wider)
CHAR_EM, BOLD_CHAR_EM = 0.49, 0.52
#: cell padding left and right, and above and below, in points
CELL_PADDING_PT, ROW_PADDING_PT = 5.0, 3.0
LINE_SPACING = 1.17


def print_scale(widths: Sequence[float]) -> float:
    """The factor fitting ``widths`` to the page width shrinks the sheet by (1 when they fit as they are), in
    whole percent, as spreadsheets store it."""
    return min(1.0, math.floor(100 * PRINTABLE_WIDTH_PT / (sum(widths) * PT_PER_WIDTH_UNIT)) / 100)


def check_legible(widths: Sequence[float], smallest_font_pt: float, where: str) -> float:
    """The printed size of the sheet's smallest type; a layout that prints it under 8 pt is a bug, refused."""
    smallest_font_pt = min(smallest_font_pt, FOOTER_PT)
    printed = smallest_font_pt * print_scale(widths)
    if printed < MIN_PRINTED_PT - 1e-9:
        raise ValueError(
            f"{where}: {smallest_font_pt} pt type would print at {printed:.1f} pt on A4 landscape "
            f"(columns {sum(widths)} units wide); narrow the columns or enlarge the type to reach {MIN_PRINTED_PT} pt"
        )
    return printed


def wrapped_lines(text: str, width: float, font_pt: float, bold: bool = False) -> int:
    """Lines ``text`` takes word-wrapped in a column ``width`` units wide at ``font_pt`` (an estimate)."""
    usable = width * PT_PER_WIDTH_UNIT - CELL_PADDING_PT
    chars = max(1, int(usable / (font_pt * (BOLD_CHAR_EM if bold else CHAR_EM))))
    return sum(max(1, len(textwrap.wrap(part, chars, break_on_hyphens=True))) for part in str(text).split("\n"))


def row_height(lines: int, font_pt: float) -> float:
    """Height in points of a row of ``lines`` lines of ``font_pt`` type."""
    return round(max(1, lines) * font_pt * LINE_SPACING + ROW_PADDING_PT, 1)


def fit_row(ws: Worksheet, row: int, widths: Sequence[float], font_pt: float, bold: bool = False) -> None:
    """Set a table row's height from its longest wrapped cell."""
    lines = 1
    for col, width in enumerate(widths, start=1):
        value = ws.cell(row=row, column=col).value
        if value is not None:
            lines = max(lines, wrapped_lines(str(value), width, font_pt, bold))
    ws.row_dimensions[row].height = row_height(lines, font_pt)


def first_sheet(workbook: Workbook) -> Worksheet:
    """The worksheet a new workbook starts with (openpyxl types ``active`` as maybe None or a chartsheet)."""
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):
        raise TypeError(f"a new workbook starts with a worksheet, not {sheet!r}")
    return sheet


def setup_page(ws: Worksheet, title_rows: str, footer: DocumentInfo | None, language: str) -> None:
    """A4 landscape, fit to the page width (as many pages down as it takes), ``title_rows`` on every page,
    and the document's status, version, issue date, content hash and page number in the footer."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    # openpyxl makes pageSetUpPr and oddFooter with every sheet; the stubs say None as None may be assigned
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE_IN
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP_IN, MARGIN_BOTTOM_IN
    ws.page_margins.header, ws.page_margins.footer = 0.2, 0.2
    if footer is not None:
        parts = (ws.oddFooter.left, ws.oddFooter.right)  # type: ignore[union-attr]
        for part, text in zip(parts, footer.footer(language), strict=True):
            part.text, part.size, part.font = text, FOOTER_PT, "Times New Roman,Regular"


#: the footer shrinks with the sheet: 10 pt prints at 8 pt and more on every sheet ``check_legible`` accepts
FOOTER_PT = 10

#: status words of every issued document, and the line that identifies one issued file
STATUS_TEXT: dict[str, dict[str, str]] = {
    "ru": {"draft": "черновик", "final": "окончательный", "amended": "с изменениями"},
    "kk": {"draft": "жоба", "final": "түпкілікті", "amended": "өзгерістермен"},
}
STATUS_PREFIX = {"ru": "Статус: ", "kk": "Мәртебесі: "}
_INFO = {
    "ru": "Версия {version}. Дата выпуска: {issued}. Контрольная сумма содержания (SHA-256): {sha}",
    "kk": "{version}-нұсқа. Шығарылған күні: {issued}. Мазмұнның бақылау сомасы (SHA-256): {sha}",
}
_FOOTER_LEFT = {
    "ru": "{status}, версия {version}, выпущен {issued}. SHA-256 содержания: {sha}",
    "kk": "{status}, {version}-нұсқа, {issued} шығарылды. Мазмұнның SHA-256: {sha}",
}
_FOOTER_RIGHT = {"ru": "Стр. &P из &N", "kk": "&P-бет, барлығы &N"}


@dataclass(frozen=True)
class DocumentInfo:
    """What identifies one issued file: status, version, issue date and the hash of its content.

    The hash is of what the document says (``sdg.report.content_sha256``, as ``sdg report list`` shows it),
    not of the file's bytes: a file cannot contain its own hash.
    """

    status: str
    version: int
    issued_on: date
    content_sha256: str

    def __post_init__(self) -> None:
        if self.status not in STATUS_TEXT["ru"]:
            raise ValueError(
                f"unknown document status {self.status!r}; expected one of: {', '.join(STATUS_TEXT['ru'])}"
            )

    def status_line(self, language: str) -> str:
        return STATUS_PREFIX[language] + STATUS_TEXT[language][self.status]

    def info_line(self, language: str) -> str:
        return _INFO[language].format(
            version=self.version, issued=f"{self.issued_on:%d.%m.%Y}", sha=self.content_sha256
        )

    def footer(self, language: str) -> tuple[str, str]:
        left = _FOOTER_LEFT[language].format(
            status=STATUS_TEXT[language][self.status].capitalize(),
            version=self.version,
            issued=f"{self.issued_on:%d.%m.%Y}",
            sha=self.content_sha256,
        )
        return left, _FOOTER_RIGHT[language]
