"""``sdg export opensdg`` on a SYNTHETIC platform file (real Open SDG layout) plus the project's facts.

The ``facts`` fixture ingests the bundled Taldau samples (synthetic values in Taldau's real format) and
computes the facts of 2025. A small platform repository is written to ``tmp_path`` in the platform's own
layout for indicator 3-2-1 (its real header order, ``_T`` for the total sex, an empty urbanisation, a
value written ``19.50``, a monitoring-post code without a KATO alias) and ingested through
``SDG_OPENSDG_URL``. The export must give the platform's rows back as published and add the project's
2025 values under the platform's codes and spelling, at the indicator's precision.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from etl import jobs
from etl.cli import main
from etl.exports.numbers import plain
from etl.exports.opensdg import export_opensdg

HEADER = ["Year", "UNIT_MEASURE", "SEX", "URBANISATION", "REF_AREA", "Value"]
UNIT = "PER_1000_LIVE_BIRTHS"
#: years before the Taldau samples' (2015-2025), so no cell has two sources here
PLATFORM_ROWS = [
    ["2012", UNIT, "_T", "", "", "19.50"],
    ["2012", UNIT, "_T", "", "KZAKM", "16.99"],
    ["2012", UNIT, "F", "", "KZAKM", "15.2"],
    ["2012", UNIT, "_T", "", "KZLIS", "12.1"],  # a monitoring post: no KATO alias, carried as published
    ["2013", UNIT, "_T", "", "", "18.7"],
    ["2013", UNIT, "_T", "", "KZAKM", "16.06"],
]


def _platform(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows([HEADER, *PLATFORM_ROWS])
    (root / "data" / "indicator_3-2-1.csv").write_text(body.getvalue(), encoding="utf-8")
    return root


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _project_rows(conn, code: str, year: int) -> list[tuple[str, str, str]]:
    """(year, platform region code, value at the indicator's decimals) of the facts from 2015 to ``year``, with
    plain SQL."""
    rows = conn.execute(
        text(
            "SELECT iv.year::text, COALESCE(a.alias, ''), iv.value, i.decimals FROM sdg.indicator_value iv "
            "JOIN sdg.indicator i ON i.code = iv.indicator_code "
            "LEFT JOIN sdg.region_alias a ON a.kato_code = iv.kato_code AND a.scheme = 'opensdg' "
            "WHERE iv.indicator_code = :c AND iv.year BETWEEN 2015 AND :y AND iv.value IS NOT NULL"
        ),
        {"c": code, "y": year},
    ).all()
    return sorted((y, area, f"{value:.{decimals}f}".rstrip("0").rstrip(".")) for y, area, value, decimals in rows)


def test_platform_rows_stay_and_project_values_join(facts, monkeypatch, tmp_path):
    monkeypatch.setenv("SDG_OPENSDG_URL", str(_platform(tmp_path / "platform")))
    jobs.ingest("opensdg", "opensdg:3-2-1")
    jobs.compute_facts()  # 2012-2013 facts now come from the platform: they must not appear twice
    out = tmp_path / "export"
    with facts.connect() as conn:
        export = export_opensdg(conn, 2025, out)
        expected_2025 = _project_rows(conn, "3.2.1", 2025)
        computed = _project_rows(conn, "3.4.2", 2025)
    assert len(expected_2025) >= 100 and len(computed) >= 10

    rows = _read(out / "data" / "indicator_3-2-1.csv")
    assert rows[0] == HEADER
    assert rows[1 : 1 + len(PLATFORM_ROWS)] == PLATFORM_ROWS  # as published, in order, 19.50 stays 19.50
    added = rows[1 + len(PLATFORM_ROWS) :]
    assert all(r[1:4] == [UNIT, "_T", ""] for r in added)  # the file's own spelling of the totals
    assert sorted((r[0], r[4], r[5]) for r in added) == expected_2025
    assert [r[0] for r in added] == sorted(r[0] for r in added)
    assert not any("E" in r[5] or "e" in r[5] for r in added)
    summary = {f.indicator_id: f for f in export.files}["3-2-1"]
    assert summary.origins == {"platform": 5, "carried": 1, "project": len(expected_2025)}
    assert summary.layout == "snapshot" and summary.replaced == []

    # an indicator the platform has no file of here: the canonical layout, the computed values (3.4.2, per capita)
    rows = _read(out / "data" / "indicator_3-4-2.csv")
    assert rows[0] == ["Year", "UNIT_MEASURE", "REF_AREA", "Value"]
    assert sorted((r[0], r[2], r[3]) for r in rows[1:]) == computed
    assert {r[1] for r in rows[1:]} == {"PER_100000_POP"}

    # --year limits what the project adds, never what the platform published
    with facts.connect() as conn:
        export_opensdg(conn, 2013, tmp_path / "export-2013")
        export_opensdg(conn, 2020, tmp_path / "export-2020")
        expected_2020 = _project_rows(conn, "3.2.1", 2020)
    assert _read(tmp_path / "export-2013" / "data" / "indicator_3-2-1.csv")[1:] == PLATFORM_ROWS
    assert not (tmp_path / "export-2013" / "data" / "indicator_3-4-2.csv").exists()
    added = _read(tmp_path / "export-2020" / "data" / "indicator_3-2-1.csv")[1 + len(PLATFORM_ROWS) :]
    assert sorted((r[0], r[4], r[5]) for r in added) == expected_2020 and {r[0] for r in added} >= {"2015", "2020"}


def test_cli_writes_the_same_bytes_twice(facts, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", "opensdg", "--year", "2025", "--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in (out / "data").iterdir()}
    assert "indicator_3-2-1.csv" in first and "opensdg_manifest.json" in {p.name for p in out.iterdir()}
    assert main(["export", "opensdg", "--year", "2025", "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in (out / "data").iterdir()} == first
    printed = capsys.readouterr().out
    assert "0 values from the platform" in printed and "carried as published" in printed


def test_a_project_value_that_differs_from_the_platform_replaces_it_and_is_listed(facts, monkeypatch, tmp_path):
    with facts.connect() as conn:
        fact = conn.execute(
            text(
                "SELECT kato_code, value FROM sdg.indicator_value WHERE indicator_code = '3.2.1' AND year = 2025 "
                "AND kato_code = '110000000'"
            )
        ).one()
    root = tmp_path / "platform"
    (root / "data").mkdir(parents=True)
    published = fact.value + Decimal("1.5")
    (root / "data" / "indicator_3-2-1.csv").write_text(
        f"Year,UNIT_MEASURE,REF_AREA,Value\n2025,{UNIT},KZAKM,{published}\n", encoding="utf-8"
    )
    monkeypatch.setenv("SDG_OPENSDG_URL", str(root))
    jobs.ingest("opensdg", "opensdg:3-2-1")
    jobs.compute_facts(2025)  # the statistics office's own series (Taldau) keeps the cell
    with facts.connect() as conn:
        export = export_opensdg(conn, 2025, tmp_path / "export")
    rows = _read(tmp_path / "export" / "data" / "indicator_3-2-1.csv")
    assert ["2025", UNIT, "KZAKM", plain(fact.value, 2)] in rows
    replaced = {f.indicator_id: f for f in export.files}["3-2-1"].replaced
    assert replaced == [
        {
            "indicator": "3.2.1",
            "REF_AREA": "KZAKM",
            "Year": "2025",
            "dims": f"UNIT_MEASURE={UNIT}",
            "platform": str(published),
            "project": plain(fact.value, 2),
            "formula": "direct",
        }
    ]
