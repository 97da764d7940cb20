"""Appendix 1 lists read back cell by cell against the catalogue CSV files (parsed here with plain csv), in
both languages: each region's bodies named for it (a city's are the city's), the baseline year 2015 unless
given, a missing baseline offered from the baseline year's Fact and marked as derived; a region's own
baseline, target and wording (SYNTHETIC values) reach only that region's file; versions change only with the
content; Appendix 2 names its lines as the list does.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.cli import main
from etl.jobs import issue_appendix1
from etl.reports.appendix1 import read_appendix1
from etl.reports.appendix2 import indicator_lines
from tests.appendix1_helpers import ABAI, AKMOLA, ASTANA, KK, RU, YEAR, catalogue_csv, set_generic_body

CLASSES = {
    "ru": {"1": "1 – актуальный", "2": "2 – для мониторинга", "3": "3 – мероприятия"},
    "kk": {"1": "1 – өзекті", "2": "2 – мониторинг үшін", "3": "3 – іс-шаралар"},
}


def _region_items(kato: str) -> list[dict[str, str]]:
    """The region's lines by the catalogue's rule: its own row replaces the '*' row with the same number."""
    items: dict[str, dict[str, str]] = {}
    for item in catalogue_csv("appendix1.csv"):
        if item["kato_code"] == kato or (item["kato_code"] == "*" and item["row_no"] not in items):
            items[item["row_no"]] = item
    return sorted(items.values(), key=lambda r: [int(p) for p in r["row_no"].split(".")])


def _body(generic: str, region: dict[str, str], language: str) -> str:
    """The generic body with the region's genitive in place of «области» / «Облыстың» (ministries unchanged)."""
    if language == "ru":
        return re.sub(r"(^|\s)области(?=$|[\s,.;)])", lambda m: m.group(1) + region["genitive_ru"], generic, count=1)
    return re.sub(r"(^|\s)[Оо]блыстың(?=$|[\s,.;)])", lambda m: m.group(1) + region["genitive_kk"], generic, count=1)


def _expected(kato: str, language: str) -> list[tuple]:
    indicators = {r["code"]: r for r in catalogue_csv("indicators.csv")}
    region = next(r for r in catalogue_csv("regions.csv") if r["kato_code"] == kato)
    rows = []
    for item in _region_items(kato):
        ind = indicators[item["indicator_code"]]
        own_name = item.get(f"regional_name_{language}") or item["regional_name_ru"] or None
        own_body = item.get(f"responsible_{language}") or item["responsible_ru"]
        rows.append(
            (
                item["row_no"],
                item["indicator_code"],
                ind[f"name_{language}"],
                own_name,
                CLASSES[language][item["classification"]],
                ind[f"unit_{language}"],
                Decimal(item["baseline_value"]) if item["baseline_value"] else None,
                int(item["baseline_year"] or 2015),
                Decimal(item["target_value"]) if item["target_value"] else None,
                int(item["target_year"]) if item["target_year"] else None,
                own_body or _body(ind[f"responsible_{language}"], region, language),
            )
        )
    return rows


def test_every_region_list_is_the_catalogue_cell_by_cell(engine):
    result = issue_appendix1(YEAR)
    assert (result["lists"], result["new_versions"]) == (20, 20)
    files = sorted(Path(result["folder"]).glob(f"appendix1_*_{YEAR}_v1.xlsx"))
    assert len(files) == 20
    names = {r["kato_code"]: r for r in catalogue_csv("regions.csv")}
    for language in ("ru", "kk"):
        for path in files:
            kato = path.name.split("_")[1]
            sheet = read_appendix1(path, language)
            assert [tuple(row.values()) for row in sheet["rows"]] == _expected(kato, language), (path.name, language)
            assert names[kato][f"name_{language}"] in sheet["title"]
    assert read_appendix1(files[0])["subtitle"] == "Перечень в редакции на 2025 год. Версия 1"
    # the machine record of what was issued is there, out of the analyst's sight
    assert load_workbook(files[0])["sdg_issued"].sheet_state == "veryHidden"


