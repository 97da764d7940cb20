"""Appendix 1 of order No. 236: a region's list of SDG indicators, as one XLSX (Russian and Kazakh sheets).

The list is the catalogue's (``catalogue/appendix1.csv``, mirrored in ``sdg.appendix1_item``): row number,
national indicator number and name, the region's own wording, classification (1 = priority indicators
built into regional planning documents, 2 = for monitoring, 3 = activities), unit, baseline and target
(numbers in their own columns, years beside them, so the file can be computed on), responsible body.
Issued like every report: versioned, immutable, re-issued only when the content changes.

Each line is the region's (view ``sdg.appendix1_line``): its own wording and body, else the indicator's generic
body named for the region («Управление здравоохранения города Астаны»); a baseline not given is the Fact of the
baseline year, printed in italics with a note («расчётное»). A very hidden sheet keeps what was issued (region,
year, version, every cell and which baselines were derived), so an analyst's edited copy can be imported back
by comparing each cell with what it was given (``etl.catalogue.appendix1_import``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.reports import order_texts
from etl.reports.appendix2 import regions_for_year
from etl.reports.appendix2_xlsx import CREATOR, FONT_NAME
from etl.reports.issuing import (
    IssuedReport,
    content_digest,
    latest_report,
    new_version_path,
    record_report,
    save_atomically,
    unchanged,
)
from etl.reports.kazakh_texts import require_kazakh
from etl.reports.print_layout import DocumentInfo, first_sheet, row_height, wrapped_lines
from etl.reports.xlsx_tables import NOTE_PT, TITLE_PT, Number, heading_lines, records, table

KIND = "appendix1"

_ROWS = """
SELECT row_no, indicator_code AS code, (SELECT i.decimals FROM sdg.indicator AS i WHERE i.code = indicator_code),
       CASE WHEN :lang = 'kk' THEN national_name_kk ELSE national_name_ru END AS national_name,
       CASE WHEN :lang = 'kk' THEN regional_name_kk ELSE regional_name_ru END AS regional_name, classification,
       CASE WHEN :lang = 'kk' THEN unit_kk ELSE unit_ru END AS unit,
       baseline_value, baseline_year, baseline_derived, target_value, target_year,
       CASE WHEN :lang = 'kk' THEN responsible_kk ELSE responsible_ru END AS responsible
FROM sdg.appendix1_line
WHERE kato_code = :kato
ORDER BY row_order
"""

TEXTS: dict[str, dict[str, Any]] = {
    "ru": {
        "sheet": "Приложение 1",
        "subtitle": "Перечень в редакции на {year} год. Версия {version}",
        "columns": (
            "№ п/п",
            "№ национального индикатора",
            "Национальный индикатор",
            "Региональный индикатор",
            "Классификация",
            "Единица измерения",
            "Базовое значение",
            "Базовый год",
            "Целевое значение",
            "Целевой год",
            "Ответственные",
        ),
        "derived": "Базовое значение в перечне не задано: Факт {year} года из официальных данных (расчётное)",
        "legend": "Курсивом – расчётное базовое значение (Факт базового года), в перечне не задано",
    },
    "kk": {
        "sheet": "1-қосымша",
        "subtitle": "{year} жылға арналған редакциядағы тізбе. {version}-нұсқа",
        "columns": (
            "Р/с №",
            "Ұлттық индикатор №",
            "Ұлттық индикатор",
            "Өңірлік индикатор",
            "Жіктеу",
            "Өлшем бірлігі",
            "Базалық мән",
            "Базалық жыл",
            "Нысаналы мән",
            "Нысаналы жыл",
            "Жауаптылар",
        ),
        "derived": "Базалық мән тізбеде берілмеген: ресми деректерден {year} жылғы Факт (есептік)",
        "legend": "Көлбеу қаріппен – есептік базалық мән (базалық жылдың Фактісі), тізбеде берілмеген",
    },
}
for _language, _texts in TEXTS.items():  # the order's words, kept in one place
    _texts["classes"] = order_texts.CLASSIFICATION[_language]
#: column widths: the printable width of A4 landscape (``print_layout``), header words unbroken
WIDTHS = (6, 14, 29, 16, 13, 10, 9, 8, 9, 9, 18)
#: the order's heading (label, «Форма», title, region), the edition, status and document lines, the legend of
#: classifications and the derived-baseline legend come first; the list's header row is under them
LABEL_COLUMN = 7
HEADER_ROW = 14


#: the very hidden sheet that keeps what was issued, for the import of an analyst's edited copy
ISSUED_SHEET = "sdg_issued"
ISSUED_MARK = "sdg appendix1"
#: the baseline value's column (G) in both sheets, and the baseline year's place in a row of values (H)
BASELINE_COLUMN, TARGET_COLUMN = 7, 9
_BASELINE_YEAR = 7


def build_appendix1(conn: Connection, kato_code: str) -> dict[str, list[list[Any]]]:
    """The region's list, one row of cell values per item, per language; ``derived`` flags the baselines
    that are the baseline year's Fact rather than a value given in the catalogue."""
    require_kazakh(conn, kato_code)
    result: dict[str, list[list[Any]]] = {}
    for language, texts in TEXTS.items():
        rows = list(conn.execute(text(_ROWS), {"kato": kato_code, "lang": language}).mappings())
        result[language] = [
            [
                r["row_no"],
                r["code"],
                r["national_name"],
                r["regional_name"],
                texts["classes"][r["classification"]],
                r["unit"],
                _number(r["baseline_value"]),
                r["baseline_year"],
                _number(r["target_value"]),
                r["target_year"],
                r["responsible"],
            ]
            for r in rows
        ]
        result["derived"] = [[bool(r["baseline_derived"])] for r in rows]
        result["decimals"] = [[int(r["decimals"] or 0)] for r in rows]
    return result


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def issue_appendix1(engine: Engine, year: int, out_dir: Path | None = None) -> list[IssuedReport]:
    """Issue each region's list for ``year`` (a new version only where the list changed)."""
    out_dir = out_dir or config.reports_dir()
    with engine.connect() as conn:
        codes = regions_for_year(conn, year)
    return [_issue_one(engine, kato, year, out_dir) for kato in codes]


