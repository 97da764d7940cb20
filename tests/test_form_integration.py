"""Issue 8 end to end: plans (explicit and derived), progress, district activities and paragraph 26 reach the
issued Appendix 2 workbook and the national extract, read back cell by cell with openpyxl.

The scenario is a copy of the catalogue with SYNTHETIC rows in the real catalogue formats (Astana's own
Appendix 1 lines, plans, a straight-path opt-in, activities by district, a planning-document register); the
facts are the bundled Taldau samples (SYNTHETIC numbers in the real API shape) through the real ingest and
compute. Every expected value below is worked out by hand from those rows and the sample answers.
"""

from __future__ import annotations

import csv
import math
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import text

from etl import config
from etl.catalogue.files import ACTIVITY_FILE_COLUMNS
from etl.indicators.progress import ACCELERATION_NEEDED, ON_TRACK, category_label, reason_label
from etl.jobs import compute_facts, ingest, issue_forms, prepare_warehouse, series_keys
from etl.reports.appendix2_xlsx import TEXTS as FORM_TEXTS
from etl.reports.national_extract import issue_national_extract
from etl.reports.national_extract_xlsx import TEXTS as EXTRACT_TEXTS

YEAR = 2025
ASTANA, ALMATY, AKMOLA = "710000000", "750000000", "110000000"
DERIVED = {
    "ru": "план расчётный: прямая от базового значения к целевому",
    "kk": "жоспар есептік: базалық мәннен нысаналы мәнге дейінгі түзу",
}

# --- the scenario (synthetic rows in the catalogue's formats) ------------------------------------------------

# Astana's own Appendix 1 lines replace the typical list's rows 10 (3.2.1) and 20 (4.2.2, class 2 → 1).
# The baselines are the samples' 2020 values for Astana (4630524 total cut: 11,07; 703240: 84.2).
APPENDIX1_ROWS = f"{ASTANA},10,3.2.1,,1,2020,11.07,2030,8.0,\n{ASTANA},20,4.2.2,,1,2020,84.2,2030,95.0,\n"
# every Astana indicator with a baseline and target gets the straight path, unless an explicit plan exists
PLAN_PATHS = f"kato_code,indicator_code,method,note\n{ASTANA},*,linear,synthetic test rule\n"
PLANS = f"kato_code,indicator_code,year,value\n{ASTANA},1.2.1,{YEAR},3.8\n{ASTANA},3.2.1,{YEAR},9.20\n"
# (district_ru, district_kk, row_no, name_ru, name_kk, plan, fact); '' district = the region's own block
ACTIVITIES = (
    ("", "", "1", "Открытие центров поддержки молодёжи", "Жастарды қолдау орталықтарын ашу", 4, 3),
    ("", "", "2", "Модернизация перинатального центра", "Перинаталдық орталықты жаңғырту", 1, 1),
    ("", "", "2.1", "Закуп оборудования для перинатального центра", "Перинаталдық орталыққа жабдық сатып алу", 12, 10),
    ("район Есиль", "Есіл ауданы", "1", "Строительство детского сада", "Балабақша салу", 2, 1),
    ("район Байконыр", "Байқоңыр ауданы", "1", "Озеленение дворов", "Аулаларды көгалдандыру", 30, 28),
    ("район Байконыр", "Байқоңыр ауданы", "2", "Ремонт спортивных площадок", "Спорт алаңдарын жөндеу", 5, 5),
)
DOC_RU = "План развития города Астаны на 2021–2025 годы"
DOC_KK = "Астана қаласының 2021–2025 жылдарға арналған даму жоспары"
PRESCHOOL_RU = "Комплексный план развития дошкольного образования города Астаны"
PRESCHOOL_KK = "Астана қаласының мектепке дейінгі білім беруді дамытудың кешенді жоспары"
NEXT_RU = "План развития города Астаны на 2026–2030 годы"
NEXT_KK = "Астана қаласының 2026–2030 жылдарға арналған даму жоспары"
ALMATY_RU = "План развития города Алматы на 2021–2025 годы"
ALMATY_KK = "Алматы қаласының 2021–2025 жылдарға арналған даму жоспары"
PLANNING = (
    (ASTANA, "1.2.1", DOC_RU, DOC_KK, "2021-03-15", "2.3"),
    (ASTANA, "3.2.1", DOC_RU, DOC_KK, "2021-03-15", "3.1"),
    (ASTANA, "8.6.1", DOC_RU, DOC_KK, "2021-03-15", "1.7"),
    (ASTANA, "7.1.1", DOC_RU, DOC_KK, "2021-03-15", "5.2"),  # class 2: listed, not counted
    (ASTANA, "4.2.2", PRESCHOOL_RU, PRESCHOOL_KK, "2024-06-10", "1.4"),
    (ASTANA, "8.5.2", NEXT_RU, NEXT_KK, "2026-02-20", "1.2"),  # adopted after 2025: not integrated yet
    (ALMATY, "3.1.1", ALMATY_RU, ALMATY_KK, "2021-04-02", "4.5"),
)

