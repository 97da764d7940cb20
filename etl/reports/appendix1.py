"""Appendix 1 of order No. 236: a region's list of SDG indicators, as one XLSX (Russian and Kazakh sheets).

The list is the catalogue's (``catalogue/appendix1.csv``, mirrored in ``sdg.appendix1_item``): row number,
national indicator number and name, the region's own wording, classification (1 = priority indicators
built into regional planning documents, 2 = for monitoring, 3 = activities), unit, baseline and target
(numbers in their own columns, years beside them, so the file can be computed on), responsible body.
Issued like every report: versioned, immutable, re-issued only when the content changes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.reports.appendix2 import regions_for_year
from etl.reports.appendix2_xlsx import CREATOR
from etl.reports.issuing import (
    IssuedReport,
    content_digest,
    latest_report,
    new_version_path,
    record_report,
    save_atomically,
    unchanged,
)
from etl.reports.xlsx_tables import heading, records, table

KIND = "appendix1"

_ROWS = """
SELECT a.row_no, i.code,
       CASE WHEN :lang = 'kk' THEN i.name_kk ELSE i.name_ru END AS national_name,
       a.regional_name_ru AS regional_name, a.classification,
       CASE WHEN :lang = 'kk' THEN i.unit_kk ELSE i.unit_ru END AS unit,
       a.baseline_value, a.baseline_year, a.target_value, a.target_year,
       COALESCE(a.responsible_ru, CASE WHEN :lang = 'kk' THEN i.responsible_kk ELSE i.responsible_ru END) AS responsible
FROM sdg.appendix1_item AS a JOIN sdg.indicator AS i ON i.code = a.indicator_code
WHERE a.kato_code = :kato
ORDER BY string_to_array(a.row_no, '.')::int[]
"""

TEXTS: dict[str, dict[str, Any]] = {
    "ru": {
        "sheet": "Приложение 1",
        "title": "Перечень индикаторов ЦУР: {region} (Приложение 1 к Методическим рекомендациям по локализации ЦУР)",
        "subtitle": "Перечень в редакции на {year} год. Версия {version}",
        "columns": ("№ п/п", "№ национального индикатора", "Национальный индикатор", "Региональный индикатор",
                    "Классификация", "Единица измерения", "Базовое значение", "Базовый год", "Целевое значение",
                    "Целевой год", "Ответственные"),
        "classes": {1: "1 – актуальный", 2: "2 – для мониторинга", 3: "3 – мероприятия"},
    },
    "kk": {
        "sheet": "1-қосымша",
        "title": "ТДМ индикаторларының тізбесі: {region} (ТДМ оқшаулау жөніндегі әдістемелік ұсынымдарға 1-қосымша)",
        "subtitle": "{year} жылға арналған редакциядағы тізбе. {version}-нұсқа",
        "columns": ("Р/с №", "Ұлттық индикатор №", "Ұлттық индикатор", "Өңірлік индикатор", "Жіктеу",
                    "Өлшем бірлігі", "Базалық мән", "Базалық жыл", "Нысаналы мән", "Нысаналы жыл", "Жауаптылар"),
        "classes": {1: "1 – өзекті", 2: "2 – мониторинг үшін", 3: "3 – іс-шаралар"},
    },
}  # fmt: skip
WIDTHS = (7, 12, 50, 40, 16, 16, 11, 9, 11, 9, 30)


def build_appendix1(conn: Connection, kato_code: str) -> dict[str, list[list[Any]]]:
    """The region's list, one row of cell values per item, per language."""
    result = {}
    for language, texts in TEXTS.items():
        rows = conn.execute(text(_ROWS), {"kato": kato_code, "lang": language}).mappings()
        result[language] = [
            [r["row_no"], r["code"], r["national_name"], r["regional_name"], texts["classes"][r["classification"]],
             r["unit"], _number(r["baseline_value"]), r["baseline_year"], _number(r["target_value"]),
             r["target_year"], r["responsible"]]
            for r in rows
        ]  # fmt: skip
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
        write_appendix1(rows, {"ru": names.name_ru, "kk": names.name_kk}, year, version, path)
        return record_report(conn, KIND, kato, year, version, "final", path, digest)


def write_appendix1(
    rows: dict[str, list[list[Any]]], region: dict[str, str], year: int, version: int, path: Path
) -> Path:
    """Both sheets («Приложение 1», «1-қосымша») to ``path``, atomically."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = CREATOR
    for language, texts in TEXTS.items():
        ws = workbook.create_sheet(texts["sheet"])
        subtitle = texts["subtitle"].format(year=year, version=version)
        heading(ws, texts["title"].format(region=region[language]), subtitle)
        table(ws, texts["columns"], rows[language], WIDTHS)
    save_atomically(workbook, path)
    return path


def read_appendix1(path: Path, language: str = "ru") -> dict[str, Any]:
    """One sheet back: title, subtitle and the rows keyed by the column headers."""
    texts = TEXTS[language]
    ws = load_workbook(Path(path))[texts["sheet"]]
    return {
        "title": ws.cell(row=1, column=1).value,
        "subtitle": ws.cell(row=2, column=1).value,
        "rows": records(ws, texts["columns"], Path(path)),
    }