def _issue_one(engine: Engine, kato: str, year: int, out_dir: Path) -> IssuedReport:
    with engine.begin() as conn:
        rows = build_appendix1(conn, kato)
        digest = content_digest(rows)
        latest = latest_report(conn, KIND, kato, year)
        if unchanged(latest, digest):
            return IssuedReport(kato, year, latest.version, Path(latest.path), latest.sha256, new=False)
        version, path = new_version_path(latest, out_dir / str(year) / "appendix1", f"appendix1_{kato}_{year}")
        names = conn.execute(text("SELECT name_ru, name_kk FROM sdg.region WHERE kato_code = :k"), {"k": kato}).one()
        info = DocumentInfo("final", version, date.today(), digest)
        write_appendix1(rows, {"ru": names.name_ru, "kk": names.name_kk, "kato": kato}, year, version, path, info)
        return record_report(conn, KIND, kato, year, version, "final", path, digest)


def write_appendix1(
    rows: dict[str, list[list[Any]]],
    region: dict[str, str],
    year: int,
    version: int,
    path: Path,
    info: DocumentInfo | None = None,
) -> Path:
    """Both sheets («Приложение 1», «1-қосымша») and the hidden record of what was issued to ``path``,
    atomically. ``region`` holds the names (``ru``, ``kk``) and the KATO code (``kato``); ``info`` (status,
    version, issue date, content hash) is printed under the heading and in every page's footer."""
    workbook = Workbook()
    workbook.remove(first_sheet(workbook))
    workbook.properties.creator = CREATOR
    derived = [flag for flag, *_ in rows.get("derived", [[False]] * len(rows["ru"]))]
    decimals = [d for d, *_ in rows.get("decimals", [[None]] * len(rows["ru"]))]
    for language, texts in TEXTS.items():
        ws = workbook.create_sheet(texts["sheet"])
        _heading(ws, language, region[language], texts["subtitle"].format(year=year, version=version), info)
        values = [_with_decimals(line, places) for line, places in zip(rows[language], decimals, strict=True)]
        table(ws, texts["columns"], values, WIDTHS, header_row=HEADER_ROW, info=info, language=language)
        _mark_derived(ws, rows[language], derived, texts)
    _issued_sheet(workbook, rows, derived, region.get("kato", ""), year, version)
    save_atomically(workbook, path)
    return path


