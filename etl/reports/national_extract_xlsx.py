"""Lay the national extract out as one XLSX: per language an indicators sheet, a coverage sheet and para 26.

Russian sheets first («Свод ЦУР», «Полнота»), then Kazakh («ТДМ жиынтығы», «Толықтығы»): a flat table
with a filter on the header row, so the working body can sort and pivot it, and a coverage table that
says, region by region, which issued form the lines come from and how many facts it has.
``read_national_extract`` reads a sheet pair back by its headers, for tests and consistency checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from etl.catalogue.planning_summary import RegionIntegration
from etl.reports.appendix2_xlsx import CREATOR
from etl.reports.appendix2_xlsx import TEXTS as FORM_TEXTS
from etl.reports.issuing import save_atomically
from etl.reports.national_extract_model import ExtractLine, NationalExtract, RegionCoverage
from etl.reports.print_layout import DocumentInfo, first_sheet
from etl.reports.xlsx_tables import NOTE_PT, TITLE_PT, Number, heading_lines, records, table
from etl.sources.observations import round_half_up


@dataclass(frozen=True)
class ExtractTexts:
    lines_sheet: str
    coverage_sheet: str
    integration_sheet: str
    title: str  # str.format with {year}
    coverage_title: str
    integration_title: str
    version: str  # str.format with {version}
    line_columns: tuple[str, ...]
    coverage_columns: tuple[str, ...]
    integration_columns: tuple[str, ...]
    yes: str
    no: str
    none: str


TEXTS: dict[str, ExtractTexts] = {
    "ru": ExtractTexts(
        lines_sheet="Свод ЦУР",
        coverage_sheet="Полнота",
        integration_sheet="Интеграция (п. 26)",
        title="Сводные данные мониторинга индикаторов ЦУР по регионам за {year} год",
        coverage_title="Полнота свода за {year} год: формы Приложения 2 по регионам",
        integration_title="Уровень интеграции актуальных индикаторов ЦУР (классификация 1) в документы "
        "регионального планирования на конец {year} года (пункт 26)",
        version="Версия свода: {version}",
        line_columns=(
            "Код КАТО",
            "Регион",
            "№ п/п",
            "Код индикатора",
            "Наименование",
            "Единица измерения",
            "Отчетный год",
            "План",
            "Факт",
            "Пояснения при необходимости",
            "Ответственные",
            "Источник информации",
            "Оценка прогресса",
            "Индекс текущего состояния (ЭСКАТО)",
            "Индекс ожидаемого прогресса (ЭСКАТО)",
        ),
        coverage_columns=(
            "Код КАТО",
            "Регион",
            "Индикаторов в форме",
            "Факт заполнен",
            "Без факта",
            "Версия формы",
            "Статус формы",
            "Форма актуальна",
            "SHA-256 файла формы",
        ),
        integration_columns=(
            "Код КАТО",
            "Регион",
            "Актуальных индикаторов (класс. 1)",
            "Интегрировано",
            "Доля, %",
            "Не интегрированы",
            "Документы (дата принятия: индикаторы, пункт)",
        ),
        yes="да",
        no="нет",
        none="форма не выпущена",
    ),
    "kk": ExtractTexts(
        lines_sheet="ТДМ жиынтығы",
        coverage_sheet="Толықтығы",
        integration_sheet="Интеграция (26-т.)",
        title="{year} жылғы өңірлер бойынша ТДМ индикаторлары мониторингінің жиынтық деректері",
        coverage_title="{year} жылғы жиынтықтың толықтығы: өңірлер бойынша 2-қосымша нысандары",
        integration_title="{year} жылдың соңындағы өзекті ТДМ индикаторларының (1-жіктеу) өңірлік жоспарлау "
        "құжаттарына интеграциялану деңгейі (26-тармақ)",
        version="Жиынтық нұсқасы: {version}",
        line_columns=(
            "ҚАТО коды",
            "Өңір",
            "Р/с №",
            "Индикатор коды",
            "Атауы",
            "Өлшем бірлігі",
            "Есепті жыл",
            "Жоспар",
            "Факт",
            "Қажет болған жағдайда түсіндірмелер",
            "Жауаптылар",
            "Ақпарат көзі",
            "Прогресс бағасы",
            "Ағымдағы жағдай индексі (ЭСКАТО)",
            "Күтілетін прогресс индексі (ЭСКАТО)",
        ),
        coverage_columns=(
            "ҚАТО коды",
            "Өңір",
            "Нысандағы индикаторлар",
            "Факт толтырылған",
            "Фактісіз",
            "Нысан нұсқасы",
            "Нысан мәртебесі",
            "Нысан өзекті",
            "Нысан файлының SHA-256",
        ),
        integration_columns=(
            "ҚАТО коды",
            "Өңір",
            "Өзекті индикаторлар (1-жіктеу)",
            "Интеграцияланған",
            "Үлесі, %",
            "Интеграцияланбаған",
            "Құжаттар (қабылданған күні: индикаторлар, тармақ)",
        ),
        yes="иә",
        no="жоқ",
        none="нысан шығарылмаған",
    ),
}
#: column widths: fit to the page width, the extract's 15 columns print at 80 % (10 pt type at 8 pt and more,
#: ``print_layout``), every header word whole in its column
LINE_WIDTHS = (10, 11, 5, 11, 29, 10, 9, 8, 8, 16, 14, 13, 10, 10, 11)
COVERAGE_WIDTHS = (10, 26, 12, 11, 9, 8, 14, 10, 41)
INTEGRATION_WIDTHS = (10, 22, 14, 17, 8, 24, 46)
#: decimals of the ESCAP indices (as the regional commissions print them) and of the paragraph-26 share
ESCAP_DECIMALS, SHARE_DECIMALS = 2, 1


def write_national_extract(
    extract: NationalExtract, path: Path, version: int, content_sha256: str = "", issued_on: date | None = None
) -> Path:
    """Write the six sheets to ``path`` atomically (a temporary file renamed into place); every sheet says the
    extract's status, version, issue date and content hash under its title and in its page footer."""
    info = DocumentInfo(extract.status, version, issued_on or date.today(), content_sha256 or "—")
    workbook = Workbook()
    workbook.remove(first_sheet(workbook))
    workbook.properties.creator = CREATOR
    for language in ("ru", "kk"):
        texts = TEXTS[language]
        lines = workbook.create_sheet(texts.lines_sheet)
        _heading(lines, texts.title.format(year=extract.year), info, language, LINE_WIDTHS)
        names = {r.kato_code: r.name_kk if language == "kk" else r.name_ru for r in extract.regions}
        rows = [_line_values(line, language, extract.year, names[line.kato_code]) for line in extract.lines]
        table(lines, texts.line_columns, rows, LINE_WIDTHS, info=info, language=language)
        coverage = workbook.create_sheet(texts.coverage_sheet)
        _heading(coverage, texts.coverage_title.format(year=extract.year), info, language, COVERAGE_WIDTHS)
        rows = [_coverage_values(region, texts, language) for region in extract.regions]
        table(coverage, texts.coverage_columns, rows, COVERAGE_WIDTHS, info=info, language=language)
        integration = workbook.create_sheet(texts.integration_sheet)
        _heading(integration, texts.integration_title.format(year=extract.year), info, language, INTEGRATION_WIDTHS)
        rows = [_integration_values(region, language) for region in extract.integration]
        table(integration, texts.integration_columns, rows, INTEGRATION_WIDTHS, info=info, language=language)
    save_atomically(workbook, path)
    return path