def test_a_city_s_bodies_are_the_city_s_and_a_ministry_stays_as_it_is(engine):
    first, second = (r["indicator_code"] for r in _region_items(ASTANA)[:2])
    set_generic_body(engine, first, "Управление здравоохранения области", "Облыстың денсаулық сақтау басқармасы")
    set_generic_body(
        engine,
        second,
        "Министерство здравоохранения Республики Казахстан",
        "Қазақстан Республикасының Денсаулық сақтау министрлігі",
    )
    issue_appendix1(YEAR)
    folder = config.reports_dir() / str(YEAR) / "appendix1"
    expected = {  # worked out by hand
        ASTANA: ("Управление здравоохранения города Астаны", "Астана қаласының денсаулық сақтау басқармасы"),
        ABAI: ("Управление здравоохранения области Абай", "Абай облысының денсаулық сақтау басқармасы"),
        AKMOLA: ("Управление здравоохранения Акмолинской области", "Ақмола облысының денсаулық сақтау басқармасы"),
    }
    for kato, (body_ru, body_kk) in expected.items():
        path = folder / f"appendix1_{kato}_{YEAR}_v1.xlsx"
        ru, kk = (load_workbook(path)[sheet] for sheet in (RU, KK))
        assert (ru["K15"].value, kk["K15"].value) == (body_ru, body_kk), kato
        assert ru["K16"].value == "Министерство здравоохранения Республики Казахстан"
        assert kk["K16"].value == "Қазақстан Республикасының Денсаулық сақтау министрлігі"
    # Appendix 2 names the same bodies, from the same view
    with engine.connect() as conn:
        lines = dict(indicator_lines(conn, ASTANA, YEAR, "kk"))
        assert lines[first].responsible == "Астана қаласының денсаулық сақтау басқармасы"
        assert dict(indicator_lines(conn, ASTANA, YEAR, "ru"))[first].responsible == expected[ASTANA][0]


def test_a_missing_baseline_is_the_baseline_year_s_fact_marked_as_derived(engine):
    first, second, third = (r["indicator_code"] for r in _region_items(ASTANA)[:3])
    with engine.begin() as conn:
        facts = [(first, 2015, "7.25"), (second, 2019, "41.5"), (second, 2015, "99"), (third, 2015, "3.5")]
        for code, year, value in facts:
            conn.execute(
                text(
                    "INSERT INTO sdg.indicator_value (indicator_code, kato_code, year, value, status) "
                    "VALUES (:c, :k, :y, :v, 'final')"
                ),
                {"c": code, "k": ASTANA, "y": year, "v": Decimal(value)},
            )
        # row 2: the baseline year given (2019), no value; row 3: a value given, the Fact is not used
        conn.execute(
            text("UPDATE sdg.appendix1_item SET baseline_year = 2019 WHERE kato_code = :k AND row_no = '2'"),
            {"k": ASTANA},
        )
        conn.execute(
            text("UPDATE sdg.appendix1_item SET baseline_value = 4 WHERE kato_code = :k AND row_no = '3'"),
            {"k": ASTANA},
        )
    issue_appendix1(YEAR)
    path = config.reports_dir() / str(YEAR) / "appendix1" / f"appendix1_{ASTANA}_{YEAR}_v1.xlsx"
    for sheet, note in ((RU, "Факт 2015 года"), (KK, "2015 жылғы Факт")):
        ws = load_workbook(path)[sheet]
        assert (ws["G15"].value, ws["H15"].value, ws["G15"].font.i) == (7.25, 2015, True)
        assert note in ws["G15"].comment.text
        assert (ws["G16"].value, ws["H16"].value, ws["G16"].font.i) == (41.5, 2019, True)
        assert (ws["G17"].value, ws["H17"].value, ws["G17"].font.i, ws["G17"].comment) == (4, 2015, False, None)
        assert ws["A13"].value.startswith(("Курсивом", "Көлбеу"))
    # another region has no facts: nothing derived, no legend
    other = load_workbook(path.with_name(f"appendix1_{AKMOLA}_{YEAR}_v1.xlsx"))[RU]
    assert (other["G15"].value, other["G15"].comment, other["A13"].value) == (None, None, None)


def test_a_regional_baseline_and_target_reach_only_that_region_and_make_a_new_version(engine, capsys):
    issue_appendix1(YEAR)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sdg.appendix1_item SET baseline_value = 12.40, baseline_year = 2023, target_value = 6.2, "
                "target_year = 2030, regional_name_ru = 'Доля населения города Астаны с доходами ниже ПМ', "
                "regional_name_kk = 'Астана қаласының ЕТМ-нен төмен табысы бар халқының үлесі' "
                "WHERE kato_code = :k AND row_no = '1'"
            ),
            {"k": ASTANA},
        )
    assert main(["report", "appendix1", "--year", str(YEAR)]) == 0
    assert "20 Appendix 1 lists for 2025 (1 new versions)" in capsys.readouterr().out
    folder = config.reports_dir() / str(YEAR) / "appendix1"
    path = folder / f"appendix1_{ASTANA}_{YEAR}_v2.xlsx"
    first = read_appendix1(path, "kk")["rows"][0]
    assert (first["Базалық мән"], first["Базалық жыл"], first["Нысаналы мән"], first["Нысаналы жыл"]) == (
        Decimal("12.4"),
        2023,
        Decimal("6.2"),
        2030,
    )
    assert first["Өңірлік индикатор"] == "Астана қаласының ЕТМ-нен төмен табысы бар халқының үлесі"
    ru_first = read_appendix1(path)["rows"][0]
    assert ru_first["Региональный индикатор"] == "Доля населения города Астаны с доходами ниже ПМ"
    assert not (folder / f"appendix1_{ABAI}_{YEAR}_v2.xlsx").exists()
    with engine.connect() as conn:
        assert indicator_lines(conn, ASTANA, YEAR, "kk")[0][1].name == first["Өңірлік индикатор"]