# --- hand-worked expectations ---------------------------------------------------------------------------------

#: class-1 rows of the shipped typical list (the `*` rows of catalogue/appendix1.csv with classification 1)
TYPICAL_CLASS1 = ("1.2.1", "3.1.1", "3.2.1", "8.5.2", "8.6.1")
#: Astana: typical class 1 + 4.2.2 (own row) = 6; in documents adopted by 31.12.2025: 1.2.1, 3.2.1, 8.6.1 (2021),
#: 4.2.2 (2024) = 4 → 4/6 = 66.7 %; 8.5.2 (2026) and 3.1.1 are not. Almaty: 3.1.1 → 1/5 = 20.0 %. Akmola: 0/5.
INTEGRATION = {
    ASTANA: (6, 4, 66.7, "3.1.1, 8.5.2"),
    ALMATY: (5, 1, 20.0, "1.2.1, 3.2.1, 8.5.2, 8.6.1"),
    AKMOLA: (5, 0, 0.0, "1.2.1, 3.1.1, 3.2.1, 8.5.2, 8.6.1"),
}
ASTANA_DOCUMENTS = {
    "ru": f"{DOC_RU} (15.03.2021): 1.2.1 (2.3), 3.2.1 (3.1), 7.1.1 (5.2), 8.6.1 (1.7)\n"
    f"{PRESCHOOL_RU} (10.06.2024): 4.2.2 (1.4)",
    "kk": f"{DOC_KK} (15.03.2021): 1.2.1 (2.3), 3.2.1 (3.1), 7.1.1 (5.2), 8.6.1 (1.7)\n"
    f"{PRESCHOOL_KK} (10.06.2024): 4.2.2 (1.4)",
}

# Astana's 2025 lines: Appendix 1 row number → (plan, fact) as the form prints them, and the gap text.
# 1.2.1 (%, 1 decimal): explicit plan 3.8, fact 3.4 (sample 704460) → 3.4 − 3.8 = −0.4 п.п.
# 3.2.1 (на 1000 родившихся, 2 decimals): explicit 9.20 wins over the path 11.07 + (8.0 − 11.07)·5/10 = 9.535;
#       fact 9.51 (sample 4630524) → +0.31.
# 4.2.2 (%, 1 decimal): no explicit plan → path 84.2 + (95.0 − 84.2)·(2025 − 2020)/(2030 − 2020) = 89.6;
#       fact 88.9 (sample 703240) → −0.7 п.п.
LINES = {
    "2": ("1.2.1", 3.8, 3.4, {"ru": "ниже плана на 0,4 п.п.", "kk": "жоспардан 0,4 п.т. төмен"}),
    "10": (
        "3.2.1",
        9.2,
        9.51,
        {"ru": "выше плана на 0,31 на 1000 родившихся", "kk": "жоспардан 0,31 (1000 туылғанға) жоғары"},
    ),
    "20": ("4.2.2", 89.6, 88.9, {"ru": "ниже плана на 0,7 п.п.", "kk": "жоспардан 0,7 п.т. төмен"}),
}


