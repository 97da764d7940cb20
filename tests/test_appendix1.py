"""Appendix 1 lists read back cell by cell against the catalogue CSV files (parsed here with plain csv), in
both languages; a region's own baseline, target and wording (SYNTHETIC values) reach only that region's
file; versions change only with the content.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from etl import config
from etl.cli import main
from etl.jobs import issue_appendix1
from etl.reports.appendix1 import read_appendix1

YEAR = 2025
ASTANA = "710000000"
CLASSES = {
    "ru": {"1": "1 – актуальный", "2": "2 – для мониторинга", "3": "3 – мероприятия"},
    "kk": {"1": "1 – өзекті", "2": "2 – мониторинг үшін", "3": "3 – іс-шаралар"},
}


def _csv(name: str) -> list[dict[str, str]]:
    with (config.CATALOGUE_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected(language: str) -> list[tuple]:
    indicators = {r["code"]: r for r in _csv("indicators.csv")}
    suffix = "kk" if language == "kk" else "ru"
    rows = []
    for item in _csv("appendix1.csv"):
        ind = indicators[item["indicator_code"]]
        rows.append((item["row_no"], item["indicator_code"], ind[f"name_{suffix}"], item["regional_name_ru"] or None,
                     CLASSES[language][item["classification"]], ind[f"unit_{suffix}"], None, None, None, None,
                     item["responsible_ru"] or ind[f"responsible_{suffix}"]))  # fmt: skip
    return rows


def test_every_region_list_is_the_catalogue_cell_by_cell(engine):
    result = issue_appendix1(YEAR)
    assert (result["lists"], result["new_versions"]) == (20, 20)
    files = sorted(Path(result["folder"]).glob(f"appendix1_*_{YEAR}_v1.xlsx"))
    assert len(files) == 20
    names = {r["kato_code"]: r for r in _csv("regions.csv")}
    for language in ("ru", "kk"):
        expected = _expected(language)
        for path in files:
            sheet = read_appendix1(path, language)
            assert [tuple(row.values()) for row in sheet["rows"]] == expected, (path.name, language)
            kato = path.name.split("_")[1]
            assert names[kato][f"name_{language}"] in sheet["title"]
    assert read_appendix1(files[0])["subtitle"] == "Перечень в редакции на 2025 год. Версия 1"


def test_a_regional_baseline_and_target_reach_only_that_region_and_make_a_new_version(engine, capsys):
    issue_appendix1(YEAR)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sdg.appendix1_item SET baseline_value = 12.40, baseline_year = 2023, target_value = 6.2, "
                "target_year = 2030, regional_name_ru = 'Доля населения города Астаны с доходами ниже ПМ' "
                "WHERE kato_code = :k AND indicator_code = '1.2.1'"
            ),
            {"k": ASTANA},
        )
    assert main(["report", "appendix1", "--year", str(YEAR)]) == 0
    assert "20 Appendix 1 lists for 2025 (1 new versions)" in capsys.readouterr().out
    folder = config.reports_dir() / str(YEAR) / "appendix1"
    rows = read_appendix1(folder / f"appendix1_{ASTANA}_{YEAR}_v2.xlsx", "kk")["rows"]
    first = next(row for row in rows if row["Ұлттық индикатор №"] == "1.2.1")
    assert (first["Базалық мән"], first["Базалық жыл"], first["Нысаналы мән"], first["Нысаналы жыл"]) == (
        Decimal("12.4"), 2023, Decimal("6.2"), 2030,
    )  # fmt: skip
    assert first["Өңірлік индикатор"] == "Доля населения города Астаны с доходами ниже ПМ"
    assert not (folder / f"appendix1_100000000_{YEAR}_v2.xlsx").exists()