def _with_decimals(line: list[Any], decimals: int | None) -> list[Any]:
    """Baseline and target as numbers with the indicator's published decimals (one format per indicator)."""
    if decimals is None:
        return line
    line = list(line)
    for index in (BASELINE_COLUMN - 1, TARGET_COLUMN - 1):
        if isinstance(line[index], int | float | Decimal) and not isinstance(line[index], bool):
            line[index] = Number(line[index], decimals)
    return line


def _heading(ws: Any, language: str, region: str, subtitle: str, info: DocumentInfo | None) -> None:
    """The order's label and «Форма» on the right, the title and region, the edition, the document's status and
    identity, and the order's legend of classifications."""
    for row, value in ((1, order_texts.APPENDIX_LABEL[1][language]), (2, order_texts.FORM_LABEL[language])):
        cell = ws.cell(row=row, column=LABEL_COLUMN, value=value)
        ws.merge_cells(start_row=row, start_column=LABEL_COLUMN, end_row=row, end_column=len(WIDTHS))
        cell.font = Font(name=FONT_NAME, size=NOTE_PT)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        lines = wrapped_lines(value, sum(WIDTHS[LABEL_COLUMN - 1 :]), NOTE_PT)
        ws.row_dimensions[row].height = row_height(lines, NOTE_PT)
    heading = [
        (order_texts.APPENDIX1_TITLE[language], TITLE_PT, True),
        (region, TITLE_PT, True),
        (subtitle, NOTE_PT, False),
    ]
    heading += [(info.status_line(language), NOTE_PT, True), (info.info_line(language), NOTE_PT, False)] if info else []
    heading_lines(ws, heading, WIDTHS, first_row=3)
    for title_row in (3, 4):
        ws.cell(row=title_row, column=1).alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
    heading_lines(ws, [(text, NOTE_PT, False) for text in order_texts.CLASSIFICATION_LEGEND[language]], WIDTHS, 8)


def _mark_derived(ws: Any, rows: list[list[Any]], derived: list[bool], texts: dict[str, Any]) -> None:
    """A derived baseline in italics with a note saying whose Fact it is; a legend above the table."""
    for offset, (values, flag) in enumerate(zip(rows, derived, strict=True), start=1):
        if flag:
            cell = ws.cell(row=HEADER_ROW + offset, column=BASELINE_COLUMN)
            cell.font = Font(name=FONT_NAME, size=NOTE_PT, italic=True)
            cell.comment = Comment(texts["derived"].format(year=values[_BASELINE_YEAR]), CREATOR)
    if any(derived):
        cell = ws.cell(row=HEADER_ROW - 1, column=1, value=texts["legend"])
        cell.font = Font(name=FONT_NAME, size=NOTE_PT, italic=True)


def _issued_sheet(
    workbook: Workbook, rows: dict[str, list[list[Any]]], derived: list[bool], kato: str, year: int, version: int
) -> None:
    """Row 1: mark, region, year, version; then per language and line: the cells as issued and the derived flag."""
    ws = workbook.create_sheet(ISSUED_SHEET)
    ws.sheet_state = "veryHidden"
    ws.append([ISSUED_MARK, kato, year, version])
    for language in TEXTS:
        for values, flag in zip(rows[language], derived, strict=True):
            ws.append([language, *values, flag])


def read_appendix1(path: Path, language: str = "ru") -> dict[str, Any]:
    """One sheet back: the heading lines by name and the rows keyed by the column headers."""
    texts = TEXTS[language]
    ws = load_workbook(Path(path))[texts["sheet"]]
    legend = len(order_texts.CLASSIFICATION_LEGEND[language])
    return {
        "appendix_label": ws.cell(row=1, column=LABEL_COLUMN).value,
        "form_label": ws.cell(row=2, column=LABEL_COLUMN).value,
        "title": f"{ws.cell(row=3, column=1).value}: {ws.cell(row=4, column=1).value}",
        "subtitle": ws.cell(row=5, column=1).value,
        "status_text": ws.cell(row=6, column=1).value,
        "document_info": ws.cell(row=7, column=1).value,
        "legend": [ws.cell(row=r, column=1).value for r in range(8, 8 + legend)],
        "rows": records(ws, texts["columns"], Path(path), header_row=HEADER_ROW),
    }