def _heading(ws, title: str, info: DocumentInfo, language: str, widths: tuple[int, ...]) -> None:
    """Title; status and version (the line the extract has always had); the document's identity line."""
    version = TEXTS[language].version.format(version=info.version)
    lines = [(title, TITLE_PT, True), (f"{info.status_line(language)}. {version}", NOTE_PT, False)]
    heading_lines(ws, [*lines, (info.info_line(language), NOTE_PT, False)], widths)


def _line_values(line: ExtractLine, language: str, year: int, region: str) -> list[Any]:
    row = line.kk if language == "kk" else line.ru
    fact: Any = Number(row.fact, row.decimals) if row.fact is not None else (row.fact_text or None)
    plan = Number(row.plan, row.decimals) if row.plan is not None else None
    escap = [None if v is None else Number(v, ESCAP_DECIMALS) for v in (line.escap_status, line.escap_api)]
    progress = (line.progress_kk if language == "kk" else line.progress_ru) or None
    return [
        line.kato_code,
        region,
        row.number,
        line.code,
        row.name,
        row.unit,
        year,
        plan,
        fact,
        row.note or None,
        row.responsible,
        row.source,
        progress,
        *escap,
    ]


def _integration_values(region: RegionIntegration, language: str) -> list[Any]:
    """One region's paragraph-26 line: counts, share in percent (none without class-1 indicators), lists."""
    name = region.name_kk if language == "kk" else region.name_ru
    share = None if region.share is None else round_half_up(region.share * 100, 1)
    documents = "\n".join(
        f"{d.document_kk if language == 'kk' else d.document_ru} ({d.adopted_on:%d.%m.%Y}): "
        + ", ".join(f"{code} ({item})" if item else code for code, item in d.indicators)
        for d in region.documents
    )
    share_cell = Number(share, SHARE_DECIMALS) if share is not None else "—"
    return [
        region.kato_code,
        name,
        region.class1_count,
        region.integrated_count,
        share_cell,
        ", ".join(region.not_integrated) or None,
        documents or None,
    ]


def _coverage_values(region: RegionCoverage, texts: ExtractTexts, language: str) -> list[Any]:
    name = region.name_kk if language == "kk" else region.name_ru
    if region.form_version is None:
        form: list[object] = [texts.none, None, texts.no, None]
    else:
        status = FORM_TEXTS[language].status_text.get(region.form_status or "", region.form_status)
        form = [region.form_version, status, texts.yes if region.form_current else texts.no, region.form_sha256]
    return [region.kato_code, name, region.indicators, region.facts, region.indicators - region.facts, *form]


def read_national_extract(path: Path, language: str = "ru") -> dict[str, Any]:
    """One language's two sheets back as dicts keyed by their column headers (numbers as Decimal text)."""
    texts = TEXTS[language]
    workbook = load_workbook(Path(path))
    sheets = (texts.lines_sheet, texts.coverage_sheet, texts.integration_sheet)
    missing = [name for name in sheets if name not in workbook.sheetnames]
    if missing:
        raise ValueError(f"{path}: sheet(s) {missing} not found; it has {workbook.sheetnames}")
    lines, coverage = workbook[texts.lines_sheet], workbook[texts.coverage_sheet]
    return {
        "title": lines.cell(row=1, column=1).value,
        "subtitle": lines.cell(row=2, column=1).value,
        "lines": records(lines, texts.line_columns, path),
        "coverage": records(coverage, texts.coverage_columns, path),
        "integration": records(workbook[texts.integration_sheet], texts.integration_columns, path),
    }
