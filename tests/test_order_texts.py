"""Fidelity to order No. 236 (issue 10, point 3): the issued forms and lists carry the order's words, checked
cell by cell against a copy of the wording kept in tests/fixtures/order236_texts.json (not imported from the
code, so a change in one place alone fails); a city's bodies are the city's; a Kazakh sheet is Kazakh
throughout, and a missing Kazakh text stops the issue with the item named.

Data: the bundled Taldau samples (SYNTHETIC numbers in the real shape) through the real ingest and facts;
the catalogue as shipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError
from etl.jobs import issue_appendix1, issue_forms
from etl.reports.appendix2 import build_appendix2
from etl.reports.order_texts import order_words

YEAR = 2025
ASTANA, ABAI = "710000000", "100000000"
ORDER = json.loads((Path(__file__).parent / "fixtures" / "order236_texts.json").read_text(encoding="utf-8"))
SHEETS = {"ru": ("Приложение 2", "Приложение 1"), "kk": ("2-қосымша", "1-қосымша")}
#: texts that are the same in both languages (the order's Kazakh form says «Факт» too; units the platform
#: writes alike; KATO codes, numbers and hashes have no Cyrillic at all)
SAME_IN_BOTH = {"Факт", "Мвт", "мг/метр куб"}


def _row(ws, row: int) -> list:
    return [ws.cell(row=row, column=col).value for col in range(1, ws.max_column + 1)]


def _find(ws, value: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.row, cell.column
    raise AssertionError(f"{ws.title}: no cell says {value!r}")


def test_the_fixture_is_the_code_s_wording():
    assert {k: v for k, v in ORDER.items() if not k.startswith("_")} == order_words()


def test_forms_carry_the_order_s_words_cell_by_cell(facts):
    paths = {Path(p).name.split("_")[1]: Path(p) for p in issue_forms(YEAR)["paths"]}
    names = {
        r.kato_code: r for r in facts.connect().execute(text("SELECT kato_code, name_ru, name_kk FROM sdg.region"))
    }
    for kato in (ASTANA, ABAI):
        book = load_workbook(paths[kato])
        for language, (sheet, _) in SHEETS.items():
            ws = book[sheet]
            region = getattr(names[kato], f"name_{language}")
            assert ws["F1"].value == ORDER["appendix_label"]["2"][language]
            assert ws["F2"].value == ORDER["form_label"][language]
            assert ws["A3"].value == ORDER["appendix2_title"][language]
            assert ws["A4"].value == ORDER["appendix2_subtitle"][language].format(region=region, year=YEAR)
            assert _row(ws, 5)[:9] == ORDER["appendix2_columns"][language]
            assert _row(ws, 6)[:9] == list(range(1, 10))
            assert ws["A7"].value == ORDER["indicators_header"][language]
            activities, _ = _find(ws, ORDER["activities_header"][language])
            footnote, _ = _find(ws, ORDER["activities_footnote"][language])
            assert footnote > activities > 7
            # nothing of the other language's heading on this sheet
            other = "kk" if language == "ru" else "ru"
            for row in range(1, 6):
                assert ws.cell(row=row, column=1).value != ORDER["appendix2_title"][other]


def test_appendix1_carries_the_order_s_words_and_legend_cell_by_cell(engine):
    issue_appendix1(YEAR)
    folder = config.reports_dir() / str(YEAR) / "appendix1"
    book = load_workbook(folder / f"appendix1_{ASTANA}_{YEAR}_v1.xlsx")
    for language, (_, sheet) in SHEETS.items():
        ws = book[sheet]
        assert ws["G1"].value == ORDER["appendix_label"]["1"][language]
        assert ws["G2"].value == ORDER["form_label"][language]
        assert ws["A3"].value == ORDER["appendix1_title"][language]
        legend = ORDER["classification_legend"][language]
        assert [ws.cell(row=r, column=1).value for r in range(8, 8 + len(legend))] == legend
        header = _find(ws, "Классификация" if language == "ru" else "Жіктеу")[0]
        allowed = set(ORDER["classification"][language].values())
        classes = {ws.cell(row=r, column=5).value for r in range(header + 1, ws.max_row + 1)} - {None}
        assert classes and classes <= allowed, classes


def test_a_city_s_responsible_bodies_are_the_city_s_on_both_sheets(facts):
    paths = {Path(p).name.split("_")[1]: Path(p) for p in issue_forms(YEAR)["paths"]}
    for kato, city in ((ASTANA, True), ("750000000", True), ("790000000", True), (ABAI, False)):
        book = load_workbook(paths[kato])
        for language, (sheet, _) in SHEETS.items():
            ws = book[sheet]
            bodies = [ws.cell(row=r, column=3).value for r in range(8, ws.max_row + 1)]
            bodies = [b for b in bodies if isinstance(b, str) and ("Управление" in b or "басқармасы" in b)]
            assert bodies, (kato, language)
            wrong = re.compile(r"област|облыс", re.I) if city else re.compile(r"города|қаласы", re.I)
            assert not [b for b in bodies if wrong.search(b)], (kato, language)
            own = (
                ("города" if language == "ru" else "қаласының") if city else ("облас" if language == "ru" else "облыс")
            )
            assert all(own in b for b in bodies), (kato, language)


def test_every_kazakh_sheet_is_kazakh_throughout(facts):
    for path in map(Path, issue_forms(YEAR)["paths"]):
        book = load_workbook(path)
        ru, kk = book["Приложение 2"], book["2-қосымша"]
        for row in kk.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or not re.search("[А-Яа-яЁё]", value) or value in SAME_IN_BOTH:
                    continue
                assert value != ru.cell(row=cell.row, column=cell.column).value, (path.name, cell.coordinate, value)


def test_a_missing_kazakh_text_stops_the_issue_naming_the_item(engine):
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sdg.appendix1_item SET regional_name_ru = 'Доля бедных в городе', regional_name_kk = NULL "
                "WHERE kato_code = :k AND row_no = '2'"
            ),
            {"k": ASTANA},
        )
    with pytest.raises(CatalogueError, match=r"appendix1\.csv: region 710000000, row 2 \(1\.2\.1\): regional_name_kk"):
        issue_appendix1(YEAR)
    with engine.begin() as conn:
        conn.execute(text("UPDATE sdg.appendix1_item SET regional_name_ru = NULL WHERE kato_code = :k"), {"k": ASTANA})
        conn.execute(text("UPDATE sdg.activity SET note_kk = '' WHERE kato_code = :k AND row_no = '1'"), {"k": ASTANA})
        with pytest.raises(CatalogueError, match=r"activities\.csv: region 710000000, 2025, row 1: note_kk is empty"):
            build_appendix2(conn, ASTANA, YEAR, language="kk")
        build_appendix2(conn, ASTANA, YEAR, language="ru")  # the Russian sheet has what it needs
