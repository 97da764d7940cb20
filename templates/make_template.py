"""Write the report template responsible bodies fill: ``responsible_body_report.xlsx`` and ``.csv``.

Run ``.venv/bin/python templates/make_template.py`` after changing the columns in
``etl/sources/files/template.py``; the parser reads the same list, so template and checks agree.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from etl.sources.files.template import COLUMNS, DATA_SHEET, INSTRUCTION_SHEET

HERE = Path(__file__).resolve().parent
STEM = "responsible_body_report"
ROWS = 2000  # rows of the data sheet that carry formats and input hints
FIXED_TIME = datetime(2025, 1, 1)  # stable document properties, so regenerating changes little

INSTRUCTIONS = [
    "Шаблон отчёта ответственного органа для мониторинга ЦУР (отчёты и информация, п. 25 Методических рекомендаций)",
    "",
    "1. Заполняйте лист «Данные», начиная со строки 2. Строку 1 (заголовки) не изменяйте и не добавляйте столбцов.",
    "2. Одна строка — одно значение: индикатор × регион (код КАТО) × год × разрез.",
    "3. «Код КАТО» — 9 цифр (например 710000000 — г. Астана, 000000000 — Республика Казахстан). "
    "Столбец оформлен как текст, чтобы не терялись ведущие нули.",
    "4. «Год» — отчётный год, четыре цифры (не позднее текущего года).",
    "5. «Значение» — число; допускается десятичная запятая (12,5). x — конфиденциальные данные; "
    "- или пустая ячейка — данных нет. Другой текст не допускается.",
    "6. «Разрез» — необязательно: пары ИЗМЕРЕНИЕ=КОД через точку с запятой, например SEX=F; AGE=Y15T24. "
    "Пусто — итого. Коды SDMX: SEX (F, M), AGE (Y15T24 ...), URBANISATION (U — город, R — село).",
    "7. Одно и то же сочетание индикатора, региона, года и разреза не должно повторяться.",
    "8. Сохраните файл как .xlsx или как «CSV UTF-8» (разделитель — запятая или точка с запятой) и положите его "
    "в папку для отчётов под именем, согласованным с оператором (например health_2025.xlsx).",
    "9. Файл с ошибками не загружается: в сообщении указаны строка и столбец каждой ошибки. "
    "Исправьте файл и положите его заново под тем же именем.",
    "",
    "Столбцы:",
    *[f"«{c.title}»{' (обязательно)' if c.required else ''} — {c.hint}" for c in COLUMNS],
]


def write_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([c.title for c in COLUMNS])
    for pos, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=pos)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = max(14, len(column.title) + 4)
        rule = _validation(column.key, column.title, column.hint)
        rule.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS + 1}")
        sheet.add_data_validation(rule)
    for row in range(2, ROWS + 2):
        sheet.cell(row=row, column=_position("kato")).number_format = "@"
        sheet.cell(row=row, column=_position("value")).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTION_SHEET)
    notes.column_dimensions["A"].width = 140
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    book.properties.creator = "sdg-monitoring-pipeline"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)


def _position(key: str) -> int:
    return next(pos for pos, c in enumerate(COLUMNS, start=1) if c.key == key)


def _validation(key: str, title: str, hint: str) -> DataValidation:
    """One rule per column: an input message everyone sees, plus Excel-side checks for year and KATO.

    The pipeline checks the same rules again; these only help people while they type.
    """
    prompt = {"promptTitle": title[:32], "prompt": hint[:255], "showInputMessage": True, "allow_blank": True}
    if key == "year":
        return DataValidation(type="whole", operator="between", formula1="1991", formula2="2100",
                              showErrorMessage=True, errorTitle=title, error="Год — четыре цифры, например 2025",
                              **prompt)  # fmt: skip
    if key == "kato":
        return DataValidation(type="textLength", operator="equal", formula1="9", showErrorMessage=True,
                              errorTitle=title, error="Код КАТО — 9 цифр, например 710000000", **prompt)  # fmt: skip
    return DataValidation(**prompt)


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerow([c.title for c in COLUMNS])


if __name__ == "__main__":
    write_xlsx(HERE / f"{STEM}.xlsx")
    write_csv(HERE / f"{STEM}.csv")
    print(f"wrote {HERE / STEM}.xlsx and .csv")
