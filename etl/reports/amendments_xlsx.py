"""The sheets «Изменения» / «Өзгерістер» of an amended workbook: every changed cell, old and new, and why.

Added to the workbook the form (or extract) writer saved, so that the writers stay as they are; the file is
then saved atomically again before its sha256 is recorded, and printed like every other table (A4
landscape, header repeated, legible: ``xlsx_tables``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from etl.reports.amendments import COLUMNS, Change
from etl.reports.forms import APPENDIX2_COLUMNS
from etl.reports.issuing import save_atomically
from etl.reports.print_layout import DocumentInfo
from etl.reports.xlsx_tables import NOTE_PT, TITLE_PT, heading_lines, table

SHEET = {"ru": "Изменения", "kk": "Өзгерістер"}
HEADERS = {
    "ru": ("№", "Регион (КАТО)", "№ строки", "Наименование", "Графа", "Было", "Стало", "Причина изменения"),
    "kk": ("№", "Өңір (ӘАОЖ)", "Жол №", "Атауы", "Баған", "Бұрынғы мәні", "Жаңа мәні", "Өзгеріс себебі"),
}
WIDTHS = (5, 12, 8, 26, 13, 16, 16, 44)
#: header row: three heading lines and a blank row above it
HEADER_ROW = 5
_TITLE = {
    "ru": "Перечень изменений к версии {prev} от {prev_date}: изменено ячеек — {n}",
    "kk": "{prev_date} күнгі {prev}-нұсқаға өзгерістер тізбесі: өзгертілген ұяшықтар саны — {n}",
}
_NOTE = {
    "ru": "Настоящая версия {version} заменяет версию {prev}; исправьте в ней только перечисленные ячейки.",
    "kk": "Осы {version}-нұсқа {prev}-нұсқаның орнына жіберіледі; онда тек тізбедегі ұяшықтарды түзетіңіз.",
}
_NO_BASIS = {
    "ru": "Версия {prev} выпущена без сохранённых ячеек: сравнение по ячейкам невозможно, сверьте всю форму.",
    "kk": "{prev}-нұсқа ұяшықтары сақталмай шығарылды: ұяшықтар бойынша салыстыру мүмкін емес, "
    "бүкіл нысанды тексеріңіз.",
}
_BLOCK = {"ru": {"activities": "мероприятия"}, "kk": {"activities": "іс-шаралар"}}


def column_label(column: str, language: str) -> str:
    """The order's header of the form column a change is in."""
    return APPENDIX2_COLUMNS[language][COLUMNS[column]]


def change_row(position: int, change: Change | dict, language: str) -> list[Any]:
    c = change if isinstance(change, dict) else {**change.__dict__, "column_name": change.column}
    row_no = c["row_no"] if c["block"] == "indicators" else f"{c['row_no']} ({_BLOCK[language]['activities']})"
    old, new = (c[f"old_{language}"], c[f"new_{language}"])
    return [
        position,
        (c["kato_code"] or "").strip(),
        row_no,
        c[f"row_name_{language}"],
        column_label(c["column_name"], language),
        old or "—",
        new or "—",
        c[f"reason_{language}"],
    ]


def add_changes_sheets(
    path: Path, changes: list[Change], info: DocumentInfo, previous_version: int, previous_date: date, compared: bool
) -> None:
    """Append the Russian and Kazakh change lists to the workbook at ``path`` and save it atomically."""
    workbook = load_workbook(path)
    for language in ("ru", "kk"):
        ws = workbook.create_sheet(SHEET[language])
        title = _TITLE[language].format(prev=previous_version, prev_date=f"{previous_date:%d.%m.%Y}", n=len(changes))
        note = (_NOTE if compared else _NO_BASIS)[language].format(version=info.version, prev=previous_version)
        lines = [(title, TITLE_PT, True), (note, NOTE_PT, False), (info.info_line(language), NOTE_PT, False)]
        heading_lines(ws, lines, WIDTHS)
        rows = [change_row(i, change, language) for i, change in enumerate(changes, start=1)]
        table(ws, HEADERS[language], rows, WIDTHS, header_row=HEADER_ROW, info=info, language=language)
    save_atomically(workbook, path)
