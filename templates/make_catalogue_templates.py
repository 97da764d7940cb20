"""Write the templates for plans and activities: ``plans.xlsx``, ``plans.csv`` and ``activities.xlsx``.

Run ``.venv/bin/python templates/make_catalogue_templates.py`` after changing the columns in
``etl/catalogue/plans.py`` or ``etl/catalogue/activities.py``; the imports read the same lists, so the
templates people fill and the checks their files meet cannot drift apart.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from etl.catalogue.activities import ACTIVITIES_SHEET, ACTIVITY_FIELDS  # noqa: E402
from etl.catalogue.plans import LAST_PLAN_YEAR, PLAN_FIELDS, PLANS_SHEET  # noqa: E402
from etl.catalogue.sheet_import import MIN_YEAR, Field  # noqa: E402

ROWS = 1000  # rows of the data sheet that carry formats and input hints
FIXED_TIME = datetime(2025, 1, 1)  # stable document properties, so regenerating changes little
INSTRUCTION_SHEET = "Инструкция - Нұсқаулық"
TEXT_COLUMNS = ("kato_code", "row_no")  # kept as text: leading zeros, «2.10»

PLAN_NOTES = {
    "ru": [
        "Шаблон плановых значений индикаторов ЦУР (столбец «План» Приложения 2)",
        "",
        f"1. Заполняйте лист «{PLANS_SHEET}», начиная со строки 2. Строку 1 (заголовки) не изменяйте и не "
        "добавляйте столбцов.",
        "2. Одна строка — план одного индикатора для одного региона (код КАТО) на один год.",
        "3. Файл заменяет в каталоге все планы тех пар «регион — год», которые в нём есть; планы других "
        "регионов и лет не меняются. Пустая ячейка «План» означает «плана нет» (где включена прямая линия от "
        "базового значения к целевому, в форме будет показан расчётный план с пометкой).",
        "4. Число можно писать с десятичной запятой (12,5) или точкой; пробелы между разрядами допускаются.",
        "5. Одно и то же сочетание региона, индикатора и года не должно повторяться.",
        "6. Сохраните как .xlsx или «CSV UTF-8» (разделитель — точка с запятой). "
        "Файл с ошибками не загружается: в сообщении указаны строка, "
        "столбец и ячейка каждой ошибки.",
    ],
    "kk": [
        "ТДМ индикаторларының жоспарлы мәндерінің үлгісі (2-қосымшаның «Жоспар» бағаны)",
        "",
        f"1. «{PLANS_SHEET}» парағын 2-жолдан бастап толтырыңыз. 1-жолды (тақырыптарды) өзгертпеңіз және баған "
        "қоспаңыз.",
        "2. Бір жол — бір өңірдің (ҚАТО коды) бір жылға арналған бір индикаторының жоспары.",
        "3. Файл каталогтағы өзінде бар «өңір — жыл» жұптарының барлық жоспарларын ауыстырады; басқа өңірлер мен "
        "жылдардың жоспарлары өзгермейді. «Жоспар» ұяшығы бос болса — жоспар жоқ.",
        "4. Санды ондық үтірмен (12,5) немесе нүктемен жазуға болады.",
        "5. Өңір, индикатор және жыл үйлесімі қайталанбауы тиіс.",
        "6. .xlsx немесе «CSV UTF-8» (бөлгіш — нүктелі үтір) ретінде сақтаңыз. "
        "Қатесі бар файл жүктелмейді: хабарламада әр қатенің жолы, "
        "бағаны және ұяшығы көрсетіледі.",
    ],
}
ACTIVITY_NOTES = {
    "ru": [
        "Шаблон блока «Мероприятия*» Приложения 2 (для ответственных органов и инициативных групп районов)",
        "",
        f"1. Заполняйте лист «{ACTIVITIES_SHEET}», начиная со строки 2. Строку 1 (заголовки) не изменяйте и не "
        "добавляйте столбцов.",
        "2. Одна строка — одно мероприятие. «№ п/п» — номер в блоке: 1, 2, 2.1.",
        "3. * Блок «Мероприятия» заполняется инициативной группой в случае отсутствия индикаторов в районе "
        "(городе): тогда укажите «Район» (и «Аудан» на казахском). Пустой «Район» — мероприятия региона.",
        "4. Файл заменяет в каталоге все мероприятия тех блоков «регион — год — район», которые в нём есть; "
        "другие блоки не меняются.",
        "5. Обязательны: код КАТО, отчётный год, № п/п, наименование; единица измерения — если указан план "
        "или факт. Тексты на казахском необязательны: пустая ячейка — в казахской форме будет русский текст.",
        "6. План и факт — числа, можно с десятичной запятой (12,5).",
        "7. Сохраните как .xlsx. Файл с ошибками не загружается: в сообщении указаны строка, столбец и ячейка "
        "каждой ошибки.",
    ],
    "kk": [
        "2-қосымшаның «Іс-шаралар*» блогының үлгісі (жауапты органдар мен аудандардың бастамашыл топтары үшін)",
        "",
        f"1. «{ACTIVITIES_SHEET}» парағын 2-жолдан бастап толтырыңыз. 1-жолды (тақырыптарды) өзгертпеңіз.",
        "2. Бір жол — бір іс-шара. «Р/с №» — блоктағы нөмір: 1, 2, 2.1.",
        "3. * «Іс-шаралар» блогын ауданда (қалада) индикаторлар болмаған жағдайда бастамашыл топ толтырады: "
        "онда «Район» (орысша) және «Аудан» (қазақша) бағандарын толтырыңыз. «Район» бос болса — өңірдің "
        "іс-шаралары.",
        "4. Файл каталогтағы өзінде бар «өңір — жыл — аудан» блоктарының барлық іс-шараларын ауыстырады.",
        "5. Міндетті: ҚАТО коды, есепті жыл, Р/с №, орысша атауы; жоспар не факт болса — өлшем бірлігі. "
        "Қазақша мәтіндер міндетті емес: бос ұяшық — қазақша нысанда орысша мәтін басылады.",
        "6. Жоспар мен факт — сандар, ондық үтірмен болады (12,5).",
        "7. .xlsx ретінде сақтаңыз. Қатесі бар файл жүктелмейді: хабарламада әр қатенің жолы, бағаны және "
        "ұяшығы көрсетіледі.",
    ],
}


def write_xlsx(path: Path, sheet_name: str, fields: tuple[Field, ...], notes: dict[str, list[str]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([f.title for f in fields])
    for pos, f in enumerate(fields, start=1):
        cell = sheet.cell(row=1, column=pos)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = min(40, max(14, len(f.title) + 2))
        rule = _validation(f)
        rule.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS + 1}")
        sheet.add_data_validation(rule)
        if f.key in TEXT_COLUMNS:
            for row in range(2, ROWS + 2):
                sheet.cell(row=row, column=pos).number_format = "@"
    sheet.freeze_panes = "A2"
    _instructions(book.create_sheet(INSTRUCTION_SHEET), fields, notes)
    book.properties.creator = "sdg-monitoring-pipeline"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)


def _instructions(sheet, fields: tuple[Field, ...], notes: dict[str, list[str]]) -> None:
    sheet.column_dimensions["A"].width = 140
    for language, label in (("ru", "Столбцы:"), ("kk", "Бағандар:")):
        for line in notes[language]:
            sheet.append([line])
        sheet.append([""])
        sheet.append([label])
        for f in fields:
            hint = f.hint_ru if language == "ru" else f.hint_kk
            mark = (" (обязательно)" if language == "ru" else " (міндетті)") if f.required else ""
            sheet.append([f"«{f.title}»{mark} — {hint}"])
        sheet.append([""])
    sheet["A1"].font = Font(bold=True)


def _validation(f: Field) -> DataValidation:
    """An input message per column, plus Excel-side checks for year and KATO (the import checks them again)."""
    prompt = {"promptTitle": f.title[:32], "prompt": f"{f.hint_ru} / {f.hint_kk}"[:255], "showInputMessage": True,
              "allow_blank": True}  # fmt: skip
    if f.key == "year":
        return DataValidation(type="whole", operator="between", formula1=str(MIN_YEAR), formula2=str(LAST_PLAN_YEAR),
                              showErrorMessage=True, errorTitle=f.title[:32],
                              error="Год — четыре цифры / Жыл — төрт цифр", **prompt)  # fmt: skip
    if f.key == "kato_code":
        return DataValidation(type="textLength", operator="equal", formula1="9", showErrorMessage=True,
                              errorTitle=f.title[:32], error="Код КАТО — 9 цифр / ҚАТО коды — 9 цифр",
                              **prompt)  # fmt: skip
    return DataValidation(**prompt)


def write_csv(path: Path, fields: tuple[Field, ...]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerow([f.title for f in fields])


def main() -> None:
    write_xlsx(HERE / "plans.xlsx", PLANS_SHEET, PLAN_FIELDS, PLAN_NOTES)
    write_csv(HERE / "plans.csv", PLAN_FIELDS)
    write_xlsx(HERE / "activities.xlsx", ACTIVITIES_SHEET, ACTIVITY_FIELDS, ACTIVITY_NOTES)
    print(f"wrote {HERE / 'plans.xlsx'}, {HERE / 'plans.csv'} and {HERE / 'activities.xlsx'}")


if __name__ == "__main__":
    main()
