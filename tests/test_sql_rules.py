"""The rules several queries share live once, in migration 0019 (docs/decisions.md 45): each object does what its
comment says on hand-made rows, and the rule's string form does not come back in etl/, plugins/ or dags/."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.catalogue.model import load_regions
from etl.reports.appendix2 import regions_for_year

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("etl", "plugins", "dags")

#: (valid_from, valid_to) around the year 2019: every edge day on both sides, and open ends
VALIDITIES = [
    (None, None),
    (date(2019, 12, 31), None),
    (date(2020, 1, 1), None),
    (None, date(2019, 1, 1)),
    (None, date(2018, 12, 31)),
    (date(2019, 1, 1), date(2019, 1, 1)),
    (date(2019, 12, 31), date(2019, 12, 31)),
    (date(2018, 12, 31), date(2020, 1, 1)),
    (date(2018, 6, 1), date(2018, 12, 31)),
    (date(2020, 1, 1), date(2020, 6, 1)),
    (date(2019, 6, 18), date(2019, 6, 18)),
]
YEARS = (2018, 2019, 2020)

# ------------------------------------------------------------------------ each rule on hand-made rows


@pytest.mark.parametrize(("valid_from", "valid_to"), VALIDITIES)
def test_region_in_year_agrees_with_its_python_twin_on_the_edge_days(engine, valid_from, valid_to):
    region = replace(load_regions()[0], valid_from=valid_from, valid_to=valid_to)
    with engine.connect() as conn:
        in_sql = {
            y: conn.execute(
                text("SELECT sdg.region_in_year(:f, :t, :y)"), {"f": valid_from, "t": valid_to, "y": y}
            ).scalar_one()
            for y in YEARS
        }
    assert in_sql == {y: region.valid_in(y) for y in YEARS}


def test_region_in_year_counts_a_region_in_its_first_and_last_year_only(engine):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sdg.region (kato_code, kind, name_ru, name_kk, name_en, valid_from, valid_to, sort_order) "
                "VALUES ('999999999', 'region', 'Т', 'Т', 'T', '2019-12-31', '2021-01-01', 999)"
            )
        )
        present = {y: "999999999" in regions_for_year(conn, y) for y in range(2018, 2023)}
    assert present == {2018: False, 2019: True, 2020: True, 2021: True, 2022: False}


def test_monitored_items_are_classification_1_and_2_not_3(engine):
    with engine.begin() as conn:
        code = conn.execute(text("SELECT code FROM sdg.indicator ORDER BY code LIMIT 1")).scalar_one()
        conn.execute(text("DELETE FROM sdg.appendix1_item WHERE kato_code = '110000000'"))
        for row_no, classification in (("1", 1), ("2", 2), ("3", 3), ("3.1", 3)):
            conn.execute(
                text(
                    "INSERT INTO sdg.appendix1_item (kato_code, row_no, indicator_code, classification) "
                    "VALUES ('110000000', :n, :c, :k)"
                ),
                {"n": row_no, "c": code, "k": classification},
            )
        monitored = conn.execute(
            text("SELECT row_no, classification FROM sdg.monitored_item WHERE kato_code = '110000000' ORDER BY 1")
        ).all()
        columns = conn.execute(text("SELECT * FROM sdg.monitored_item LIMIT 0")).keys()
        table = conn.execute(text("SELECT * FROM sdg.appendix1_item LIMIT 0")).keys()
    assert [tuple(r) for r in monitored] == [("1", 1), ("2", 2)]
    assert list(columns) == list(table)


def _report(conn, kind: str, kato: str | None, year: int, version: int, status: str) -> int:
    sql = """
        INSERT INTO sdg.report (kind, kato_code, year, version, status, path, sha256, content_sha256)
        VALUES (:kind, :k, :y, :v, :s, :p, repeat('0', 64), repeat('0', 64)) RETURNING report_id
    """
    params = {"kind": kind, "k": kato, "y": year, "v": version, "s": status, "p": f"/nowhere/{kind}_{year}_v{version}"}
    return conn.execute(text(sql), params).scalar_one()


def test_latest_report_is_the_highest_version_of_each_kind_region_and_year(engine):
    with engine.begin() as conn:
        newer = _report(conn, "appendix2", "110000000", 2024, 2, "draft")
        _report(conn, "appendix2", "110000000", 2024, 1, "final")
        other_region = _report(conn, "appendix2", "100000000", 2024, 1, "draft")
        other_year = _report(conn, "appendix2", "110000000", 2023, 1, "final")
        other_kind = _report(conn, "appendix1", "110000000", 2024, 1, "draft")
        _report(conn, "national_extract", None, 2024, 1, "draft")
        national = _report(conn, "national_extract", None, 2024, 2, "draft")
        latest = conn.execute(text("SELECT report_id, version FROM sdg.latest_report ORDER BY report_id")).all()
        columns = conn.execute(text("SELECT * FROM sdg.latest_report LIMIT 0")).keys()
        table = conn.execute(text("SELECT * FROM sdg.report LIMIT 0")).keys()
    assert sorted(latest) == sorted([(newer, 2), (other_region, 1), (other_year, 1), (other_kind, 1), (national, 2)])
    assert list(columns) == list(table)


# ------------------------------------------------------------- the rules' string forms stay in the migration

#: rule -> the string forms that spell it out (whitespace-insensitive, case-insensitive)
SPELLED_OUT: dict[str, list[str]] = {
    "sdg.region_in_year": [r"valid_(from|to)\s*[<>]=?\s*(make_)?date\s*\("],
    "sdg.monitored_item": [r"classification\s+IN\s*\(\s*1\s*,\s*2\s*\)", r"classification\s*(<\s*3|<=\s*2)\b"],
    "sdg.latest_report": [r"version\s+DESC", r"max\s*\(\s*(\w+\.)?version\s*\)\s+FROM\s+sdg\.report\b"],
}
#: exact passages allowed to keep a string form, and why
ALLOWED: dict[str, list[str]] = {
    # the Python twin, for catalogue records not in the database; test above checks it agrees
    "etl/catalogue/model.py": [
        "starts = self.valid_from is None or self.valid_from <= date(year, 12, 31)",
        "ends = self.valid_to is None or self.valid_to >= date(year, 1, 1)",
    ],
    # the newest version of an official status (what an amendment compares against), not the newest of any status
    "etl/reports/amendments.py": ["AND status IN ('final', 'amended')\nORDER BY version DESC LIMIT 1"],
}


def _sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".sql"))


@pytest.mark.parametrize("rule", sorted(SPELLED_OUT))
def test_no_rule_is_spelled_out_outside_the_migration(rule):
    found = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        for passage in ALLOWED.get(name, []):
            assert passage in source, f"{name}: the allowed passage is gone, drop it from ALLOWED: {passage!r}"
            source = source.replace(passage, "")
        for pattern in SPELLED_OUT[rule]:
            for match in re.finditer(pattern, source, re.IGNORECASE):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {match.group(0)!r}")
    assert not found, f"use {rule} (migration 0019) instead of spelling it out:\n" + "\n".join(found)
