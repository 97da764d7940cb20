"""The national extract read back cell by cell against every region's issued Appendix 2 file (the forms are
read with their own reader, so the two renderings are compared, not the code with itself); its coverage,
versioning, and the rule that a final extract needs every region's current, final form.

Data: the bundled Taldau samples (SYNTHETIC numbers in the real shape) through the real ingest and facts.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.cli import main
from etl.jobs import issue_forms, issue_national_extract
from etl.reports.appendix2_xlsx import read_appendix2
from etl.reports.national_extract import IncompleteExtract
from etl.reports.national_extract_xlsx import read_national_extract

YEAR = 2025
FORM_FIELDS = (
    "№ п/п",
    "Наименование",
    "Ответственные",
    "Источник информации",
    "Единица измерения",
    "Отчетный год",
    "План",
    "Факт",
    "Пояснения при необходимости",
)
KK_FIELDS = (
    "Р/с №",
    "Атауы",
    "Жауаптылар",
    "Ақпарат көзі",
    "Өлшем бірлігі",
    "Есепті жыл",
    "Жоспар",
    "Факт",
    "Қажет болған жағдайда түсіндірмелер",
)


def _number(value):
    return Decimal(str(value)) if isinstance(value, float | int) and not isinstance(value, bool) else value


def _form_rows(path: str, sheet: str) -> list[tuple]:
    return [tuple(_number(v) for v in row) for row in read_appendix2(Path(path), sheet)["indicators"]]


def test_extract_lines_are_the_issued_forms_cell_by_cell(issued_2025):
    forms, extract = issued_2025["forms"], issued_2025["extract"]  # issue_forms(YEAR), issue_national_extract(YEAR)
    assert (extract["version"], extract["new"], extract["regions"], extract["regions_ready"]) == (1, True, 20, 0)
    by_region = dict(zip([Path(p).name.split("_")[1] for p in forms["paths"]], forms["paths"], strict=True))
    for language, sheet, fields in (("ru", "Приложение 2", FORM_FIELDS), ("kk", "2-қосымша", KK_FIELDS)):
        book = read_national_extract(Path(extract["path"]), language)
        kato_col = "Код КАТО" if language == "ru" else "ҚАТО коды"
        assert {line[kato_col] for line in book["lines"]} == set(by_region)
        for kato, path in by_region.items():
            lines = [line for line in book["lines"] if line[kato_col] == kato]
            expected = _form_rows(path, sheet)
            assert [tuple(line[f] for f in fields) for line in lines] == expected, (kato, language)
        coverage = {row[kato_col]: row for row in book["coverage"]}
        for kato, path in by_region.items():
            row = list(coverage[kato].values())
            rows = _form_rows(path, sheet)
            filled = sum(1 for r in rows if isinstance(r[7], Decimal))
            sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            yes = "да" if language == "ru" else "иә"
            status = "черновик" if language == "ru" else "жоба"
            assert row[2:] == [len(rows), filled, len(rows) - filled, 1, status, yes, sha], (kato, language)


def test_final_extract_needs_every_region_final_and_current(facts):
    with pytest.raises(IncompleteExtract, match="20 not ready: .*no Appendix 2 form issued"):
        issue_national_extract(YEAR, "final")
    draft = issue_national_extract(YEAR)  # a draft may show the gaps
    coverage = read_national_extract(Path(draft["path"]))["coverage"]
    assert {row["Версия формы"] for row in coverage} == {"форма не выпущена"}
    issue_forms(YEAR)  # draft forms are not enough either
    with pytest.raises(IncompleteExtract, match="20 not ready: .*is a draft"):
        issue_national_extract(YEAR, "final")
    issue_forms(YEAR, "final")
    final = issue_national_extract(YEAR, "final")
    assert final["regions_ready"] == 20 and final["version"] == 2
    book = read_national_extract(Path(final["path"]))
    assert book["subtitle"] == "Статус: окончательный. Версия свода: 2"
    assert {row["Статус формы"] for row in book["coverage"]} == {"окончательный"}
    assert read_national_extract(Path(final["path"]), "kk")["subtitle"] == "Мәртебесі: түпкілікті. Жиынтық нұсқасы: 2"


def test_unchanged_rerun_keeps_the_version_and_a_change_makes_the_next(facts):
    issue_forms(YEAR)
    first = issue_national_extract(YEAR)
    first_bytes = Path(first["path"]).read_bytes()
    again = issue_national_extract(YEAR)
    assert (again["version"], again["new"], again["path"]) == (1, False, first["path"])
    with facts.begin() as conn:  # a region's plan changes after its form was issued
        kato, code = conn.execute(text("SELECT kato_code, indicator_code FROM sdg.monitored_item LIMIT 1")).one()
        conn.execute(
            text(
                "INSERT INTO sdg.plan_value (indicator_code, kato_code, year, value) VALUES (:c, :k, :y, 77.7) "
                "ON CONFLICT (indicator_code, kato_code, year) DO UPDATE SET value = 77.7"
            ),
            {"c": code, "k": kato, "y": YEAR},
        )
    second = issue_national_extract(YEAR)
    assert (second["version"], second["new"]) == (2, True)
    book = read_national_extract(Path(second["path"]))
    outdated = [row for row in book["coverage"] if row["Форма актуальна"] == "нет"]
    assert [row["Код КАТО"] for row in outdated] == [kato]
    plans = [line["План"] for line in book["lines"] if line["Код КАТО"] == kato and line["Код индикатора"] == code]
    assert plans == [Decimal("77.7")]
    assert Path(first["path"]).read_bytes() == first_bytes  # issued files are never rewritten
    with facts.connect() as conn:
        recorded = conn.execute(
            text("SELECT version, sha256 FROM sdg.report WHERE kind = 'national_extract' ORDER BY version")
        ).all()
    assert [(v, sha) for v, sha in recorded] == [
        (1, hashlib.sha256(first_bytes).hexdigest()),
        (2, hashlib.sha256(Path(second["path"]).read_bytes()).hexdigest()),
    ]


def test_cli_extract_and_list(facts, capsys):
    assert main(["report", "extract", "--year", str(YEAR), "--status", "final"]) == 1
    assert "not ready" in capsys.readouterr().err
    assert main(["report", "issue", "--year", str(YEAR)]) == 0
    assert main(["report", "extract", "--year", str(YEAR)]) == 0
    out = capsys.readouterr().out
    assert f"national extract {YEAR} v1 (new version)" in out and "0 of 20 regions" in out
    assert main(["report", "list", "--year", str(YEAR)]) == 0
    assert "national extract: v1 draft" in capsys.readouterr().out