def _ratio(base: float, latest: float, target: float, years_done: int, years_all: int, direction: int) -> float:
    """Statistics Canada R = d·CAGR_actual / |CAGR_required| (docs/decisions/progress.md)."""
    actual = (latest / base) ** (1 / years_done) - 1
    required = (target / base) ** (1 / years_all) - 1
    return direction * actual / abs(required)


def test_hand_worked_categories():
    """The categories the form must print, from the formulas and the default cut-offs (0.95, 0.60, 1.5 %)."""
    # 4.2.2, increase desirable: 84.2 (2020, list) → 88.9 (2025), target 95.0 in 2030: R ≈ 0.90
    assert 0.60 <= _ratio(84.2, 88.9, 95.0, 5, 10, 1) < 0.95  # acceleration needed
    # 3.2.1, decrease desirable: 11.07 (2020, list) → 9.51 (2025), target 8.0 in 2030: R ≈ 0.94
    assert 0.60 <= _ratio(11.07, 9.51, 8.0, 5, 10, -1) < 0.95
    # 1.2.1, no target, decrease desirable: 4.6 (2015 fact) → 3.4 (2025): growth −(3.4/4.6)^(1/10) + 1 ≈ 2.98 %/year
    assert -((3.4 / 4.6) ** 0.1 - 1) * 100 >= 1.5  # on track
    # ESCAP current status: (x_t − x_b)/(x* − x_b)
    assert round((88.9 - 84.2) / (95.0 - 84.2), 2) == 0.44
    assert round((9.51 - 11.07) / (8.0 - 11.07), 2) == 0.51


EXPECTED_CATEGORY = {"1.2.1": ON_TRACK, "3.2.1": ACCELERATION_NEEDED, "4.2.2": ACCELERATION_NEEDED}
EXPECTED_ESCAP_STATUS = {"3.2.1": 0.51, "4.2.2": 0.44}


# --- the scenario's catalogue -----------------------------------------------------------------------------------


def _catalogue(folder: Path) -> Path:
    shutil.copytree(config.CATALOGUE_DIR, folder)
    with (folder / "appendix1.csv").open("a", encoding="utf-8") as handle:
        handle.write(APPENDIX1_ROWS)
    (folder / "plan_paths.csv").write_text(PLAN_PATHS, encoding="utf-8")
    (folder / "plans.csv").write_text(PLANS, encoding="utf-8")
    with (folder / "activities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ACTIVITY_FILE_COLUMNS)
        writer.writeheader()
        for district_ru, district_kk, row_no, name_ru, name_kk, plan, fact in ACTIVITIES:
            writer.writerow(
                {
                    "kato_code": ASTANA,
                    "year": YEAR,
                    "row_no": row_no,
                    "name_ru": name_ru,
                    "name_kk": name_kk,
                    "responsible_ru": "Аппарат акима района" if district_ru else "Акимат города Астаны",
                    "responsible_kk": "Аудан әкімінің аппараты" if district_ru else "Астана қаласының әкімдігі",
                    "source_ru": "Отчёт исполнителя",
                    "source_kk": "Орындаушының есебі",
                    "unit_ru": "единиц",
                    "unit_kk": "бірлік",
                    "plan_value": plan,
                    "fact_value": fact,
                    "district_ru": district_ru,
                    "district_kk": district_kk,
                }
            )
    with (folder / "planning_documents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kato_code", "indicator_code", "document_ru", "document_kk", "adopted_on", "item", "note"])
        writer.writerows([*row, "синтетическая запись теста"] for row in PLANNING)
    return folder


def _typical_class1() -> tuple[str, ...]:
    with (config.CATALOGUE_DIR / "appendix1.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kato_code"] == "*" and r["classification"] == "1"]
    return tuple(r["indicator_code"] for r in rows)


# --- reading the workbooks cell by cell ---------------------------------------------------------------------------


