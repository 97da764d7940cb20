"""Lay the national extract out as one XLSX: per language an indicators sheet and a coverage sheet.

Russian sheets first («Свод ЦУР», «Полнота»), then Kazakh («ТДМ жиынтығы», «Толықтығы»): a flat table
with a filter on the header row, so the working body can sort and pivot it, and a coverage table that
says, region by region, which issued form the lines come from and how many facts it has.
``read_national_extract`` reads a sheet pair back by its headers, for tests and consistency checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from etl.reports.appendix2_xlsx import CREATOR
from etl.reports.appendix2_xlsx import TEXTS as FORM_TEXTS
from etl.reports.issuing import save_atomically
from etl.reports.national_extract import ExtractLine, NationalExtract, RegionCoverage
from etl.reports.xlsx_tables import heading, records, table


@dataclass(frozen=True)
class ExtractTexts:
    lines_sheet: str
    coverage_sheet: str
    title: str  # str.format with {year}
    coverage_title: str
    version: str  # str.format with {version}
    line_columns: tuple[str, ...]
    coverage_columns: tuple[str, ...]
    yes: str
    no: str
    none: str


TEXTS: dict[str, ExtractTexts] = {
    "ru": ExtractTexts(
        lines_sheet="Свод ЦУР",
        coverage_sheet="Полнота",
        title="Сводные данные мониторинга индикаторов ЦУР по регионам за {year} год",
        coverage_title="Полнота свода за {year} год: формы Приложения 2 по регионам",
        version="Версия свода: {version}",
        line_columns=(
            "Код КАТО", "Регион", "№ п/п", "Код индикатора", "Наименование", "Единица измерения", "Отчетный год",
            "План", "Факт", "Пояснения при необходимости", "Ответственные", "Источник информации",
        ),
        coverage_columns=(
            "Код КАТО", "Регион", "Индикаторов в форме", "Факт заполнен", "Без факта", "Версия формы",
            "Статус формы", "Форма актуальна", "SHA-256 файла формы",
        ),
        yes="да",
        no="нет",
        none="форма не выпущена",
    ),
    "kk": ExtractTexts(
        lines_sheet="ТДМ жиынтығы",
        coverage_sheet="Толықтығы",
        title="{year} жылғы өңірлер бойынша ТДМ индикаторлары мониторингінің жиынтық деректері",
        coverage_title="{year} жылғы жиынтықтың толықтығы: өңірлер бойынша 2-қосымша нысандары",
        version="Жиынтық нұсқасы: {version}",
        line_columns=(
            "ҚАТО коды", "Өңір", "Р/с №", "Индикатор коды", "Атауы", "Өлшем бірлігі", "Есепті жыл",
            "Жоспар", "Факт", "Қажет болған жағдайда түсіндірмелер", "Жауаптылар", "Ақпарат көзі",
        ),
        coverage_columns=(
            "ҚАТО коды", "Өңір", "Нысандағы индикаторлар", "Факт толтырылған", "Фактісіз", "Нысан нұсқасы",
            "Нысан мәртебесі", "Нысан өзекті", "Нысан файлының SHA-256",
        ),
        yes="иә",
        no="жоқ",
        none="нысан шығарылмаған",
    ),
}  # fmt: skip
LINE_WIDTHS = (12, 24, 7, 12, 54, 16, 9, 10, 10, 34, 26, 26)
COVERAGE_WIDTHS = (12, 34, 12, 12, 10, 10, 16, 12, 68)


def write_national_extract(extract: NationalExtract, path: Path, version: int) -> Path:
    """Write the four sheets to ``path`` atomically (a temporary file renamed into place)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = CREATOR
    for language in ("ru", "kk"):
        texts = TEXTS[language]
        status_line = FORM_TEXTS[language].status_line(extract.status)
        lines = workbook.create_sheet(texts.lines_sheet)
        heading(lines, texts.title.format(year=extract.year), f"{status_line}. {texts.version.format(version=version)}")
        names = {r.kato_code: r.name_kk if language == "kk" else r.name_ru for r in extract.regions}
        rows = [_line_values(line, language, extract.year, names[line.kato_code]) for line in extract.lines]
        table(lines, texts.line_columns, rows, LINE_WIDTHS, decimals=[line.ru.decimals for line in extract.lines])
        coverage = workbook.create_sheet(texts.coverage_sheet)
        heading(coverage, texts.coverage_title.format(year=extract.year), status_line)
        rows = [_coverage_values(region, texts, language) for region in extract.regions]
        table(coverage, texts.coverage_columns, rows, COVERAGE_WIDTHS)
    save_atomically(workbook, path)
    return path


def _line_values(line: ExtractLine, language: str, year: int, region: str) -> list[Any]:
    row = line.kk if language == "kk" else line.ru
    fact: Any = float(row.fact) if row.fact is not None else (row.fact_text or None)
    plan = float(row.plan) if row.plan is not None else None
    return [line.kato_code, region, row.number, line.code, row.name, row.unit, year, plan, fact, row.note or None,
            row.responsible, row.source]  # fmt: skip


def _coverage_values(region: RegionCoverage, texts: ExtractTexts, language: str) -> list[Any]:
    name = region.name_kk if language == "kk" else region.name_ru
    if region.form_version is None:
        form = [texts.none, None, texts.no, None]
    else:
        status = FORM_TEXTS[language].status_text.get(region.form_status or "", region.form_status)
        form = [region.form_version, status, texts.yes if region.form_current else texts.no, region.form_sha256]
    return [region.kato_code, name, region.indicators, region.facts, region.indicators - region.facts, *form]


def read_national_extract(path: Path, language: str = "ru") -> dict[str, Any]:
    """One language's two sheets back as dicts keyed by their column headers (numbers as Decimal text)."""
    texts = TEXTS[language]
    workbook = load_workbook(Path(path))
    missing = [name for name in (texts.lines_sheet, texts.coverage_sheet) if name not in workbook.sheetnames]
    if missing:
        raise ValueError(f"{path}: sheet(s) {missing} not found; it has {workbook.sheetnames}")
    lines, coverage = workbook[texts.lines_sheet], workbook[texts.coverage_sheet]
    return {
        "title": lines.cell(row=1, column=1).value,
        "subtitle": lines.cell(row=2, column=1).value,
        "lines": records(lines, texts.line_columns, path),
        "coverage": records(coverage, texts.coverage_columns, path),
    }
