"""Lay the national extract out as one XLSX: per language an indicators sheet and a coverage sheet.

Russian sheets first («Свод ЦУР», «Полнота»), then Kazakh («ТДМ жиынтығы», «Толықтығы»): a flat table
with a filter on the header row, so the working body can sort and pivot it, and a coverage table that
says, region by region, which issued form the lines come from and how many facts it has.
``read_national_extract`` reads a sheet pair back by its headers, for tests and consistency checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from etl.reports.appendix2_xlsx import BORDER, CREATOR, FONT_NAME, HEADER_FILL, fit_row_height
from etl.reports.appendix2_xlsx import TEXTS as FORM_TEXTS
from etl.reports.issuing import save_atomically
from etl.reports.national_extract import ExtractLine, NationalExtract, RegionCoverage

HEADER_ROW = 4


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
        _heading(
            lines, texts.title.format(year=extract.year), f"{status_line}. {texts.version.format(version=version)}"
        )
        names = {r.kato_code: r.name_kk if language == "kk" else r.name_ru for r in extract.regions}
        rows = [_line_values(line, language, extract.year, names[line.kato_code]) for line in extract.lines]
        _table(lines, texts.line_columns, rows, LINE_WIDTHS, decimals=[line.ru.decimals for line in extract.lines])
        coverage = workbook.create_sheet(texts.coverage_sheet)
        _heading(coverage, texts.coverage_title.format(year=extract.year), status_line)
        rows = [_coverage_values(region, texts, language) for region in extract.regions]
        _table(coverage, texts.coverage_columns, rows, COVERAGE_WIDTHS)
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


def _heading(ws: Worksheet, title: str, subtitle: str) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(name=FONT_NAME, size=13, bold=True)
    ws.cell(row=2, column=1, value=subtitle).font = Font(name=FONT_NAME, size=11, italic=True)


def _table(
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
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
            if isinstance(value, float) and decimals:
                cell.number_format = "0" if decimals[offset - 1] == 0 else "0." + "0" * decimals[offset - 1]
        fit_row_height(ws, HEADER_ROW + offset, widths)  # LibreOffice would overlap wrapped rows otherwise
    fit_row_height(ws, HEADER_ROW, widths)
    last = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(rows), 1)}"
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


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
        "lines": _records(lines, texts.line_columns, path),
        "coverage": _records(coverage, texts.coverage_columns, path),
    }


def _records(ws: Worksheet, headers: tuple[str, ...], path: Path) -> list[dict[str, Any]]:
    found = tuple(ws.cell(row=HEADER_ROW, column=col).value for col in range(1, len(headers) + 1))
    if found != headers:
        raise ValueError(f"{path} ({ws.title}): row {HEADER_ROW} has headers {found}, expected {headers}")
    records = []
    for values in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(headers), values_only=True):
        if all(v is None for v in values):
            continue
        records.append({h: _plain(v) for h, v in zip(headers, values, strict=True)})
    return records


def _plain(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, float) else value