def _column_a(ws: Worksheet, value: str, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == value:
            return row
    raise AssertionError(f"{ws.title}: no row with {value!r} in column A")


def _form_blocks(ws: Worksheet, language: str) -> tuple[dict[str, tuple], list[tuple]]:
    """(indicator rows keyed by their number, activity rows in order) of one Appendix 2 sheet."""
    texts = FORM_TEXTS[language]
    first = _column_a(ws, texts.indicators_header)
    middle = _column_a(ws, texts.activities_header, first + 1)
    footnote = _column_a(ws, texts.footnote, middle + 1)

    def rows(start: int, stop: int) -> list[tuple]:
        return [tuple(ws.cell(row=r, column=c).value for c in range(1, 10)) for r in range(start, stop)]

    indicators = {row[0]: row for row in rows(first + 1, middle)}
    return indicators, [row for row in rows(middle + 1, footnote) if any(v is not None for v in row)]


def _table(ws: Worksheet, headers: tuple[str, ...]) -> list[dict[str, Any]]:
    """A flat table of the extract: header row 4 must be ``headers``; every row under it as a dict."""
    assert tuple(ws.cell(row=4, column=c).value for c in range(1, len(headers) + 1)) == headers, ws.title
    out = []
    for row in range(5, ws.max_row + 1):
        values = [ws.cell(row=row, column=c).value for c in range(1, len(headers) + 1)]
        if any(v is not None for v in values):
            out.append(dict(zip(headers, values, strict=True)))
    return out


def _two_places(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the test ------------------------------------------------------------------------------------------------------


def test_plans_progress_activities_and_para26_reach_the_issued_reports(engine, replay, tmp_path, monkeypatch):
    assert _typical_class1() == TYPICAL_CLASS1, "the shipped typical list changed: rework INTEGRATION by hand"
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(_catalogue(tmp_path / "catalogue")))
    prepare_warehouse()
    assert {ingest("taldau", key)["status"] for key in series_keys("taldau")} == {"loaded"}
    compute_facts()  # every year (the facts DAG): progress needs the years since the base
    compute_facts(YEAR)  # the reporting DAG's own step
    forms = issue_forms(YEAR)
    issued, _ = issue_national_extract(engine, YEAR)
    with engine.connect() as conn:
        stored = {
            (r.kato_code, r.indicator_code): r
            for r in conn.execute(text("SELECT * FROM sdg.indicator_progress WHERE year = :y"), {"y": YEAR})
        }
    for code, category in EXPECTED_CATEGORY.items():
        assert stored[(ASTANA, code)].category == category, code

    astana = next(Path(p) for p in forms["paths"] if Path(p).name.startswith(f"appendix2_{ASTANA}_"))
    book = load_workbook(astana)
    for language in ("ru", "kk"):
        ws = book[FORM_TEXTS[language].sheet_title]
        indicators, activities = _form_blocks(ws, language)
        _check_form_lines(indicators, stored, language)
        _check_activities(activities, language)

    extract = load_workbook(issued.path)
    for language in ("ru", "kk"):
        texts = EXTRACT_TEXTS[language]
        lines = _table(extract[texts.lines_sheet], texts.line_columns)
        _check_extract_lines(lines, texts.line_columns, stored, language)
        _check_integration(_table(extract[texts.integration_sheet], texts.integration_columns), language)
    _check_replanned_without_recompute(tmp_path / "catalogue", stored)


def _check_replanned_without_recompute(catalogue: Path, stored: dict) -> None:
    """A plan edited after the last compute (`sdg catalogue import-plans`, then `sdg report issue`): the form's
    gap is to the plan it prints, 3.4 − 3.6 = −0.2 п.п., not to the plan the progress run saw (3.8)."""
    (catalogue / "plans.csv").write_text(PLANS.replace(f"1.2.1,{YEAR},3.8", f"1.2.1,{YEAR},3.6"), encoding="utf-8")
    prepare_warehouse()
    forms = issue_forms(YEAR, regions=[ASTANA])
    assert forms["new_versions"] == 1
    book = load_workbook(forms["paths"][0])
    label = {lang: category_label(stored[(ASTANA, "1.2.1")].category, lang) for lang in ("ru", "kk")}
    expected = {"ru": f"ниже плана на 0,2 п.п.; {label['ru']}", "kk": f"жоспардан 0,2 п.т. төмен; {label['kk']}"}
    for language in ("ru", "kk"):
        row = _form_blocks(book[FORM_TEXTS[language].sheet_title], language)[0]["2"]
        assert (row[6], row[7], row[8]) == (3.6, 3.4, expected[language]), language


def _check_form_lines(indicators: dict[str, tuple], stored: dict, language: str) -> None:
    for number, (code, plan, fact, gap) in LINES.items():
        row = indicators[number]
        assert (row[5], row[6], row[7]) == (YEAR, plan, fact), (language, code, row)
        label = category_label(stored[(ASTANA, code)].category, language)
        derived = [DERIVED[language]] if code == "4.2.2" else []  # the only plan taken from the straight path
        assert row[8] == "; ".join([*derived, gap[language], label]), (language, code)
        assert (DERIVED[language] in row[8]) == (code == "4.2.2"), (language, code)


def _check_activities(activities: list[tuple], language: str) -> None:
    """Own rows 1, 2, 2.1 (top-level maximum 2); districts sorted by their Russian name print as 3 and 4."""
    kk = language == "kk"
    own = [(n, kk_name if kk else name) for _, _, n, name, kk_name, *_ in ACTIVITIES[:3]]
    baikonyr, yesil = ("Байқоңыр ауданы", "Есіл ауданы") if kk else ("район Байконыр", "район Есиль")
    expected = [
        *own,
        ("3.1", f"{baikonyr}: {'Аулаларды көгалдандыру' if kk else 'Озеленение дворов'}"),
        ("3.2", f"{baikonyr}: {'Спорт алаңдарын жөндеу' if kk else 'Ремонт спортивных площадок'}"),
        ("4.1", f"{yesil}: {'Балабақша салу' if kk else 'Строительство детского сада'}"),
    ]
    assert [(row[0], row[1]) for row in activities] == expected, language
    assert [(row[6], row[7]) for row in activities] == [(4, 3), (1, 1), (12, 10), (30, 28), (5, 5), (2, 1)]


def _check_extract_lines(lines: list[dict], columns: tuple[str, ...], stored: dict, language: str) -> None:
    kato, number, code, plan, fact, note, progress, status, api = (columns[i] for i in (0, 2, 3, 7, 8, 9, 12, 13, 14))
    assert {line[kato] for line in lines} >= {ASTANA, ALMATY, AKMOLA}
    assessed = 0
    for line in lines:
        row = stored.get((line[kato], line[code]))
        if row is None:
            assert (line[progress], line[status], line[api]) == (None, None, None), line
            continue
        assessed += 1
        label = category_label(row.category, language) or reason_label(row.reason, language) or None
        assert line[progress] == label, line
        assert _two_places(line[status]) == _two_places(row.escap_current_status), line
        assert _two_places(line[api]) == _two_places(row.escap_api), line
    assert assessed >= 20 * 10, "the samples feed about a dozen indicators in every region"
    astana = {line[number]: line for line in lines if line[kato] == ASTANA}
    for row_no, (indicator, plan_value, fact_value, gap) in LINES.items():
        line = astana[row_no]
        assert (line[code], line[plan], line[fact]) == (indicator, plan_value, fact_value), line
        assert gap[language] in line[note], line
        assert (DERIVED[language] in line[note]) == (indicator == "4.2.2"), line
        assert line[progress] == category_label(EXPECTED_CATEGORY[indicator], language), line
        if indicator in EXPECTED_ESCAP_STATUS:
            assert float(line[status]) == EXPECTED_ESCAP_STATUS[indicator], line
        else:  # no target: no ESCAP indices
            assert (line[status], line[api]) == (None, None), line


def _check_integration(rows: list[dict], language: str) -> None:
    texts = EXTRACT_TEXTS[language]
    kato, count, done, share, missing, documents = (texts.integration_columns[i] for i in (0, 2, 3, 4, 5, 6))
    by_region = {row[kato]: row for row in rows}
    assert len(by_region) == 20
    for region, (class1, integrated, percent, not_integrated) in INTEGRATION.items():
        row = by_region[region]
        assert (row[count], row[done], row[missing]) == (class1, integrated, not_integrated), (language, row)
        assert math.isclose(float(row[share]), percent), (language, row)
    assert by_region[ASTANA][documents] == ASTANA_DOCUMENTS[language]
    assert by_region[AKMOLA][documents] is None
