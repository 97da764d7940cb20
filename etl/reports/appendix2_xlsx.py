"""Render the annual monitoring form (Appendix 2 of order No. 236) as one XLSX file, one sheet per language.

Why a separate module: ``forms.py`` holds *what* goes into the form; this module only lays it out the
way the order prints it (9 numbered columns, «Индикаторы» and «Мероприятия*» blocks, footnote), so
regions receive a file that looks like the official template: the Russian sheet «Приложение 2» and the
Kazakh sheet «2-қосымша», the same table with every text in its language. The file is written to a temporary
file next to the target and moved into place with ``os.replace``, so a crash never leaves a half
written workbook where a downstream task or a person could pick it up. ``read_appendix2`` reads the
layout back by its header texts, for tests and for later consistency checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from etl.reports import order_texts
from etl.reports.forms import APPENDIX2_COLUMNS, APPENDIX2_COLUMNS_RU, Appendix2Form, FormRow
from etl.reports.issuing import save_atomically
from etl.reports.print_layout import (
    STATUS_PREFIX,
    STATUS_TEXT,
    DocumentInfo,
    check_legible,
    first_sheet,
    fit_row,
    row_height,
    setup_page,
    wrapped_lines,
)


@dataclass(frozen=True)
class SheetTexts:
    """The fixed texts of one language's sheet (everything that is not the form's own content)."""

    sheet_title: str
    appendix_label: str
    form_label: str
    #: the order's title of the form, and the line under it (``str.format`` with ``{region}`` and ``{year}``)
    title: str
    subtitle: str
    indicators_header: str
    activities_header: str
    status_prefix: str
    status_text: dict[str, str]
    columns: tuple[str, ...]
    footnote: str

    def subtitle_line(self, form: Appendix2Form) -> str:
        region = form.region_name_kk if form.language == "kk" else form.region_name_ru
        return self.subtitle.format(region=region, year=form.year)

    def status_line(self, status: str) -> str:
        try:
            return self.status_prefix + self.status_text[status]
        except KeyError:
            known = ", ".join(sorted(self.status_text))
            raise ValueError(f"unknown form status {status!r}; expected one of: {known}") from None


def _texts(language: str, sheet_title: str) -> SheetTexts:
    """A sheet's fixed texts: the order's words (``order_texts``) and the status words of issued documents."""
    return SheetTexts(
        sheet_title=sheet_title,
        appendix_label=order_texts.APPENDIX_LABEL[2][language],
        form_label=order_texts.FORM_LABEL[language],
        title=order_texts.APPENDIX2_TITLE[language],
        subtitle=order_texts.APPENDIX2_SUBTITLE[language],
        indicators_header=order_texts.INDICATORS_HEADER[language],
        activities_header=order_texts.ACTIVITIES_HEADER[language],
        status_prefix=STATUS_PREFIX[language],
        status_text=STATUS_TEXT[language],
        columns=APPENDIX2_COLUMNS[language],
        footnote=order_texts.ACTIVITIES_FOOTNOTE[language],
    )


TEXTS: dict[str, SheetTexts] = {"ru": _texts("ru", "Приложение 2"), "kk": _texts("kk", "2-қосымша")}

CREATOR = "SDG monitoring pipeline"

N_COLS = len(APPENDIX2_COLUMNS_RU)
LAST_COL = "I"
HEADER_ROW = 5
NUMBERING_ROW = 6
FIRST_BLOCK_ROW = 7
#: Widths of columns A..I, in Excel character units: together the printable width of A4 landscape, so the
#: form prints at its own type size (``print_layout``); the header words fit their columns unbroken.
COLUMN_WIDTHS: tuple[float, ...] = (6, 34, 22, 17, 13, 9, 9, 9, 22)
#: Columns (1-based) whose content is centred: number, unit, year, plan, fact.
CENTERED_COLS = frozenset({1, 5, 6, 7, 8})
#: type sizes (pt): the table and the notes under it, the order's label, the title
BODY_PT, NOTE_PT, TITLE_PT = 10, 10, 12
LINE_HEIGHT_PT = BODY_PT * 1.2 + 3

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
FONT_NAME = "Times New Roman"


def appendix2_filename(form: Appendix2Form) -> str:
    """Return a safe ASCII file name, e.g. ``appendix2_750000000_2024.xlsx``."""
    code = re.sub(r"[^0-9A-Za-z_-]+", "_", form.kato_code.strip()).strip("_")
    if not code:
        raise ValueError(f"kato_code {form.kato_code!r} gives an empty file name")
    return f"appendix2_{code}_{int(form.year)}.xlsx"


def write_appendix2(
    forms: Appendix2Form | Sequence[Appendix2Form], path: Path, info: DocumentInfo | None = None
) -> Path:
    """Write one sheet per form (Russian ``Приложение 2`` first, Kazakh ``2-қосымша``) to ``path`` atomically.

    The forms of one workbook are one region's one year in different languages: same KATO code, year and
    status, each language at most once. ``info`` (version, issue date, content hash) is printed under the
    status line and in every page's footer.
    """
    path = Path(path)
    forms = _ordered_forms(forms)  # fail before touching the disk
    status_lines = [TEXTS[f.language].status_line(f.status) for f in forms]
    if info is not None and info.status != forms[0].status:
        raise ValueError(f"document status {info.status!r} differs from the forms' {forms[0].status!r}")
    workbook = _build_workbook(forms, status_lines, info)
    save_atomically(workbook, path)
    return path


# --------------------------------------------------------------------------------------------- layout


def _ordered_forms(forms: Appendix2Form | Sequence[Appendix2Form]) -> list[Appendix2Form]:
    forms = [forms] if isinstance(forms, Appendix2Form) else list(forms)
    if not forms:
        raise ValueError("no form to write")
    languages = [f.language for f in forms]
    if len(set(languages)) != len(languages):
        raise ValueError(f"one sheet per language: got languages {languages}")
    first = forms[0]
    for form in forms[1:]:
        if (form.kato_code, form.year, form.status) != (first.kato_code, first.year, first.status):
            raise ValueError(
                "the sheets of one workbook are one region's one year: got "
                f"{(first.kato_code, first.year, first.status)} and {(form.kato_code, form.year, form.status)}"
            )
    order = list(TEXTS)
    return sorted(forms, key=lambda f: order.index(f.language))


def _build_workbook(forms: list[Appendix2Form], status_lines: list[str], info: DocumentInfo | None) -> Workbook:
    check_legible(COLUMN_WIDTHS, min(BODY_PT, NOTE_PT), "Appendix 2")
    workbook = Workbook()
    for index, (form, status_line) in enumerate(zip(forms, status_lines, strict=True)):
        texts = TEXTS[form.language]
        ws = first_sheet(workbook) if index == 0 else workbook.create_sheet()
        ws.title = texts.sheet_title
        _write_heading(ws, form, texts)
        _write_column_headers(ws, texts.columns)
        row = _write_block(ws, FIRST_BLOCK_ROW, texts.indicators_header, form.indicators)
        row = _write_block(ws, row, texts.activities_header, form.activities)
        # ``row`` is the first free row after the table: leave it blank, footnote goes below it.
        info_line = info.info_line(form.language) if info else ""
        last_row = _write_trailer(ws, row + 1, texts.footnote, form.provenance_note, status_line, info_line)
        _set_columns_and_page(ws, last_row, info, form.language)
    first = forms[0]
    region = first.region_name_kk if first.language == "kk" else first.region_name_ru
    workbook.properties.title = f"{TEXTS[first.language].sheet_title}: {region}, {first.year}"
    workbook.properties.description = info.info_line(first.language) if info else None
    workbook.properties.subject = order_texts.APPENDIX2_TITLE["ru"]
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    return workbook


def _merged_line(ws: Worksheet, row: int, text: str, font: Font, horizontal: str, size: float = NOTE_PT) -> None:
    ws.merge_cells(f"A{row}:{LAST_COL}{row}")
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = _merged_height(text, size, bool(font.b))


def _write_heading(ws: Worksheet, form: Appendix2Form, texts: SheetTexts) -> None:
    """The order's heading: «Приложение 2 к приказу …» and «Форма» on the right, the title, region and year.
    Each sheet in its own language only (the Kazakh title is on the Kazakh sheet, not under the Russian one)."""
    label = ws.cell(row=1, column=6, value=texts.appendix_label)  # over the right-hand columns, as the order has it
    ws.merge_cells(start_row=1, start_column=6, end_row=1, end_column=N_COLS)
    label.font = Font(name=FONT_NAME, size=NOTE_PT)
    label.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.row_dimensions[1].height = row_height(
        wrapped_lines(texts.appendix_label, sum(COLUMN_WIDTHS[5:]), NOTE_PT), NOTE_PT
    )
    form_label = ws.cell(row=2, column=6, value=texts.form_label)
    ws.merge_cells(start_row=2, start_column=6, end_row=2, end_column=N_COLS)
    form_label.font = Font(name=FONT_NAME, size=NOTE_PT)
    form_label.alignment = Alignment(horizontal="left", vertical="center")
    _merged_line(ws, 3, texts.title, Font(name=FONT_NAME, size=TITLE_PT, bold=True), "center", TITLE_PT)
    _merged_line(ws, 4, texts.subtitle_line(form), Font(name=FONT_NAME, size=TITLE_PT, bold=True), "center", TITLE_PT)


def _write_column_headers(ws: Worksheet, columns: tuple[str, ...] = APPENDIX2_COLUMNS_RU) -> None:
    bold = Font(name=FONT_NAME, size=BODY_PT, bold=True)
    for col, text in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = bold
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        number = ws.cell(row=NUMBERING_ROW, column=col, value=col)
        number.font = Font(name=FONT_NAME, size=BODY_PT)
        number.border = BORDER
        number.alignment = Alignment(horizontal="center", vertical="center")
    fit_row(ws, HEADER_ROW, COLUMN_WIDTHS, BODY_PT, bold=True)
    ws.row_dimensions[NUMBERING_ROW].height = LINE_HEIGHT_PT


def _write_block(ws: Worksheet, row: int, header: str, rows: Iterable[FormRow]) -> int:
    """Write a block header and its rows; return the first free row after the block."""
    ws.merge_cells(f"A{row}:{LAST_COL}{row}")
    for col in range(1, N_COLS + 1):
        ws.cell(row=row, column=col).border = BORDER
    cell = ws.cell(row=row, column=1, value=header)
    cell.font = Font(name=FONT_NAME, size=BODY_PT, bold=True)
    cell.alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[row].height = LINE_HEIGHT_PT
    row += 1
    written = 0
    for form_row in rows:
        _write_form_row(ws, row, form_row)
        row += 1
        written += 1
    if written == 0:
        _write_empty_row(ws, row)
        row += 1
    return row


def _number_format(decimals: int) -> str:
    decimals = max(0, min(int(decimals), 6))
    return "0" if decimals == 0 else "0." + "0" * decimals


def _as_number(value: Decimal | float | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return float(value)


def _row_values(form_row: FormRow) -> list[Any]:
    fact: Any = _as_number(form_row.fact)
    if fact is None:
        fact = form_row.fact_text or None
    return [
        str(form_row.number),
        form_row.name,
        form_row.responsible,
        form_row.source,
        form_row.unit,
        int(form_row.year),
        _as_number(form_row.plan),
        fact,
        form_row.note or None,
    ]


def _write_form_row(ws: Worksheet, row: int, form_row: FormRow) -> None:
    number_format = _number_format(form_row.decimals)
    for col, value in enumerate(_row_values(form_row), start=1):
        cell = ws.cell(row=row, column=col, value=value if value != "" else None)
        if col == 1 and isinstance(value, str):
            fmt = "@"
        elif col in (7, 8) and isinstance(value, (int, float)):
            fmt = number_format
        else:
            fmt = "General"
        _style_line_cell(cell, col, fmt)
    fit_row(ws, row, COLUMN_WIDTHS, BODY_PT)


def _style_line_cell(cell, col: int, fmt: str) -> None:
    """Style a form line's cell like the first of its kind in this workbook: styling cell by cell is most of the
    cost of writing a workbook (openpyxl hashes every Font/Border/Alignment it is given), copying is not."""
    styles = cell.parent.parent.__dict__.setdefault("_sdg_line_styles", {})
    key = (col, fmt)
    if key in styles:
        cell._style = copy(styles[key])
        return
    cell.font = Font(name=FONT_NAME, size=BODY_PT)
    cell.border = BORDER
    horizontal = "center" if col in CENTERED_COLS else "left"
    cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
    cell.number_format = fmt
    styles[key] = copy(cell._style)


def _write_empty_row(ws: Worksheet, row: int) -> None:
    for col in range(1, N_COLS + 1):
        cell = ws.cell(row=row, column=col)
        cell.border = BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.row_dimensions[row].height = LINE_HEIGHT_PT


def _write_trailer(
    ws: Worksheet, row: int, footnote: str, provenance_note: str, status_line: str, info_line: str = ""
) -> int:
    """Write footnote, provenance note, status and the document's identity from ``row`` down; return the last
    row used."""
    _merged_line(ws, row, footnote, Font(name=FONT_NAME, size=NOTE_PT, italic=True), "left")
    row += 1
    if provenance_note.strip():
        _merged_line(ws, row, provenance_note.strip(), Font(name=FONT_NAME, size=NOTE_PT), "left")
        row += 1
    _merged_line(ws, row, status_line, Font(name=FONT_NAME, size=NOTE_PT, bold=True), "left")
    if info_line:
        row += 1
        _merged_line(ws, row, info_line, Font(name=FONT_NAME, size=NOTE_PT), "left")
    return row


def _merged_height(text: str, size: float = NOTE_PT, bold: bool = False) -> float:
    """Row height for text in a merged A:I row (merged cells are never auto-fitted)."""
    return row_height(wrapped_lines(text, sum(COLUMN_WIDTHS), size, bold), size)


def _set_columns_and_page(ws: Worksheet, last_row: int, info: DocumentInfo | None = None, language: str = "ru") -> None:
    for index, width in enumerate(COLUMN_WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = f"A{NUMBERING_ROW + 1}"
    ws.print_area = f"A1:{LAST_COL}{last_row}"
    setup_page(ws, f"{HEADER_ROW}:{NUMBERING_ROW}", info, language)
    ws.print_options.horizontalCentered = True


# --------------------------------------------------------------------------------------------- saving


# --------------------------------------------------------------------------------------------- reading


def _row_tuple(ws: Worksheet, row: int) -> tuple[Any, ...]:
    return tuple(ws.cell(row=row, column=col).value for col in range(1, N_COLS + 1))


def _first_text(ws: Worksheet, prefix: str, start: int = 1) -> tuple[int, str] | None:
    for row in range(start, ws.max_row + 1):
        value = ws.cell(row=row, column=1).value
        if isinstance(value, str) and value.startswith(prefix):
            return row, value
    return None


def _find_header_row(ws: Worksheet) -> tuple[int, str]:
    """Row of the 9 column headers and the language they are in."""
    for row in range(1, ws.max_row + 1):
        values = _row_tuple(ws, row)
        for language, texts in TEXTS.items():
            if values == texts.columns:
                return row, language
    raise ValueError(f"sheet {ws.title!r}: Appendix 2 header row (9 columns of order No. 236) not found")


def _block_rows(ws: Worksheet, start: int, stop: int) -> list[tuple[Any, ...]]:
    rows = [_row_tuple(ws, row) for row in range(start, stop)]
    return [values for values in rows if any(v not in (None, "") for v in values)]


def _trailer(ws: Worksheet, footnote_row: int, texts: SheetTexts) -> tuple[str | None, str | None, str | None]:
    """Return (provenance note, status line, document identity line) found below the footnote."""
    status = _first_text(ws, texts.status_prefix, footnote_row + 1)
    stop = status[0] if status else ws.max_row + 1
    notes = [ws.cell(row=r, column=1).value for r in range(footnote_row + 1, stop)]
    note = next((v for v in notes if isinstance(v, str) and v.strip()), None)
    info = ws.cell(row=status[0] + 1, column=1).value if status else None
    return note, (status[1] if status else None), (info if isinstance(info, str) else None)


def _sheet(workbook, path: Path, sheet: str | None) -> Worksheet:
    """The named sheet; a language code (``ru``, ``kk``) names that language's sheet; None: the first."""
    if sheet is None:
        return workbook.worksheets[0]
    name = TEXTS[sheet].sheet_title if sheet in TEXTS else sheet
    if name not in workbook.sheetnames:
        raise ValueError(f"{path}: no sheet {name!r}; has {workbook.sheetnames}")
    return workbook[name]


