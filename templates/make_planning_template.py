"""Write the para-26 register template analysts fill: ``planning_documents.xlsx``.

Run ``.venv/bin/python templates/make_planning_template.py`` after changing the columns in
``etl/catalogue/planning.py`` (``FIELDS``); the import reads the same list, so template and checks agree.
Headers and instructions are in Russian and Kazakh.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from etl.catalogue.planning import DATA_SHEET, FIELDS, INSTRUCTION_SHEET

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "planning_documents.xlsx"
ROWS = 1000  # rows of the data sheet that carry formats and input hints
FIXED_TIME = datetime(2025, 1, 1)  # stable document properties, so regenerating changes little
DATE_FORMAT = "DD.MM.YYYY"

INSTRUCTIONS_RU = [
    "Реестр по пункту 26 Методических рекомендаций по локализации ЦУР (приказ МНЭ РК № 236 от 2 октября 2024 г.): "
    "какие индикаторы ЦУР (прежде всего «актуальные», классификация 1) учтены в документах системы "
    "государственного планирования региона.",
    f"1. Заполняйте лист «{DATA_SHEET}», начиная со строки 2. Строку 1 (заголовки) не изменяйте, "
    "столбцы не добавляйте.",
    "2. Одна строка — один индикатор в одном документе. Если индикатор учтён в нескольких документах, "
    "заполните строку для каждого документа.",
    "3. Загрузка файла заменяет все записи реестра по регионам (кодам КАТО), которые есть в файле; записи других "
    "регионов не меняются. Поэтому указывайте все документы региона, а не только новые.",
    "4. «Дата принятия» — дата утверждения документа (ДД.ММ.ГГГГ). В мониторинге за год учитываются документы, "
    "принятые не позднее 31 декабря этого года.",
    "5. Файл с ошибками не загружается: в сообщении указаны лист, строка и столбец каждой ошибки.",
]
INSTRUCTIONS_KK = [
    "ТДМ-ді оқшаулау жөніндегі әдістемелік ұсынымдардың 26-тармағы бойынша тізілім (ҚР ҰЭМ 2024 жылғы 2 қазандағы "
    "№ 236 бұйрығы): ТДМ индикаторларының қайсысы (ең алдымен «өзекті», 1-жіктеу) өңірдің мемлекеттік жоспарлау "
    "жүйесі құжаттарында ескерілген.",
    f"1. «{DATA_SHEET}» парағын 2-жолдан бастап толтырыңыз. 1-жолды (тақырыптарды) өзгертпеңіз, баған қоспаңыз.",
    "2. Бір жол — бір құжаттағы бір индикатор. Индикатор бірнеше құжатта ескерілсе, әр құжатқа бір жолдан толтырыңыз.",
    "3. Файлды жүктеу файлдағы өңірлер (ҚАТО кодтары) бойынша тізілімнің барлық жазбаларын ауыстырады; басқа "
    "өңірлердің жазбалары өзгермейді. Сондықтан өңірдің тек жаңа емес, барлық құжаттарын көрсетіңіз.",
    "4. «Қабылданған күні» — құжаттың бекітілген күні (КК.АА.ЖЖЖЖ). Жыл бойынша мониторингте осы жылдың "
    "31 желтоқсанынан кешіктірмей қабылданған құжаттар ескеріледі.",
    "5. Қателері бар файл жүктелмейді: хабарламада әр қатенің парағы, жолы және бағаны көрсетіледі.",
]


def write_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([f.title for f in FIELDS])
    for pos, field in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=1, column=pos)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        wide = field.key.startswith("document") or field.key in ("item", "note")
        sheet.column_dimensions[cell.column_letter].width = 45 if wide else 18
        rule = _validation(field.key, field.title, f"{field.hint_ru} / {field.hint_kk}")
        rule.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS + 1}")
        sheet.add_data_validation(rule)
        number_format = {"kato_code": "@", "indicator_code": "@", "adopted_on": DATE_FORMAT}.get(field.key)
        for row in range(2, ROWS + 2) if number_format else ():
            sheet.cell(row=row, column=pos).number_format = number_format
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTION_SHEET)
    notes.column_dimensions["A"].width = 140
    for line in [*INSTRUCTIONS_RU, "", *INSTRUCTIONS_KK, "", "Столбцы / Бағандар:"]:
        notes.append([line])
    for field in FIELDS:
        required = " (обязательно / міндетті)" if field.required else ""
        notes.append([f"«{field.title}»{required}: {field.hint_ru} / {field.hint_kk}"])
    for row in notes.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    notes["A1"].font = Font(bold=True)
    book.properties.creator = "sdg-monitoring-pipeline"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)


def _validation(key: str, title: str, hint: str) -> DataValidation:
    """An input message everyone sees, plus Excel-side checks for the date and the KATO code.

    The import checks the same rules again; these only help people while they type.
    """
    prompt = {"promptTitle": title[:32], "prompt": hint[:255], "showInputMessage": True, "allow_blank": True}
    if key == "adopted_on":
        return DataValidation(type="date", operator="between", formula1="DATE(1991,1,1)", formula2="TODAY()",
                              showErrorMessage=True, errorTitle=title[:32],
                              error="Дата ДД.ММ.ГГГГ, не позднее сегодняшней / КК.АА.ЖЖЖЖ күні, бүгіннен кеш емес",
                              **prompt)  # fmt: skip
    if key == "kato_code":
        return DataValidation(type="textLength", operator="equal", formula1="9", showErrorMessage=True,
                              errorTitle=title[:32], error="Код КАТО — 9 цифр / ҚАТО коды — 9 цифр",
                              **prompt)  # fmt: skip
    return DataValidation(**prompt)


if __name__ == "__main__":
    write_xlsx(TEMPLATE)
    print(f"wrote {TEMPLATE}")