def read_appendix2(path: Path, sheet: str | None = None) -> dict[str, Any]:
    """Read one sheet of a file written by :func:`write_appendix2` back, locating parts by their texts.

    ``sheet`` is a sheet name (``Приложение 2``, ``2-қосымша``) or a language code (``ru``, ``kk``);
    by default the first sheet (the Russian one). The result's ``language`` says which it was.
    """
    ws = _sheet(load_workbook(Path(path)), Path(path), sheet)
    header_row, language = _find_header_row(ws)
    texts = TEXTS[language]
    title = ws.cell(row=3, column=1).value
    indicators = _first_text(ws, texts.indicators_header, header_row + 1)
    activities = _first_text(ws, texts.activities_header, header_row + 1)
    footnote = _first_text(ws, "* ", header_row + 1)
    if indicators is None or activities is None or footnote is None:
        raise ValueError(
            f"{path} ({ws.title}): «{texts.indicators_header}», «{texts.activities_header}» block or footnote not found"
        )
    note, status_text, info = _trailer(ws, footnote[0], texts)
    codes = {texts.status_prefix + text: code for code, text in texts.status_text.items()}
    return {
        "sheet": ws.title,
        "language": language,
        "appendix_label": ws.cell(row=1, column=6).value,
        "form_label": ws.cell(row=2, column=6).value,
        "title": title if isinstance(title, str) else None,
        "subtitle": ws.cell(row=4, column=1).value,
        "headers": list(_row_tuple(ws, header_row)),
        "numbering": list(_row_tuple(ws, header_row + 1)),
        "indicators": _block_rows(ws, indicators[0] + 1, activities[0]),
        "activities": _block_rows(ws, activities[0] + 1, footnote[0]),
        "footnote": footnote[1],
        "provenance_note": note,
        "status_text": status_text,
        "status": codes.get(status_text or "", status_text),
        "document_info": info,
    }
